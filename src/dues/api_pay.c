/* HTTP handlers of the payment providers: their notifications, answered in each provider's
 * own format rather than our error envelope (the provider reads the answer, not a person). */
#include <string.h>

#include "base/log.h"
#include "dues/api.h"
#include "base/month.h"
#include "db/db.h"
#include "dues/provider.h"
#include "dues/reconcile.h"
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

/* Our own generic notice (dues/provider.c: generic): public, authenticated by the HMAC of the
 * raw body (X-Dues-Signature); answered with our JSON and error envelope. */
int api_dues_callback(struct req *r, struct errbuf *e)
{
    struct dues_notify_in in = {r->body.data ? r->body.data : "", r->body.len, header, r};
    json_t *out = NULL;
    int rc = dues_provider_find("generic")->notify(r->db, &in, &out, e);
    return rc < 0 ? rc : req_reply_json(r, 200, out);
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

/* A YYYY-MM-DD query parameter as YYYYMMDD, def when absent. */
static int query_date(struct req *r, const char *key, int def, int *ret, struct errbuf *e)
{
    const char *v = req_query(r, key);
    if (!v || !*v) {
        *ret = def;
        return 0;
    }
    if (date_parse_iso(v, ret) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_DATE, key, v,
                            "parameter '%s' must be a date YYYY-MM-DD, not '%s'", key, v);
    return 0;
}

/* The reconciliations with the providers' statements, day by day (default the last 31 days).
 * A statement spans the whole merchant account: only finance covering the top of the tree. */
int api_dues_reconciliations(struct req *r, struct errbuf *e)
{
    char root[ORG_PATH_MAX] = "";
    const char *provider = req_query(r, "provider");
    int today = date_today(), from, to, rc;
    struct db_stmt *st;
    json_t *out = NULL;
    if ((rc = db_prepare(r->db, "SELECT path FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1",
                         &st, e)) < 0)
        return rc;
    if ((rc = db_step(st, e)) == 1)
        snprintf(root, sizeof(root), "%s", db_col_text(st, 0));
    db_done(st);
    if (rc < 0)
        return rc;
    if (!root[0] || !auth_covers(&r->auth, ROLE_FINANCE, root))
        return errbuf_field(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, NULL, NULL,
                            "the reconciliations span the whole company: finance of the top"
                            " organization only");
    if (provider && *provider && !dues_provider_find(provider))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "provider", provider,
                            "unknown payment provider '%s' (wechat, alipay)", provider);
    if ((rc = query_date(r, "to", today, &to, e)) < 0 ||
        (rc = query_date(r, "from", date_from_days(date_to_days(to) - 30), &from, e)) < 0 ||
        (rc = dues_reconcile_list(r->db, provider, from, to, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}
