/* Tenants: the provincial companies a national installation is split into (docs/SCALE.md,
 * "Tenants"). Every organization belongs to one (orgs.tenant_id); every row of a distributed
 * table carries the tenant of the organization it belongs to, so that Citus stores it on its
 * tenant's shard. A single-company installation has one tenant, TENANT_FIRST. */
#ifndef ORG_TENANT_H
#define ORG_TENANT_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;

/* The tenant of the tree's root, and of every organization of a single-company tree. */
#define TENANT_FIRST 1
/* The tenant of the run bookkeeping (score_runs, score_run_log): the jobs score a month for
 * every tenant at once, one national run, kept in the first tenant (docs/SCALE.md); reads
 * name it so that they go to that tenant's shard alone. */
#define TENANT_RUNS TENANT_FIRST

/* The tenant of organization org_id (0: the root's tenant, TENANT_FIRST). Cached for the
 * process: an organization never changes tenant (org_move refuses it). -ERR_NOTFOUND for an
 * unknown organization. May be called from several threads. */
int tenant_of_org(struct db *db, long long org_id, long long *ret, struct errbuf *e);
/* The tenant of an account (its member's, else that of its first role's organization);
 * TENANT_FIRST for 0. */
int tenant_of_account(struct db *db, long long account_id, long long *ret, struct errbuf *e);
/* The tenant of member_id, asking hint's shard first when given (the reader's tenant: a
 * statement that names its tenant reaches one shard on Citus), then every one; cached like
 * the organizations' (a member never changes tenant). TENANT_FIRST for an unknown member. */
int tenant_of_member(struct db *db, long long member_id, long long hint, long long *ret,
                     struct errbuf *e);
/* The root of org_id's tenant: its shallowest organization (the root of a single-company
 * tree, a provincial company under a national root). */
int tenant_root_of(struct db *db, long long org_id, long long *ret, struct errbuf *e);
/* The root of tenant (its shallowest organization); -ERR_NOTFOUND naming the field 'tenant'
 * when it has no organizations. */
int tenant_root_id(struct db *db, long long tenant, long long *ret, struct errbuf *e);
/* A tenant named for work of its own (--tenant, a job's unit): a positive number with
 * organizations, else a clear error on the field 'tenant'. */
int tenant_check(struct db *db, long long tenant, struct errbuf *e);
/* Record the tenant of an organization just created (its id may be one a rolled-back
 * transaction had used before). */
void tenant_remember(struct db *db, long long org_id, long long tenant);
/* The same for an account just created. */
void tenant_remember_account(struct db *db, long long account_id, long long tenant);
/* The tenant a new organization gets: its parent's, or a new number when it is a tenant root
 * (a provincial company) under a parent; TENANT_FIRST for the root of the tree. */
int tenant_for_new_org(struct db *db, long long parent_id, bool tenant_root, long long *ret,
                       struct errbuf *e);
/* The tenant the subtree at org_path lies in whole, or 0 when it holds organizations of
 * other tenants (a national root) or is the whole tree ("/"). A list over the subtree names
 * the tenant in its WHERE when there is one: on Citus it then reads that tenant's shards alone
 * (tenant_scope.c). */
int tenant_of_subtree(struct db *db, const char *org_path, long long *ret, struct errbuf *e);
/* The one tenant all of n subtrees lie in (a caller's scopes), or 0. */
int tenant_of_scopes(struct db *db, const char *const *paths, int n, long long *ret,
                     struct errbuf *e);
/* The tenant roots below the tree's root (the provincial companies) as a JSON array of {org_id,
 * tenant_id, code, name}, in code order; a single-company tree gives its root alone. */
int tenant_roots(struct db *db, json_t **ret, struct errbuf *e);

#endif
