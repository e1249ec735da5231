/* What the plan grid reads beside the organizations, tasks and events (grid.c): the dues
 * collected, the figures reported by hand and the responsible people. */
#include "plan/grid_load.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/month.h"
#include "db/db.h"
#include "plan/grid.h"
#include "base/banned.h"

/* Dues tasks: the share of the branch's regular bills (those it must collect: not exempt,
 * not without a base) paid by the end of their month, from the dues module's tables, for the
 * months it has generated. A bill counts for the organization it was issued to. */
int plan_grid_load_dues(struct db *db, struct plan_grid *g, struct errbuf *e)
{
    struct db_stmt *st;
    bool any = false;
    int rc;
    for (int t = 0; t < g->ntasks; t++)
        any |= g->tasks[t].metric == METRIC_DUES;
    if (!any)
        return 0;
    g->dues_liable = calloc((size_t)(g->norgs ? g->norgs : 1) * 12, sizeof(double));
    g->dues_paid = calloc((size_t)(g->norgs ? g->norgs : 1) * 12, sizeof(double));
    if (!g->dues_liable || !g->dues_paid)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    if ((rc = db_prepare(db,
                         "SELECT month FROM dues_months WHERE generated_at IS NOT NULL"
                         " AND month >= $1 AND month <= $2",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", (long long)g->year * 100 + 1, (long long)g->year * 100 + 12);
    while ((rc = db_step(st, e)) == 1)
        g->dues_months |= 1u << (db_col_int(st, 0) % 100 - 1);
    db_done(st);
    if (rc < 0 || !g->dues_months)
        return rc < 0 ? rc : 0;
    /* "by month end": paid before the first instant of the next month (local time), one
     * bound per month passed as parameters (no date functions in SQL). The bounds are cast:
     * PostgreSQL would type a CASE of untyped parameters as text and refuse paid_at < text. */
#define BILLS(tenant)                                                                              \
    "SELECT org_id, month, COUNT(*), SUM(CASE WHEN status IN ('paid',"                             \
    " 'confirmed') AND paid_at < CASE month"                                                       \
    " WHEN $3 THEN CAST($4 AS BIGINT) WHEN $5 THEN CAST($6 AS BIGINT)"                             \
    " WHEN $7 THEN CAST($8 AS BIGINT) WHEN $9 THEN CAST($10 AS BIGINT)"                            \
    " WHEN $11 THEN CAST($12 AS BIGINT) WHEN $13 THEN CAST($14 AS BIGINT)"                         \
    " WHEN $15 THEN CAST($16 AS BIGINT) WHEN $17 THEN CAST($18 AS BIGINT)"                         \
    " WHEN $19 THEN CAST($20 AS BIGINT) WHEN $21 THEN CAST($22 AS BIGINT)"                         \
    " WHEN $23 THEN CAST($24 AS BIGINT) WHEN $25 THEN CAST($26 AS BIGINT)"                         \
    " END THEN 1 ELSE 0 END)"                                                                      \
    " FROM dues_bills WHERE kind = 'regular'"                                                      \
    " AND status IN ('unpaid', 'paid', 'confirmed') AND month >= $1"                               \
    " AND month <= $2" tenant " GROUP BY org_id, month"
    /* a grid of one tenant's rows names it: on Citus its shards alone are read */
    if ((rc = db_prepare(db, g->rows_tenant ? BILLS(" AND tenant_id = $27") : BILLS(""), &st,
                         e)) < 0)
        return rc;
#undef BILLS
    db_bindv(st, "ii", (long long)g->year * 100 + 1, (long long)g->year * 100 + 12);
    if (g->rows_tenant)
        db_bind_int(st, 27, g->rows_tenant);
    for (int m = 1; m <= 12; m++) {
        int next = month_add(g->year * 100 + m, 1);
        db_bind_int(st, 2 * m + 1, (long long)g->year * 100 + m);
        db_bind_int(st, 2 * m + 2, time_of_date(next * 100 + 1));
    }
    while ((rc = db_step(st, e)) == 1) {
        int org = plan_grid_org(g, db_col_int(st, 0)), m = (int)(db_col_int(st, 1) % 100);
        if (org < 0 || m < 1 || m > 12)
            continue;
        g->dues_liable[org * 12 + m - 1] += (double)db_col_int(st, 2);
        g->dues_paid[org * 12 + m - 1] += (double)db_col_int(st, 3);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int plan_grid_report_cmp(const void *a, const void *b)
{
    const struct plan_report *x = a, *y = b;
    if (x->task != y->task)
        return x->task < y->task ? -1 : 1;
    if (x->org != y->org)
        return x->org < y->org ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

int plan_grid_load_reports(struct db *db, struct plan_grid *g, struct errbuf *e)
{
    struct db_stmt *st;
    int rc, cap = 0;
    if ((rc = db_prepare(db,
                         "SELECT r.task_id, r.org_id, r.period, r.value FROM plan_reports r"
                         " JOIN plan_tasks t ON t.id = r.task_id AND t.tenant_id = r.tenant_id JOIN plans p ON p.id = t.plan_id AND p.tenant_id = t.tenant_id"
                         " WHERE p.year = $1 AND ($2 = 0 OR r.tenant_id = $2)",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", (long long)g->year, g->plans_tenant);
    while ((rc = db_step(st, e)) == 1) {
        struct plan_period p;
        int t = plan_grid_task(g, db_col_int(st, 0)), o = plan_grid_org(g, db_col_int(st, 1));
        if (t < 0 || o < 0 || plan_period_parse(db_col_text(st, 2), &p) < 0)
            continue;
        if (g->nreports == cap) {
            void *q = realloc(g->reports, (size_t)(cap = cap ? cap * 2 : 64) * sizeof(*g->reports));
            if (!q) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            g->reports = q;
        }
        g->reports[g->nreports++] = (struct plan_report){t, o, p.start, db_col_double(st, 3)};
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (g->nreports)
        qsort(g->reports, (size_t)g->nreports, sizeof(*g->reports), plan_grid_report_cmp);
    return 0;
}

/* The responsible person of each organization: its secretary (orgs.secretary_id), else the
 * accounts holding the secretary role there. */
int plan_grid_load_people(struct db *db, struct plan_grid *g, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT o.id, m.name FROM orgs o JOIN members m ON m.id = o.secretary_id",
                         &st, e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        int o = plan_grid_org(g, db_col_int(st, 0));
        const char *text = db_col_text(st, 1);
        char *name;
        if (o < 0)
            continue;
        if (!(name = strdup(text ? text : ""))) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        free(g->orgs[o].responsible);
        g->orgs[o].responsible = name;
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if ((rc = db_prepare(db,
                         "SELECT r.org_id, a.display_name, a.login FROM account_roles r"
                         " JOIN accounts a ON a.id = r.account_id AND a.tenant_id = r.tenant_id"
                         " WHERE r.role = 'secretary' AND a.disabled = 0 ORDER BY r.org_id, a.login",
                         &st, e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        int o = plan_grid_org(g, db_col_int(st, 0));
        const char *name = *db_col_text(st, 1) ? db_col_text(st, 1) : db_col_text(st, 2);
        struct buf b = BUF_INIT;
        if (o < 0 || strstr(g->orgs[o].responsible, name))
            continue;
        if (buf_addstr(&b, g->orgs[o].responsible) < 0 ||
            (*g->orgs[o].responsible && buf_addstr(&b, "、") < 0) || buf_addstr(&b, name) < 0) {
            buf_release(&b);
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        free(g->orgs[o].responsible);
        g->orgs[o].responsible = buf_detach(&b);
    }
    db_done(st);
    if (rc < 0)
        return rc;
    g->people = true;
    return 0;
}
