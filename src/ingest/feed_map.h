/* The declarative mapping of a feed: which of the remote row's columns (or which constant)
 * gives each field of our events, and the row → event conversion that checks the types.
 * Rows are JSON objects {column: string | number | null}, whatever the connector. */
#ifndef INGEST_FEED_MAP_H
#define INGEST_FEED_MAP_H

#include <jansson.h>

#include "base/err.h"
#include "ingest/event.h"

enum feed_field {
    FF_KEY,        /* the event key: the row's identity in its source (default: id) */
    FF_EMP_NO,
    FF_MEMBER_ID,
    FF_ORG_CODE,
    FF_INDICATOR,
    FF_VALUE,
    FF_DAY,        /* a date column ("YYYY-MM-DD", a timestamp's first ten characters) */
    FF_MONTH,      /* or a month column (202401, "2024-01"): the event is on the 1st */
    FF_UPDATED_AT, /* the watermark columns (SQL feeds): default updated_at and id */
    FF_ID,
    FF__COUNT
};

#define FEED_TEXT_MAX 136

struct feed_map;

/* One converted row: the event (its strings point into text[] or the row) and the row's
 * identity for the quarantine. */
struct feed_row {
    struct event_in ev;
    char key[FEED_TEXT_MAX];
    char text[FF__COUNT][FEED_TEXT_MAX];
    char reason[160];
};

/* Parse and check a mapping (a JSON object field → column or "=constant"). */
int feed_map_parse(const json_t *spec, struct feed_map **ret, struct errbuf *e);
void feed_map_free(struct feed_map *m);
/* The mapping as stored and shown (with its defaults); new reference. */
json_t *feed_map_json(const struct feed_map *m);
/* The column of a field, or NULL (none, or a constant). */
const char *feed_map_column(const struct feed_map *m, enum feed_field f);
/* Convert raw into out; a problem of the row (a wrong type, a month before min_month) marks
 * the event bad for ingest_batch to reject, as it rejects unknown members. Never fails. */
void feed_map_row(const struct feed_map *m, const json_t *raw, int min_month,
                  struct feed_row *out);
/* The same for a row given as texts by field (NULL: none), as an SQL feed reads it; out's
 * strings then point into text's. */
void feed_map_texts(const struct feed_map *m, const char *const text[FF__COUNT], int min_month,
                    struct feed_row *out);

#endif
