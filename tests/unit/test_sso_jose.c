/* Tests for src/sso/jose.c: base64url, the compact JWS split and its alg allow-list, and
 * signatures checked against JSON Web Keys. The keys are made here with OpenSSL, the tokens
 * signed here: an ES256 signature goes out as r || s, as JOSE writes it. */
#include "unit.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "base/buf.h"
#include "sso/jose.h"

static void b64url(const unsigned char *p, size_t n, struct buf *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        buf_addch(out, a[v >> 18 & 63]);
        buf_addch(out, a[v >> 12 & 63]);
        if (i + 1 < n)
            buf_addch(out, a[v >> 6 & 63]);
        if (i + 2 < n)
            buf_addch(out, a[v & 63]);
    }
}

static void b64url_str(const char *s, struct buf *out)
{
    b64url((const unsigned char *)s, strlen(s), out);
}

/* The public JWK of key (an RSA or P-256 key made by the test). */
static json_t *public_jwk(EVP_PKEY *key, const char *kid)
{
    struct buf a = BUF_INIT, b = BUF_INIT;
    json_t *jwk;
    if (EVP_PKEY_is_a(key, "EC")) {
        unsigned char pub[65];
        size_t n = 0;
        assert_true(
            EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &n));
        assert_int_equal(n, 65);
        b64url(pub + 1, 32, &a);
        b64url(pub + 33, 32, &b);
        jwk = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x", buf_str(&a),
                        "y", buf_str(&b), "kid", kid);
    } else {
        BIGNUM *n = NULL, *e = NULL;
        unsigned char bytes[512];
        int len;
        assert_true(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n));
        assert_true(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e));
        len = BN_bn2bin(n, bytes);
        b64url(bytes, (size_t)len, &a);
        len = BN_bn2bin(e, bytes);
        b64url(bytes, (size_t)len, &b);
        BN_free(n);
        BN_free(e);
        jwk = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "n", buf_str(&a), "e",
                        buf_str(&b), "kid", kid, "use", "sig");
    }
    buf_release(&a);
    buf_release(&b);
    return jwk;
}

/* header.payload.signature for the JSON texts, signed with key by alg. */
static char *sign(EVP_PKEY *key, const char *alg, const char *header, const char *payload)
{
    struct buf t = BUF_INIT;
    unsigned char sig[1024], rs[64] = {0};
    size_t n = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    b64url_str(header, &t);
    buf_addch(&t, '.');
    b64url_str(payload, &t);
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(md, sig, &n, (const unsigned char *)t.data, t.len), 1);
    EVP_MD_CTX_free(md);
    buf_addch(&t, '.');
    if (strcmp(alg, "ES256") == 0) { /* DER → r || s */
        const unsigned char *p = sig;
        ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)n);
        assert_non_null(s);
        BN_bn2binpad(ECDSA_SIG_get0_r(s), rs, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(s), rs + 32, 32);
        ECDSA_SIG_free(s);
        b64url(rs, 64, &t);
    } else {
        b64url(sig, n, &t);
    }
    return buf_detach(&t);
}

static void test_b64url_decodes_without_padding_and_refuses_standard_alphabet(void **state)
{
    struct buf out = BUF_INIT;
    (void)state;
    assert_int_equal(jose_b64url_decode("aGk", 3, &out), 0); /* "hi" */
    assert_string_equal(buf_str(&out), "hi");
    buf_reset(&out);
    assert_int_equal(jose_b64url_decode("-_8", 3, &out), 0); /* 0xfb 0xff */
    assert_int_equal(out.len, 2);
    assert_int_equal((unsigned char)out.data[0], 0xfb);
    assert_int_equal((unsigned char)out.data[1], 0xff);
    buf_reset(&out);
    assert_int_equal(jose_b64url_decode("+/8", 3, &out), -ERR_INVALID);
    buf_release(&out);
}

