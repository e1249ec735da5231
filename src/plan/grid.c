/* The plan grid (see grid.h): one read of the organizations, the year's tasks, the events
 * behind them and the reported figures; every rate after that is arithmetic in memory. */
#include "plan/grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/month.h"
#include "db/db.h"
#include "org/org.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "plan/grid_load.h"
#include "base/banned.h"

static const struct {
    enum plan_metric metric;
    const char *name;
} metrics[] = {
    {METRIC_COUNT, "count"},
    {METRIC_SUM, "sum"},
    {METRIC_REPORTED, "reported"},
    {METRIC_DUES, "dues"},
};

static const struct {
    unsigned bit;
    const char *name;
} kinds[] = {
    {KIND_COMMITTEE, "committee"},
    {KIND_GENERAL_BRANCH, "general_branch"},
    {KIND_BRANCH, "branch"},
    {KIND_GROUP, "group"},
};

const char *plan_metric_name(enum plan_metric m)
{
    return metrics[m].name;
}

int plan_metric_parse(const char *s, enum plan_metric *ret)
{
    for (size_t i = 0; s && i < sizeof(metrics) / sizeof(metrics[0]); i++)
        if (strcmp(s, metrics[i].name) == 0) {
            *ret = metrics[i].metric;
            return 0;
        }
    return -ERR_INVALID;
}

unsigned plan_kind_bit(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kind, kinds[i].name) == 0)
            return kinds[i].bit;
    return 0;
}

int plan_kinds_parse(const char *s, unsigned *ret)
{
    unsigned bits = 0;
    while (s && *s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char word[32];
        unsigned bit;
        if (len == 0 || len >= sizeof(word))
            return -ERR_INVALID;
        memcpy(word, s, len);
        word[len] = '\0';
        if (!(bit = plan_kind_bit(word)))
            return -ERR_INVALID;
        bits |= bit;
        s = comma ? comma + 1 : s + len;
    }
    if (!bits)
        return -ERR_INVALID;
    *ret = bits;
    return 0;
}

void plan_kinds_format(unsigned bits, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (bits & kinds[i].bit) {
            int w = snprintf(out + used, n - used, "%s%s", used ? "," : "", kinds[i].name);
            if (w < 0 || (size_t)w >= n - used)
                return;
            used += (size_t)w;
        }
}

/* ---- loading */

struct idx {
    long long id;
    int i;
};

static int cmp_idx(const void *a, const void *b)
{
    long long x = ((const struct idx *)a)->id, y = ((const struct idx *)b)->id;
    return x < y ? -1 : x > y;
}

/* The grid keeps id → index maps for organizations and tasks beside it. */
struct grid_impl {
    struct plan_grid g;
    struct idx *org_ids, *task_ids;
};

static int lookup(const struct idx *v, int n, long long id)
{
    struct idx key = {id, 0};
    const struct idx *hit = n ? bsearch(&key, v, (size_t)n, sizeof(*v), cmp_idx) : NULL;
    return hit ? hit->i : -1;
}

int plan_grid_org(const struct plan_grid *g, long long id)
{
    const struct grid_impl *gi = (const struct grid_impl *)g;
    return lookup(gi->org_ids, g->norgs, id);
}

int plan_grid_task(const struct plan_grid *g, long long id)
{
    const struct grid_impl *gi = (const struct grid_impl *)g;
    return lookup(gi->task_ids, g->ntasks, id);
}

static char *dup(const char *s)
{
    return strdup(s ? s : "");
}

static int nomem(struct errbuf *e)
{
    return errbuf_set(e, -ERR_NOMEM, "out of memory");
}

/* The organizations in path order: every one, or of a grid of one tenant's rows, the tenant's
 * and those above its root (root_path), whose cells its plans never reach. */
