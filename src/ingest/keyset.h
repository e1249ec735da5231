/* The duplicate check for events: a process-wide hash set of every stored event's
 * (source, key) hash, kept in step with the events table.
 *
 * Why not a UNIQUE index: with random keys every batch dirties most leaf pages of such an
 * index, and each commit rewrites them (measured: 7-9x slower than a bare insert). The set
 * costs 8 bytes a slot (fingerprint + event id) and a lookup is a few cache misses. It is
 * exact: every hit is confirmed by reading that event's source and key by primary key.
 *
 * It stays right across processes because appending to events happens only under the
 * table's append lock (db_lock_append), and before each batch the set reads the rows with
 * ids above the highest it has seen. Events are append-only (never deleted). */
#ifndef INGEST_KEYSET_H
#define INGEST_KEYSET_H

#include <stdbool.h>

#include "base/err.h"

struct db;
struct keyset;

/* Lock and bring up to date the set of db's database. Call inside the transaction that
 * holds the events append lock; always pair with keyset_release. */
int keyset_acquire(struct db *db, struct keyset **ret, struct errbuf *e);
/* Unlock; ok = false after a failure, to rebuild the set on next use. A transaction that
 * rolls back later is noticed by the next keyset_acquire (the newest event it knows is gone
 * or different), which rebuilds the set then. */
void keyset_release(struct keyset *ks, bool ok);

/* Called for each stored event whose fingerprint matches: 1 = the same (source, key),
 * 0 = another key, < 0 error. */
typedef int (*keyset_match_fn)(void *ctx, long long event_id, struct errbuf *e);
/* 1 when an event with this hash and the same key exists, 0 when not, < 0 on error. */
int keyset_contains(struct keyset *ks, long long hash, keyset_match_fn match, void *ctx,
                    struct errbuf *e);
int keyset_add(struct keyset *ks, long long hash, long long event_id, struct errbuf *e);
/* The members cache that ingestion keeps beside the keys: emp_no (or "#id") → member,
 * current organization and the month it joined it. id 0 records "no such member". */
struct member_ref {
    long long id, org_id;
    int from_month;
};
/* Drop the cache when members changed since it was filled (data version `version`). */
void keyset_members_check(struct keyset *ks, long long version);
const struct member_ref *keyset_member_get(struct keyset *ks, const char *key);
int keyset_member_put(struct keyset *ks, const char *key, const struct member_ref *ref,
                      struct errbuf *e);

/* Number of keys held (tests, statistics). */
long long keyset_count(const struct keyset *ks);

#endif
