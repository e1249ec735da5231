/* The rollups of the organizations with several tenants below them (a national root above
 * the provincial companies), written by a tenant's run (run_impl.h). A run of one tenant reads
 * only that tenant's members, so it cannot sum such an organization's members itself; it sums
 * what the tenants' runs stored instead, which is the same sum grouped otherwise:
 *
 *   - the rollup of every organization just below a spanning one that lies in one tenant
 *     (a provincial company), weighted by its members: members, dimensions and index,
 *     histogram, participation and contributions are all sums over members divided by their
 *     number, so n × average gives the sum back;
 *   - the rows of members whose branch is a spanning organization itself.
 *
 * Each spanning organization gets the parts below it; a spanning one below another adds to
 * both, as the run's own sums do. The parts are read after run_lock_month: the other tenants'
 * latest runs are committed, and no other run writes these rows until this one commits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "db/db.h"
#include "score/run_impl.h"
#include "base/banned.h"

struct spans {
    struct run *r;
    struct rollup *u;  /* per organization index: the sums of the spanning ones */
    double *contrib;   /* norgs × nrules: counted points, summed */
};

static int rule_of(const struct score_model *m, const char *indicator)
{
    for (size_t k = 0; k < m->nrules; k++)
        if (!strcmp(m->rules[k].indicator, indicator))
            return (int)k;
    return -1;
}

/* Add a part of n members at organization index at to every spanning ancestor of it (those
 * and only those: an ancestor of a spanning organization spans too). dims and index are the
 * part's sums; hist and part its counts; contrib is JSON ({indicator: value}, or for a
 * member {indicator: [events, raw, counted]}) whose values times scale are sums. */
static int add_part(struct spans *s, int at, long n, const double *dims, double index,
                    const long *hist, const double *part, const char *contrib, double scale,
                    struct errbuf *e)
{
    const struct org *o = &s->r->orgs[at];
    size_t nr = s->r->model->nrules;
    json_error_t je;
    json_t *c = json_loads(contrib, 0, &je), *v;
    const char *key;
    if (!json_is_object(c)) {
        json_decref(c);
        return errbuf_set(e, -ERR_INTERNAL, "org_scores or member_scores of organization %lld:"
                          " contributions are not a JSON object", o->id);
    }
    for (int a = 0; a < o->nanc; a++) {
        int anc = o->anc[a];
        struct rollup *x = &s->u[anc];
        if (!s->r->orgs[anc].spans)
            continue;
        x->members += n;
        x->index += index;
        for (int d = 0; d < DIM_COUNT; d++) {
            x->dims[d] += dims[d];
            x->part[d] += part[d];
        }
        for (int k = 0; k < HIST_BANDS; k++)
            x->hist[k] += hist[k];
        json_object_foreach(c, key, v) {
            int k = rule_of(s->r->model, key);
            double val = json_is_array(v) ? json_number_value(json_array_get(v, 2))
                                          : json_number_value(v);
            if (k >= 0)
                s->contrib[(size_t)anc * nr + (size_t)k] += val * scale;
        }
    }
    json_decref(c);
    return 0;
}

/* head, the list of spanning organizations in, ")": a statement of the run's month. */
static int prepare_in(struct run *r, struct db_stmt **st, const char *head, const char *in,
                      struct errbuf *e)
{
    struct buf sql = BUF_INIT;
    int rc;
    buf_printf(&sql, "%s%s)", head, in);
    if (!sql.data)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    rc = db_prepare(r->db, buf_str(&sql), st, e);
    buf_release(&sql);
    if (rc >= 0)
        db_bind_int(*st, 1, r->month);
    return rc;
}

