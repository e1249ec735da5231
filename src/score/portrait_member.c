/* 党员画像: one member's month, and the member's year. Only the member and the staff whose
 * scope covers the member's branch of the month may read them. */
#include "score/portrait.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "score/model.h"
#include "org/tenant.h"
#include "base/banned.h"

/* Two stored averages compare as equal within this (they are sums of a few decimals). */
#define EPS 1e-9
/* Indicators listed under one strength or weakness. */
#define EXPLAIN_MAX 3

/* One member_scores row with the member, and the stored figures of the scopes it was ranked
 * in: the branch's rollup and the sizes of the branch, unit and company rankings. */
struct mrow {
    long long id, tenant, org_id, unit_id, version;
    double dims[DIM_COUNT], index, pct[3];
    long long rank[3], of[3];
    int vetoed;
    int unit_is_root;      /* a branch outside any unit committee is ranked with its like */
    double avg[DIM_COUNT]; /* the branch's */
    char path[ORG_PATH_MAX];
    json_t *member;   /* {id, name, emp_no, org_id, org_name} */
    json_t *contrib;  /* {"code": [events, raw, counted]} */
    json_t *bcontrib; /* the branch's mean points counted per indicator */
};

static void mrow_release(struct mrow *m)
{
    json_decref(m->member);
    json_decref(m->contrib);
    json_decref(m->bcontrib);
}

/* The member's company (the root of their tenant: a provincial company under a national
 * root) and how many it scored in month: the size of the company ranking. 1, or < 0. */
static int company_size(struct db *db, struct mrow *m, int month, struct errbuf *e)
{
    long long company, n = 0;
    int rc;
    if ((rc = tenant_root_of(db, m->org_id, &company, e)) < 0 ||
        (rc = db_query_int(db, e, &n, "SELECT members FROM org_scores WHERE month = $1"
                                      " AND org_id = $2 AND tenant_id = $3",
                           "iii", (long long)month, company, m->tenant)) < 0)
        return rc;
    m->unit_is_root = m->unit_id == company;
    m->of[2] = n;
    return 1;
}

/* 1 and m filled when member_id (of tenant) was scored in month, 0 when not, < 0 on error.
 * One query: a portrait is read far more often than a month is scored. Every statement of a
 * portrait names the member's tenant: on Citus it goes to that tenant's shard alone. */
static int mrow_load(struct db *db, long long member_id, long long tenant, int month,
                     struct mrow *m, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    memset(m, 0, sizeof(*m));
    m->tenant = tenant;
    if ((rc =
             db_prepare(db,
                        "SELECT ms.org_id, ms.unit_id, ms.version, ms.politics, ms.theory,"
                        " ms.discipline, ms.performance, ms.honours, ms.idx, ms.vetoed,"
                        " ms.rank_branch, ms.rank_unit, ms.rank_company, ms.pct_branch,"
                        " ms.pct_unit, ms.pct_company, ms.contrib, m.name, m.emp_no, o.name,"
                        " o.path, os.members, os.politics, os.theory, os.discipline,"
                        " os.performance, os.honours, os.contrib, us.members"
                        " FROM member_scores ms JOIN members m ON m.id = ms.member_id AND m.tenant_id = ms.tenant_id"
                        " JOIN orgs o ON o.id = ms.org_id"
                        " JOIN org_scores os ON os.month = ms.month AND os.tenant_id = ms.tenant_id AND os.org_id = ms.org_id"
                        " LEFT JOIN org_scores us ON us.month = ms.month AND us.tenant_id = ms.tenant_id AND us.org_id = ms.unit_id"
                        " WHERE ms.month = $1 AND ms.member_id = $2 AND ms.tenant_id = $3",
                        &st, e)) < 0)
        return rc;
    db_bindv(st, "iii", (long long)month, member_id, tenant);
    if ((rc = db_step(st, e)) == 1) {
        m->id = member_id;
        m->org_id = db_col_int(st, 0);
        m->unit_id = db_col_int(st, 1);
        m->version = db_col_int(st, 2);
        for (int d = 0; d < DIM_COUNT; d++) {
            m->dims[d] = db_col_double(st, 3 + d);
            m->avg[d] = db_col_double(st, 22 + d);
        }
        m->index = db_col_double(st, 8);
        m->vetoed = db_col_int(st, 9) != 0;
        for (int s = 0; s < 3; s++) {
            m->rank[s] = db_col_int(st, 10 + s);
            m->pct[s] = db_col_double(st, 13 + s);
        }
        m->of[0] = db_col_int(st, 21);
        m->of[1] = db_col_int(st, 28);
        if ((rc = portrait_json_column(db_col_text(st, 16), &m->contrib, e)) == 0 &&
            (rc = portrait_json_column(db_col_text(st, 27), &m->bcontrib, e)) == 0) {
            m->member = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", member_id, "name",
                                  db_col_text(st, 17), "emp_no", db_col_text(st, 18), "org_id",
                                  m->org_id, "org_name", db_col_text(st, 19));
            snprintf(m->path, sizeof(m->path), "%s", db_col_text(st, 20));
            rc = 1;
        }
    }
    db_done(st);
    return rc == 1 ? company_size(db, m, month, e) : rc;
}

