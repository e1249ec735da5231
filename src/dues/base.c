#include "dues/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/csvread.h"
#include "base/month.h"
#include "base/parse.h"
#include "base/text.h"
#include "db/db.h"
#include "dues/bill.h"
#include "dues/rules.h"
#include "org/audit.h"
#include "org/import.h"
#include "org/member.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

#define YEAR_MIN 2008 /* the 2008 rules are the oldest the system knows */
#define YEAR_MAX 2100

static int check_base(const struct dues_base_in *in, int *ret_from, struct errbuf *e)
{
    int from = in->from_month ? in->from_month : in->year * 100 + 1;
    if (in->year < YEAR_MIN || in->year > YEAR_MAX) {
        errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "year", NULL,
                     "year: %d is not a year from %d to %d", in->year, YEAR_MIN, YEAR_MAX);
        errbuf_value_int(e, in->year);
        return errbuf_range(e, YEAR_MIN, YEAR_MAX);
    }
    if (!month_valid(from) || from / 100 != in->year) {
        errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, "from_month", NULL,
                     "from_month: %d is not a month of %d", from, in->year);
        return errbuf_value_int(e, from);
    }
    if (in->monthly_fen <= 0) {
        errbuf_field(e, -ERR_INVALID, R_INVALID_AMOUNT, "monthly_fen", NULL,
                     "monthly_fen: the monthly income must be positive, not %lld (members "
                     "without income belong to another category or hold an exemption)",
                     in->monthly_fen);
        return errbuf_value_int(e, in->monthly_fen);
    }
    if (in->monthly_fen > DUES_MAX_BASE_FEN) {
        errbuf_field(e, -ERR_INVALID, R_INVALID_AMOUNT, "monthly_fen", NULL,
                     "monthly_fen: %lld fen (more than 1,000,000 yuan a month) is not a "
                     "plausible income",
                     in->monthly_fen);
        return errbuf_value_int(e, in->monthly_fen);
    }
    if (in->verified_by && text_utf8_chars(in->verified_by) > 64) {
        errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "verified_by", in->verified_by,
                     "verified_by: longer than 64 characters");
        return errbuf_limit(e, 64);
    }
    *ret_from = from;
    return 0;
}

/* Who verified: the given name, else the actor's display name or login, else the CLI. */
static void verifier(struct db *db, const char *given, long long actor, char *out, size_t n)
{
    struct db_stmt *st;
    snprintf(out, n, "%s", given && *given ? given : actor ? "" : "命令行导入");
    if (*out || db_prepare(db,
                           "SELECT CASE WHEN display_name <> '' THEN display_name ELSE login END"
                           " FROM accounts WHERE id = $1",
                           &st, NULL) < 0)
        return;
    db_bind_int(st, 1, actor);
    if (db_step(st, NULL) == 1)
        snprintf(out, n, "%s", db_col_text(st, 0));
    db_done(st);
}

int dues_base_set(struct db *db, const struct dues_base_in *in, long long actor,
                  struct errbuf *e)
{
    long long tenant;
    char who[200];
    long long org = 0;
    json_t *d;
    int from, rc;
    if ((rc = check_base(in, &from, e)) < 0)
        return rc;
    rc = db_query_int(db, e, &org, "SELECT org_id FROM members WHERE id = $1", "i", in->member_id);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field(e, -ERR_NOTFOUND, R_UNKNOWN_MEMBER, "member_id", NULL,
                            "member %lld not found", in->member_id);
    verifier(db, in->verified_by, actor, who, sizeof(who));
    if ((rc = tenant_of_org(db, org, &tenant, e)) < 0) /* the member's tenant */
        return rc;
    rc = db_run(db, e,
                "INSERT INTO income_bases(member_id, org_id, year, from_month, monthly_fen,"
                " verified_by, verified_at, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8)"
                " ON CONFLICT (member_id, from_month, tenant_id) DO UPDATE SET org_id = excluded.org_id,"
                " year = excluded.year, monthly_fen = excluded.monthly_fen,"
                " verified_by = excluded.verified_by, verified_at = excluded.verified_at",
                "iiiiitii", in->member_id, org, (long long)in->year, (long long)from,
                in->monthly_fen, who, dues_now(), tenant);
    if (rc < 0)
        return rc;
    /* the amount stays out of the audit log: income is private */
    d = json_pack("{s:i, s:i, s:s}", "year", in->year, "from_month", from, "verified_by", who);
    rc = audit_log(db, actor, org, "update", "income_base", in->member_id, d, e);
    json_decref(d);
    return rc;
}

