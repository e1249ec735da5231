/* Members of a batch of events read at once into the members cache (prefetch.c). */
#ifndef INGEST_PREFETCH_H
#define INGEST_PREFETCH_H

#include <stddef.h>

#include "base/err.h"
#include "ingest/event.h"

struct db;
struct ingest_refs;

/* The cache key of a member named by employee number (emp_no non-NULL) or by id. */
void ingest_ref_key(char *buf, size_t n, const char *emp_no, long long member_id);

/* Read the members that the events name and refs does not hold yet, a hundred at a time, and
 * put them in refs (those that do not exist as "no such member"). */
int ingest_prefetch_members(struct db *db, struct ingest_refs *refs, const struct event_in *ev,
                            size_t n, struct errbuf *e);

#endif
