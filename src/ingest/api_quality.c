/* HTTP handlers of completeness: declarations and releases (admin), the quality view
 * (admin: everything; committee: its subtree). */
#include "ingest/api.h"

#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "ingest/quality.h"
#include "org/scope.h"
#include "base/banned.h"

/* The source of the path's {id}: 0, or 404 when there is none. */
static int path_source(struct req *r, long long *ret, struct errbuf *e)
{
    long long one = 0;
    int rc;
    if ((rc = req_param_id(r, 0, ret, e)) < 0 ||
        (rc = db_query_int(r->db, e, &one, "SELECT 1 FROM sources WHERE id = $1", "i", *ret)) < 0)
        return rc;
    if (!one)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "source", *ret, "no source %lld",
                                *ret);
    return 0;
}

int api_expect_get(struct req *r, struct errbuf *e)
{
    long long id;
    json_t *o;
    int rc;
    if ((rc = path_source(r, &id, e)) < 0 || (rc = quality_expect_get(r->db, id, &o, e)) < 0)
        return rc;
    return req_reply_json(r, 200, o);
}

int api_expect_put(struct req *r, struct errbuf *e)
{
    struct quality_expect x = {json_object_get(r->json, "indicators"), NULL, 0, 0};
    long long id;
    json_t *o;
    int rc;
    if ((rc = path_source(r, &id, e)) < 0 ||
        (rc = req_str(r, "cadence", false, 16, &x.cadence, e)) < 0 ||
        (rc = req_int(r, "complete_day", true, &x.complete_day, e)) < 0 ||
        (req_has(r, "org_id") && (rc = req_int(r, "org_id", true, &x.org_id, e)) < 0))
        return rc;
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    if ((rc = quality_expect_set(r->db, id, &x, r->auth.account_id, e)) < 0 ||
        (rc = db_commit(r->db, e)) < 0) {
        db_rollback(r->db);
        return rc;
    }
    if ((rc = quality_expect_get(r->db, id, &o, e)) < 0)
        return rc;
    return req_reply_json(r, 200, o);
}

/* The month of ?month= or of the path: YYYYMM. */
static int month_of(const char *s, int *ret, struct errbuf *e)
{
    if (!s || !s[0])
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "month", NULL, "month is required");
    if (month_parse(s, ret) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, "month", s,
                            "invalid month '%s' (YYYYMM)", s);
    return 0;
}

int api_month_release(struct req *r, struct errbuf *e)
{
    const char *reason = NULL;
    int month, rc;
    if ((rc = month_of(r->nparams ? r->params[0] : NULL, &month, e)) < 0 ||
        (rc = req_str(r, "reason", true, 500, &reason, e)) < 0)
        return rc;
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    if ((rc = quality_release(r->db, month, reason, r->auth.account_id, e)) < 0 ||
        (rc = db_commit(r->db, e)) < 0) {
        db_rollback(r->db);
        return rc;
    }
    return req_reply_json(r, 200, json_pack("{s:i, s:s}", "month", month, "reason", reason));
}

/* Admin on the root of the tree: every organization and the rejected rows; committee staff,
 * and a provincial company's administrator (docs/SCALE.md, "Tenants"): their own subtree (the
 * first binding, or org_id inside its scope), without rows tied to no organization. */
int api_feeds_quality(struct req *r, struct errbuf *e)
{
    bool admin = auth_at_top(&r->auth, ROLE_ADMIN);
    char path[ORG_PATH_MAX] = "";
    long long source = 0, org = 0;
    int month, rc;
    json_t *v;
    if (!admin && !auth_has_role(&r->auth, ROLE_ORG_ADMIN))
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, "role", NULL,
                            "the quality view is for administrators and committee staff");
    /* no month: the month that ended last, the one a score run or a dues close waits for */
    if (!req_query(r, "month"))
        month = month_add(month_of_date(date_today()), -1);
    else if ((rc = month_of(req_query(r, "month"), &month, e)) < 0)
        return rc;
    if ((rc = req_query_int(r, "source_id", 0, 0, (long long)1 << 53, &source, e)) < 0 ||
        (rc = req_query_int(r, "org_id", 0, 0, (long long)1 << 53, &org, e)) < 0)
        return rc;
    if (!org && !admin)
        org = auth_home_org(&r->auth, ROLE_ORG_ADMIN);
    if (org && (rc = auth_check_org(r->db, &r->auth, admin ? ROLE_ADMIN : ROLE_ORG_ADMIN, org,
                                    path, e)) < 0)
        return rc;
    if ((rc = quality_view(r->db, month, source, org ? path : NULL, admin, &v, e)) < 0)
        return rc;
    return req_reply_json(r, 200, v);
}
