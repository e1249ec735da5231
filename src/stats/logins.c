/* Sign-in statistics: one GROUP BY over the month's rows of the subtree (index logins_month
 * on month, org_id), the previous month's total over the same span, and the days filled in
 * with zeros. Days are local (UTC+8). */
#include "stats/logins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "stats/api.h"
#include "base/banned.h"

/* The month's sign-ins of the subtree [$2, $3); %s: the tenant named when the subtree lies in
 * one (tenant_of_subtree), so that on Citus the statement reads that tenant's shards alone. */
#define SUBTREE_JOIN                                                                               \
    " FROM logins l JOIN orgs o ON o.id = l.org_id"                                                \
    " WHERE l.month = $1 AND l.ok = 1 AND o.path >= $2 AND o.path < $3%s"

/* SUBTREE_JOIN's tenant condition, naming the tenant as parameter n (nothing for 0). */
static const char *named(long long tenant, int n)
{
    static const char *const conds[] = {" AND l.tenant_id = $4", " AND l.tenant_id = $5"};
    return tenant ? conds[n - 4] : "";
}

/* Sign-ins of month before the instant until. */
static int month_total(struct db *db, int month, const char *lo, const char *hi, long long until,
                       long long tenant, long long *ret, struct errbuf *e)
{
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*)" SUBTREE_JOIN " AND l.at < $4", named(tenant, 5));
    return tenant ? db_query_int(db, e, ret, sql, "ittii", (long long)month, lo, hi, until, tenant)
                  : db_query_int(db, e, ret, sql, "itti", (long long)month, lo, hi, until);
}

int stats_logins(struct db *db, long long org_id, const char *path, int month, long long now,
                 json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    char hi[ORG_PATH_MAX + 8], day[16], as_of[16], prev_day[16], sql[512];
    long long per_day[31] = {0}, total = 0, users = 0, prev = 0, tenant = 0;
    int today = date_of_time(now), days = month_days(month), before = month_add(month, -1), rc;
    long long start = time_of_date(month * 100 + 1), prev_start = time_of_date(before * 100 + 1);
    long long prev_until = start;
    bool complete = month < today / 100;
    json_t *daily;
    if (month > today / 100)
        return errbuf_field(e, -ERR_INVALID, R_IN_FUTURE, "month", NULL,
                            "month %d has not begun yet", month);
    if (!complete) {
        /* like with like: the month before up to the same day and time of day (its last day
         * when it is shorter) */
        days = today % 100;
        prev_until = prev_start + (now - start);
        if (prev_until > start)
            prev_until = start;
    }
    scope_bounds(path, hi, sizeof(hi));
    if ((rc = tenant_of_subtree(db, path, &tenant, e)) < 0)
        return rc;
    /* the local day of an instant: days since the month's first local midnight */
    snprintf(sql, sizeof(sql), "SELECT (l.at - $4) / 86400, COUNT(*)" SUBTREE_JOIN " GROUP BY 1",
             named(tenant, 5));
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        return rc;
    db_bindv(st, "itti", (long long)month, path, hi, start);
    if (tenant)
        db_bind_int(st, 5, tenant);
    while ((rc = db_step(st, e)) == 1) {
        long long d = db_col_int(st, 0), n = db_col_int(st, 1);
        if (d >= 0 && d < 31)
            per_day[d] += n;
        total += n;
    }
    db_done(st);
    if (rc < 0)
        return rc;
    snprintf(sql, sizeof(sql), "SELECT COUNT(DISTINCT l.account_id)" SUBTREE_JOIN,
             named(tenant, 4));
    if ((rc = tenant ? db_query_int(db, e, &users, sql, "itti", (long long)month, path, hi, tenant)
                     : db_query_int(db, e, &users, sql, "itt", (long long)month, path, hi)) < 0 ||
        (rc = month_total(db, before, path, hi, prev_until, tenant, &prev, e)) < 0)
        return rc;
    date_format(month * 100 + days, as_of, sizeof(as_of));
    date_format(date_of_time(prev_until - 1), prev_day, sizeof(prev_day));
    daily = json_array();
    for (int d = 0; d < days; d++) {
        date_format(month * 100 + d + 1, day, sizeof(day));
        json_array_append_new(daily, json_pack("{s:s, s:I}", "day", day, "logins",
                                               (json_int_t)per_day[d]));
    }
    *ret = json_pack("{s:I, s:I, s:b, s:s, s:I, s:I, s:I, s:s, s:o, s:o}", "org_id",
                     (json_int_t)org_id, "month", (json_int_t)month, "complete", complete,
                     "as_of", as_of, "logins", (json_int_t)total, "users", (json_int_t)users,
                     "previous", (json_int_t)prev, "previous_until", prev_day, "change",
                     prev ? json_real((double)total / (double)prev - 1.0) : json_null(), "daily",
                     daily);
    return 0;
}

/* GET /api/v1/stats/logins?org_id=&month=: staff within their subtree; default org is the
 * caller's first staff organization, default month this one. */
int api_stats_logins(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    const char *ms = req_query(r, "month");
    long long org = 0;
    long long now = (long long)time(NULL);
    int month = month_of_time(now), rc;
    json_t *out;
    if ((rc = req_query_int(r, "org_id", 0, 0, (long long)1 << 62, &org, e)) < 0)
        return rc;
    if (ms && month_parse(ms, &month) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, "month", ms,
                            "query parameter 'month': expected YYYYMM, got '%s'", ms);
    for (int i = 0; i < r->auth.nroles && !org; i++)
        if (r->auth.roles[i].role & ROLE_STAFF)
            org = r->auth.roles[i].org_id;
    if (!org)
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, NULL, NULL,
                            "your roles do not allow this");
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_STAFF, org, path, e)) < 0 ||
        (rc = stats_logins(r->db, org, path, month, now, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}
