/* What the libFuzzer targets under tests/fuzz/ share: a small world in an in-memory SQLite
 * database made once per process, a struct req that needs no connection, and request
 * headers the targets set (libmicrohttpd's header lookup is stood in for, see world.c). */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "http/req.h"

#define FUZZ_MEMBERS 4

struct fuzz_world {
    struct db *db;
    long long root, unit, branch, group; /* R, U1, B1 (a branch), G1 (a group under B1) */
    long long members[FUZZ_MEMBERS];     /* E100001.. in B1; the first has an account, a base */
    long long account;                   /* admin@R, committee@R, finance@R, member E001 */
    long long source;                    /* business system "hr" with FUZZ_API_KEY */
    long long payment;                   /* E001's pending online payment of this month */
    long long payment_fen;
    int month; /* the month of the bill it pays (now) */
};

#define FUZZ_API_KEY "fuzz-api-key-0123456789"
#define FUZZ_CALLBACK_KEY "fuzz-callback-key"
/* a session of the account (admin over R) that never expires while fuzzing */
#define FUZZ_SESSION_TOKEN "fuzz-session-token-0123456789"
#define FUZZ_CSRF_TOKEN "fuzz-csrf-token-0123456789"

/* The world, made on the first call (aborts if it cannot be made: a harness bug). */
struct fuzz_world *fuzz_world(void);

/* A request for method and path as the server hands it to the router (path already
 * percent-decoded), with the world's database and, with authed, every role of the world's
 * account; the body is copied from data[0..len). Release with fuzz_req_release. */
void fuzz_req_init(struct req *r, const char *method, const char *path, const uint8_t *data,
                   size_t len, int authed);
void fuzz_req_release(struct req *r);

/* Abort when rc is an error whose message in e has lost its subject (ends in ": "). */
void fuzz_check_error(int rc, const struct errbuf *e);

/* Headers req_header(), query parameters req_query() and cookies req_cookie() will see until
 * fuzz_headers_clear() (names and values borrowed, as libmicrohttpd hands them: decoded). */
void fuzz_header_set(const char *name, const char *value);
void fuzz_query_set(const char *name, const char *value);
void fuzz_cookie_set(const char *name, const char *value);
void fuzz_headers_clear(void);

#endif
