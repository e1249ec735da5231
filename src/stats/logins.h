/* Sign-in statistics (登录统计) from the `logins` table every sign-in appends to. */
#ifndef STATS_LOGINS_H
#define STATS_LOGINS_H

#include <jansson.h>

#include "base/err.h"

struct db;

/* Successful sign-ins of the accounts of the subtree at path in month (local days, UTC+8) as
 * seen at the instant now: {org_id, month, complete, as_of, logins, users, previous,
 * previous_until, change, daily: [{day, logins}]}. A month not over yet is compared like with
 * like: previous counts the month before only up to the same point (the same days and time of
 * day), previous_until is that point's date; change is the ratio minus one (null when
 * previous is 0); daily has every day up to as_of. New reference in *ret. */
int stats_logins(struct db *db, long long org_id, const char *path, int month, long long now,
                 json_t **ret, struct errbuf *e);

#endif
