#include "org/member.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/month.h"
#include "base/parse.h"
#include "base/text.h"
#include "db/db.h"
#include "db/versions.h"
#include "org/audit.h"
#include "org/member_pii.h"
#include "org/member_row.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

struct choice {
    const char *value, *label, *alt;
};

static const struct choice genders[] = {{"male", "男", "M"}, {"female", "女", "F"}, {0, 0, 0}};
static const struct choice party_statuses[] = {
    {"full", "正式党员", "正式"}, {"probationary", "预备党员", "预备"}, {0, 0, 0}};
static const struct choice categories[] = {{"in_service", "在职", "在岗"},
                                           {"retired", "离退休", "退休"},
                                           {"farmer", "农民", "农牧民"},
                                           {"student", "学生", "在校学生"},
                                           {"unemployed", "失业或低保", "下岗失业"},
                                           {0, 0, 0}};
static const struct choice statuses[] = {{"active", "正常", "在册"},
                                         {"transferred_out", "转出", "组织关系转出"},
                                         {"deceased", "去世", "死亡"},
                                         {"left", "出党", "退党"},
                                         {0, 0, 0}};

static const char *choose(const struct choice *c, const char *s)
{
    for (; s && c->value; c++)
        if (strcmp(c->value, s) == 0 || strcmp(c->label, s) == 0 || strcmp(c->alt, s) == 0)
            return c->value;
    return NULL;
}

static const char *label(const struct choice *c, const char *value)
{
    for (; c->value; c++)
        if (strcmp(c->value, value) == 0)
            return c->label;
    return "";
}

static int bad_choice(const struct choice *c, const char *field, const char *s, struct errbuf *e)
{
    char allowed[256] = "";
    size_t used = 0;
    for (; c->value && used < sizeof(allowed) - 1; c++) {
        int n = snprintf(allowed + used, sizeof(allowed) - used, "%s%s", used ? ", " : "",
                         c->label);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, field, s,
                        "%s: invalid value '%.60s' (use %s)", field, s, allowed);
}

static int text_field(const char *field, const char *s, size_t max, bool required,
                      struct errbuf *e)
{
    size_t n;
    if (!s)
        return required
                   ? errbuf_field(e, -ERR_INVALID, R_REQUIRED, field, NULL, "%s: required", field)
                   : 0;
    n = text_utf8_chars(s);
    if (required && n == 0)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, field, NULL, "%s: required", field);
    if (n > max)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, field, s,
                             "%s: longer than %zu characters", field, max),
                errbuf_limit(e, (long long)max));
    return 0;
}

static int date_field(const char *field, const char *s, struct errbuf *e)
{
    int ymd;
    if (!s || !*s)
        return 0;
    if (date_parse_iso(s, &ymd) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_DATE, field, s,
                            "%s: invalid date '%.40s' (use YYYY-MM-DD)", field, s);
    if (ymd > date_today())
        return errbuf_field(e, -ERR_INVALID, R_IN_FUTURE, field, s,
                            "%s: date '%s' is in the future", field, s);
    return 0;
}

int member_validate(const struct member_in *in, bool create, struct member_in *out,
                    struct errbuf *e)
{
    int rc;
    *out = *in;
    if ((rc = text_field("emp_no", in->emp_no, 32, create || in->emp_no, e)) < 0 ||
        (rc = text_field("name", in->name, 50, create || in->name, e)) < 0 ||
        (rc = text_field("position", in->position, 100, false, e)) < 0)
        return rc;
    if (in->emp_no) {
        for (const char *p = in->emp_no; *p; p++)
            if ((unsigned char)*p <= ' ')
                return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "emp_no", in->emp_no,
                                    "emp_no: must not contain spaces");
    }
    if (create && !in->org_id)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "org_id", NULL, "org_id: required");
    if (in->gender && *in->gender && !(out->gender = choose(genders, in->gender)))
        return bad_choice(genders, "gender", in->gender, e);
    if (in->party_status && !(out->party_status = choose(party_statuses, in->party_status)))
        return bad_choice(party_statuses, "party_status", in->party_status, e);
    if (in->category && !(out->category = choose(categories, in->category)))
        return bad_choice(categories, "category", in->category, e);
    if (in->status && !(out->status = choose(statuses, in->status)))
        return bad_choice(statuses, "status", in->status, e);
    if ((rc = date_field("birth_date", in->birth_date, e)) < 0 ||
        (rc = date_field("joined_date", in->joined_date, e)) < 0)
        return rc;
    if (in->id_card && *in->id_card && !idcard_valid(in->id_card))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_ID_CARD, "id_card", in->id_card,
                            "id_card: invalid ID card number '%.40s'", in->id_card);
    if (in->phone && *in->phone && !phone_valid(in->phone))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_PHONE, "phone", in->phone,
                            "phone: invalid mobile number '%.40s'", in->phone);
    return 0;
}

