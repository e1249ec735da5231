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

/* 1,000,000 members × 20 events in one month: time and peak memory of the run. Setup
 * writes the rows with plain SQL (it is not what is measured). */
/* A new database dir/file for the scale benches with its tree by SQL: 1 company, 50 units, a
 * branch for every 20 members, the members (from January 2024). */
static const char *scale_url; /* --db: PostgreSQL instead of a file in dir */
static int scale_tenants;     /* --tenants K: the units are K tenants' companies (0: none) */

static struct db *scale_db(const char *dir, const char *file, long members)
{
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    char path[512], sql[2048];
    int version = 0, placed = 0;
    bool citus = false;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (!scale_url)
        unlink(path);
    if (db_open(scale_url ? scale_url : path, &db, &e) < 0 ||
        db_schema_version(db, &version, &e) < 0)
        bench_die(&e);
    if (version > 0) {
        fprintf(stderr, "bench: %s holds a schema already: give an empty database\n", db_url(db));
        exit(1);
    }
    if (db_migrate(db, &e) < 0)
        bench_die(&e);
    /* a Citus coordinator (make bench-citus): the tables placed before the rows come */
    if (scale_url && (db_citus_present(db, &citus, &e) < 0 ||
                      (citus && db_citus_distribute(db, &placed, &e) < 0)))
        bench_die(&e);
    db_tune_bulk(db, true);
    /* unit u (2..51) is tenant 2 + (u - 2) % K with K tenants, else everything is tenant 1;
     * a branch and its members are its unit's */
    int k = scale_tenants > 0 ? scale_tenants : 1, first = scale_tenants > 0 ? 2 : 1;
    snprintf(sql, sizeof(sql),
             "BEGIN;"
             "INSERT INTO orgs(id, code, name, kind, parent_id, path, depth, created_at, updated_at)"
             " VALUES(1, 'S', '规模测试党委', 'committee', NULL, '/1/', 0, 0, 0);"
             "WITH RECURSIVE u(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM u WHERE i < 51)"
             " INSERT INTO orgs(id, code, name, kind, parent_id, path, depth, created_at,"
             " updated_at, tenant_id)"
             " SELECT i, 'S-' || i, '单位' || i, 'committee', 1, '/1/' || i || '/', 1, 0, 0,"
             " %d + (i - 2) %% %d FROM u;"
             "WITH RECURSIVE b(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM b WHERE i < %ld - 1)"
             " INSERT INTO orgs(id, code, name, kind, parent_id, path, depth, created_at,"
             " updated_at, tenant_id)"
             " SELECT 100 + i, 'S-B' || i, '支部' || i, 'branch', 2 + i %% 50,"
             " '/1/' || (2 + i %% 50) || '/' || (100 + i) || '/', 2, 0, 0, %d + (i %% 50) %% %d"
             " FROM b;"
             "WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < %ld)"
             " INSERT INTO members(id, org_id, org_path, emp_no, name, created_at, updated_at,"
             " tenant_id)"
             " SELECT i, 100 + (i - 1) / 20, '', 'S' || i, '党员' || i, 0, 0,"
             " %d + ((i - 1) / 20 %% 50) %% %d FROM m;"
             "INSERT INTO member_orgs(member_id, org_id, from_month, tenant_id)"
             " SELECT id, org_id, 202401, tenant_id FROM members;"
             "COMMIT;",
             first, k, (members + 19) / 20, first, k, members, first, k);
    if (db_exec(db, sql, &e) < 0)
        bench_die(&e);
    return db;
}

/* PostgreSQL after the set-up: what autovacuum would have done long before a month is scored
 * or billed (planner statistics, the visibility map), so that it does not run in the middle
 * of what is measured. Nothing on SQLite. */
static void scale_settle(struct db *db)
{
    struct errbuf e = ERRBUF_INIT;
    if (db_backend(db) == DB_POSTGRES && db_exec(db, "VACUUM (ANALYZE)", &e) < 0)
        bench_die(&e);
}