int dues_base_for(struct db *db, long long member_id, int month, long long *ret_fen,
                  struct errbuf *e)
{
    long long v = 0;
    int rc = db_query_int(db, e, &v,
                          "SELECT monthly_fen FROM income_bases WHERE member_id = $1 AND year = $2"
                          " AND from_month <= $3 ORDER BY from_month DESC LIMIT 1",
                          "iii", member_id, (long long)(month / 100), (long long)month);
    if (rc == 1)
        *ret_fen = v;
    return rc;
}

/* ---- import */

enum { B_EMP, B_YEAR, B_INCOME, B_VERIFIED };
static const struct csv_column base_cols[] = {
    {"emp_no", "工号", true},
    {"year", "年度", true},
    {"monthly_income_yuan", "月收入（元）", true},
    {"verified_by", "核定人", false},
};

static int parse_year(const char *s, int *ret)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < YEAR_MIN || v > YEAR_MAX)
        return -1;
    *ret = (int)v;
    return 0;
}

int dues_import_bases(struct db *db, struct csv_table *t, bool dry_run, long long actor,
                      const struct auth *scope, int mask, struct import_report *rep,
                      struct errbuf *e)
{
    size_t n = csv_table_rows(t);
    struct dues_base_in *in = NULL;
    json_t *seen = json_object();
    long mark;
    int rc;
    memset(rep, 0, sizeof(*rep));
    rep->rows = n;
    if ((rc = csv_table_map(t, base_cols, sizeof(base_cols) / sizeof(base_cols[0]), e)) < 0)
        goto out;
    if (!(in = calloc(n ? n : 1, sizeof(*in)))) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    /* check every row first, so the user sees all the errors at once */
    for (size_t i = 0; i < n; i++) {
        size_t line = csv_table_line(t, i);
        const char *emp = csv_table_get(t, i, B_EMP), *year = csv_table_get(t, i, B_YEAR);
        const char *income = csv_table_get(t, i, B_INCOME);
        struct errbuf re = ERRBUF_INIT;
        char key[96];
        int from;
        if (!*emp) {
            import_add_error(rep, line, "emp_no", R_REQUIRED, "", "required");
            continue;
        }
        if (member_find_emp(db, emp, &in[i].member_id, &re) < 0) {
            import_add_reason(rep, line, "emp_no", &re, "%s", re.msg);
            continue;
        }
        if (scope) {
            long long org = 0;
            bool covered = false;
            if ((rc = db_query_int(db, e, &org, "SELECT org_id FROM members WHERE id = $1", "i",
                                   in[i].member_id)) < 0 ||
                (rc = import_in_scope(db, scope, mask, org, &covered, e)) < 0)
                goto out;
            if (!covered) {
                import_add_error(rep, line, "emp_no", R_OUTSIDE_SCOPE, emp,
                                 "member '%s' belongs to an organization outside your scope",
                                 emp);
                continue;
            }
        }
        if (parse_year(year, &in[i].year) < 0) {
            struct errbuf ye = ERRBUF_INIT;
            errbuf_field(&ye, -ERR_INVALID, R_OUT_OF_RANGE, NULL, year, "%s", "");
            errbuf_range(&ye, YEAR_MIN, YEAR_MAX);
            import_add_reason(rep, line, "year", &ye, "invalid year '%.20s' (%d to %d)", year,
                              YEAR_MIN, YEAR_MAX);
            continue;
        }
        if (parse_amount_fen(income, &in[i].monthly_fen) < 0) {
            import_add_error(rep, line, "monthly_income_yuan", R_INVALID_AMOUNT, income,
                             "invalid amount '%.40s' (yuan with at most two decimals)", income);
            continue;
        }
        in[i].verified_by = csv_table_get(t, i, B_VERIFIED);
        if (check_base(&in[i], &from, &re) < 0) {
            /* the message names the API's field; the file's column is the income in yuan */
            bool income_col = strcmp(re.field, "monthly_fen") == 0;
            if (income_col)
                errbuf_why(&re, re.why, NULL, income);
            import_add_reason(rep, line, income_col ? "monthly_income_yuan" : re.field, &re, "%s",
                              strchr(re.msg, ':') ? strchr(re.msg, ':') + 2 : re.msg);
            continue;
        }
        snprintf(key, sizeof(key), "%s/%d", emp, in[i].year);
        if (json_object_get(seen, key)) {
            import_add_error(rep, line, "emp_no", R_DUPLICATE, emp, "'%s' has two rows for %d", emp,
                             in[i].year);
            continue;
        }
        json_object_set_new(seen, key, json_true());
    }
    if (rep->nerrors) {
        rc = import_refuse(rep, e);
        goto out;
    }
    if ((rc = db_begin(db, e)) < 0)
        goto out;
    mark = audit_batch_begin();
    for (size_t i = 0; i < n && rc >= 0; i++) {
        long long had = 0;
        rc = db_query_int(db, e, &had,
                          "SELECT COUNT(*) FROM income_bases WHERE member_id = $1 AND from_month = $2",
                          "ii", in[i].member_id, (long long)(in[i].year * 100 + 1));
        if (rc >= 0)
            rc = dues_base_set(db, &in[i], actor, e);
        if (rc < 0)
            errbuf_prefix(e, "row %zu", csv_table_line(t, i));
        else if (had)
            rep->updated++;
        else
            rep->created++;
    }
    audit_batch_end(mark);
    if (rc >= 0)
        rc = import_audit(db, "income_base", actor, scope, mask, rep, e);
    if (rc < 0 || dry_run)
        db_rollback(db);
    else
        rc = db_commit(db, e);
out:
    free(in);
    json_decref(seen);
    return rc < 0 ? rc : 0;
}

