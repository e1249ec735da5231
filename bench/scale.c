/* The benchmarks at scale (bench.c's score-scale, dues and dues-scale): a company of any
 * size set up by SQL in a file or a PostgreSQL/Citus database, a month scored, a month of
 * dues generated, published, paid and confirmed, each beside raw SQL in the same run. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/month.h"
#include "db/db.h"
#include "dues/bill.h"
#include "dues/confirm.h"
#include "dues/ledger.h"
#include "dues/payroll.h"
#include "score/run.h"

#include "common.h"

/* A new database dir/file for the scale benches with its tree by SQL: 1 company, 50 units, a
 * branch for every 20 members, the members (from January 2024). */
const char *bench_scale_url; /* --db: PostgreSQL instead of a file in dir */
int bench_scale_tenants;     /* --tenants K: the units are K tenants' companies (0: none) */

static struct db *scale_db(const char *dir, const char *file, long members)
{
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    char path[512], sql[2048];
    int version = 0, placed = 0;
    bool citus = false;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (!bench_scale_url)
        unlink(path);
    if (db_open(bench_scale_url ? bench_scale_url : path, &db, &e) < 0 ||
        db_schema_version(db, &version, &e) < 0)
        bench_die(&e);
    if (version > 0) {
        fprintf(stderr, "bench: %s holds a schema already: give an empty database\n", db_url(db));
        exit(1);
    }
    if (db_migrate(db, &e) < 0)
        bench_die(&e);
    /* a Citus coordinator (make bench-citus): the tables placed before the rows come */
    if (bench_scale_url && (db_citus_present(db, &citus, &e) < 0 ||
                      (citus && db_citus_distribute(db, &placed, &e) < 0)))
        bench_die(&e);
    db_tune_bulk(db, true);
    /* unit u (2..51) is tenant 2 + (u - 2) % K with K tenants, else everything is tenant 1;
     * a branch and its members are its unit's */
    int k = bench_scale_tenants > 0 ? bench_scale_tenants : 1, first = bench_scale_tenants > 0 ? 2 : 1;
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

/* 1,000,000 members × 20 events in one month: time and peak memory of the run. Setup
 * writes the rows with plain SQL (it is not what is measured). */
int bench_score_scale(const char *dir, long members, int per)
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
    if (bench_scale_tenants > 0) {
        t0 = bench_now();
        if (score_run_tenant_month(db, 202401, 2, 0, "manual", false, &s, &e) < 0)
            bench_die(&e);
        printf("  one tenant's run: %.2f s for %ld members, %ld events (tenant 2 of %d)\n",
               bench_now() - t0, s.members, s.events, bench_scale_tenants);
    }
    db_close(db);
    return 0;
}

/* Party dues at scale: a month's bills generated for every member and, with full, published,
 * paid by payroll deduction and confirmed in one batch; beside generation and confirmation,
 * the same rows written by one raw SQL statement into a bare copy of the table in the same
 * run. Members, bases and organizations are set up by SQL. */
int bench_dues(const char *dir, long members, bool full)
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
