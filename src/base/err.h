/* Error values shared by every module: functions return 0 or -ERR_*, and put the
 * human-readable message (what and where) into a caller-supplied struct errbuf.
 *
 * An error a user can cause (bad input, scope, state, a domain rule) also carries a reason:
 * a stable snake_case code from enum reason and its parameters (the field or column, the
 * value sent, a limit, the row), set with errbuf_field(). The HTTP server sends them as the
 * error's details item, and the web app words each reason in Chinese (web/src/lib/reasons.js),
 * so the English message stays for logs and API users. */
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
    ERR_UNAVAILABLE,   /* 503: the database is unreachable (lost, failing over); try again */
    ERR__COUNT
};

/* Why the user's request was refused, one code per kind of problem (the parameters say
 * where and what). The names (reason_name) are part of the API: docs/openapi.json lists them
 * in ErrorDetail.code, and tests/api/reasons.test.mjs holds the list, the document and the
 * web app's Chinese texts together. Add new ones at the end. */
enum reason {
    R_NONE = 0,
    R_REQUIRED,         /* absent or empty */
    R_NOT_STRING,       /* JSON types */
    R_NOT_INTEGER,
    R_NOT_NUMBER,
    R_NOT_BOOLEAN,
    R_NOT_OBJECT,
    R_NOT_ARRAY,
    R_TOO_LONG,         /* limit: the most characters */
    R_TOO_SHORT,        /* limit: the fewest characters */
    R_TOO_MANY,         /* limit: the most items */
    R_OUT_OF_RANGE,     /* min and/or max */
    R_INVALID_FORMAT,   /* not of the required form (codes, logins, URLs) */
    R_INVALID_CHOICE,   /* not one of the allowed values */
    R_INVALID_DATE,
    R_INVALID_MONTH,
    R_INVALID_PERIOD,
    R_INVALID_ID_CARD,
    R_INVALID_PHONE,
    R_INVALID_AMOUNT,
    R_IN_FUTURE,        /* a date, month or period that has not come yet */
    R_NOT_OVER,         /* a month or period that is not over yet */
    R_MISMATCH,         /* disagrees with another field or with what is stored */
    R_INVALID_JSON,     /* the body is not JSON (or not UTF-8, or empty) */
    R_INVALID_CSV,      /* the file is not a readable CSV table */
    R_INVALID_XLSX,     /* the file is not a readable .xlsx workbook, or passes a limit */
    R_MERGED_CELLS,     /* an .xlsx header row with merged cells (column: the range) */
    R_UNKNOWN_COLUMN,
    R_MISSING_COLUMN,
    R_DUPLICATE_COLUMN,
    R_UNKNOWN_FIELD,    /* a body member the endpoint does not take */
    R_UNKNOWN_ORG,
    R_UNKNOWN_MEMBER,
    R_UNKNOWN_INDICATOR,
    R_NOT_FOUND,        /* anything else that does not exist: the field says what */
    R_OUTSIDE_SCOPE,    /* outside the subtree of the caller's roles */
    R_NOT_ALLOWED,      /* the caller's role or person may not do this */
    R_DUPLICATE,        /* exists already, or twice in one request or file */
    R_WRONG_STATE,      /* state: what the thing is now */
    R_WRONG_ORG_KIND,   /* value: the organization's kind */
    R_MEMBER_NEEDS_BRANCH,
    R_PLAN_NEEDS_COMMITTEE,
    R_BULLETIN_NEEDS_COMMITTEE,
    R_TREE_CYCLE,       /* an organization under itself */
    R_INSUFFICIENT_FUNDS, /* limit: what there is */
    R_NOT_SCORED,       /* the month has no scores (yet) */
    R_NODE_UNAVAILABLE, /* 503: a node holding the data (a Citus worker) cannot be reached */
    R_OTHER_TENANT,     /* would take rows into another tenant (provincial company) */
    R__COUNT
};

/* what was sent, kept in a details item: 60 characters of UTF-8 at most */
#define ERR_VALUE_CHARS 60

enum {
    ERRF_ROW = 1,     /* row: a CSV row (its line in the file) */
    ERRF_INDEX = 2,   /* index: an item of an array in the body */
    ERRF_LIMIT = 4,
    ERRF_MIN = 8,
    ERRF_MAX = 16,
    ERRF_COLUMN = 32, /* field is a CSV column */
};

struct errbuf {
    int code;      /* negative ERR_* or 0 */
    char msg[512]; /* lower-case, no final period, quotes the subject */
    /* the reason and its parameters (R_NONE for internal errors) */
    enum reason why;
    unsigned has; /* ERRF_* */
    char field[64];
    char value[ERR_VALUE_CHARS * 4 + 1];
    const char *state; /* static text */
    long long row, index, limit, min, max;
};

#define ERRBUF_INIT {0, {0}, R_NONE, 0, {0}, {0}, NULL, 0, 0, 0, 0, 0}

/* Fill e (may be NULL) and return code, which must be negative. The reason is cleared. */
int errbuf_set(struct errbuf *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int errbuf_vset(struct errbuf *e, int code, const char *fmt, va_list ap);
/* Prefix the message already in e with "PREFIX: " (for row numbers added by callers). */
void errbuf_prefix(struct errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void errbuf_clear(struct errbuf *e);

/* errbuf_set with the reason: field (or NULL) is what it concerns, value (or NULL) what was
 * sent, cut to ERR_VALUE_CHARS characters. Returns code. */
int errbuf_field(struct errbuf *e, int code, enum reason why, const char *field, const char *value,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same with a number as the value sent (an id, a month, an amount). */
int errbuf_field_int(struct errbuf *e, int code, enum reason why, const char *field,
                     long long value, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Give the error already in e (its code and message kept) a reason; returns e's code. */
int errbuf_why(struct errbuf *e, enum reason why, const char *field, const char *value);
/* Parameters of the reason set last; each returns e's code (0 when e is NULL). */
int errbuf_value_int(struct errbuf *e, long long value);
int errbuf_limit(struct errbuf *e, long long limit);
int errbuf_range(struct errbuf *e, long long min, long long max);
int errbuf_min(struct errbuf *e, long long min);
int errbuf_max(struct errbuf *e, long long max);
int errbuf_row(struct errbuf *e, long long row);
int errbuf_index(struct errbuf *e, long long index);
int errbuf_state(struct errbuf *e, const char *state);
/* field names a CSV column: the details item says "column" */
int errbuf_column(struct errbuf *e, const char *column);
/* Copy the reason and its parameters of src into e (for errors wrapped by a caller). */
void errbuf_take_reason(struct errbuf *e, const struct errbuf *src);
/* The reason's stable name ("required", "invalid_date", ...); NULL for R_NONE. */
const char *reason_name(enum reason why);

/* Short machine name ("invalid", "not_found", ...) and HTTP status for an error code
 * given as negative or positive value. */
const char *err_name(int code);
int err_http_status(int code);

#endif
