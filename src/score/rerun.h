/* Re-runs of a scored month: the run before this one, and what this one changed per member
 * (score_run_log, score_changes; docs/SCORING.md, "Late events and re-runs"). */
#ifndef SCORE_RERUN_H
#define SCORE_RERUN_H

#include "base/err.h"

struct db;
struct prev_score;

/* The month's run before the one being made, read inside the run's transaction before its
 * rows are replaced. run: the highest number in score_run_log (0 when never run); scored:
 * whether score_runs has the month (its results are what this run is compared with). */
struct score_prev {
    long long run;
    long long tenant; /* the run's tenant, 0: every tenant */
    int scored;
    long long started_at; /* when the previous run began: later events are late */
    struct prev_score *rows; /* sorted by member id */
    long nrows;
};

int score_prev_load(struct db *db, int month, long long tenant, struct score_prev *ret,
                    struct errbuf *e);
void score_prev_release(struct score_prev *p);

/* After the month's new member_scores are written: one score_changes row per member whose
 * index or a dimension changed since p (none on a first run). Fills the changed members and
 * the month's late events (stored after p's run began). */
int score_prev_record(struct db *db, int month, const struct score_prev *p, long long *ret_changed,
                      long long *ret_late, struct errbuf *e);

/* Whether month's events include one stored after its latest run of every tenant began (or
 * its latest run, when none was of every tenant): 1 yes, 0 no. For a tenant (not 0): whether
 * its events include one stored after the latest run that covered it began (0 when none
 * did). */
int score_month_has_late(struct db *db, int month, long long tenant, struct errbuf *e);

/* Is reason one of the run reasons ('scheduled', 'late_events', 'manual')? */
int score_reason_valid(const char *reason);

#endif
