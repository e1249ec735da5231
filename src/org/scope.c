#include "org/scope.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "base/banned.h"

static const struct {
    enum role role;
    const char *name;
    const char *label;
} roles[] = {
    {ROLE_MEMBER, "member", "党员"},
    {ROLE_SECRETARY, "secretary", "支部书记"},
    {ROLE_COMMITTEE, "committee", "党委管理员"},
    {ROLE_FINANCE, "finance", "财务"},
    {ROLE_ADMIN, "admin", "系统管理员"},
};

const char *role_name(enum role r)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (roles[i].role == r)
            return roles[i].name;
    return "unknown";
}

const char *role_label(enum role r)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (roles[i].role == r)
            return roles[i].label;
    return "";
}

int role_parse(const char *s, enum role *ret)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(roles[i].name, s) == 0) {
            *ret = roles[i].role;
            return 0;
        }
    return -ERR_INVALID;
}

bool auth_has_role(const struct auth *a, int mask)
{
    for (int i = 0; i < a->nroles; i++)
        if (a->roles[i].role & mask)
            return true;
    return false;
}

long long auth_home_org(const struct auth *a, int mask)
{
    for (int i = 0; i < a->nroles; i++)
        if (a->roles[i].role & mask)
            return a->roles[i].org_id;
    return 0;
}

bool auth_at_top(const struct auth *a, int mask)
{
    for (int i = 0; i < a->nroles; i++) {
        const char *p = a->roles[i].org_path;
        int slashes = 0;
        for (; *p; p++)
            slashes += *p == '/';
        if ((a->roles[i].role & mask) && slashes == 2) /* the root's path is "/<id>/" */
            return true;
    }
    return false;
}

bool auth_covers(const struct auth *a, int mask, const char *org_path)
{
    for (int i = 0; i < a->nroles; i++) {
        const struct role_binding *b = &a->roles[i];
        if ((b->role & mask) && strncmp(org_path, b->org_path, strlen(b->org_path)) == 0)
            return true;
    }
    return false;
}

int auth_check_org(struct db *db, const struct auth *a, int mask, long long org_id, char *ret_path,
                   struct errbuf *e)
{
    struct db_stmt *st;
    char path[ORG_PATH_MAX];
    int rc;
    if ((rc = db_prepare(db, "SELECT path FROM orgs WHERE id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, org_id);
    rc = db_step(st, e);
    if (rc == 1)
        snprintf(path, sizeof(path), "%s", db_col_text(st, 0));
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", org_id,
                                "organization %lld not found", org_id);
    if (!auth_covers(a, mask, path))
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "org_id", org_id,
                                "organization %lld is outside your scope", org_id);
    if (ret_path)
        memcpy(ret_path, path, sizeof(path));
    return 0;
}

void scope_bounds(const char *path, char *hi, size_t n)
{
    /* paths end in '/', and '0' is the next byte after '/': [path, path-with-'0') */
    size_t len = strlen(path);
    snprintf(hi, n, "%s", path);
    if (len && len < n)
        hi[len - 1] = '0';
}
