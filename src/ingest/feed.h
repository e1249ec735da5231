/* Feeds: sources whose data the platform pulls itself (the data middle platform's tables),
 * configured per source, run by `dangjian source pull` or by serve's jobs. A pull reads in
 * pages after the feed's watermark; each page's events, quarantined rows and new watermark
 * are committed in one transaction, so a pull that dies is redone from the last page it
 * committed and stores nothing twice. Rows that cannot become events go to the quarantine
 * (quarantine.h), never silently away. */
#ifndef INGEST_FEED_H
#define INGEST_FEED_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;

/* A feed's settings: NULL / negative members keep what is stored (url must be given when
 * the feed is created). */
struct feed_config {
    const char *kind;   /* "sql", "folder" or "http" */
    const char *url;    /* the connection URL: a secret, stored sealed, never shown */
    const char *target; /* the table or view; the folder (an absolute path); the HTTP URL */
    const json_t *mapping;
    long long every_seconds, page_size, window_months, enabled;
    const char *credential; /* an HTTP feed's token or HMAC key: sealed like url */
    const json_t *http;     /* an HTTP feed's settings (feed_http.h) */
};

/* What one pull (or replay) did. */
struct feed_stats {
    long pages, rows, stored, duplicates, quarantined, resolved;
    double seconds;
};

/* Create or change source_id's feed, audited as account actor (0: the command line). */
int feed_set(struct db *db, long long source_id, const struct feed_config *c, long long actor,
             struct errbuf *e);
/* A feed's settings and status (never the secret); -ERR_NOTFOUND without a feed. */
int feed_status(struct db *db, long long source_id, json_t **ret, struct errbuf *e);
/* Every feed's status, by source code. */
int feed_list(struct db *db, json_t **ret, struct errbuf *e);
/* Pull source_id's feed now: until its table has no more rows (or a bound of pages). A
 * failure is recorded on the feed (last error, backoff) and returned. -ERR_CONFLICT when
 * another process is pulling the same feed. */
int feed_pull(struct db *db, long long source_id, struct feed_stats *st, struct errbuf *e);
/* The jobs' entry: pull every enabled feed that is due; one failing feed does not stop the
 * others. */
int feed_job_pull_due(struct db *db, struct errbuf *e);

/* The feed's mapping and window start, for a replay (quarantine.c): -ERR_NOTFOUND without. */
struct feed_map;
int feed_load_map(struct db *db, long long source_id, struct feed_map **ret_map,
                  int *ret_min_month, struct errbuf *e);
/* Map rows (JSON objects), store their events and quarantine the rest, in the caller's
 * transaction. replay: the rows come from the quarantine (stored ones become "replayed",
 * not "resolved"). rejects (or NULL): each quarantined row is appended as {row_key, reason,
 * field, message, line (when the raw row has "_line")}. */
int feed_store_rows(struct db *db, long long source_id, const struct feed_map *m,
                    int min_month, json_t *rows, bool replay, struct feed_stats *st,
                    json_t *rejects, struct errbuf *e);

#endif
