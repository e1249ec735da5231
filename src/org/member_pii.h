/* Members' personal data at rest (ID card and mobile numbers): sealed on the way into the
 * database, opened on the way out, found by keyed hash; the key ring of base/pii.h tied to
 * the database it seals (pii_keys), and its rotation. */
#ifndef ORG_MEMBER_PII_H
#define ORG_MEMBER_PII_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/pii.h"

struct db;

/* What goes into members.phone/id_card and their hashes for plain values ("" stays ""). */
struct member_pii {
    char phone[PII_SEALED_MAX], phone_hash[PII_HASH_LEN];
    char id_card[PII_SEALED_MAX], id_card_hash[PII_HASH_LEN];
};
int member_pii_seal(const char *phone, const char *id_card, struct member_pii *out,
                    struct errbuf *e);
/* One stored column ("phone" or "id_card") for display: opened, masked when `mask`. */
int member_pii_show(const char *column, const char *stored, bool mask, char *out, size_t n,
                    struct errbuf *e);
/* An ID card number already used by another member than `except` (0: none): -ERR_CONFLICT
 * naming the field. */
int member_pii_unique(struct db *db, const char *id_card, long long except, struct errbuf *e);
/* member_pii_unique for a list of new members' numbers (NULL or "" skipped), read a hundred
 * hashes at a time: the first number another member holds or the list holds twice is
 * -ERR_CONFLICT naming the field, with its index in *ret_at. */
int member_pii_unique_many(struct db *db, const char *const *id_cards, size_t n, size_t *ret_at,
                           struct errbuf *e);
/* The member with this ID card (or mobile) number, 0 when none. */
int member_pii_find(struct db *db, const char *column, const char *plain, long long *ret_id,
                    struct errbuf *e);

/* Tie the key ring configured for the database to it: with `create`, a database that never
 * had a key gets a new ring file; every key of the ring is registered (or checked against
 * its registration); a registered key the ring lacks and that was not retired is an error
 * naming it. With `create`, values still stored in plain text are sealed. */
int member_pii_attach(struct db *db, bool create, struct errbuf *e);

/* Add a new key to the ring (it seals from now on) and register it with the database. */
int member_pii_rotate(struct db *db, char id[PII_KEY_ID_LEN], struct errbuf *e);
/* Seal again, in batches of `batch` rows each in its own transaction, every value not sealed
 * with the ring's sealing key (after a rotation); a row a server changed meanwhile is left
 * for the next pass. Returns the rows changed. */
int member_pii_reseal(struct db *db, int batch, struct errbuf *e);
/* How many stored values each key of the database seals (0 for keys nothing uses). */
struct member_pii_use {
    char id[PII_KEY_ID_LEN];
    long long values;
    bool in_ring, retired;
};
int member_pii_usage(struct db *db, struct member_pii_use *out, int max, struct errbuf *e);
/* Mark a key retired once no value uses it, and drop it from the ring's file. */
int member_pii_retire(struct db *db, const char *id, struct errbuf *e);

#endif
