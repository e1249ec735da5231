#include "jobs/jobs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/month.h"
#include "db/db.h"
#include "dues/job.h"
#include "dues/provider.h"
#include "dues/reconcile.h"
#include "ingest/feed.h"
#include "ingest/quality.h"
#include "score/rerun.h"
#include "score/run.h"
#include "org/tenant.h"
#include "plan/plan.h"
#include "base/banned.h"

static void test_pause(void);

/* Set when the server stops: a pass starts no further job nor tenant, so that a stop waits
 * only for the work under way. */
static atomic_bool quitting;

/* What the monthly jobs (scoring, its re-runs, the dues bills) divide a month into: the whole
 * tree (0) when it has one tenant, else each tenant (docs/SCALE.md, "The monthly run per
 * tenant"), so that several servers work on the tenants of a month at once, each tenant under
 * a lock of its own, and a tenant whose work fails does not hold back the others. *ret is the
 * caller's to free. */
static int score_units(struct db *db, long long **ret, int *n, struct errbuf *e)
{
    struct db_stmt *st;
    long long *v = NULL;
    int cap = 0, rc;
    *n = 0;
    if ((rc = db_prepare(db, "SELECT DISTINCT tenant_id FROM orgs ORDER BY tenant_id", &st, e)) <
        0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        if (*n == cap) {
            long long *g = realloc(v, (size_t)(cap = cap ? cap * 2 : 32) * sizeof(*g));
            if (!g) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            v = g;
        }
        v[(*n)++] = db_col_int(st, 0);
    }
    db_done(st);
    if (rc >= 0 && *n <= 1 && (v || (v = malloc(sizeof(*v))))) {
        v[0] = 0; /* one tenant (or none yet): the whole tree, as one run of every tenant */
        *n = 1;
    }
    if (rc < 0 || !v) {
        free(v);
        return rc < 0 ? rc : errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    *ret = v;
    return 0;
}

/* Take the lock of job for unit (a tenant, or 0: the whole tree): 1 taken (into name), 0 held
 * by another connection (another server's jobs thread). */
static int claim_unit(struct db *db, const char *job, long long unit, char *name, size_t size,
                      struct errbuf *e)
{
    int rc;
    if (unit)
        snprintf(name, size, "dangjian job: %s, tenant %lld", job, unit);
    else
        snprintf(name, size, "dangjian job: %s", job);
    if ((rc = db_try_lock(db, name, e)) == 1)
        test_pause();
    return rc;
}

/* Whether month has a run that covered unit (a run of every tenant, or of that tenant). */
static int month_covered(struct db *db, int month, long long unit, struct errbuf *e)
{
    long long n = 0;
    int rc = db_query_int(db, e, &n,
                          "SELECT COUNT(*) FROM score_run_log WHERE month = $1 AND tenant_id = $2"
                          " AND (scope = 0 OR scope = $3)",
                          "iii", (long long)month, (long long)TENANT_RUNS, unit);
    return rc < 0 ? rc : n > 0;
}

/* Tests make a tenant's work fail: DJ_JOBS_FAIL_TENANT names the tenant (see test_pause). */
static bool test_fails(long long unit)
{
    const char *v = getenv("DJ_JOBS_FAIL_TENANT");
    return v && unit && atoll(v) == unit;
}

/* Run fn for every unit of the tree (score_units) under the unit's lock of job, until the
 * server stops; units another server holds are left to it. A unit whose work fails is logged
 * and retried at the next pass, and holds back none of the others; the first failure is
 * returned. Lost the database: the rest would fail too, so the pass ends there. */
static int per_unit(struct db *db, const char *job,
                    int (*fn)(struct db *db, long long unit, struct errbuf *e), bool whole,
                    struct errbuf *e)
{
    int n = 0, rc, first = 0;
    long long *units = NULL, all[1] = {0};
    if (whole) { /* the whole tree as one unit */
        units = all;
        n = 1;
    } else if ((rc = score_units(db, &units, &n, e)) < 0) {
        return rc;
    }
    for (int i = 0; i < n && !atomic_load(&quitting); i++) {
        struct errbuf ue = ERRBUF_INIT;
        char name[96];
        if ((rc = claim_unit(db, job, units[i], name, sizeof(name), &ue)) == 0)
            continue;
        if (rc > 0) {
            rc = test_fails(units[i])
                     ? errbuf_set(&ue, -ERR_INTERNAL, "failing by DJ_JOBS_FAIL_TENANT")
                     : fn(db, units[i], &ue);
            db_unlock(db, name);
        }
        if (rc >= 0)
            continue;
        if (units[i])
            errbuf_prefix(&ue, "tenant %lld", units[i]);
        if (!first) { /* the caller logs it */
            first = rc;
            *e = ue;
        } else {
            log_error("jobs: %s: %s", job, ue.msg);
        }
        if (db_lost(db))
            break;
    }
    if (units != all)
        free(units);
    return first;
}

/* Score last month for unit once it has events and no run that covered it (SCORING.md:
 * monthly; a run of one tenant by hand leaves the others to this one). Under the unit's lock:
 * a server that takes it after another finished sees that run. */
static int score_unit(struct db *db, long long unit, struct errbuf *e)
{
    int month = month_add(month_of_time(time(NULL)), -1), rc;
    long long events = 0;
    struct score_run_stats s;
    if ((rc = month_covered(db, month, unit, e)) != 0)
        return rc < 0 ? rc : 0;
    if ((rc = unit ? db_query_int(db, e, &events,
                                  "SELECT COUNT(*) FROM (SELECT 1 FROM events"
                                  " WHERE month = $1 AND tenant_id = $2 LIMIT 1) x",
                                  "ii", (long long)month, unit)
                   : db_query_int(db, e, &events,
                                  "SELECT COUNT(*) FROM (SELECT 1 FROM events"
                                  " WHERE month = $1 LIMIT 1) x",
                                  "i", (long long)month)) < 0 ||
        !events)
        return rc < 0 ? rc : 0;
    if ((rc = score_run_tenant_month(db, month, unit, 0, "scheduled", false, &s, e)) < 0)
        return rc;
    log_info("jobs: scored %d%s%.0lld: %ld members, %ld events in %.2f s", month,
             unit ? ", tenant " : "", unit, s.members, s.events, s.seconds);
    return 0;
}

static int score_last_month(struct db *db, struct errbuf *e)
{
    return per_unit(db, "score last month", score_unit, false, e);
}

/* How many months back the late-events check looks (SCORING.md, "Late events and re-runs"). */
#define RERUN_MONTHS 6

/* Re-run each scored month of the last RERUN_MONTHS whose events include one stored after its
 * latest run that covered unit began, oldest first (a veto carries into later months). Under
 * the unit's lock the check and the re-run are one step: another server then finds the
 * month's run newer than its events and does nothing. */
static int rescore_unit(struct db *db, long long unit, struct errbuf *e)
{
    int now = month_of_time(time(NULL)), rc = 0;
    for (int back = RERUN_MONTHS; back >= 1 && rc >= 0; back--) {
        int month = month_add(now, -back);
        struct score_run_stats s;
        if ((rc = score_month_has_late(db, month, unit, e)) <= 0)
            continue;
        if ((rc = score_run_tenant_month(db, month, unit, 0, "late_events", false, &s, e)) >= 0)
            log_info("jobs: re-scored %d%s%.0lld (run %lld): %lld late events, %lld members"
                     " changed",
                     month, unit ? ", tenant " : "", unit, s.run, s.late, s.changed);
    }
    return rc < 0 ? rc : 0;
}

static int rescore_late(struct db *db, struct errbuf *e)
{
    return per_unit(db, "score late events", rescore_unit, false, e);
}

/* The month's dues bills per unit (dues/job.c); on SQLite for the whole tree, whose
 * dues_months keeps one row per month (its keys have no tenant: migration 015). */
static int dues_generate_due(struct db *db, struct errbuf *e)
{
    return per_unit(db, "dues bills of last and this month", dues_job_generate,
                    db_backend(db) == DB_SQLITE, e);
}

/* The plans' daily check per unit, on SQLite for the whole tree (plan_runs' keys there have
 * no tenant, as dues_months'). */
static int plan_daily(struct db *db, struct errbuf *e)
{
    return per_unit(db, "plan daily check", plan_job_daily, db_backend(db) == DB_SQLITE, e);
}

/* The gate (docs/ARCHITECTURE.md, "Completeness and the gate"): last month's monthly jobs
 * wait until its sources are complete or an admin released it; a wait is logged and the next
 * pass asks again. 1: go on, 0: wait. */
static int gate(struct db *db, const char *job, struct errbuf *e)
{
    int month = month_add(month_of_time(time(NULL)), -1), rc;
    char why[256];
    if ((rc = quality_month_ready(db, month, why, sizeof(why), e)) == 0)
        log_info("jobs: %s %d waits: sources incomplete (%s)", job, month, why);
    return rc;
}

static int gated_score(struct db *db, struct errbuf *e)
{
    int rc = gate(db, "score", e);
    return rc <= 0 ? rc : score_last_month(db, e);
}

/* Closing last month per unit, as its bills were generated (SQLite: the whole tree). */
static int gated_dues_close(struct db *db, struct errbuf *e)
{
    int rc = gate(db, "dues close", e);
    return rc <= 0 ? rc
                   : per_unit(db, "dues close last month", dues_job_close,
                              db_backend(db) == DB_SQLITE, e);
}

static const struct job {
    const char *name;
    int (*fn)(struct db *db, struct errbuf *e);
    bool own_locks; /* takes a lock per tenant itself (claim_unit) */
} jobs[] = {
    /* the feeds that are due: data pulled from the business systems, before it is scored */
    {"source feeds", feed_job_pull_due, false},
    /* the modules whose events the scoring reads come first, so that last month is scored
     * with them: dues (on time / late) and the plans' daily check (task.done for the periods
     * that closed; also warnings, reminders, cases and escalation, once a day) */
    {"dues bills of last and this month", dues_generate_due, true},
    {"dues close last month", gated_dues_close, true},
    {"dues reconcile yesterday", dues_job_reconcile, false},
    /* online payments whose notification did not come: the provider is asked */
    {"dues query pending payments", dues_job_query_pending, false},
    {"plan daily check", plan_daily, true},
    {"score last month", gated_score, true},
    /* events that arrived after a month was scored: that month is run again */
    {"score late events", rescore_late, true},
    /* sources that went quiet: the admins are told once per quiet spell */
    {"source quiet check", quality_job_quiet, false},
    /* webhook deliveries that are due (first tries and retries), on every pass */
    {"plan webhook deliveries", plan_job_deliver, false},
};

/* Tests make several servers race for the same jobs: DJ_JOBS_START_AT (Unix time in
 * milliseconds) holds the first pass until that moment, so that every server's first pass
 * starts together, and DJ_JOBS_PAUSE_MS holds a job between being taken and running, so that
 * the others surely try it meanwhile. */
static void test_sleep_ms(long long ms)
{
    if (ms > 0 && ms <= 60000) {
        struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
        nanosleep(&t, NULL);
    }
}

static void test_pause(void)
{
    const char *v = getenv("DJ_JOBS_PAUSE_MS");
    test_sleep_ms(v ? atoll(v) : 0);
}

static void test_start(void)
{
    const char *v = getenv("DJ_JOBS_START_AT");
    struct timespec now;
    if (!v)
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    test_sleep_ms(atoll(v) - ((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000));
}

/* Run job j unless another connection (another server's jobs thread) is running it now.
 * The job's own check of whether it is due comes after the lock is taken: a server that
 * takes the lock after another finished sees that one's work committed, and does nothing. */
static int run_claimed(struct db *db, const struct job *j, struct errbuf *e)
{
    char name[96];
    int rc;
    if (j->own_locks)
        return j->fn(db, e);
    snprintf(name, sizeof(name), "dangjian job: %s", j->name);
    if ((rc = db_try_lock(db, name, e)) <= 0)
        return rc;
    test_pause();
    rc = j->fn(db, e);
    db_unlock(db, name);
    return rc;
}

int jobs_run_due(struct db *db, struct errbuf *e)
{
    int first = 0;
    for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]) && !atomic_load(&quitting); i++) {
        struct errbuf je = ERRBUF_INIT;
        int rc = run_claimed(db, &jobs[i], &je);
        if (rc < 0 && db_lost(db)) { /* the rest would fail too: the next pass reconnects */
            if (e)
                *e = je;
            return rc;
        }
        if (rc < 0) {
            log_error("jobs: %s: %s", jobs[i].name, je.msg);
            if (!first) {
                first = rc;
                if (e)
                    *e = je;
            }
        }
    }
    return first;
}

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool stopping, running;
static char url[1024];
static int every;

