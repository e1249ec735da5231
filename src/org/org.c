#include "org/org.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/text.h"
#include "db/db.h"
#include "db/versions.h"
#include "org/audit.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

static const struct {
    const char *kind, *label, *alt;
    int rank; /* a child's rank must be greater, except committee under committee */
} kinds[] = {
    {"committee", "党委", "党委员会", 0},
    {"general_branch", "党总支", "总支", 1},
    {"branch", "党支部", "支部", 2},
    {"group", "党小组", "小组", 3},
};

static int kind_rank(const char *kind)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].rank;
    return -1;
}

const char *org_kind_parse(const char *s)
{
    for (size_t i = 0; s && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].kind, s) == 0 || strcmp(kinds[i].label, s) == 0 ||
            strcmp(kinds[i].alt, s) == 0)
            return kinds[i].kind;
    return NULL;
}

const char *org_kind_label(const char *kind)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].label;
    return "";
}

/* Which kind may sit under which: committee under committee (or at the root), general
 * branch under committee, branch under committee or general branch, group under branch. */
static int check_parent_kind(const char *kind, const char *parent_kind, struct errbuf *e)
{
    int k = kind_rank(kind), p = parent_kind ? kind_rank(parent_kind) : -1;
    int ok = (!parent_kind && k == 0) || (parent_kind && k == 0 && p == 0) ||
             (parent_kind && k == 1 && p == 0) || (parent_kind && k == 2 && (p == 0 || p == 1)) ||
             (parent_kind && k == 3 && p == 2);
    if (ok)
        return 0;
    if (!parent_kind)
        return errbuf_field(e, -ERR_INVALID, R_WRONG_ORG_KIND, "parent_id", kind,
                            "a %s (%s) needs a parent organization", org_kind_label(kind), kind);
    return errbuf_field(e, -ERR_INVALID, R_WRONG_ORG_KIND, "parent_id", kind,
                        "a %s (%s) cannot be placed under a %s (%s)", org_kind_label(kind), kind,
                        org_kind_label(parent_kind), parent_kind);
}

static int check_code(const char *code, struct errbuf *e)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n > 32)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "code", code,
                             "code must be 1 to 32 characters"),
                errbuf_limit(e, 32));
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "code", code,
                                "invalid code '%s': use letters, digits, '-', '_' and '.'", code);
    }
    return 0;
}

static int check_name(const char *name, struct errbuf *e)
{
    size_t n = name ? text_utf8_chars(name) : 0;
    if (n == 0 || n > 100)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "name", name,
                             "name must be 1 to 100 characters"),
                errbuf_limit(e, 100));
    return 0;
}

/* Kind and path of an organization: 1 found, 0 not, < 0 error. */
static int load(struct db *db, long long id, char *kind, size_t kn, char *path, size_t pn,
                struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db, "SELECT kind, path FROM orgs WHERE id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        if (kind)
            snprintf(kind, kn, "%s", db_col_text(st, 0));
        if (path)
            snprintf(path, pn, "%s", db_col_text(st, 1));
    }
    db_done(st);
    return rc;
}

static int check_secretary(struct db *db, long long secretary_id, const char *path,
                           struct errbuf *e)
{
    long long found = 0;
    char hi[ORG_PATH_MAX];
    int rc;
    if (secretary_id <= 0)
        return 0;
    scope_bounds(path, hi, sizeof(hi));
    /* the secretary is a member of the organization or of a body below it */
    rc = db_query_int(db, e, &found,
                      "SELECT m.id FROM members m JOIN orgs o ON o.id = m.org_id"
                      " WHERE m.id = $1 AND o.path >= $2 AND o.path < $3",
                      "itt", secretary_id, path, hi);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_INVALID, R_MISMATCH, "secretary_id", secretary_id,
                                "secretary %lld is not a member of this organization",
                                secretary_id);
    return 0;
}

int org_path(struct db *db, long long id, char *out, size_t n, struct errbuf *e)
{
    int rc = load(db, id, NULL, 0, out, n, e);
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", id,
                                "organization %lld not found", id);
    return rc < 0 ? rc : 0;
}

