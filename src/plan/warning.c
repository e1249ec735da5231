/* The daily check: every task × organization × period of the plans not yet finalized,
 * evaluated on one day — levels stored, warnings opened and resolved, notices and to-dos for
 * the responsible people, reminders before the end, a rectification case for every period
 * that closes short, and escalation of overdue cases. Reading the warnings and the lagging
 * organizations is in lagging.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/month.h"
#include "db/db.h"
#include "inbox/todo.h"
#include "ingest/sink.h"
#include "org/audit.h"
#include "plan/grid.h"
#include "plan/internal.h"
#include "plan/plan.h"
#include "org/tenant.h"
#include "base/banned.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the last check stored for a cell. */
struct status {
    int task, org, start;
    int notified, reminded, closed;
};

static int cmp_status(const void *a, const void *b)
{
    const struct status *x = a, *y = b;
    if (x->task != y->task)
        return x->task < y->task ? -1 : 1;
    if (x->org != y->org)
        return x->org < y->org ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* What the last check stored for the grid's cells (of its tenant's plans: their rows are in
 * the plans' tenant). */
static int load_status(struct db *db, const struct plan_grid *g, struct status **ret, int *ret_n,
                       struct errbuf *e)
{
#define STATUS(tenant)                                                                             \
    "SELECT s.task_id, s.org_id, s.start_day, s.notified, s.reminded, s.closed"                    \
    " FROM plan_status s JOIN plan_tasks t ON t.id = s.task_id AND t.tenant_id = s.tenant_id"      \
    " JOIN plans p ON p.id = t.plan_id AND p.tenant_id = t.tenant_id WHERE p.year = $1" tenant
    struct db_stmt *st;
    struct status *v = NULL;
    int n = 0, cap = 0, rc;
    if ((rc = db_prepare(db, g->plans_tenant ? STATUS(" AND s.tenant_id = $2") : STATUS(""), &st,
                         e)) < 0)
        return rc;
#undef STATUS
    db_bind_int(st, 1, g->year);
    if (g->plans_tenant)
        db_bind_int(st, 2, g->plans_tenant);
    while ((rc = db_step(st, e)) == 1) {
        int t = plan_grid_task(g, db_col_int(st, 0)), o = plan_grid_org(g, db_col_int(st, 1));
        if (t < 0 || o < 0)
            continue;
        if (n == cap) {
            struct status *q = realloc(v, (size_t)(cap = cap ? cap * 2 : 1024) * sizeof(*v));
            if (!q) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            v = q;
        }
        v[n++] = (struct status){t,
                                 o,
                                 (int)db_col_int(st, 2),
                                 (int)db_col_int(st, 3),
                                 (int)db_col_int(st, 4),
                                 (int)db_col_int(st, 5)};
    }
    db_done(st);
    if (rc < 0) {
        free(v);
        return rc;
    }
    if (n)
        qsort(v, (size_t)n, sizeof(*v), cmp_status);
    *ret = v;
    *ret_n = n;
    return 0;
}

/* One cell being checked. */
struct cell_ctx {
    struct db *db;
    const struct plan_grid *g;
    const struct plan_task *t;
    const struct plan_org *o;
    const struct plan_period *p;
    const char *period;
    const struct plan_cell *c;
    int today;
    struct plan_check_stats *s;
    struct ingest_sink *credits; /* task.done events for the secretaries */
    struct pending *cases;       /* the cases to open, at the end of the year's check */
};

/* Cases to open (their names point into the year's grid) */
struct pending {
    struct plan_case_open *v;
    size_t n, cap;
};

/* Open the cell's warning of level unless it is open already. Queued (no reply waited for: a
 * round trip each on PostgreSQL); plan_check counts the warnings it opened from the table. */
static int open_warning(const struct cell_ctx *x, const char *level, struct errbuf *e)
{
    long long tenant;
    int rc = tenant_of_org(x->db, x->t->owner_id, &tenant, e); /* the plan's */
    return rc < 0 ? rc
                  : db_queue(x->db, e,
                             "INSERT INTO plan_warnings(task_id, org_id, period, level, completion,"
                             " expected, opened_on, opened_at, tenant_id) VALUES($1, $2, $3, $4,"
                             " $5, $6, $7, $8, $9)"
                             " ON CONFLICT (task_id, org_id, period, level, tenant_id) DO NOTHING",
                             "iittddiii", x->t->id, x->o->id, x->period, level, x->c->completion,
                             x->c->expected, (long long)x->today, (long long)time(NULL), tenant);
}

static int resolve_warnings(const struct cell_ctx *x, const char *levels_sql, struct errbuf *e)
{
    int rc;
    if (strcmp(levels_sql, "yellow") == 0)
        rc = db_run(x->db, e,
                    "UPDATE plan_warnings SET resolved_on = $4 WHERE task_id = $1 AND org_id = $2"
                    " AND period = $3 AND level = 'yellow' AND resolved_on IS NULL",
                    "iiti", x->t->id, x->o->id, x->period, (long long)x->today);
    else
        rc = db_run(x->db, e,
                    "UPDATE plan_warnings SET resolved_on = $4 WHERE task_id = $1 AND org_id = $2"
                    " AND period = $3 AND level IN ('yellow', 'red') AND resolved_on IS NULL",
                    "iiti", x->t->id, x->o->id, x->period, (long long)x->today);
    if (rc > 0)
        x->s->resolved += rc;
    return rc < 0 ? rc : 0;
}

/* Tell the accounts responsible for the cell; with `todo`, also give them a to-do. */
static int tell(const struct cell_ctx *x, const char *kind, const char *tag, const char *advice,
                bool todo, struct errbuf *e)
{
    struct idlist to = IDLIST_INIT;
    char title[512], body[512], unit[64] = "", fa[32], ft[32];
    int rc;
    if (x->t->unit[0])
        snprintf(unit, sizeof(unit), "%s", x->t->unit);
    snprintf(title, sizeof(title), "【%s】%s · %s %s", tag, x->o->name, x->t->name, x->period);
    snprintf(body, sizeof(body),
             "完成 %s/%s%s（%.0f%%），按时间进度应达 %.0f%%；距周期结束还有 %d 天。%s",
             plan_figure(x->c->actual, fa, sizeof(fa)), plan_figure(x->t->target, ft, sizeof(ft)),
             unit, x->c->completion * 100, x->c->expected * 100, x->c->days_left, advice);
    if ((rc = plan_people_at(x->db, x->o->id, x->t->role, &to, e)) < 0)
        goto out;
    {
        struct plan_notice n = {kind, x->o->id, title, body, x->t->id, 0, x->period};
        if ((rc = plan_notice_send(x->db, &n, &to, e)) < 0)
            goto out;
        x->s->notices += rc;
    }
    if (todo)
        rc = plan_todo_add(x->db, &to, x->o->id, "warning", title, x->t->id, 0, x->period,
                           x->p->end, e);
out:
    idlist_release(&to);
    return rc < 0 ? rc : 0;
}

static int store(const struct cell_ctx *x, int notified, int reminded, int closed, struct errbuf *e)
{
    /* nothing waits for the answer: queued when the check pipelines its writes */
    long long tenant;
    int rc = tenant_of_org(x->db, x->t->owner_id, &tenant, e); /* the plan's */
    if (rc >= 0)
        rc = db_queue(
            x->db, e,
            "INSERT INTO plan_status(task_id, org_id, period, start_day, end_day, actual,"
            " completion, expected, level, notified, reminded, closed, evaluated_on,"
            " tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            " ON CONFLICT (task_id, org_id, period, tenant_id) DO UPDATE SET actual = "
            "excluded.actual,"
            " completion = excluded.completion, expected = excluded.expected,"
            " level = excluded.level, notified = excluded.notified,"
            " reminded = excluded.reminded, closed = excluded.closed,"
            " evaluated_on = excluded.evaluated_on",
            "iitiidddtiiiii", x->t->id, x->o->id, x->period, (long long)x->p->start,
            (long long)x->p->end, x->c->actual, x->c->completion, x->c->expected,
            plan_level_name(x->c->level), (long long)notified, (long long)reminded,
            (long long)closed, (long long)x->today, tenant);
    return rc < 0 ? rc : 0;
}

/* A period that has ended: its final level; a case when it was not met. */
static int close_cell(const struct cell_ctx *x, const struct status *old, struct errbuf *e)
{
    int rc;
    x->s->closed++;
    if ((old && old->notified && (rc = resolve_warnings(x, "all", e)) < 0) ||
        (rc = todo_done_cell(x->db, x->t->id, x->o->id, x->period, e)) < 0 ||
        (rc = store(x,
                    x->c->level == PLAN_NOT_MET ? 3
                    : old                       ? old->notified
                                                : 0,
                    old ? old->reminded : 0, 1, e)) < 0)
        return rc;
    if (x->c->level == PLAN_NOT_MET) {
        struct pending *q = x->cases;
        struct plan_case_open *co;
        int sup = x->o->superior;
        if ((rc = open_warning(x, "not_met", e)) < 0)
            return rc;
        if (q->n == q->cap) {
            void *v = realloc(q->v, (q->cap = q->cap ? q->cap * 2 : 256) * sizeof(*q->v));
            if (!v)
                return errbuf_set(e, -ERR_NOMEM, "out of memory");
            q->v = v;
        }
        co = &q->v[q->n];
        *co = (struct plan_case_open){x->t->id,   x->o->id,   0,  0, x->t->name, x->t->role,
                                      x->o->name, "",         x->c->actual, x->t->target,
                                      x->c->completion};
        co->superior_id = sup >= 0 ? x->g->orgs[sup].id : x->t->owner_id;
        snprintf(co->period, sizeof(co->period), "%s", x->period);
        if ((rc = tenant_of_org(x->db, x->t->owner_id, &co->tenant, e)) < 0) /* the plan's */
            return rc;
        q->n++;
    } else if (x->c->completion >= 1 && x->o->secretary_id) {
        /* a period met: the organization's secretary is credited with a task done (重业绩),
         * once, on the period's last day (the key makes a second close a duplicate) */
        char key[96];
        snprintf(key, sizeof(key), "task-%lld-%lld-%s", x->t->id, x->o->id, x->period);
        if ((rc = ingest_sink_add(x->credits, key, x->o->secretary_id, "task.done", x->p->end, 1,
                                  e)) < 0)
            return rc;
    }
    return 0;
}

/* A period still running: warn on the way up, resolve on the way down, remind near the end. */
static int check_open_cell(const struct cell_ctx *x, const struct status *old, struct errbuf *e)
{
    int notified = old ? old->notified : 0, reminded = old ? old->reminded : 0, rc;
    const struct plan_cell *c = x->c;
    if (c->level == PLAN_GREEN && notified) {
        if ((rc = resolve_warnings(x, "all", e)) < 0)
            return rc;
        if (c->completion >= 1 &&
            (rc = todo_done_cell(x->db, x->t->id, x->o->id, x->period, e)) < 0)
            return rc;
    }
    if (c->level == PLAN_YELLOW && notified < 1) {
        if ((rc = open_warning(x, "yellow", e)) < 0 ||
            (rc = tell(x, "yellow", "黄色预警", "请抓紧推进。", false, e)) < 0)
            return rc;
        notified = 1;
    }
    if (c->level == PLAN_RED && notified < 2) {
        if ((rc = resolve_warnings(x, "yellow", e)) < 0 || (rc = open_warning(x, "red", e)) < 0 ||
            (rc = tell(x, "red", "红色预警", "临近截止，请尽快完成。", true, e)) < 0)
            return rc;
        notified = 2;
    }
    if (c->completion < 1 && !reminded && x->t->remind_days > 0 &&
        c->days_left <= x->t->remind_days) {
        if ((rc = tell(x, "reminder", "到期提醒", "请在周期结束前完成。", false, e)) < 0)
            return rc;
        reminded = 1;
        x->s->reminders++;
    }
    return store(x, notified, reminded, 0, e);
}

static int check_year(struct db *db, int year, int today, long long tenant,
                      struct plan_check_stats *s, struct ingest_sink *credits, struct errbuf *e)
{
    struct plan_grid *g = NULL;
    struct status *old = NULL;
    struct pending cases = {NULL, 0, 0};
    long long opened = 0;
    int nold = 0, rc;
    if ((rc = tenant ? plan_grid_load_tenant(db, year, today, tenant, &g, e)
                     : plan_grid_load(db, year, today, false, &g, e)) < 0 ||
        (rc = load_status(db, g, &old, &nold, e)) < 0)
        goto out;
    for (int t = 0; t < g->ntasks; t++) {
        const struct plan_task *task = &g->tasks[t];
        for (int i = 1; i <= plan_freq_count(task->freq); i++) {
            struct plan_period p;
            char name[PLAN_PERIOD_MAX];
            plan_period_make(task->freq, year, i, &p);
            if (!plan_period_active(&p, task->from_day, today))
                continue;
            plan_period_name(&p, name, sizeof(name));
            for (int o = 0; o < g->norgs; o++) {
                struct status key = {t, o, p.start, 0, 0, 0}, *hit;
                struct plan_cell c;
                struct cell_ctx x = {db, g,     task, &g->orgs[o], &p,    name,
                                     &c, today, s,    credits,     &cases};
                if (!plan_grid_applies(g, t, o))
                    continue;
                hit = nold ? bsearch(&key, old, (size_t)nold, sizeof(key), cmp_status) : NULL;
                if (hit && hit->closed)
                    continue;
                plan_grid_cell(g, t, o, &p, today, &c);
                if (!c.active)
                    continue;
                s->cells++;
                rc = today > p.end ? close_cell(&x, hit, e) : check_open_cell(&x, hit, e);
                if (rc < 0)
                    goto out;
            }
        }
    }
    /* the periods not met, their cases opened together (while the grid holds their texts) */
    if ((rc = plan_cases_open(db, cases.v, cases.n, today, &opened, e)) < 0)
        goto out;
    s->cases += opened;
    /* a year is final once every period in it has been closed */
    if (today > year * 10000 + 1231 &&
        (rc = tenant ? db_run(db, e, "UPDATE plans SET finalized = 1 WHERE year = $1"
                                     " AND tenant_id = $2",
                              "ii", (long long)year, tenant)
                     : db_run(db, e, "UPDATE plans SET finalized = 1 WHERE year = $1", "i",
                              (long long)year)) < 0)
        goto out;
    rc = 0;
out:
    free(cases.v);
    free(old);
    plan_grid_free(g);
    return rc;
}

/* The one audit row of a check someone asked for, with its counts. */
static int audit_check(struct db *db, long long actor, const struct plan_check_stats *s,
                       struct errbuf *e)
{
    json_t *d = json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "day", s->day,
                          "cells", (json_int_t)s->cells, "closed", (json_int_t)s->closed,
                          "warnings", (json_int_t)s->warnings, "notices", (json_int_t)s->notices,
                          "cases", (json_int_t)s->cases, "escalated", (json_int_t)s->escalated,
                          "reminders", (json_int_t)s->reminders, "resolved",
                          (json_int_t)s->resolved, "credited", (json_int_t)s->credited);
    int rc = audit_log(db, actor, 0, "check", "plan", 0, d, e);
    json_decref(d);
    return rc;
}

