/* Benchmarks that need the library from inside: each prints its figures beside a baseline
 * measured in the same run.
 *   bench ingest [--events N] [--members N] [--dir DIR]
 *   bench dues|dues-scale [--members N] [--dir DIR]
 * score-scale and dues-scale take --db URL: the same data set and runs on PostgreSQL, in that
 * database, which must be empty (no schema yet). score-scale --tenants K makes the 50 units K
 * provincial companies (tenants 2..K+1 under the national root in tenant 1) and times a run
 * of one tenant (tenant 2) beside the run of every tenant.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/secret.h"
#include "db/db.h"
#include "ingest/event.h"
#include "ingest/source.h"
#include "org/member.h"
#include "org/org.h"
#include "score/run.h"
#include "base/month.h"
#include "demo/demo.h"
#include "plan/grid.h"
#include "plan/plan.h"
#include "dues/bill.h"
#include "dues/confirm.h"
#include "dues/ledger.h"
#include "dues/payroll.h"

#include <sys/resource.h>

#include "common.h"

static const char *const indicators[] = {
    "meeting.attend", "themeday.attend", "study.hours", "study.platform_points", "lecture.given",
    "dues.on_time", "task.done", "pioneer.post", "honour.commendation", "volunteer.hours",
};

static int bench_ingest(const char *dir, long events, int members)
{
    struct errbuf e = ERRBUF_INIT;
    char path[512], raw_path[512], (*emp)[16] = calloc((size_t)members, 16);
    char (*keys)[40] = calloc((size_t)events, 40);
    struct event_in *ev = calloc((size_t)events, sizeof(*ev));
    struct ingest_result *res = calloc(1, sizeof(*res));
    struct db *db, *raw;
    struct db_stmt *st;
    long long source;
    double t0, t_raw, t_ours, t_dup;
    const long batch = 10000;

    snprintf(path, sizeof(path), "%s/ingest.db", dir);
    snprintf(raw_path, sizeof(raw_path), "%s/raw.db", dir);
    unlink(path);
    unlink(raw_path);
    if (db_open(path, &db, &e) < 0 || db_migrate(db, &e) < 0 || db_open(raw_path, &raw, &e) < 0)
        bench_die(&e);
    bench_members(db, members, emp);
    if (getenv("NOIDX"))
        db_exec(db, "DROP INDEX events_month_created", &e);
    if (db_begin(db, &e) < 0 ||
        source_add_with_key(db, "bench", "基准来源", "bench-key-0123456789", &source, &e) < 0 ||
        db_commit(db, &e) < 0)
        bench_die(&e);
    /* the same rows for both: random text keys, random members, a day in January 2024 */
    for (long i = 0; i < events; i++) {
        snprintf(keys[i], sizeof(keys[i]), "%016llx-%ld", bench_rand(), i);
        ev[i].key = keys[i];
        ev[i].emp_no = emp[bench_rand() % (unsigned long long)members];
        ev[i].indicator = indicators[i % 10];
        ev[i].day = 20240101 + (int)(bench_rand() % 31);
        ev[i].value = 1;
    }

    /* baselines: raw prepared INSERT of the same rows into a bare table, (a) in one
     * transaction, (b) in transactions of the API's batch size, as the API commits */
    double t_raw1 = 0;
    if (db_exec(raw,
                "CREATE TABLE raw(key TEXT, emp_no TEXT, indicator TEXT, day INTEGER, value REAL);"
                "CREATE TABLE raw2(key TEXT, emp_no TEXT, indicator TEXT, day INTEGER, value REAL)",
                &e) < 0)
        bench_die(&e);
    for (int pass = 0; pass < 2; pass++) {
        const char *sql = pass ? "INSERT INTO raw2 VALUES($1, $2, $3, $4, $5)"
                               : "INSERT INTO raw VALUES($1, $2, $3, $4, $5)";
        long per_tx = pass ? batch : events;
        t0 = bench_now();
        for (long i = 0; i < events; i++) {
            if (i % per_tx == 0 && db_begin(raw, &e) < 0)
                bench_die(&e);
            if (db_prepare(raw, sql, &st, &e) < 0)
                bench_die(&e);
            db_bindv(st, "tttid", ev[i].key, ev[i].emp_no, ev[i].indicator, (long long)ev[i].day,
                     ev[i].value);
            if (db_step(st, &e) < 0)
                bench_die(&e);
            db_done(st);
            if ((i + 1) % per_tx == 0 || i + 1 == events)
                if (db_commit(raw, &e) < 0)
                    bench_die(&e);
        }
        if (pass)
            t_raw = bench_now() - t0;
        else
            t_raw1 = bench_now() - t0;
    }

    /* ours: the API's code path, batches of 10,000, each all-or-nothing with duplicate check */
    t0 = bench_now();
    for (long i = 0; i < events; i += batch) {
        size_t n = (size_t)(events - i < batch ? events - i : batch);
        if (ingest_batch(db, source, ev + i, n, 0, res, &e) < 0)
            bench_die(&e);
        if (res->accepted != n) {
            fprintf(stderr, "bench: expected %zu accepted, got %zu\n", n, res->accepted);
            return 1;
        }
    }
    t_ours = bench_now() - t0;
    printf("ingest: %ld events, %d members, SQLite\n", events, members);
    printf("  raw INSERT, bare table, 1 tx    : %8.2f s  %10.0f events/s\n", t_raw1,
           events / t_raw1);
    printf("  raw INSERT, bare table, %ld/tx : %8.2f s  %10.0f events/s\n", batch, t_raw,
           events / t_raw);
    printf("  ingest_batch (API code path)    : %8.2f s  %10.0f events/s  (%ld per batch)\n",
           t_ours, events / t_ours, batch);
    printf("  ratio ingest / raw, same batches: %8.2f   (target >= 0.50)\n", t_raw / t_ours);
    printf("  ratio ingest / raw, 1 tx        : %8.2f\n", t_raw1 / t_ours);
    fflush(stdout);

    /* the same first batches again: every row a duplicate, nothing stored */
    t0 = bench_now();
    long dup_n = events < 100000 ? events : 100000;
    for (long i = 0; i < dup_n; i += batch) {
        size_t n = (size_t)(dup_n - i < batch ? dup_n - i : batch);
        if (ingest_batch(db, source, ev + i, n, 0, res, &e) < 0)
            bench_die(&e);
        if (res->duplicate != n) {
            fprintf(stderr, "bench: expected %zu duplicates, got %zu\n", n, res->duplicate);
            return 1;
        }
    }
    t_dup = bench_now() - t0;

    printf("  re-sent duplicates              : %8.2f s  %10.0f events/s (%ld events)\n", t_dup,
           dup_n / t_dup, dup_n);
    db_close(db);
    db_close(raw);
    free(emp);
    free(keys);
    free(ev);
    free(res);
    return 0;
}

