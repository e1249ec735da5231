/* Monthly dues bills: generation from the rules and the verified bases (one bill per liable
 * member and month, idempotent), publication (发布) per subtree, and the lists members and
 * staff read. */
#ifndef DUES_BILL_H
#define DUES_BILL_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;

struct dues_gen_stats {
    long long liable;    /* members liable in the month (in the subtree) */
    long long created;   /* bills new in this run */
    long long filled;    /* "base missing" bills that got their base in this run */
    long long base_missing;
    long long exempt;
    long long amount_fen; /* total of the month's bills after the run */
    int rule_version;
    json_t *missing;      /* the first members with no base: [{member_id, emp_no, name}] */
};

/* Generate the bills of month for the members in the subtree under path (NULL: everyone;
 * then the month is recorded as generated). Runs in its own transaction. A second run
 * creates nothing; it fills bills whose base was missing when a base has been verified
 * since. Members are liable from the month they were accepted (joined_date), in the
 * organization they belonged to that month. stats->missing must be released by the caller
 * (json_decref). */
int dues_generate(struct db *db, int month, const char *path, long long actor,
                  struct dues_gen_stats *stats, struct errbuf *e);
/* The same for one tenant's members (a provincial company's): every read names the tenant,
 * so that on Citus the generation stays on its shards; the month is recorded as generated
 * for that tenant (dues_months). The monthly job's way on a tree of several tenants. */
int dues_generate_tenant(struct db *db, int month, long long tenant, long long actor,
                         struct dues_gen_stats *stats, struct errbuf *e);

struct dues_pub_stats {
    long long publication_id, bills, amount_fen, orgs, credited;
};

/* Publish month's unpublished bills in the subtree of org_id (path): members see them, the
 * receivable is booked (one entry per organization), confirmed advance payments settle
 * them. -ERR_CONFLICT when the subtree has no bills for the month. Own transaction. */
int dues_publish(struct db *db, int month, long long org_id, const char *path, long long actor,
                 struct dues_pub_stats *stats, struct errbuf *e);

/* Bills of month in the subtree, one row per member; amounts only with show_amounts. */
int dues_bills_list(struct db *db, const char *path, int month, const char *status,
                    bool show_amounts, long long page, long long page_size, json_t **ret,
                    struct errbuf *e);
/* A member's dues: bills of months from..to (newest first), payments, credit and bases;
 * with show_amounts false only months and statuses. */
int dues_member_history(struct db *db, long long member_id, int from, int to,
                        bool show_amounts, json_t **ret, struct errbuf *e);
/* The credit a member holds from confirmed advance payments not yet used. */
int dues_member_credit(struct db *db, long long member_id, long long *ret, struct errbuf *e);
/* Settle the member's published unpaid bills from confirmed advances (oldest first, each
 * bill from one advance that covers it whole). *ret_count = bills settled. */
int dues_apply_credit(struct db *db, long long member_id, long long *ret_count,
                      struct errbuf *e);
/* dues_apply_credit for every member sql lists (one column, its $1 bound to id, $2 to month);
 * the ids are read whole before any bill changes. *ret_count += bills settled. */
int dues_apply_credit_all(struct db *db, const char *sql, long long id, int month,
                          long long *ret_count, struct errbuf *e);
/* The module's clock: UTC seconds now, and the month of it. Unit tests may fix the clock
 * (dues_test_clock, DJ_UNITTEST builds only) to walk through months. */
long long dues_now(void);
int dues_current_month(void);
/* Fix the clock at t (UTC seconds, never later than now; 0: real time again) so that
 * `dangjian demo` can replay its months in order. Single-threaded callers only: the server
 * never sets it. */
void dues_clock_set(long long t);
#ifdef DJ_UNITTEST
void dues_test_clock(long long t);
#endif

#endif
