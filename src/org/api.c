#include "org/api.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "base/xlsxwrite.h"
#include "db/db.h"
#include "org/audit.h"
#include "org/member.h"
#include "org/org.h"
#include "base/banned.h"

/* The organization a listing starts from: ?org_id= when given (checked against the caller's
 * scope), else the caller's first binding with a role in mask. */
static int scope_root(struct req *r, int mask, char *path, long long *ret_id, struct errbuf *e)
{
    long long id = 0;
    int rc = req_query_int(r, "org_id", 0, 0, (long long)1 << 62, &id, e);
    if (rc < 0)
        return rc;
    if (!id) {
        for (int i = 0; i < r->auth.nroles && !id; i++)
            if (r->auth.roles[i].role & mask)
                id = r->auth.roles[i].org_id;
        if (!id)
            return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, NULL, NULL,
                                "your role may not list organizations");
    }
    if (ret_id)
        *ret_id = id;
    return auth_check_org(r->db, &r->auth, mask, id, path, e);
}

/* Run fn inside a transaction: all of it or nothing. */
static int in_tx(struct req *r, struct errbuf *e, int rc)
{
    if (rc < 0) {
        db_rollback(r->db);
        return rc;
    }
    return db_commit(r->db, e);
}

int api_org_tree(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    json_t *tree;
    int rc;
    if ((rc = scope_root(r, ROLE_STAFF, path, NULL, e)) < 0 ||
        (rc = org_tree(r->db, path, &tree, e)) < 0)
        return rc;
    return req_reply_json(r, 200, tree);
}

int api_org_get(struct req *r, struct errbuf *e)
{
    long long id;
    char path[ORG_PATH_MAX];
    json_t *o;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = org_path(r->db, id, path, sizeof(path), e)) < 0)
        return rc;
    /* a member may read the organizations above and at their own branch, nothing else */
    if (!auth_covers(&r->auth, ROLE_STAFF, path)) {
        bool ok = false;
        for (int i = 0; i < r->auth.nroles; i++)
            if (r->auth.roles[i].role == ROLE_MEMBER &&
                strncmp(r->auth.roles[i].org_path, path, strlen(path)) == 0)
                ok = true;
        if (!ok)
            return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "org_id", id,
                                    "organization %lld is outside your scope", id);
    }
    if ((rc = org_get(r->db, id, &o, e)) < 0)
        return rc;
    return req_reply_json(r, 200, o);
}

int api_org_subtree(struct req *r, struct errbuf *e)
{
    long long id;
    char path[ORG_PATH_MAX];
    json_t *list;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = auth_check_org(r->db, &r->auth, ROLE_STAFF, id, path, e)) < 0 ||
        (rc = org_subtree(r->db, path, &list, e)) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:o}", "items", list));
}

