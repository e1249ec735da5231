/* Arrears (欠缴) and the end of a month: who owes how many consecutive months, the on-time
 * and late events for the scoring engine, and the branch to-dos at three and six months
 * (the Party Constitution's six-month rule: the system flags, the branch decides). */
#ifndef DUES_ARREARS_H
#define DUES_ARREARS_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;

#define DUES_WARN_MONTHS 3
#define DUES_CASE_MONTHS 6

/* Members of the subtree with unpaid published bills up to month: consecutive unpaid months
 * ending at month, all unpaid months, owed amount (show_amounts), warning and flagged. */
int dues_arrears_list(struct db *db, const char *path, int month, bool show_amounts,
                      json_t **ret, struct errbuf *e);

struct dues_close_stats {
    long long on_time, late, skipped, warnings, cases;
};

/* Close month (which must be over): send dues.on_time / dues.late for its published bills
 * through the internal source 'dues' (keys dues-<member>-<month>-<kind>: sending twice
 * counts once; members that already have a dues event of the month from another source are
 * skipped), raise the arrears to-dos (src/inbox/todo.c), record the month closed. Own transaction. */
int dues_close_month(struct db *db, int month, struct dues_close_stats *stats, struct errbuf *e);
/* The same for one tenant's members and bills (the monthly job's unit on PostgreSQL and Citus:
 * docs/SCALE.md); a tenant without organizations is -ERR_NOTFOUND. */
int dues_close_tenant(struct db *db, int month, long long tenant, struct dues_close_stats *stats,
                      struct errbuf *e);

#endif
