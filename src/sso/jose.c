#include "sso/jose.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <string.h>

#include "base/banned.h"

#define JWT_MAX 16384 /* an ID token larger than this is not one we take */

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/* Base64url as JOSE writes it: no padding, no line breaks; a trailing '=' is tolerated for
 * keys that some providers pad. */
int jose_b64url_decode(const char *s, size_t n, struct buf *out)
{
    unsigned acc = 0;
    int bits = 0;
    while (n && s[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_value((unsigned char)s[i]);
        if (v < 0)
            return -ERR_INVALID;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (buf_addch(out, (char)((acc >> bits) & 0xff)) < 0)
                return -ERR_TOOBIG;
        }
    }
    return 0;
}

static json_t *decode_json(const char *s, size_t n)
{
    struct buf raw;
    json_t *j = NULL;
    buf_init(&raw, JWT_MAX);
    if (jose_b64url_decode(s, n, &raw) == 0)
        j = json_loadb(buf_str(&raw), raw.len, JSON_REJECT_DUPLICATES, NULL);
    buf_release(&raw);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

void jwt_release(struct jwt *t)
{
    if (!t)
        return;
    json_decref(t->header);
    json_decref(t->claims);
    buf_release(&t->input);
    buf_release(&t->sig);
    memset(t, 0, sizeof(*t));
}

int jwt_parse(const char *token, struct jwt *ret, struct errbuf *e)
{
    const char *d1, *d2;
    size_t len = strlen(token);
    memset(ret, 0, sizeof(*ret));
    buf_init(&ret->input, JWT_MAX);
    buf_init(&ret->sig, 1024);
    d1 = strchr(token, '.');
    d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (len > JWT_MAX || !d2 || strchr(d2 + 1, '.'))
        return errbuf_field(e, -ERR_UNAUTH, R_INVALID_FORMAT, "id_token", NULL,
                            "the ID token is not a compact JWS");
    if (!(ret->header = decode_json(token, (size_t)(d1 - token))) ||
        !(ret->claims = decode_json(d1 + 1, (size_t)(d2 - d1 - 1))) ||
        jose_b64url_decode(d2 + 1, strlen(d2 + 1), &ret->sig) < 0 ||
        buf_add(&ret->input, token, (size_t)(d2 - token)) < 0)
        return errbuf_field(e, -ERR_UNAUTH, R_INVALID_FORMAT, "id_token", NULL,
                            "the ID token cannot be decoded");
    ret->alg = json_string_value(json_object_get(ret->header, "alg"));
    ret->kid = json_string_value(json_object_get(ret->header, "kid"));
    if (!ret->kid)
        ret->kid = "";
    /* the allow-list: an attacker picks the header, so "none" and HS256 (signed with the
     * client secret, or with a public key taken for one) must never get through */
    if (!ret->alg || (strcmp(ret->alg, "RS256") != 0 && strcmp(ret->alg, "ES256") != 0))
        return errbuf_field(e, -ERR_UNAUTH, R_INVALID_CHOICE, "alg", ret->alg ? ret->alg : "",
                            "the ID token's alg '%s' is not allowed:"
                            " RS256 or ES256 only",
                            ret->alg ? ret->alg : "");
    return 0;
}

/* A big-endian unsigned member of a JWK into bn (new) ; NULL when absent or bad. */
static int jwk_bytes(const json_t *jwk, const char *name, struct buf *out)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    return s && *s ? jose_b64url_decode(s, strlen(s), out) : -ERR_INVALID;
}

/* The public key of an RSA or EC P-256 JWK (OpenSSL 3 provider API), or NULL. */
static EVP_PKEY *jwk_key(const json_t *jwk, int ec)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    BIGNUM *n = NULL, *x = NULL;
    struct buf a, b;
    buf_init(&a, 1024);
    buf_init(&b, 1024);
    if (!bld || !kty)
        goto out;
    if (!ec && strcmp(kty, "RSA") == 0) {
        if (jwk_bytes(jwk, "n", &a) < 0 || jwk_bytes(jwk, "e", &b) < 0 || a.len < 256)
            goto out; /* RSA under 2048 bits is refused */
        n = BN_bin2bn((const unsigned char *)a.data, (int)a.len, NULL);
        x = BN_bin2bn((const unsigned char *)b.data, (int)b.len, NULL);
        if (!n || !x || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, x))
            goto out;
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    } else if (ec && strcmp(kty, "EC") == 0 && crv && strcmp(crv, "P-256") == 0) {
        /* the uncompressed point 04 || x || y */
        if (buf_addch(&a, 4) < 0 || jwk_bytes(jwk, "x", &a) < 0 || a.len != 33 ||
            jwk_bytes(jwk, "y", &a) < 0 || a.len != 65 ||
            !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
            !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, a.data, a.len))
            goto out;
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    }
    if (!ctx || !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        key = NULL;
out:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(n);
    BN_free(x);
    buf_release(&a);
    buf_release(&b);
    return key;
}

/* JOSE writes an ES256 signature as r || s, 32 bytes each; OpenSSL wants DER. */
static int es256_der(const struct buf *sig, unsigned char **ret, size_t *ret_len)
{
    ECDSA_SIG *s;
    BIGNUM *r, *v;
    int len;
    if (sig->len != 64 || !(s = ECDSA_SIG_new()))
        return -1;
    r = BN_bin2bn((const unsigned char *)sig->data, 32, NULL);
    v = BN_bin2bn((const unsigned char *)sig->data + 32, 32, NULL);
    if (!r || !v || !ECDSA_SIG_set0(s, r, v)) {
        BN_free(r);
        BN_free(v);
        ECDSA_SIG_free(s);
        return -1;
    }
    *ret = NULL;
    len = i2d_ECDSA_SIG(s, ret);
    ECDSA_SIG_free(s);
    if (len <= 0)
        return -1;
    *ret_len = (size_t)len;
    return 0;
}

int jwt_verify(const struct jwt *t, const json_t *jwk, struct errbuf *e)
{
    int ec = strcmp(t->alg, "ES256") == 0, ok = 0;
    const char *use = json_string_value(json_object_get(jwk, "use"));
    EVP_PKEY *key;
    EVP_MD_CTX *md = NULL;
    unsigned char *der = NULL;
    const unsigned char *sig = (const unsigned char *)t->sig.data;
    size_t sig_len = t->sig.len;
    if (use && strcmp(use, "sig") != 0)
        return errbuf_field(e, -ERR_UNAUTH, R_MISMATCH, "kid", t->kid,
                            "key '%s' is not a signing key", t->kid);
    if (!(key = jwk_key(jwk, ec)))
        return errbuf_field(e, -ERR_UNAUTH, R_MISMATCH, "kid", t->kid,
                            "key '%s' does not fit alg %s", t->kid, t->alg);
    if (ec && es256_der(&t->sig, &der, &sig_len) < 0)
        goto out;
    if (ec)
        sig = der;
    if ((md = EVP_MD_CTX_new()) && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1)
        ok = EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)t->input.data,
                              t->input.len) == 1;
out:
    OPENSSL_free(der);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    if (!ok)
        return errbuf_field(e, -ERR_UNAUTH, R_MISMATCH, "signature", NULL,
                            "the ID token's signature does not verify with key '%s'", t->kid);
    return 0;
}
