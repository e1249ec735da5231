/* Background jobs of `serve`: dues bills and month closing, the plans' daily check, the
 * monthly score run and webhook deliveries. One thread with its own database connection
 * wakes every few minutes and runs what is due; each job decides from the database whether
 * it is due, so a restart loses nothing. Several servers on one database run each job once:
 * a job runs only under its named lock (db_try_lock), taken before the job checks whether it
 * is due, so the check and the work are one step across processes. */
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
