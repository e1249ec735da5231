/* Shared by expect.c and quality.c only. */
#ifndef INGEST_QUALITY_IMPL_H
#define INGEST_QUALITY_IMPL_H

#include "base/err.h"

struct db;

/* How long a monthly source may stay silent: a month and its complete-by grace. */
#define QUALITY_QUIET_SECONDS(complete_day) ((31LL + (complete_day)) * 86400LL)

/* The instant month's data is due: the start of day complete_day of the next month. */
long long quality_deadline(int month, int complete_day);
/* The source's last sign of life: its feed's last successful pull or the last batch that stored
 * its events (its audit row), 0 for none. */
int quality_last_activity(struct db *db, long long source_id, long long *ret, struct errbuf *e);
/* Covered organizations with active members and no data from the source in month. */
int quality_source_missing(struct db *db, long long source_id, int month, long long *ret,
                           struct errbuf *e);
/* 1 when the source is complete for month (see ARCHITECTURE.md), 0 when not. */
int quality_source_complete(struct db *db, long long source_id, int complete_day, int month,
                            long long *ret_missing, struct errbuf *e);

/* A declaration as the jobs and the view walk them (strings owned by the array). */
struct quality_decl {
    long long id, day, org, since, noticed; /* since: declared or changed at */
    char *code, *name;
};
/* Every declaration (or source_id's, when not 0), by source code: *ret is malloc'ed, freed
 * with quality_decls_free. Read before any per-source query: one statement open at a time. */
int quality_decls(struct db *db, long long source_id, struct quality_decl **ret, size_t *ret_n,
                  struct errbuf *e);
void quality_decls_free(struct quality_decl *d, size_t n);

#endif
