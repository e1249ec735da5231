/* One-click confirmation (一键确认): finance confirms every paid, unconfirmed bill of a
 * subtree and month in one transaction — all of them booked, or none — and running it again
 * finds nothing to do. */
#ifndef DUES_CONFIRM_H
#define DUES_CONFIRM_H

#include <stdbool.h>

#include "base/err.h"
#include "dues/ledger.h"

struct db;

#define DUES_SPECIAL_FEN 100000 /* a voluntary payment of 1000 yuan or more goes up in full */

struct dues_confirm_stats {
    long long batch_id, bills, amount_fen, orgs, credited;
};

/* Confirm month's paid bills (and the voluntary and advance payments made in month) in the
 * subtree of org_id (path). -ERR_CONFLICT when nothing of the month is published there.
 * Own transaction. */
int dues_confirm(struct db *db, int month, long long org_id, const char *path, long long actor,
                 struct dues_confirm_stats *stats, struct errbuf *e);

/* The postings that confirming one bill makes at its organization (what a reversal flips):
 * out must hold 4; returns how many. */
int dues_bill_postings(const char *kind, bool via_credit, long long amount_fen,
                       long long share_fen, long long org_id, struct ledger_posting *out);

#endif