/* Re-scoring the month after 1% late events (every hundredth event again under a new key,
 * stored after the last run began; set-up, not measured) against the full run measured just
 * before on the same month: the re-run is a full run plus the comparison of every member's
 * old and new result and the change rows (docs/SCORING.md, "Late events and re-runs"). */
static void bench_rerun(struct db *db, double t_full)
{
    struct errbuf e = ERRBUF_INIT;
    struct score_run_stats s;
    long long late = 0;
    double t0;
    if (db_exec(db,
                "BEGIN;"
                "INSERT INTO events(source_id, key, org_id, member_id, indicator_id, day, month,"
                " value, detail, created_at)"
                " SELECT source_id, key || '-late', org_id, member_id, indicator_id, day, month,"
                " value, detail, (SELECT started_at + 1 FROM score_runs WHERE month = 202401)"
                " FROM events WHERE month = 202401 AND id % 100 = 0;"
                "COMMIT;",
                &e) < 0 ||
        db_query_int(db, &e, &late,
                     "SELECT COUNT(*) FROM events WHERE month = 202401 AND key LIKE '%-late'", "")
            < 0)
        bench_die(&e);
    t0 = bench_now();
    if (score_run_month_why(db, 202401, 0, "late_events", false, &s, &e) < 0)
        bench_die(&e);
    t0 = bench_now() - t0;
    printf("  re-run after 1%% late events (%lld): %6.3f s, run %lld, %lld members changed\n", late,
           t0, s.run, s.changed);
    printf("  ratio re-run / full run              : %6.2f\n", t0 / t_full);
}

/* Score the month the ingest bench filled (10,000 members × 100 events) against the same
 * aggregation as one SQL GROUP BY over the same events. */
