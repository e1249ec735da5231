/* The tenant of a subtree (tenant.h): lists over an organization's subtree name it in their
 * WHERE, so that on Citus they read that tenant's shards alone instead of every shard.
 *
 * A subtree lies in one tenant unless a tenant root of another tenant is below its root (the
 * national root, above the provincial companies). The tenant roots (each tenant's shallowest
 * organization) are few, one per province: their paths are kept for the process and read
 * again when the 'members' data version moves, which the creation of a tenant root bumps
 * (org.c). */
#include "org/tenant.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/versions.h"
#include "org/scope.h"
#include "base/banned.h"

struct root {
    char path[ORG_PATH_MAX];
    long long tenant;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct root *roots;
static size_t nroots;
static struct version_stamp roots_at;
static char *roots_url; /* the database they are of; NULL: not read yet */

/* Under lock: the tenant roots of db as of stamp. */
static int load_roots(struct db *db, const struct version_stamp *stamp, struct errbuf *e)
{
    struct db_stmt *st;
    struct root *v = NULL;
    size_t n = 0, cap = 0;
    /* each tenant's shallowest organization, one entry of orgs_tenant_depth per tenant */
    int rc = db_prepare(db,
                        "WITH RECURSIVE t(id) AS (SELECT MIN(tenant_id) FROM orgs"
                        " UNION ALL SELECT (SELECT MIN(tenant_id) FROM orgs WHERE tenant_id > t.id)"
                        " FROM t WHERE t.id IS NOT NULL)"
                        " SELECT (SELECT path FROM orgs o WHERE o.tenant_id = t.id"
                        " ORDER BY o.depth, o.path LIMIT 1), t.id FROM t WHERE t.id IS NOT NULL",
                        &st, e);
    if (rc < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        if (n == cap) {
            struct root *g = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));
            if (!g) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            v = g;
        }
        snprintf(v[n].path, sizeof(v[n].path), "%s", db_col_text(st, 0));
        v[n++].tenant = db_col_int(st, 1);
    }
    db_done(st);
    if (rc < 0) {
        free(v);
        return rc;
    }
    free(roots);
    free(roots_url);
    roots = v;
    nroots = n;
    roots_at = *stamp;
    roots_url = strdup(db_url(db));
    return 0;
}

int tenant_of_subtree(struct db *db, const char *org_path, long long *ret, struct errbuf *e)
{
    struct version_stamp now;
    const char *last = NULL;
    size_t len = strlen(org_path);
    long long org = 0, tenant;
    int rc = 0;
    /* the organization at the path: its last component ("/1/5/9/" → 9) */
    for (const char *p = org_path; *p; p++)
        if (*p == '/' && p[1])
            last = p + 1;
    if (last)
        org = strtoll(last, NULL, 10);
    if (org <= 0) { /* the whole tree */
        *ret = 0;
        return 0;
    }
    if ((rc = tenant_of_org(db, org, &tenant, e)) < 0 ||
        (rc = version_get(db, TOPIC_MEMBERS, &now, e)) < 0)
        return rc;
    pthread_mutex_lock(&lock);
    if (!roots_url || strcmp(roots_url, db_url(db)) != 0 || !version_equal(&roots_at, &now))
        rc = load_roots(db, &now, e);
    *ret = tenant;
    for (size_t i = 0; rc >= 0 && i < nroots; i++)
        if (roots[i].tenant != tenant && strlen(roots[i].path) > len &&
            strncmp(roots[i].path, org_path, len) == 0)
            *ret = 0; /* another tenant below: the subtree spans tenants */
    pthread_mutex_unlock(&lock);
    return rc < 0 ? rc : 0;
}

int tenant_of_scopes(struct db *db, const char *const *paths, int n, long long *ret,
                     struct errbuf *e)
{
    long long one = 0;
    int rc;
    *ret = 0;
    for (int i = 0; i < n; i++) {
        long long t;
        if ((rc = tenant_of_subtree(db, paths[i], &t, e)) < 0)
            return rc;
        if (!t || (one && t != one))
            return 0;
        one = t;
    }
    *ret = one;
    return 0;
}
