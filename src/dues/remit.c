#include "dues/remit.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "base/text.h"
#include "db/db.h"
#include "dues/bill.h"
#include "dues/ledger.h"
#include "dues/rules.h"
#include "dues/settings.h"
#include "org/audit.h"
#include "org/tenant.h"
#include "base/banned.h"

static json_t *remit_json(long long id, long long org, long long to, long long amount,
                          long long special, long long entry, bool duplicate)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "id", (json_int_t)id, "org_id",
                     (json_int_t)org, "to_org_id", (json_int_t)to, "amount_fen", (json_int_t)amount,
                     "special_fen", (json_int_t)special, "entry_id", (json_int_t)entry, "duplicate",
                     duplicate);
}

static json_t *expense_json(long long id, const struct dues_expense_in *in, long long entry,
                            bool duplicate)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "id",
                     (json_int_t)id, "org_id", (json_int_t)in->org_id, "kind", in->kind,
                     "kind_name", ledger_account_label(ledger_expense_account(in->kind)),
                     "amount_fen", (json_int_t)in->amount_fen, "note", in->note ? in->note : "",
                     "approved_by", in->approved_by, "approver_role", in->approver_role,
                     "approved_on", in->approved_on, "approval_ref", in->approval_ref, "entry_id",
                     (json_int_t)entry, "duplicate", duplicate);
}

/* A retry with request_key: 1 and *ret = the first request's reply marked duplicate, 0 when
 * the key is new (or NULL). A key that another organization used is a conflict, not a
 * duplicate: the reply would show that organization's figures. sql selects id, org_id,
 * to_org_id, amount_fen, special_fen, entry_id (remittances) or id, org_id, kind,
 * amount_fen, entry_id, note, approved_by, approver_role, approved_on, approval_ref
 * (expenses). */
static int existing(struct db *db, const char *sql, bool remit, long long org_id, const char *key,
                    json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    long long other = 0;
    int rc;
    if (!key)
        return 0;
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        return rc;
    db_bind_text(st, 1, key);
    if ((rc = db_step(st, e)) == 1) {
        other = db_col_int(st, 1);
        if (other == org_id && remit)
            *ret = remit_json(db_col_int(st, 0), other, db_col_int(st, 2), db_col_int(st, 3),
                              db_col_int(st, 4), db_col_int(st, 5), true);
        else if (other == org_id) {
            struct dues_expense_in x = {other,
                                        db_col_text(st, 2),
                                        db_col_int(st, 3),
                                        db_col_text(st, 5),
                                        db_col_text(st, 6),
                                        db_col_text(st, 7),
                                        db_col_text(st, 8),
                                        db_col_text(st, 9),
                                        key};
            *ret = expense_json(db_col_int(st, 0), &x, db_col_int(st, 4), true);
        }
    }
    db_done(st);
    if (rc == 1 && other != org_id)
        return errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "request_key", key,
                            "request_key '%s' was already used for another organization", key);
    return rc;
}

static int check_key(const char *key, struct errbuf *e)
{
    if (key && (!*key || text_utf8_chars(key) > 64))
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "request_key", NULL,
                             "field 'request_key' must be 1 to 64 characters"),
                errbuf_limit(e, 64));
    return 0;
}

/* What an organization owes up and holds: the balances remitting reads */
static const char *const REMIT_ACCOUNTS[3] = {"remit_payable", "special_remit", "bank"};

/* The organization's parent and the parent's own (0 for none): 1, or 0 when no such one. */
static int parents(struct db *db, long long org_id, long long *parent, long long *grand,
                   struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT COALESCE(o.parent_id, 0), COALESCE(p.parent_id, 0) FROM orgs o"
                         " LEFT JOIN orgs p ON p.id = o.parent_id WHERE o.id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, org_id);
    if ((rc = db_step(st, e)) == 1) {
        *parent = db_col_int(st, 0);
        *grand = db_col_int(st, 1);
    }
    db_done(st);
    return rc;
}

