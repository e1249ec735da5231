/* The SQL connector of feeds: rows of a table or view in a PostgreSQL database, read in
 * pages strictly after a watermark (updated_at, id), in that order. */
#ifndef INGEST_FEED_SQL_H
#define INGEST_FEED_SQL_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"
#include "ingest/feed_map.h"

struct feed_sql;

/* Connect (10 s to connect, 60 s per statement, read only). Messages never hold the URL. */
int feed_sql_open(const char *url, struct feed_sql **ret, struct errbuf *e);
void feed_sql_close(struct feed_sql *s);
/* Whether target is a table name we accept ("name" or "schema.name", plain identifiers). */
int feed_sql_check_target(const char *target, struct errbuf *e);
#define FEED_MARK_TIME_MAX 128 /* a watermark's updated_at as text, with its NUL */
#define FEED_MARK_ID_MAX 512   /* its id, or an HTTP feed's cursor */

/* A page: its rows mapped (their strings point into the page), the watermark after it (its
 * last row's updated_at and id) and whether another page may follow. */
struct feed_sql_page {
    struct feed_row *rows;
    size_t n;
    char mark_time[FEED_MARK_TIME_MAX], mark_id[FEED_MARK_ID_MAX];
    bool more;
    void *res; /* the rows as read */
    const struct feed_sql *from;
};

/* Row i as read, a JSON object {column: text | null} (a new reference), for the quarantine. */
json_t *feed_sql_page_raw(const struct feed_sql_page *p, size_t i);
void feed_sql_page_free(struct feed_sql_page *p);

/* Read up to max_pages pages of up to limit rows after (mark_time, mark_id) ("" and "": from
 * the first row) and map them (min_month: feed_map_row), on a thread of the connection's own:
 * it reads and maps up to two pages ahead while the caller stores the one before, each page's
 * query sent as soon as the page before is in. Once per connection; m must stay valid until
 * feed_sql_close, which stops the reader. */
int feed_sql_start(struct feed_sql *s, const char *target, const struct feed_map *m,
                   int min_month, const char *mark_time, const char *mark_id, long limit,
                   long max_pages, struct errbuf *e);
/* The next page, in order (wait for it), or the reader's error; after a page without more,
 * do not call it again. */
int feed_sql_next(struct feed_sql *s, struct feed_sql_page *out, struct errbuf *e);

#endif
