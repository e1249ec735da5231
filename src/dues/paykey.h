/* The payment providers' key files: a merchant's private key and API v3 key are secrets,
 * kept in files of mode 0600 (any other mode is refused) outside the database, never logged.
 * Each is read again when its file changes (mtime, size or inode), so a rotated key takes
 * effect without a restart. Thread-safe: one named mutex guards the parsed keys. */
#ifndef DUES_PAYKEY_H
#define DUES_PAYKEY_H

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/err.h"

/* The RSA private key in path (mode 0600). *ret holds a reference: EVP_PKEY_free it. */
int paykey_private(const char *path, EVP_PKEY **ret, struct errbuf *e);
/* The provider's certificate or public key in path (public: any mode). */
int paykey_public(const char *path, EVP_PKEY **ret, struct errbuf *e);
/* The 32-byte symmetric key in path (mode 0600; a final newline is ignored). */
int paykey_secret32(const char *path, unsigned char ret[32], struct errbuf *e);
/* Refuse path unless it is a regular file of mode 0600 or stricter (owner only). */
int paykey_check_mode(const char *path, struct errbuf *e);

#endif
