/* 企业微信 group robot: POST {"msgtype": ...} to the robot's URL (its key is in the URL, there
 * is no signature). Markdown (content up to 4096 bytes) cannot @-mention, so a message that
 * must mention someone is msgtype text (content up to 2048 bytes) with mentioned_mobile_list.
 * The reply is {"errcode": 0, "errmsg": "ok"}; 45009 is the rate limit (20 messages a minute
 * per robot). */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"
#include "base/banned.h"

#define WECOM_RATE_LIMIT 45009

static json_t *render(const char *title, const char *text, const json_t *mobiles)
{
    char *content = NULL;
    json_t *out;
    if (json_array_size(mobiles)) {
        if (asprintf(&content, "%s\n%s", title, text) < 0)
            return NULL;
        out = json_pack("{s:s, s:{s:s, s:O}}", "msgtype", "text", "text", "content", content,
                        "mentioned_mobile_list", mobiles);
    } else {
        if (asprintf(&content, "**%s**\n%s", title, text) < 0)
            return NULL;
        out = json_pack("{s:s, s:{s:s}}", "msgtype", "markdown", "markdown", "content", content);
    }
    free(content);
    return out;
}

static int sign(const char *url, const char *secret, long long now_ms, json_t *body,
                struct buf *url_out, struct errbuf *e)
{
    (void)secret;
    (void)now_ms;
    (void)body;
    return buf_addstr(url_out, url) < 0 ? errbuf_set(e, -ERR_NOMEM, "out of memory") : 0;
}

static enum notify_verdict reply(const char *body, char *err, size_t n)
{
    long long code = notify_reply_code(body, "errcode", "errmsg", err, n);
    return code == 0 ? NOTIFY_OK : code == WECOM_RATE_LIMIT ? NOTIFY_RATE_LIMIT : NOTIFY_RETRY;
}

const struct notify_provider notify_wecom = {"wecom", false, 4096, 2048, render, sign, reply};
