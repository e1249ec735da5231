/* Writing a monthly run's results (run_impl.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "db/db.h"
#include "org/tenant.h"
#include "score/rerun.h"
#include "score/run_impl.h"
#include "base/banned.h"

static void contrib_json(const struct run *r, long i, struct buf *b)
{
    const struct score_model *m = r->model;
    size_t nr = m->nrules;
    int first = 1;
    buf_reset(b);
    buf_addch(b, '{');
    for (size_t k = 0; k < nr; k++) {
        size_t at = (size_t)i * nr + k;
        if (!r->count[at])
            continue;
        buf_printf(b, "%s\"%s\":[%d,%.10g,%.10g]", first ? "" : ",", m->rules[k].indicator,
                   r->count[at], r->raw[at], score_rule_counted(&m->rules[k], r->raw[at]));
        first = 0;
    }
    buf_addch(b, '}');
}

int run_write_members(struct run *r, long long version, struct errbuf *e)
{
    struct buf contrib;
    struct db_bulk *bulk;
    int rc = db_bulk_open(r->db, "member_scores",
                          "month, member_id, org_id, unit_id, version, politics, theory,"
                          " discipline, performance, honours, idx, vetoed, sanction, events,"
                          " active_dims, rank_branch, rank_unit, rank_company, pct_branch,"
                          " pct_unit, pct_company, contrib, tenant_id",
                          NULL, &bulk, e);
    _Static_assert(DIM_COUNT == 5, "member_scores has five dimension columns");
    if (rc < 0)
        return rc;
    buf_init(&contrib, 0);
    for (long i = 0; i < r->nmembers && rc >= 0; i++) {
        const struct member *m = &r->members[i];
        const struct org *o = &r->orgs[m->org];
        long long tenant;
        contrib_json(r, i, &contrib);
        if ((rc = tenant_of_org(r->db, o->id, &tenant, e)) < 0)
            break;
        rc = db_bulk_row(bulk, e, "iiiiiddddddiiiiiiidddti", (long long)r->month, m->id, o->id,
                         r->orgs[o->unit].id, version, m->dims[0], m->dims[1], m->dims[2],
                         m->dims[3], m->dims[4], m->index, (long long)m->vetoed,
                         (long long)m->sanction, (long long)m->events, (long long)m->active_dims,
                         (long long)m->rank[0], (long long)m->rank[1], (long long)m->rank[2],
                         m->pct[0], m->pct[1], m->pct[2], buf_str(&contrib), tenant);
    }
    buf_release(&contrib);
    if (rc < 0) {
        db_bulk_close(bulk, NULL, NULL);
        return rc;
    }
    return db_bulk_close(bulk, NULL, e);
}

int run_band(double index)
{
    int band = (int)(index / 10);
    return band >= HIST_BANDS ? HIST_BANDS - 1 : band < 0 ? 0 : band;
}

int run_insert_rollup(struct run *r, long long org_id, const struct rollup *x,
                      const double *contrib, long long version, struct errbuf *e)
{
    struct buf hist = BUF_INIT, part = BUF_INIT, con = BUF_INIT;
    double n = x->members ? (double)x->members : 1;
    long long tenant;
    int rc;
    buf_addch(&hist, '[');
    for (int k = 0; k < HIST_BANDS; k++)
        buf_printf(&hist, "%s%ld", k ? "," : "", x->hist[k]);
    buf_addch(&hist, ']');
    buf_addch(&part, '{');
    for (int d = 0; d < DIM_COUNT; d++)
        buf_printf(&part, "%s\"%s\":%.6g", d ? "," : "", dim_name(d), x->part[d] / n);
    buf_addch(&part, '}');
    buf_addch(&con, '{');
    for (size_t k = 0, first = 1; k < r->model->nrules; k++) {
        if (contrib[k] == 0)
            continue;
        buf_printf(&con, "%s\"%s\":%.10g", first ? "" : ",", r->model->rules[k].indicator,
                   contrib[k] / n);
        first = 0;
    }
    buf_addch(&con, '}');
    if (!hist.data || !part.data || !con.data)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    /* a one-row INSERT: queued when the run pipelines its writes */
    else if ((rc = tenant_of_org(r->db, org_id, &tenant, e)) >= 0)
        rc = db_run(r->db, e,
                    "INSERT INTO org_scores(month, org_id, version, members, politics,"
                    " theory, discipline, performance, honours, idx, hist, participation,"
                    " contrib, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                    " $12, $13, $14)",
                    "iiiiddddddttti", (long long)r->month, org_id, version,
                    (long long)x->members, x->dims[0] / n, x->dims[1] / n, x->dims[2] / n,
                    x->dims[3] / n, x->dims[4] / n, x->index / n, buf_str(&hist), buf_str(&part),
                    buf_str(&con), tenant);
    buf_release(&hist);
    buf_release(&part);
    buf_release(&con);
    return rc < 0 ? rc : 0;
}

