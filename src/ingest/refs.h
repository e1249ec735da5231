/* The members cache of event ingestion: employee number (or "#id") → member, current
 * organization and the month it joined it, one per database for the life of the process,
 * shared by every connection to that database and dropped when members change (the
 * 'members' data version). Duplicate events are the database's business (a unique index on
 * (source_id, key)), not this cache's. */
#ifndef INGEST_REFS_H
#define INGEST_REFS_H

#include "base/err.h"

struct db;
struct ingest_refs;

struct member_ref {
    long long id, org_id; /* id 0 records "no such member" */
    int from_month;
};

/* Take the cache of db's database (locked until refs_release) and drop its members when the
 * data version is no longer `version`. */
int refs_acquire(struct db *db, long long version, struct ingest_refs **ret, struct errbuf *e);
void refs_release(struct ingest_refs *r);
const struct member_ref *refs_member_get(struct ingest_refs *r, const char *key);
int refs_member_put(struct ingest_refs *r, const char *key, const struct member_ref *ref,
                    struct errbuf *e);

#endif
