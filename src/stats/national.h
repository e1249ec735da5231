/* National roll-ups across tenants: per provincial company, a month's dues collection rate,
 * average pioneer index and plan completion (stats/national.c). */
#ifndef STATS_NATIONAL_H
#define STATS_NATIONAL_H

#include <jansson.h>

#include "base/err.h"

struct db;

/* {month, provinces: [{org_id, tenant_id, code, name, dues: {bills, paid, liable_fen,
 * paid_fen, rate}, index: {members, average}, plans: {cells, met, rate}}]} for month
 * (YYYYMM); rates and averages are null where there is nothing to measure. */
int stats_national(struct db *db, int month, json_t **ret, struct errbuf *e);

#endif
