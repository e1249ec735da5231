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
    double seconds;
};

/* Score month (YYYYMM, not after the current month). progress: print phases to stderr.
 * Runs in one transaction: the month's old results are replaced whole or not at all. */
int score_run_month(struct db *db, int month, long long actor, bool progress,
                    struct score_run_stats *out, struct errbuf *e);

#endif
