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

/* Spend amount_fen of org_id's dues on kind (education, commendation, hardship, activities,
 * other). Own transaction. */
int dues_expense(struct db *db, long long org_id, const char *kind, long long amount_fen,
                 const char *note, const char *request_key, long long actor, json_t **ret,
                 struct errbuf *e);

#endif
