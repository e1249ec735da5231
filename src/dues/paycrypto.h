/* The cryptography the payment providers' wire formats need (WeChat Pay API v3 and Alipay
 * both): RSA signatures SHA256withRSA (PKCS#1 v1.5) in base64, keys in PEM, and the
 * AEAD_AES_256_GCM of WeChat Pay's notification resources. OpenSSL EVP underneath; no
 * state, callable from any thread. */
#ifndef DUES_PAYCRYPTO_H
#define DUES_PAYCRYPTO_H

#include <openssl/evp.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* Base64 with the standard alphabet and padding (RFC 4648 section 4). */
int paycrypto_b64_encode(const void *p, size_t n, struct buf *out);
/* -ERR_INVALID on anything but canonical base64 (whitespace is not skipped). */
int paycrypto_b64_decode(const char *s, size_t n, struct buf *out);

/* A private key from PEM (PKCS#8 or PKCS#1). *ret is the caller's (EVP_PKEY_free). */
int paycrypto_private_key(const char *pem, size_t n, EVP_PKEY **ret, struct errbuf *e);
/* A public key from PEM: an X.509 certificate's key or a bare public key. */
int paycrypto_public_key(const char *pem, size_t n, EVP_PKEY **ret, struct errbuf *e);

/* SHA256withRSA of msg with key, appended to out in base64. */
int paycrypto_sign(EVP_PKEY *key, const void *msg, size_t n, struct buf *out, struct errbuf *e);
/* Check the base64 signature b64 of msg: 0, or -ERR_UNAUTH. */
int paycrypto_verify(EVP_PKEY *key, const void *msg, size_t n, const char *b64, struct errbuf *e);

/* AEAD_AES_256_GCM: open b64 (ciphertext with its 16-byte tag appended, base64) with key,
 * nonce and associated data aad, appending the plain text to out: 0, or -ERR_UNAUTH when it
 * does not authenticate. */
int paycrypto_gcm_open(const unsigned char key[32], const char *nonce, const char *aad,
                       const char *b64, struct buf *out, struct errbuf *e);

#endif
