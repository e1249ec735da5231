#include "ingest/keyset.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "ingest/event.h"
#include "base/banned.h"

#define MIN_BITS 16
#define SYNC_CHUNK 100000

/* A slot is (fingerprint << 32) | event id; 0 is empty (event ids start at 1). The
 * fingerprint is the hash's high 32 bits, and a slot's home is the fingerprint's top bits,
 * so the set can grow without the original hashes. */
struct keyset {
    pthread_mutex_t lock;
    char *url;
    uint64_t *slots;
    unsigned bits;
    long long count;
    long long hwm;      /* highest event id loaded */
    long long hwm_hash; /* its key hash: tells whether that row is still there */
    bool stale;
    struct keyset *next; /* the registry's list */
    json_t *members; /* key → index into refs */
    struct member_ref *refs;
    size_t nrefs, cap_refs;
    long long members_version;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct keyset *registry; /* one per database URL, for the process's lifetime */

static uint32_t fingerprint(long long hash)
{
    return (uint32_t)((uint64_t)hash >> 32);
}

static size_t home(const struct keyset *ks, uint32_t fp)
{
    return (size_t)(fp >> (32 - ks->bits));
}

static void put(uint64_t *slots, unsigned bits, uint64_t v)
{
    size_t mask = ((size_t)1 << bits) - 1, i = (size_t)((uint32_t)(v >> 32) >> (32 - bits));
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = v;
}

static int grow(struct keyset *ks, struct errbuf *e)
{
    unsigned bits = ks->bits ? ks->bits + 1 : MIN_BITS;
    uint64_t *slots;
    if (bits > 32)
        return errbuf_set(e, -ERR_NOMEM, "too many events for the duplicate check");
    if (!(slots = calloc((size_t)1 << bits, sizeof(*slots))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory for the duplicate check");
    for (size_t i = 0; ks->slots && i < ((size_t)1 << ks->bits); i++)
        if (ks->slots[i])
            put(slots, bits, ks->slots[i]);
    free(ks->slots);
    ks->slots = slots;
    ks->bits = bits;
    return 0;
}

static void clear(struct keyset *ks)
{
    free(ks->slots);
    ks->slots = NULL;
    ks->bits = 0;
    ks->count = 0;
    ks->hwm = ks->hwm_hash = 0;
    ks->stale = false;
}

int keyset_add(struct keyset *ks, long long hash, long long event_id, struct errbuf *e)
{
    int rc;
    if (event_id <= 0 || event_id > (long long)UINT32_MAX)
        return errbuf_set(e, -ERR_INTERNAL, "event id %lld outside the duplicate check's range",
                          event_id);
    if (!ks->slots || (ks->count + 1) * 4 > ((long long)1 << ks->bits) * 3)
        if ((rc = grow(ks, e)) < 0)
            return rc;
    put(ks->slots, ks->bits, ((uint64_t)fingerprint(hash) << 32) | (uint64_t)event_id);
    ks->count++;
    if (event_id > ks->hwm) {
        ks->hwm = event_id;
        ks->hwm_hash = hash;
    }
    return 0;
}

int keyset_contains(struct keyset *ks, long long hash, keyset_match_fn match, void *ctx,
                    struct errbuf *e)
{
    uint32_t fp = fingerprint(hash);
    size_t mask, i;
    if (!ks->slots)
        return 0;
    mask = ((size_t)1 << ks->bits) - 1;
    for (i = home(ks, fp); ks->slots[i]; i = (i + 1) & mask) {
        if ((uint32_t)(ks->slots[i] >> 32) == fp) {
            int rc = match(ctx, (long long)(ks->slots[i] & 0xffffffffu), e);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* Load the events stored since the set last looked, in chunks so that a first load of
 * millions of rows never holds them all in one result. */
static int sync(struct keyset *ks, struct db *db, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    for (;;) {
        long long rows = 0;
        if ((rc = db_prepare(db,
                             "SELECT id, source_id, key FROM events WHERE id > $1 ORDER BY id"
                             " LIMIT $2",
                             &st, e)) < 0)
            return rc;
        db_bindv(st, "ii", ks->hwm, (long long)SYNC_CHUNK);
        while ((rc = db_step(st, e)) == 1) {
            rows++;
            long long h = ingest_key_hash(db_col_int(st, 1), db_col_text(st, 2));
            if ((rc = keyset_add(ks, h, db_col_int(st, 0), e)) < 0)
                break;
        }
        db_done(st);
        if (rc < 0)
            return rc;
        if (rows < SYNC_CHUNK)
            return 0;
    }
}

int keyset_acquire(struct db *db, struct keyset **ret, struct errbuf *e)
{
    struct keyset *ks = NULL;
    const char *url = db_url(db);
    int rc;
    pthread_mutex_lock(&registry_lock);
    for (ks = registry; ks; ks = ks->next)
        if (strcmp(ks->url, url) == 0)
            break;
    if (!ks) {
        if (!(ks = calloc(1, sizeof(*ks))) || !(ks->url = strdup(url))) {
            free(ks);
            pthread_mutex_unlock(&registry_lock);
            return errbuf_set(e, -ERR_NOMEM, "cannot set up the duplicate check");
        }
        pthread_mutex_init(&ks->lock, NULL);
        ks->next = registry;
        registry = ks;
    }
    pthread_mutex_unlock(&registry_lock);

    pthread_mutex_lock(&ks->lock);
    /* the newest event the set knows must still be there with the same key: if not, a
     * transaction that added keys rolled back (and its ids may be reused): start over */
    if (!ks->stale && ks->hwm) {
        struct db_stmt *st;
        long long h = 0;
        if ((rc = db_prepare(db, "SELECT source_id, key FROM events WHERE id = $1", &st, e)) < 0) {
            pthread_mutex_unlock(&ks->lock);
            return rc;
        }
        db_bind_int(st, 1, ks->hwm);
        if ((rc = db_step(st, e)) == 1)
            h = ingest_key_hash(db_col_int(st, 0), db_col_text(st, 1));
        db_done(st);
        if (rc < 0) {
            pthread_mutex_unlock(&ks->lock);
            return rc;
        }
        ks->stale = rc == 0 || h != ks->hwm_hash;
    }
    if (ks->stale)
        clear(ks);
    if ((rc = sync(ks, db, e)) < 0) {
        ks->stale = true;
        pthread_mutex_unlock(&ks->lock);
        return rc;
    }
    *ret = ks;
    return 0;
}

void keyset_release(struct keyset *ks, bool ok)
{
    if (!ks)
        return;
    if (!ok)
        ks->stale = true;
    pthread_mutex_unlock(&ks->lock);
}

void keyset_members_check(struct keyset *ks, long long version)
{
    if (!ks->members || ks->members_version != version) {
        json_decref(ks->members);
        ks->members = json_object();
        ks->nrefs = 0;
        ks->members_version = version;
    }
}

const struct member_ref *keyset_member_get(struct keyset *ks, const char *key)
{
    json_t *v = ks->members ? json_object_get(ks->members, key) : NULL;
    return v ? &ks->refs[json_integer_value(v)] : NULL;
}

int keyset_member_put(struct keyset *ks, const char *key, const struct member_ref *ref,
                      struct errbuf *e)
{
    if (ks->nrefs == ks->cap_refs) {
        size_t cap = ks->cap_refs ? ks->cap_refs * 2 : 1024;
        struct member_ref *p = realloc(ks->refs, cap * sizeof(*p));
        if (!p)
            return errbuf_set(e, -ERR_NOMEM, "out of memory");
        ks->refs = p;
        ks->cap_refs = cap;
    }
    ks->refs[ks->nrefs] = *ref;
    if (json_object_set_new(ks->members, key, json_integer((json_int_t)ks->nrefs)) < 0)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    ks->nrefs++;
    return 0;
}

long long keyset_count(const struct keyset *ks)
{
    return ks->count;
}
