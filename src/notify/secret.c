/* Webhook secrets at rest: sealed with the key ring of the members' personal data
 * (base/pii.h), as the feeds seal their connection URL. The ring seals at most 64 bytes, so
 * a secret is sealed in pieces of 60 joined by spaces (a sealed piece has none). A secret
 * stored before sealing (plain text) is read as it is. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/pii.h"
#include "notify/notify.h"
#include "base/banned.h"

#define COLUMN "webhook_secret"
#define CHUNK 60

int notify_secret_seal(const char *plain, struct buf *out, struct errbuf *e)
{
    char piece[CHUNK + 1], sealed[PII_SEALED_MAX];
    size_t len = strlen(plain);
    int rc = 0;
    for (size_t at = 0; at < len && rc >= 0; at += CHUNK) {
        snprintf(piece, sizeof(piece), "%.*s", CHUNK, plain + at);
        if ((rc = pii_seal(COLUMN, piece, sealed, e)) >= 0 &&
            ((at && buf_addch(out, ' ') < 0) || buf_addstr(out, sealed) < 0))
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    sodium_memzero(piece, sizeof(piece));
    return rc < 0 ? rc : 0;
}

int notify_secret_open(const char *stored, struct buf *out, struct errbuf *e)
{
    char piece[PII_SEALED_MAX], plain[CHUNK + 8], key[PII_KEY_ID_LEN];
    int rc = 0;
    if (!pii_is_sealed(stored, key)) /* stored before sealing */
        return buf_addstr(out, stored) < 0 ? errbuf_set(e, -ERR_NOMEM, "out of memory") : 0;
    while (*stored && rc >= 0) {
        size_t len = strcspn(stored, " ");
        if (len >= sizeof(piece))
            return errbuf_set(e, -ERR_INTERNAL, "a webhook's sealed secret is damaged");
        memcpy(piece, stored, len);
        piece[len] = '\0';
        if ((rc = pii_open(COLUMN, piece, plain, sizeof(plain), e)) >= 0 &&
            buf_addstr(out, plain) < 0)
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        stored += len + (stored[len] == ' ');
    }
    sodium_memzero(plain, sizeof(plain));
    return rc < 0 ? rc : 0;
}
