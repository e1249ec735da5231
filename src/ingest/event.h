/* Events from business systems: validated, resolved to members and organizations, stored
 * once per (source, key). A batch is all-or-nothing. */
#ifndef INGEST_EVENT_H
#define INGEST_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct db;

struct event_in {
    const char *key;       /* unique within the source; required */
    const char *emp_no;    /* member events: emp_no ... */
    long long member_id;   /* ... or member id */
    const char *org_code;  /* organization events */
    const char *indicator; /* indicator code */
    int day;               /* YYYYMMDD, 0 when the date did not parse */
    const char *date_text; /* the date as sent, for messages */
    double value;
    const char *detail; /* compact JSON text or NULL */
    /* set by a caller that found the row malformed before (e.g. a wrong JSON type): the
     * batch rejects it with this field and reason, beside any other rejections */
    const char *bad_field;
    const char *bad_reason;
    enum reason bad_why;
};

#define INGEST_MAX_REJECTS 100

struct ingest_reject {
    size_t index; /* 0-based position in the batch */
    char field[24];
    char reason[200];
    enum reason why;
    char value[ERR_VALUE_CHARS * 4 + 1]; /* what was sent, when it says more than the field */
};

struct ingest_result {
    size_t accepted, duplicate, rejected;
    size_t nrejects; /* details kept for the first INGEST_MAX_REJECTS */
    struct ingest_reject rejects[INGEST_MAX_REJECTS];
};

enum {
    INGEST_DRY_RUN = 1 << 0, /* validate and count duplicates, store nothing */
};

/* Store a batch for source_id. Returns 0 when every event was stored or was a duplicate;
 * -ERR_INVALID when any was rejected (then nothing is stored and res lists why); other
 * negative errors for database failures. Runs in its own transaction unless the caller
 * already holds one. */
int ingest_batch(struct db *db, long long source_id, const struct event_in *ev, size_t n,
                 unsigned flags, struct ingest_result *res, struct errbuf *e);
/* The same, storing the rows that pass (the pull connectors quarantine the others): each
 * rejected row's first problem goes to row_first[i] (n slots; reason[0] is '\0' for a row
 * that passed) and 0 is returned. */
int ingest_batch_partial(struct db *db, long long source_id, const struct event_in *ev,
                         size_t n, struct ingest_result *res, struct ingest_reject *row_first,
                         struct errbuf *e);

#endif
