/* Declarations shared by the files of src/plan/ and nobody else: recipients, the inbox and
 * to-dos, webhook queueing, and the rectification cases the daily check opens. */
#ifndef PLAN_INTERNAL_H
#define PLAN_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "org/scope.h"
#include "plan/period.h"

struct db;
struct plan_check_stats;

/* An organization's kind, path, code and name (plan_org_row: not found is R_UNKNOWN_ORG). */
struct plan_org_row {
    char kind[24], path[ORG_PATH_MAX], code[64], name[256];
};
int plan_org_row(struct db *db, long long id, struct plan_org_row *o, struct errbuf *e);
/* Whether path lies in the subtree at root (root itself included). */
bool plan_in_subtree(const char *path, const char *root);
/* A text field: required or not, at most max characters. */
int plan_check_text(const char *field, const char *s, size_t max, bool required,
                    struct errbuf *e);

/* A set of account ids (no duplicates). */
struct idlist {
    long long *v;
    int n, cap;
};
#define IDLIST_INIT {NULL, 0, 0}
int idlist_add(struct idlist *l, long long id);
void idlist_release(struct idlist *l);

/* Between these two (one daily check, one thread), plan_people_at, plan_people_committee and
 * the webhook count of plan_notice_send remember their answers. */
void plan_people_cache_begin(void);
void plan_people_cache_end(void);
/* Read who the secretaries and the committee staff of every organization are into the cache
 * at once (two or three reads instead of one or two per organization; nothing when the tree
 * is too large for the cache). */
int plan_people_prefetch(struct db *db, struct errbuf *e);
/* Accounts that answer for org in role (secretary, committee, finance): the role bound at
 * org itself; for secretary also the account of the organization's secretary (a member). */
int plan_people_at(struct db *db, long long org_id, const char *role, struct idlist *out,
                   struct errbuf *e);
/* Committee staff of committee_id, or of the nearest committee above it that has any. */
int plan_people_committee(struct db *db, long long committee_id, struct idlist *out,
                          struct errbuf *e);
/* The nearest committee above org_id (0 when there is none). */
int plan_superior_of(struct db *db, long long org_id, long long *ret, struct errbuf *e);

struct plan_notice {
    const char *kind; /* yellow, red, not_met, reminder, case, escalation, lagging */
    long long org_id;
    const char *title, *body;
    long long task_id, case_id; /* 0 = none */
    const char *period;         /* NULL = none */
};

/* Put the notice into the inbox of every account in to, and queue one webhook delivery of
 * event "plan.<kind>" per active webhook. Returns the number of inbox rows (>= 0). */
int plan_notice_send(struct db *db, const struct plan_notice *n, const struct idlist *to,
                     struct errbuf *e);
/* A to-do for every account in to (none twice for the same open item). */
int plan_todo_add(struct db *db, const struct idlist *to, long long org_id, const char *kind,
                  const char *title, long long task_id, long long case_id, const char *period,
                  int due_day, struct errbuf *e);

/* Inbox and to-dos of one account (new references). */
int plan_inbox_json(struct db *db, long long account_id, bool unread_only, int limit,
                    long long before, json_t **ret, struct errbuf *e);
int plan_inbox_read(struct db *db, long long account_id, long long notice_id, struct errbuf *e);
int plan_todos_json(struct db *db, const struct auth *a, json_t **ret, struct errbuf *e);

/* Queue a delivery of payload (not consumed) to every active webhook. */
int plan_webhook_enqueue(struct db *db, const char *event, long long org_id, const json_t *payload,
                         struct errbuf *e);
/* kind: 'generic' or a provider of src/notify/ (wecom, dingtalk, feishu); max_bytes: a robot's
 * smaller message size (0: the provider's). */
int plan_webhook_create(struct db *db, const char *kind, const char *url, const char *secret,
                        int retry_seconds, int max_attempts, long long max_bytes, long long actor,
                        long long *ret_id, struct errbuf *e);
/* Change a webhook from a PATCH body (members absent: unchanged; "secret": a new one), audited
 * with what changed. */