/* ---- lists */

int dues_bases_list(struct db *db, const char *path, int year, bool missing_only,
                    bool show_amounts, long long page, long long page_size, json_t **ret,
                    struct errbuf *e)
{
    /* [missing_only][in one tenant]: a subtree in one tenant names it, so that Citus reads
     * that tenant's shards alone */
#define ALL(tenant)                                                                                \
    "SELECT m.id, m.emp_no, m.name, m.category, m.org_id, o.name, b.from_month,"                  \
    " b.monthly_fen, b.verified_by, b.verified_at FROM (SELECT id, emp_no, name, category,"        \
    " org_id, org_path, tenant_id FROM members WHERE org_path >= $1 AND org_path < $2"             \
    " AND status = 'active'" tenant " ORDER BY org_path, emp_no LIMIT $4 OFFSET $5) m"            \
    " JOIN orgs o ON o.id = m.org_id"                                                              \
    " LEFT JOIN income_bases b ON b.member_id = m.id AND b.tenant_id = m.tenant_id"                \
    " AND b.year = $3 ORDER BY m.org_path, m.emp_no, b.from_month"
#define MISSING(tenant)                                                                            \
    " m.org_path >= $1 AND m.org_path < $2 AND m.status = 'active'"                                \
    " AND m.category IN ('in_service', 'retired')" tenant " AND NOT EXISTS (SELECT 1 FROM"         \
    " income_bases b WHERE b.member_id = m.id AND b.tenant_id = m.tenant_id AND b.year = $3)"
#define MISSING_PAGE(tenant)                                                                       \
    "SELECT m.id, m.emp_no, m.name, m.category, m.org_id, o.name, NULL, NULL, NULL, NULL"          \
    " FROM members m JOIN orgs o ON o.id = m.org_id WHERE" MISSING(tenant)                         \
    " ORDER BY m.org_path, m.emp_no LIMIT $4 OFFSET $5"
#define COUNT_ALL(tenant)                                                                          \
    "SELECT COUNT(*) FROM members WHERE org_path >= $1 AND org_path < $2 AND status = 'active'"    \
    " AND $3 > 0" tenant
    static const char *const sql[2][2] = {
        {ALL(""), ALL(" AND tenant_id = $6")},
        {MISSING_PAGE(""), MISSING_PAGE(" AND m.tenant_id = $6")},
    };
    static const char *const count_sql[2][2] = {
        {COUNT_ALL(""), COUNT_ALL(" AND tenant_id = $4")},
        {"SELECT COUNT(*) FROM members m WHERE" MISSING(""),
         "SELECT COUNT(*) FROM members m WHERE" MISSING(" AND m.tenant_id = $4")},
    };
#undef ALL
#undef MISSING
#undef MISSING_PAGE
#undef COUNT_ALL
    char hi[ORG_PATH_MAX];
    json_t *items = json_array(), *cur = NULL;
    struct db_stmt *st;
    long long total = 0, last = 0, tenant = 0;
    int rc;
    scope_bounds(path, hi, sizeof(hi));
    if ((rc = tenant_of_subtree(db, path, &tenant, e)) < 0)
        goto fail;
    rc = tenant ? db_query_int(db, e, &total, count_sql[missing_only][1], "ttii", path, hi,
                               (long long)year, tenant)
                : db_query_int(db, e, &total, count_sql[missing_only][0], "tti", path, hi,
                               (long long)year);
    if (rc < 0 || (rc = db_prepare(db, sql[missing_only][tenant != 0], &st, e)) < 0)
        goto fail;
    db_bindv(st, "ttiii", path, hi, (long long)year, page_size, (page - 1) * page_size);
    if (tenant)
        db_bind_int(st, 6, tenant);
    while ((rc = db_step(st, e)) == 1) {
        if (db_col_int(st, 0) != last) {
            last = db_col_int(st, 0);
            cur = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "member_id", last,
                            "emp_no", db_col_text(st, 1), "name", db_col_text(st, 2), "category",
                            db_col_text(st, 3), "category_label",
                            dues_category_label(db_col_text(st, 3)), "org_id", db_col_int(st, 4),
                            "org_name", db_col_text(st, 5), "bases", json_array());
            json_array_append_new(items, cur);
        }
        if (!db_col_null(st, 6)) {
            json_t *b = json_pack("{s:I, s:s, s:I}", "from_month", db_col_int(st, 6),
                                  "verified_by", db_col_text(st, 8), "verified_at",
                                  db_col_int(st, 9));
            if (show_amounts)
                json_object_set_new(b, "monthly_fen", json_integer(db_col_int(st, 7)));
            json_array_append_new(json_object_get(cur, "bases"), b);
        }
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *m = json_array_get(items, i);
        const char *cat = json_string_value(json_object_get(m, "category"));
        bool rated = strcmp(cat, "in_service") == 0 || strcmp(cat, "retired") == 0;
        json_object_set_new(m, "base_missing",
                            json_boolean(rated && json_array_size(json_object_get(m, "bases")) == 0));
    }
    *ret = json_pack("{s:i, s:b, s:o, s:I, s:I, s:I}", "year", year, "missing_only",
                     missing_only, "items", items, "total", (json_int_t)total, "page",
                     (json_int_t)page, "page_size", (json_int_t)page_size);
    return 0;
