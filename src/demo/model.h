/* The demo drawn in memory before anything is written: the organization tree, the members
 * with their hidden profiles, and who plays which part. Private to src/demo. */
#ifndef DEMO_MODEL_H
#define DEMO_MODEL_H

#include <stdbool.h>

#include "base/err.h"
#include "demo/demo.h"

enum { DIM_POLITICS, DIM_THEORY, DIM_DISCIPLINE, DIM_PERFORMANCE, DIM_HONOURS, DEMO_DIMS };

enum demo_kind { KIND_COMMITTEE, KIND_GENERAL_BRANCH, KIND_BRANCH, KIND_GROUP };

/* Random streams: each purpose (and each branch or member within it) has its own. */
enum {
    STREAM_TREE = 1,
    STREAM_BRANCH,
    STREAM_MEMBER,
    STREAM_EMP_NO,
    STREAM_ROLES,
    STREAM_BASES,
    STREAM_ORG_EVENTS,
    STREAM_MEMBER_EVENTS,
    STREAM_DUES,
};

struct demo_org {
    char code[32];
    char name[160];
    enum demo_kind kind;
    int parent;   /* org index; -1 for the root */
    long long id; /* once written */
    /* branches only */
    bool retired;             /* 离退休党支部: retired members */
    bool lagging;             /* holds few of the meetings the rules ask for */
    int first_group, ngroups; /* org indexes of its party groups */
    int secretary;            /* member index, -1 none */
    int nmembers;
    int unit; /* org index of its unit committee */
};

struct demo_member {
    char emp_no[12], name[32], id_card[20], phone[12], birth[11], joined[11];
    const char *category, *position;
    bool male, probationary;
    int branch;  /* org index at the start */
    int move_to; /* org index after a move, -1 none */
    int move_at; /* month index of the move */
    long long id;
    float level[DEMO_DIMS];        /* -1 (weak) .. 1 (strong) */
    float trend[DEMO_DIMS];        /* change from the first to the last month */
    int arrears_from, arrears_len; /* month indexes of unpaid dues; len 0 = none */
    int sanction_at;               /* month index, -1 none */
    bool no_base;                  /* payroll has not verified a base yet */
};

struct demo_model {
    int today, first_month, months;
    struct demo_org *orgs;
    int norgs, nbranches, ngroups;
    int *branches; /* org indexes of the branches, in tree order */
    struct demo_member *members;
    int nmembers, nmovers;
    int unit;   /* org index of the unit committee the named accounts work in */
    int branch; /* org index of the named secretary's branch */
    int member; /* member index behind the `dangyuan` login */
};

int demo_model_build(struct demo_model *m, const struct demo_opts *o, struct errbuf *e);
void demo_model_release(struct demo_model *m);
/* Make the ID card numbers of n companies' members differ across companies (demo --tenants). */
int demo_models_unique_cards(struct demo_model *m, int n, struct errbuf *e);
/* The member's branch (org index) in month index i. */
int demo_model_org_of(const struct demo_model *m, const struct demo_member *mb, int i);
/* The month (YYYYMM) of month index i, and the last day of it the demo may use. */
int demo_model_month(const struct demo_model *m, int i);
int demo_model_last_day(const struct demo_model *m, int i);

/* Report progress to the caller's callback, if any. */
void demo_report(const struct demo_opts *o, const char *phase, long long done, long long total,
                 long long items);
/* dues.c: the demo months of party dues replayed through the dues module (bills, payments,
 * confirmation, closing, remittances, expenditure) for the n companies m[] drawn with o[]
 * (the same months); its own transactions; counts into sum. */
int demo_dues_write(struct db *db, const struct demo_model *m, const struct demo_opts *o, int n,
                    struct demo_summary *sum, struct errbuf *e);
/* events.c: send the months of business events through ingest_batch as the demo source, in
 * batches inside the caller's transaction; *ret_count = events stored. */
int demo_events_write(struct db *db, const struct demo_model *m, const struct demo_opts *o,
                      long long source_id, long long *ret_count, struct errbuf *e);

#endif
