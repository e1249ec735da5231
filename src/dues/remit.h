/* Money that leaves an organization's dues account: remittance (上缴) of the upward share
 * and of large voluntary dues to the level above, and expenditure. */
#ifndef DUES_REMIT_H
#define DUES_REMIT_H

#include <jansson.h>

#include "base/err.h"

struct db;

/* Remit org_id's payable share (amount_fen, 0 = all of it) and all its large voluntary dues
 * to its parent. request_key (may be NULL) makes a retry return the first remittance.
 * Own transaction. *ret = the remittance. */
int dues_remit(struct db *db, long long org_id, long long amount_fen, const char *request_key,
               long long actor, json_t **ret, struct errbuf *e);

/* An expenditure and its approval record: who approved it (name and capacity), on which
 * date (YYYY-MM-DD, not after today) and the document or minutes that record it. */
struct dues_expense_in {
    long long org_id;
    const char *kind; /* education, commendation, hardship, activities, other */
    long long amount_fen;
    const char *note;          /* may be NULL */
    const char *approved_by;   /* required, at most 64 characters */
    const char *approver_role; /* required, at most 64 characters: 支部书记, 支委会 */
    const char *approved_on;   /* required, YYYY-MM-DD */
    const char *approval_ref;  /* required, at most 100 characters: 支委会决议〔2024〕3号 */
    const char *request_key;   /* may be NULL */
};

/* Spend in->amount_fen of in->org_id's dues on in->kind. Own transaction. *ret = the
 * expense; a retry with a known request_key answers the first one, duplicate true. */
int dues_expense(struct db *db, const struct dues_expense_in *in, long long actor, json_t **ret,
                 struct errbuf *e);

/* The remittances org_id made or received whose journal entry lies in year, newest first,
 * with what the organization owes upward now (payable_fen, special_fen), its bank balance and
 * its parent. Page from 1. */
int dues_remittances_list(struct db *db, long long org_id, int year, long long page,
                          long long page_size, json_t **ret, struct errbuf *e);
/* The expenses of org_id booked in months from..to, newest first, with their approval
 * records and the kind's Chinese name; total_fen sums all of them (not only the page). */
int dues_expenses_list(struct db *db, long long org_id, int from, int to, long long page,
                       long long page_size, json_t **ret, struct errbuf *e);

#endif
