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

/* Every member's row in one bulk write (COPY on PostgreSQL). */
int run_write_members(struct run *r, long long version, struct errbuf *e);
/* Every organization's rollup over the members below it; the number written. */
int run_write_orgs(struct run *r, long long version, struct errbuf *e);
/* The run's rows in score_runs (the month's latest) and score_run_log (every run). */
int run_record(const struct run *r, const struct score_prev *prev, const char *reason,
               long long started, long long actor, long long changed, long long late,
               struct errbuf *e);

#endif