static int bench_score(const char *dir)
{
    struct errbuf e = ERRBUF_INIT;
    struct score_run_stats s;
    struct db *db;
    struct db_stmt *st;
    char path[512];
    double t0, t_group, t_run, t_run2;
    long groups = 0;
    snprintf(path, sizeof(path), "%s/ingest.db", dir);
    if (db_open(path, &db, &e) < 0)
        bench_die(&e);
    /* warm the page cache for both sides alike */
    if (db_exec(db, "SELECT COUNT(*), SUM(value) FROM events", &e) < 0)
        bench_die(&e);
    t0 = bench_now();
    if (db_prepare(db,
                   "SELECT member_id, indicator_id, SUM(value), COUNT(*) FROM events"
                   " WHERE month = $1 GROUP BY member_id, indicator_id",
                   &st, &e) < 0)
        bench_die(&e);
    db_bind_int(st, 1, 202401);
    while (db_step(st, &e) == 1)
        groups++;
    db_done(st);
    t_group = bench_now() - t0;
    t0 = bench_now();
    if (score_run_month(db, 202401, 0, false, &s, &e) < 0)
        bench_die(&e);
    t_run = bench_now() - t0;
    t0 = bench_now();
    if (score_run_month(db, 202401, 0, false, &s, &e) < 0)
        bench_die(&e);
    t_run2 = bench_now() - t0;
    printf("score: month 202401, %ld members, %ld events, %ld organizations\n", s.members,
           s.events, s.orgs);
    printf("  bare SQL GROUP BY (member, indicator): %6.3f s  (%ld groups)\n", t_group, groups);
    printf("  full run (scores, ranks, rollups, writes): %6.3f s, again %6.3f s\n", t_run, t_run2);
    printf("  ratio run / GROUP BY                 : %6.2f   (target <= 1.0, run < 1 s)\n",
           t_run2 / t_group);
    bench_rerun(db, t_run2);
    db_close(db);
    return 0;
}

/* Plans on the demo company for one calendar year (demo ending 31 December of last year):
 * recompute every task × organization × month/quarter/year cell with its level, and the
 * rates of every organization, against the raw sums by one SQL GROUP BY in the same run;
 * then the daily check with all its writes, and the company's bulletin for a quarter as .xlsx. */