int dues_remit(struct db *db, long long org_id, long long amount_fen, const char *request_key,
               long long actor, json_t **ret, struct errbuf *e)
{
    long long tenant;
    long long parent = 0, grand = 0, payable = 0, special = 0, bank = 0, share_bp = 0, id = 0;
    long long entry = 0, share = 0, now = dues_now(), total;
    long long bal[3];
    enum dues_rounding rounding;
    char key[64];
    json_t *d;
    int rc, cur = dues_current_month();
    if ((rc = check_key(request_key, e)) < 0)
        return rc;
    if (amount_fen < 0)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "amount_fen", NULL,
                             "amount_fen must not be negative"),
                errbuf_min(e, 0));
    if ((rc = dues_rounding_get(db, &rounding, e)) < 0 || (rc = db_begin(db, e)) < 0)
        return rc;
    if ((rc = existing(db,
                       "SELECT id, org_id, to_org_id, amount_fen, special_fen, entry_id"
                       " FROM dues_remittances WHERE request_key = $1",
                       true, org_id, request_key, ret, e)) != 0) {
        db_rollback(db);
        return rc < 0 ? rc : 0;
    }
    rc = parents(db, org_id, &parent, &grand, e);
    if (rc == 0)
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", org_id,
                              "organization %lld not found", org_id);
    else if (rc > 0 && !parent)
        rc = errbuf_field_int(e, -ERR_INVALID, R_WRONG_ORG_KIND, "org_id", org_id,
                              "organization %lld has no higher level to remit to", org_id);
    if (rc < 0 || (rc = ledger_balances(db, org_id, REMIT_ACCOUNTS, bal, e)) < 0 ||
        (rc = dues_share_bp(db, parent, &share_bp, e)) < 0)
        goto fail;
    payable = bal[0];
    special = bal[1];
    bank = bal[2];
    payable = -payable; /* liabilities are credit balances */
    special = -special;
    if (amount_fen == 0)
        amount_fen = payable;
    if (amount_fen > payable) {
        rc = (errbuf_field(e, -ERR_CONFLICT, R_OUT_OF_RANGE, "amount_fen", NULL,
                           "amount_fen %lld is more than the %lld fen owed to the higher level",
                           amount_fen, payable),
              errbuf_value_int(e, amount_fen), errbuf_max(e, payable));
        goto fail;
    }
    total = amount_fen + special;
    if (total <= 0) {
        rc = (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "org_id", NULL,
                           "organization %lld owes nothing to the higher level", org_id),
              errbuf_value_int(e, org_id), errbuf_state(e, "nothing_owed"));
        goto fail;
    }
    if (bank < total) {
        rc = (errbuf_field(e, -ERR_CONFLICT, R_INSUFFICIENT_FUNDS, "amount_fen", NULL,
                           "the bank balance %lld fen does not cover the remittance of %lld fen",
                           bank, total),
              errbuf_value_int(e, total), errbuf_limit(e, bank));
        goto fail;
    }
    /* what arrives from below is dues the higher level collects: it remits its own share of
     * it further up, as for dues its own members pay (none at the top) */
    if (grand)
        share = dues_round(amount_fen, share_bp, rounding);
    /* the sender's tenant, as its ledger entry's */
    if ((rc = tenant_of_org(db, org_id, &tenant, e)) >= 0)
        rc = db_query_int(db, e, &id,
                          "INSERT INTO dues_remittances(org_id, to_org_id, amount_fen, special_fen,"
                          " request_key, created_by, created_at, tenant_id) VALUES($1, $2, $3, $4,"
                          " $5, $6, $7, $8) RETURNING id",
                          "iiiitIii", org_id, parent, amount_fen, special, request_key, actor, now,
                          tenant);
    if (rc < 0)
        goto fail;
    {
        struct ledger_posting p[] = {
            {org_id, "remit_payable", amount_fen},
            {org_id, "special_remit", special},
            {org_id, "bank", -total},
            {parent, "bank", total},
            {parent, "dues_income", -amount_fen},
            {parent, "special_remit", -special},
            {parent, "dues_income", share},
            {parent, "remit_payable", -share},
        };
        struct ledger_entry_in in = {org_id, "remit", key, cur, 0, id, "党费上缴", actor};
        snprintf(key, sizeof(key), "remit:%lld", id);
        if ((rc = ledger_post(db, &in, p, sizeof(p) / sizeof(p[0]), &entry, e)) < 0)
            goto fail;
    }
    if ((rc = db_queue(db, e, "UPDATE dues_remittances SET entry_id = $2 WHERE id = $1", "ii", id,
                       entry)) < 0)
        goto fail;
    d = json_pack("{s:I, s:I, s:I}", "to_org_id", (json_int_t)parent, "amount_fen",
                  (json_int_t)amount_fen, "special_fen", (json_int_t)special);
    rc = audit_log(db, actor, org_id, "remit", "dues_remittance", id, d, e);
    json_decref(d);
    if (rc < 0 || (rc = db_commit(db, e)) < 0)
        goto fail;
    *ret = remit_json(id, org_id, parent, amount_fen, special, entry, false);
    return 0;
