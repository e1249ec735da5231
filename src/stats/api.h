/* HTTP handlers of usage statistics: sign-ins per organization subtree and month. */
#ifndef STATS_API_H
#define STATS_API_H

#include "http/req.h"

int api_stats_logins(struct req *r, struct errbuf *e);

#endif