static int bench_plan(const char *dir)
{
    struct errbuf e = ERRBUF_INIT;
    struct demo_opts o = DEMO_OPTS_INIT;
    struct demo_summary sum;
    struct plan_check_stats cs;
    struct plan_grid *g;
    struct db *db;
    struct db_stmt *st;
    struct plan_period P;
    char path[512], xlsx[512], q[PLAN_PERIOD_MAX];
    double t0, t_sql, t_grid, t_rates, t_check, t_bul;
    long groups = 0, cells = 0, red = 0;
    long long plan, root = 0;
    int added, year = date_today() / 10000 - 1, as_of = year * 10000 + 1215;
    json_t *b;
    snprintf(path, sizeof(path), "%s/plan.db", dir);
    unlink(path);
    if (db_open(path, &db, &e) < 0 || db_migrate(db, &e) < 0)
        bench_die(&e);
    o.today = year * 10000 + 1231;
    t0 = bench_now();
    if (demo_generate(db, &o, &sum, &e) < 0 || plan_defaults(db, 0, year, 0, 0, &plan, &added, &e) < 0)
        bench_die(&e);
    printf("plan: demo %lld organizations (%lld branches), %lld events in %d, set up in %.1f s\n",
           sum.orgs, sum.branches, sum.events, year, bench_now() - t0);
    if (db_exec(db, "SELECT COUNT(*), SUM(value) FROM events", &e) < 0) /* warm the cache */
        bench_die(&e);

    t0 = bench_now();
    if (db_prepare(db,
                   "SELECT org_id, indicator_id, month, COUNT(*), SUM(value) FROM events"
                   " WHERE member_id IS NULL AND month >= $1 AND month <= $2"
                   " GROUP BY org_id, indicator_id, month",
                   &st, &e) < 0)
        bench_die(&e);
    db_bindv(st, "ii", (long long)year * 100 + 1, (long long)year * 100 + 12);
    while (db_step(st, &e) == 1)
        groups++;
    db_done(st);
    t_sql = bench_now() - t0;

    /* every cell of the year: load (the same sums, plus tasks, targets, reports) and evaluate */
    t0 = bench_now();
    if (plan_grid_load(db, year, as_of, false, &g, &e) < 0)
        bench_die(&e);
    for (int t = 0; t < g->ntasks; t++)
        for (int i = 1; i <= plan_freq_count(g->tasks[t].freq); i++) {
            struct plan_period p;
            plan_period_make(g->tasks[t].freq, year, i, &p);
            for (int k = 0; k < g->norgs; k++) {
                struct plan_cell c;
                if (!plan_grid_applies(g, t, k))
                    continue;
                plan_grid_cell(g, t, k, &p, as_of, &c);
                cells += c.active;
                red += c.active && c.level == PLAN_RED;
            }
        }
    t_grid = bench_now() - t0;
    /* the rates of every organization for the 12 months, 4 quarters and the year */
    t0 = bench_now();
    {
        double *r = malloc((size_t)g->norgs * sizeof(double)), *nr = malloc((size_t)g->norgs * sizeof(double));
        int *nn = malloc((size_t)g->norgs * sizeof(int));
        for (int f = PLAN_MONTH; f <= PLAN_YEAR; f++)
            for (int i = 1; i <= plan_freq_count((enum plan_freq)f); i++) {
                if (f == PLAN_HALF)
                    continue;
                plan_period_make((enum plan_freq)f, year, i, &P);
                plan_grid_rates(g, 0, &P, r, nr, nn);
            }
        free(r);
        free(nr);
        free(nn);
    }
    t_rates = bench_now() - t0;
    plan_grid_free(g);

    t0 = bench_now();
    if (plan_check(db, as_of, 0, &cs, &e) < 0)
        bench_die(&e);
    t_check = bench_now() - t0;

    plan_period_make(PLAN_QUARTER, year, 3, &P);
    plan_period_name(&P, q, sizeof(q));
    snprintf(xlsx, sizeof(xlsx), "%s/bulletin.xlsx", dir);
    t0 = bench_now();
    if (db_query_int(db, &e, &root, "SELECT id FROM orgs WHERE parent_id IS NULL", "") < 0 ||
        plan_bulletin(db, root, q, 0, &b, &e) < 0 || plan_bulletin_xlsx(b, xlsx, &e) < 0)
        bench_die(&e);
    t_bul = bench_now() - t0;

    printf("  bare SQL GROUP BY (org, indicator, month): %6.3f s  (%ld groups)\n", t_sql, groups);
    printf("  all progress: %ld cells (8 tasks × branches × months/quarters/year), levels:"
           " %6.3f s; rates of every org for 17 periods: %6.3f s\n",
           cells, t_grid, t_rates);
    printf("  ratio progress / GROUP BY                 : %6.2f   (target: progress < 1 s)\n",
           (t_grid + t_rates) / t_sql);
    printf("  daily check as of %d (closes Jan-Nov: %ld cells, %ld warnings, %ld cases, with"
           " notices, to-dos, audit): %6.3f s\n",
           as_of, cs.cells, cs.warnings, cs.cases, t_check);
    printf("  bulletin %s of the company as .xlsx (%zu ranked, %zu not met): %6.3f s  (target < 1 s)\n",
           q, json_array_size(json_object_get(b, "ranking")),
           json_array_size(json_object_get(b, "not_met")), t_bul);
    json_decref(b);
    db_close(db);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = "/tmp";
    long events = 1000000;
    int members = 10000;
    int per = 20;
    if (argc < 2 || (strcmp(argv[1], "ingest") && strcmp(argv[1], "score") &&
                     strcmp(argv[1], "score-scale") && strcmp(argv[1], "plan") &&
                     strcmp(argv[1], "dues") && strcmp(argv[1], "dues-scale") &&
                     strcmp(argv[1], "xlsx"))) {
        fprintf(stderr, "usage: bench ingest|score|score-scale|plan|dues|dues-scale|xlsx [--events N]"
                        " [--members N] [--per N] [--tenants K] [--dir DIR] [--db URL]\n");
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--events") == 0)
            events = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--members") == 0)
            members = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "--per") == 0)
            per = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--db") == 0)
            bench_scale_url = argv[i + 1];
        else if (strcmp(argv[i], "--tenants") == 0)
            bench_scale_tenants = atoi(argv[i + 1]);
    }
    if (secret_init() < 0)
        return 1;
    if (strcmp(argv[1], "score") == 0)
        return bench_score(dir);
    if (strcmp(argv[1], "score-scale") == 0)
        return bench_score_scale(dir, members, per);
    if (strcmp(argv[1], "plan") == 0)
        return bench_plan(dir);
    if (strcmp(argv[1], "xlsx") == 0)
        return bench_xlsx(dir);
    if (strcmp(argv[1], "dues") == 0 || strcmp(argv[1], "dues-scale") == 0)
        return bench_dues(dir, members, strcmp(argv[1], "dues") == 0);
    return bench_ingest(dir, events, members);
}