int run_write_orgs(struct run *r, long long version, struct errbuf *e)
{
    size_t nr = r->model->nrules;
    struct rollup *u = calloc((size_t)r->norgs + 1, sizeof(*u));
    double *contrib = calloc((size_t)r->norgs * nr + 1, sizeof(double));
    int rc = 0;
    long written = 0;
    if (!u || !contrib) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (long i = 0; i < r->nmembers; i++) {
        const struct member *m = &r->members[i];
        const struct org *o = &r->orgs[m->org];
        int band = run_band(m->index);
        for (int a = 0; a < o->nanc; a++) {
            struct rollup *x = &u[o->anc[a]];
            x->members++;
            x->index += m->index;
            x->hist[band]++;
            for (int d = 0; d < DIM_COUNT; d++) {
                x->dims[d] += m->dims[d];
                x->part[d] += (m->active_dims >> d) & 1;
            }
            for (size_t k = 0; k < nr; k++) {
                size_t at = (size_t)i * nr + k;
                if (r->count[at])
                    contrib[(size_t)o->anc[a] * nr + k] +=
                        score_rule_counted(&r->model->rules[k], r->raw[at]);
            }
        }
    }
    for (int i = 0; i < r->norgs && rc >= 0; i++) {
        if (!u[i].members)
            continue; /* nobody scored below it this month */
        if (r->tenant && (r->orgs[i].tenant != r->tenant || r->orgs[i].spans))
            continue; /* another tenant's, or spanning tenants: run_write_spans */
        if ((rc = run_insert_rollup(r, r->orgs[i].id, &u[i], &contrib[(size_t)i * nr], version,
                                    e)) < 0)
            break;
        written++;
    }
out:
    free(u);
    free(contrib);
    if (rc >= 0)
        return (int)written;
    return rc;
}

int run_lock_month(struct run *r, struct score_prev *prev, struct errbuf *e)
{
    long long now = (long long)time(NULL);
    /* a row the run's own run_record then overwrites; rolled back with the run */
    int rc = db_run(r->db, e,
                    "INSERT INTO score_runs(month, version, members, events, started_at,"
                    " finished_at, run, reason, tenant_id, scope)"
                    " VALUES($1, $2, 0, 0, $3, $3, 0, 'scheduled', $4, $5)"
                    " ON CONFLICT (month, tenant_id) DO UPDATE SET run = score_runs.run",
                    "iiiii", (long long)r->month, r->model->version, now,
                    (long long)TENANT_RUNS, r->tenant);
    if (rc < 0)
        return rc;
    rc = db_query_int(r->db, e, &prev->run,
                      "SELECT COALESCE(MAX(run), 0) FROM score_run_log WHERE month = $1"
                      " AND tenant_id = $2",
                      "ii", (long long)r->month, (long long)TENANT_RUNS);
    return rc < 0 ? rc : 0;
}

/* The run's rows in score_runs (the latest) and score_run_log (every run), kept in
 * TENANT_RUNS whatever the run's scope. */
int run_record(const struct run *r, const struct score_prev *prev, const char *reason,
               long long started, long long actor, long long changed, long long late,
               struct errbuf *e)
{
    long long run = prev->run + 1, now = (long long)time(NULL);
    int rc = db_run(r->db, e,
                    "INSERT INTO score_runs(month, version, members, events, started_at,"
                    " finished_at, run_by, run, reason, tenant_id, scope)"
                    " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    " ON CONFLICT (month, tenant_id) DO UPDATE SET version = excluded.version,"
                    " members = excluded.members, events = excluded.events,"
                    " started_at = excluded.started_at, finished_at = excluded.finished_at,"
                    " run_by = excluded.run_by, run = excluded.run, reason = excluded.reason,"
                    " scope = excluded.scope",
                    "iiiiiiIitii", (long long)r->month, r->model->version,
                    (long long)r->nmembers, (long long)r->events, started, now, actor, run, reason,
                    (long long)TENANT_RUNS, r->tenant);
    if (rc < 0)
        return rc;
    return db_run(r->db, e,
                  "INSERT INTO score_run_log(month, run, reason, version, members, events,"
                  " late_events, changed, started_at, finished_at, run_by, tenant_id, scope)"
                  " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                  "iitiiiiiiiIii", (long long)r->month, run, reason, r->model->version,
                  (long long)r->nmembers, (long long)r->events, late, changed, started, now, actor,
                  (long long)TENANT_RUNS, r->tenant);
}
