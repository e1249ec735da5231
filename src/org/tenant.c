/* Tenants: which provincial company an organization, member or account belongs to, so that
 * every write into a distributed table names its tenant (docs/SCALE.md, "Tenants").
 *
 * The organization -> tenant and account -> tenant maps are cached for the whole process:
 * Citus needs the tenant of an INSERT ... VALUES before it runs (no subquery may compute the
 * distribution column), and bulk work (the demo, ingestion, dues generation) writes many rows
 * per organization. An organization's tenant never changes (org_move refuses a move into
 * another tenant), nor an account's (nothing updates its tenant_id); org_create and
 * account_create record the tenant of each new id, so an entry never goes stale. The cache
 * belongs to one database: a connection to another one empties it. */
#include "org/tenant.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "base/banned.h"

enum kind { KIND_EMPTY, KIND_ORG, KIND_ACCOUNT, KIND_MEMBER };

struct slot {
    long long id, tenant;
    enum kind kind;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *slots;
static size_t cap, used;
static char *cached_url; /* the database the entries are of */

static size_t hash(enum kind kind, long long id)
{
    unsigned long long x = ((unsigned long long)id * 4 + (unsigned)kind) * 0x9E3779B97F4A7C15ULL;
    return (size_t)(x >> 17);
}

/* Under lock: forget everything when db is another database than the cached one. */
static void same_db(struct db *db)
{
    const char *url = db_url(db);
    if (cached_url && strcmp(cached_url, url) == 0)
        return;
    free(cached_url);
    cached_url = strdup(url);
    free(slots);
    slots = NULL;
    cap = used = 0;
}

static bool lookup(struct db *db, enum kind kind, long long id, long long *ret)
{
    bool found = false;
    pthread_mutex_lock(&lock);
    same_db(db);
    for (size_t i = cap ? hash(kind, id) & (cap - 1) : 0; cap && slots[i].kind;
         i = (i + 1) & (cap - 1))
        if (slots[i].kind == kind && slots[i].id == id) {
            *ret = slots[i].tenant;
            found = true;
            break;
        }
    pthread_mutex_unlock(&lock);
    return found;
}

/* Under lock. */
static void put(enum kind kind, long long id, long long tenant)
{
    size_t i;
    if ((used + 1) * 4 > cap * 3) {
        size_t ncap = cap ? cap * 2 : 1024;
        struct slot *n = calloc(ncap, sizeof(*n));
        if (!n)
            return; /* the cache is only a cache: the next look-up asks the database */
        for (size_t k = 0; k < cap; k++)
            if (slots[k].kind) {
                for (i = hash(slots[k].kind, slots[k].id) & (ncap - 1); n[i].kind;
                     i = (i + 1) & (ncap - 1))
                    ;
                n[i] = slots[k];
            }
        free(slots);
        slots = n;
        cap = ncap;
    }
    for (i = hash(kind, id) & (cap - 1);
         slots[i].kind && !(slots[i].kind == kind && slots[i].id == id); i = (i + 1) & (cap - 1))
        ;
    if (!slots[i].kind)
        used++;
    slots[i] = (struct slot){id, tenant, kind};
}

static void remember(struct db *db, enum kind kind, long long id, long long tenant)
{
    pthread_mutex_lock(&lock);
    same_db(db);
    put(kind, id, tenant);
    pthread_mutex_unlock(&lock);
}

void tenant_remember(struct db *db, long long org_id, long long tenant)
{
    remember(db, KIND_ORG, org_id, tenant);
}

void tenant_remember_account(struct db *db, long long account_id, long long tenant)
{
    remember(db, KIND_ACCOUNT, account_id, tenant);
}

int tenant_of_org(struct db *db, long long org_id, long long *ret, struct errbuf *e)
{
    long long t;
    int rc;
    if (org_id <= 0) {
        *ret = TENANT_FIRST;
        return 0;
    }
    if (lookup(db, KIND_ORG, org_id, ret))
        return 0;
    if ((rc = db_query_int(db, e, &t, "SELECT tenant_id FROM orgs WHERE id = $1", "i", org_id)) <
        0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", org_id,
                                "organization %lld not found", org_id);
    tenant_remember(db, org_id, t);
    *ret = t;
    return 0;
}

int tenant_root_id(struct db *db, long long tenant, long long *ret, struct errbuf *e)
{
    long long root = 0;
    int rc = db_query_int(db, e, &root,
                          "SELECT id FROM orgs WHERE tenant_id = $1 ORDER BY depth, id LIMIT 1",
                          "i", tenant);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "tenant", tenant,
                                "tenant %lld has no organizations", tenant);
    *ret = root;
    return 0;
}

