/* Which run a page shows, and what re-runs changed for a member (docs/SCORING.md, "Late
 * events and re-runs"). Read only from score_runs and score_changes. */
#include "score/portrait.h"

#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

/* The run a page shows (portrait.h): rankings, portraits and the months list name it. A page
 * over several tenants (tenant 0: a national root) names the month's latest run of any scope,
 * since a tenant's run sums the rollups above the tenants again (run_spans.c). */
int portrait_run_json(struct db *db, int month, long long tenant, json_t **ret,
                      struct errbuf *e)
{
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "SELECT run, reason, finished_at, scope FROM score_run_log"
                        " WHERE month = $1 AND tenant_id = $2"
                        " AND (scope = 0 OR scope = $3 OR $3 = 0) ORDER BY run DESC LIMIT 1",
                        &st, e);
    if (rc < 0)
        return rc;
    db_bindv(st, "iii", (long long)month, (long long)TENANT_RUNS, tenant);
    if ((rc = db_step(st, e)) == 1)
        *ret = json_pack("{s:I, s:s, s:I, s:I}", "number", (json_int_t)db_col_int(st, 0),
                         "reason", db_col_text(st, 1), "finished_at",
                         (json_int_t)db_col_int(st, 2), "tenant", (json_int_t)db_col_int(st, 3));
    db_done(st);
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_SCORED, "month", month,
                                "month %d was not scored", month);
    return rc < 0 ? rc : 0;
}

int portrait_run_of_org(struct db *db, int month, long long org_id, json_t **ret,
                        struct errbuf *e)
{
    char path[ORG_PATH_MAX] = "";
    struct db_stmt *st;
    long long tenant = 0;
    int rc = db_prepare(db, "SELECT path FROM orgs WHERE id = $1", &st, e);
    if (rc < 0)
        return rc;
    db_bind_int(st, 1, org_id);
    if ((rc = db_step(st, e)) == 1)
        snprintf(path, sizeof(path), "%s", db_col_text(st, 0));
    db_done(st);
    /* an organization with other tenants below it: the month's latest run */
    if (rc < 0 || (path[0] && (rc = tenant_of_subtree(db, path, &tenant, e)) < 0))
        return rc;
    return portrait_run_json(db, month, tenant, ret, e);
}

/* The runs of a window of months: when each finished and why (score_run_log). */
struct run_info {
    int month;
    long long run, at;
    char reason[64];
};

static int runs_of(struct db *db, int first, int last, struct run_info **ret, size_t *n,
                   struct errbuf *e)
{
    struct db_stmt *st;
    struct run_info *v = NULL;
    size_t cap = 0;
    int rc = db_prepare(db,
                        "SELECT month, run, finished_at, reason FROM score_run_log"
                        " WHERE tenant_id = $1 AND month >= $2 AND month <= $3",
                        &st, e);
    *n = 0;
    if (rc < 0)
        return rc;
    db_bindv(st, "iii", (long long)TENANT_RUNS, (long long)first, (long long)last);
    while ((rc = db_step(st, e)) == 1) {
        if (*n == cap) {
            struct run_info *x = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));
            if (!x) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            v = x;
        }
        v[*n] = (struct run_info){(int)db_col_int(st, 0), db_col_int(st, 1), db_col_int(st, 2),
                                  ""};
        snprintf(v[*n].reason, sizeof(v[*n].reason), "%s", db_col_text(st, 3));
        ++*n;
    }
    db_done(st);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *ret = v;
    return 0;
}

/* One change row as the portrait shows it, with its run (NULL: a run not in the log). NULL
 * on a stored column that does not parse. */
static json_t *change_json(struct db_stmt *st, const struct run_info *run, struct errbuf *e)
{
    json_t *dims, *late, *o;
    if (portrait_json_column(db_col_text(st, 4), &dims, e) < 0)
        return NULL;
    if (portrait_json_column(db_col_text(st, 5), &late, e) < 0) {
        json_decref(dims);
        return NULL;
    }
    o = json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:s}", "month",
                  (json_int_t)db_col_int(st, 0), "run", (json_int_t)db_col_int(st, 1), "at",
                  (json_int_t)(run ? run->at : 0),
                  "old_index", db_col_null(st, 2) ? json_null() : json_real(db_col_double(st, 2)),
                  "new_index", db_col_null(st, 3) ? json_null() : json_real(db_col_double(st, 3)),
                  "dims", dims, "late", late, "late_events", (json_int_t)db_col_int(st, 6),
                  "reason", run ? run->reason : "");
    return o;
}

/* The changes re-runs made to member_id's results in the PORTRAIT_LINE months ending at
 * month, newest first. The caller has checked the right to read the member. Two reads, each
 * naming its tenant: the member's changes, and the runs (kept in TENANT_RUNS). */
int portrait_member_changes(struct db *db, long long member_id, long long tenant, int month,
                            json_t **ret, struct errbuf *e)
{
    json_t *out = json_array();
    struct db_stmt *st;
    struct run_info *runs = NULL;
    size_t nruns = 0;
    int first = month_add(month, -(PORTRAIT_LINE - 1));
    int rc = runs_of(db, first, month, &runs, &nruns, e);
    if (rc >= 0)
        rc = db_prepare(db,
                        "SELECT month, run, old_idx, new_idx, dims, late, late_events"
                        " FROM score_changes WHERE member_id = $1 AND month >= $2"
                        " AND month <= $3 AND tenant_id = $4 ORDER BY month DESC, run DESC",
                        &st, e);
    if (rc < 0) {
        free(runs);
        json_decref(out);
        return rc;
    }
    db_bindv(st, "iiii", member_id, (long long)first, (long long)month, tenant);
    while ((rc = db_step(st, e)) == 1) {
        const struct run_info *run = NULL;
        json_t *c;
        for (size_t i = 0; i < nruns && !run; i++)
            if (runs[i].month == db_col_int(st, 0) && runs[i].run == db_col_int(st, 1))
                run = &runs[i];
        if (!run) /* as the join it replaces: a change shows with its run */
            continue;
        if (!(c = change_json(st, run, e))) {
            rc = -ERR_INTERNAL;
            break;
        }
        json_array_append_new(out, c);
    }
    db_done(st);
    free(runs);
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    *ret = out;
    return 0;
}
