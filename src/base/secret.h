/* Secrets with libsodium: random tokens, their stored hashes, password hashing. */
#ifndef BASE_SECRET_H
#define BASE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_HEX_LEN 65     /* 32 bytes in hex + NUL */
#define SECRET_PWHASH_LEN 128 /* crypto_pwhash_STRBYTES */

/* Call once before threads start; returns 0 or -ERR_INTERNAL. */
int secret_init(void);
/* A random URL-safe token of 32 bytes (43 characters + NUL: out must hold 48). */
void secret_token(char *out, size_t n);
/* Hex BLAKE2b-256 of s: what we store for tokens and API keys. */
void secret_hash_hex(const char *s, char out[SECRET_HEX_LEN]);
/* Constant-time string comparison. */
bool secret_equal(const char *a, const char *b);
/* argon2id password hash (19 MiB, 2 passes), and its check. */
int secret_password_hash(const char *password, char out[SECRET_PWHASH_LEN]);
bool secret_password_check(const char *hash, const char *password);

#endif