fail:
    json_decref(items);
    return rc;
}

int dues_bases_of_member(struct db *db, long long member_id, json_t **ret, struct errbuf *e)
{
    json_t *items = json_array();
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT year, from_month, monthly_fen, verified_by, verified_at"
                         " FROM income_bases WHERE member_id = $1 ORDER BY from_month DESC",
                         &st, e)) < 0) {
        json_decref(items);
        return rc;
    }
    db_bind_int(st, 1, member_id);
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(items, json_pack("{s:I, s:I, s:I, s:s, s:I}", "year",
                                               db_col_int(st, 0), "from_month", db_col_int(st, 1),
                                               "monthly_fen", db_col_int(st, 2), "verified_by",
                                               db_col_text(st, 3), "verified_at",
                                               db_col_int(st, 4)));
    db_done(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *ret = items;
    return 0;
}

/* ---- terms */

int dues_term_add(struct db *db, const struct dues_term_in *in, long long actor,
                  long long *ret_id, struct errbuf *e)
{
    long long tenant;
    enum dues_term_kind kind;
    struct dues_rules rules;
    const struct dues_band *fixed;
    char category[16] = "";
    struct db_stmt *st;
    long long org = 0, id = 0;
    int ymd, rc;
    json_t *d;
    if (dues_term_kind_parse(in->kind, &kind) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "kind", NULL,
                            "field 'kind' must be fixed, reduced or exempt");
    if (!month_valid(in->from_month) || (in->to_month && (!month_valid(in->to_month) ||
                                                          in->to_month < in->from_month)))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, "to_month", NULL,
                            "from_month and to_month must be months (YYYYMM), "
                            "to_month not before from_month");
    if (!in->approved_by || !*in->approved_by || text_utf8_chars(in->approved_by) > 64)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "approved_by", NULL,
                            "field 'approved_by' is required: the committee that approved it");
    if (!in->approved_on || date_parse_iso(in->approved_on, &ymd) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_DATE, "approved_on", NULL,
                            "field 'approved_on' must be a date YYYY-MM-DD");
    if (in->note && text_utf8_chars(in->note) > 200)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "note", NULL,
                             "field 'note' is longer than 200 characters"),
                errbuf_limit(e, 200));
    if ((rc = db_prepare(db, "SELECT org_id, category FROM members WHERE id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, in->member_id);
    if ((rc = db_step(st, e)) == 1) {
        org = db_col_int(st, 0);
        snprintf(category, sizeof(category), "%s", db_col_text(st, 1));
    }
    db_done(st);
    if (rc <= 0)
        return rc < 0 ? rc
                      : errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_MEMBER, "member_id",
                                         in->member_id, "member %lld not found", in->member_id);
    if ((rc = dues_rules_for_month(db, in->from_month, &rules, e)) < 0)
        return rc;
    fixed = dues_fixed_band(&rules, category);
    if (kind == DUES_TERM_FIXED &&
        (!fixed || in->amount_fen < fixed->min_fen || in->amount_fen > fixed->max_fen))
        return fixed ? (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "amount_fen", NULL,
                                     "field 'amount_fen' must be %lld to %lld fen for %s members",
                                     fixed->min_fen, fixed->max_fen, dues_category_label(category)),
                        errbuf_range(e, fixed->min_fen, fixed->max_fen))
                     : errbuf_field(e, -ERR_INVALID, R_MISMATCH, "kind", NULL,
                                    "a fixed amount is set for farmer members; this member's dues "
                                    "follow the income base");
    if (kind == DUES_TERM_REDUCED && (in->amount_fen <= 0 || in->amount_fen > DUES_MAX_BASE_FEN))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_AMOUNT, "amount_fen", NULL,
                            "field 'amount_fen' must be positive for a reduction");
    if ((rc = tenant_of_org(db, org, &tenant, e)) < 0)
        return rc;
    rc = db_query_int(db, e, &id,
                      "INSERT INTO dues_terms(member_id, org_id, kind, amount_fen, from_month,"
                      " to_month, approved_by, approved_on, note, created_by, created_at,"
                      " tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                      " RETURNING id",
                      "iitiiItttIii", in->member_id, org, in->kind,
                      kind == DUES_TERM_EXEMPT ? 0LL : in->amount_fen, (long long)in->from_month,
                      (long long)in->to_month, in->approved_by, in->approved_on,
                      in->note ? in->note : "", actor, dues_now(), tenant);
    if (rc < 0)
        return rc;
    d = json_pack("{s:s, s:i, s:s}", "kind", in->kind, "from_month", in->from_month,
                  "approved_by", in->approved_by);
    rc = audit_log(db, actor, org, "create", "dues_term", id, d, e);
    json_decref(d);
    if (rc < 0)
        return rc;
    *ret_id = id;
    return 0;
}
