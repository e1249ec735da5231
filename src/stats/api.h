/* HTTP handlers of statistics: sign-ins per organization subtree and month; the national
 * roll-ups per provincial company. */
#ifndef STATS_API_H
#define STATS_API_H

#include "http/req.h"

int api_stats_logins(struct req *r, struct errbuf *e);
int api_national_provinces(struct req *r, struct errbuf *e);

#endif
