/* 钉钉 custom robot: POST {"msgtype": "markdown", "markdown": {"title", "text"}, "at":
 * {"atMobiles": [...]}} to the robot's URL with &timestamp=<ms>&sign=<URL-encoded
 * base64(HMAC-SHA256(secret, timestamp + "\n" + secret))>. A mention needs the mobile both in
 * at.atMobiles and written as @mobile in the text. The reply is {"errcode": 0, ...}; 130101
 * is "sent too fast" (20 messages a minute per robot). */
#include <stdio.h>
#include <string.h>

#include "notify/notify.h"
#include "base/banned.h"

#define DINGTALK_RATE_LIMIT 130101
#define DINGTALK_TEXT_MAX 20000

static json_t *render(const char *title, const char *text, const json_t *mobiles)
{
    struct buf md;
    json_t *out;
    buf_init(&md, DINGTALK_TEXT_MAX + 4096);
    buf_printf(&md, "#### %s\n\n", title);
    /* markdown joins single lines: a line break is an empty line between */
    for (const char *p = text; *p; p++)
        if (*p == '\n')
            buf_addstr(&md, "\n\n");
        else
            buf_addch(&md, *p);
    for (size_t i = 0; i < json_array_size(mobiles); i++)
        buf_printf(&md, "%s@%s", i ? " " : "\n\n", json_string_value(json_array_get(mobiles, i)));
    out = json_pack("{s:s, s:{s:s, s:s}, s:{s:O, s:b}}", "msgtype", "markdown", "markdown", "title",
                    title, "text", buf_str(&md), "at", "atMobiles", mobiles, "isAtAll", 0);
    buf_release(&md);
    return out;
}

static int sign(const char *url, const char *secret, long long now_ms, json_t *body,
                struct buf *url_out, struct errbuf *e)
{
    char ts[32], sig[64];
    struct buf msg;
    int rc;
    (void)body;
    snprintf(ts, sizeof(ts), "%lld", now_ms);
    buf_init(&msg, 1024);
    rc = buf_printf(&msg, "%s\n%s", ts, secret);
    if (rc >= 0)
        notify_hmac_b64(secret, buf_str(&msg), sig);
    notify_buf_wipe(&msg);
    if (rc < 0 || buf_addstr(url_out, url) < 0 ||
        buf_printf(url_out, "%stimestamp=%s&sign=", strchr(url, '?') ? "&" : "?", ts) < 0 ||
        notify_urlencode(url_out, sig) < 0)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    return 0;
}

static enum notify_verdict reply(const char *body, char *err, size_t n)
{
    long long code = notify_reply_code(body, "errcode", "errmsg", err, n);
    return code == 0 ? NOTIFY_OK : code == DINGTALK_RATE_LIMIT ? NOTIFY_RATE_LIMIT : NOTIFY_RETRY;
}

const struct notify_provider notify_dingtalk = {"dingtalk", true, DINGTALK_TEXT_MAX, 0,
                                                render, sign, reply};
