/* Bulletins (通报): for a committee and a period, the completion rate of every level below
 * it, the ranking of the organizations that carry tasks, the list of those that did not meet
 * a target with their responsible person and rectification case, and the change against the
 * period before. Built once as JSON here; the printable HTML page and the .xlsx workbook
 * (bulletin_render.c) are renderings of that JSON, so all three always agree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "org/org.h"
#include "org/scope.h"
#include "plan/grid.h"
#include "plan/plan.h"
#include "base/banned.h"

static double r4(double x)
{
    return round(x * 10000) / 10000;
}

static json_t *rate_json(double r)
{
    return r < 0 ? json_null() : json_real(r4(r));
}

struct case_key {
    int task, org, start;
    long long id;
    char state[16];
    int overdue;
};

static int cmp_case(const void *a, const void *b)
{
    const struct case_key *x = a, *y = b;
    if (x->task != y->task)
        return x->task < y->task ? -1 : 1;
    if (x->org != y->org)
        return x->org < y->org ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int load_cases(struct db *db, const struct plan_grid *g, struct case_key **ret, int *ret_n,
                      struct errbuf *e)
{
    struct db_stmt *st;
    struct case_key *v = NULL;
    int n = 0, cap = 0, rc;
    if ((rc = db_prepare(db,
                         "SELECT c.id, c.task_id, c.org_id, c.period, c.state, c.overdue"
                         " FROM plan_cases c JOIN plan_tasks t ON t.id = c.task_id AND t.tenant_id = c.tenant_id"
                         " JOIN plans p ON p.id = t.plan_id AND p.tenant_id = t.tenant_id WHERE p.year = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, g->year);
    while ((rc = db_step(st, e)) == 1) {
        struct plan_period p;
        int t = plan_grid_task(g, db_col_int(st, 1)), o = plan_grid_org(g, db_col_int(st, 2));
        if (t < 0 || o < 0 || plan_period_parse(db_col_text(st, 3), &p) < 0)
            continue;
        if (n == cap) {
            struct case_key *q = realloc(v, (size_t)(cap = cap ? cap * 2 : 256) * sizeof(*v));
            if (!q) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            v = q;
        }
        v[n] = (struct case_key){t, o, p.start, db_col_int(st, 0), "", (int)db_col_int(st, 5)};
        snprintf(v[n].state, sizeof(v[n].state), "%s", db_col_text(st, 4));
        n++;
    }
    db_done(st);
    if (rc < 0) {
        free(v);
        return rc;
    }
    if (n)
        qsort(v, (size_t)n, sizeof(*v), cmp_case);
    *ret = v;
    *ret_n = n;
    return 0;
}

struct ranked {
    int org;
    double rate;
};

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (fabs(x->rate - y->rate) > 1e-9)
        return x->rate > y->rate ? -1 : 1;
    return x->org - y->org; /* path order */
}

/* The rates of the period before P: from the same grid when it is in the same year, else
 * from that year's plans. prev_rate and prev_node are filled (-1 where nothing counts). */
static int previous_rates(struct db *db, const struct plan_grid *g, long long root_id,
                          const char *path, const struct plan_period *prev, double *prev_rate,
                          double *prev_node, struct errbuf *e)
{
    int root = plan_grid_org(g, root_id), rc;
    int *n = malloc((size_t)g->norgs * sizeof(int));
    struct plan_grid *pg = NULL;
    if (!n)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->norgs; i++)
        prev_rate[i] = prev_node[i] = -1;
    if (prev->year == g->year) {
        plan_grid_rates(g, root, prev, prev_rate, prev_node, n);
        free(n);
        return 0;
    }
    if ((rc = plan_grid_load_scope(db, prev->year, prev->end, false, path, &pg, e)) < 0) {
        free(n);
        return rc;
    }
    /* the same organizations, possibly in another order: map them by id */
    {
        double *r = malloc((size_t)pg->norgs * sizeof(double)),
               *nr = malloc((size_t)pg->norgs * sizeof(double));
        int *nn = malloc((size_t)pg->norgs * sizeof(int)), proot = plan_grid_org(pg, root_id);
        if (!r || !nr || !nn) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        } else if (proot >= 0) {
            plan_grid_rates(pg, proot, prev, r, nr, nn);
            for (int i = proot; i < pg->orgs[proot].end; i++) {
                int k = plan_grid_org(g, pg->orgs[i].id);
                if (k >= 0) {
                    prev_rate[k] = r[i];
                    prev_node[k] = nr[i];
                }
            }
        }
        free(r);
        free(nr);
        free(nn);
    }
    plan_grid_free(pg);
    free(n);
    return rc < 0 ? rc : 0;
}

