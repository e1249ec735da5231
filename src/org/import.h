/* CSV imports of organizations, members and events: validated whole, then applied in one
 * transaction, or not at all. Errors name the row and the column. */
#ifndef ORG_IMPORT_H
#define ORG_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct db;
struct csv_table;
struct auth;

#define IMPORT_MAX_ERRORS 50

struct import_report {
    size_t rows;
    size_t created, updated, duplicate;
    size_t nerrors;  /* all errors found */
    /* the first ones: "row N, column C: ..." with the reason, row, column and cell value */
    struct errbuf errors[IMPORT_MAX_ERRORS];
};

/* Record one row error (counted always, kept while there is room), for every import: the
 * message is "row ROW, column COLUMN: " and fmt's text. */
void import_add_error(struct import_report *rep, size_t row, const char *column, enum reason why,
                      const char *value, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The same for an error a check put in re: its reason and parameters, in column (NULL: the
 * field re names), with fmt's text as the message. */
void import_add_reason(struct import_report *rep, size_t row, const char *column,
                       const struct errbuf *re, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* -ERR_INVALID with the count of the report's errors: every import's refusal. */
int import_refuse(const struct import_report *rep, struct errbuf *e);

/* Whether org_id lies in the subtree of one of scope's roles in mask (*ret true without a
 * scope: the command line). */
int import_in_scope(struct db *db, const struct auth *scope, int mask, long long org_id,
                    bool *ret, struct errbuf *e);

/* The one audit row of an import (its rows' own are held back, audit_batch_begin): action
 * "import" on entity by actor, with the counts of the report, for the organization the
 * caller stands at in scope (none from the command line). */
int import_audit(struct db *db, const char *entity, long long actor, const struct auth *scope,
                 int mask, const struct import_report *rep, struct errbuf *e);

/* Each returns 0 when applied (or, with dry_run, when it would apply), -ERR_INVALID with
 * the report's errors when any row is bad (nothing written), other errors as usual.
 * scope (NULL from the command line): the caller over the API; every organization or member
 * a row creates, changes or moves must lie in the subtree of one of its roles in mask,
 * else that row is an error. */
int import_orgs(struct db *db, struct csv_table *t, bool dry_run, long long actor,
                const struct auth *scope, int mask, struct import_report *rep,
                struct errbuf *e);
/* from_month (YYYYMM, 0 = default): the month a new member's organization history starts
 * (default: the month of their joining date when given, else this month) and the month a
 * member whose organization changes moves (default: this month). */
int import_members(struct db *db, struct csv_table *t, bool dry_run, int from_month,
                   long long actor, const struct auth *scope, int mask,
                   struct import_report *rep, struct errbuf *e);
int import_events(struct db *db, struct csv_table *t, long long source_id, bool dry_run,
                  struct import_report *rep, struct errbuf *e);

#endif