static void test_only_rs256_and_es256_are_taken(void **state)
{
    static const char *const refused[] = {"{\"alg\":\"none\"}", "{\"alg\":\"HS256\"}",
                                          "{\"alg\":\"RS512\"}", "{\"typ\":\"JWT\"}"};
    (void)state;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct buf t = BUF_INIT;
        struct errbuf e = ERRBUF_INIT;
        struct jwt j;
        b64url_str(refused[i], &t);
        buf_addstr(&t, ".e30.c2ln");
        assert_int_equal(jwt_parse(buf_str(&t), &j, &e), -ERR_UNAUTH);
        assert_int_equal(e.why, R_INVALID_CHOICE);
        assert_string_equal(e.field, "alg");
        jwt_release(&j);
        buf_release(&t);
    }
}

static void test_malformed_tokens_are_refused(void **state)
{
    static const char *const bad[] = {
        "",        "abc",        "a.b",        "a.b.c.d",
        "e30.e30", "!!.e30.e30", "W10.e30.e30"}; /* W10 = [] : not an object */
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct errbuf e = ERRBUF_INIT;
        struct jwt j;
        assert_int_equal(jwt_parse(bad[i], &j, &e), -ERR_UNAUTH);
        assert_string_equal(e.field, "id_token");
        jwt_release(&j);
    }
}

/* Sign with key by alg; the token verifies with its JWK, and not with other's, nor once a
 * byte of the payload changed. */
static void check_key(EVP_PKEY *key, EVP_PKEY *other, const char *alg)
{
    char header[64];
    char *token, *forged;
    json_t *jwk = public_jwk(key, "k1"), *other_jwk = public_jwk(other, "k1");
    struct errbuf e = ERRBUF_INIT;
    struct jwt j;
    snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"k1\"}", alg);
    token = sign(key, alg, header, "{\"sub\":\"EA001\"}");
    assert_int_equal(jwt_parse(token, &j, &e), 0);
    assert_string_equal(j.kid, "k1");
    assert_string_equal(json_string_value(json_object_get(j.claims, "sub")), "EA001");
    assert_int_equal(jwt_verify(&j, jwk, &e), 0);
    assert_int_equal(jwt_verify(&j, other_jwk, &e), -ERR_UNAUTH);
    assert_string_equal(e.field, "signature");
    jwt_release(&j);
    /* the same signature over another subject */
    forged = strdup(token);
    {
        struct buf p = BUF_INIT;
        char *dot1 = strchr(forged, '.'), *dot2 = strchr(dot1 + 1, '.');
        struct buf t = BUF_INIT;
        b64url_str("{\"sub\":\"EA002\"}", &p);
        buf_add(&t, forged, (size_t)(dot1 - forged + 1));
        buf_addstr(&t, buf_str(&p));
        buf_addstr(&t, dot2);
        assert_int_equal(jwt_parse(buf_str(&t), &j, &e), 0);
        assert_int_equal(jwt_verify(&j, jwk, &e), -ERR_UNAUTH);
        jwt_release(&j);
        buf_release(&p);
        buf_release(&t);
    }
    free(forged);
    free(token);
    json_decref(jwk);
    json_decref(other_jwk);
}

static void test_rs256_signatures_verify_with_their_key_only(void **state)
{
    EVP_PKEY *a = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *b = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    (void)state;
    check_key(a, b, "RS256");
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
}

static void test_es256_signatures_as_r_s_verify_with_their_key_only(void **state)
{
    EVP_PKEY *a = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    (void)state;
    check_key(a, b, "ES256");
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
}

static void test_key_of_another_kind_than_the_alg_is_refused(void **state)
{
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    json_t *ec_jwk = public_jwk(ec, "k1");
    char *token = sign(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"k1\"}", "{}");
    struct errbuf e = ERRBUF_INIT;
    struct jwt j;
    (void)state;
    assert_int_equal(jwt_parse(token, &j, &e), 0);
    assert_int_equal(jwt_verify(&j, ec_jwk, &e), -ERR_UNAUTH);
    assert_string_equal(e.field, "kid");
    jwt_release(&j);
    free(token);
    json_decref(ec_jwk);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url_decodes_without_padding_and_refuses_standard_alphabet),
        cmocka_unit_test(test_only_rs256_and_es256_are_taken),
        cmocka_unit_test(test_malformed_tokens_are_refused),
        cmocka_unit_test(test_rs256_signatures_verify_with_their_key_only),
        cmocka_unit_test(test_es256_signatures_as_r_s_verify_with_their_key_only),
        cmocka_unit_test(test_key_of_another_kind_than_the_alg_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
