/* GET /api/v1/audit: the audit log (who changed what, and when) for administrators and
 * committee staff, within their subtree. */
#include "org/api.h"

#include <string.h>

#include "base/month.h"
#include "base/xlsxwrite.h"
#include "db/db.h"
#include "org/audit.h"
#include "org/scope.h"
#include "base/banned.h"

/* ?name=YYYY-MM-DD as the instant its local day begins (plus days); 0 when absent. */
static int day_param(struct req *r, const char *name, int days, long long *ret, struct errbuf *e)
{
    const char *s = req_query(r, name);
    int ymd;
    *ret = 0;
    if (!s)
        return 0;
    if (date_parse_iso(s, &ymd) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_DATE, name, s,
                            "query parameter '%s': expected YYYY-MM-DD, got '%.20s'", name, s);
    *ret = time_of_date(date_from_days(date_to_days(ymd) + days));
    return 0;
}

/* ?org_id= (default: the caller's first committee or admin organization), ?actor= (a login),
 * ?entity=, ?action=, ?entity_id=, ?from= and ?to= (local days, both included), paged. Rows
 * of no organization (sign-in locks, the scoring model) are shown to administrators of the
 * root only. */
/* The audit log as an .xlsx (操作日志). */
static const struct xlsx_col audit_cols[] = {
    {"时间", "at", 'T', 20, NULL},      {"操作人账号", "actor.login", 's', 14, NULL},
    {"操作人", "actor.name", 's', 12, NULL}, {"组织", "org.name", 's', 24, NULL},
    {"操作", "action", 's', 10, NULL},       {"对象", "entity", 's', 12, NULL},
    {"对象编号", "entity_id", 's', 10, NULL}, {"内容", "detail", 's', 60, NULL},
};

int api_audit(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    struct audit_query q = {0};
    const char *actor = req_query(r, "actor");
    long long org = 0, parent = 0;
    json_t *out;
    bool xlsx;
    int rc;
    if ((rc = req_format(r, &xlsx, e)) < 0 ||
        (rc = req_query_int(r, "org_id", 0, 0, (long long)1 << 62, &org, e)) < 0 ||
        (rc = req_query_int(r, "entity_id", 0, 0, (long long)1 << 62, &q.entity_id, e)) < 0 ||
        (rc = day_param(r, "from", 0, &q.from, e)) < 0 ||
        (rc = day_param(r, "to", 1, &q.to, e)) < 0 ||
        (rc = req_page(r, 50, &q.page, &q.page_size, e)) < 0)
        return rc;
    if (xlsx)
        q.page = 1, q.page_size = XLSX_EXPORT_MAX_ROWS;
    for (int i = 0; i < r->auth.nroles && !org; i++)
        if (r->auth.roles[i].role & ROLE_ORG_ADMIN)
            org = r->auth.roles[i].org_id;
    if (!org)
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, NULL, NULL,
                            "your roles do not allow reading the audit log");
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_ORG_ADMIN, org, path, e)) < 0)
        return rc;
    if (q.to && q.from >= q.to)
        return errbuf_field(e, -ERR_INVALID, R_MISMATCH, "from", req_query(r, "from"),
                            "'from' is after 'to'");
    q.entity = req_query(r, "entity");
    q.action = req_query(r, "action");
    if ((q.entity && strlen(q.entity) > 40) || (q.action && strlen(q.action) > 40)) {
        errbuf_field(e, -ERR_INVALID, R_TOO_LONG,
                     q.entity && strlen(q.entity) > 40 ? "entity" : "action", NULL,
                     "query parameters 'entity' and 'action' are at most 40 bytes");
        return errbuf_limit(e, 40);
    }
    if (actor) {
        if ((rc = db_query_int(r->db, e, &q.actor, "SELECT id FROM accounts WHERE login = $1", "t",
                               actor)) < 0)
            return rc;
        if (!q.actor)
            return errbuf_field(e, -ERR_NOTFOUND, R_NOT_FOUND, "actor", actor, "no account '%.64s'",
                                actor);
    }
    if ((rc = db_query_int(r->db, e, &parent,
                           "SELECT COALESCE(parent_id, 0) FROM orgs WHERE id = $1", "i", org)) < 0)
        return rc;
    q.path = path;
    q.all_orgs = parent == 0 && auth_covers(&r->auth, ROLE_ADMIN, path);
    if ((rc = audit_list(r->db, &q, &out, e)) < 0)
        return rc;
    return req_reply_list(r, xlsx, out, "操作日志", audit_cols,
                          sizeof(audit_cols) / sizeof(audit_cols[0]), e);
}