int plan_webhook_update(struct db *db, long long id, const json_t *body, long long actor,
                        struct errbuf *e);
/* Queue a test message to webhook hook (audited); deliveries after *ret_after are its. */
int plan_webhook_test(struct db *db, long long hook, const struct auth *who, long long *ret_after,
                      struct errbuf *e);
/* Send the pending deliveries of hook after `after` now (outside a transaction). */
int plan_webhook_send_now(struct db *db, long long hook, long long after, int *ret_delivered,
                          struct errbuf *e);
int plan_webhooks_json(struct db *db, json_t **ret, struct errbuf *e);
int plan_deliveries_json(struct db *db, long long webhook_id, int limit, json_t **ret,
                         struct errbuf *e);
/* HMAC-SHA256 of "<timestamp>.<body>" with secret, in lower-case hex (65 bytes). */
void plan_webhook_sign(const char *secret, long long timestamp, const char *body, char out[65]);

/* ---- cases (loop.c) */

struct plan_case_open {
    long long task_id, org_id, superior_id, tenant; /* the plan's tenant */
    const char *task_name, *role, *org_name;        /* borrowed from the check's grid */
    char period[PLAN_PERIOD_MAX];
    double actual, target, completion;
};

/* Open a case for each period not met that has none yet, notify the responsible accounts
 * (the case is then 'notified') and inform the committee above; *opened: the cases made.
 * Sent in chunks, two waits for the server a chunk (a check opens thousands). */
int plan_cases_open(struct db *db, const struct plan_case_open *c, size_t n, int today,
                    long long *opened, struct errbuf *e);
/* Escalate cases with no acknowledgement after 3 days or no report after 15 days (of tenant's
 * plans, 0: of every tenant's). Returns the number escalated. */
int plan_case_escalate(struct db *db, int today, long long tenant, struct errbuf *e);
/* Take a step (notify, acknowledge, report, verify, return, close) as the caller a. */
int plan_case_act(struct db *db, const struct auth *a, long long case_id, const char *action,
                  const char *text, const char *attachment, int today, struct errbuf *e);
/* A case's state by name (-1: no such state), its label, who acts next ("branch",
 * "superior", NULL when closed) and the actions that leave it (a new array). */
int plan_case_state_find(const char *name);
const char *plan_case_state_label(int state);
const char *plan_case_next_side(int state);
json_t *plan_case_next_actions(int state);
/* One case with its steps; the cases of the subtree at path (loop_json.c). */
int plan_case_json(struct db *db, long long case_id, json_t **ret, struct errbuf *e);
/* The case's organization path and its superior's path (ORG_PATH_MAX each). */
int plan_case_paths(struct db *db, long long case_id, char *org_path, char *superior_path,
                    struct errbuf *e);
int plan_cases_json(struct db *db, const char *path, const char *state, const char *period,
                    json_t **ret, struct errbuf *e);

/* ---- lagging organizations (warning.c) */

/* Organizations below root with open warnings or open cases, with their responsible person. */
int plan_lagging_json(struct db *db, long long root, json_t **ret, struct errbuf *e);
/* Notify all of them in one action (and move their open cases to notified). */
int plan_lagging_notify(struct db *db, const struct auth *a, long long root, const char *text,
                        int today, json_t **ret, struct errbuf *e);
/* Open warnings in the subtree at path (level NULL = any). */
int plan_warnings_json(struct db *db, const char *path, const char *level, json_t **ret,
                       struct errbuf *e);

/* ---- shared by the handlers (api.c, api_loop.c) */

struct req;
/* The organization a request is about: ?org_id= (checked against the caller's roles in mask),
 * else the organization of the caller's first binding with such a role. */
int plan_api_org(struct req *r, int mask, long long *ret_id, char *ret_path, struct errbuf *e);
/* A transaction's end: commit when rc >= 0, else roll back; returns rc or the commit's. */
int plan_api_end(struct req *r, int rc, struct errbuf *e);

#endif
