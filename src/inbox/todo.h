/* One inbox of to-dos for every domain (plans, dues): one table (todos), raised and closed
 * here by the domains, listed here for the caller. A to-do is addressed to one account, or
 * (account_id 0) to the staff whose scope covers its organization. */
#ifndef INBOX_TODO_H
#define INBOX_TODO_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;
struct auth;

/* What a domain raises; 0 / NULL for a reference it has none of. */
struct todo {
    const char *domain; /* "plan", "dues" */
    const char *kind;   /* plan: warning, case; dues: arrears_warning, arrears_case */
    long long account_id, org_id, member_id;
    const char *title;
    long long task_id, case_id;
    const char *period;
    int due_day; /* YYYYMMDD */
    int from_month, months;
    const char *dedupe;   /* NULL: no twin open for the same account, org, references and title */
    long long created_at; /* 0: now */
};

/* Raise t: 1 when a row was added, 0 when its twin (or its dedupe key) was there already. */
int todo_raise(struct db *db, const struct todo *t, struct errbuf *e);
/* The same when the caller need not know which: sent without waiting for the server when
 * pipelining (db_queue), so that a check raising thousands waits for none of them. */
int todo_raise_queued(struct db *db, const struct todo *t, struct errbuf *e);
/* Close the open to-dos of a rectification case, or the warnings of a task's cell. */
int todo_done_case(struct db *db, long long case_id, struct errbuf *e);
int todo_done_cell(struct db *db, long long task_id, long long org_id, const char *period,
                   struct errbuf *e);

struct todo_filter {
    const char *domain; /* NULL: every domain */
    bool history;       /* also the done ones (after the open ones, newest first) */
    bool mine;          /* those addressed to the caller */
    bool staff;         /* those addressed to organizations in the caller's staff scope */
    const char *path;   /* with staff: only this subtree (NULL: the whole staff scope) */
};

/* {"items": [...]} for caller a: open ones first, at most 500. New reference. */
int todo_list_json(struct db *db, const struct auth *a, const struct todo_filter *f, json_t **ret,
                   struct errbuf *e);
/* Close to-do id (of domain, NULL: any) by hand for caller a: only the staff covering an
 * organization's to-do may (a plan's to-dos close when the task or case moves on: -ERR_CONFLICT);
 * -ERR_NOTFOUND for one the caller cannot see, -ERR_FORBIDDEN for one they see but may not close.
 * Audited (kind dues_todo); closing one already done changes nothing. Own transaction. */
int todo_done(struct db *db, const struct auth *a, const char *domain, long long id,
              struct errbuf *e);

#endif
