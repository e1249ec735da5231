/* HTTP handlers: rules, income bases, terms, bills, member dues and payments. Handlers check
 * scope (which organization or member a request touches) and privacy, then call the
 * domain; the router has already checked the caller's roles and the body type. */
#include "dues/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "base/xlsxread.h"
#include "base/xlsxwrite.h"
#include "db/db.h"
#include "dues/base.h"
#include "dues/bill.h"
#include "dues/payment.h"
#include "dues/report.h"
#include "dues/rules.h"
#include "org/audit.h"
#include "org/scope.h"
#include "base/banned.h"


/* ---- shared helpers */

int dues_api_org(struct req *r, int mask, bool from_body, char *path, long long *ret_id,
                 struct errbuf *e)
{
    long long id = 0;
    int rc = from_body ? req_int(r, "org_id", false, &id, e)
                       : req_query_int(r, "org_id", 0, 0, (long long)1 << 62, &id, e);
    if (rc < 0)
        return rc;
    if (!id) /* the caller's first organization with a role in mask */
        for (int i = 0; i < r->auth.nroles && !id; i++)
            if (r->auth.roles[i].role & mask)
                id = r->auth.roles[i].org_id;
    if (!id)
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, NULL, NULL,
                            "your roles do not allow this");
    if ((rc = auth_check_org(r->db, &r->auth, mask, id, path, e)) == -ERR_NOTFOUND && from_body)
        return errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", id,
                                "field 'org_id': organization %lld not found", id);
    if (rc < 0)
        return rc;
    *ret_id = id;
    return 0;
}

/* A month as 202401, "202401" or "2024-01". */
static int month_value(json_t *v, int *ret)
{
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 1000000 &&
        month_valid((int)json_integer_value(v))) {
        *ret = (int)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v))
        return month_parse(json_string_value(v), ret);
    return -ERR_INVALID;
}

int dues_api_month(struct req *r, const char *key, bool from_body, int def, int *ret,
                   struct errbuf *e)
{
    if (from_body) {
        json_t *v = json_object_get(r->json, key);
        if (!v || json_is_null(v)) {
            if (!def)
                return errbuf_field(e, -ERR_INVALID, R_REQUIRED, key, NULL,
                                    "field '%s' is required (YYYYMM)", key);
            *ret = def;
            return 0;
        }
        if (month_value(v, ret) < 0)
            return errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, key, NULL,
                                "field '%s' must be a month YYYYMM", key);
        return 0;
    }
    const char *s = req_query(r, key);
    if (!s || !*s) {
        if (!def)
            return errbuf_field(e, -ERR_INVALID, R_REQUIRED, key, NULL,
                                "query parameter '%s' is required (YYYYMM)", key);
        *ret = def;
        return 0;
    }
    if (month_parse(s, ret) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, key, s,
                            "query parameter '%s': invalid month '%.20s' (YYYYMM)", key, s);
    return 0;
}

int dues_api_reply(struct req *r, bool xlsx, const char *which, json_t *report, struct errbuf *e)
{
    char *data = NULL;
    size_t len = 0;
    int rc;
    if (!xlsx)
        return req_reply_json(r, 200, report);
    rc = dues_report_xlsx(which, report, &data, &len, e);
    json_decref(report);
    if (rc < 0)
        return rc;
    rc = req_reply_raw(r, 200, XLSX_MEDIA_TYPE, data, len);
    free(data);
    return rc < 0 ? errbuf_set(e, rc, "out of memory") : 0;
}

static int page_args(struct req *r, long long *page, long long *size, struct errbuf *e)
{
    int rc = req_query_int(r, "page", 1, 1, 1000000, page, e);
    return rc < 0 ? rc : req_query_int(r, "page_size", 50, 1, 500, size, e);
}

/* The member's organization path; 0, or -ERR_NOTFOUND. */
/* A member_id that names nobody is a bad field of the body (400), not a missing page. */
static int unknown_member(struct errbuf *e)
{
    errbuf_prefix(e, "field 'member_id'");
    e->code = -ERR_INVALID;
    return errbuf_why(e, R_UNKNOWN_MEMBER, "member_id", NULL);
}