/* The tenant of member_id as a portrait reads it: a member's own is the session's, anyone
 * else's is looked up from the reader's tenant first. */
static int portrait_member_tenant(struct db *db, const struct auth *a, long long member_id,
                                  long long *ret, struct errbuf *e)
{
    if (a->member_id == member_id && a->tenant) {
        *ret = a->tenant;
        return 0;
    }
    return tenant_of_member(db, member_id, a->tenant, ret, e);
}

/* May the caller read member_id's scores? path: the member's branch in the period asked
 * about, NULL when the member has no score in it (then "period" says which, for the 404).
 * A member asking about someone else gets 403 whether or not that member exists. */
static int gate(struct db *db, const struct auth *a, long long member_id, long long tenant,
                const char *path, const char *period, struct errbuf *e)
{
    char now[ORG_PATH_MAX] = "";
    struct db_stmt *st;
    int rc;
    if (path && (a->member_id == member_id || auth_covers(a, PORTRAIT_STAFF, path)))
        return 0;
    if (path)
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "member_id", member_id,
                                "member %lld is outside your scope", member_id);
    if ((rc = db_prepare(db,
                         "SELECT o.path FROM members m JOIN orgs o ON o.id = m.org_id"
                         " WHERE m.id = $1 AND m.tenant_id = $2",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", member_id, tenant);
    if ((rc = db_step(st, e)) == 1)
        snprintf(now, sizeof(now), "%s", db_col_text(st, 0));
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0 && a->member_id != member_id)
        return auth_has_role(a, PORTRAIT_STAFF)
                   ? errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_MEMBER, "member_id", member_id,
                                      "member %lld not found", member_id)
                   : errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "member_id", member_id,
                                      "member %lld is outside your scope", member_id);
    if (a->member_id != member_id && !auth_covers(a, PORTRAIT_STAFF, now))
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "member_id", member_id,
                                "member %lld is outside your scope", member_id);
    return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_SCORED, "member_id", member_id,
                            "member %lld was not scored in %s", member_id, period);
}

struct pick {
    size_t rule;
    double v;
};

