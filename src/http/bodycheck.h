/* JSON request bodies against the schemas documented in docs/openapi.json: unknown members
 * are refused with 400 unknown_field, naming the nearest documented one. */
#ifndef HTTP_BODYCHECK_H
#define HTTP_BODYCHECK_H

#include "http/req.h"

/* Check r->json against the request schema of pattern (the route's path pattern) and
 * r->method. Returns 0 or -ERR_UNKNOWN_FIELD (detail on r, message in e). */
int bodycheck_request(struct req *r, const char *pattern, struct errbuf *e);

#endif
