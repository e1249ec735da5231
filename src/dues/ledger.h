/* The dues ledger: double-entry journal entries per organization. Debits are positive,
 * credits negative; each entry's postings sum to zero for every organization it touches.
 * Entries are immutable (nothing here updates or deletes one); a correction is a reversing
 * entry that points to the original. Each entry has an idempotency key. */
#ifndef DUES_LEDGER_H
#define DUES_LEDGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct db;

struct ledger_posting {
    long long org_id;
    const char *account; /* "bank", "dues_receivable", ..., "expense:education" */
    long long amount_fen;
};

struct ledger_entry_in {
    long long org_id;    /* the organization whose entry it is */
    const char *kind;    /* publish, confirm, remit, expense */
    const char *idem_key;
    int month;           /* the accounting month */
    long long reverses_id;
    long long ref_id;    /* the publication, batch, remittance or expense */
    const char *memo;
    long long actor;
};

bool ledger_account_known(const char *code);
/* Expense accounts: "education" → "expense:education" when known. */
const char *ledger_expense_account(const char *kind);
/* The Chinese name of an account ("expense:education" → 党员教育培训支出); the code itself
 * when unknown. */
const char *ledger_account_label(const char *code);

/* Post an entry. Zero postings are dropped; two postings of one account stay two lines (a
 * confirmation credits dues_income with voluntary dues and debits it with the share up: the
 * statement tells them apart by sign). Returns 0 and the new id, 1 and the existing id when
 * idem_key was posted before (nothing written), -ERR_INTERNAL when the postings do not
 * balance. */
int ledger_post(struct db *db, const struct ledger_entry_in *in, const struct ledger_posting *p,
                size_t n, long long *ret_id, struct errbuf *e);
/* The same with an id reserved beforehand (db_reserve_ids), sent without waiting for the
 * server; nothing is written when idem_key was posted before. */
int ledger_post_queued(struct db *db, long long id, const struct ledger_entry_in *in,
                       const struct ledger_posting *p, size_t n, struct errbuf *e);
/* Balance of one account of one organization (all months). */
int ledger_balance(struct db *db, long long org_id, const char *account, long long *ret,
                   struct errbuf *e);
/* The balances of three accounts of one organization at once (one read). */
int ledger_balances(struct db *db, long long org_id, const char *const which[3],
                    long long ret[3], struct errbuf *e);
/* Trial balance of the organizations under path (one when subtree is false, org_id),
 * entries up to month to (0 = all): accounts with debit, credit and balance. */
int ledger_trial_balance(struct db *db, long long org_id, const char *path, bool subtree,
                         int to, json_t **ret, struct errbuf *e);
/* Income and expenditure of org_id (or its subtree) for months from..to. */
int ledger_statement(struct db *db, long long org_id, const char *path, bool subtree, int from,
                     int to, json_t **ret, struct errbuf *e);
/* Entries of org_id in month (0 = all), newest first, with their postings; page from 1. */
int ledger_entries(struct db *db, long long org_id, int month, long long page,
                   long long page_size, json_t **ret, struct errbuf *e);
/* Checks for tests and operators: the number of entries whose postings do not sum to zero
 * per organization, and the sum of all postings (0 when the books balance). */
int ledger_check(struct db *db, long long *ret_unbalanced, long long *ret_total,
                 struct errbuf *e);

#endif
