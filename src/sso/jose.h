/* Signed JSON Web Tokens (RFC 7515/7519) as OpenID Connect ID tokens use them: compact form,
 * RS256 or ES256 only (never "none" or an HMAC, whose key a client would share), keys given
 * as JSON Web Keys (RFC 7517). Signatures are checked with OpenSSL. */
#ifndef SSO_JOSE_H
#define SSO_JOSE_H

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"

struct jwt {
    json_t *header;        /* the JOSE header (owned) */
    json_t *claims;        /* the payload (owned) */
    const char *alg, *kid; /* in header; kid "" when absent */
    struct buf input;      /* the signing input: header.payload as sent */
    struct buf sig;        /* the decoded signature */
};

/* Decode base64url without padding into out; -ERR_INVALID on a bad character. */
int jose_b64url_decode(const char *s, size_t n, struct buf *out);
/* Split and decode a compact JWS, refusing any alg but RS256 and ES256. ret is the
 * caller's, released with jwt_release() also after an error. */
int jwt_parse(const char *token, struct jwt *ret, struct errbuf *e);
void jwt_release(struct jwt *t);
/* Check t's signature with the JSON Web Key jwk (its kty must fit the alg). */
int jwt_verify(const struct jwt *t, const json_t *jwk, struct errbuf *e);

#endif