int api_org_create(struct req *r, struct errbuf *e)
{
    struct org_in o = {0};
    long long id = 0;
    json_t *out, *tenant;
    int rc;
    if ((rc = req_str(r, "code", true, 32, &o.code, e)) < 0 ||
        (rc = req_str(r, "name", true, 100, &o.name, e)) < 0 ||
        (rc = req_str(r, "kind", true, 20, &o.kind, e)) < 0 ||
        (rc = req_int(r, "parent_id", true, &o.parent_id, e)) < 0 ||
        (rc = req_int(r, "secretary_id", false, &o.secretary_id, e)) < 0)
        return rc;
    if ((tenant = json_object_get(r->json, "tenant")) && !json_is_boolean(tenant))
        return errbuf_field(e, -ERR_INVALID, R_NOT_BOOLEAN, "tenant", NULL,
                            "tenant must be true or false");
    /* creating under a parent is managing the parent's subtree */
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_ORG_ADMIN, o.parent_id, NULL, e)) < 0)
        return rc == -ERR_NOTFOUND
                   ? errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "parent_id", o.parent_id,
                                      "parent organization %lld not found", o.parent_id)
                   : rc;
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    rc = in_tx(r, e,
               json_is_true(tenant) ? org_create_tenant(r->db, &o, r->auth.account_id, &id, e)
                                    : org_create(r->db, &o, r->auth.account_id, &id, e));
    if (rc < 0 || (rc = org_get(r->db, id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 201, out);
}

int api_org_update(struct req *r, struct errbuf *e)
{
    const char *name = NULL, *kind = NULL;
    long long id, secretary = -1;
    json_t *out, *sv;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = auth_check_org(r->db, &r->auth, ROLE_ORG_ADMIN, id, NULL, e)) < 0 ||
        (rc = req_str(r, "name", false, 100, &name, e)) < 0 ||
        (rc = req_str(r, "kind", false, 20, &kind, e)) < 0)
        return rc;
    sv = json_object_get(r->json, "secretary_id");
    if (sv && json_is_null(sv))
        secretary = 0;
    else if (sv && (!json_is_integer(sv) || json_integer_value(sv) <= 0))
        return errbuf_field(e, -ERR_INVALID, R_NOT_INTEGER, "secretary_id", NULL,
                            "field 'secretary_id' must be a member id or null");
    else if (sv)
        secretary = json_integer_value(sv);
    if (json_object_get(r->json, "code") || json_object_get(r->json, "parent_id"))
        return errbuf_field(
            e, -ERR_INVALID, R_NOT_ALLOWED, "code", NULL,
            "code cannot be changed; to change the parent use POST /orgs/{id}/move");
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    if ((rc = in_tx(r, e, org_update(r->db, id, name, kind, secretary, r->auth.account_id, e))) < 0 ||
        (rc = org_get(r->db, id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_org_move(struct req *r, struct errbuf *e)
{
    long long id, parent = 0;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = auth_check_org(r->db, &r->auth, ROLE_ORG_ADMIN, id, NULL, e)) < 0 ||
        (rc = req_int(r, "parent_id", true, &parent, e)) < 0)
        return rc;
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_ORG_ADMIN, parent, NULL, e)) < 0)
        return rc == -ERR_NOTFOUND
                   ? errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "parent_id", parent,
                                      "new parent organization %lld not found", parent)
                   : rc;
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    if ((rc = in_tx(r, e, org_move(r->db, id, parent, r->auth.account_id, e))) < 0 ||
        (rc = org_get(r->db, id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

/* The member list as an .xlsx (党员名册): personal numbers masked as in the JSON. */
static const struct xlsx_col member_cols[] = {
    {"工号", "emp_no", 's', 12, NULL},          {"姓名", "name", 's', 12, NULL},
    {"性别", "gender_label", 's', 6, NULL},     {"出生日期", "birth_date", 's', 12, NULL},
    {"入党日期", "joined_date", 's', 12, NULL}, {"党员类型", "party_status_label", 's', 12, NULL},
    {"人员类别", "category_label", 's', 12, NULL}, {"职务", "position", 's', 16, NULL},
    {"手机号", "phone", 's', 14, NULL},         {"组织编码", "org_code", 's', 12, NULL},
    {"所在组织", "org_name", 's', 28, NULL},    {"状态", "status_label", 's', 8, NULL},
};

int api_member_list(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    struct member_query q = {0};
    json_t *out;
    bool xlsx;
    int rc;
    if ((rc = scope_root(r, ROLE_STAFF, path, NULL, e)) < 0 ||
        (rc = req_format(r, &xlsx, e)) < 0 ||
        (rc = req_page(r, 20, &q.page, &q.page_size, e)) < 0)
        return rc;
    if (xlsx) /* the export is the whole filtered list, not a page */
        q.page = 1, q.page_size = XLSX_EXPORT_MAX_ROWS;
    q.path = path;
    q.q = req_query(r, "q");
    q.status = req_query(r, "status");
    if (q.q && strlen(q.q) > 100)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "q", NULL,
                             "query parameter 'q' is longer than 100 bytes"),
                errbuf_limit(e, 100));
    if ((rc = member_list(r->db, &q, &out, e)) < 0)
        return rc;
    return req_reply_list(r, xlsx, out, "党员名册", member_cols,
                          sizeof(member_cols) / sizeof(member_cols[0]), e);
}

/* The member `id` as JSON (personal numbers in full when `full`), once the caller may read
 * it: the member themself, or staff covering the member's organization. */
static int member_read(struct req *r, long long id, bool full, json_t **ret, char *path,
                       struct errbuf *e)
{
    bool self = r->auth.member_id == id;
    int rc = member_get(r->db, id, !full, ret, path, e);
    if (rc < 0)
        return rc == -ERR_NOTFOUND && !self && !auth_has_role(&r->auth, ROLE_STAFF)
                   ? errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "member_id", id,
                                      "member %lld is outside your scope", id)
                   : rc;
    if (!self && !auth_covers(&r->auth, ROLE_STAFF, path)) {
        json_decref(*ret);
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "member_id", id,
                                "member %lld is outside your scope", id);
    }
    return 0;
}

int api_member_get(struct req *r, struct errbuf *e)
{
    long long id;
    char path[ORG_PATH_MAX];
    json_t *m;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0)
        return rc;
    /* ID card and phone masked, except for the member themself: staff who need the numbers
     * ask GET /members/{id}/personal, which is audited */
    if ((rc = member_read(r, id, r->auth.member_id == id, &m, path, e)) < 0)
        return rc;
    return req_reply_json(r, 200, m);
}

