/* The database connections of the server's threads: each worker (and slow-lane) thread has its
 * own connection to the primary and, with --db-read, one to a standby for reads that may lag.
 * A connection that dies (the primary crashed, a failover is under way) is dropped and opened
 * again by a later request, so the servers follow a failover without a restart. */
#ifndef HTTP_DBCONN_H
#define HTTP_DBCONN_H

#include <stdbool.h>

#include "base/err.h"

struct db;

/* Seconds after a caller's write during which their reads stay on the primary. */
#define DBCONN_WROTE_SECONDS 5
/* Seconds a client is told to wait (Retry-After) while the database is unavailable. */
#define DBCONN_RETRY_AFTER 2

/* Before the first request: the URLs (read_url may be NULL: every read on the primary). */
void dbconn_configure(const char *url, const char *read_url);
/* This thread's primary connection, opened when it has none: 0, or -ERR_UNAVAILABLE at once
 * while the database cannot be reached (one try per 200 ms across the process). */
int dbconn_primary(struct db **ret, struct errbuf *e);
/* This thread's standby connection, or NULL (none configured, or the standby unreachable:
 * the caller reads from the primary). */
struct db *dbconn_read(void);
/* After a request on db that ended with rc (why: its message): drop the connection when it is
 * lost, logging the outage once (not per request). Returns true when db was dropped. */
bool dbconn_after(struct db *db, int rc, const char *why);
/* Remember that account wrote (a request other than GET): for DBCONN_WROTE_SECONDS its reads
 * go to the primary, so that it sees its own writes. */
void dbconn_wrote(long long account_id);
bool dbconn_wrote_recently(long long account_id);
/* At shutdown, after the threads stopped: close every connection. */
void dbconn_close_all(void);

#endif
