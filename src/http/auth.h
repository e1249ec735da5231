/* Authentication at the router's door: sessions (cookie + CSRF, or bearer), API keys for
 * business systems, role checks; and the login, logout and /me endpoints. */
#ifndef HTTP_AUTH_H
#define HTTP_AUTH_H

#include "http/router.h"

#define SESSION_COOKIE "dj_session"
#define SESSION_TTL (12 * 3600)

/* Run the route's checks before its handler: credentials, roles, CSRF, body type and JSON. */
int auth_prepare(struct req *r, const struct route *rt, struct errbuf *e);

/* A sign-in attempt recorded in logins, by method ("password", "oidc"). */
void auth_record_login(struct req *r, const char *login, const char *subject,
                       long long account_id, int ok, const char *reason, const char *method);
/* Open a session after a successful sign-in: its row, the login recorded, the cookie. */
int auth_open_session(struct req *r, long long id, const char *login, const char *subject,
                      const char *method, char token[48], char csrf[48], struct errbuf *e);

int api_login(struct req *r, struct errbuf *e);
int api_logout(struct req *r, struct errbuf *e);
int api_me(struct req *r, struct errbuf *e);

#endif