int api_member_personal(struct req *r, struct errbuf *e)
{
    long long id;
    char path[ORG_PATH_MAX];
    json_t *m, *out, *d;
    bool self;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0)
        return rc;
    self = r->auth.member_id == id;
    if ((rc = member_read(r, id, true, &m, path, e)) < 0)
        return rc;
    if (!self && !auth_covers(&r->auth, ROLE_SECRETARY | ROLE_ORG_ADMIN, path)) {
        json_decref(m);
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, "member_id", id,
                                "only the member and the staff who manage people may read "
                                "member %lld's ID card and mobile numbers",
                                id);
    }
    out = json_pack("{s:I, s:O, s:O}", "id", id, "phone", json_object_get(m, "phone"), "id_card",
                    json_object_get(m, "id_card"));
    d = json_pack("{s:[ss]}", "fields", "phone", "id_card");
    rc = self ? 0
              : audit_log(r->db, r->auth.account_id, json_integer_value(json_object_get(m, "org_id")),
                          "reveal", "member", id, d, e);
    json_decref(d);
    json_decref(m);
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    return req_reply_json(r, 200, out);
}

static int member_from_json(struct req *r, struct member_in *m, struct errbuf *e)
{
    static const struct {
        const char *key;
        size_t off, max;
    } fields[] = {
        {"emp_no", offsetof(struct member_in, emp_no), 32},
        {"name", offsetof(struct member_in, name), 50},
        {"gender", offsetof(struct member_in, gender), 10},
        {"birth_date", offsetof(struct member_in, birth_date), 10},
        {"joined_date", offsetof(struct member_in, joined_date), 10},
        {"party_status", offsetof(struct member_in, party_status), 20},
        {"category", offsetof(struct member_in, category), 20},
        {"position", offsetof(struct member_in, position), 100},
        {"phone", offsetof(struct member_in, phone), 20},
        {"id_card", offsetof(struct member_in, id_card), 20},
        {"status", offsetof(struct member_in, status), 20},
    };
    const char *key;
    json_t *v;
    int rc;
    if (!json_is_object(r->json))
        return errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, NULL, NULL, "expected a JSON object");
    json_object_foreach(r->json, key, v)
    {
        size_t i;
        for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
            if (strcmp(fields[i].key, key) == 0)
                break;
        /* other members: org_id below; the router refused undocumented ones */
        if (i < sizeof(fields) / sizeof(fields[0]) &&
            (rc = req_str(r, key, false, fields[i].max,
                          (const char **)((char *)m + fields[i].off), e)) < 0)
            return rc;
    }
    return req_int(r, "org_id", false, &m->org_id, e);
}

int api_member_create(struct req *r, struct errbuf *e)
{
    struct member_in m = {0};
    long long id = 0;
    json_t *out;
    int rc;
    if ((rc = member_from_json(r, &m, e)) < 0)
        return rc;
    if (!m.org_id)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "org_id", NULL,
                            "field 'org_id' is required");
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_ORG_ADMIN | ROLE_SECRETARY, m.org_id, NULL, e)) < 0)
        return rc == -ERR_NOTFOUND
                   ? errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", m.org_id,
                                      "organization %lld not found", m.org_id)
                   : rc;
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    if ((rc = in_tx(r, e, member_create(r->db, &m, month_of_time(time(NULL)), r->auth.account_id, &id, e))) < 0 ||
        (rc = member_get(r->db, id, false, &out, NULL, e)) < 0)
        return rc;
    return req_reply_json(r, 201, out);
}

int api_member_update(struct req *r, struct errbuf *e)
{
    struct member_in m = {0};
    char path[ORG_PATH_MAX];
    long long id;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = member_from_json(r, &m, e)) < 0)
        return rc;
    if ((rc = member_get(r->db, id, false, &out, path, e)) < 0)
        return rc;
    json_decref(out);
    if (!auth_covers(&r->auth, ROLE_ORG_ADMIN | ROLE_SECRETARY, path))
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "member_id", id,
                                "member %lld is outside your scope", id);
    /* moving a member needs the right to the destination too */
    if (m.org_id && (rc = auth_check_org(r->db, &r->auth, ROLE_ORG_ADMIN | ROLE_SECRETARY, m.org_id, NULL, e)) < 0)
        return rc == -ERR_NOTFOUND
                   ? errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", m.org_id,
                                      "organization %lld not found", m.org_id)
                   : rc;
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    if ((rc = in_tx(r, e, member_update(r->db, id, &m, month_of_time(time(NULL)), r->auth.account_id, e))) < 0 ||
        (rc = member_get(r->db, id, false, &out, NULL, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}