static int load_orgs(struct db *db, struct grid_impl *gi, const char *root_path,
                     struct errbuf *e)
{
#define ORGS(where)                                                                                \
    "SELECT id, COALESCE(parent_id, 0), kind, code, name, path, COALESCE(secretary_id, 0)"         \
    " FROM orgs" where " ORDER BY path"
    struct plan_grid *g = &gi->g;
    struct db_stmt *st;
    int rc, cap = 0, *stack = NULL, top = 0;
    if ((rc = db_prepare(db,
                         g->rows_tenant ? ORGS(" WHERE tenant_id = $1"
                                               " OR substr($2, 1, length(path)) = path")
                                        : ORGS(""),
                         &st, e)) < 0)
        return rc;
#undef ORGS
    if (g->rows_tenant)
        db_bindv(st, "it", g->rows_tenant, root_path);
    while ((rc = db_step(st, e)) == 1) {
        struct plan_org *o;
        if (g->norgs == cap) {
            void *p = realloc(g->orgs, (size_t)(cap = cap ? cap * 2 : 256) * sizeof(*g->orgs));
            if (!p) {
                rc = nomem(e);
                break;
            }
            g->orgs = p;
        }
        o = &g->orgs[g->norgs++];
        memset(o, 0, sizeof(*o));
        o->id = db_col_int(st, 0);
        o->parent_id = db_col_int(st, 1);
        o->kind = plan_kind_bit(db_col_text(st, 2));
        o->code = dup(db_col_text(st, 3));
        o->name = dup(db_col_text(st, 4));
        o->path = dup(db_col_text(st, 5));
        o->secretary_id = db_col_int(st, 6);
        o->responsible = dup("");
        if (!o->code || !o->name || !o->path || !o->responsible) {
            rc = nomem(e);
            break;
        }
    }
    db_done(st);
    if (rc < 0)
        return rc;
    gi->org_ids = malloc((size_t)(g->norgs ? g->norgs : 1) * sizeof(*gi->org_ids));
    stack = malloc((size_t)(g->norgs ? g->norgs : 1) * sizeof(*stack));
    if (!gi->org_ids || !stack) {
        free(stack);
        return nomem(e);
    }
    for (int i = 0; i < g->norgs; i++)
        gi->org_ids[i] = (struct idx){g->orgs[i].id, i};
    qsort(gi->org_ids, (size_t)g->norgs, sizeof(*gi->org_ids), cmp_idx);
    /* parents, party groups, the committee above, and subtree ends (paths are in order, so a
     * subtree is the run of paths that start with its root's) */
    for (int i = 0; i < g->norgs; i++) {
        struct plan_org *o = &g->orgs[i];
        o->parent = o->parent_id ? plan_grid_org(g, o->parent_id) : -1;
        if (o->kind == KIND_GROUP && o->parent >= 0)
            g->orgs[o->parent].has_groups = true;
        while (top && strncmp(o->path, g->orgs[stack[top - 1]].path,
                              strlen(g->orgs[stack[top - 1]].path)) != 0)
            g->orgs[stack[--top]].end = i;
        stack[top++] = i;
    }
    while (top)
        g->orgs[stack[--top]].end = g->norgs;
    for (int i = 0; i < g->norgs; i++) {
        int s = g->orgs[i].parent;
        while (s >= 0 && g->orgs[s].kind != KIND_COMMITTEE)
            s = g->orgs[s].parent;
        g->orgs[i].superior = s;
    }
    free(stack);
    return 0;
}

/* The year's tasks: of every plan, of one tenant's plans (plans_tenant), or of the plans that
 * reach a tenant's organizations (rows_tenant alone: those its organizations own and those of
 * the organizations above its root, root_path). */
