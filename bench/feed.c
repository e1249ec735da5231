/* The SQL feed's pull against COPY (make bench, scripts/bench.sh):
 *   bench-feed --source URL [--db PATH|URL] [--rows N] [--members N] [--dir DIR]
 * fills a table of N rows in the PostgreSQL database at URL (which it owns: the table is
 * dropped and made again), then times `COPY ... TO STDOUT` of those rows, and a pull of them
 * through the SQL feed into events of our database (a SQLite file in DIR, or --db), and prints
 * the pull's speed as a fraction of COPY's (goal: at least 0.5). Into SQLite it also times
 * SQLite's own writing of the same events (INSERT ... SELECT from the pulled file into a new
 * one, in the same pages of 5,000, one transaction each): what any pull into it must pay. */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/month.h"
#include "base/pii.h"
#include "base/secret.h"
#include "db/db.h"
#include "ingest/feed.h"
#include "ingest/feed_map.h"
#include "ingest/feed_sql.h"
#include "ingest/source.h"

#include "common.h"

static void pg_ok(PGconn *c, PGresult *r, ExecStatusType want, const char *what)
{
    if (PQresultStatus(r) != want) {
        fprintf(stderr, "bench-feed: %s: %s", what, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* The remote table: ids 1..rows, each a row of a known member and indicator, last month. */
static void fill_source(PGconn *c, long rows, int members, int month)
{
    char sql[1024], ym[16];
    snprintf(ym, sizeof(ym), "%04d-%02d", month / 100, month % 100);
    pg_ok(c, PQexec(c, "DROP TABLE IF EXISTS bench_feed"), PGRES_COMMAND_OK, "drop");
    pg_ok(c, PQexec(c, "CREATE TABLE bench_feed (id BIGINT PRIMARY KEY, emp_no TEXT NOT NULL,"
                       " indicator TEXT NOT NULL, value TEXT NOT NULL, ym TEXT NOT NULL,"
                       " updated_at TIMESTAMPTZ NOT NULL)"),
          PGRES_COMMAND_OK, "create");
    snprintf(sql, sizeof(sql),
             "INSERT INTO bench_feed SELECT i, 'E' || lpad((i %% %d)::text, 7, '0'),"
             " (ARRAY['meeting.attend','study.hours','task.done','volunteer.hours'])[1 + i %% 4],"
             " '1', '%s', timestamptz '2024-01-01 00:00:00+00' + i * interval '1 millisecond'"
             " FROM generate_series(1, %ld) i",
             members, ym, rows);
    pg_ok(c, PQexec(c, sql), PGRES_COMMAND_OK, "fill");
    pg_ok(c, PQexec(c, "CREATE INDEX ON bench_feed(updated_at, id)"), PGRES_COMMAND_OK, "index");
    pg_ok(c, PQexec(c, "VACUUM ANALYZE bench_feed"), PGRES_COMMAND_OK, "analyze");
}

/* COPY the rows out as the feed would read them (in watermark order); bytes in *ret_bytes. */
static double copy_out(PGconn *c, long *ret_rows, long long *ret_bytes)
{
    double t0 = bench_now();
    char *line;
    int n;
    *ret_rows = 0;
    *ret_bytes = 0;
    pg_ok(c, PQexec(c, "COPY (SELECT id, emp_no, indicator, value, ym, updated_at FROM bench_feed"
                       " ORDER BY updated_at, id) TO STDOUT"),
          PGRES_COPY_OUT, "copy");
    while ((n = PQgetCopyData(c, &line, 0)) > 0) {
        (*ret_rows)++;
        *ret_bytes += n;
        PQfreemem(line);
    }
    pg_ok(c, PQgetResult(c), PGRES_COMMAND_OK, "copy end");
    return bench_now() - t0;
}

/* The connector alone: every page read and mapped as the pull does (its reader thread, the
 * feed's mapping, pages of 5,000 after the watermark), nothing stored. What the pull asks of the
 * source's database, beside COPY's reading of the same rows. */
static double read_alone(struct db *db, long long source, const char *url, long rows)
{
    struct errbuf e = ERRBUF_INIT;
    struct feed_map *m = NULL;
    struct feed_sql *s = NULL;
    struct feed_sql_page p;
    int min_month, rc;
    long got = 0;
    if (feed_load_map(db, source, &m, &min_month, &e) < 0)
        bench_die(&e);
    double t0 = bench_now();
    if (feed_sql_open(url, &s, &e) < 0 ||
        feed_sql_start(s, "bench_feed", m, min_month, "", "", 5000, rows / 5000 + 2, &e) < 0)
        bench_die(&e);
    while ((rc = feed_sql_next(s, &p, &e)) >= 0) {
        got += (long)p.n;
        bool more = p.more;
        feed_sql_page_free(&p);
        if (!more)
            break;
    }
    if (rc < 0)
        bench_die(&e);
    feed_sql_close(s);
    double t = bench_now() - t0;
    feed_map_free(m);
    if (got != rows) {
        fprintf(stderr, "bench-feed: the connector read %ld rows of %ld\n", got, rows);
        exit(1);
    }
    return t;
}

/* SQLite's own writing of the events pulled into path: the same rows, pages and indexes. */
static double sqlite_floor(const char *dir, const char *path)
{
    char raw[512], sql[600];
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    long long last = 0;
    snprintf(raw, sizeof(raw), "%s/feed-raw.db", dir);
    unlink(raw);
    if (db_open(raw, &db, &e) < 0 || db_migrate(db, &e) < 0)
        bench_die(&e);
    snprintf(sql, sizeof(sql), "ATTACH DATABASE '%s' AS pulled", path);
    if (db_exec(db, sql, &e) < 0 ||
        db_query_int(db, &e, &last, "SELECT COALESCE(MAX(id), 0) FROM pulled.events", "") < 0)
        bench_die(&e);
    double t0 = bench_now();
    for (long long from = 0; from < last; from += 5000)
        if (db_begin(db, &e) < 0 ||
            db_run(db, &e, "INSERT INTO events SELECT * FROM pulled.events"
                           " WHERE id > $1 AND id <= $2 ORDER BY id", "ii", from, from + 5000) < 0 ||
            db_commit(db, &e) < 0)
            bench_die(&e);
    double t = bench_now() - t0;
    db_close(db);
    unlink(raw);
    return t;
}

/* PostgreSQL's own writing of the events pulled into url: INSERT ... SELECT of the same rows
 * into a table like events (its indexes too), in the same pages, one transaction each. */
static double postgres_floor(const char *url)
{
    PGconn *c = PQconnectdb(url);
    long long last;
    char sql[256];
    PGresult *r;
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench-feed: %s", PQerrorMessage(c));
        exit(1);
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    pg_ok(c, PQexec(c, "DROP TABLE IF EXISTS bench_events"), PGRES_COMMAND_OK, "drop");
    pg_ok(c, PQexec(c, "CREATE TABLE bench_events (LIKE events INCLUDING ALL)"), PGRES_COMMAND_OK,
          "create");
    r = PQexec(c, "SELECT COALESCE(MAX(id), 0) FROM events");
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        pg_ok(c, r, PGRES_TUPLES_OK, "max");
    last = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    double t0 = bench_now();
    for (long long from = 0; from < last; from += 5000) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO bench_events SELECT * FROM events WHERE id > %lld AND id <= %lld"
                 " ORDER BY id",
                 from, from + 5000);
        pg_ok(c, PQexec(c, sql), PGRES_COMMAND_OK, "insert");
    }
    double t = bench_now() - t0;
    pg_ok(c, PQexec(c, "DROP TABLE bench_events"), PGRES_COMMAND_OK, "drop");
    PQfinish(c);
    return t;
}

int main(int argc, char **argv)
{
    const char *source_url = NULL, *db_url = NULL, *dir = "/tmp";
    long rows = 1000000;
    int members = 10000;
    char path[512], (*emp)[16];
    struct errbuf e = ERRBUF_INIT;
    struct feed_stats st = {0}, sum = {0};
    struct db *db;
    long long source;
    long copied;
    long long bytes;
    int month = month_add(month_of_time(time(NULL)), -1);
    PGconn *c;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--source") == 0)
            source_url = argv[i + 1];
        else if (strcmp(argv[i], "--db") == 0)
            db_url = argv[i + 1];
        else if (strcmp(argv[i], "--rows") == 0)
            rows = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--members") == 0)
            members = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
    }
    if (!source_url || rows < 1 || members < 1) {
        fprintf(stderr, "usage: bench-feed --source URL [--db PATH|URL] [--rows N] [--members N]"
                        " [--dir DIR]\n");
        return 2;
    }
    if (secret_init() < 0)
        return 1;
    c = PQconnectdb(source_url);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench-feed: %s", PQerrorMessage(c));
        return 1;
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    fill_source(c, rows, members, month);
    double t_copy = copy_out(c, &copied, &bytes);
    PQfinish(c);

    snprintf(path, sizeof(path), "%s/feed.db", dir);
    if (!db_url) {
        unlink(path);
        db_url = path;
    }
    emp = calloc((size_t)members, 16);
    if (!emp || pii_configure(db_url, &e) < 0 || pii_load(true, &e) < 0 ||
        db_open(db_url, &db, &e) < 0 || db_migrate(db, &e) < 0)
        bench_die(&e);
    bench_members(db, members, emp);
    json_t *map = json_pack("{s:s, s:s, s:s, s:s, s:s}", "key", "id", "emp_no", "emp_no",
                            "indicator", "indicator", "value", "value", "month", "ym");
    struct feed_config fc = {"sql", source_url, "bench_feed", map, 86400, 5000, 24, 1, NULL,
                             NULL};
    if (db_begin(db, &e) < 0 ||
        source_add_with_key(db, "feedbench", "拉取基准", "bench-feed-key-0123456789", &source,
                            &e) < 0 ||
        feed_set(db, source, &fc, 0, &e) < 0 || db_commit(db, &e) < 0)
        bench_die(&e);
    json_decref(map);
    double t0 = bench_now();
    do { /* a pull stops after a bound of pages: the next goes on */
        if (feed_pull(db, source, &st, &e) < 0)
            bench_die(&e);
        sum.pages += st.pages;
        sum.rows += st.rows;
        sum.stored += st.stored;
        sum.quarantined += st.quarantined;
    } while (st.rows > 0 && sum.rows < rows);
    double t_pull = bench_now() - t0, t_floor = 0;
    double t_read = read_alone(db, source, source_url, rows);
    bool sqlite = strncmp(db_url, "postgres", 8) != 0;
    db_close(db);
    free(emp);
    t_floor = sqlite ? sqlite_floor(dir, db_url) : postgres_floor(db_url);

    printf("feed pull (%ld rows of a PostgreSQL table, pages of 5000, into %s)\n", rows,
           sqlite ? "SQLite" : "PostgreSQL");
    printf("  COPY ... TO STDOUT : %8.2f s  %9.0f rows/s  (%ld rows, %.1f MB)\n", t_copy,
           (double)copied / t_copy, copied, (double)bytes / 1e6);
    printf("  SQL feed pull      : %8.2f s  %9.0f rows/s  (%ld pages, %ld stored, %ld"
           " quarantined)\n",
           t_pull, (double)sum.rows / t_pull, sum.pages, sum.stored, sum.quarantined);
    printf("  connector reading  : %8.2f s  %9.0f rows/s  (the pull's reading and mapping"
           " alone, nothing stored)\n",
           t_read, (double)rows / t_read);
    printf("  its own INSERT     : %8.2f s  %9.0f rows/s  (%s: the same events, pages, indexes)\n",
           t_floor, (double)sum.stored / t_floor, sqlite ? "SQLite" : "PostgreSQL");
    printf("  ratio pull/COPY    : %8.2f  (goal >= 0.5)\n",
           ((double)sum.rows / t_pull) / ((double)copied / t_copy));
    printf("  ratio reading/COPY : %8.2f  (what the pull asks of the source)\n", t_copy / t_read);
    printf("  ratio pull/write   : %8.2f  (of what the database itself needs to store them)\n",
           t_floor / t_pull);
    return sum.stored == rows ? 0 : 1;
}
