/* Personal information sealed at rest: ID card and mobile numbers are stored encrypted
 * (XChaCha20-Poly1305 from libsodium), with a keyed hash beside them for exact lookup.
 *
 * The keys live in a key ring outside the database: a file of mode 0600 (one line per key,
 * `key ID BASE64`, the last one seals, all of them open) or the environment. Resolution:
 *   DANGJIAN_PII_KEY   the ring itself, "ID:BASE64[,ID:BASE64...]" (containers; no rotation
 *                      without a restart)
 *   DANGJIAN_KEY_FILE  the ring's file
 *   otherwise          beside a SQLite database (PATH.keys); for PostgreSQL one file per
 *                      server and database under ~/.config/dangjian/keys/; ":memory:" gets a
 *                      key that lives as long as the process.
 * A running server notices a changed file (a rotation) within a second. */
#ifndef BASE_PII_H
#define BASE_PII_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define PII_SEALED_MAX 192 /* a sealed value of up to 64 bytes of text, with its NUL */
#define PII_HASH_LEN 48    /* "ID." + 32 hex digits + NUL */
#define PII_KEY_ID_LEN 9   /* 8 hex digits + NUL */
#define PII_MAX_KEYS 16

/* Where the ring is for the database at `db_url` (see above); 0 or -ERR_*. */
int pii_configure(const char *db_url, struct errbuf *e);
/* Load the ring, creating the file with one new key when `create` and it does not exist. */
int pii_load(bool create, struct errbuf *e);
/* The ring's file, or "" when the ring comes from the environment or memory. */
const char *pii_key_file(void);

/* Seal `plain` (not normalized here) for `column`: "" stays "". */
int pii_seal(const char *column, const char *plain, char out[PII_SEALED_MAX], struct errbuf *e);
/* Open a sealed value; "" stays "", a value that was never sealed is returned as is. */
int pii_open(const char *column, const char *sealed, char *out, size_t n, struct errbuf *e);
/* Whether a stored value is sealed, and with which key (out: PII_KEY_ID_LEN). */
bool pii_is_sealed(const char *stored, char *key_id);
/* The keyed hash of `plain` under the sealing key ("" for ""), and under every key of the
 * ring (for lookups while a rotation runs): returns how many were written to `out`. */
int pii_hash(const char *column, const char *plain, char out[PII_HASH_LEN], struct errbuf *e);
int pii_hash_all(const char *column, const char *plain, char out[][PII_HASH_LEN], int max,
                 struct errbuf *e);

/* The ring's keys, oldest first (ids, and a check value that proves a key without showing
 * it); the sealing one is the last. */
struct pii_key_info {
    char id[PII_KEY_ID_LEN];
    char check[PII_HASH_LEN];
};
int pii_keys(struct pii_key_info *out, int max, struct errbuf *e);
/* Add a new key to the ring's file (atomically, 0600); it seals from now on. */
int pii_add_key(char id_out[PII_KEY_ID_LEN], struct errbuf *e);
/* Remove a key from the ring's file; the sealing key cannot be removed. */
int pii_remove_key(const char *id, struct errbuf *e);

#endif
