/* 飞书 custom bot: POST {"timestamp": "<s>", "sign": ..., "msg_type": "text", "content":
 * {"text": ...}} where sign = base64(HMAC-SHA256 keyed with timestamp + "\n" + secret over an
 * empty message); the request body may be 20 KB at most. A custom bot can @-mention only by
 * open_id/user_id, not by mobile, so the responsible people are named in the text (责任人).
 * The reply is {"code": 0, "msg": "success"}; 11232 (and 9499) are the rate limit. */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "notify/notify.h"
#include "base/banned.h"

#define FEISHU_TEXT_MAX 18000 /* of the 20 KB body: the JSON around it and escapes */

static json_t *render(const char *title, const char *text, const json_t *mobiles)
{
    char *content = NULL;
    json_t *out;
    (void)mobiles;
    if (asprintf(&content, "%s\n%s", title, text) < 0)
        return NULL;
    out = json_pack("{s:s, s:{s:s}}", "msg_type", "text", "content", "text", content);
    free(content);
    return out;
}

static int sign(const char *url, const char *secret, long long now_ms, json_t *body,
                struct buf *url_out, struct errbuf *e)
{
    char ts[32], sig[64];
    struct buf key;
    int rc;
    snprintf(ts, sizeof(ts), "%lld", now_ms / 1000);
    buf_init(&key, 1024);
    rc = buf_printf(&key, "%s\n%s", ts, secret);
    if (rc >= 0)
        notify_hmac_b64(buf_str(&key), "", sig);
    notify_buf_wipe(&key);
    if (rc < 0 || buf_addstr(url_out, url) < 0)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    json_object_set_new(body, "timestamp", json_string(ts));
    json_object_set_new(body, "sign", json_string(sig));
    return 0;
}

static enum notify_verdict reply(const char *body, char *err, size_t n)
{
    long long code = notify_reply_code(body, "code", "msg", err, n);
    return code == 0 ? NOTIFY_OK : code == 11232 || code == 9499 ? NOTIFY_RATE_LIMIT : NOTIFY_RETRY;
}

const struct notify_provider notify_feishu = {"feishu", true, FEISHU_TEXT_MAX, 0, render, sign,
                                              reply};
