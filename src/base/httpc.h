/* Outgoing HTTP through libcurl: the one client of every call the server makes to another
 * system (messenger robots, feeds, identity providers). */
#ifndef BASE_HTTPC_H
#define BASE_HTTPC_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"

struct httpc_call {
    const char *url;
    const char *body;             /* POST this body; NULL: GET */
    const char *const *headers;   /* "Name: value" lines, NULL-terminated; NULL: none */
    const char *user, *pass;      /* HTTP Basic authentication when user is not NULL */
    long connect_timeout;         /* seconds; 0: 5 */
    long timeout;                 /* seconds for the whole exchange; 0: 10 */
    struct buf *reply_headers;    /* not NULL: the reply's header lines ("Name: value\r\n")
                                     are appended here, within its maximum */
};

enum httpc_result {
    HTTPC_ANSWERED = 0,   /* *ret_status holds the server's status, *reply its body */
    HTTPC_NO_ANSWER = -1, /* nothing usable came back: err says why (host, never the query) */
    HTTPC_TOO_LARGE = -2, /* the reply is longer than reply's maximum: *reply holds its start,
                             *ret_status the server's status */
};

/* Make one exchange (http and https only). reply is initialized by the caller with its
 * maximum size; *ret_status is 0 unless the server answered. */
enum httpc_result httpc_do(const struct httpc_call *q, struct buf *reply, long *ret_status,
                           char *err, size_t errn);

/* The value of header name (case-insensitive) in header lines as reply_headers holds them,
 * the last one when there are several, into out (n bytes): 1 found, 0 not. */
int httpc_header(const struct buf *headers, const char *name, char *out, size_t n);

/* Percent-encode s for a query or form value into out (RFC 3986's unreserved kept). */
int httpc_urlencode(struct buf *out, const char *s);
/* An application/x-www-form-urlencoded body (name=value&..., '+' a space, %XX a byte) as a
 * JSON object of strings (new reference): -ERR_INVALID on a bad escape, a repeated name or
 * text that is not UTF-8. */
int httpc_form_decode(const char *s, size_t n, json_t **ret);

#endif