int org_find_code(struct db *db, const char *code, long long *ret_id, struct errbuf *e)
{
    int rc = db_find_id(db, "SELECT id FROM orgs WHERE code = $1", code,
                        "no organization with code '%s'", ret_id, e);
    return rc == -ERR_NOTFOUND ? errbuf_why(e, R_UNKNOWN_ORG, "org_code", code) : rc;
}

int org_find_code_or_root(struct db *db, const char *code, long long *ret_id, struct errbuf *e)
{
    int rc;
    if (code && *code && strcmp(code, "ROOT") != 0)
        return org_find_code(db, code, ret_id, e);
    if ((rc = db_query_int(db, e, ret_id,
                           "SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1", "")) <
        0)
        return rc;
    return rc == 1 ? 0
                   : errbuf_field(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", NULL,
                                  "there is no root organization yet: import organizations first");
}

static int create(struct db *db, const struct org_in *o, bool tenant_root, long long actor,
                  long long *ret_id, struct errbuf *e)
{
    char parent_kind[32] = "", parent_path[ORG_PATH_MAX] = "/", path[ORG_PATH_MAX], tmp[64];
    const char *kind = org_kind_parse(o->kind);
    long long id = 0, now = (long long)time(NULL), tenant;
    int rc, depth = 0;
    json_t *d;
    if ((rc = check_code(o->code, e)) < 0 || (rc = check_name(o->name, e)) < 0)
        return rc;
    if (!kind)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "kind", o->kind,
                            "invalid kind '%s': use 党委, 党总支, 党支部 or 党小组 (committee, "
                            "general_branch, branch, group)",
                            o->kind ? o->kind : "");
    if (o->parent_id) {
        rc = load(db, o->parent_id, parent_kind, sizeof(parent_kind), parent_path,
                  sizeof(parent_path), e);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "parent_id", o->parent_id,
                                    "parent organization %lld not found", o->parent_id);
    }
    if ((rc = check_parent_kind(kind, o->parent_id ? parent_kind : NULL, e)) < 0 ||
        (rc = tenant_for_new_org(db, o->parent_id, tenant_root, &tenant, e)) < 0)
        return rc;
    for (const char *p = parent_path; *p; p++)
        depth += *p == '/';
    /* the path needs the id: insert under a unique placeholder, then set it */
    snprintf(tmp, sizeof(tmp), "#%s", o->code);
    rc = db_query_int(db, e, &id,
                      "INSERT INTO orgs(code, name, kind, parent_id, path, depth, created_at,"
                      " updated_at, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $7, $8)"
                      " RETURNING id",
                      "tttItiii", o->code, o->name, kind, o->parent_id, tmp, (long long)depth - 1,
                      now, tenant);
    if (rc == -ERR_CONFLICT)
        return errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "code", o->code,
                            "organization code '%s' already exists", o->code);
    if (rc < 0)
        return rc;
    tenant_remember(db, id, tenant);
    if (snprintf(path, sizeof(path), "%s%lld/", parent_path, id) >= (int)sizeof(path) - 64)
        return errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "parent_id", NULL,
                            "the tree would be too deep");
    /* the row this transaction just made: sent without waiting */
    if ((rc = db_queue(db, e, "UPDATE orgs SET path = $1 WHERE id = $2", "ti", path, id)) < 0)
        return rc;
    if (o->secretary_id) {
        if ((rc = check_secretary(db, o->secretary_id, path, e)) < 0 ||
            (rc = db_run(db, e, "UPDATE orgs SET secretary_id = $1 WHERE id = $2", "ii",
                         o->secretary_id, id)) < 0)
            return rc;
    }
    /* a new tenant root changes which subtrees span tenants (tenant_of_subtree) */
    if (tenant_root && (rc = version_bump(db, TOPIC_MEMBERS, e)) < 0)
        return rc;
    d = json_pack("{s:s, s:s, s:s}", "code", o->code, "name", o->name, "kind", kind);
    if (tenant_root)
        json_object_set_new(d, "tenant_id", json_integer(tenant));
    rc = audit_log(db, actor, id, "create", "org", id, d, e);
    json_decref(d);
    if (rc < 0)
        return rc;
    *ret_id = id;
    return 0;
}

