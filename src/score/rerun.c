#include "score/rerun.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "db/db.h"
#include "score/model.h"
#include "org/tenant.h"
#include "base/banned.h"

/* A change smaller than this is rounding, not a change (ranks compare the index to 1e-6). */
#define EPS 1e-7

struct prev_score {
    long long member_id, org_id;
    double dims[DIM_COUNT];
    double index;
};

/* One member's late events from one source. */
struct late {
    long long member_id;
    char *code, *name;
    long long events;
};

#define ROWS_SQL                                                                           \
    "SELECT member_id, org_id, politics, theory, discipline, performance, honours, idx"    \
    " FROM member_scores WHERE month = $1"

/* Read the month's member_scores (of tenant, or all for 0), ordered by member, into *ret
 * (caller frees). */
static int read_rows(struct db *db, int month, long long tenant, struct prev_score **ret,
                     long *ret_n, struct errbuf *e)
{
    struct db_stmt *st;
    struct prev_score *rows = NULL;
    long n = 0, cap = 0;
    int rc = db_prepare(db,
                        tenant ? ROWS_SQL " AND tenant_id = $2 ORDER BY member_id"
                               : ROWS_SQL " ORDER BY member_id",
                        &st, e);
    _Static_assert(DIM_COUNT == 5, "member_scores has five dimension columns");
    if (rc < 0)
        return rc;
    db_bind_int(st, 1, month);
    if (tenant)
        db_bind_int(st, 2, tenant);
    while ((rc = db_step(st, e)) == 1) {
        if (n == cap) {
            struct prev_score *g = realloc(rows, (size_t)(cap = cap ? cap * 2 : 256) * sizeof(*g));
            if (!g) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            rows = g;
        }
        rows[n].member_id = db_col_int(st, 0);
        rows[n].org_id = db_col_int(st, 1);
        for (int d = 0; d < DIM_COUNT; d++)
            rows[n].dims[d] = db_col_double(st, 2 + d);
        rows[n].index = db_col_double(st, 7);
        n++;
    }
    db_done(st);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    *ret = rows;
    *ret_n = n;
    return 0;
}

/* When the latest run of month that covered tenant began (0: a run of every tenant): 1 found,
 * 0 none (score_run_log). */
static int covering_start(struct db *db, int month, long long tenant, long long *ret,
                          struct errbuf *e)
{
    return db_query_int(db, e, ret,
                        "SELECT started_at FROM score_run_log WHERE month = $1 AND tenant_id = $2"
                        " AND (scope = 0 OR scope = $3) ORDER BY run DESC LIMIT 1",
                        "iii", (long long)month, (long long)TENANT_RUNS, tenant);
}

/* The previous run's number (from the log, so that numbers never repeat even when a month's
 * score_runs row was deleted by hand), its start and its member rows (when it has results).
 * For a tenant's run: the rows of that tenant, and the start of the latest run that covered
 * it (a run of every tenant or of this one). */
int score_prev_load(struct db *db, int month, long long tenant, struct score_prev *ret,
                    struct errbuf *e)
{
    struct db_stmt *st;
    long long covered = 0;
    int rc;
    memset(ret, 0, sizeof(*ret));
    ret->tenant = tenant;
    if ((rc = db_query_int(db, e, &ret->run,
                           "SELECT COALESCE(MAX(run), 0) FROM score_run_log WHERE month = $1", "i",
                           (long long)month)) < 0)
        return rc;
    if ((rc = db_prepare(db, "SELECT started_at FROM score_runs WHERE month = $1", &st, e)) < 0)
        return rc;
    db_bindv(st, "i", (long long)month);
    if ((rc = db_step(st, e)) == 1) {
        ret->scored = 1;
        ret->started_at = db_col_int(st, 0);
    }
    db_done(st);
    if (rc < 0 || !ret->scored)
        return rc < 0 ? rc : 0;
    if ((rc = covering_start(db, month, tenant, &covered, e)) < 0)
        return rc;
    if (rc == 1)
        ret->started_at = covered;
    else if (tenant) /* the tenant's first run: its members are first scored, not changed */
        ret->scored = 0;
    if (!ret->scored)
        return 0;
    return read_rows(db, month, tenant, &ret->rows, &ret->nrows, e);
}