static json_t *change_json(double now, double before)
{
    return now < 0 || before < 0 ? json_null() : json_real(r4(now - before));
}

int plan_bulletin(struct db *db, long long org_id, const char *period, int as_of, json_t **ret,
                  struct errbuf *e)
{
    struct plan_period P, prev;
    struct plan_grid *g = NULL;
    struct case_key *cases = NULL;
    struct ranked *rk = NULL;
    double *rate = NULL, *node = NULL, *prate = NULL, *pnode = NULL;
    int *nn = NULL, ncases = 0, nrk = 0, root, today = date_today(), rc;
    char pname[PLAN_PERIOD_MAX], prevname[PLAN_PERIOD_MAX], day[16], path[ORG_PATH_MAX];
    json_t *out = NULL, *levels, *ranking, *not_met;
    long open_cases = 0;

    if (!period || plan_period_parse(period, &P) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_PERIOD, "period", period,
                            "period '%s' is not a period (2024-03, 2024Q1, 2024H1, 2024)",
                            period ? period : "");
    if (P.start > today)
        return errbuf_field(e, -ERR_INVALID, R_IN_FUTURE, "period", period,
                            "period '%s' has not begun yet", period);
    if (!as_of)
        as_of = P.end < today ? P.end : today;
    if (as_of < P.start || as_of > P.end)
        return errbuf_field_int(e, -ERR_INVALID, R_MISMATCH, "as_of", as_of,
                                "as_of %d is not inside the period '%s'", as_of, period);
    plan_period_name(&P, pname, sizeof(pname));
    plan_period_prev(&P, &prev);
    plan_period_name(&prev, prevname, sizeof(prevname));
    /* the grid of the committee's subtree: of its tenant alone when it lies in one */
    if ((rc = org_path(db, org_id, path, sizeof(path), e)) < 0)
        return rc == -ERR_NOTFOUND ? errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id",
                                                      org_id, "organization %lld not found",
                                                      org_id)
                                   : rc;
    if ((rc = plan_grid_load_scope(db, P.year, as_of, true, path, &g, e)) < 0)
        return rc;
    if ((root = plan_grid_org(g, org_id)) < 0) {
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", org_id,
                              "organization %lld not found", org_id);
        goto out;
    }
    if (g->orgs[root].kind & (KIND_BRANCH | KIND_GROUP)) {
        rc = errbuf_field(e, -ERR_INVALID, R_BULLETIN_NEEDS_COMMITTEE, "org_id", g->orgs[root].code,
                          "organization '%s' is a branch: bulletins are made for committees and "
                          "general branches",
                          g->orgs[root].code);
        goto out;
    }
    rate = malloc((size_t)g->norgs * sizeof(double));
    node = malloc((size_t)g->norgs * sizeof(double));
    prate = malloc((size_t)g->norgs * sizeof(double));
    pnode = malloc((size_t)g->norgs * sizeof(double));
    nn = malloc((size_t)g->norgs * sizeof(int));
    rk = malloc((size_t)g->norgs * sizeof(*rk));
    if (!rate || !node || !prate || !pnode || !nn || !rk) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    plan_grid_rates(g, root, &P, rate, node, nn);
    if ((rc = previous_rates(db, g, org_id, path, &prev, prate, pnode, e)) < 0 ||
        (rc = load_cases(db, g, &cases, &ncases, e)) < 0)
        goto out;

    date_format(as_of, day, sizeof(day));
    out = json_pack("{s:o, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o}", "org", plan_grid_org_json(&g->orgs[root]),
                    "period", pname, "period_label", "", "previous_period", prevname, "as_of", day,
                    "generated_at", (json_int_t)time(NULL), "rate", rate_json(node[root]),
                    "previous_rate", rate_json(pnode[root]), "change",
                    change_json(node[root], pnode[root]));
    {
        char label[64];
        static const char *const quarter[] = {"", "一", "二", "三", "四"};
        if (P.freq == PLAN_MONTH)
            snprintf(label, sizeof(label), "%d年%d月", P.year, P.index);
        else if (P.freq == PLAN_QUARTER)
            snprintf(label, sizeof(label), "%d年第%s季度", P.year, quarter[P.index]);
        else if (P.freq == PLAN_HALF)
            snprintf(label, sizeof(label), "%d年%s半年", P.year, P.index == 1 ? "上" : "下");
        else
            snprintf(label, sizeof(label), "%d年度", P.year);
        json_object_set_new(out, "period_label", json_string(label));
    }

    /* every level below the committee, in tree order */
    levels = json_array();
    for (int i = root; i < g->orgs[root].end; i++) {
        int depth = 0;
        json_t *l;
        if (nn[i] == 0 || g->orgs[i].kind == KIND_GROUP)
            continue;
        for (int a = i; a != root && a >= 0; a = g->orgs[a].parent)
            depth++;
        l = json_pack("{s:o, s:I, s:i, s:o, s:i, s:o, s:o}", "org", plan_grid_org_json(&g->orgs[i]),
                      "parent_id", (json_int_t)g->orgs[i].parent_id, "depth", depth, "rate",
                      rate_json(node[i]), "orgs", nn[i], "previous_rate", rate_json(pnode[i]),
                      "change", change_json(node[i], pnode[i]));
        json_array_append_new(levels, l);
    }
    json_object_set_new(out, "levels", levels);

    /* the ranking of the organizations that carry tasks */
    for (int i = root + 1; i < g->orgs[root].end; i++)
        if (rate[i] >= 0)
            rk[nrk++] = (struct ranked){i, rate[i]};
    qsort(rk, (size_t)nrk, sizeof(*rk), cmp_ranked);
    ranking = json_array();
    for (int k = 0, rank = 1; k < nrk; k++) {
        const struct plan_org *o = &g->orgs[rk[k].org];
        int p = o->parent;
        if (k > 0 && fabs(rk[k].rate - rk[k - 1].rate) > 1e-9)
            rank = k + 1;
        json_array_append_new(
            ranking, json_pack("{s:i, s:o, s:{s:s, s:s}, s:o, s:o, s:o, s:s}", "rank", rank, "org",
                               plan_grid_org_json(o), "parent", "code", p >= 0 ? g->orgs[p].code : "",
                               "name", p >= 0 ? g->orgs[p].name : "", "rate",
                               rate_json(rk[k].rate), "previous_rate",
                               rate_json(prate[rk[k].org]), "change",
                               change_json(rk[k].rate, prate[rk[k].org]), "responsible",
                               o->responsible));
    }
    json_object_set_new(out, "ranking", ranking);

    /* periods inside P that have reached their end by as_of and were not met */
    not_met = json_array();
    for (int i = root; i < g->orgs[root].end; i++)
        for (int t = 0; t < g->ntasks; t++) {
            const struct plan_task *task = &g->tasks[t];
            if (!plan_grid_applies(g, t, i) || task->freq > P.freq)
                continue;
            for (int k = 1; k <= plan_freq_count(task->freq); k++) {
                struct plan_period p;
                struct plan_cell c;
                struct case_key key = {t, i, 0, 0, "", 0}, *hit;
                char name[PLAN_PERIOD_MAX];
                json_t *row;
                plan_period_make(task->freq, P.year, k, &p);
                if (!plan_period_within(&p, &P) || p.end > as_of ||
                    !plan_grid_counts(g, t, i, &p, as_of))
                    continue;
                plan_grid_cell(g, t, i, &p, as_of, &c);
                if (c.completion >= 1 - 1e-9)
                    continue;
                plan_period_name(&p, name, sizeof(name));
                key.start = p.start;
                hit = ncases ? bsearch(&key, cases, (size_t)ncases, sizeof(key), cmp_case) : NULL;
                row = json_pack("{s:o, s:{s:I, s:s, s:s, s:s}, s:s, s:f, s:f, s:f, s:s}", "org",
                                plan_grid_org_json(&g->orgs[i]), "task", "id", (json_int_t)task->id, "code",
                                task->code, "name", task->name, "unit", task->unit, "period",
                                name, "actual", c.actual, "target", task->target, "completion",
                                r4(c.completion), "responsible", g->orgs[i].responsible);
                json_object_set_new(row, "case",
                                    hit ? json_pack("{s:I, s:s, s:b}", "id", (json_int_t)hit->id,
                                                    "state", hit->state, "overdue",
                                                    hit->overdue != 0)
                                        : json_null());
                if (hit && strcmp(hit->state, "closed") != 0)
                    open_cases++;
                json_array_append_new(not_met, row);
            }
        }
    json_object_set_new(out, "not_met", not_met);
    json_object_set_new(out, "open_cases", json_integer(open_cases));
    *ret = out;
    out = NULL;
    rc = 0;
out:
    json_decref(out);
    free(rate);
    free(node);
    free(prate);
    free(pnode);
    free(nn);
    free(rk);
    free(cases);
    plan_grid_free(g);
    return rc;
}
