/* Payroll deduction (工资代扣): finance records at once that the dues of a month were
 * deducted from the pay of a list of members, as the payroll office reports it. */
#ifndef DUES_PAYROLL_H
#define DUES_PAYROLL_H

#include <stddef.h>

#include "base/err.h"

struct db;

struct dues_payroll_stats {
    long long paid;       /* bills paid now, one collection each */
    long long skipped;    /* listed members without a published unpaid bill of the month */
    long long amount_fen; /* what the payments come to */
};

/* One paid collection (channel payroll, paid now) for each listed member's published,
 * unpaid bill of month; members without one are skipped. Set-based: a few statements for
 * any number of members. Inside the caller's transaction; -ERR_CONFLICT when another writer
 * paid some of the bills meanwhile (the caller rolls back). */
int dues_payroll_collect(struct db *db, int month, const long long *members, size_t n,
                         long long actor, struct dues_payroll_stats *ret, struct errbuf *e);

#endif