static int by_v_desc(const void *a, const void *b)
{
    const struct pick *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* The points an indicator counted for the member (0 without events). */
static double counted(const json_t *contrib, const char *code)
{
    return json_number_value(json_array_get(json_object_get(contrib, code), 2));
}

/* The indicators behind a strength (the member's largest points in dim) or a weakness (where
 * the member is furthest below the branch's mean points, missing ones included). */
static json_t *explain(const struct score_model *model, const struct mrow *m, int dim, int strength,
                       struct pick *picks)
{
    json_t *list = json_array();
    size_t n = 0;
    for (size_t i = 0; i < model->nrules; i++) {
        const struct score_rule *r = &model->rules[i];
        double mine = counted(m->contrib, r->indicator);
        double diff = mine - json_number_value(json_object_get(m->bcontrib, r->indicator));
        if (r->dim != dim)
            continue;
        if (strength && mine > EPS)
            picks[n++] = (struct pick){i, mine};
        else if (!strength && diff < -EPS)
            picks[n++] = (struct pick){i, -diff};
    }
    qsort(picks, n, sizeof(*picks), by_v_desc);
    for (size_t k = 0; k < n && k < EXPLAIN_MAX; k++) {
        const struct score_rule *r = &model->rules[picks[k].rule];
        double mine = counted(m->contrib, r->indicator);
        json_t *o = json_pack("{s:s, s:s, s:f}", "indicator", r->indicator, "name", r->name,
                              "points", mine);
        if (!strength) {
            double avg = json_number_value(json_object_get(m->bcontrib, r->indicator));
            json_object_set_new(o, "branch_avg", json_real(avg));
            json_object_set_new(o, "diff", json_real(mine - avg));
            json_object_set_new(o, "missing",
                                json_boolean(!json_object_get(m->contrib, r->indicator)));
        }
        json_array_append_new(list, o);
    }
    return list;
}

/* Each dimension's indicators with events this month, in the model's order. */
static json_t *contributions(const struct score_model *model, const struct mrow *m)
{
    json_t *out = json_object();
    for (int d = 0; d < DIM_COUNT; d++)
        json_object_set_new(out, dim_name(d), json_array());
    for (size_t i = 0; i < model->nrules; i++) {
        const struct score_rule *r = &model->rules[i];
        json_t *c = json_object_get(m->contrib, r->indicator);
        if (!c)
            continue;
        json_array_append_new(json_object_get(out, dim_name(r->dim)),
                              json_pack("{s:s, s:s, s:s, s:I, s:f, s:f, s:o}", "indicator",
                                        r->indicator, "name", r->name, "unit", r->unit, "events",
                                        (json_int_t)json_integer_value(json_array_get(c, 0)),
                                        "points_raw", json_number_value(json_array_get(c, 1)),
                                        "points", json_number_value(json_array_get(c, 2)), "cap",
                                        r->has_cap ? json_real(r->cap) : json_null()));
    }
    return out;
}

/* The growth line: the member's index for the PORTRAIT_LINE months ending at month, and beside
 * it the average of the branch the member belonged to in each of those months. */
static int growth(struct db *db, long long member_id, long long tenant, int month, json_t **ret,
                  struct errbuf *e)
{
    int first = month_add(month, -(PORTRAIT_LINE - 1)), rc;
    json_t *mine = json_array(), *branch = json_array();
    struct db_stmt *st;
    for (int i = 0; i < PORTRAIT_LINE; i++) {
        json_array_append_new(mine, json_null());
        json_array_append_new(branch, json_null());
    }
    if ((rc = db_prepare(db,
                         "SELECT ms.month, ms.idx, os.idx FROM member_scores ms"
                         " LEFT JOIN org_scores os ON os.month = ms.month AND os.tenant_id = ms.tenant_id AND os.org_id = ms.org_id"
                         " WHERE ms.member_id = $1 AND ms.month >= $2 AND ms.month <= $3"
                         " AND ms.tenant_id = $4",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "iiii", member_id, (long long)first, (long long)month, tenant);
    while ((rc = db_step(st, e)) == 1) {
        int at = month_diff((int)db_col_int(st, 0), first);
        if (at < 0 || at >= PORTRAIT_LINE)
            continue;
        json_array_set_new(mine, (size_t)at, json_real(db_col_double(st, 1)));
        if (!db_col_null(st, 2))
            json_array_set_new(branch, (size_t)at, json_real(db_col_double(st, 2)));
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    *ret = json_pack("{s:o, s:o, s:o}", "months", portrait_months(month, PORTRAIT_LINE), "member",
                     mine, "branch", branch);
    return 0;
fail:
    json_decref(mine);
    json_decref(branch);
    return rc;
}

static json_t *rank_json(long long rank, long long of, double pct)
{
    json_t *o = json_pack("{s:I, s:I}", "rank", rank, "of", of);
    json_object_set_new(o, "percentile", json_real(pct));
    return o;
}

static int build(struct db *db, struct mrow *m, int month, json_t **ret, struct errbuf *e)
{
    const struct score_model *model = NULL;
    json_t *out, *dims, *strengths, *weaknesses, *line = NULL, *run = NULL, *changes = NULL;
    struct pick *picks = NULL;
    int rc;
    /* a unit committee's rollup counts exactly the members ranked in it; the root's counts
     * the whole company, not the branches directly under it */
    if (m->unit_is_root &&
        (rc = db_query_int(db, e, &m->of[1],
                           "SELECT COUNT(*) FROM member_scores WHERE month = $1 AND unit_id = $2"
                           " AND tenant_id = $3",
                           "iii", (long long)month, m->unit_id, m->tenant)) < 0)
        return rc;
    if ((rc = portrait_model(db, m->version, &model, e)) < 0 ||
        (rc = growth(db, m->id, m->tenant, month, &line, e)) < 0 ||
        (rc = portrait_run_json(db, month, m->tenant, &run, e)) < 0 ||
        (rc = portrait_member_changes(db, m->id, m->tenant, month, &changes, e)) < 0)
        goto out;
    if (!(picks = calloc(model->nrules + 1, sizeof(*picks)))) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    dims = json_object();
    strengths = json_array();
    weaknesses = json_array();
    for (int d = 0; d < DIM_COUNT; d++) {
        double diff = m->dims[d] - m->avg[d];
        json_object_set_new(dims, dim_name(d),
                            json_pack("{s:s, s:f, s:f, s:f}", "label", dim_label(d), "score",
                                      m->dims[d], "branch_avg", m->avg[d], "diff", diff));
        if (diff >= model->gap - EPS || diff <= -model->gap + EPS) {
            int strength = diff > 0;
            json_t *s =
                json_pack("{s:s, s:s, s:f, s:f, s:f}", "dimension", dim_name(d), "label",
                          dim_label(d), "score", m->dims[d], "branch_avg", m->avg[d], "diff", diff);
            json_object_set_new(s, "indicators", explain(model, m, d, strength, picks));
            json_array_append_new(strength ? strengths : weaknesses, s);
        }
    }
    /* model_version: the version that scored this month (old months keep theirs) */
    out = json_pack("{s:O, s:i, s:I, s:f, s:b, s:f, s:o}", "member", m->member, "month", month,
                    "model_version", (json_int_t)m->version, "index", m->index, "vetoed", m->vetoed,
                    "base", model->base, "dims", dims);
    json_object_set_new(out, "ranks",
                        json_pack("{s:o, s:o, s:o}", "branch",
                                  rank_json(m->rank[0], m->of[0], m->pct[0]), "unit",
                                  rank_json(m->rank[1], m->of[1], m->pct[1]), "company",
                                  rank_json(m->rank[2], m->of[2], m->pct[2])));
    json_object_set_new(out, "growth", line);
    line = NULL;
    json_object_set_new(out, "strengths", strengths);
    json_object_set_new(out, "weaknesses", weaknesses);
    json_object_set_new(out, "contributions", contributions(model, m));
    /* the run shown, and what re-runs changed (SCORING.md, "Late events and re-runs") */
    json_object_set_new(out, "run", run);
    json_object_set_new(out, "changes", changes);
    run = changes = NULL;
    *ret = out;
out:
    free(picks);
    json_decref(line);
    json_decref(run);
    json_decref(changes);
    return rc < 0 ? rc : 0;
}

int portrait_member(struct db *db, const struct auth *a, long long member_id, int month,
                    json_t **ret, struct errbuf *e)
{
    struct mrow m;
    char period[16];
    long long tenant;
    int rc = portrait_member_tenant(db, a, member_id, &tenant, e);
    if (rc < 0 || (rc = mrow_load(db, member_id, tenant, month, &m, e)) < 0)
        return rc;
    snprintf(period, sizeof(period), "%d", month);
    if ((rc = gate(db, a, member_id, tenant, rc ? m.path : NULL, period, e)) == 0)
        rc = build(db, &m, month, ret, e);
    mrow_release(&m);
    return rc;
}

struct improved {
    int dim;
    double first, last;
};

static int by_change_desc(const void *a, const void *b)
{
    const struct improved *x = a, *y = b;
    double cx = x->last - x->first, cy = y->last - y->first;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return x->dim - y->dim;
}

/* The year's lines from its months' rows, best and worst month (the earlier on a tie), and
 * every dimension's change from the first scored month to the last, largest first. */
int portrait_member_annual(struct db *db, const struct auth *a, long long member_id, int year,
                           json_t **ret, struct errbuf *e)
{
    json_t *months = json_array(), *index = json_array(), *branch = json_array(),
           *dims = json_object(), *member = NULL, *out, *imp;
    struct improved ch[DIM_COUNT];
    char path[ORG_PATH_MAX] = "", period[16];
    int best = 0, worst = 0, n = 0, rc;
    long long tenant;
    double best_v = 0, worst_v = 0;
    struct db_stmt *st;
    if ((rc = portrait_member_tenant(db, a, member_id, &tenant, e)) < 0)
        goto fail;
    if (!year) {
        int latest;
        if ((rc = portrait_latest_month(db, &latest, e)) < 0)
            goto fail;
        year = month_year(latest);
    }
    for (int d = 0; d < DIM_COUNT; d++)
        json_object_set_new(dims, dim_name(d), json_array());
    if ((rc = db_prepare(db,
                         "SELECT ms.month, ms.idx, os.idx, ms.politics, ms.theory, ms.discipline,"
                         " ms.performance, ms.honours, ms.org_id, o.name, o.path, m.name, m.emp_no"
                         " FROM member_scores ms JOIN members m ON m.id = ms.member_id AND m.tenant_id = ms.tenant_id"
                         " JOIN orgs o ON o.id = ms.org_id LEFT JOIN org_scores os"
                         " ON os.month = ms.month AND os.org_id = ms.org_id"
                         " AND os.tenant_id = ms.tenant_id"
                         " WHERE ms.member_id = $1 AND ms.month >= $2 AND ms.month <= $3"
                         " AND ms.tenant_id = $4 ORDER BY ms.month",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "iiii", member_id, (long long)year * 100 + 1, (long long)year * 100 + 12,
             tenant);
    while ((rc = db_step(st, e)) == 1) {
        int month = (int)db_col_int(st, 0);
        double idx = db_col_double(st, 1);
        json_array_append_new(months, json_integer(month));
        json_array_append_new(index, json_real(idx));
        json_array_append_new(branch,
                              db_col_null(st, 2) ? json_null() : json_real(db_col_double(st, 2)));
        for (int d = 0; d < DIM_COUNT; d++) {
            double v = db_col_double(st, 3 + d);
            json_array_append_new(json_object_get(dims, dim_name(d)), json_real(v));
            ch[d].dim = d;
            if (!n)
                ch[d].first = v;
            ch[d].last = v;
        }
        if (!n || idx > best_v)
            best = month, best_v = idx;
        if (!n || idx < worst_v)
            worst = month, worst_v = idx;
        json_decref(member);
        member = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", member_id, "name",
                           db_col_text(st, 11), "emp_no", db_col_text(st, 12), "org_id",
                           db_col_int(st, 8), "org_name", db_col_text(st, 9));
        snprintf(path, sizeof(path), "%s", db_col_text(st, 10));
        n++;
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    snprintf(period, sizeof(period), "%d", year);
    if ((rc = gate(db, a, member_id, tenant, n ? path : NULL, period, e)) < 0)
        goto fail;
    qsort(ch, DIM_COUNT, sizeof(ch[0]), by_change_desc);
    imp = json_array();
    for (int d = 0; d < DIM_COUNT; d++)
        json_array_append_new(imp, json_pack("{s:s, s:s, s:f, s:f, s:f}", "dimension",
                                             dim_name(ch[d].dim), "label", dim_label(ch[d].dim),
                                             "first", ch[d].first, "last", ch[d].last, "change",
                                             ch[d].last - ch[d].first));
    out = json_pack("{s:o, s:i, s:o, s:o, s:o, s:{s:i, s:f}, s:{s:i, s:f}, s:o, s:o}", "member",
                    member, "year", year, "months", months, "index", index, "branch", branch,
                    "best", "month", best, "index", best_v, "worst", "month", worst, "index",
                    worst_v, "dims", dims, "improved", imp);
    if (!out)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    *ret = out;
    return 0;
fail:
    json_decref(months);
    json_decref(index);
    json_decref(branch);
    json_decref(dims);
    json_decref(member);
    return rc;
}
