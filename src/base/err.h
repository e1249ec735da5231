/* Error values shared by every module: functions return 0 or -ERR_*, and put the
 * human-readable message (what and where) into a caller-supplied struct errbuf. */
#ifndef BASE_ERR_H
#define BASE_ERR_H

#include <stdarg.h>

enum err {
    ERR_OK = 0,
    ERR_INVALID,   /* bad input: 400 */
    ERR_UNAUTH,    /* not logged in: 401 */
    ERR_FORBIDDEN, /* logged in but not allowed: 403 */
    ERR_NOTFOUND,  /* 404 */
    ERR_METHOD,    /* 405 */
    ERR_CONFLICT,  /* 409: duplicate, wrong state */
    ERR_TOOBIG,    /* 413 */
    ERR_MEDIA,     /* 415: wrong content type */
    ERR_RATE,      /* 429: slow down */
    ERR_IO,        /* 500: file or network */
    ERR_DB,        /* 500: database failure */
    ERR_NOMEM,     /* 500 */
    ERR_INTERNAL,  /* 500 */
    ERR_SCHEMA,    /* database newer than binary, or broken schema */
    ERR_UNKNOWN_FIELD, /* 400: a body member the endpoint does not take (http/bodycheck.c) */
    ERR_BUSY,          /* 503: too much queued work; try again shortly */
    ERR__COUNT
};

struct errbuf {
    int code;      /* negative ERR_* or 0 */
    char msg[512]; /* lower-case, no final period, quotes the subject */
};

#define ERRBUF_INIT {0, {0}}

/* Fill e (may be NULL) and return code, which must be negative. */
int errbuf_set(struct errbuf *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int errbuf_vset(struct errbuf *e, int code, const char *fmt, va_list ap);
/* Prefix the message already in e with "PREFIX: " (for row numbers added by callers). */
void errbuf_prefix(struct errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void errbuf_clear(struct errbuf *e);

/* Short machine name ("invalid", "not_found", ...) and HTTP status for an error code
 * given as negative or positive value. */
const char *err_name(int code);
int err_http_status(int code);

#endif
