#include "dues/remit.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/text.h"
#include "db/db.h"
#include "dues/bill.h"
#include "dues/ledger.h"
#include "dues/rules.h"
#include "dues/settings.h"
#include "org/audit.h"
#include "base/banned.h"

static json_t *remit_json(long long id, long long org, long long to, long long amount,
                          long long special, long long entry, bool duplicate)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "id", (json_int_t)id, "org_id",
                     (json_int_t)org, "to_org_id", (json_int_t)to, "amount_fen",
                     (json_int_t)amount, "special_fen", (json_int_t)special, "entry_id",
                     (json_int_t)entry, "duplicate", duplicate);
}

static json_t *expense_json(long long id, long long org, const char *kind, long long amount,
                            long long entry, bool duplicate)
{
    return json_pack("{s:I, s:I, s:s, s:I, s:I, s:b}", "id", (json_int_t)id, "org_id",
                     (json_int_t)org, "kind", kind, "amount_fen", (json_int_t)amount, "entry_id",
                     (json_int_t)entry, "duplicate", duplicate);
}

/* A retry with request_key: 1 and *ret = the first request's reply marked duplicate, 0 when
 * the key is new (or NULL). A key that another organization used is a conflict, not a
 * duplicate: the reply would show that organization's figures. sql selects id, org_id,
 * to_org_id, amount_fen, special_fen, entry_id (remittances) or id, org_id, kind,
 * amount_fen, entry_id (expenses). */
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
        if (other == org_id)
            *ret = remit ? remit_json(db_col_int(st, 0), other, db_col_int(st, 2),
                                      db_col_int(st, 3), db_col_int(st, 4), db_col_int(st, 5), true)
                         : expense_json(db_col_int(st, 0), other, db_col_text(st, 2),
                                        db_col_int(st, 3), db_col_int(st, 4), true);
    }
    db_done(st);
    if (rc == 1 && other != org_id)
        return errbuf_set(e, -ERR_CONFLICT,
                          "request_key '%s' was already used for another organization", key);
    return rc;
}

static int check_key(const char *key, struct errbuf *e)
{
    if (key && (!*key || text_utf8_chars(key) > 64))
        return errbuf_set(e, -ERR_INVALID, "field 'request_key' must be 1 to 64 characters");
    return 0;
}