/* The rollups of the organizations just below spanning ones, within one tenant each. */
static int add_orgs(struct spans *s, const char *in, struct errbuf *e)
{
    struct run *r = s->r;
    struct db_stmt *st;
    int rc = prepare_in(r, &st,
                        "SELECT s.org_id, s.members, s.politics, s.theory, s.discipline,"
                        " s.performance, s.honours, s.idx, s.hist, s.participation, s.contrib"
                        " FROM org_scores s JOIN orgs o ON o.id = s.org_id WHERE s.month = $1"
                        " AND o.parent_id IN (",
                        in, e);
    if (rc < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        long long id = db_col_int(st, 0);
        long n = (long)db_col_int(st, 1), hist[HIST_BANDS] = {0};
        double dims[DIM_COUNT], part[DIM_COUNT] = {0};
        json_t *h, *p;
        int at = id > 0 && id <= r->max_org ? r->org_at[id] : -1;
        if (at < 0 || r->orgs[at].spans)
            continue; /* a spanning one: summed here, not read */
        for (int d = 0; d < DIM_COUNT; d++)
            dims[d] = db_col_double(st, 2 + d) * (double)n;
        h = json_loads(db_col_text(st, 8), 0, NULL);
        p = json_loads(db_col_text(st, 9), 0, NULL);
        for (int k = 0; k < HIST_BANDS; k++)
            hist[k] = (long)json_integer_value(json_array_get(h, (size_t)k));
        for (int d = 0; d < DIM_COUNT; d++)
            part[d] = json_number_value(json_object_get(p, dim_name(d))) * (double)n;
        json_decref(h);
        json_decref(p);
        if ((rc = add_part(s, at, n, dims, db_col_double(st, 7) * (double)n, hist, part,
                           db_col_text(st, 10), (double)n, e)) < 0)
            break;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* The members whose branch is a spanning organization. */
static int add_members(struct spans *s, const char *in, struct errbuf *e)
{
    struct run *r = s->r;
    struct db_stmt *st;
    int rc = prepare_in(r, &st,
                        "SELECT org_id, politics, theory, discipline, performance, honours, idx,"
                        " active_dims, contrib FROM member_scores WHERE month = $1 AND org_id IN (",
                        in, e);
    if (rc < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        long long id = db_col_int(st, 0), active = db_col_int(st, 7);
        long hist[HIST_BANDS] = {0};
        double dims[DIM_COUNT], part[DIM_COUNT], index = db_col_double(st, 6);
        int at = id > 0 && id <= r->max_org ? r->org_at[id] : -1;
        if (at < 0)
            continue;
        for (int d = 0; d < DIM_COUNT; d++) {
            dims[d] = db_col_double(st, 1 + d);
            part[d] = (double)((active >> d) & 1);
        }
        hist[run_band(index)] = 1;
        if ((rc = add_part(s, at, 1, dims, index, hist, part, db_col_text(st, 8), 1, e)) < 0)
            break;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int run_write_spans(struct run *r, long long version, struct errbuf *e)
{
    size_t nr = r->model->nrules;
    struct spans s = {r, NULL, NULL};
    struct buf in = BUF_INIT;
    int rc = 0, written = 0;
    for (int i = 0; i < r->norgs; i++)
        if (r->orgs[i].spans)
            buf_printf(&in, "%s%lld", in.len ? ", " : "", r->orgs[i].id);
    if (!in.len)
        return 0; /* one tenant: nothing spans */
    s.u = calloc((size_t)r->norgs, sizeof(*s.u));
    s.contrib = calloc((size_t)r->norgs * nr + 1, sizeof(double));
    if (!in.data || !s.u || !s.contrib) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = add_orgs(&s, buf_str(&in), e)) < 0 || (rc = add_members(&s, buf_str(&in), e)) < 0)
        goto out;
    for (int i = 0; i < r->norgs && rc >= 0; i++) {
        if (!r->orgs[i].spans)
            continue;
        if ((rc = db_run(r->db, e,
                         "DELETE FROM org_scores WHERE month = $1 AND org_id = $2"
                         " AND tenant_id = $3",
                         "iii", (long long)r->month, r->orgs[i].id, r->orgs[i].tenant)) < 0)
            break;
        if (!s.u[i].members)
            continue; /* nobody scored below it this month */
        if ((rc = run_insert_rollup(r, r->orgs[i].id, &s.u[i], &s.contrib[(size_t)i * nr],
                                    version, e)) < 0)
            break;
        written++;
    }
out:
    buf_release(&in);
    free(s.u);
    free(s.contrib);
    return rc < 0 ? rc : written;
}