fail:
    db_rollback(db);
    return rc;
}

/* A required text of the approval record: 1 to max characters. */
static int approval_text(const char *v, const char *field, size_t max, struct errbuf *e)
{
    if (!v || !*v)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, field, NULL,
                            "field '%s' is required: an expenditure of dues "
                            "carries its approval record",
                            field);
    if (text_utf8_chars(v) > max)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, field, NULL,
                             "field '%s' is longer than %zu characters", field, max),
                errbuf_limit(e, (long long)max));
    return 0;
}

static int check_expense(const struct dues_expense_in *in, struct errbuf *e)
{
    int ymd, rc;
    if (!ledger_expense_account(in->kind))
        return errbuf_field(
            e, -ERR_INVALID, R_INVALID_CHOICE, "kind", in->kind,
            "field 'kind': '%.40s' is not an expense kind (education, commendation, "
            "hardship, activities, other)",
            in->kind ? in->kind : "");
    if (in->amount_fen <= 0 || in->amount_fen > 1000000000LL)
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_AMOUNT, "amount_fen", in->amount_fen,
                                "field 'amount_fen' must be a positive amount");
    if (in->note && text_utf8_chars(in->note) > 200)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "note", NULL,
                             "field 'note' is longer than 200 characters"),
                errbuf_limit(e, 200));
    if ((rc = approval_text(in->approved_by, "approved_by", 64, e)) < 0 ||
        (rc = approval_text(in->approver_role, "approver_role", 64, e)) < 0 ||
        (rc = approval_text(in->approval_ref, "approval_ref", 100, e)) < 0)
        return rc;
    if (!in->approved_on || date_parse_iso(in->approved_on, &ymd) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_DATE, "approved_on", in->approved_on,
                            "field 'approved_on' must be a date YYYY-MM-DD");
    /* money is spent after it is approved, never before */
    if (ymd > date_from_days((long)(dues_now() / 86400)))
        return errbuf_field(e, -ERR_INVALID, R_IN_FUTURE, "approved_on", in->approved_on,
                            "field 'approved_on': %s is in the future", in->approved_on);
    return check_key(in->request_key, e);
}

