/* The SQL connector of feeds: rows of a table or view in a PostgreSQL database, read in
 * pages strictly after a watermark (updated_at, id), in that order. */
#ifndef INGEST_FEED_SQL_H
#define INGEST_FEED_SQL_H

#include <jansson.h>

#include "base/err.h"
#include "ingest/feed_map.h"

struct feed_sql;

/* Connect (10 s to connect, 60 s per statement, read only). Messages never hold the URL. */
int feed_sql_open(const char *url, struct feed_sql **ret, struct errbuf *e);
void feed_sql_close(struct feed_sql *s);
/* Whether target is a table name we accept ("name" or "schema.name", plain identifiers). */
int feed_sql_check_target(const char *target, struct errbuf *e);
/* A page in two steps, so that the database reads the next page while the caller stores this
 * one: send the query for up to limit rows after (mark_time, mark_id) ("" and "": from the
 * first; at most one query outstanding), then take its rows as JSON objects {column: text |
 * null} of the mapped columns (*ret_rows is a new array). */
int feed_sql_send(struct feed_sql *s, const char *target, const struct feed_map *m,
                  const char *mark_time, const char *mark_id, long limit, struct errbuf *e);
int feed_sql_take(struct feed_sql *s, json_t **ret_rows, struct errbuf *e);

#endif
