/* Sign-in statistics (登录统计) from the `logins` table every sign-in appends to. */
#ifndef STATS_LOGINS_H
#define STATS_LOGINS_H

#include <jansson.h>

#include "base/err.h"

struct db;

/* Successful sign-ins of the accounts of the subtree at path in month (YYYYMMDD days in UTC):
 * {org_id, month, logins, users, previous, change, daily: [{day, logins}]}. change is the
 * ratio to the previous month minus one (null when the previous month had none); daily has
 * every day of the month up to today. New reference in *ret. */
int stats_logins(struct db *db, long long org_id, const char *path, int month, int today,
                 json_t **ret, struct errbuf *e);

#endif