int dues_remit(struct db *db, long long org_id, long long amount_fen, const char *request_key,
               long long actor, json_t **ret, struct errbuf *e)
{
    long long parent = 0, grand = 0, payable = 0, special = 0, bank = 0, share_bp = 0, id = 0;
    long long entry = 0, share = 0, now = dues_now(), total;
    struct dues_rules rules;
    char key[64];
    json_t *d;
    int rc, cur = dues_current_month();
    if ((rc = check_key(request_key, e)) < 0)
        return rc;
    if (amount_fen < 0)
        return errbuf_set(e, -ERR_INVALID, "amount_fen must not be negative");
    if ((rc = dues_rules_for_month(db, cur, &rules, e)) < 0 || (rc = db_begin(db, e)) < 0)
        return rc;
    if ((rc = existing(db,
                       "SELECT id, org_id, to_org_id, amount_fen, special_fen, entry_id"
                       " FROM dues_remittances WHERE request_key = $1",
                       true, org_id, request_key, ret, e)) != 0) {
        db_rollback(db);
        return rc < 0 ? rc : 0;
    }
    rc = db_query_int(db, e, &parent, "SELECT COALESCE(parent_id, 0) FROM orgs WHERE id = $1", "i",
                      org_id);
    if (rc == 0)
        rc = errbuf_set(e, -ERR_NOTFOUND, "organization %lld not found", org_id);
    else if (rc > 0 && !parent)
        rc = errbuf_set(e, -ERR_INVALID, "organization %lld has no higher level to remit to",
                        org_id);
    if (rc < 0 || (rc = ledger_balance(db, org_id, "remit_payable", &payable, e)) < 0 ||
        (rc = ledger_balance(db, org_id, "special_remit", &special, e)) < 0 ||
        (rc = ledger_balance(db, org_id, "bank", &bank, e)) < 0 ||
        (rc = db_query_int(db, e, &grand, "SELECT COALESCE(parent_id, 0) FROM orgs WHERE id = $1",
                           "i", parent)) < 0 ||
        (rc = dues_share_bp(db, parent, &share_bp, e)) < 0)
        goto fail;
    payable = -payable; /* liabilities are credit balances */
    special = -special;
    if (amount_fen == 0)
        amount_fen = payable;
    if (amount_fen > payable) {
        rc = errbuf_set(e, -ERR_CONFLICT,
                        "amount_fen %lld is more than the %lld fen owed to the higher level",
                        amount_fen, payable);
        goto fail;
    }
    total = amount_fen + special;
    if (total <= 0) {
        rc = errbuf_set(e, -ERR_CONFLICT, "organization %lld owes nothing to the higher level",
                        org_id);
        goto fail;
    }
    if (bank < total) {
        rc = errbuf_set(e, -ERR_CONFLICT,
                        "the bank balance %lld fen does not cover the remittance of %lld fen",
                        bank, total);
        goto fail;
    }
    /* what arrives from below is dues the higher level collects: it remits its own share of
     * it further up, as for dues its own members pay (none at the top) */
    if (grand)
        share = dues_round(amount_fen, share_bp, rules.rounding);
    rc = db_query_int(db, e, &id,
                      "INSERT INTO dues_remittances(org_id, to_org_id, amount_fen, special_fen,"
                      " request_key, created_by, created_at) VALUES($1, $2, $3, $4, $5, $6, $7)"
                      " RETURNING id",
                      "iiiitIi", org_id, parent, amount_fen, special, request_key, actor, now);
    if (rc < 0)
        goto fail;
    {
        struct ledger_posting p[] = {
            {org_id, "remit_payable", amount_fen}, {org_id, "special_remit", special},
            {org_id, "bank", -total},              {parent, "bank", total},
            {parent, "dues_income", -amount_fen},  {parent, "special_remit", -special},
            {parent, "dues_income", share},        {parent, "remit_payable", -share},
        };
        struct ledger_entry_in in = {org_id, "remit", key, cur, 0, id, "党费上缴", actor};
        snprintf(key, sizeof(key), "remit:%lld", id);
        if ((rc = ledger_post(db, &in, p, sizeof(p) / sizeof(p[0]), &entry, e)) < 0)
            goto fail;
    }
    if ((rc = db_run(db, e, "UPDATE dues_remittances SET entry_id = $2 WHERE id = $1", "ii", id,
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

int dues_expense(struct db *db, long long org_id, const char *kind, long long amount_fen,
                 const char *note, const char *request_key, long long actor, json_t **ret,
                 struct errbuf *e)
{
    const char *account = ledger_expense_account(kind);
    long long bank = 0, id = 0, entry = 0, now = dues_now(), found = 0;
    char key[64];
    json_t *d;
    int rc, cur = dues_current_month();
    if (!account)
        return errbuf_set(e, -ERR_INVALID,
                          "field 'kind': '%.40s' is not an expense kind (education, commendation, "
                          "hardship, activities, other)",
                          kind ? kind : "");
    if (amount_fen <= 0 || amount_fen > 1000000000LL)
        return errbuf_set(e, -ERR_INVALID, "field 'amount_fen' must be a positive amount");
    if (note && text_utf8_chars(note) > 200)
        return errbuf_set(e, -ERR_INVALID, "field 'note' is longer than 200 characters");
    if ((rc = check_key(request_key, e)) < 0 || (rc = db_begin(db, e)) < 0)
        return rc;
    if ((rc = existing(db,
                       "SELECT id, org_id, kind, amount_fen, entry_id FROM dues_expenses"
                       " WHERE request_key = $1",
                       false, org_id, request_key, ret, e)) != 0) {
        db_rollback(db);
        return rc < 0 ? rc : 0;
    }
    if ((rc = db_query_int(db, e, &found, "SELECT id FROM orgs WHERE id = $1", "i", org_id)) == 0)
        rc = errbuf_set(e, -ERR_NOTFOUND, "organization %lld not found", org_id);
    if (rc < 0 || (rc = ledger_balance(db, org_id, "bank", &bank, e)) < 0)
        goto fail;
    if (bank < amount_fen) {
        rc = errbuf_set(e, -ERR_CONFLICT,
                        "the bank balance %lld fen does not cover the expense of %lld fen", bank,
                        amount_fen);
        goto fail;
    }
    rc = db_query_int(db, e, &id,
                      "INSERT INTO dues_expenses(org_id, kind, amount_fen, month, note, request_key,"
                      " created_by, created_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                      "itiittIi", org_id, kind, amount_fen, (long long)cur, note ? note : "",
                      request_key, actor, now);
    if (rc < 0)
        goto fail;
    {
        struct ledger_posting p[] = {{org_id, account, amount_fen}, {org_id, "bank", -amount_fen}};
        struct ledger_entry_in in = {org_id, "expense", key, cur, 0, id, note ? note : "", actor};
        snprintf(key, sizeof(key), "expense:%lld", id);
        if ((rc = ledger_post(db, &in, p, 2, &entry, e)) < 0)
            goto fail;
    }
    if ((rc = db_run(db, e, "UPDATE dues_expenses SET entry_id = $2 WHERE id = $1", "ii", id,
                     entry)) < 0)
        goto fail;
    d = json_pack("{s:s, s:I}", "kind", kind, "amount_fen", (json_int_t)amount_fen);
    rc = audit_log(db, actor, org_id, "create", "dues_expense", id, d, e);
    json_decref(d);
    if (rc < 0 || (rc = db_commit(db, e)) < 0)
        goto fail;
    *ret = expense_json(id, org_id, kind, amount_fen, entry, false);
    return 0;
fail:
    db_rollback(db);
    return rc;
}