int dues_api_member_path(struct req *r, long long member, char *path, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(r->db, "SELECT org_path FROM members WHERE id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, member);
    if ((rc = db_step(st, e)) == 1)
        snprintf(path, ORG_PATH_MAX, "%s", db_col_text(st, 0));
    db_done(st);
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_MEMBER, "member_id", member,
                                "member %lld not found", member);
    return rc < 0 ? rc : 0;
}

int dues_api_in_tx(struct req *r, int rc, struct errbuf *e)
{
    if (rc < 0) {
        db_rollback(r->db);
        return rc;
    }
    return db_commit(r->db, e);
}

/* ---- rules, bases, terms */

int api_dues_rules(struct req *r, struct errbuf *e)
{
    json_t *all;
    int rc = dues_rules_all(r->db, &all, e);
    if (rc < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:o}", "versions", all));
}

int api_dues_bases(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org, year, page, size;
    const char *missing = req_query(r, "missing");
    json_t *out;
    int rc;
    if ((rc = dues_api_org(r, ROLE_STAFF, false, path, &org, e)) < 0 ||
        (rc = req_query_int(r, "year", dues_current_month() / 100, 2008, 2100, &year, e)) < 0 ||
        (rc = page_args(r, &page, &size, e)) < 0)
        return rc;
    if ((rc = dues_bases_list(r->db, path, (int)year, missing && strcmp(missing, "1") == 0,
                              auth_covers(&r->auth, ROLE_FINANCE, path), page, size, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

/* A member named in the body that is not found: a 400 on the field, member_path's message
 * after its name. Not errbuf_set(e, ..., e->msg): vsnprintf must not read the buffer it
 * writes, and the message came out as "field 'member_id': field 'member_id': " (found by
 * tests/fuzz/body, regress/body/dues-bases-unknown-member). */
int api_dues_base_set(struct req *r, struct errbuf *e)
{
    struct dues_base_in in = {0};
    long long year = 0, fen = 0;
    int from = 0, rc;
    char path[ORG_PATH_MAX];
    json_t *bases;
    if ((rc = req_int(r, "member_id", true, &in.member_id, e)) < 0 ||
        (rc = req_int(r, "year", true, &year, e)) < 0 ||
        (rc = req_int(r, "monthly_fen", true, &fen, e)) < 0 ||
        (rc = req_str(r, "verified_by", false, 64, &in.verified_by, e)) < 0)
        return rc;
    if (req_has(r, "from_month") && (rc = dues_api_month(r, "from_month", true, 0, &from, e)) < 0)
        return rc;
    if ((rc = dues_api_member_path(r, in.member_id, path, e)) < 0)
        return rc == -ERR_NOTFOUND ? unknown_member(e) : rc;
    if (!auth_covers(&r->auth, ROLE_FINANCE, path))
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "member_id", in.member_id,
                                "member %lld is outside your scope", in.member_id);
    if (year < 2008 || year > 2100) /* checked here too: a long long does not fit the int */
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "year", NULL,
                             "field 'year': %lld is not a year from 2008 to 2100", year),
                errbuf_value_int(e, year), errbuf_range(e, 2008, 2100));
    in.year = (int)year;
    in.from_month = from;
    in.monthly_fen = fen;
    if ((rc = db_begin(r->db, e)) < 0 ||
        (rc = dues_api_in_tx(r, dues_base_set(r->db, &in, r->auth.account_id, e), e)) < 0 ||
        (rc = dues_bases_of_member(r->db, in.member_id, &bases, e)) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:I, s:o}", "member_id", (json_int_t)in.member_id,
                                            "bases", bases));
}

int api_dues_term_add(struct req *r, struct errbuf *e)
{
    struct dues_term_in in = {0};
    char path[ORG_PATH_MAX];
    long long id = 0;
    int rc;
    if ((rc = req_int(r, "member_id", true, &in.member_id, e)) < 0 ||
        (rc = req_str(r, "kind", true, 16, &in.kind, e)) < 0 ||
        (rc = req_int(r, "amount_fen", false, &in.amount_fen, e)) < 0 ||
        (rc = dues_api_month(r, "from_month", true, 0, &in.from_month, e)) < 0 ||
        (req_has(r, "to_month") && (rc = dues_api_month(r, "to_month", true, 0, &in.to_month, e)) < 0) ||
        (rc = req_str(r, "approved_by", true, 64, &in.approved_by, e)) < 0 ||
        (rc = req_str(r, "approved_on", true, 10, &in.approved_on, e)) < 0 ||
        (rc = req_str(r, "note", false, 200, &in.note, e)) < 0)
        return rc;
    if ((rc = dues_api_member_path(r, in.member_id, path, e)) < 0)
        return rc == -ERR_NOTFOUND ? unknown_member(e) : rc;
    if (!auth_covers(&r->auth, ROLE_FINANCE | ROLE_COMMITTEE, path))
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "member_id", in.member_id,
                                "member %lld is outside your scope", in.member_id);
    if ((rc = db_begin(r->db, e)) < 0 ||
        (rc = dues_api_in_tx(r, dues_term_add(r->db, &in, r->auth.account_id, &id, e), e)) < 0)
        return rc;
    return req_reply_json(r, 201, json_pack("{s:I, s:I, s:s, s:i}", "id", (json_int_t)id,
                                            "member_id", (json_int_t)in.member_id, "kind",
                                            in.kind, "from_month", in.from_month));
}