int tenant_check(struct db *db, long long tenant, struct errbuf *e)
{
    long long root;
    if (tenant <= 0)
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_FORMAT, "tenant", tenant,
                                "invalid tenant %lld", tenant);
    return tenant_root_id(db, tenant, &root, e);
}

int tenant_root_of(struct db *db, long long org_id, long long *ret, struct errbuf *e)
{
    long long tenant;
    int rc;
    if ((rc = tenant_of_org(db, org_id, &tenant, e)) < 0)
        return rc;
    if ((rc = tenant_root_id(db, tenant, ret, e)) == -ERR_NOTFOUND)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", org_id,
                                "organization %lld not found", org_id);
    return rc;
}

int tenant_of_member(struct db *db, long long member_id, long long hint, long long *ret,
                     struct errbuf *e)
{
    long long t = 0;
    int rc = 0;
    if (member_id <= 0) {
        *ret = TENANT_FIRST;
        return 0;
    }
    if (lookup(db, KIND_MEMBER, member_id, ret))
        return 0;
    if (hint > 0 && (rc = db_query_int(db, e, &t,
                                       "SELECT tenant_id FROM members WHERE id = $1"
                                       " AND tenant_id = $2",
                                       "ii", member_id, hint)) < 0)
        return rc;
    if (rc == 0 && (rc = db_query_int(db, e, &t, "SELECT tenant_id FROM members WHERE id = $1",
                                      "i", member_id)) < 0)
        return rc;
    if (rc == 0) {
        *ret = TENANT_FIRST;
        return 0;
    }
    remember(db, KIND_MEMBER, member_id, t);
    *ret = t;
    return 0;
}

int tenant_of_account(struct db *db, long long account_id, long long *ret, struct errbuf *e)
{
    long long t = TENANT_FIRST;
    int rc = 0;
    if (account_id > 0 && lookup(db, KIND_ACCOUNT, account_id, ret))
        return 0;
    if (account_id > 0)
        rc = db_query_int(db, e, &t, "SELECT tenant_id FROM accounts WHERE id = $1", "i",
                          account_id);
    if (rc < 0)
        return rc;
    if (rc == 1)
        tenant_remember_account(db, account_id, t);
    *ret = rc == 1 ? t : TENANT_FIRST;
    return 0;
}

int tenant_for_new_org(struct db *db, long long parent_id, bool tenant_root, long long *ret,
                       struct errbuf *e)
{
    long long top = 0, root = 0;
    int rc;
    if (!parent_id) {
        *ret = TENANT_FIRST;
        return 0;
    }
    if (!tenant_root)
        return tenant_of_org(db, parent_id, ret, e);
    /* two tenant roots made at once would read the same largest number: the second waits on
     * the tree's root until the first commits */
    if ((rc = db_query_int(db, e, &root,
                           "SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1", "")) <
            0 ||
        (rc = db_lock_row(db, "orgs", root, e)) < 0 ||
        (rc = db_query_int(db, e, &top, "SELECT MAX(tenant_id) FROM orgs", "")) < 0)
        return rc;
    *ret = (top > TENANT_FIRST ? top : TENANT_FIRST) + 1;
    return 0;
}

int tenant_roots(struct db *db, json_t **ret, struct errbuf *e)
{
    static const char *const sql[] = {
        /* the organizations whose tenant differs from their parent's */
        "SELECT o.id, o.tenant_id, o.code, o.name FROM orgs o JOIN orgs p ON p.id = o.parent_id"
        " WHERE o.tenant_id <> p.tenant_id ORDER BY o.code",
        /* a single-company tree: its root */
        "SELECT id, tenant_id, code, name FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1",
    };
    json_t *list = json_array();
    int rc = 0;
    for (size_t q = 0; q < 2 && rc >= 0 && json_array_size(list) == 0; q++) {
        struct db_stmt *st;
        if ((rc = db_prepare(db, sql[q], &st, e)) < 0)
            break;
        while ((rc = db_step(st, e)) == 1)
            json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:s}", "org_id",
                                                  (json_int_t)db_col_int(st, 0), "tenant_id",
                                                  (json_int_t)db_col_int(st, 1), "code",
                                                  db_col_text(st, 2), "name", db_col_text(st, 3)));
        db_done(st);
    }
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *ret = list;
    return 0;
}
