/* The HTTP JSON connector of feeds: rows GET from a URL in pages, by page number or by
 * cursor, with a bearer token or an HMAC-SHA256 signature. The feed's watermark is the
 * request of the next page (the cursor or the page number). */
#ifndef INGEST_FEED_HTTP_H
#define INGEST_FEED_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct feed_http;

/* Parse and check an HTTP feed's settings (a JSON object, NULL: all defaults); field errors
 * name "http.MEMBER". */
int feed_http_parse(const json_t *spec, struct feed_http **ret, struct errbuf *e);
void feed_http_free(struct feed_http *h);
/* The settings as stored and shown, with their defaults; new reference. */
json_t *feed_http_json(const struct feed_http *h);
/* Whether the settings call for a credential (auth "bearer" or "hmac"). */
bool feed_http_needs_credential(const struct feed_http *h);
/* Whether url is one we fetch: http:// or https://, no user or password in it. */
int feed_http_check_url(const char *url, struct errbuf *e);

/* One page after mark ("": the first page): *ret_rows a new array of JSON objects (a row
 * that is not an object is wrapped as {"_row": value}, for the quarantine); next (n bytes)
 * the mark of the page after it and *more whether the server says there is one. When there
 * is none, next is mark: the last page is read again by the next pull (its rows then count as
 * duplicates), so rows appended to it later are not missed. */
int feed_http_page(const struct feed_http *h, const char *url, const char *credential,
                   const char *mark, long page_size, json_t **ret_rows, char *next, size_t n,
                   bool *more, struct errbuf *e);

#endif
