/* The monthly run: every member's five dimensions, index, contributions and ranks, and every
 * organization's rollup over its subtree, for one month, replacing what that month had. */
#ifndef SCORE_RUN_H
#define SCORE_RUN_H

#include <stdbool.h>

#include "base/err.h"

struct db;

struct score_run_stats {
    int month;
    long long version;
    long members;
    long events;
    long orgs;
    long long run;      /* this run's number in its month: 1, 2, ... */
    long long changed;  /* members whose result changed since the previous run */
    long long late;     /* the month's events stored after the previous run began */
    double seconds;
};

/* Score month (YYYYMM, not after the current month). progress: print phases to stderr.
 * Runs in one transaction: the month's old results are replaced whole or not at all. */
int score_run_month(struct db *db, int month, long long actor, bool progress,
                    struct score_run_stats *out, struct errbuf *e);
/* The same with the run's reason: 'scheduled', 'late_events' or 'manual'. A month run
 * before becomes its next run; the earlier runs stay in score_run_log and each member whose
 * result changed gets a score_changes row. */
int score_run_month_why(struct db *db, int month, long long actor, const char *reason,
                        bool progress, struct score_run_stats *out, struct errbuf *e);
/* The same for one tenant (0: every tenant, as above): its members are scored and ranked
 * (their ranks are within their tenant anyway), their rows and their organizations' replaced;
 * an organization with other tenants below it (a national root) gets its rollup summed again
 * from the tenants' stored rollups. Every read of members and events names the tenant, so
 * that on Citus the run stays on that tenant's shards. Runs of different tenants may run at
 * once (the monthly job's, on several servers): they take turns only for their last step.
 * -ERR_NOTFOUND for a tenant without organizations. */
int score_run_tenant_month(struct db *db, int month, long long tenant, long long actor,
                           const char *reason, bool progress, struct score_run_stats *out,
                           struct errbuf *e);

#endif
