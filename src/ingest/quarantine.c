/* The quarantine of pulled rows (quarantine.h). */
#include "ingest/quarantine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "ingest/feed.h"
#include "ingest/feed_map.h"
#include "base/banned.h"

#define REPLAY_PAGE 500

int quarantine_put(struct db *db, long long source_id, const char *row_key, const json_t *raw,
                   int month, const struct ingest_reject *why, struct errbuf *e)
{
    char *text = json_dumps(raw, JSON_COMPACT | JSON_SORT_KEYS);
    long long now = (long long)time(NULL);
    int rc;
    if (!text)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    /* the same row again (a re-read, a replay that failed again): its newest form and reason */
    rc = db_run(db, e,
                "INSERT INTO quarantine(source_id, row_key, raw, reason, field, message, status,"
                " seen, created_at, updated_at, month) VALUES($1, $2, $3, $4, $5, $6, 'open', 1, $7, $7,"
                " $8)"
                " ON CONFLICT (source_id, row_key) DO UPDATE SET raw = excluded.raw,"
                " reason = excluded.reason, field = excluded.field, message = excluded.message,"
                " status = 'open', seen = quarantine.seen + 1, updated_at = excluded.updated_at,"
                " month = excluded.month",
                "itttttii", source_id, row_key, text, reason_name(why->why), why->field,
                why->reason, now, (long long)(month ? month : month_of_time(now)));
    free(text);
    return rc < 0 ? rc : 0;
}

int quarantine_close(struct db *db, long long source_id, const char *row_key,
                     const char *status, struct errbuf *e)
{
    return db_run(db, e,
                  "UPDATE quarantine SET status = $3, updated_at = $4 WHERE source_id = $1"
                  " AND row_key = $2 AND status = 'open'",
                  "itti", source_id, row_key, status, (long long)time(NULL));
}

int quarantine_open_count(struct db *db, long long source_id, long long *ret, struct errbuf *e)
{
    int rc = db_query_int(db, e, ret,
                          "SELECT COUNT(*) FROM quarantine WHERE status = 'open' AND"
                          " ($1 = 0 OR source_id = $1)",
                          "i", source_id);
    return rc < 0 ? rc : 0;
}

int quarantine_list(struct db *db, long long source_id, const char *status, long long page,
                    long long size, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *items = json_array();
    long long total = 0;
    int rc;
    if ((rc = db_query_int(db, e, &total,
                           "SELECT COUNT(*) FROM quarantine WHERE source_id = $1 AND"
                           " ($2 = '' OR status = $2)",
                           "it", source_id, status ? status : "")) < 0 ||
        (rc = db_prepare(db,
                         "SELECT id, row_key, raw, reason, field, message, status, seen,"
                         " created_at, updated_at FROM quarantine WHERE source_id = $1 AND"
                         " ($2 = '' OR status = $2) ORDER BY id DESC LIMIT $3 OFFSET $4",
                         &st, e)) < 0) {
        json_decref(items);
        return rc;
    }
    db_bindv(st, "itii", source_id, status ? status : "", size, (page - 1) * size);
    while ((rc = db_step(st, e)) == 1) {
        json_t *raw = json_loads(db_col_text(st, 2), 0, NULL);
        json_array_append_new(
            items, json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "id",
                             db_col_int(st, 0), "row_key", db_col_text(st, 1), "raw",
                             raw ? raw : json_object(), "reason", db_col_text(st, 3), "field",
                             db_col_text(st, 4), "message", db_col_text(st, 5), "status",
                             db_col_text(st, 6), "seen", db_col_int(st, 7), "created_at",
                             db_col_int(st, 8), "updated_at", db_col_int(st, 9)));
    }
    db_done(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *ret = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", total, "page", page,
                     "page_size", size);
    return 0;
}

/* One page of open rows after id `after` (raw rows, their ids); 0 rows: done. */
static int open_page(struct db *db, long long source_id, long long after, json_t **ret_rows,
                     long long *ret_last, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *rows = json_array();
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT id, raw FROM quarantine WHERE source_id = $1 AND status = 'open'"
                         " AND id > $2 ORDER BY id LIMIT $3",
                         &st, e)) < 0) {
        json_decref(rows);
        return rc;
    }
    db_bindv(st, "iii", source_id, after, (long long)REPLAY_PAGE);
    while ((rc = db_step(st, e)) == 1) {
        json_t *raw = json_loads(db_col_text(st, 1), 0, NULL);
        *ret_last = db_col_int(st, 0);
        json_array_append_new(rows, raw ? raw : json_object());
    }
    db_done(st);
    if (rc < 0) {
        json_decref(rows);
        return rc;
    }
    *ret_rows = rows;
    return 0;
}

int quarantine_replay(struct db *db, long long source_id, struct feed_stats *st,
                      struct errbuf *e)
{
    struct feed_map *m = NULL;
    long long after = 0;
    int min_month = 0, rc;
    memset(st, 0, sizeof(*st));
    if ((rc = feed_load_map(db, source_id, &m, &min_month, e)) < 0)
        return rc;
    /* page by page, each in its own transaction: rows still bad keep their place (their ids
     * are below the next page's), so every open row is tried once */
    for (;;) {
        json_t *rows = NULL;
        if ((rc = db_begin(db, e)) < 0)
            break;
        if ((rc = open_page(db, source_id, after, &rows, &after, e)) < 0 ||
            (rc = feed_store_rows(db, source_id, m, min_month, rows, true, st, NULL, e)) < 0 ||
            (rc = db_commit(db, e)) < 0) {
            db_rollback(db);
            json_decref(rows);
            break;
        }
        st->pages++;
        if (json_array_size(rows) < REPLAY_PAGE) {
            json_decref(rows);
            break;
        }
        json_decref(rows);
    }
    feed_map_free(m);
    return rc < 0 ? rc : 0;
}
