/* Authentication at the router's door: sessions (cookie + CSRF, or bearer), API keys for
 * business systems, role checks; and the login, logout and /me endpoints. */
#ifndef HTTP_AUTH_H
#define HTTP_AUTH_H

#include "http/router.h"

#define SESSION_COOKIE "dj_session"
#define SESSION_TTL (12 * 3600)
/* A session token: its tenant, a dot and 43 random characters ("3.Qx..."). The tenant lets
 * the session be found on the tenant's own shard (Citus) without asking every worker; it is
 * covered by the token's hash, so a token with another tenant put in front is no session. */
#define AUTH_TOKEN_MAX 72
#define AUTH_CSRF_MAX 48

/* Run the route's checks before its handler: credentials, roles, CSRF, body type and JSON. */
int auth_prepare(struct req *r, const struct route *rt, struct errbuf *e);

/* A sign-in attempt recorded in logins, by method ("password", "oidc"). */
void auth_record_login(struct req *r, const char *login, const char *subject,
                       long long account_id, int ok, const char *reason, const char *method);
/* Open a session after a successful sign-in: its row, the login recorded, the cookie. */
int auth_open_session(struct req *r, long long id, const char *login, const char *subject,
                      const char *method, char token[AUTH_TOKEN_MAX], char csrf[AUTH_CSRF_MAX],
                      struct errbuf *e);

int api_login(struct req *r, struct errbuf *e);
int api_logout(struct req *r, struct errbuf *e);
int api_me(struct req *r, struct errbuf *e);

#endif
