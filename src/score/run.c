#include "score/run.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/month.h"
#include "db/db.h"
#include "db/versions.h"
#include "org/audit.h"
#include "score/model.h"
#include "score/rerun.h"
#include "org/tenant.h"
#include "base/banned.h"

#define HIST_BANDS 10
#define MAX_DEPTH 16
#define ORG_ROWS 12   /* 12 × 13 */

struct org {
    long long id, tenant;
    int unit;  /* index of its unit committee (or its company) */
    int top;   /* index of its company: the root of its tenant (a provincial company) */
    int nanc;  /* ancestors including itself, root first */
    int anc[MAX_DEPTH];
    bool committee;
};

struct member {
    long long id;
    int org;  /* index into orgs: the branch of this month */
    double dims[DIM_COUNT];
    double index;
    long long key; /* llround(index * 1e6): ranks compare this, so equal indexes tie */
    int events;
    int active_dims;
    int vetoed, sanction;
    long rank[3];
    double pct[3];
};

struct run {
    struct db *db;
    int month;
    struct score_model *model;
    struct org *orgs;
    int norgs;
    int *org_at;      /* org id → index, -1 */
    long long max_org;
    struct member *members;
    long nmembers;
    int *member_at;   /* member id → index, -1 */
    long long max_member;
    int *rule_at;     /* indicator id → rule index, -1 */
    long long max_ind;
    double *raw;      /* nmembers × nrules: event points before caps */
    int *count;       /* nmembers × nrules: events */
    long events;
    bool progress;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void phase(const struct run *r, const char *what)
{
    if (r->progress)
        fprintf(stderr, "\rscore %d: %-40s", r->month, what);
}

static int max_id(struct db *db, const char *sql, long long *ret, struct errbuf *e)
{
    int rc = db_query_int(db, e, ret, sql, "");
    return rc < 0 ? rc : 0;
}

static int *index_array(long long max, struct errbuf *e)
{
    int *a = malloc(((size_t)max + 1) * sizeof(int));
    if (!a) {
        errbuf_set(e, -ERR_NOMEM, "out of memory");
        return NULL;
    }
    memset(a, 0xff, ((size_t)max + 1) * sizeof(int)); /* -1 */
    return a;
}

/* Organizations with their ancestor chains (from the materialized path) and units. */
static int load_orgs(struct run *r, struct errbuf *e)
{
    struct db_stmt *st;
    long long count = 0;
    int rc;
    if ((rc = max_id(r->db, "SELECT COALESCE(MAX(id), 0) FROM orgs", &r->max_org, e)) < 0 ||
        (rc = max_id(r->db, "SELECT COUNT(*) FROM orgs", &count, e)) < 0)
        return rc;
    if (!(r->org_at = index_array(r->max_org, e)) ||
        !(r->orgs = calloc((size_t)count + 1, sizeof(*r->orgs))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    if ((rc = db_prepare(r->db, "SELECT id, path, kind, tenant_id FROM orgs ORDER BY path", &st,
                         e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1 && r->norgs < count) {
        struct org *o = &r->orgs[r->norgs];
        const char *p = db_col_text(st, 1);
        o->id = db_col_int(st, 0);
        o->committee = strcmp(db_col_text(st, 2), "committee") == 0;
        o->tenant = db_col_int(st, 3);
        r->org_at[o->id] = r->norgs++;
        /* parents sort before children, so every ancestor already has its index */
        while (*p == '/' && p[1]) {
            long long aid = strtoll(p + 1, (char **)&p, 10);
            if (o->nanc < MAX_DEPTH && aid > 0 && aid <= r->max_org && r->org_at[aid] >= 0)
                o->anc[o->nanc++] = r->org_at[aid];
        }
    }
    db_done(st);
    if (rc < 0)
        return rc;
    /* the company: the first ancestor in the organization's tenant (the root of a
     * single-company tree, a provincial company under a national root); the unit committee:
     * the organization directly under the company, when it is a committee (SCORING.md: the
     * unit committee is "the committee directly under the company"), else the company */
    for (int i = 0; i < r->norgs; i++) {
        struct org *o = &r->orgs[i];
        int k = 0;
        while (k < o->nanc - 1 && r->orgs[o->anc[k]].tenant != o->tenant)
            k++;
        o->top = o->anc[k];
        o->unit = o->nanc >= k + 2 && r->orgs[o->anc[k + 1]].committee ? o->anc[k + 1] : o->top;
    }
    return 0;
}

/* The members scored this month: active, and in a branch this month (member_orgs). */
static int load_members(struct run *r, struct errbuf *e)
{
    struct db_stmt *st;
    long long count = 0;
    long cap;
    int rc;
    if ((rc = max_id(r->db, "SELECT COALESCE(MAX(id), 0) FROM members", &r->max_member, e)) < 0 ||
        (rc = db_query_int(r->db, e, &count,
                           "SELECT COUNT(*) FROM member_orgs WHERE from_month <= $1"
                           " AND (to_month IS NULL OR to_month >= $1)",
                           "i", (long long)r->month)) < 0)
        return rc;
    cap = (long)count + 1;
    if (!(r->member_at = index_array(r->max_member, e)) ||
        !(r->members = calloc((size_t)cap, sizeof(*r->members))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    if ((rc = db_prepare(r->db,
                         "SELECT mo.member_id, mo.org_id FROM member_orgs mo"
                         " JOIN members m ON m.id = mo.member_id AND m.tenant_id = mo.tenant_id"
                         " WHERE mo.from_month <= $1 AND (mo.to_month IS NULL OR mo.to_month >= $1)"
                         " AND m.status = 'active' ORDER BY mo.member_id",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, r->month);
    while ((rc = db_step(st, e)) == 1 && r->nmembers < cap) {
        long long id = db_col_int(st, 0), org = db_col_int(st, 1);
        struct member *m;
        if (org > r->max_org || r->org_at[org] < 0 || r->member_at[id] >= 0)
            continue;
        m = &r->members[r->nmembers];
        m->id = id;
        m->org = r->org_at[org];
        r->member_at[id] = (int)r->nmembers++;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* One pass over the month's events: points per member and rule. */
static int scan_events(struct run *r, struct errbuf *e)
{
    const struct score_model *m = r->model;
    struct db_stmt *st;
    size_t nr = m->nrules;
    int rc;
    if ((rc = max_id(r->db, "SELECT COALESCE(MAX(id), 0) FROM indicators", &r->max_ind, e)) < 0)
        return rc;
    if (!(r->rule_at = index_array(r->max_ind, e)))
        return -ERR_NOMEM;
    for (size_t i = 0; i < nr; i++)
        if (m->rules[i].indicator_id <= r->max_ind)
            r->rule_at[m->rules[i].indicator_id] = (int)i;
    r->raw = calloc((size_t)r->nmembers * nr + 1, sizeof(double));
    r->count = calloc((size_t)r->nmembers * nr + 1, sizeof(int));
    if (!r->raw || !r->count)
        return errbuf_set(e, -ERR_NOMEM, "out of memory for %ld members", r->nmembers);
    if ((rc = db_prepare(r->db,
                         "SELECT member_id, indicator_id, value FROM events WHERE month = $1"
                         " AND member_id IS NOT NULL",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, r->month);
    while ((rc = db_step(st, e)) == 1) {
        long long mid = db_col_int(st, 0), ind = db_col_int(st, 1);
        int mi, ri;
        size_t at;
        if (mid > r->max_member || ind > r->max_ind || (mi = r->member_at[mid]) < 0 ||
            (ri = r->rule_at[ind]) < 0)
            continue;
        at = (size_t)mi * nr + (size_t)ri;
        r->raw[at] += score_rule_points(&m->rules[ri], db_col_double(st, 2));
        r->count[at]++;
        r->members[mi].events++;
        r->members[mi].active_dims |= 1 << m->rules[ri].dim;
        if (m->rules[ri].veto)
            r->members[mi].sanction = 1;
        r->events++;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* A veto holds for its month and the next veto_months - 1: look for sanctions in the
 * months already scored before this one. */
static int load_vetoes(struct run *r, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    for (long i = 0; i < r->nmembers; i++)
        r->members[i].vetoed = r->members[i].sanction;
    if (r->model->veto_months <= 1)
        return 0;
    if ((rc = db_prepare(r->db,
                         "SELECT DISTINCT member_id FROM member_scores WHERE sanction = 1"
                         " AND month >= $1 AND month < $2",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", (long long)month_add(r->month, -(r->model->veto_months - 1)),
             (long long)r->month);
    while ((rc = db_step(st, e)) == 1) {
        long long id = db_col_int(st, 0);
        if (id <= r->max_member && r->member_at[id] >= 0)
            r->members[r->member_at[id]].vetoed = 1;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

static void compute(struct run *r)
{
    size_t nr = r->model->nrules;
    for (long i = 0; i < r->nmembers; i++) {
        struct member *m = &r->members[i];
        m->index = score_compute(r->model, &r->raw[(size_t)i * nr], m->vetoed != 0, m->dims);
        m->key = llround(m->index * 1e6);
    }
}

/* ---- ranks ---- */

static const struct run *sort_run;
static int sort_scope;

static long long group_of(const struct run *r, const struct member *m, int scope)
{
    return scope == 0   ? r->orgs[m->org].id
           : scope == 1 ? r->orgs[r->orgs[m->org].unit].id
                        : r->orgs[r->orgs[m->org].top].id;
}

static int by_group_then_index(const void *a, const void *b)
{
    const struct member *x = &sort_run->members[*(const int *)a],
                        *y = &sort_run->members[*(const int *)b];
    long long gx = group_of(sort_run, x, sort_scope), gy = group_of(sort_run, y, sort_scope);
    if (gx != gy)
        return gx < gy ? -1 : 1;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Competition ranking (1, 2, 2, 4) within each group of scope 0 branch, 1 unit, 2 company;
 * percentile = share of the group with a lower index. Not thread-safe (qsort context). */
static int rank(struct run *r, struct errbuf *e)
{
    int *order = malloc((size_t)r->nmembers * sizeof(int) + 1);
    if (!order)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    sort_run = r;
    for (int scope = 0; scope < 3; scope++) {
        long start = 0;
        for (long i = 0; i < r->nmembers; i++)
            order[i] = (int)i;
        sort_scope = scope;
        qsort(order, (size_t)r->nmembers, sizeof(int), by_group_then_index);
        while (start < r->nmembers) {
            long end = start, i = start;
            long long g = group_of(r, &r->members[order[start]], scope);
            while (end < r->nmembers && group_of(r, &r->members[order[end]], scope) == g)
                end++;
            while (i < end) {
                long j = i;
                while (j < end && r->members[order[j]].key == r->members[order[i]].key)
                    j++;
                for (long k = i; k < j; k++) {
                    struct member *m = &r->members[order[k]];
                    m->rank[scope] = i - start + 1;
                    m->pct[scope] = (double)(end - j) / (double)(end - start);
                }
                i = j;
            }
            start = end;
        }
    }
    free(order);
    return 0;
}

/* ---- writing ---- */

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

/* Every member's row in one bulk write (COPY on PostgreSQL). */
static int write_members(struct run *r, long long version, struct errbuf *e)
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

struct rollup {
    long members;
    double dims[DIM_COUNT], index;
    long hist[HIST_BANDS];
    long part[DIM_COUNT];
};

static int write_orgs(struct run *r, long long version, struct errbuf *e)
{
    long long tenant;
    size_t nr = r->model->nrules;
    struct rollup *u = calloc((size_t)r->norgs + 1, sizeof(*u));
    double *contrib = calloc((size_t)r->norgs * nr + 1, sizeof(double));
    struct buf hist = BUF_INIT, part = BUF_INIT, con = BUF_INIT;
    char *sql = NULL;
    int rc = 0;
    long written = 0;
    if (!u || !contrib) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (long i = 0; i < r->nmembers; i++) {
        const struct member *m = &r->members[i];
        const struct org *o = &r->orgs[m->org];
        int band = (int)(m->index / 10);
        if (band >= HIST_BANDS)
            band = HIST_BANDS - 1;
        if (band < 0)
            band = 0;
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
        struct rollup *x = &u[i];
        double n = x->members ? (double)x->members : 1;
        if (!x->members)
            continue; /* nobody scored below it this month */
        buf_reset(&hist);
        buf_reset(&part);
        buf_reset(&con);
        buf_addch(&hist, '[');
        for (int k = 0; k < HIST_BANDS; k++)
            buf_printf(&hist, "%s%ld", k ? "," : "", x->hist[k]);
        buf_addch(&hist, ']');
        buf_addch(&part, '{');
        for (int d = 0; d < DIM_COUNT; d++)
            buf_printf(&part, "%s\"%s\":%.6g", d ? "," : "", dim_name(d), (double)x->part[d] / n);
        buf_addch(&part, '}');
        buf_addch(&con, '{');
        for (size_t k = 0, first = 1; k < nr; k++) {
            double v = contrib[(size_t)i * nr + k];
            if (v == 0)
                continue;
            buf_printf(&con, "%s\"%s\":%.10g", first ? "" : ",", r->model->rules[k].indicator, v / n);
            first = 0;
        }
        buf_addch(&con, '}');
        /* a one-row INSERT: queued when the run pipelines its writes */
        if ((rc = tenant_of_org(r->db, r->orgs[i].id, &tenant, e)) < 0)
            break;
        rc = db_run(r->db, e,
                    "INSERT INTO org_scores(month, org_id, version, members, politics,"
                    " theory, discipline, performance, honours, idx, hist, participation,"
                    " contrib, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                    " $12, $13, $14)",
                    "iiiiddddddttti", (long long)r->month, r->orgs[i].id, version,
                    (long long)x->members, x->dims[0] / n, x->dims[1] / n, x->dims[2] / n,
                    x->dims[3] / n, x->dims[4] / n, x->index / n, buf_str(&hist), buf_str(&part),
                    buf_str(&con), tenant);
        if (rc < 0)
            break;
        written++;
    }
out:
    free(sql);
    free(u);
    free(contrib);
    buf_release(&hist);
    buf_release(&part);
    buf_release(&con);
    if (rc >= 0)
        return (int)written;
    return rc;
}

static void run_free(struct run *r)
{
    score_model_free(r->model);
    free(r->orgs);
    free(r->org_at);
    free(r->members);
    free(r->member_at);
    free(r->rule_at);
    free(r->raw);
    free(r->count);
}

int score_run_month(struct db *db, int month, long long actor, bool progress,
                    struct score_run_stats *out, struct errbuf *e)
{
    return score_run_month_why(db, month, actor, "scheduled", progress, out, e);
}

/* Write the run's rows into score_runs (the latest) and score_run_log (every run), in the
 * tenant of the national run (TENANT_RUNS). */
static int record_run(const struct run *r, const struct score_prev *prev, const char *reason,
                      long long started, long long actor, long long changed, long long late,
                      struct errbuf *e)
{
    long long run = prev->run + 1, now = (long long)time(NULL);
    int rc = db_run(r->db, e,
                    "INSERT INTO score_runs(month, version, members, events, started_at,"
                    " finished_at, run_by, run, reason, tenant_id)"
                    " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                    " ON CONFLICT (month, tenant_id) DO UPDATE SET version = excluded.version,"
                    " members = excluded.members, events = excluded.events,"
                    " started_at = excluded.started_at, finished_at = excluded.finished_at,"
                    " run_by = excluded.run_by, run = excluded.run, reason = excluded.reason",
                    "iiiiiiIiti", (long long)r->month, r->model->version,
                    (long long)r->nmembers, (long long)r->events, started, now, actor, run, reason,
                    (long long)TENANT_RUNS);
    if (rc < 0)
        return rc;
    return db_run(r->db, e,
                  "INSERT INTO score_run_log(month, run, reason, version, members, events,"
                  " late_events, changed, started_at, finished_at, run_by, tenant_id)"
                  " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                  "iitiiiiiiiIi", (long long)r->month, run, reason, r->model->version,
                  (long long)r->nmembers, (long long)r->events, late, changed, started, now, actor,
                  (long long)TENANT_RUNS);
}

int score_run_month_why(struct db *db, int month, long long actor, const char *reason,
                        bool progress, struct score_run_stats *out, struct errbuf *e)
{
    struct run r;
    struct score_prev prev = {0};
    long long changed = 0, late = 0;
    double t0 = now_s();
    long long started = (long long)time(NULL);
    int rc, orgs = 0;
    memset(&r, 0, sizeof(r));
    r.db = db;
    r.month = month;
    r.progress = progress;
    if (!month_valid(month))
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_MONTH, "month", month,
                                "invalid month %d: use YYYYMM", month);
    if (month > month_of_time(time(NULL)))
        return errbuf_field_int(e, -ERR_INVALID, R_IN_FUTURE, "month", month,
                                "month %d has not begun yet", month);
    if (!score_reason_valid(reason))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "reason", reason,
                            "invalid reason '%s': use scheduled, late_events or manual",
                            reason ? reason : "");
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    phase(&r, "model");
    if ((rc = score_model_for_month(db, month, &r.model, e)) < 0)
        goto out;
    phase(&r, "organizations and members");
    if ((rc = load_orgs(&r, e)) < 0 || (rc = load_members(&r, e)) < 0)
        goto out;
    phase(&r, "events");
    if ((rc = scan_events(&r, e)) < 0 || (rc = load_vetoes(&r, e)) < 0)
        goto out;
    phase(&r, "scores and ranks");
    compute(&r);
    if ((rc = rank(&r, e)) < 0)
        goto out;
    phase(&r, "writing");
    if ((rc = score_prev_load(db, month, &prev, e)) < 0)
        goto out;
    if ((rc = db_run(db, e, "DELETE FROM member_scores WHERE month = $1", "i", (long long)month)) < 0 ||
        (rc = db_run(db, e, "DELETE FROM org_scores WHERE month = $1", "i", (long long)month)) < 0 ||
        (rc = write_members(&r, r.model->version, e)) < 0 ||
        (rc = orgs = write_orgs(&r, r.model->version, e)) < 0)
        goto out;
    if ((rc = score_prev_record(db, month, &prev, &changed, &late, e)) < 0 ||
        (rc = record_run(&r, &prev, reason, started, actor, changed, late, e)) < 0 ||
        (rc = version_bump(db, TOPIC_SCORES, e)) < 0)
        goto out;
    {
        json_t *d = json_pack("{s:i, s:I, s:i, s:I, s:I, s:s, s:I, s:I}", "month", month,
                              "version", r.model->version, "members", (int)r.nmembers, "events",
                              (json_int_t)r.events, "run", (json_int_t)(prev.run + 1), "reason",
                              reason, "changed", (json_int_t)changed, "late_events",
                              (json_int_t)late);
        rc = audit_log(db, actor, 0, "run", "score_month", month, d, e);
        json_decref(d);
        if (rc < 0)
            goto out;
    }
    rc = db_commit(db, e);
out:
    if (rc < 0)
        db_rollback(db);
    if (progress)
        fprintf(stderr, "\r%-60s\r", "");
    if (rc >= 0 && out) {
        out->month = month;
        out->version = r.model->version;
        out->members = r.nmembers;
        out->events = r.events;
        out->orgs = orgs;
        out->run = prev.run + 1;
        out->changed = changed;
        out->late = late;
        out->seconds = now_s() - t0;
    }
    run_free(&r);
    score_prev_release(&prev);
    return rc < 0 ? rc : 0;
}