/* A count of table (plan_warnings or plan_runs) for the check's tenant (0: all): with day, of
 * that day's rows ($1), else of all. */
static int count_of(struct db *db, const char *table, int day, long long tenant, long long *ret,
                    struct errbuf *e)
{
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE %s%s", table,
             day ? "day = $1" : "1 = 1",
             tenant ? (day ? " AND tenant_id = $2" : " AND tenant_id = $1") : "");
    if (day)
        return tenant ? db_query_int(db, e, ret, sql, "ii", (long long)day, tenant)
                      : db_query_int(db, e, ret, sql, "i", (long long)day);
    return tenant ? db_query_int(db, e, ret, sql, "i", tenant) : db_query_int(db, e, ret, sql, "");
}

/* The daily check of the plans of tenant (0: of every tenant), the rows it writes in their
 * tenant. */
static int check(struct db *db, int today, long long tenant, long long actor,
                 struct plan_check_stats *ret, struct errbuf *e)
{
    struct plan_check_stats s;
    struct db_stmt *st;
    struct ingest_sink *credits = NULL;
    int years[64], nyears = 0, rc, esc;
    double t0 = now_s();
    long mark = 0;
    long long warnings_before = 0, warnings_after = 0;
    memset(&s, 0, sizeof(s));
    s.day = today;
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    plan_people_cache_begin();
    /* a check someone asked for leaves one row with its counts (the job's cases and credits
     * keep theirs) */
    if (actor)
        mark = audit_batch_begin();
    /* the warnings opened are counted by difference (open_warning queues its INSERTs) */
    if ((rc = count_of(db, "plan_warnings", 0, tenant, &warnings_before, e)) < 0)
        goto out;
    if ((rc = db_prepare(db,
                         tenant ? "SELECT DISTINCT year FROM plans WHERE finalized = 0"
                                  " AND year <= $1 AND tenant_id = $2 ORDER BY year"
                                : "SELECT DISTINCT year FROM plans WHERE finalized = 0"
                                  " AND year <= $1 ORDER BY year",
                         &st, e)) < 0)
        goto out;
    db_bind_int(st, 1, (long long)(today / 10000));
    if (tenant)
        db_bind_int(st, 2, tenant);
    while ((rc = db_step(st, e)) == 1)
        if (nyears < (int)(sizeof(years) / sizeof(years[0])))
            years[nyears++] = (int)db_col_int(st, 0);
    db_done(st);
    if (rc < 0)
        goto out;
    if (nyears && ((rc = plan_people_prefetch(db, e)) < 0 ||
                   (rc = ingest_sink_open(db, "plan", "量化计划（内部）", &credits, e)) < 0))
        goto out;
    for (int i = 0; i < nyears; i++)
        if ((rc = check_year(db, years[i], today, tenant, &s, credits, e)) < 0)
            goto out;
    rc = credits ? ingest_sink_close(credits, &s.credited, NULL, e) : 0;
    credits = NULL;
    if (rc < 0)
        goto out;
    if ((rc = esc = plan_case_escalate(db, today, tenant, e)) < 0 ||
        (rc = count_of(db, "plan_warnings", 0, tenant, &warnings_after, e)) < 0)
        goto out;
    s.escalated = esc;
    s.warnings = (long)(warnings_after - warnings_before);
    s.seconds = now_s() - t0;
    /* the day's run of the tenant (a check of every tenant: in the first) */
    rc = db_run(db, e,
                "INSERT INTO plan_runs(day, started_at, finished_at, cells, warnings, cases,"
                " tenant_id) VALUES($1, $2, $2, $3, $4, $5, $6) ON CONFLICT (day, tenant_id) DO"
                " UPDATE SET finished_at = excluded.finished_at, cells = excluded.cells,"
                " warnings = plan_runs.warnings + excluded.warnings,"
                " cases = plan_runs.cases + excluded.cases",
                "iiiiii", (long long)today, (long long)time(NULL), (long long)s.cells,
                (long long)s.warnings, (long long)s.cases,
                tenant ? tenant : (long long)TENANT_FIRST);
out:
    plan_people_cache_end();
    if (actor) {
        audit_batch_end(mark);
        if (rc >= 0)
            rc = audit_check(db, actor, &s, e);
    }
    if (rc >= 0)
        rc = db_commit(db, e);
    if (rc < 0) {
        ingest_sink_discard(credits);
        db_rollback(db);
        return rc;
    }
    if (ret)
        *ret = s;
    return 0;
}

