/* Who is acting, and what subtree of the organization tree they may touch.
 * Every role is bound to an organization; it covers that organization's whole subtree. */
#ifndef ORG_SCOPE_H
#define ORG_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct db;

enum role {
    ROLE_MEMBER = 1 << 0,    /* an ordinary member: own data only */
    ROLE_SECRETARY = 1 << 1, /* branch secretary */
    ROLE_COMMITTEE = 1 << 2, /* committee staff (组织部门) */
    ROLE_FINANCE = 1 << 3,   /* dues bookkeeper */
    ROLE_ADMIN = 1 << 4,     /* system administrator */
};
#define ROLE_ANY (ROLE_MEMBER | ROLE_SECRETARY | ROLE_COMMITTEE | ROLE_FINANCE | ROLE_ADMIN)
#define ROLE_STAFF (ROLE_SECRETARY | ROLE_COMMITTEE | ROLE_FINANCE | ROLE_ADMIN)
#define ROLE_ORG_ADMIN (ROLE_COMMITTEE | ROLE_ADMIN)

#define AUTH_MAX_ROLES 16
#define ORG_PATH_MAX 256

struct role_binding {
    enum role role;
    long long org_id;
    char org_path[ORG_PATH_MAX];
};

/* The caller, once authenticated. */
struct auth {
    long long account_id;
    long long member_id; /* 0 when the account is not a member's */
    long long source_id; /* set for API-key callers (business systems) */
    long long tenant;    /* the session's (its account's); 0 for API-key callers */
    char login[64];
    int nroles;
    struct role_binding roles[AUTH_MAX_ROLES];
};

const char *role_name(enum role r);
int role_parse(const char *s, enum role *ret);
/* Labels for the UI: 党员, 支部书记, ... */
const char *role_label(enum role r);

bool auth_has_role(const struct auth *a, int mask);
/* The organization of the caller's first binding with a role in mask (0: none): where the
 * caller stands for a request that names no single organization. */
long long auth_home_org(const struct auth *a, int mask);
/* True when a binding with a role in mask is on the root of the tree (the group above the
 * provincial companies, or a single company's root). */
bool auth_at_top(const struct auth *a, int mask);
/* True when a binding with a role in mask covers the organization at org_path. */
bool auth_covers(const struct auth *a, int mask, const char *org_path);
/* Check that a role in mask covers organization org_id: 0, -ERR_FORBIDDEN or -ERR_NOTFOUND.
 * Fills ret_path (ORG_PATH_MAX bytes) when not NULL. */
int auth_check_org(struct db *db, const struct auth *a, int mask, long long org_id, char *ret_path,
                   struct errbuf *e);
/* Subtree bounds for a path prefix query: path >= lo AND path < hi. */
void scope_bounds(const char *path, char *hi, size_t n);

#endif
