/* Portraits (党员画像, 支部画像, 党委画像) and leaderboards: replies built only from the stored
 * results of the monthly run (member_scores, org_scores, score_runs), never recomputed, so
 * every page shows the same number. Each builder checks the caller's right to the subject
 * itself, because that right depends on the month's data (the member's branch of the month). */
#ifndef SCORE_PORTRAIT_H
#define SCORE_PORTRAIT_H

#include <jansson.h>

#include "base/err.h"
#include "org/scope.h"

struct db;

/* Roles that read other members' scores within their scope (finance does not). */
#define PORTRAIT_STAFF (ROLE_SECRETARY | ROLE_COMMITTEE | ROLE_ADMIN)
/* Months in a growth line or trend, the shown month last. */
#define PORTRAIT_LINE 12

/* The month to show: param (YYYYMM or YYYY-MM; NULL or "" = the latest scored month), which
 * must have been scored. */
int portrait_month(struct db *db, const char *param, int *ret_month, struct errbuf *e);
/* The latest scored month, or -ERR_NOTFOUND when no month has been scored. */
int portrait_latest_month(struct db *db, int *ret_month, struct errbuf *e);

/* The caller's own place in a month: the member's branch and unit of that month when scored,
 * else the member's current branch. member_id 0: the caller is not a member. */
struct portrait_home {
    long long member_id;
    long long org_id, unit_id;   /* unit_id 0 when not scored that month */
    char path[ORG_PATH_MAX];     /* of org_id */
    char now_path[ORG_PATH_MAX]; /* of the current branch ("" when not a member) */
    int scored;
};
int portrait_home(struct db *db, const struct auth *a, int month, struct portrait_home *ret,
                  struct errbuf *e);

/* Member portrait of month. */
int portrait_member(struct db *db, const struct auth *a, long long member_id, int month,
                    json_t **ret, struct errbuf *e);
/* Annual summary over the scored months of year (0 = the year of the latest scored month). */
int portrait_member_annual(struct db *db, const struct auth *a, long long member_id, int year,
                           json_t **ret, struct errbuf *e);
/* Branch or committee portrait of month. */
int portrait_org(struct db *db, const struct auth *a, long long org_id, int month, json_t **ret,
                 struct errbuf *e);

/* {"number", "reason", "finished_at", "tenant"} of the run a page shows: month's latest run
 * that covered tenant (a run of every tenant, "tenant": 0, or of that tenant); for tenant 0,
 * the month's latest run of any scope (a tenant's run sums the rollups above the tenants). */
int portrait_run_json(struct db *db, int month, long long tenant, json_t **ret,
                      struct errbuf *e);
/* The same for an organization's page: its tenant's, or for one with other tenants below it
 * (a national root), the month's latest run. */
int portrait_run_of_org(struct db *db, int month, long long org_id, json_t **ret,
                        struct errbuf *e);
/* What re-runs changed for member_id in the PORTRAIT_LINE months ending at month. */
int portrait_member_changes(struct db *db, long long member_id, long long tenant, int month,
                            json_t **ret, struct errbuf *e);

/* ---- helpers shared by the portrait files */

struct score_model;
/* Model version `version`, borrowed from this thread's cache: valid until the thread's next
 * call. Not for writers: the cache trusts that a stored version never changes. */
int portrait_model(struct db *db, long long version, const struct score_model **ret,
                   struct errbuf *e);

/* [month - n + 1, ..., month] as a JSON array. */
json_t *portrait_months(int month, int n);
/* A line of PORTRAIT_LINE values ending at month: sql takes ($1 id, $2 first month, $3 last
 * month, $4 the tenant of id's rows) and returns (month, value) rows; months without a row
 * are null. */
int portrait_line(struct db *db, const char *sql, long long id, long long tenant, int month,
                  json_t **ret, struct errbuf *e);
/* Parse stored JSON text (a column written by the run); NULL text or bad JSON → error. */
int portrait_json_column(const char *text, json_t **ret, struct errbuf *e);

#endif
