/* Shared by the ways of single sign-on (OpenID Connect, 企业微信): the sign-in's state and
 * signing in the member an identity provider vouched for. */
#ifndef SSO_SIGNIN_H
#define SSO_SIGNIN_H

#include <stdbool.h>

#include "http/req.h"

#define SSO_STATE_TTL 600 /* a sign-in must come back within ten minutes */

/* A new state for a sign-in (state: 48 bytes), kept with nonce and verifier. */
int sso_state_new(struct req *r, const char *nonce, const char *verifier, char state[48],
                  struct errbuf *e);
/* Send the browser to base with the query pairs {name, value, ..., NULL} (values
 * percent-encoded): a 302 with Location. */
int sso_redirect(struct req *r, const char *base, const char *const *pairs, struct errbuf *e);
/* A callback's last step: an error rc answers a browser (Accept: text/html) with a 302 to
 * /login?sso_error=REASON, so the login page says it; other clients get the error. */
int sso_callback_end(struct req *r, int rc, struct errbuf *e);
/* A callback's first steps: its state taken once (nonce and verifier; -ERR_UNAUTH when
 * unknown, used or too old), the provider's refusal, the code (*ret_code, required). */
int sso_callback_begin(struct req *r, char nonce[64], char verifier[64], const char **ret_code,
                       struct errbuf *e);
/* Sign in the member with employee number emp_no (field names where it came from in errors),
 * by method ("oidc", "wecom"): their account, made when create allows and they have none;
 * refused when disabled or locked. Sets the session cookie and a 302 to the web app. */
int sso_sign_in(struct req *r, const char *emp_no, const char *field, bool create,
                const char *method, struct errbuf *e);

#endif
