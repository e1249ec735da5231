/* The plan grid's figures (see grid.h): cells, completion rates and their roll-up over the
 * tree, computed in memory from what plan_grid_load read (grid.c). */
#include "plan/grid.h"

#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "base/banned.h"

double plan_grid_actual(const struct plan_grid *g, int task, int org, const struct plan_period *p)
{
    const struct plan_task *t = &g->tasks[task];
    if (t->metric == METRIC_COUNT || t->metric == METRIC_SUM) {
        const double *v = t->metric == METRIC_COUNT ? g->count : g->sum;
        double total = 0;
        int m0 = p->start / 100 % 100, m1 = p->end / 100 % 100;
        if (p->year != g->year || t->slot < 0)
            return 0;
        for (int m = m0; m <= m1; m++)
            total += v[((long)org * g->nslots + t->slot) * 12 + m - 1];
        return total;
    }
    if (t->metric == METRIC_DUES && p->year == g->year) {
        /* the share (in percent) over the period's months the dues module has generated */
        double liable = 0, paid = 0;
        bool known = false;
        for (int m = p->start / 100 % 100; m <= p->end / 100 % 100; m++)
            if (g->dues_months & (1u << (m - 1))) {
                known = true;
                liable += g->dues_liable[org * 12 + m - 1];
                paid += g->dues_paid[org * 12 + m - 1];
            }
        if (known)
            return liable > 0 ? 100 * paid / liable : 100;
    }
    /* reported figures, and dues for months the dues module has not generated */
    struct plan_report key = {task, org, p->start, 0};
    const struct plan_report *hit =
        g->nreports ? bsearch(&key, g->reports, (size_t)g->nreports, sizeof(key), plan_grid_report_cmp) : NULL;
    return hit ? hit->value : 0;
}

/* Whether the figure of a cell is known: always, except for dues in months the dues module
 * has not billed and nobody reported (no bills: nothing to judge). */
static bool known(const struct plan_grid *g, int task, int org, const struct plan_period *p)
{
    struct plan_report key = {task, org, p->start, 0};
    if (g->tasks[task].metric != METRIC_DUES)
        return true;
    for (int m = p->start / 100 % 100; m <= p->end / 100 % 100; m++)
        if (p->year == g->year && (g->dues_months & (1u << (m - 1))))
            return true;
    return g->nreports && bsearch(&key, g->reports, (size_t)g->nreports, sizeof(key), plan_grid_report_cmp);
}

bool plan_grid_counts(const struct plan_grid *g, int task, int org, const struct plan_period *p,
                      int on)
{
    return plan_period_active(p, g->tasks[task].from_day, on) && known(g, task, org, p);
}

void plan_grid_cell(const struct plan_grid *g, int task, int org, const struct plan_period *p,
                    int on, struct plan_cell *ret)
{
    const struct plan_task *t = &g->tasks[task];
    ret->active = plan_grid_counts(g, task, org, p, on);
    ret->actual = plan_grid_actual(g, task, org, p);
    ret->completion = plan_completion(ret->actual, t->target);
    ret->expected = plan_expected(p, t->from_day, on);
    ret->level = plan_level_of(p, t->from_day, on, ret->completion);
    ret->days_left = plan_days_left(p, on);
}

double plan_grid_task_rate(const struct plan_grid *g, int task, int org,
                           const struct plan_period *P)
{
    const struct plan_task *t = &g->tasks[task];
    double sum = 0;
    int n = 0;
    if (t->freq > P->freq || P->year != g->year)
        return -1;
    for (int i = 1; i <= plan_freq_count(t->freq); i++) {
        struct plan_period p;
        plan_period_make(t->freq, g->year, i, &p);
        if (!plan_period_within(&p, P) || !plan_grid_counts(g, task, org, &p, g->as_of))
            continue;
        sum += plan_completion(plan_grid_actual(g, task, org, &p), t->target);
        n++;
    }
    return n ? sum / n : -1;
}

void plan_grid_rates(const struct plan_grid *g, int root, const struct plan_period *P,
                     double *org_rate, double *node_rate, int *node_n)
{
    int end = g->orgs[root].end;
    for (int o = root; o < end; o++) {
        org_rate[o] = -1;
        node_rate[o] = 0;
        node_n[o] = 0;
    }
    for (int o = root; o < end; o++) {
        double wsum = 0, sum = 0;
        for (int t = 0; t < g->ntasks; t++) {
            double r;
            if (!plan_grid_applies(g, t, o) || (r = plan_grid_task_rate(g, t, o, P)) < 0)
                continue;
            sum += g->tasks[t].weight * r;
            wsum += g->tasks[t].weight;
        }
        if (wsum <= 0)
            continue;
        org_rate[o] = sum / wsum;
        for (int a = o; a >= root && a < end; a = g->orgs[a].parent) {
            node_rate[a] += org_rate[o];
            node_n[a]++;
            if (a == root)
                break;
        }
    }
    for (int o = root; o < end; o++)
        node_rate[o] = node_n[o] ? node_rate[o] / node_n[o] : -1;
}

json_t *plan_grid_org_json(const struct plan_org *o)
{
    char kind[32];
    plan_kinds_format(o->kind, kind, sizeof(kind));
    return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)o->id, "code", o->code, "name",
                     o->name, "kind", kind);
}