static int load_tasks(struct db *db, struct grid_impl *gi, const char *root_path,
                      long long **ret_inds, int **ret_member, struct errbuf *e)
{
#define TASKS(which)                                                                               \
    "SELECT t.id, t.plan_id, p.org_id, COALESCE(t.indicator_id, 0), t.under_id, t.code, t.name,"   \
    " t.unit, t.role, p.name, t.note, t.metric, t.target, t.weight, t.freq, t.kinds,"              \
    " t.with_groups, t.from_day, p.remind_days, COALESCE(i.scope, '')"                             \
    " FROM plan_tasks t JOIN plans p ON p.id = t.plan_id AND p.tenant_id = t.tenant_id"            \
    " LEFT JOIN indicators i ON i.id = t.indicator_id WHERE p.year = $1" which                     \
    " ORDER BY p.id, t.id"
    struct plan_grid *g = &gi->g;
    struct db_stmt *st;
    long long *inds = NULL;
    int *member = NULL, cap = 0, rc;
    if ((rc = db_prepare(db,
                         g->plans_tenant  ? TASKS(" AND t.tenant_id = $2")
                         : g->rows_tenant ? TASKS(" AND p.org_id IN (SELECT id FROM orgs"
                                                  " WHERE tenant_id = $2"
                                                  " OR substr($3, 1, length(path)) = path)")
                                          : TASKS(""),
                         &st, e)) < 0)
        return rc;
#undef TASKS
    db_bind_int(st, 1, g->year);
    if (g->plans_tenant)
        db_bind_int(st, 2, g->plans_tenant);
    else if (g->rows_tenant) {
        db_bind_int(st, 2, g->rows_tenant);
        db_bind_text(st, 3, root_path);
    }
    while ((rc = db_step(st, e)) == 1) {
        struct plan_task *t;
        if (g->ntasks == cap) {
            void *p = realloc(g->tasks, (size_t)(cap = cap ? cap * 2 : 16) * sizeof(*g->tasks));
            void *q = realloc(inds, (size_t)cap * sizeof(*inds));
            void *r = q ? realloc(member, (size_t)cap * sizeof(*member)) : NULL;
            if (p)
                g->tasks = p;
            if (q)
                inds = q;
            if (r)
                member = r;
            if (!p || !q || !r) {
                rc = nomem(e);
                break;
            }
        }
        t = &g->tasks[g->ntasks++];
        memset(t, 0, sizeof(*t));
        t->id = db_col_int(st, 0);
        t->plan_id = db_col_int(st, 1);
        t->owner_id = db_col_int(st, 2);
        t->indicator_id = db_col_int(st, 3);
        t->under_id = db_col_int(st, 4);
        t->code = dup(db_col_text(st, 5));
        t->name = dup(db_col_text(st, 6));
        t->unit = dup(db_col_text(st, 7));
        t->role = dup(db_col_text(st, 8));
        t->plan_name = dup(db_col_text(st, 9));
        t->note = dup(db_col_text(st, 10));
        t->metric = METRIC_REPORTED;
        plan_metric_parse(db_col_text(st, 11), &t->metric);
        t->target = db_col_double(st, 12);
        t->weight = db_col_double(st, 13);
        t->freq = PLAN_YEAR;
        plan_freq_parse(db_col_text(st, 14), &t->freq);
        t->kinds = 0;
        plan_kinds_parse(db_col_text(st, 15), &t->kinds);
        t->with_groups = db_col_int(st, 16) != 0;
        t->from_day = (int)db_col_int(st, 17);
        t->remind_days = (int)db_col_int(st, 18);
        t->slot = -1;
        inds[g->ntasks - 1] = t->indicator_id;
        member[g->ntasks - 1] = strcmp(db_col_text(st, 19), "member") == 0;
        if (!t->code || !t->name || !t->unit || !t->role || !t->plan_name || !t->note) {
            rc = nomem(e);
            break;
        }
    }
    db_done(st);
    *ret_inds = inds;
    *ret_member = member;
    if (rc < 0)
        return rc;
    gi->task_ids = malloc((size_t)(g->ntasks ? g->ntasks : 1) * sizeof(*gi->task_ids));
    if (!gi->task_ids)
        return nomem(e);
    for (int i = 0; i < g->ntasks; i++)
        gi->task_ids[i] = (struct idx){g->tasks[i].id, i};
    qsort(gi->task_ids, (size_t)g->ntasks, sizeof(*gi->task_ids), cmp_idx);
    return 0;
}

/* Which organizations each task applies to: its kinds in the subtree of under_id. */
static int fill_applies(struct plan_grid *g, struct errbuf *e)
{
    g->applies = calloc((size_t)(g->ntasks ? g->ntasks : 1) * (size_t)(g->norgs ? g->norgs : 1), 1);
    if (!g->applies)
        return nomem(e);
    for (int t = 0; t < g->ntasks; t++) {
        const struct plan_task *k = &g->tasks[t];
        int u = plan_grid_org(g, k->under_id);
        if (u < 0)
            continue;
        for (int o = u; o < g->orgs[u].end; o++)
            if ((g->orgs[o].kind & k->kinds) && (!k->with_groups || g->orgs[o].has_groups))
                g->applies[(long)t * g->norgs + o] = 1;
    }
    return 0;
}

