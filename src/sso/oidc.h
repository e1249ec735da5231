/* OpenID Connect relying party: the settings, the provider's discovery document and key set
 * (cached, the keys fetched again on an unknown kid: rotation), and the ID token's checks. */
#ifndef SSO_OIDC_H
#define SSO_OIDC_H

#include <jansson.h>
#include <stdbool.h>

#include "base/buf.h"
#include "base/err.h"

struct db;

struct sso_settings {
    char issuer[512];
    char client_id[256];
    char redirect_uri[512];
    char claim[64];
    bool create_accounts;
    struct buf secret; /* the client secret, opened; wiped by sso_settings_release */
};

#define OIDC_SKEW 60 /* seconds of clock difference allowed on exp and iat */

/* 1 and ret filled when single sign-on is configured, 0 when not, < 0 on error. */
int sso_settings_load(struct db *db, struct sso_settings *ret, struct errbuf *e);
void sso_settings_release(struct sso_settings *s);
/* Store the settings (the secret sealed); checks the URLs and the claim name. */
int sso_settings_save(struct db *db, const struct sso_settings *s, struct errbuf *e);
/* Remove them: single sign-on is off. */
int sso_settings_clear(struct db *db, struct errbuf *e);

/* The provider's authorization and token endpoints from its discovery document (cached). */
int oidc_endpoints(const char *issuer, char *authorize, size_t na, char *token, size_t nt,
                   struct errbuf *e);
/* Verify id_token (signature, iss, aud, azp, exp, iat, nonce) against s at now; the claims
 * into *ret (new reference). Errors are -ERR_UNAUTH with the claim named. */
int oidc_verify(const struct sso_settings *s, const char *id_token, const char *nonce,
                long long now, json_t **ret, struct errbuf *e);

#endif
