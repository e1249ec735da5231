/* Quantified plans (量化计划): plans per organization and year, their measurable tasks, the
 * default plan of the branch work rules, reported figures, the daily check, bulletins and
 * webhook deliveries. The one header other modules (CLI, jobs, demo) include. */
#ifndef PLAN_PLAN_H
#define PLAN_PLAN_H

#include <jansson.h>
#include <stdbool.h>

#include "base/buf.h"
#include "base/err.h"

struct db;
struct auth;

/* A task as given by a caller; plan_task_add checks every field. */
struct plan_task_in {
    const char *code;      /* [a-z0-9_.-], unique in the plan */
    const char *name;
    const char *metric;    /* count, sum, reported, dues */
    const char *indicator; /* indicator code for count and sum */
    const char *unit;      /* NULL: the indicator's unit */
    const char *freq;      /* month, quarter, half, year */
    const char *kinds;     /* comma list of organization kinds; NULL = branch */
    const char *role;      /* secretary (default), committee, finance */
    const char *note;
    double target;         /* > 0 */
    double weight;         /* > 0 */
    long long under_id;    /* 0 = the plan's owner; else inside the owner's subtree */
    bool with_groups;      /* only organizations that have party groups */
    int from_day;          /* YYYYMMDD in the plan's year; 0 = today within the year, else 1 Jan */
};

/* Audit action on a plan (its year, name and remind_days, and the codes of the tasks the
 * request added when tasks is not NULL): the one row of a request that creates a plan with
 * its tasks, whose own rows it held back (audit_batch_begin). */
int plan_audit(struct db *db, long long plan_id, const char *action, json_t *tasks,
               long long actor, struct errbuf *e);
/* Create the plan of org_id (a committee or general branch) for year. -ERR_CONFLICT when it
 * exists. Audited. Run inside the caller's transaction. */
int plan_create(struct db *db, long long org_id, int year, const char *name, int remind_days,
                long long actor, long long *ret_id, struct errbuf *e);
int plan_update(struct db *db, long long plan_id, const char *name, int remind_days,
                long long actor, struct errbuf *e);
/* Add a task to a plan; today decides the default from_day. Audited. */
int plan_task_add(struct db *db, long long plan_id, const struct plan_task_in *in, int today,
                  long long actor, long long *ret_id, struct errbuf *e);
/* Change a task's name, target, weight, role or note (NULL / <= 0 keep). Audited. */
int plan_task_update(struct db *db, long long task_id, const char *name, double target,
                     double weight, const char *role, const char *note, long long actor,
                     struct errbuf *e);
/* The owner organization of a plan or task, and its path (ORG_PATH_MAX bytes). */
int plan_owner(struct db *db, long long plan_id, long long *ret_org, char *ret_path,
               struct errbuf *e);
int plan_task_owner(struct db *db, long long task_id, long long *ret_plan, long long *ret_org,
                    char *ret_path, struct errbuf *e);

/* The default plan of docs/PLANS.md for org_id (0 = the root: the whole company) and year (tasks
 * count from from_day, 0 = 1 Jan):
 * creates the plan if missing and adds the default tasks it lacks; *ret_added says how many.
 * Own transaction. */
int plan_defaults(struct db *db, long long org_id, int year, int from_day, long long actor,
                  long long *ret_plan, int *ret_added, struct errbuf *e);

/* JSON views (new references). */
int plan_json(struct db *db, long long plan_id, json_t **ret, struct errbuf *e);
int plan_task_json(struct db *db, long long task_id, json_t **ret, struct errbuf *e);
/* Plans whose owner is in the subtree at path (or above it, when `above`), year 0 = all. */
int plan_list_json(struct db *db, const char *path, int year, json_t **ret, struct errbuf *e);

/* A figure reported by hand for a 'reported' task: org must be one the task applies to,
 * period must fit the task's frequency, lie in the plan's year and have begun by today;
 * evidence is required. Replaces an earlier report for the same period. Audited. */
int plan_report(struct db *db, long long task_id, long long org_id, const char *period,
                double value, const char *evidence, const char *attachment, int today,
                long long actor, struct errbuf *e);

/* ---- the daily check (warning.c) */

struct plan_check_stats {
    int day;
    long cells, closed, warnings, notices, cases, escalated, reminders, resolved;
    long credited; /* task.done events stored for the secretaries of periods met */
    double seconds;
};

/* Evaluate every open period (and close every period that ended) of the plans not yet
 * finalized, as of today (YYYYMMDD): levels, warnings, notices, to-dos, reminders, cases for
 * periods not met, escalation of overdue cases. Idempotent for a day. Own transaction. */
int plan_check(struct db *db, int today, long long actor, struct plan_check_stats *ret,
               struct errbuf *e);
/* The same for the plans of one tenant, whose rows (status, warnings, cases) are all in it:
 * the daily job's unit on PostgreSQL and Citus (docs/SCALE.md); a tenant without
 * organizations is -ERR_NOTFOUND. */
int plan_check_tenant(struct db *db, int today, long long tenant, struct plan_check_stats *ret,
                      struct errbuf *e);

/* Jobs for `serve` (src/jobs/jobs.c): the daily check once a day (of tenant's plans, 0: of
 * every tenant's), deliveries when due. */
int plan_job_daily(struct db *db, long long tenant, struct errbuf *e);
int plan_job_deliver(struct db *db, struct errbuf *e);

/* The open tasks ([...], new reference) of the organizations a is secretary of, as of the
 * last daily check: the to-do page shows them under the to-dos. */
int plan_open_tasks_json(struct db *db, const struct auth *a, json_t **ret, struct errbuf *e);
/* Put a notice (kind, e.g. "source_quiet") into every administrator's inbox and queue the
 * webhook event "plan.<kind>": for other modules, which have no recipients of their own.
 * Returns the number of inbox rows. */
int plan_notice_admins(struct db *db, const char *kind, long long org_id, const char *title,
                       const char *body, struct errbuf *e);
/* The same to the secretaries of org_id (the accounts bound to it as secretary and its
 * secretary's own): the branch's group robot @-mentions them. Sent to the robots also when
 * the organization has no secretary account. Returns the number of inbox rows. */
int plan_notice_secretaries(struct db *db, const char *kind, long long org_id,
                            const char *title, const char *body, struct errbuf *e);

/* ---- webhooks (webhook.c) */

/* POST every due delivery (pending, next_at <= now): 2xx delivers, anything else schedules
 * the next attempt with doubled backoff until max_attempts. Never inside a transaction. */
int plan_deliver_due(struct db *db, long long now, int *ret_delivered, int *ret_failed,
                     struct errbuf *e);

/* ---- bulletins (bulletin.c) */

/* The bulletin (通报) of committee org_id for period ("2024Q1", ...) as of as_of (0 = the
 * period's end or today, whichever is first). */
int plan_bulletin(struct db *db, long long org_id, const char *period, int as_of, json_t **ret,
                  struct errbuf *e);
/* The same as a printable HTML page, or an .xlsx file at path. */
int plan_bulletin_html(const json_t *b, struct buf *out, struct errbuf *e);
int plan_bulletin_xlsx(const json_t *b, const char *path, struct errbuf *e);

#endif
