/* Background jobs of `serve`: the monthly score run now, and the dues and plan jobs later.
 * One thread with its own database connection wakes every few minutes and runs what is
 * due; each job decides from the database whether it is due, so a restart loses nothing and
 * two servers on one database do the same work at most twice, never half. */
#ifndef JOBS_JOBS_H
#define JOBS_JOBS_H

#include "base/err.h"

struct db;

/* Run every job that is due now. Returns 0 or the first error (the other jobs still run). */
int jobs_run_due(struct db *db, struct errbuf *e);
/* Start the thread (first pass at once, then every interval seconds); stop and join it. */
int jobs_start(const char *db_url, int interval, struct errbuf *e);
void jobs_stop(void);

#endif
