#include "base/secret.h"

#include <sodium.h>
#include <string.h>

#include "base/err.h"
#include "base/banned.h"

/* argon2id cost: OWASP's minimum (19 MiB, 2 passes) keeps a login near 50 ms and bounds the
 * memory that concurrent logins take inside a 64 MB server. */
#define PW_OPS 2
#define PW_MEM (19u * 1024 * 1024)

int secret_init(void)
{
    return sodium_init() < 0 ? -ERR_INTERNAL : 0;
}

void secret_token(char *out, size_t n)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, n, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void secret_hash_hex(const char *s, char out[SECRET_HEX_LEN])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)s, strlen(s), NULL, 0);
    sodium_bin2hex(out, SECRET_HEX_LEN, h, sizeof(h));
}

bool secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return sodium_memcmp(a, b, la) == 0;
}

int secret_password_hash(const char *password, char out[SECRET_PWHASH_LEN])
{
    if (crypto_pwhash_str(out, password, strlen(password), PW_OPS, PW_MEM) != 0)
        return -ERR_NOMEM;
    return 0;
}

bool secret_password_check(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}
