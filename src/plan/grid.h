/* The plan grid: every task of a year's plans × the organizations it applies to × its
 * periods, with the actual figures read from the events (and reported figures) in one pass.
 * Shared by the daily check, progress, lagging lists and bulletins, so that every screen
 * shows the same numbers. Module-internal: only src/plan/ and the benchmark use it. */
#ifndef PLAN_GRID_H
#define PLAN_GRID_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "plan/progress.h"

struct db;

enum plan_metric { METRIC_COUNT, METRIC_SUM, METRIC_REPORTED, METRIC_DUES };

/* Organization kinds as bits (plan_tasks.kinds). */
enum {
    KIND_COMMITTEE = 1 << 0,
    KIND_GENERAL_BRANCH = 1 << 1,
    KIND_BRANCH = 1 << 2,
    KIND_GROUP = 1 << 3,
};

struct plan_org {
    long long id, parent_id;
    long long secretary_id; /* members.id of its secretary, 0 for none */
    int parent;   /* index in the grid, -1 for the root */
    int superior; /* index of the nearest committee above, -1 for none */
    int end;      /* one past the last index of its subtree (orgs are in path order) */
    unsigned kind;
    bool has_groups;
    char *code, *name, *path;
    char *responsible; /* the secretary's name, or the responsible accounts' names */
};

struct plan_task {
    long long id, plan_id, owner_id, indicator_id, under_id;
    char *code, *name, *unit, *role, *plan_name, *note;
    enum plan_metric metric;
    double target, weight;
    enum plan_freq freq;
    unsigned kinds;
    bool with_groups;
    int from_day, remind_days;
    int slot; /* row of the actuals for count and sum, -1 otherwise */
};

struct plan_report {
    int task, org, start; /* period by its first day */
    double value;
};

struct plan_grid {
    int year, as_of;
    struct plan_org *orgs;
    int norgs;
    struct plan_task *tasks;
    int ntasks;
    unsigned char *applies; /* [task * norgs + org] */
    int nslots;
    double *count, *sum; /* [(org * nslots + slot) * 12 + month - 1] */
    struct plan_report *reports;
    int nreports;
    /* dues tasks: regular bills liable and paid by month end, [org * 12 + month - 1], for
     * the months the dues module has generated (bit month - 1 of dues_months) */
    double *dues_liable, *dues_paid;
    unsigned dues_months;
    bool people; /* responsible persons loaded */
    /* a grid of one tenant's plans (plan_grid_load_tenant): their tenant, and the tenant
     * whose organizations, events and bills alone are read (0: everyone's, for a tenant whose
     * plans may reach other tenants, the national root's); of a view in one tenant
     * (plan_grid_load_scope): no plans_tenant, and the rows' tenant */
    long long plans_tenant, rows_tenant;
};

/* One task, organization and period, evaluated on the grid's as_of day. */
struct plan_cell {
    bool active; /* the cell counts (plan_grid_counts) */
    double actual, completion, expected;
    enum plan_level level;
    int days_left;
};

/* Load the plans of year (every owner) with the events up to as_of (YYYYMMDD). With
 * `people`, also the responsible person of every organization. The grid is the caller's
 * (plan_grid_free). */
int plan_grid_load(struct db *db, int year, int as_of, bool people, struct plan_grid **ret,
                   struct errbuf *e);
/* The same for the plans of one tenant, which reach no organization outside it unless the
 * tenant's root spans other tenants (the national root): then every organization is read,
 * else the tenant's organizations (and those above its root) and its events and bills alone,
 * so that on Citus the grid reads that tenant's shards. */
int plan_grid_load_tenant(struct db *db, int year, int as_of, long long tenant,
                          struct plan_grid **ret, struct errbuf *e);
/* For a view of the subtree at path (progress, bulletins): when it lies in one tenant, the
 * plans that reach its organizations (its tenant's and those of the organizations above its
 * root) over that tenant's organizations, events and bills alone; else plan_grid_load. */
int plan_grid_load_scope(struct db *db, int year, int as_of, bool people, const char *path,
                         struct plan_grid **ret, struct errbuf *e);
void plan_grid_free(struct plan_grid *g);
/* Index of an organization or task by id, -1 when not in the grid. */
int plan_grid_org(const struct plan_grid *g, long long id);
int plan_grid_task(const struct plan_grid *g, long long id);
static inline bool plan_grid_applies(const struct plan_grid *g, int task, int org)
{
    return g->applies[(long)task * g->norgs + org] != 0;
}
/* The actual figure of a task for an organization in period p (p within the grid's year). */
double plan_grid_actual(const struct plan_grid *g, int task, int org, const struct plan_period *p);
/* Whether a cell counts on day `on`: its period is active for the task (plan_period_active)
 * and its figure is known (dues: billed by the dues module, or reported). */
bool plan_grid_counts(const struct plan_grid *g, int task, int org, const struct plan_period *p,
                      int on);
/* Evaluate a cell on day `on` (normally g->as_of). */
void plan_grid_cell(const struct plan_grid *g, int task, int org, const struct plan_period *p,
                    int on, struct plan_cell *ret);

/* Completion rates over period P (any frequency; a task counts with its periods inside P
 * that are active by as_of; tasks of a longer frequency than P do not count):
 *   org_rate[i]  the weighted mean of organization i's tasks, or -1 when none counts;
 *   node_rate[i] the mean of org_rate over the subtree of i (itself included), or -1;
 *   node_n[i]    how many organizations that mean is over.
 * Only the subtree of root is filled. Arrays hold g->norgs entries. */
void plan_grid_rates(const struct plan_grid *g, int root, const struct plan_period *P,
                     double *org_rate, double *node_rate, int *node_n);
/* Completion of one task for one organization over P: the mean of its active periods inside
 * P, or -1 when none counts. */
double plan_grid_task_rate(const struct plan_grid *g, int task, int org,
                           const struct plan_period *P);

/* The order of g->reports (task, org, period start), for qsort and bsearch. */
int plan_grid_report_cmp(const void *a, const void *b);

/* {id, code, name, kind} of an organization (new reference). */
json_t *plan_grid_org_json(const struct plan_org *o);

const char *plan_metric_name(enum plan_metric m);
int plan_metric_parse(const char *s, enum plan_metric *ret);
/* "branch,general_branch" → bits; 0 or -ERR_INVALID. And back (out of at least 64 bytes). */
int plan_kinds_parse(const char *s, unsigned *ret);
void plan_kinds_format(unsigned kinds, char *out, size_t n);
unsigned plan_kind_bit(const char *kind);

#endif
