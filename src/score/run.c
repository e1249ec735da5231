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
#include "score/run_impl.h"
#include "score/rerun.h"
#include "org/tenant.h"
#include "base/banned.h"

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
        for (int a = 0; a < o->nanc; a++)
            if (r->orgs[o->anc[a]].tenant != o->tenant)
                r->orgs[o->anc[a]].spans = true;
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
#define MEMBERS_SQL                                                                        \
    "SELECT mo.member_id, mo.org_id FROM member_orgs mo"                                   \
    " JOIN members m ON m.id = mo.member_id AND m.tenant_id = mo.tenant_id"                \
    " WHERE mo.from_month <= $1 AND (mo.to_month IS NULL OR mo.to_month >= $1)"            \
    " AND m.status = 'active'"
    /* a tenant's run names the tenant: on Citus it reads that tenant's shards alone */
    if ((rc = db_prepare(r->db,
                         r->tenant ? MEMBERS_SQL " AND mo.tenant_id = $2 ORDER BY mo.member_id"
                                   : MEMBERS_SQL " ORDER BY mo.member_id",
                         &st, e)) < 0)
        return rc;
#undef MEMBERS_SQL
    db_bind_int(st, 1, r->month);
    if (r->tenant)
        db_bind_int(st, 2, r->tenant);
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
                         r->tenant ? "SELECT member_id, indicator_id, value FROM events"
                                     " WHERE month = $1 AND member_id IS NOT NULL"
                                     " AND tenant_id = $2"
                                   : "SELECT member_id, indicator_id, value FROM events"
                                     " WHERE month = $1 AND member_id IS NOT NULL",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, r->month);
    if (r->tenant)
        db_bind_int(st, 2, r->tenant);
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
                         " AND month >= $1 AND month < $2 AND ($3 = 0 OR tenant_id = $3)",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "iii", (long long)month_add(r->month, -(r->model->veto_months - 1)),
             (long long)r->month, r->tenant);
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

int score_run_month_why(struct db *db, int month, long long actor, const char *reason,
                        bool progress, struct score_run_stats *out, struct errbuf *e)
{
    return score_run_tenant_month(db, month, 0, actor, reason, progress, out, e);
}

/* A tenant's run replaces its members' rows and its organizations' (those with other tenants
 * below them are summed again afterwards: run_write_spans). */
static int delete_old(const struct run *r, struct errbuf *e)
{
    struct buf sql = BUF_INIT;
    int rc;
    if (!r->tenant) {
        if ((rc = db_run(r->db, e, "DELETE FROM member_scores WHERE month = $1", "i",
                         (long long)r->month)) < 0 ||
            (rc = db_run(r->db, e, "DELETE FROM org_scores WHERE month = $1", "i",
                         (long long)r->month)) < 0)
            return rc;
        return 0;
    }
    if ((rc = db_run(r->db, e, "DELETE FROM member_scores WHERE month = $1 AND tenant_id = $2",
                     "ii", (long long)r->month, r->tenant)) < 0)
        return rc;
    buf_addstr(&sql, "DELETE FROM org_scores WHERE month = $1 AND tenant_id = $2");
    int kept = 0;
    for (int i = 0; i < r->norgs; i++)
        if (r->orgs[i].tenant == r->tenant && r->orgs[i].spans)
            buf_printf(&sql, "%s%lld", kept++ ? ", " : " AND org_id NOT IN (", r->orgs[i].id);
    if (kept)
        buf_addch(&sql, ')');
    rc = sql.data ? db_run(r->db, e, buf_str(&sql), "ii", (long long)r->month, r->tenant)
                  : errbuf_set(e, -ERR_NOMEM, "out of memory");
    buf_release(&sql);
    return rc < 0 ? rc : 0;
}

/* A tenant is scored when it has organizations. */
static int check_tenant(struct db *db, long long tenant, struct errbuf *e)
{
    long long n = 0;
    int rc;
    if (tenant < 0)
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_FORMAT, "tenant", tenant,
                                "invalid tenant %lld", tenant);
    if (!tenant)
        return 0;
    if ((rc = db_query_int(db, e, &n, "SELECT COUNT(*) FROM orgs WHERE tenant_id = $1", "i",
                           tenant)) < 0)
        return rc;
    return n ? 0
             : errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "tenant", tenant,
                                "tenant %lld has no organizations", tenant);
}

int score_run_tenant_month(struct db *db, int month, long long tenant, long long actor,
                           const char *reason, bool progress, struct score_run_stats *out,
                           struct errbuf *e)
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
    r.tenant = tenant;
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
    if ((rc = check_tenant(db, tenant, e)) < 0)
        goto out;
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
    if ((rc = score_prev_load(db, month, tenant, &prev, e)) < 0)
        goto out;
    if ((rc = delete_old(&r, e)) < 0 || (rc = run_write_members(&r, r.model->version, e)) < 0 ||
        (rc = orgs = run_write_orgs(&r, r.model->version, e)) < 0)
        goto out;
    /* from here to the commit one run of the month at a time (runs of several tenants on
     * several servers): its number, and the rollups above the tenants */
    if ((rc = run_lock_month(&r, &prev, e)) < 0 ||
        (tenant && (rc = run_write_spans(&r, r.model->version, e)) < 0))
        goto out;
    orgs += tenant ? rc : 0;
    if ((rc = score_prev_record(db, month, &prev, &changed, &late, e)) < 0 ||
        (rc = run_record(&r, &prev, reason, started, actor, changed, late, e)) < 0 ||
        (rc = version_bump(db, TOPIC_SCORES, e)) < 0)
        goto out;
    {
        json_t *d = json_pack("{s:i, s:I, s:i, s:I, s:I, s:s, s:I, s:I, s:I}", "month", month,
                              "version", r.model->version, "members", (int)r.nmembers, "events",
                              (json_int_t)r.events, "run", (json_int_t)(prev.run + 1), "reason",
                              reason, "changed", (json_int_t)changed, "late_events",
                              (json_int_t)late, "tenant", (json_int_t)tenant);
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