/* The jobs thread's connection for this pass: the one kept from the last pass, or a new one
 * (the first pass, or the last one's was lost: the database restarted or failed over). A
 * failure is logged once per outage; the pass is then skipped. */
static struct db *pass_db(struct db *db, bool *down)
{
    struct errbuf e = ERRBUF_INIT;
    if (db && db_lost(db)) {
        db_close(db);
        db = NULL;
    }
    if (db)
        return db;
    if (db_open(url, &db, &e) < 0) {
        if (!*down)
            log_error("jobs: %s: trying again next pass", e.msg);
        *down = true;
        return NULL;
    }
    if (*down)
        log_info("jobs: database back");
    *down = false;
    db_pipeline(db, true); /* bulk work: writes need not wait for the server one by one */
    return db;
}

static void *loop(void *arg)
{
    struct db *db = NULL;
    bool down = false;
    (void)arg;
    test_start();
    pthread_mutex_lock(&lock);
    while (!stopping) {
        struct timespec until;
        pthread_mutex_unlock(&lock);
        if ((db = pass_db(db, &down)) != NULL && jobs_run_due(db, NULL) < 0 && db_lost(db) &&
            !down) {
            log_error("jobs: database connection lost: trying again next pass");
            down = true;
        }
        pthread_mutex_lock(&lock);
        clock_gettime(CLOCK_REALTIME, &until);
        /* after a lost connection the next pass comes sooner than every */
        until.tv_sec += db && !db_lost(db) ? every : (every < 10 ? every : 10);
        while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&lock);
    db_close(db);
    return NULL;
}

int jobs_start(const char *db_url, int interval, struct errbuf *e)
{
    snprintf(url, sizeof(url), "%s", db_url);
    every = interval > 0 ? interval : 300;
    stopping = false;
    atomic_store(&quitting, false);
    if (pthread_create(&thread, NULL, loop, NULL) != 0)
        return errbuf_set(e, -ERR_INTERNAL, "cannot start the jobs thread");
    running = true;
    return 0;
}

void jobs_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    stopping = true;
    atomic_store(&quitting, true);
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    running = false;
}
