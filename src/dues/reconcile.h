/* The daily reconciliation of a payment provider's statement with our online payments: what
 * the provider has and we have pending is settled; what we have paid and the provider has
 * not, what the provider has and we do not, and another amount or transaction are each raised
 * as a finance to-do in the one inbox (domain dues, kind reconcile). One row per provider and
 * day with the counts and a line for everything not simply matched. */
#ifndef DUES_RECONCILE_H
#define DUES_RECONCILE_H

#include <jansson.h>

#include "base/err.h"

struct db;

struct dues_recon_stats {
    long long matched, settled, missing, extra, mismatch;
};

/* Reconcile provider's statement of local day ymd (YYYYMMDD); run again, it replaces the
 * day's row (the to-dos are not raised twice). Audited. */
int dues_reconcile(struct db *db, const char *provider, int ymd, struct dues_recon_stats *ret,
                   struct errbuf *e);
/* {"items": [{provider, bill_date, run_at, matched, settled, missing, extra, mismatch,
 * lines: [...]}]} of the days from..to (YYYYMMDD), newest first; provider NULL: every one. */
int dues_reconcile_list(struct db *db, const char *provider, int from, int to, json_t **ret,
                        struct errbuf *e);
/* The job of `serve`: yesterday's statement of every configured provider that has one, once. */
int dues_job_reconcile(struct db *db, struct errbuf *e);

#endif
