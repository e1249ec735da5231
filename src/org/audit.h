/* The audit log: who changed what and when. Written in the same transaction as the change. */
#ifndef ORG_AUDIT_H
#define ORG_AUDIT_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;

/* Record action ("create", "update", "delete", "move", ...) on entity/entity_id by account_id
 * (0 = the command line). detail may be NULL; it is not consumed. */
int audit_log(struct db *db, long long account_id, long long org_id, const char *action,
              const char *entity, long long entity_id, const json_t *detail, struct errbuf *e);

/* What to list: the subtree at path (with rows of no organization too when all_orgs), and
 * optional filters (0 / NULL: any). */
struct audit_query {
    const char *path;
    bool all_orgs;
    long long actor;      /* account id */
    const char *entity;   /* "member", "dues_payment", ... */
    const char *action;   /* "create", "update", "lock", ... */
    long long entity_id;
    long long from, to;   /* instants, to exclusive */
    long long page, page_size;
};
/* Audit rows newest first: {total, page, page_size, items: [{id, at, actor: {id, login} |
 * null, org: {id, code, name} | null, action, entity, entity_id, detail}]}. */
int audit_list(struct db *db, const struct audit_query *q, json_t **ret, struct errbuf *e);

#endif