static void add_actual(struct plan_grid *g, int org, int slot, int month, long long n, double sum)
{
    /* a party group's events count for it and for the branch it belongs to */
    for (int pass = 0; pass < 2 && org >= 0; pass++) {
        long at = ((long)org * g->nslots + slot) * 12 + (month % 100 - 1);
        g->count[at] += (double)n;
        g->sum[at] += sum;
        if (g->orgs[org].kind != KIND_GROUP)
            break;
        org = g->orgs[org].parent;
    }
}

/* The events behind count and sum tasks, one GROUP BY per kind of indicator: organization
 * events (member_id NULL, their own index) in one query, member indicators one each. */
static int load_actuals(struct db *db, struct plan_grid *g, const long long *inds,
                        const int *member, struct errbuf *e)
{
    long long slot_ind[64];
    int slot_member[64], rc = 0, any_org = 0;
    struct db_stmt *st;
    long long from = (long long)g->year * 100 + 1, to = (long long)g->year * 100 + 12;
    g->nslots = 0;
    for (int t = 0; t < g->ntasks; t++) {
        struct plan_task *k = &g->tasks[t];
        int s;
        if (k->metric != METRIC_COUNT && k->metric != METRIC_SUM)
            continue;
        for (s = 0; s < g->nslots && slot_ind[s] != inds[t]; s++)
            ;
        if (s == g->nslots) {
            if (g->nslots == (int)(sizeof(slot_ind) / sizeof(slot_ind[0])))
                return (errbuf_field(e, -ERR_INVALID, R_TOO_MANY, "indicator", NULL,
                                     "the plans of %d count more than 64 indicators", g->year),
                        errbuf_limit(e, 64));
            slot_ind[s] = inds[t];
            slot_member[s] = member[t];
            any_org |= !member[t];
            g->nslots++;
        }
        k->slot = s;
    }
    g->count = calloc((size_t)(g->norgs ? g->norgs : 1) * (size_t)(g->nslots ? g->nslots : 1) * 12,
                      sizeof(double));
    g->sum = calloc((size_t)(g->norgs ? g->norgs : 1) * (size_t)(g->nslots ? g->nslots : 1) * 12,
                    sizeof(double));
    if (!g->count || !g->sum)
        return nomem(e);
    /* a grid of one tenant's rows names it: on Citus its shards alone are read */
#define ORG_EVENTS(tenant)                                                                         \
    "SELECT org_id, indicator_id, month, COUNT(*), SUM(value) FROM events"                         \
    " WHERE member_id IS NULL AND month >= $1 AND month <= $2 AND day <= $3" tenant               \
    " GROUP BY org_id, indicator_id, month"
#define MEMBER_EVENTS(tenant)                                                                      \
    "SELECT org_id, month, COUNT(*), SUM(value) FROM events"                                       \
    " WHERE indicator_id = $1 AND month >= $2 AND month <= $3 AND day <= $4" tenant               \
    " GROUP BY org_id, month"
    if (any_org) {
        if ((rc = db_prepare(db,
                             g->rows_tenant ? ORG_EVENTS(" AND tenant_id = $4") : ORG_EVENTS(""),
                             &st, e)) < 0)
            return rc;
        db_bindv(st, "iii", from, to, (long long)g->as_of);
        if (g->rows_tenant)
            db_bind_int(st, 4, g->rows_tenant);
        while ((rc = db_step(st, e)) == 1) {
            int org = plan_grid_org(g, db_col_int(st, 0)), s;
            long long ind = db_col_int(st, 1);
            for (s = 0; s < g->nslots && (slot_ind[s] != ind || slot_member[s]); s++)
                ;
            if (org >= 0 && s < g->nslots)
                add_actual(g, org, s, (int)db_col_int(st, 2), db_col_int(st, 3),
                           db_col_double(st, 4));
        }
        db_done(st);
        if (rc < 0)
            return rc;
    }
    for (int s = 0; s < g->nslots; s++) {
        if (!slot_member[s])
            continue;
        if ((rc = db_prepare(db,
                             g->rows_tenant ? MEMBER_EVENTS(" AND tenant_id = $5")
                                            : MEMBER_EVENTS(""),
                             &st, e)) < 0)
            return rc;
        db_bindv(st, "iiii", slot_ind[s], from, to, (long long)g->as_of);
        if (g->rows_tenant)
            db_bind_int(st, 5, g->rows_tenant);
        while ((rc = db_step(st, e)) == 1) {
            int org = plan_grid_org(g, db_col_int(st, 0));
            if (org >= 0)
                add_actual(g, org, s, (int)db_col_int(st, 1), db_col_int(st, 2),
                           db_col_double(st, 3));
        }
        db_done(st);
        if (rc < 0)
            return rc;
    }
    return 0;
}