int org_create(struct db *db, const struct org_in *o, long long actor, long long *ret_id,
               struct errbuf *e)
{
    return create(db, o, false, actor, ret_id, e);
}

int org_create_tenant(struct db *db, const struct org_in *o, long long actor, long long *ret_id,
                      struct errbuf *e)
{
    return create(db, o, true, actor, ret_id, e);
}

int org_update(struct db *db, long long id, const char *name, const char *kind,
               long long secretary_id, long long actor, struct errbuf *e)
{
    char cur_kind[32], path[ORG_PATH_MAX], parent_kind[32] = "";
    long long parent = 0, now = (long long)time(NULL), children = 0;
    const char *k = NULL;
    json_t *d = json_object(), *before = NULL, *diff;
    int rc = load(db, id, cur_kind, sizeof(cur_kind), path, sizeof(path), e);
    if (rc == 0)
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", id,
                              "organization %lld not found", id);
    if (rc < 0 ||
        (rc = audit_before(db, "SELECT name, kind, secretary_id FROM orgs WHERE id = $1", id,
                           "tti", (const char *const[]){"name", "kind", "secretary_id"}, &before,
                           e)) < 0)
        goto out;
    if (name) {
        if ((rc = check_name(name, e)) < 0 ||
            (rc = db_run(db, e, "UPDATE orgs SET name = $1, updated_at = $2 WHERE id = $3", "tii",
                         name, now, id)) < 0)
            goto out;
        json_object_set_new(d, "name", json_string(name));
    }
    if (kind) {
        if (!(k = org_kind_parse(kind))) {
            rc = errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "kind", kind, "invalid kind '%s'",
                              kind);
            goto out;
        }
        if ((rc = db_query_int(db, e, &parent, "SELECT parent_id FROM orgs WHERE id = $1", "i",
                               id)) < 0)
            goto out;
        if (parent && (rc = load(db, parent, parent_kind, sizeof(parent_kind), NULL, 0, e)) < 0)
            goto out;
        if ((rc = check_parent_kind(k, parent ? parent_kind : NULL, e)) < 0)
            goto out;
        if ((rc = db_query_int(db, e, &children,
                               "SELECT COUNT(*) FROM orgs c WHERE c.parent_id = $1 AND"
                               " ((c.kind = 'group' AND $2 <> 'branch') OR"
                               " (c.kind <> 'group' AND $2 IN ('branch', 'group')) OR"
                               " (c.kind IN ('committee', 'general_branch') AND $2 <> 'committee'))",
                               "it", id, k)) < 0)
            goto out;
        if (children) {
            rc = errbuf_field(
                e, -ERR_INVALID, R_WRONG_ORG_KIND, "kind", k,
                "cannot make organization %lld a %s: its sub-organizations do not fit", id, k);
            goto out;
        }
        if (strcmp(k, "branch") != 0 &&
            (rc = db_query_int(db, e, &children, "SELECT COUNT(*) FROM members WHERE org_id = $1",
                               "i", id)) >= 0 &&
            children) {
            rc = errbuf_field(
                e, -ERR_INVALID, R_WRONG_ORG_KIND, "kind", k,
                "cannot make organization %lld a %s: its %lld members belong to a branch", id, k,
                children);
            goto out;
        }
        if (rc < 0)
            goto out;
        if ((rc = db_run(db, e, "UPDATE orgs SET kind = $1, updated_at = $2 WHERE id = $3", "tii",
                         k, now, id)) < 0)
            goto out;
        json_object_set_new(d, "kind", json_string(k));
    }
    if (secretary_id >= 0) {
        if ((rc = check_secretary(db, secretary_id, path, e)) < 0 ||
            (rc = db_run(db, e, "UPDATE orgs SET secretary_id = $1, updated_at = $2 WHERE id = $3",
                         "Iii", secretary_id, now, id)) < 0)
            goto out;
        json_object_set_new(d, "secretary_id",
                            secretary_id ? json_integer(secretary_id) : json_null());
    }
    diff = audit_diff(before, d);
    rc = audit_log(db, actor, id, "update", "org", id, diff, e);
    json_decref(diff);
