/* HTTP handlers of the payment providers: their notifications, answered in each provider's
 * own format rather than our error envelope (the provider reads the answer, not a person). */
#include <string.h>

#include "base/log.h"
#include "dues/api.h"
#include "dues/provider.h"
#include "http/req.h"
#include "org/scope.h"
#include "base/banned.h"

static const char *header(void *ctx, const char *name)
{
    return req_header(ctx, name);
}

/* The HTTP status of a refused notification. */
static int refused_status(int rc)
{
    switch (rc) {
    case -ERR_UNAUTH:
        return 401;
    case -ERR_INVALID:
        return 400;
    case -ERR_NOTFOUND:
        return 404;
    case -ERR_CONFLICT:
        return 409;
    default:
        return 500;
    }
}

/* Give the request to provider name's notify: 0 when taken, else the HTTP status of the
 * refusal (logged without the body: it may carry personal data). */
static int notified(struct req *r, const char *name, struct errbuf *e)
{
    const struct dues_provider *p = dues_provider_find(name);
    struct dues_notify_in in = {r->body.data ? r->body.data : "", r->body.len, header, r};
    json_t *out = NULL;
    int rc = p->notify(r->db, &in, &out, e), status;
    json_decref(out);
    if (rc == 0)
        return 0;
    status = refused_status(rc);
    if (status >= 500)
        log_error("%s payment notification: %s", name, e->msg);
    else
        log_info("%s payment notification refused: %s", name, e->msg);
    return status;
}

/* WeChat Pay's notification of a paid order: 204 when taken (also a repeat), else 4xx/5xx
 * with {"code": "FAIL", "message"}, after which WeChat Pay sends it again later. */
int api_dues_notify_wechat(struct req *r, struct errbuf *e)
{
    int status = notified(r, "wechat", e);
    if (status == 0)
        return req_reply_json(r, 204, NULL);
    return req_reply_json(r, status, json_pack("{s:s, s:s}", "code", "FAIL", "message", e->msg));
}

/* Alipay's asynchronous notification (a form): the text "success" when taken (also a repeat),
 * else "failure" with a 4xx/5xx status, after which Alipay sends it again later. */
int api_dues_notify_alipay(struct req *r, struct errbuf *e)
{
    int status = notified(r, "alipay", e);
    return req_reply_raw(r, status ? status : 200, "text/plain; charset=utf-8",
                         status ? "failure" : "success", 7);
}

/* The provider's order of the caller's pending online payment: where the member goes to pay
 * (WeChat Pay's h5_url). */
int api_dues_payment_order(struct req *r, struct errbuf *e)
{
    long long id;
    json_t *out = NULL;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = dues_provider_order(r->db, id, r->auth.member_id, r->auth.account_id, r->ip, &out,
                                  e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}