#undef ORG_EVENTS
#undef MEMBER_EVENTS

static int load(struct db *db, int year, int as_of, bool people, long long plans_tenant,
                long long rows_tenant, const char *root_path, struct plan_grid **ret,
                struct errbuf *e)
{
    struct grid_impl *gi = calloc(1, sizeof(*gi));
    long long *inds = NULL;
    int *member = NULL, rc;
    if (!gi)
        return nomem(e);
    gi->g.year = year;
    gi->g.as_of = as_of;
    gi->g.plans_tenant = plans_tenant;
    gi->g.rows_tenant = rows_tenant;
    if ((rc = load_orgs(db, gi, root_path, e)) < 0 || (rc = load_tasks(db, gi, root_path, &inds, &member, e)) < 0 ||
        (rc = fill_applies(&gi->g, e)) < 0 || (rc = load_actuals(db, &gi->g, inds, member, e)) < 0 ||
        (rc = plan_grid_load_reports(db, &gi->g, e)) < 0 || (rc = plan_grid_load_dues(db, &gi->g, e)) < 0 ||
        (people && (rc = plan_grid_load_people(db, &gi->g, e)) < 0)) {
        free(inds);
        free(member);
        plan_grid_free(&gi->g);
        return rc;
    }
    free(inds);
    free(member);
    *ret = &gi->g;
    return 0;
}

int plan_grid_load(struct db *db, int year, int as_of, bool people, struct plan_grid **ret,
                   struct errbuf *e)
{
    return load(db, year, as_of, people, 0, 0, NULL, ret, e);
}

/* The path of tenant's root (its shallowest organization). */
static int root_path_of(struct db *db, long long tenant, char *path, size_t size,
                        struct errbuf *e)
{
    long long root;
    int rc = tenant_root_id(db, tenant, &root, e);
    return rc < 0 ? rc : org_path(db, root, path, size, e);
}

int plan_grid_load_tenant(struct db *db, int year, int as_of, long long tenant,
                          struct plan_grid **ret, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long within = 0;
    int rc;
    if ((rc = root_path_of(db, tenant, path, sizeof(path), e)) < 0 ||
        (rc = tenant_of_subtree(db, path, &within, e)) < 0)
        return rc;
    return load(db, year, as_of, false, tenant, within ? tenant : 0, path, ret, e);
}

int plan_grid_load_scope(struct db *db, int year, int as_of, bool people, const char *path,
                         struct plan_grid **ret, struct errbuf *e)
{
    char root_path[ORG_PATH_MAX];
    long long within = 0;
    int rc;
    if ((rc = tenant_of_subtree(db, path, &within, e)) < 0)
        return rc;
    if (!within)
        return load(db, year, as_of, people, 0, 0, NULL, ret, e);
    if ((rc = root_path_of(db, within, root_path, sizeof(root_path), e)) < 0)
        return rc;
    return load(db, year, as_of, people, 0, within, root_path, ret, e);
}

void plan_grid_free(struct plan_grid *g)
{
    struct grid_impl *gi = (struct grid_impl *)g;
    if (!g)
        return;
    for (int i = 0; i < g->norgs; i++) {
        free(g->orgs[i].code);
        free(g->orgs[i].name);
        free(g->orgs[i].path);
        free(g->orgs[i].responsible);
    }
    for (int i = 0; i < g->ntasks; i++) {
        struct plan_task *t = &g->tasks[i];
        free(t->code);
        free(t->name);
        free(t->unit);
        free(t->role);
        free(t->plan_name);
        free(t->note);
    }
    free(g->orgs);
    free(g->tasks);
    free(g->applies);
    free(g->count);
    free(g->sum);
    free(g->reports);
    free(g->dues_liable);
    free(g->dues_paid);
    free(gi->org_ids);
    free(gi->task_ids);
    free(gi);
}