out:
    json_decref(before);
    json_decref(d);
    return rc;
}

/* A move keeps every row of the subtree on its tenant's shard: an organization moves only
 * within its tenant; a tenant root (a provincial company) moves with its whole tenant. */
static int check_same_tenant(struct db *db, long long id, long long new_parent, struct errbuf *e)
{
    long long mine, theirs, parent = 0, above = 0;
    int rc;
    if ((rc = tenant_of_org(db, id, &mine, e)) < 0 ||
        (rc = tenant_of_org(db, new_parent, &theirs, e)) < 0 ||
        (rc = db_query_int(db, e, &parent, "SELECT parent_id FROM orgs WHERE id = $1", "i",
                           id)) < 0 ||
        (parent && (rc = tenant_of_org(db, parent, &above, e)) < 0))
        return rc;
    if (mine == theirs || (parent && above != mine))
        return 0;
    return errbuf_field_int(e, -ERR_INVALID, R_OTHER_TENANT, "parent_id", new_parent,
                            "cannot move organization %lld into another tenant (provincial "
                            "company): its rows stay with their tenant",
                            id);
}

int org_move(struct db *db, long long id, long long new_parent, long long actor,
             struct errbuf *e)
{
    char kind[32], path[ORG_PATH_MAX], pkind[32], ppath[ORG_PATH_MAX], newpath[ORG_PATH_MAX],
        hi[ORG_PATH_MAX];
    long long old_parent = 0;
    int rc, old_depth = 0, new_depth = 0;
    json_t *d;
    if ((rc = load(db, id, kind, sizeof(kind), path, sizeof(path), e)) <= 0)
        return rc < 0 ? rc
                      : errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", id,
                                         "organization %lld not found", id);
    if ((rc = load(db, new_parent, pkind, sizeof(pkind), ppath, sizeof(ppath), e)) <= 0)
        return rc < 0 ? rc
                      : errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "parent_id", new_parent,
                                         "new parent organization %lld not found", new_parent);
    if (strncmp(ppath, path, strlen(path)) == 0)
        return errbuf_field_int(
            e, -ERR_INVALID, R_TREE_CYCLE, "parent_id", new_parent,
            "cannot move organization %lld under itself or its own sub-organization", id);
    if ((rc = check_parent_kind(kind, pkind, e)) < 0 || (rc = check_same_tenant(db, id, new_parent, e)) < 0)
        return rc;
    if (snprintf(newpath, sizeof(newpath), "%s%lld/", ppath, id) >= (int)sizeof(newpath) - 64)
        return errbuf_field_int(e, -ERR_INVALID, R_OUT_OF_RANGE, "parent_id", new_parent,
                                "the tree would be too deep");
    for (const char *p = path; *p; p++)
        old_depth += *p == '/';
    for (const char *p = newpath; *p; p++)
        new_depth += *p == '/';
    scope_bounds(path, hi, sizeof(hi));
    if ((rc = db_query_int(db, e, &old_parent, "SELECT parent_id FROM orgs WHERE id = $1", "i",
                           id)) < 0)
        return rc;
    /* every path in the subtree swaps its old prefix for the new one */
    if ((rc = db_run(db, e,
                     "UPDATE orgs SET path = $1 || substr(path, $2), depth = depth + $3,"
                     " updated_at = $4 WHERE path >= $5 AND path < $6",
                     "tiiitt", newpath, (long long)strlen(path) + 1,
                     (long long)(new_depth - old_depth), (long long)time(NULL), path, hi)) < 0)
        return rc;
    if ((rc = db_run(db, e,
                     "UPDATE members SET org_path = $1 || substr(org_path, $2)"
                     " WHERE org_path >= $3 AND org_path < $4",
                     "titt", newpath, (long long)strlen(path) + 1, path, hi)) < 0)
        return rc;
    if ((rc = db_run(db, e, "UPDATE orgs SET parent_id = $1 WHERE id = $2", "ii", new_parent,
                     id)) < 0 ||
        (rc = version_bump(db, TOPIC_MEMBERS, e)) < 0)
        return rc;
    d = json_pack("{s:{s:I, s:I}}", "parent_id", "from", old_parent, "to", new_parent);
    rc = audit_log(db, actor, id, "move", "org", id, d, e);
    json_decref(d);
    return rc;
}

