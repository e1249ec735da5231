/* RSA-SHA256 and AES-256-GCM for the payment providers (paycrypto.h). */
#define _GNU_SOURCE /* memmem */
#include "dues/paycrypto.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

#define GCM_TAG 16

int paycrypto_b64_encode(const void *p, size_t n, struct buf *out)
{
    size_t len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(len);
    int rc;
    if (!s)
        return -ERR_NOMEM;
    sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_ORIGINAL);
    rc = buf_addstr(out, s);
    free(s);
    return rc;
}

int paycrypto_b64_decode(const char *s, size_t n, struct buf *out)
{
    size_t cap = n / 4 * 3 + 3, len = 0;
    const char *end = NULL;
    unsigned char *p = malloc(cap);
    int rc = -ERR_INVALID;
    if (!p)
        return -ERR_NOMEM;
    if (sodium_base642bin(p, cap, s, n, NULL, &len, &end, sodium_base64_VARIANT_ORIGINAL) == 0 &&
        end == s + n)
        rc = buf_add(out, p, len);
    free(p);
    return rc;
}

/* Both providers sign with RSA only: k as *ret, or freed and refused. */
static int rsa_only(EVP_PKEY *k, const char *what, EVP_PKEY **ret, struct errbuf *e)
{
    if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA) {
        EVP_PKEY_free(k);
        return errbuf_set(e, -ERR_INVALID, "the %s key is not an RSA key", what);
    }
    *ret = k;
    return 0;
}

int paycrypto_private_key(const char *pem, size_t n, EVP_PKEY **ret, struct errbuf *e)
{
    BIO *b = BIO_new_mem_buf(pem, (int)n);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!k)
        return errbuf_set(e, -ERR_INVALID, "not a PEM private key");
    return rsa_only(k, "private", ret, e);
}

int paycrypto_public_key(const char *pem, size_t n, EVP_PKEY **ret, struct errbuf *e)
{
    BIO *b = BIO_new_mem_buf(pem, (int)n);
    EVP_PKEY *k = NULL;
    if (b && memmem(pem, n, "CERTIFICATE-----", 16)) {
        X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        if (x)
            k = X509_get_pubkey(x);
        X509_free(x);
    } else if (b)
        k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!k)
        return errbuf_set(e, -ERR_INVALID, "not a PEM certificate or public key");
    return rsa_only(k, "public", ret, e);
}

int paycrypto_sign(EVP_PKEY *key, const void *msg, size_t n, struct buf *out, struct errbuf *e)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t len = 0;
    int rc = errbuf_set(e, -ERR_INTERNAL, "cannot sign with the RSA key");
    if (c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, key) == 1 &&
        EVP_DigestSign(c, NULL, &len, msg, n) == 1 && (sig = malloc(len)) &&
        EVP_DigestSign(c, sig, &len, msg, n) == 1) {
        errbuf_clear(e);
        rc = paycrypto_b64_encode(sig, len, out);
        if (rc < 0)
            errbuf_set(e, rc, "out of memory");
    }
    free(sig);
    EVP_MD_CTX_free(c);
    return rc;
}

int paycrypto_verify(EVP_PKEY *key, const void *msg, size_t n, const char *b64, struct errbuf *e)
{
    struct buf sig = BUF_INIT;
    EVP_MD_CTX *c = NULL;
    int rc;
    sig.max = 4096;
    if (!b64 || paycrypto_b64_decode(b64, strlen(b64), &sig) < 0 || sig.len == 0) {
        rc = errbuf_set(e, -ERR_UNAUTH, "the signature is missing or not base64");
        goto out;
    }
    rc = errbuf_set(e, -ERR_UNAUTH, "bad signature");
    if ((c = EVP_MD_CTX_new()) && EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, key) == 1 &&
        EVP_DigestVerify(c, (const unsigned char *)sig.data, sig.len, msg, n) == 1) {
        errbuf_clear(e);
        rc = 0;
    }
out:
    EVP_MD_CTX_free(c);
    buf_release(&sig);
    return rc;
}

int paycrypto_gcm_open(const unsigned char key[32], const char *nonce, const char *aad,
                       const char *b64, struct buf *out, struct errbuf *e)
{
    struct buf ct = BUF_INIT;
    EVP_CIPHER_CTX *c = NULL;
    unsigned char *plain = NULL;
    int len = 0, fin = 0, rc;
    size_t nlen = nonce ? strlen(nonce) : 0;
    ct.max = 1 << 20;
    if (!b64 || paycrypto_b64_decode(b64, strlen(b64), &ct) < 0 || ct.len < GCM_TAG) {
        rc = errbuf_set(e, -ERR_INVALID, "the ciphertext is missing or not base64");
        goto out;
    }
    if (nlen == 0 || nlen > 64) {
        rc = errbuf_set(e, -ERR_INVALID, "the nonce is missing or too long");
        goto out;
    }
    rc = errbuf_set(e, -ERR_UNAUTH, "the ciphertext does not authenticate with the API v3 key");
    if (!(plain = malloc(ct.len)) || !(c = EVP_CIPHER_CTX_new()) ||
        EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)nlen, NULL) != 1 ||
        EVP_DecryptInit_ex(c, NULL, NULL, key, (const unsigned char *)nonce) != 1 ||
        (aad && *aad &&
         EVP_DecryptUpdate(c, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) != 1) ||
        EVP_DecryptUpdate(c, plain, &len, (const unsigned char *)ct.data,
                          (int)(ct.len - GCM_TAG)) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG, ct.data + ct.len - GCM_TAG) != 1 ||
        EVP_DecryptFinal_ex(c, plain + len, &fin) != 1)
        goto out;
    errbuf_clear(e);
    if ((rc = buf_add(out, plain, (size_t)(len + fin))) < 0)
        errbuf_set(e, rc, "out of memory");
out:
    if (plain)
        sodium_memzero(plain, ct.len);
    free(plain);
    EVP_CIPHER_CTX_free(c);
    buf_release(&ct);
    return rc;
}
