/* Events the platform's own modules send to the scoring (dues paid on time, tasks done): an
 * internal source created on first use (nobody holds its key), and a buffer that stores the
 * events in large all-or-nothing batches through ingest_batch. A module's rule turning into a
 * rejected event is a bug, so a rejection is reported as an internal error. */
#ifndef INGEST_SINK_H
#define INGEST_SINK_H

#include "base/err.h"

struct db;
struct ingest_sink;

/* Open a sink for the internal source code (name: its label). */
int ingest_sink_open(struct db *db, const char *code, const char *name, struct ingest_sink **ret,
                     struct errbuf *e);
/* Queue a member event; stores a full batch. The key is copied. */
int ingest_sink_add(struct ingest_sink *s, const char *key, long long member_id,
                    const char *indicator, int day, double value, struct errbuf *e);
/* Store what is queued; *ret_accepted / *ret_duplicate (may be NULL) count every event the
 * sink stored or found stored before. Frees the sink, also on error. */
int ingest_sink_close(struct ingest_sink *s, long *ret_accepted, long *ret_duplicate,
                      struct errbuf *e);

/* Drop what is queued and free the sink (on an error path; NULL is fine). */
void ingest_sink_discard(struct ingest_sink *s);

#endif
