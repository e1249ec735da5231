/* The audit log: who changed what and when. Written in the same transaction as the change. */
#ifndef ORG_AUDIT_H
#define ORG_AUDIT_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;

/* Record action ("create", "update", "delete", "move", ...) on entity/entity_id by account_id
 * (0 = the command line). detail may be NULL; it is not consumed. Every request that writes
 * leaves one row: an update's detail holds each changed field as {"from", "to"}
 * (audit_change), a bulk request's the counts of what it did (audit_batch_begin). */
int audit_log(struct db *db, long long account_id, long long org_id, const char *action,
              const char *entity, long long entity_id, const json_t *detail, struct errbuf *e);

/* Add {"field": {"from": from, "to": to}} to an update's detail, unless the two are equal.
 * Takes both references; NULL is JSON null. */
void audit_change(json_t *detail, const char *field, json_t *from, json_t *to);

/* An update's detail: every field of after whose value differs from before's, as
 * {"field": {"from", "to"}}. The caller owns the result. */
json_t *audit_diff(const json_t *before, const json_t *after);

/* A record's fields before an update, for audit_diff: sql selects them for the id bound to
 * $1, names[i] of type types[i] ('t' text, 'i' integer, 'd' real; SQL NULL is null).
 * Returns 1 and sets *ret (owned by the caller), 0 when there is no such record. */
int audit_before(struct db *db, const char *sql, long long id, const char *types,
                 const char *const *names, json_t **ret, struct errbuf *e);

/* A bulk request (a CSV import, a plan with its tasks, a batch of collections, the plans'
 * check) leaves one row that sums it up, not one per record: between audit_batch_begin()
 * and audit_batch_end() the calling thread's audit_log() calls are held back, and
 * audit_batch_end(mark), given what the begin returned, says how many were; the caller then
 * writes the one row, in the same transaction. Batches nest; every begin must meet its end
 * on every path. */
long audit_batch_begin(void);
long audit_batch_end(long mark);

/* Many records written together, each with its own row (a roll of members, a batch of
 * payments or of a provider's notices): between audit_rows_begin() and audit_rows_end() the
 * calling thread's audit_log() rows are kept, then written by audit_rows_end in one bulk
 * (PostgreSQL: COPY) instead of a statement each, in the same transaction. rc is the
 * caller's result so far: when it is an error the rows are dropped and rc returned. Scopes
 * nest (the outermost writes); every begin must meet its end on every path. */
void audit_rows_begin(void);
int audit_rows_end(struct db *db, int rc, struct errbuf *e);

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
