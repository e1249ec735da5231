/* The dues module's background jobs (run by `serve`, see jobs/jobs.c): each decides from the
 * database whether it is due, so a restart loses nothing and a repeat does nothing. */
#ifndef DUES_JOB_H
#define DUES_JOB_H

#include "base/err.h"

struct db;

/* Generate last and this month's bills when the month was never generated in full (on the
 * 1st, or at the first pass after it): for tenant's members (0: everyone's, recorded in the
 * first tenant), each month once per tenant it was not generated for. */
int dues_job_generate(struct db *db, long long tenant, struct errbuf *e);
/* Close last month once it is over and has published bills: on-time / late events, arrears
 * to-dos; for tenant's members and bills (0: everyone's), once per tenant it was not closed
 * for. */
int dues_job_close(struct db *db, long long tenant, struct errbuf *e);

#endif
