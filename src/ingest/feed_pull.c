/* Pulling a feed (feed.h): pages after the watermark, each committed with its events. */
#include "ingest/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "db/db.h"
#include "ingest/feed_http.h"
#include "ingest/feed_impl.h"
#include "ingest/feed_map.h"
#include "ingest/feed_sql.h"
#include "ingest/quarantine.h"
#include "base/banned.h"

#define MAX_PAGES 2000   /* per pull: the next pass goes on */
#define URL_MAX 1100
#define BACKOFF_FIRST 30 /* seconds after the first failure, doubling up to every_seconds */

struct feed {
    long long source_id, every, page_size;
    char kind[16], *secret, *target, mark_time[FEED_MARK_TIME_MAX], mark_id[FEED_MARK_ID_MAX];
    struct feed_map *map;
    struct feed_http *http; /* an HTTP feed's settings */
    int min_month;
};

static void feed_release(struct feed *f)
{
    free(f->secret);
    free(f->target);
    feed_map_free(f->map);
    feed_http_free(f->http);
}

static int load(struct db *db, long long source_id, struct feed *f, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    memset(f, 0, sizeof(*f));
    f->source_id = source_id;
    if ((rc = db_prepare(db,
                         "SELECT kind, secret, target, every_seconds, page_size, mark_time,"
                         " mark_id, http FROM feeds WHERE source_id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, source_id);
    if ((rc = db_step(st, e)) == 1) {
        snprintf(f->kind, sizeof(f->kind), "%s", db_col_text(st, 0));
        f->secret = strdup(db_col_text(st, 1));
        f->target = strdup(db_col_text(st, 2));
        f->every = db_col_int(st, 3);
        f->page_size = db_col_int(st, 4);
        snprintf(f->mark_time, sizeof(f->mark_time), "%s", db_col_text(st, 5));
        snprintf(f->mark_id, sizeof(f->mark_id), "%s", db_col_text(st, 6));
        if (strcmp(f->kind, "http") == 0) {
            json_t *spec = json_loads(db_col_text(st, 7), 0, NULL);
            if (feed_http_parse(spec, &f->http, e) < 0)
                rc = -ERR_INVALID;
            json_decref(spec);
        }
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "feed", source_id,
                                "source %lld has no feed", source_id);
    if (!f->secret || !f->target)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    return feed_load_map(db, source_id, &f->map, &f->min_month, e);
}

/* Row i as the source gave it (a new reference), for the quarantine. */
typedef json_t *raw_fn(const void *ctx, size_t i);

static json_t *json_raw(const void *ctx, size_t i)
{
    return json_incref(json_array_get((const json_t *)ctx, i));
}

static json_t *sql_raw(const void *ctx, size_t i)
{
    return feed_sql_page_raw(ctx, i);
}

/* Store mapped rows: the events of those that pass, the others into the quarantine. */
static int store_mapped(struct db *db, long long source_id, const struct feed_row *fr, size_t n,
                        raw_fn *raw_of, const void *ctx, bool replay, struct feed_stats *st,
                        json_t *rejects, struct errbuf *e)
{
    struct event_in *ev = calloc(n ? n : 1, sizeof(*ev));
    struct ingest_reject *first = calloc(n ? n : 1, sizeof(*first));
    struct ingest_result *res = calloc(1, sizeof(*res));
    long long open = 0;
    int rc = 0;
    if (!ev || !first || !res) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        ev[i] = fr[i].ev;
    if ((rc = ingest_batch_partial(db, source_id, ev, n, res, first, e)) < 0)
        goto out;
    st->rows += (long)n;
    st->stored += (long)res->accepted;
    st->duplicates += (long)res->duplicate;
    st->quarantined += (long)res->rejected;
    /* rows that were quarantined before and passed now leave the quarantine */
    if (replay)
        open = 1;
    else if ((rc = quarantine_open_count(db, source_id, &open, e)) < 0)
        goto out;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        const char *key = fr[i].key[0] ? fr[i].key : "(no key)";
        if (first[i].reason[0]) {
            json_t *raw = raw_of(ctx, i), *line = json_object_get(raw, "_line");
            rc = quarantine_put(db, source_id, key, raw, fr[i].ev.day / 100, &first[i], e);
            if (rejects && json_array_size(rejects) < 100) {
                json_t *x = json_pack("{s:s, s:s, s:s, s:s}", "row_key", key, "reason",
                                      reason_name(first[i].why), "field", first[i].field,
                                      "message", first[i].reason);
                if (line)
                    json_object_set(x, "line", line);
                json_array_append_new(rejects, x);
            }
            json_decref(raw);
        } else if (open && (rc = quarantine_close(db, source_id, key,
                                                replay ? "replayed" : "resolved", e)) > 0)
            st->resolved++;
    }
out:
    free(ev);
    free(first);
    free(res);
    return rc < 0 ? rc : 0;
}

int feed_store_rows(struct db *db, long long source_id, const struct feed_map *m,
                    int min_month, json_t *rows, bool replay, struct feed_stats *st,
                    json_t *rejects, struct errbuf *e)
{
    size_t n = json_array_size(rows);
    struct feed_row *fr = calloc(n ? n : 1, sizeof(*fr));
    int rc;
    if (!fr)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        feed_map_row(m, json_array_get(rows, i), min_month, &fr[i]);
    rc = store_mapped(db, source_id, fr, n, json_raw, rows, replay, st, rejects, e);
    free(fr);
    return rc;
}

/* Commit one page: its events, its quarantined rows and the watermark (t, id) after it. The
 * page is a JSON array of rows (rows), or an SQL feed's page read and mapped (sql). */
static int store_page(struct db *db, struct feed *f, json_t *rows,
                      const struct feed_sql_page *sql, const char *t, const char *id,
                      struct feed_stats *st, struct errbuf *e)
{
    struct feed_stats page = {0};
    int rc;
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    if (sql)
        rc = store_mapped(db, f->source_id, sql->rows, sql->n, sql_raw, sql, false, &page, NULL,
                          e);
    else
        rc = feed_store_rows(db, f->source_id, f->map, f->min_month, rows, false, &page, NULL,
                             e);
    if (rc < 0 ||
        (rc = db_run(db, e,
                     "UPDATE feeds SET mark_time = $2, mark_id = $3, rows_read = rows_read + $4,"
                     " stored = stored + $5, duplicates = duplicates + $6,"
                     " quarantined = quarantined + $7 WHERE source_id = $1",
                     "ittiiii", f->source_id, t, id, (long long)page.rows, (long long)page.stored,
                     (long long)page.duplicates, (long long)page.quarantined)) < 0 ||
        (rc = db_commit(db, e)) < 0) {
        db_rollback(db);
        return rc;
    }
    snprintf(f->mark_time, sizeof(f->mark_time), "%s", t);
    snprintf(f->mark_id, sizeof(f->mark_id), "%s", id);
    st->pages++;
    st->rows += page.rows;
    st->stored += page.stored;
    st->duplicates += page.duplicates;
    st->quarantined += page.quarantined;
    st->resolved += page.resolved;
    return 0;
}

/* Tests kill a pull between two pages: DJ_FEED_PAGE_PAUSE_MS holds it after each commit. */
static void test_pause(void)
{
    const char *v = getenv("DJ_FEED_PAGE_PAUSE_MS");
    long long ms = v ? atoll(v) : 0;
    if (ms > 0 && ms <= 60000) {
        struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
        nanosleep(&t, NULL);
    }
}

/* Read and store pages until the table has no more rows after the watermark. The reader
 * (feed_sql_start) reads the next pages while this one is stored; each page is committed
 * with its own watermark, so a pull that stops keeps every page it committed. */
static int pull_pages(struct db *db, struct feed *f, const char *url, struct feed_stats *st,
                      struct errbuf *e)
{
    struct feed_sql *conn = NULL;
    struct feed_sql_page p;
    int rc;
    if ((rc = feed_sql_open(url, &conn, e)) < 0)
        return rc;
    rc = feed_sql_start(conn, f->target, f->map, f->min_month, f->mark_time, f->mark_id,
                        (long)f->page_size, MAX_PAGES, e);
    while (rc >= 0 && (rc = feed_sql_next(conn, &p, e)) >= 0) {
        if (p.n)
            rc = store_page(db, f, NULL, &p, p.mark_time, p.mark_id, st, e);
        feed_sql_page_free(&p);
        if (rc < 0 || !p.more)
            break;
        test_pause();
    }
    feed_sql_close(conn); /* stops the reader: pages read ahead are read again next time */
    return rc;
}

/* Read and store an HTTP feed's pages until its server says there are no more. A page is
 * committed with the request of the next one as the watermark; the last page is stored with
 * its own request, so the next pull reads it again (its rows are then duplicates) and does
 * not miss rows appended to it. */
static int pull_http(struct db *db, struct feed *f, const char *credential,
                     struct feed_stats *st, struct errbuf *e)
{
    char next[FEED_MARK_ID_MAX];
    int rc = 0;
    for (long page = 0; page < MAX_PAGES; page++) {
        json_t *rows = NULL;
        bool more = false;
        if ((rc = feed_http_page(f->http, f->target, credential, f->mark_id, (long)f->page_size,
                                 &rows, next, sizeof(next), &more, e)) < 0)
            break;
        /* an empty last page changes nothing; an empty page with more moves the mark on */
        if (json_array_size(rows) || more)
            rc = store_page(db, f, rows, NULL, "", next, st, e);
        json_decref(rows);
        if (rc < 0 || !more)
            break;
        test_pause();
    }
    return rc;
}

/* Record the outcome on the feed: the schedule, and the error (scrubbed) with a backoff. */
static int record(struct db *db, const struct feed *f, long long started, const char *url,
                  int outcome, const struct errbuf *err, struct errbuf *e)
{
    long long now = (long long)time(NULL), failures = 0, delay;
    char msg[sizeof(err->msg)];
    int rc;
    if (outcome >= 0)
        return db_run(db, e,
                      "UPDATE feeds SET last_try_at = $2, last_ok_at = $3, last_error = '',"
                      " failures = 0, next_at = $4 WHERE source_id = $1",
                      "iiii", f->source_id, started, now, now + f->every) < 0 ? -ERR_DB : 0;
    snprintf(msg, sizeof(msg), "%s", err->msg);
    feed_scrub(msg, url);
    if ((rc = db_query_int(db, e, &failures, "SELECT failures FROM feeds WHERE source_id = $1",
                           "i", f->source_id)) < 0)
        return rc;
    delay = BACKOFF_FIRST << (failures < 12 ? failures : 12);
    if (delay > f->every)
        delay = f->every;
    rc = db_run(db, e,
                "UPDATE feeds SET last_try_at = $2, last_error = $3, failures = failures + 1,"
                " next_at = $4 WHERE source_id = $1",
                "iiti", f->source_id, started, msg, now + delay);
    return rc < 0 ? rc : 0;
}

int feed_pull(struct db *db, long long source_id, struct feed_stats *st, struct errbuf *e)
{
    struct feed f;
    struct errbuf pe = ERRBUF_INIT;
    struct timespec t0, t1;
    char lock[64], url[URL_MAX] = "";
    long long started = (long long)time(NULL);
    int rc, held = 0;
    memset(st, 0, sizeof(*st));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    snprintf(lock, sizeof(lock), "dangjian feed: %lld", source_id);
    if ((rc = load(db, source_id, &f, e)) < 0)
        goto out;
    if ((rc = db_try_lock(db, lock, e)) < 0)
        goto out;
    if (rc == 0) {
        rc = errbuf_set(e, -ERR_CONFLICT, "source %lld is being pulled by another process",
                        source_id);
        goto out;
    }
    held = 1;
    if (strcmp(f.kind, "folder") == 0)
        rc = feed_folder_pull(db, source_id, f.target, f.map, f.min_month, st, &pe);
    else if ((rc = feed_open_secret(f.secret, url, sizeof(url), e)) < 0)
        goto out;
    else if (f.http)
        rc = pull_http(db, &f, url, st, &pe);
    else
        rc = pull_pages(db, &f, url, st, &pe);
    if (rc < 0 && db_lost(db)) { /* our database, not the feed's: nothing to record */
        *e = pe;
        goto out;
    }
    if (rc < 0) {
        feed_scrub(pe.msg, url);
        *e = pe;
    }
    {
        struct errbuf re = ERRBUF_INIT;
        int rrc = record(db, &f, started, url, rc, &pe, &re);
        if (rc >= 0 && rrc < 0) {
            rc = rrc;
            *e = re;
        }
    }
out:
    memset(url, 0, sizeof(url));
    if (held)
        db_unlock(db, lock);
    feed_release(&f);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    st->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}

int feed_job_pull_due(struct db *db, struct errbuf *e)
{
    long long now = (long long)time(NULL), *ids = NULL;
    size_t n = 0, cap = 0;
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT source_id FROM feeds WHERE enabled = 1 AND next_at <= $1"
                         " ORDER BY next_at, source_id",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, now);
    while ((rc = db_step(st, e)) == 1) {
        if (n == cap) {
            long long *p = realloc(ids, (cap = cap ? cap * 2 : 16) * sizeof(*ids));
            if (!p) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            ids = p;
        }
        ids[n++] = db_col_int(st, 0);
    }
    db_done(st);
    for (size_t i = 0; i < n && rc >= 0; i++) {
        struct feed_stats s;
        struct errbuf fe = ERRBUF_INIT;
        int frc = feed_pull(db, ids[i], &s, &fe);
        if (frc < 0 && db_lost(db)) {
            *e = fe;
            rc = frc;
        } else if (frc < 0 && frc != -ERR_CONFLICT) {
            log_error("jobs: feed of source %lld: %s", ids[i], fe.msg);
        } else if (frc >= 0 && s.rows) {
            log_info("jobs: feed of source %lld: %ld rows, %ld stored, %ld duplicates,"
                     " %ld quarantined in %.2f s",
                     ids[i], s.rows, s.stored, s.duplicates, s.quarantined, s.seconds);
        }
    }
    free(ids);
    return rc < 0 ? rc : 0;
}