int plan_check(struct db *db, int today, long long actor, struct plan_check_stats *ret,
               struct errbuf *e)
{
    return check(db, today, 0, actor, ret, e);
}

int plan_check_tenant(struct db *db, int today, long long tenant, struct plan_check_stats *ret,
                      struct errbuf *e)
{
    int rc = tenant_check(db, tenant, e);
    return rc < 0 ? rc : check(db, today, tenant, 0, ret, e);
}

int plan_job_daily(struct db *db, long long tenant, struct errbuf *e)
{
    struct plan_check_stats s;
    long long done = 0;
    int today = date_today(), rc;
    if ((rc = count_of(db, "plan_runs", today, tenant, &done, e)) < 0)
        return rc;
    if (done)
        return 0;
    if ((rc = check(db, today, tenant, 0, &s, e)) < 0)
        return rc;
    log_info("jobs: plan check %d%s%.0lld: %ld cells, %ld closed, %ld warnings, %ld cases,"
             " %ld escalated in %.2f s",
             today, tenant ? ", tenant " : "", tenant, s.cells, s.closed, s.warnings, s.cases,
             s.escalated, s.seconds);
    return 0;
}

int plan_job_deliver(struct db *db, struct errbuf *e)
{
    int ok = 0, failed = 0, rc = plan_deliver_due(db, (long long)time(NULL), &ok, &failed, e);
    if (rc >= 0 && (ok || failed))
        log_info("jobs: webhook deliveries: %d delivered, %d failed", ok, failed);
    return rc;
}

/* ---- warnings and lagging organizations */