/* ---- the monthly cycle */

int api_dues_generate(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    struct dues_gen_stats s;
    long long org;
    int month, rc;
    json_t *out;
    if ((rc = dues_api_month(r, "month", true, 0, &month, e)) < 0 ||
        (rc = dues_api_org(r, ROLE_FINANCE | ROLE_ADMIN, true, path, &org, e)) < 0 ||
        (rc = dues_generate(r->db, month, path, r->auth.account_id, &s, e)) < 0)
        return rc;
    out = json_pack("{s:i, s:I, s:i, s:I, s:I, s:I, s:I, s:I, s:o}", "month", month, "org_id",
                    (json_int_t)org, "rule_version", s.rule_version, "liable",
                    (json_int_t)s.liable, "created", (json_int_t)s.created, "filled",
                    (json_int_t)s.filled, "base_missing", (json_int_t)s.base_missing, "exempt",
                    (json_int_t)s.exempt, "missing", s.missing);
    if (auth_covers(&r->auth, ROLE_FINANCE, path))
        json_object_set_new(out, "amount_fen", json_integer(s.amount_fen));
    return req_reply_json(r, 200, out);
}

int api_dues_publish(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    struct dues_pub_stats s;
    long long org;
    int month, rc;
    json_t *out;
    if ((rc = dues_api_month(r, "month", true, 0, &month, e)) < 0 ||
        (rc = dues_api_org(r, ROLE_SECRETARY | ROLE_FINANCE, true, path, &org, e)) < 0 ||
        (rc = dues_publish(r->db, month, org, path, r->auth.account_id, &s, e)) < 0)
        return rc;
    out = json_pack("{s:i, s:I, s:o, s:I, s:I, s:I}", "month", month, "org_id", (json_int_t)org,
                    "publication_id",
                    s.publication_id ? json_integer(s.publication_id) : json_null(), "published",
                    (json_int_t)s.bills, "orgs", (json_int_t)s.orgs, "settled_from_credit",
                    (json_int_t)s.credited);
    if (auth_covers(&r->auth, ROLE_FINANCE, path))
        json_object_set_new(out, "amount_fen", json_integer(s.amount_fen));
    return req_reply_json(r, 200, out);
}

/* The bills as an .xlsx (党费账单); the amounts only where the JSON has them (finance). */
static const struct xlsx_col bill_cols[] = {
    {"月份", "month", 'i', 10, NULL},          {"工号", "emp_no", 's', 12, NULL},
    {"姓名", "name", 's', 12, NULL},           {"所在组织", "org_name", 's', 28, NULL},
    {"状态", "status", 'l', 12, dues_status_label}, {"计算基数（元）", "base_fen", 'm', 16, NULL},
    {"费率（基点）", "rate_bp", 'i', 12, NULL}, {"应缴金额（元）", "amount_fen", 'm', 16, NULL},
    {"缴费日期", "paid_at", 'd', 12, NULL},    {"按时交纳", "on_time", 'b', 10, NULL},
};

