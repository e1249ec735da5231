/* Single sign-on endpoints: what the login page offers, and the OpenID Connect flow. */
#ifndef SSO_API_H
#define SSO_API_H

#include "http/req.h"

int api_sso_config(struct req *r, struct errbuf *e);
int api_oidc_start(struct req *r, struct errbuf *e);
int api_oidc_callback(struct req *r, struct errbuf *e);

#endif
