/* The quarantine of pulled rows that could not become events (see feed.h): kept with the
 * row as read and the reason code, listed, and replayed once the missing member or
 * indicator exists. */
#ifndef INGEST_QUARANTINE_H
#define INGEST_QUARANTINE_H

#include <jansson.h>

#include "base/err.h"
#include "ingest/event.h"

struct db;
struct feed_stats;

/* Keep (or refresh) the row row_key of source_id with its first problem; month (YYYYMM) is
 * the month the row is about, 0 when its date did not read (then: the month it arrived). */
int quarantine_put(struct db *db, long long source_id, const char *row_key, const json_t *raw,
                   int month, const struct ingest_reject *why, struct errbuf *e);
/* The open row row_key became an event: mark it status ("replayed" or "resolved"). */
int quarantine_close(struct db *db, long long source_id, const char *row_key,
                     const char *status, struct errbuf *e);
/* Open rows of source_id (0: every source). */
int quarantine_open_count(struct db *db, long long source_id, long long *ret, struct errbuf *e);
/* A page of source_id's rows with status ("open", "replayed", "resolved" or NULL: all),
 * newest first: {items, total, page, page_size}. */
int quarantine_list(struct db *db, long long source_id, const char *status, long long page,
                    long long size, json_t **ret, struct errbuf *e);
/* Map every open row of source_id again with the members and indicators of now: stored
 * ones leave the quarantine (status replayed), the others stay with their new reason. */
int quarantine_replay(struct db *db, long long source_id, struct feed_stats *st,
                      struct errbuf *e);

#endif