int dues_expense(struct db *db, const struct dues_expense_in *in, long long actor, json_t **ret,
                 struct errbuf *e)
{
    long long tenant;
    const char *account = ledger_expense_account(in->kind);
    long long bank = 0, id = 0, entry = 0, now = dues_now(), found = 0;
    char key[64];
    json_t *d;
    int rc, cur = dues_current_month();
    if ((rc = check_expense(in, e)) < 0 || (rc = db_begin(db, e)) < 0)
        return rc;
    if ((rc = existing(db,
                       "SELECT id, org_id, kind, amount_fen, entry_id, note, approved_by,"
                       " approver_role, approved_on, approval_ref FROM dues_expenses"
                       " WHERE request_key = $1",
                       false, in->org_id, in->request_key, ret, e)) != 0) {
        db_rollback(db);
        return rc < 0 ? rc : 0;
    }
    if ((rc = db_query_int(db, e, &found, "SELECT id FROM orgs WHERE id = $1", "i", in->org_id)) ==
        0)
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", in->org_id,
                              "organization %lld not found", in->org_id);
    if (rc < 0 || (rc = ledger_balance(db, in->org_id, "bank", &bank, e)) < 0)
        goto fail;
    if (bank < in->amount_fen) {
        rc = (errbuf_field(e, -ERR_CONFLICT, R_INSUFFICIENT_FUNDS, "amount_fen", NULL,
                           "the bank balance %lld fen does not cover the expense of %lld fen", bank,
                           in->amount_fen),
              errbuf_value_int(e, in->amount_fen), errbuf_limit(e, bank));
        goto fail;
    }
    if ((rc = tenant_of_org(db, in->org_id, &tenant, e)) >= 0)
        rc = db_query_int(db, e, &id,
                          "INSERT INTO dues_expenses(org_id, kind, amount_fen, month, note,"
                          " request_key, created_by, created_at, approved_by, approver_role,"
                          " approved_on, approval_ref, tenant_id) VALUES($1, $2, $3, $4, $5, $6,"
                          " $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                          "itiittIitttti", in->org_id, in->kind, in->amount_fen, (long long)cur,
                          in->note ? in->note : "", in->request_key, actor, now, in->approved_by,
                          in->approver_role, in->approved_on, in->approval_ref, tenant);
    if (rc < 0)
        goto fail;
    {
        struct ledger_posting p[] = {{in->org_id, account, in->amount_fen},
                                     {in->org_id, "bank", -in->amount_fen}};
        struct ledger_entry_in le = {
            in->org_id, "expense", key, cur, 0, id, in->note ? in->note : "", actor};
        snprintf(key, sizeof(key), "expense:%lld", id);
        if ((rc = ledger_post(db, &le, p, 2, &entry, e)) < 0)
            goto fail;
    }
    if ((rc = db_queue(db, e, "UPDATE dues_expenses SET entry_id = $2 WHERE id = $1", "ii", id,
                       entry)) < 0)
        goto fail;
    d = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "kind", in->kind, "amount_fen",
                  (json_int_t)in->amount_fen, "approved_by", in->approved_by, "approver_role",
                  in->approver_role, "approved_on", in->approved_on, "approval_ref",
                  in->approval_ref);
    rc = audit_log(db, actor, in->org_id, "create", "dues_expense", id, d, e);
    json_decref(d);
    if (rc < 0 || (rc = db_commit(db, e)) < 0)
        goto fail;
    *ret = expense_json(id, in, entry, false);
    return 0;
fail:
    db_rollback(db);
    return rc;
}

/* ---- lists */

/* Who recorded a row: the account's display name, else its login; "" for the CLI and the
 * demo (no account). Column SQL for an accounts table joined as a. */
#define WHO_SQL "COALESCE(CASE WHEN a.display_name <> '' THEN a.display_name ELSE a.login END, '')"

static json_t *id_or_null(struct db_stmt *st, int col)
{
    return db_col_null(st, col) ? json_null() : json_integer(db_col_int(st, col));
}

