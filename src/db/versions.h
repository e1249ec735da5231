/* Data versions: one counter per kind of data that processes cache ('members', 'scores',
 * 'sessions'), bumped in the same transaction as every change. A cache stores the version it
 * was filled at and is valid while the version stays the same.
 *
 * Reading the counter from the database on every request would cost what the caches save,
 * so a thread keeps what it read for up to a second; a bump made by this process is seen at
 * once (a process-wide counter), one made by another process (the CLI) within a second. */
#ifndef DB_VERSIONS_H
#define DB_VERSIONS_H

#include "base/err.h"

struct db;

enum topic { TOPIC_MEMBERS, TOPIC_SCORES, TOPIC_SESSIONS, TOPIC__COUNT };

/* A version to compare: equal stamps mean nothing changed. */
struct version_stamp {
    long long db, local;
};

/* Bump topic inside the caller's transaction. */
int version_bump(struct db *db, enum topic t, struct errbuf *e);
/* The current stamp of topic (maybe up to a second old for other processes' changes). */
int version_get(struct db *db, enum topic t, struct version_stamp *ret, struct errbuf *e);
/* Exact database value, for work that must not use a stale one (ingestion). */
int version_get_exact(struct db *db, enum topic t, long long *ret, struct errbuf *e);
int version_equal(const struct version_stamp *a, const struct version_stamp *b);

#endif