static int bench_score_scale(const char *dir, long members, int per)
{
    struct errbuf e = ERRBUF_INIT;
    struct score_run_stats s;
    struct db *db;
    struct rusage ru;
    char sql[4096], k[256];
    double t0 = bench_now();
    db = scale_db(dir, "scale.db", members);
    /* the numbers 0 .. per - 1: Citus plans no recursive CTE beside a distributed table */
    snprintf(k, sizeof(k),
             db_backend(db) == DB_POSTGRES
                 ? "generate_series(0, %d - 1) k(j)"
                 : "(WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < %d - 1)"
                   " SELECT j FROM k) k",
             per);
    snprintf(sql, sizeof(sql),
             "BEGIN;"
             " INSERT INTO events(source_id, key, org_id, member_id, indicator_id, day, month,"
             " value, detail, created_at, tenant_id)"
             " SELECT 1, m.id || '-' || k.j, m.org_id, m.id, 1 + (m.id * 7 + k.j) %% 19,"
             " 20240101 + k.j %% 28, 202401, 1 + (m.id + k.j) %% 4, NULL, 0, m.tenant_id"
             " FROM members m, %s;"
             "COMMIT;",
             k);
    if (db_exec(db, sql, &e) < 0)
        bench_die(&e);
    scale_settle(db);
    printf("score scale: %ld members × %d events set up in %.1f s\n", members, per, bench_now() - t0);
    fflush(stdout);
    t0 = bench_now();
    if (score_run_month(db, 202401, 0, false, &s, &e) < 0)
        bench_die(&e);
    getrusage(RUSAGE_SELF, &ru);
    printf("  full run: %.1f s for %ld members, %ld events; peak memory of the process %.0f MB"
           "  (targets < 60 s, < 2 GB)\n",
           bench_now() - t0, s.members, s.events, (double)ru.ru_maxrss / 1024);
    if (scale_tenants > 0) {
        t0 = bench_now();
        if (score_run_tenant_month(db, 202401, 2, 0, "manual", false, &s, &e) < 0)
            bench_die(&e);
        printf("  one tenant's run: %.2f s for %ld members, %ld events (tenant 2 of %d)\n",
               bench_now() - t0, s.members, s.events, scale_tenants);
    }
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

/* Party dues at scale: a month's bills generated for every member and, with full, published,
 * paid by payroll deduction and confirmed in one batch; beside generation and confirmation,
 * the same rows written by one raw SQL statement into a bare copy of the table in the same
 * run. Members, bases and organizations are set up by SQL. */
static int bench_dues(const char *dir, long members, bool full)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_gen_stats gs;
    struct dues_pub_stats ps;
    struct dues_payroll_stats pay;
    struct dues_confirm_stats cs;
    struct db *db;
    char sql[1024];
    long long *ids, bad = 0, total = 0;
    double t0 = bench_now(), t_gen, t_raw_gen, t_pub, t_pay, t_conf, t_raw_conf;
    /* monthly incomes from 2,000 to 15,000 yuan */
    db = scale_db(dir, "dues.db", members);
    snprintf(sql, sizeof(sql),
             "BEGIN;"
             "INSERT INTO income_bases(member_id, org_id, year, from_month, monthly_fen,"
             " verified_by, verified_at) SELECT id, org_id, 2024, 202401,"
             " 200000 + (id * 7919) %% 1300000, '基准', 0 FROM members;"
             "CREATE TABLE raw_bills AS SELECT * FROM dues_bills WHERE 1 = 0;"
             "COMMIT;");
    if (db_exec(db, sql, &e) < 0)
        bench_die(&e);
    scale_settle(db);
    printf("dues: %ld members with verified bases set up in %.1f s\n", members, bench_now() - t0);
    fflush(stdout);

    t0 = bench_now();
    if (dues_generate(db, 202401, NULL, 0, &gs, &e) < 0)
        bench_die(&e);
    t_gen = bench_now() - t0;
    json_decref(gs.missing);
    t0 = bench_now();
    if (db_exec(db,
                "BEGIN; INSERT INTO raw_bills(member_id, month, kind, seq, org_id, category,"
                " party_status, base_fen, rule_version, band, rate_bp, amount_fen, status,"
                " via_credit, created_at) SELECT m.id, 202401, 'regular', 0, mo.org_id, m.category,"
                " m.party_status, b.monthly_fen, 1, r.band, r.rate_bp,"
                " (b.monthly_fen * r.rate_bp + 5000) / 10000, 'unpaid', 0, 0 FROM members m"
                " JOIN member_orgs mo ON mo.member_id = m.id AND mo.tenant_id = m.tenant_id"
                " JOIN income_bases b ON b.member_id = m.id AND b.tenant_id = m.tenant_id"
                " JOIN dues_rules r ON r.version = 1"
                " AND r.category = m.category AND b.monthly_fen > r.lower_fen"
                " AND (r.upper_fen IS NULL OR b.monthly_fen <= r.upper_fen); COMMIT;",
                &e) < 0)
        bench_die(&e);
    t_raw_gen = bench_now() - t0;
    printf("  generate a month's bills: %8.3f s (%lld bills, %.0f a second); the same rows by one"
           " INSERT ... SELECT: %.3f s; ratio %.2f  (targets: 10,000 < 1 s, 1,000,000 < 60 s)\n",
           t_gen, gs.created, (double)gs.created / t_gen, t_raw_gen, t_gen / t_raw_gen);
    if (!full) {
        db_close(db);
        return 0;
    }

    t0 = bench_now();
    if (dues_publish(db, 202401, 1, "/1/", 0, &ps, &e) < 0)
        bench_die(&e);
    t_pub = bench_now() - t0;
    if (!(ids = malloc((size_t)members * sizeof(*ids))))
        return 1;
    for (long i = 0; i < members; i++)
        ids[i] = i + 1;
    t0 = bench_now();
    if (db_begin(db, &e) < 0 || dues_payroll_collect(db, 202401, ids, (size_t)members, 0, &pay, &e) < 0 ||
        db_commit(db, &e) < 0)
        bench_die(&e);
    t_pay = bench_now() - t0;
    free(ids);
    t0 = bench_now();
    if (dues_confirm(db, 202401, 1, "/1/", 0, &cs, &e) < 0)
        bench_die(&e);
    t_conf = bench_now() - t0;
    t0 = bench_now();
    if (db_exec(db,
                "BEGIN; UPDATE raw_bills SET status = 'confirmed', batch_id = 1, confirmed_at = 1,"
                " share_fen = (amount_fen * 5000 + 5000) / 10000; COMMIT;",
                &e) < 0)
        bench_die(&e);
    t_raw_conf = bench_now() - t0;
    if (ledger_check(db, &bad, &total, &e) < 0)
        bench_die(&e);
    printf("  publish (receivable booked, %lld organizations): %.3f s; payroll deduction of %lld"
           " bills: %.3f s\n",
           ps.orgs, t_pub, pay.paid, t_pay);
    printf("  one-click confirm of %lld payments in one batch (%lld journal entries): %8.3f s;"
           " the same rows by one UPDATE: %.3f s; ratio %.2f  (target < 1 s); ledger: %lld"
           " unbalanced, sum %lld\n",
           cs.bills, cs.orgs, t_conf, t_raw_conf, t_conf / t_raw_conf, bad, total);
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
            scale_url = argv[i + 1];
        else if (strcmp(argv[i], "--tenants") == 0)
            scale_tenants = atoi(argv[i + 1]);
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