int dues_remittances_list(struct db *db, long long org_id, int year, long long page,
                          long long page_size, json_t **ret, struct errbuf *e)
{
    long long from = (long long)year * 100 + 1, to = (long long)year * 100 + 12;
    long long total = 0, bal[3] = {0, 0, 0}, parent = 0;
    json_t *items = json_array(), *up = json_null();
    struct db_stmt *st;
    int rc;
    rc = db_query_int(db, e, &total,
                      "SELECT COUNT(*) FROM dues_remittances r JOIN ledger_entries e"
                      " ON e.id = r.entry_id AND e.tenant_id = r.tenant_id"
                      " WHERE (r.org_id = $1 OR r.to_org_id = $1)"
                      " AND e.month >= $2 AND e.month <= $3",
                      "iii", org_id, from, to);
    if (rc < 0 || (rc = db_prepare(
                       db,
                       "SELECT r.id, r.org_id, o.name, r.to_org_id, t.name, r.amount_fen,"
                       " r.special_fen, e.month, r.entry_id, r.created_by, " WHO_SQL ","
                       " r.created_at FROM dues_remittances r"
                       " JOIN ledger_entries e ON e.id = r.entry_id AND e.tenant_id = r.tenant_id"
                       " JOIN orgs o ON o.id = r.org_id JOIN orgs t ON t.id = r.to_org_id"
                       " LEFT JOIN accounts a ON a.id = r.created_by AND a.tenant_id = r.tenant_id"
                       " WHERE (r.org_id = $1 OR r.to_org_id = $1) AND e.month >= $2"
                       " AND e.month <= $3 ORDER BY r.id DESC LIMIT $4 OFFSET $5",
                       &st, e)) < 0)
        goto fail;
    db_bindv(st, "iiiii", org_id, from, to, page_size, (page - 1) * page_size);
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:I, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:s, s:I}",
                      "id", db_col_int(st, 0), "direction",
                      db_col_int(st, 1) == org_id ? "made" : "received", "org_id",
                      db_col_int(st, 1), "org_name", db_col_text(st, 2), "to_org_id",
                      db_col_int(st, 3), "to_org_name", db_col_text(st, 4), "amount_fen",
                      db_col_int(st, 5), "special_fen", db_col_int(st, 6), "total_fen",
                      db_col_int(st, 5) + db_col_int(st, 6), "month", db_col_int(st, 7), "entry_id",
                      db_col_int(st, 8), "created_by", id_or_null(st, 9), "created_by_name",
                      db_col_text(st, 10), "created_at", db_col_int(st, 11)));
    db_done(st);
    if (rc < 0 || (rc = ledger_balances(db, org_id, REMIT_ACCOUNTS, bal, e)) < 0 ||
        (rc = db_prepare(db,
                         "SELECT p.id, p.name FROM orgs o JOIN orgs p ON p.id = o.parent_id"
                         " WHERE o.id = $1",
                         &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, org_id);
    if ((rc = db_step(st, e)) == 1) {
        parent = db_col_int(st, 0);
        up = json_pack("{s:I, s:s}", "id", (json_int_t)parent, "name", db_col_text(st, 1));
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    /* liabilities are credit balances: what is owed is their negation */
    *ret = json_pack("{s:I, s:i, s:o, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I}", "org_id",
                     (json_int_t)org_id, "year", year, "parent", up, "payable_fen",
                     (json_int_t)-bal[0], "special_fen", (json_int_t)-bal[1], "owed_fen",
                     (json_int_t)(-bal[0] - bal[1]), "bank_fen", (json_int_t)bal[2], "items", items,
                     "total", (json_int_t)total, "page", (json_int_t)page, "page_size",
                     (json_int_t)page_size);
    return 0;
fail:
    json_decref(up);
    json_decref(items);
    return rc;
}

int dues_expenses_list(struct db *db, long long org_id, int from, int to, long long page,
                       long long page_size, json_t **ret, struct errbuf *e)
{
    long long total = 0, sum = 0;
    json_t *items = json_array();
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM dues_expenses"
                         " WHERE org_id = $1 AND month >= $2 AND month <= $3",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "iii", org_id, (long long)from, (long long)to);
    if ((rc = db_step(st, e)) == 1) {
        total = db_col_int(st, 0);
        sum = db_col_int(st, 1);
    }
    db_done(st);
    if (rc < 0 ||
        (rc = db_prepare(db,
                         "SELECT x.id, x.kind, x.amount_fen, x.month, x.note, x.approved_by,"
                         " x.approver_role, x.approved_on, x.approval_ref, x.entry_id,"
                         " x.created_by, " WHO_SQL ", x.created_at FROM dues_expenses x"
                         " LEFT JOIN accounts a ON a.id = x.created_by"
                         " AND a.tenant_id = x.tenant_id WHERE x.org_id = $1"
                         " AND x.month >= $2 AND x.month <= $3 ORDER BY x.id DESC"
                         " LIMIT $4 OFFSET $5",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "iiiii", org_id, (long long)from, (long long)to, page_size,
             (page - 1) * page_size);
    while ((rc = db_step(st, e)) == 1) {
        const char *kind = db_col_text(st, 1);
        const char *account = ledger_expense_account(kind);
        json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:I}",
                      "id", db_col_int(st, 0), "kind", kind, "kind_name",
                      account ? ledger_account_label(account) : kind, "amount_fen",
                      db_col_int(st, 2), "month", db_col_int(st, 3), "note", db_col_text(st, 4),
                      "approved_by", db_col_text(st, 5), "approver_role", db_col_text(st, 6),
                      "approved_on", db_col_text(st, 7), "approval_ref", db_col_text(st, 8),
                      "entry_id", id_or_null(st, 9), "created_by", id_or_null(st, 10),
                      "created_by_name", db_col_text(st, 11), "created_at", db_col_int(st, 12)));
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    *ret =
        json_pack("{s:I, s:i, s:i, s:o, s:I, s:I, s:I, s:I}", "org_id", (json_int_t)org_id, "from",
                  from, "to", to, "items", items, "total", (json_int_t)total, "total_fen",
                  (json_int_t)sum, "page", (json_int_t)page, "page_size", (json_int_t)page_size);
    return 0;
fail:
    json_decref(items);
    return rc;
}
