/* HTTP to an identity provider with libcurl: a JSON reply of bounded size. */
#ifndef SSO_FETCH_H
#define SSO_FETCH_H

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"

/* GET url (form == NULL) or POST the urlencoded form, with HTTP Basic user:pass when user is
 * not NULL. *ret is the reply's JSON object (new reference) and *ret_status its HTTP status,
 * also for a 4xx whose body is JSON; -ERR_IO when the provider cannot be reached or answers
 * no JSON object. */
int sso_fetch_json(const char *url, const char *form, const char *user, const char *pass,
                   json_t **ret, long *ret_status, struct errbuf *e);
/* Percent-encode s for a query or form value into out (RFC 3986 unreserved kept). */
int sso_urlencode(struct buf *out, const char *s);

#endif