int member_emp_taken(const char *emp_no, struct errbuf *e)
{
    return errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "emp_no", emp_no,
                        "emp_no: member '%s' already exists", emp_no);
}

int member_org_fits(long long org_id, const char *kind, struct errbuf *e)
{
    if (!kind)
        return errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", org_id,
                                "org_id: organization %lld not found", org_id);
    if (strcmp(kind, "branch") != 0)
        return errbuf_field_int(
            e, -ERR_INVALID, R_MEMBER_NEEDS_BRANCH, "org_id", org_id,
            "org_id: members belong to a branch (党支部); organization %lld is not one", org_id);
    return 0;
}

int member_check_org(struct db *db, long long org_id, struct errbuf *e)
{
    struct db_stmt *st;
    char kind[16] = "";
    int rc;
    if ((rc = db_prepare(db, "SELECT kind FROM orgs WHERE id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, org_id);
    if ((rc = db_step(st, e)) == 1)
        snprintf(kind, sizeof(kind), "%s", db_col_text(st, 0));
    db_done(st);
    return rc < 0 ? rc : member_org_fits(org_id, rc == 1 ? kind : NULL, e);
}

/* Tell the processes that cache members (event ingestion) that members changed. */
int member_touch(struct db *db, struct errbuf *e)
{
    return version_bump(db, TOPIC_MEMBERS, e);
}

/* A member's month history row; the member's tenant is their organization's. */
static int history_row(struct db *db, long long id, long long org_id, int month, struct errbuf *e)
{
    long long tenant;
    int rc = tenant_of_org(db, org_id, &tenant, e);
    if (rc >= 0)
        rc = db_run(db, e,
                    "INSERT INTO member_orgs(member_id, org_id, from_month, tenant_id)"
                    " VALUES($1, $2, $3, $4)",
                    "iiii", id, org_id, (long long)month, tenant);
    return rc < 0 ? rc : 0;
}

/* A member moves within their tenant only: their rows stay on its shard. */
static int check_move_tenant(struct db *db, long long from, long long to, struct errbuf *e)
{
    long long a, b;
    int rc;
    if ((rc = tenant_of_org(db, from, &a, e)) < 0 || (rc = tenant_of_org(db, to, &b, e)) < 0)
        return rc;
    return a == b ? 0
                  : errbuf_field_int(e, -ERR_INVALID, R_OTHER_TENANT, "org_id", to,
                                     "org_id: organization %lld is in another tenant (provincial "
                                     "company): transfer the member out and in instead",
                                     to);
}

int member_create(struct db *db, const struct member_in *in, int month, long long actor,
                  long long *ret_id, struct errbuf *e)
{
    struct member_in m;
    struct member_pii pii;
    long long id = 0, now = (long long)time(NULL);
    int rc;
    json_t *d;
    if ((rc = member_validate(in, true, &m, e)) < 0 ||
        (rc = member_check_org(db, m.org_id, e)) < 0 ||
        (rc = member_pii_unique(db, m.id_card, 0, e)) < 0 ||
        (rc = member_pii_seal(m.phone, m.id_card, &pii, e)) < 0)
        return rc;
    rc = db_query_int(
        db, e, &id,
        "INSERT INTO members(org_id, org_path, emp_no, name, gender, birth_date, joined_date,"
        " party_status, category, position, phone, id_card, status, created_at, updated_at,"
        " phone_hash, id_card_hash, tenant_id)"
        " SELECT $1, o.path, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15,"
        " o.tenant_id FROM orgs o WHERE o.id = $1 RETURNING id",
        "itttttttttttitt", m.org_id, m.emp_no, m.name, m.gender ? m.gender : "",
        m.birth_date && *m.birth_date ? m.birth_date : NULL,
        m.joined_date && *m.joined_date ? m.joined_date : NULL,
        m.party_status ? m.party_status : "full", m.category ? m.category : "in_service",
        m.position ? m.position : "", pii.phone, pii.id_card, m.status ? m.status : "active",
        now, pii.phone_hash, pii.id_card_hash);
    if (rc == -ERR_CONFLICT)
        return member_emp_taken(m.emp_no, e);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", m.org_id,
                                "org_id: organization %lld not found", m.org_id);
    if ((rc = history_row(db, id, m.org_id, month, e)) < 0)
        return rc;
    if ((rc = member_touch(db, e)) < 0)
        return rc;
    d = json_pack("{s:s, s:s, s:I}", "emp_no", m.emp_no, "name", m.name, "org_id", m.org_id);
    rc = audit_log(db, actor, m.org_id, "create", "member", id, d, e);
    json_decref(d);
    if (rc < 0)
        return rc;
    *ret_id = id;
    return 0;
}

/* Record a move between organizations in the month history. */
static int move_history(struct db *db, long long id, long long org_id, int month,
                        struct errbuf *e)
{
    long long last = 0;
    int rc = db_query_int(db, e, &last,
                          "SELECT MAX(from_month) FROM member_orgs WHERE member_id = $1", "i", id);
    if (rc < 0)
        return rc;
    if (last >= month) /* moved again within the month: the month goes to the latest */
        return db_run(db, e,
                      "UPDATE member_orgs SET org_id = $1, to_month = NULL"
                      " WHERE member_id = $2 AND from_month = $3",
                      "iii", org_id, id, last) < 0
                   ? -ERR_DB
                   : 0;
    if ((rc = db_run(db, e,
                     "UPDATE member_orgs SET to_month = $1 WHERE member_id = $2 AND to_month IS NULL",
                     "ii", (long long)month_add(month, -1), id)) < 0)
        return rc;
    return history_row(db, id, org_id, month, e);
}

/* The columns member_update reads before it changes them, for the audit row. */
static const char *const member_fields[] = {"emp_no",   "name",     "gender",       "birth_date",
                                            "joined_date", "party_status", "category",
                                            "position", "phone",    "id_card",      "status",
                                            "org_id"};

/* The change of a personal field in an audit detail, masked: phone and ID card never stand
 * in the audit log in full. Compared unmasked first, so a change of the hidden digits still
 * shows as a change. */
static void mask_change(json_t *diff, const char *field,
                        void (*mask)(const char *s, char *out, size_t n))
{
    json_t *c = json_object_get(diff, field);
    char out[32];
    for (int i = 0; c && i < 2; i++) {
        const char *end = i ? "to" : "from";
        const char *v = json_string_value(json_object_get(c, end));
        if (v) {
            mask(v, out, sizeof(out));
            json_object_set_new(c, end, json_string(out));
        }
    }
}

int member_update(struct db *db, long long id, const struct member_in *in, int month,
                  long long actor, struct errbuf *e)
{
    static const struct {
        const char *col;
        size_t off;
    } cols[] = {
        {"emp_no", offsetof(struct member_in, emp_no)},
        {"name", offsetof(struct member_in, name)},
        {"gender", offsetof(struct member_in, gender)},
        {"birth_date", offsetof(struct member_in, birth_date)},
        {"joined_date", offsetof(struct member_in, joined_date)},
        {"party_status", offsetof(struct member_in, party_status)},
        {"category", offsetof(struct member_in, category)},
        {"position", offsetof(struct member_in, position)},
        {"phone", offsetof(struct member_in, phone)},
        {"id_card", offsetof(struct member_in, id_card)},
        {"status", offsetof(struct member_in, status)},
    };
    struct member_in m;
    long long cur_org = 0, now = (long long)time(NULL);
    json_t *d = json_object(), *before = NULL, *diff;
    int rc;
    if ((rc = member_validate(in, false, &m, e)) < 0)
        goto out;
    if ((rc = audit_before(db,
                           "SELECT emp_no, name, gender, birth_date, joined_date, party_status,"
                           " category, position, phone, id_card, status, org_id FROM members"
                           " WHERE id = $1",
                           id, "ttttttttttti", member_fields, &before, e)) <= 0) {
        if (rc == 0)
            rc = errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_MEMBER, "member_id", id,
                                  "member %lld not found", id);
        goto out;
    }
    cur_org = json_integer_value(json_object_get(before, "org_id"));
    /* the stored numbers are sealed: compared opened, masked in the detail (mask_change) */
    for (int k = 0; k < 2; k++) {
        const char *col = k ? "id_card" : "phone";
        char plain[80];
        const char *v = json_string_value(json_object_get(before, col));
        if (v && (rc = member_pii_show(col, v, false, plain, sizeof(plain), e)) < 0)
            goto out;
        if (v)
            json_object_set_new(before, col, json_string(plain));
    }
    /* one UPDATE per present field keeps the SQL static (no text built from input) */
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
        const char *v = *(const char *const *)((const char *)&m + cols[i].off);
        char sql[160];
        bool nullable = strstr(cols[i].col, "_date") != NULL;
        bool personal = strcmp(cols[i].col, "phone") == 0 || strcmp(cols[i].col, "id_card") == 0;
        if (!v)
            continue;
        if (personal) {
            /* sealed, with its hash; the audit keeps the masked number only */
            struct member_pii p;
            bool phone = cols[i].col[0] == 'p';
            if ((!phone && (rc = member_pii_unique(db, v, id, e)) < 0) ||
                (rc = member_pii_seal(phone ? v : "", phone ? "" : v, &p, e)) < 0)
                goto out;
            snprintf(sql, sizeof(sql),
                     "UPDATE members SET %s = $1, %s_hash = $2, updated_at = $3 WHERE id = $4",
                     cols[i].col, cols[i].col);
            rc = db_run(db, e, sql, "ttii", phone ? p.phone : p.id_card,
                        phone ? p.phone_hash : p.id_card_hash, now, id);
            if (rc < 0)
                goto out;
            json_object_set_new(d, cols[i].col, json_string(v));
            continue;
        }
        snprintf(sql, sizeof(sql), "UPDATE members SET %s = $1, updated_at = $2 WHERE id = $3",
                 cols[i].col);
        rc = db_run(db, e, sql, "tii", nullable && !*v ? NULL : v, now, id);
        if (rc == -ERR_CONFLICT)
            rc = errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "emp_no", v,
                              "emp_no: member '%s' already exists", v);
        if (rc < 0)
            goto out;
        json_object_set_new(d, cols[i].col, nullable && !*v ? json_null() : json_string(v));
    }
    if (m.org_id && m.org_id != cur_org) {
        if ((rc = member_check_org(db, m.org_id, e)) < 0 ||
            (rc = check_move_tenant(db, cur_org, m.org_id, e)) < 0 ||
            (rc = db_run(db, e,
                         "UPDATE members SET org_id = $1, updated_at = $2,"
                         " org_path = (SELECT path FROM orgs WHERE id = $1) WHERE id = $3",
                         "iii", m.org_id, now, id)) < 0 ||
            (rc = move_history(db, id, m.org_id, month, e)) < 0)
            goto out;
        /* a secretary who leaves the organization is no longer its secretary */
        if ((rc = db_run(db, e, "UPDATE orgs SET secretary_id = NULL WHERE secretary_id = $1"
                                " AND id = $2",
                         "ii", id, cur_org)) < 0)
            goto out;
        json_object_set_new(d, "org_id", json_integer(m.org_id));
    }
    if ((rc = member_touch(db, e)) < 0)
        goto out;
    diff = audit_diff(before, d);
    mask_change(diff, "phone", mask_phone);
    mask_change(diff, "id_card", mask_idcard);
    rc = audit_log(db, actor, m.org_id ? m.org_id : cur_org, "update", "member", id, diff, e);
    json_decref(diff);
