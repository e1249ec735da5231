/* The route table: METHOD + path pattern → handler, with what the router checks before the
 * handler runs (authentication, roles, body type). */
#ifndef HTTP_ROUTER_H
#define HTTP_ROUTER_H

#include "http/req.h"

enum route_auth {
    AUTH_PUBLIC, /* no credentials */
    AUTH_USER,   /* a session: cookie (+ CSRF token on writes) or bearer token */
    AUTH_SOURCE, /* a business system's API key in X-API-Key */
};

enum route_body {
    BODY_NONE,
    BODY_JSON,   /* application/json object or array */
    BODY_EVENTS, /* application/json array or application/x-ndjson */
    BODY_CSV,    /* text/csv, kept as bytes (any encoding csvread accepts) */
    BODY_RAW,    /* any type, kept as bytes for the handler to verify and read (a payment
                    provider's signed notification: the signature covers the bytes as sent) */
};

typedef int (*handler_fn)(struct req *r, struct errbuf *e);

struct route {
    const char *method;
    const char *pattern; /* "/api/v1/orgs/{id}" */
    handler_fn fn;
    enum route_auth auth;
    int roles; /* for AUTH_USER: the caller needs one of these roles somewhere */
    enum route_body body;
    int flags; /* RT_* */
};

/* Replies depend only on the caller, the URL and the scores: kept in the reply cache until a
 * score run or model change (see http/cache.h). */
#define RT_CACHED 1
/* The handler spends tens of milliseconds of CPU by design (argon2id): it runs on the slow
 * lane (http/lane.h), never on an event-loop worker. */
#define RT_SLOW 2
/* A read whose data may lag a second behind (portraits, rankings, reports, statistics): with
 * `serve --db-read` it runs on the standby, unless the caller wrote in the last seconds
 * (http/dbconn.h). The handler must only read. */
#define RT_STANDBY 4
/* A GET that writes (single sign-on: a browser arrives by a redirect, which is always a GET):
 * no read snapshot around it, its statements commit one by one. */
#define RT_WRITES 8
/* An installation-wide operation (business systems and their feeds, the scoring model and
 * runs, the plans' check, robots): the role must be held on the root of the tree, so that a
 * provincial company's administrator (docs/SCALE.md, "Tenants") never acts for every tenant.
 * A single company's administrators hold their role there anyway. */
#define RT_TOP 16

/* Find the route for r->method and r->path, filling r->params.
 * Returns 0, -ERR_NOTFOUND (no such path) or -ERR_METHOD (path exists, other method). */
int router_match(struct req *r, const struct route **ret, struct errbuf *e);

#endif
