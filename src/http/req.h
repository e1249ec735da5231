/* What a handler sees of an HTTP request, and how it answers. Handlers never touch
 * libmicrohttpd: only http/server.c does.
 *
 * A handler is int fn(struct req *r, struct errbuf *e). It returns 0 after setting the reply
 * (req_reply_json), or a negative ERR_* with a message in e, which the server turns into the
 * error envelope {"error": {"code", "message", "details"}} with the matching status. */
#ifndef HTTP_REQ_H
#define HTTP_REQ_H

#include <jansson.h>
#include <stdbool.h>

#include "base/buf.h"
#include "base/err.h"
#include "org/scope.h"

struct db;

struct req {
    const char *method;
    const char *path;
    const char *ip;
    char params[4][64]; /* {name} segments of the route, in order */
    int nparams;
    struct buf body;
    json_t *json; /* parsed body for routes that take JSON */
    struct db *db;
    struct auth auth;
    bool authed;
    char csrf[72]; /* the session's CSRF token */
    void *conn; /* server-private */

    /* reply */
    int status;
    json_t *reply;      /* owned; serialized compactly */
    char *raw;          /* or a raw body (malloc'd), with raw_type */
    size_t raw_len;
    const char *raw_type;
    char set_cookie[256];
    char *location; /* malloc'd Location of a redirect (302), freed with the request */
    int retry_after; /* seconds, for a Retry-After header (0: none) */
    bool secure;     /* came over TLS (through the trusted proxy): cookies get Secure */
    const char *cache_control;    /* default no-store */
    const char *content_encoding; /* "gzip" for precompressed assets */
    char etag[64];                /* an ETag for the web app's unhashed files ("" for none) */
    json_t *err_details; /* optional details array for an error reply */
    json_t *err_extra;   /* optional extra top-level members for an error reply */
};

/* Query-string parameter or header (NULL when absent). */
const char *req_query(struct req *r, const char *key);
const char *req_header(struct req *r, const char *name);
const char *req_cookie(struct req *r, const char *name);
/* Parse an integer query parameter with a default and bounds; error names the parameter. */
int req_query_int(struct req *r, const char *key, long long def, long long min, long long max,
                  long long *ret, struct errbuf *e);
/* ?page= (default 1) and ?page_size= (default def_size, at most 200) of a paged list. */
int req_page(struct req *r, long long def_size, long long *ret_page, long long *ret_size,
             struct errbuf *e);
/* Path parameter i as a positive id; error otherwise. */
int req_param_id(struct req *r, int i, long long *ret, struct errbuf *e);

/* Take ownership of v as the reply with status. Returns 0. */
int req_reply_json(struct req *r, int status, json_t *v);
/* ?format=json (default) or xlsx. */
int req_format(struct req *r, bool *ret_xlsx, struct errbuf *e);
struct xlsx_col;
/* Reply with rows (an array of objects, not taken) as an .xlsx of one sheet (base/xlsxwrite.h). */
int req_reply_xlsx(struct req *r, const char *sheet, const struct xlsx_col *cols, size_t ncols,
                   const json_t *rows, struct errbuf *e);
/* Reply with out (taken) as JSON, or with xlsx its "items" as an .xlsx (req_reply_xlsx). */
int req_reply_list(struct req *r, bool xlsx, json_t *out, const char *sheet,
                   const struct xlsx_col *cols, size_t ncols, struct errbuf *e);
/* Reply with a raw body (copied). */
int req_reply_raw(struct req *r, int status, const char *type, const void *data, size_t len);
/* Add an item to the error details (takes ownership of item; NULL adds nothing). */
void req_error_detail(struct req *r, json_t *item);
/* The details item of e's reason, or NULL when e has none (http/req.c). */
json_t *req_reason_item(const struct errbuf *e);

/* Read typed members of the JSON body. `required` makes absence an error; messages name the
 * field. Strings are borrowed from r->json. */
int req_str(struct req *r, const char *key, bool required, size_t max_chars, const char **ret,
            struct errbuf *e);
int req_int(struct req *r, const char *key, bool required, long long *ret, struct errbuf *e);
bool req_has(struct req *r, const char *key);

#endif