out:
    json_decref(before);
    json_decref(d);
    return rc < 0 ? rc : 0;
}

json_t *member_row_json(struct db_stmt *st, bool mask, struct errbuf *e)
{
    char phone[80], idc[80];
    const char *gender = db_col_text(st, 3);
    if (member_pii_show("phone", db_col_text(st, 9), mask, phone, sizeof(phone), e) < 0 ||
        member_pii_show("id_card", db_col_text(st, 10), mask, idc, sizeof(idc), e) < 0)
        return NULL;
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}",
        "id", db_col_int(st, 0), "emp_no", db_col_text(st, 1), "name", db_col_text(st, 2),
        "gender", gender, "gender_label", *gender ? label(genders, gender) : "", "party_status",
        db_col_text(st, 6), "party_status_label", label(party_statuses, db_col_text(st, 6)),
        "category", db_col_text(st, 7), "category_label", label(categories, db_col_text(st, 7)),
        "position", db_col_text(st, 8), "phone", phone, "id_card", idc, "status",
        db_col_text(st, 11), "status_label", label(statuses, db_col_text(st, 11)), "org_id",
        db_col_int(st, 12), "org_code", db_col_text(st, 13), "org_name", db_col_text(st, 14));
    json_object_set_new(o, "birth_date", db_col_null(st, 4) ? json_null()
                                                            : json_string(db_col_text(st, 4)));
    json_object_set_new(o, "joined_date", db_col_null(st, 5) ? json_null()
                                                             : json_string(db_col_text(st, 5)));
    return o;
}

int member_get(struct db *db, long long id, bool mask, json_t **ret, char *org_path,
               struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT " MEMBER_COLS " FROM members m JOIN orgs o ON o.id = m.org_id"
                         " WHERE m.id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        if (!(*ret = member_row_json(st, mask, e)))
            rc = e->code ? e->code : -ERR_INTERNAL;
        if (org_path)
            snprintf(org_path, ORG_PATH_MAX, "%s", db_col_text(st, 15));
    }
    db_done(st);
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_MEMBER, "member_id", id,
                                "member %lld not found", id);
    return rc < 0 ? rc : 0;
}

int member_find_emp(struct db *db, const char *emp_no, long long *ret_id, struct errbuf *e)
{
    int rc = db_find_id(db, "SELECT id FROM members WHERE emp_no = $1", emp_no,
                        "no member with emp_no '%s'", ret_id, e);
    return rc == -ERR_NOTFOUND ? errbuf_why(e, R_UNKNOWN_MEMBER, "emp_no", emp_no) : rc;
}

int member_status_choose(const char *s, const char **ret, struct errbuf *e)
{
    *ret = choose(statuses, s);
    return *ret ? 0 : bad_choice(statuses, "status", s, e);
}