int api_dues_bills(struct req *r, struct errbuf *e)
{
    static const char *const statuses[] = {"no_base", "exempt", "unpaid", "paid", "confirmed"};
    char path[ORG_PATH_MAX];
    long long org, page, size;
    const char *status = req_query(r, "status");
    int month, rc;
    json_t *out;
    bool xlsx;
    if (status && *status) {
        size_t i;
        for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
            if (strcmp(statuses[i], status) == 0)
                break;
        if (i == sizeof(statuses) / sizeof(statuses[0]))
            return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "status", NULL,
                                "query parameter 'status' must be no_base, exempt, unpaid, paid or "
                                "confirmed");
    }
    if ((rc = dues_api_org(r, ROLE_STAFF, false, path, &org, e)) < 0 ||
        (rc = dues_api_month(r, "month", false, dues_current_month(), &month, e)) < 0 ||
        (rc = page_args(r, &page, &size, e)) < 0 || (rc = req_format(r, &xlsx, e)) < 0)
        return rc;
    if (xlsx)
        page = 1, size = XLSX_EXPORT_MAX_ROWS;
    if ((rc = dues_bills_list(r->db, path, month, status, auth_covers(&r->auth, ROLE_FINANCE, path),
                              page, size, &out, e)) < 0)
        return rc;
    json_object_set_new(out, "org_id", json_integer(org));
    return req_reply_list(r, xlsx, out, "党费账单", bill_cols,
                          sizeof(bill_cols) / sizeof(bill_cols[0]), e);
}

/* A member's dues: the member and finance see amounts and income; staff covering the
 * member see months and statuses; nobody else sees anything. */
int api_dues_member(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long id;
    int from, to, rc;
    bool amounts, xlsx;
    json_t *out;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = dues_api_member_path(r, id, path, e)) < 0)
        return rc;
    amounts = id == r->auth.member_id || auth_covers(&r->auth, ROLE_FINANCE, path);
    if (!amounts && !auth_covers(&r->auth, ROLE_STAFF, path))
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "member_id", id,
                                "member %lld is outside your scope", id);
    if ((rc = dues_api_month(r, "to", false, month_add(dues_current_month(), DUES_AHEAD_MONTHS),
                             &to, e)) < 0 ||
        (rc = dues_api_month(r, "from", false, month_add(dues_current_month(), -23), &from, e)) < 0 ||
        (rc = req_format(r, &xlsx, e)) < 0)
        return rc;
    if (from > to)
        return errbuf_field(e, -ERR_INVALID, R_MISMATCH, "from", NULL, "'from' is after 'to'");
    if ((rc = dues_member_history(r->db, id, from, to, amounts, &out, e)) < 0)
        return rc;
    return dues_api_reply(r, xlsx, "history", out, e);
}

/* ---- payments */

int dues_api_read_months(struct req *r, long long member, int *months, size_t *ret_n,
                         struct errbuf *e)
{
    json_t *m = json_object_get(r->json, "months"), *b = json_object_get(r->json, "bill_ids"), *v;
    size_t i, n = 0;
    if (m && !json_is_array(m))
        return errbuf_field(e, -ERR_INVALID, R_NOT_ARRAY, "months", NULL,
                            "field 'months' must be an array of months (YYYYMM)");
    if (b && !json_is_array(b))
        return errbuf_field(e, -ERR_INVALID, R_NOT_ARRAY, "bill_ids", NULL,
                            "field 'bill_ids' must be an array of bill ids");
    if (json_array_size(m) + json_array_size(b) > DUES_MAX_MONTHS)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_MANY, "months", NULL,
                             "at most %d months in one payment", DUES_MAX_MONTHS),
                errbuf_limit(e, DUES_MAX_MONTHS));
    json_array_foreach(m, i, v)
    {
        if (month_value(v, &months[n]) < 0)
            return (errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, "months", NULL,
                                 "field 'months', item %zu: not a month (YYYYMM)", i),
                    errbuf_index(e, (long long)i));
        n++;
    }
    json_array_foreach(b, i, v)
    {
        long long owner = 0, month = 0;
        struct db_stmt *st;
        int rc;
        if (!json_is_integer(v))
            return (errbuf_field(e, -ERR_INVALID, R_NOT_INTEGER, "bill_ids", NULL,
                                 "field 'bill_ids', item %zu: not an id", i),
                    errbuf_index(e, (long long)i));
        if ((rc = db_prepare(r->db,
                             "SELECT member_id, month FROM dues_bills WHERE id = $1"
                             " AND kind = 'regular'",
                             &st, e)) < 0)
            return rc;
        db_bind_int(st, 1, json_integer_value(v));
        if ((rc = db_step(st, e)) == 1) {
            owner = db_col_int(st, 0);
            month = db_col_int(st, 1);
        }
        db_done(st);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return (errbuf_field(e, -ERR_INVALID, R_NOT_FOUND, "bill_ids", NULL,
                                 "field 'bill_ids', item %zu: no bill %lld", i,
                                 (long long)json_integer_value(v)),
                    errbuf_value_int(e, (long long)json_integer_value(v)),
                    errbuf_index(e, (long long)i));
        if (owner != member)
            return errbuf_field_int(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, "bill_ids",
                                    (long long)json_integer_value(v),
                                    "bill %lld is not yours: a member pays only their own dues",
                                    (long long)json_integer_value(v));
        months[n++] = (int)month;
    }
    *ret_n = n;
    return 0;
}

