/* The reply cache: finished replies of routes marked `cached`, per worker thread, keyed by
 * the caller's account and the URL with its query, valid while the scores and the sessions
 * have not changed. A scored month does not change until it is re-run, so its portraits are
 * served from here; a re-run or a model change (the 'scores' data version) empties it. The
 * caller's authentication still runs on every request (through the session cache). */
#ifndef HTTP_CACHE_H
#define HTTP_CACHE_H

#include "http/req.h"

/* 1 when a cached reply was put into r, 0 when the handler must run. */
int reply_cache_get(struct req *r);
/* Keep r's reply (2xx JSON only) for the next identical request. */
void reply_cache_put(struct req *r);

#endif