void score_prev_release(struct score_prev *p)
{
    if (!p)
        return;
    free(p->rows);
    memset(p, 0, sizeof(*p));
}

static void lates_free(struct late *l, long n)
{
    for (long i = 0; i < n; i++) {
        free(l[i].code);
        free(l[i].name);
    }
    free(l);
}

/* The month's events stored after `since`, per member and source, ordered by member. */
static int read_lates(struct db *db, int month, long long tenant, long long since,
                      struct late **ret, long *ret_n, struct errbuf *e)
{
#define LATES_SQL(tenant)                                                                  \
    "SELECT e.member_id, s.code, s.name, COUNT(*) FROM events e"                           \
    " JOIN sources s ON s.id = e.source_id"                                                \
    " WHERE e.month = $1 AND e.created_at > $2 AND e.member_id IS NOT NULL" tenant         \
    " GROUP BY e.member_id, s.code, s.name ORDER BY e.member_id, s.code"
    struct db_stmt *st;
    struct late *l = NULL;
    long n = 0, cap = 0;
    int rc = db_prepare(db, tenant ? LATES_SQL(" AND e.tenant_id = $3") : LATES_SQL(""), &st, e);
#undef LATES_SQL
    if (rc < 0)
        return rc;
    db_bindv(st, "ii", (long long)month, since);
    if (tenant)
        db_bind_int(st, 3, tenant);
    while ((rc = db_step(st, e)) == 1) {
        if (n == cap) {
            struct late *g = realloc(l, (size_t)(cap = cap ? cap * 2 : 64) * sizeof(*g));
            if (!g) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            l = g;
        }
        l[n].member_id = db_col_int(st, 0);
        l[n].code = strdup(db_col_text(st, 1));
        l[n].name = strdup(db_col_text(st, 2));
        l[n].events = db_col_int(st, 3);
        if (!l[n].code || !l[n].name) {
            free(l[n].code);
            free(l[n].name);
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        n++;
    }
    db_done(st);
    if (rc < 0) {
        lates_free(l, n);
        return rc;
    }
    *ret = l;
    *ret_n = n;
    return 0;
}

static bool differs(const struct prev_score *a, const struct prev_score *b)
{
    if (!a || !b)
        return true;
    if (fabs(a->index - b->index) > EPS)
        return true;
    for (int d = 0; d < DIM_COUNT; d++)
        if (fabs(a->dims[d] - b->dims[d]) > EPS)
            return true;
    return false;
}

/* One change row: dims holds the dimensions that moved, late the member's late events per
 * source (lates[*at...] while they are the member's; *at advances past them). */
static int write_change(struct db *db, int month, long long run, const struct prev_score *o,
                        const struct prev_score *n, const struct late *lates, long nlates,
                        long *at, struct errbuf *e)
{
    long long tenant;
    const struct prev_score *who = n ? n : o; /* one of the two is there */
    long long member = who->member_id, org = who->org_id, count = 0;
    json_t *dims = json_object(), *late = json_array();
    char *dtext = NULL, *ltext = NULL;
    struct db_stmt *st;
    int rc;
    while (*at < nlates && lates[*at].member_id < member)
        (*at)++;
    for (; *at < nlates && lates[*at].member_id == member; (*at)++) {
        json_array_append_new(late, json_pack("{s:s, s:s, s:I}", "source", lates[*at].code, "name",
                                              lates[*at].name, "events",
                                              (json_int_t)lates[*at].events));
        count += lates[*at].events;
    }
    for (int d = 0; d < DIM_COUNT; d++) {
        double delta = (n ? n->dims[d] : 0) - (o ? o->dims[d] : 0);
        if (fabs(delta) > EPS)
            json_object_set_new(dims, dim_name(d), json_real(delta));
    }
    dtext = json_dumps(dims, JSON_COMPACT | JSON_SORT_KEYS);
    ltext = json_dumps(late, JSON_COMPACT);
    json_decref(dims);
    json_decref(late);
    if (!dtext || !ltext) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = tenant_of_org(db, org, &tenant, e)) < 0 ||
        (rc = db_prepare(db,
                         "INSERT INTO score_changes(month, run, member_id, org_id, old_idx,"
                         " new_idx, dims, late, late_events, tenant_id)"
                         " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                         &st, e)) < 0)
        goto out;
    db_bindv(st, "iiii", (long long)month, run, member, org);
    if (o)
        db_bind_double(st, 5, o->index);
    else
        db_bind_null(st, 5);
    if (n)
        db_bind_double(st, 6, n->index);
    else
        db_bind_null(st, 6);
    db_bind_text(st, 7, dtext);
    db_bind_text(st, 8, ltext);
    db_bind_int(st, 9, count);
    db_bind_int(st, 10, tenant);
    rc = db_step(st, e);
    db_done(st);
out:
    free(dtext);
    free(ltext);
    return rc < 0 ? rc : 0;
}

/* Walk the old and the new rows by member id together; write a row per difference. */
int score_prev_record(struct db *db, int month, const struct score_prev *p, long long *ret_changed,
                      long long *ret_late, struct errbuf *e)
{
    struct prev_score *now = NULL;
    struct late *lates = NULL;
    long nnow = 0, nlates = 0, i = 0, j = 0, at = 0;
    long long changed = 0, late = 0;
    int rc;
    if (!p->scored) {
        *ret_changed = 0;
        *ret_late = 0;
        return 0;
    }
    if ((rc = p->tenant ? db_query_int(db, e, &late,
                                       "SELECT COUNT(*) FROM events WHERE month = $1"
                                       " AND created_at > $2 AND tenant_id = $3",
                                       "iii", (long long)month, p->started_at, p->tenant)
                        : db_query_int(db, e, &late,
                                       "SELECT COUNT(*) FROM events WHERE month = $1"
                                       " AND created_at > $2",
                                       "ii", (long long)month, p->started_at)) < 0 ||
        (rc = read_rows(db, month, p->tenant, &now, &nnow, e)) < 0 ||
        (rc = read_lates(db, month, p->tenant, p->started_at, &lates, &nlates, e)) < 0)
        goto out;
    while (i < p->nrows || j < nnow) {
        const struct prev_score *o = i < p->nrows ? &p->rows[i] : NULL;
        const struct prev_score *n = j < nnow ? &now[j] : NULL;
        if (o && n && o->member_id != n->member_id) {
            if (o->member_id < n->member_id)
                n = NULL;
            else
                o = NULL;
        }
        if (differs(o, n)) {
            if ((rc = write_change(db, month, p->run + 1, o, n, lates, nlates, &at, e)) < 0)
                goto out;
            changed++;
        }
        i += o != NULL;
        j += n != NULL;
    }
    *ret_changed = changed;
    *ret_late = late;
out:
    free(now);
    lates_free(lates, nlates);
    return rc < 0 ? rc : 0;
}

int score_month_has_late(struct db *db, int month, long long tenant, struct errbuf *e)
{
    long long since = 0, n = 0;
    int rc;
    if (tenant) {
        /* since the latest run that covered the tenant; none: not scored, nothing is late */
        if ((rc = covering_start(db, month, tenant, &since, e)) <= 0)
            return rc;
        rc = db_query_int(db, e, &n,
                          "SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE month = $1"
                          " AND created_at > $2 AND tenant_id = $3 LIMIT 1) x",
                          "iii", (long long)month, since, tenant);
        return rc < 0 ? rc : n > 0;
    }
    rc = db_query_int(db, e, &since, "SELECT started_at FROM score_runs WHERE month = $1", "i",
                      (long long)month);
    if (rc <= 0)
        return rc;
    /* since the latest run of every tenant: a later run of one tenant did not see the
     * others' late events */
    if ((rc = covering_start(db, month, 0, &since, e)) < 0)
        return rc;
    /* one range of events_month_created */
    rc = db_query_int(db, e, &n,
                      "SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE month = $1"
                      " AND created_at > $2 LIMIT 1) x",
                      "ii", (long long)month, since);
    return rc < 0 ? rc : n > 0;
}

int score_reason_valid(const char *reason)
{
    static const char *const reasons[] = {"scheduled", "late_events", "manual"};
    for (size_t i = 0; reason && i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (!strcmp(reason, reasons[i]))
            return 1;
    return 0;
}
