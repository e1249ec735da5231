/* Between the files of the monthly run (run.c: reading and computing; run_write.c: writing
 * the results and the run's record). */
#ifndef SCORE_RUN_IMPL_H
#define SCORE_RUN_IMPL_H

#include <stdbool.h>

#include "base/err.h"
#include "score/model.h"

struct db;
struct score_prev;

#define HIST_BANDS 10
#define MAX_DEPTH 16

struct org {
    long long id, tenant;
    int unit;  /* index of its unit committee (or its company) */
    int top;   /* index of its company: the root of its tenant (a provincial company) */
    int nanc;  /* ancestors including itself, root first */
    int anc[MAX_DEPTH];
    bool committee;
    bool spans; /* organizations of other tenants below it (a national root) */
};

struct member {
    long long id;
    int org;  /* index into orgs: the branch of this month */
    double dims[DIM_COUNT];
    double index;
    long long key; /* llround(index * 1e6): ranks compare this, so equal indexes tie */
    int events;
    int active_dims;
    int vetoed, sanction;
    long rank[3];
    double pct[3];
};

struct run {
    struct db *db;
    int month;
    long long tenant; /* the tenant scored, or 0: every tenant */
    struct score_model *model;
    struct org *orgs;
    int norgs;
    int *org_at;      /* org id → index, -1 */
    long long max_org;
    struct member *members;
    long nmembers;
    int *member_at;   /* member id → index, -1 */
    long long max_member;
    int *rule_at;     /* indicator id → rule index, -1 */
    long long max_ind;
    double *raw;      /* nmembers × nrules: event points before caps */
    int *count;       /* nmembers × nrules: events */
    long events;
    bool progress;
};

/* An organization's sums over the members below it: what its org_scores row averages. */
struct rollup {
    long members;
    double dims[DIM_COUNT], index;
    long hist[HIST_BANDS];
    double part[DIM_COUNT]; /* members with events in the dimension */
};

/* The histogram band of an index (tenths of 0–100, the top one closed). */
int run_band(double index);
/* Write org_id's row of org_scores from its sums x and contrib (the model's nrules sums of
 * counted points, by rule). */
int run_insert_rollup(struct run *r, long long org_id, const struct rollup *x,
                      const double *contrib, long long version, struct errbuf *e);

/* Every member's row in one bulk write (COPY on PostgreSQL). */
int run_write_members(struct run *r, long long version, struct errbuf *e);
/* Every organization's rollup over the members below it; the number written. */
int run_write_orgs(struct run *r, long long version, struct errbuf *e);
/* Several runs of a month (of different tenants, on several servers) take turns from here to
 * their commit: the month's score_runs row is touched first, which waits for another run's
 * uncommitted write of it; then prev's run number is read again, and what follows sees the
 * other runs' rows committed. */
int run_lock_month(struct run *r, struct score_prev *prev, struct errbuf *e);
/* A tenant's run: the rollups of the organizations with several tenants below them (a
 * national root), summed from the stored rollups of the organizations just below them (each
 * within one tenant) and the rows of members directly in them (run_spans.c). After
 * run_lock_month. The number written. */
int run_write_spans(struct run *r, long long version, struct errbuf *e);
/* The run's rows in score_runs (the month's latest) and score_run_log (every run). */
int run_record(const struct run *r, const struct score_prev *prev, const char *reason,
               long long started, long long actor, long long changed, long long late,
               struct errbuf *e);

#endif