/* joins, not correlated subqueries: Citus runs no correlated subquery of a distributed table
 * (members) under a reference table (orgs); the count's grouping column takes the org's id
 * (PostgreSQL pushes o.id = $1 into the grouped subquery) */
#define ORG_COLS                                                                                   \
    "o.id, o.code, o.name, o.kind, o.parent_id, o.path, o.depth, o.secretary_id, s.name,"          \
    " COALESCE(c.n, 0), o.tenant_id FROM orgs o LEFT JOIN members s ON s.id = o.secretary_id"                   \
    " LEFT JOIN (SELECT org_id, COUNT(*) AS n FROM members WHERE status = 'active'"                \
    " GROUP BY org_id) c ON c.org_id = o.id"

static json_t *row_json(struct db_stmt *st)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "id", db_col_int(st, 0),
                          "code", db_col_text(st, 1), "name", db_col_text(st, 2), "kind",
                          db_col_text(st, 3), "kind_label", org_kind_label(db_col_text(st, 3)),
                          "path", db_col_text(st, 5), "depth", db_col_int(st, 6), "members",
                          db_col_int(st, 9), "tenant_id", db_col_int(st, 10));
    json_object_set_new(o, "parent_id", db_col_null(st, 4) ? json_null()
                                                           : json_integer(db_col_int(st, 4)));
    json_object_set_new(o, "secretary_id", db_col_null(st, 7) ? json_null()
                                                              : json_integer(db_col_int(st, 7)));
    json_object_set_new(o, "secretary_name", db_col_null(st, 8) ? json_null()
                                                                : json_string(db_col_text(st, 8)));
    return o;
}

int org_get(struct db *db, long long id, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db, "SELECT " ORG_COLS " WHERE o.id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    rc = db_step(st, e);
    if (rc == 1)
        *ret = row_json(st);
    db_done(st);
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", id,
                                "organization %lld not found", id);
    return rc < 0 ? rc : 0;
}

int org_subtree(struct db *db, const char *path, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    char hi[ORG_PATH_MAX];
    json_t *list = json_array();
    int rc;
    scope_bounds(path, hi, sizeof(hi));
    if ((rc = db_prepare(db,
                         "SELECT " ORG_COLS " WHERE o.path >= $1 AND o.path < $2"
                         " ORDER BY o.path",
                         &st, e)) < 0) {
        json_decref(list);
        return rc;
    }
    db_bindv(st, "tt", path, hi);
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(list, row_json(st));
    db_done(st);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *ret = list;
    return 0;
}

int org_tree(struct db *db, const char *path, json_t **ret, struct errbuf *e)
{
    json_t *flat, *byid = json_object(), *root = NULL;
    size_t i;
    json_t *o;
    int rc = org_subtree(db, path, &flat, e);
    if (rc < 0) {
        json_decref(byid);
        return rc;
    }
    /* ordered by path, so a parent always comes before its children */
    json_array_foreach(flat, i, o)
    {
        char key[32];
        json_t *parent;
        json_object_set_new(o, "children", json_array());
        snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(json_object_get(o, "id")));
        json_object_set(byid, key, o);
        snprintf(key, sizeof(key), "%lld",
                 (long long)json_integer_value(json_object_get(o, "parent_id")));
        parent = i ? json_object_get(byid, key) : NULL;
        if (parent)
            json_array_append(json_object_get(parent, "children"), o);
        else if (!root)
            root = json_incref(o);
    }
    json_decref(byid);
    json_decref(flat);
    if (!root)
        return errbuf_field(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", path,
                            "no organization at '%s'", path);
    *ret = root;
    return 0;
}
