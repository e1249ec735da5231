/* The members cache of ingestion (refs.h). */
#include "ingest/refs.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "base/banned.h"

struct ingest_refs {
    pthread_mutex_t lock;
    char *url;
    struct ingest_refs *next; /* the registry's list */
    json_t *members;          /* key → index into refs */
    struct member_ref *refs;
    size_t nrefs, cap_refs;
    long long version;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ingest_refs *registry; /* one per database URL, for the process's lifetime */

int refs_acquire(struct db *db, long long version, struct ingest_refs **ret, struct errbuf *e)
{
    struct ingest_refs *r;
    const char *url = db_url(db);
    pthread_mutex_lock(&registry_lock);
    for (r = registry; r; r = r->next)
        if (strcmp(r->url, url) == 0)
            break;
    if (!r) {
        if (!(r = calloc(1, sizeof(*r))) || !(r->url = strdup(url))) {
            free(r);
            pthread_mutex_unlock(&registry_lock);
            return errbuf_set(e, -ERR_NOMEM, "cannot set up the members cache");
        }
        pthread_mutex_init(&r->lock, NULL);
        r->next = registry;
        registry = r;
    }
    pthread_mutex_unlock(&registry_lock);
    pthread_mutex_lock(&r->lock);
    if (!r->members || r->version != version) {
        json_decref(r->members);
        r->members = json_object();
        r->nrefs = 0;
        r->version = version;
    }
    *ret = r;
    return 0;
}

void refs_release(struct ingest_refs *r)
{
    if (r)
        pthread_mutex_unlock(&r->lock);
}

const struct member_ref *refs_member_get(struct ingest_refs *r, const char *key)
{
    json_t *v = r->members ? json_object_get(r->members, key) : NULL;
    return v ? &r->refs[json_integer_value(v)] : NULL;
}

int refs_member_put(struct ingest_refs *r, const char *key, const struct member_ref *ref,
                    struct errbuf *e)
{
    if (r->nrefs == r->cap_refs) {
        size_t cap = r->cap_refs ? r->cap_refs * 2 : 1024;
        struct member_ref *p = realloc(r->refs, cap * sizeof(*p));
        if (!p)
            return errbuf_set(e, -ERR_NOMEM, "out of memory");
        r->refs = p;
        r->cap_refs = cap;
    }
    r->refs[r->nrefs] = *ref;
    if (json_object_set_new(r->members, key, json_integer((json_int_t)r->nrefs)) < 0)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    r->nrefs++;
    return 0;
}