/* The caller as the paying member: their own member record, never another's. */
static int paying_member(struct req *r, long long *ret, struct errbuf *e)
{
    long long asked = 0;
    int rc;
    if (!r->auth.member_id)
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, NULL, NULL,
                            "your account is not a party member's");
    if (r->json && (rc = req_int(r, "member_id", false, &asked, e)) < 0)
        return rc;
    if (asked && asked != r->auth.member_id)
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, NULL, NULL,
                            "a member pays only their own dues (finance records collections)");
    *ret = r->auth.member_id;
    return 0;
}

int api_dues_quote(struct req *r, struct errbuf *e)
{
    struct dues_pay_in in = {0};
    int months[DUES_MAX_MONTHS];
    const char *list = req_query(r, "months");
    long long vol = 0;
    size_t n = 0;
    json_t *out;
    int rc;
    if ((rc = paying_member(r, &in.member_id, e)) < 0 ||
        (rc = req_query_int(r, "voluntary_fen", 0, 0, 100000000, &vol, e)) < 0)
        return rc;
    /* months=202401,202402 */
    for (const char *p = list; p && *p;) {
        char one[16];
        size_t len = strcspn(p, ",");
        if (n >= DUES_MAX_MONTHS || len >= sizeof(one))
            return (errbuf_field(e, -ERR_INVALID, R_TOO_MANY, "months", NULL,
                                 "query parameter 'months': at most %d months YYYYMM",
                                 DUES_MAX_MONTHS),
                    errbuf_limit(e, DUES_MAX_MONTHS));
        memcpy(one, p, len);
        one[len] = '\0';
        if (month_parse(one, &months[n++]) < 0)
            return errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, "months", one,
                                "query parameter 'months': invalid month '%s'", one);
        p += len + (p[len] == ',');
    }
    in.months = months;
    in.nmonths = n;
    in.voluntary_fen = vol;
    in.online = true;
    if ((rc = dues_payment_quote(r->db, &in, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_dues_pay(struct req *r, struct errbuf *e)
{
    struct dues_pay_in in = {0};
    int months[DUES_MAX_MONTHS];
    long long id = 0, member;
    json_t *out;
    int rc;
    if ((rc = paying_member(r, &in.member_id, e)) < 0 ||
        (rc = dues_api_read_months(r, in.member_id, months, &in.nmonths, e)) < 0 ||
        (rc = req_int(r, "amount_fen", true, &in.amount_fen, e)) < 0 ||
        (rc = req_int(r, "voluntary_fen", false, &in.voluntary_fen, e)) < 0 ||
        (rc = req_str(r, "channel", true, 16, &in.channel, e)) < 0 ||
        (rc = req_str(r, "external_ref", false, 64, &in.external_ref, e)) < 0)
        return rc;
    in.months = months;
    in.online = true;
    in.actor = r->auth.account_id;
    if ((rc = db_begin(r->db, e)) < 0 ||
        (rc = dues_api_in_tx(r, dues_payment_create(r->db, &in, &id, e), e)) < 0 ||
        (rc = dues_payment_get(r->db, id, &out, &member, e)) < 0)
        return rc;
    return req_reply_json(r, 201, out);
}

int api_dues_payment_get(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long id, member = 0;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = dues_payment_get(r->db, id, &out, &member, e)) < 0)
        return rc;
    if (member != r->auth.member_id &&
        ((rc = dues_api_member_path(r, member, path, e)) < 0 || !auth_covers(&r->auth, ROLE_FINANCE, path))) {
        json_decref(out);
        /* others may not even learn that the payment exists */
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "payment_id", id,
                                "payment %lld not found", id);
    }
    return req_reply_json(r, 200, out);
}

