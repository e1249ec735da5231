#include "dues/ledger.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "db/db.h"
#include "dues/bill.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

/* The chart of accounts, as in 004_dues.sql (the database keeps names for reports). */
/* The accounts (ledger_accounts, migration 004) with the side their balance normally sits on:
 * assets and expenses on the debit side, liabilities and income on the credit side. An
 * accountant reads 党费收入 as a positive credit balance, never as a negative number. */
static const struct {
    const char *code, *label;
    int credit_normal;
} accounts[] = {
    {"bank", "银行存款（含现金）", 0},
    {"dues_receivable", "应收党费", 0},
    {"remit_receivable", "应收下级上缴党费", 0},
    {"dues_prepaid", "预收党费", 1},
    {"remit_payable", "应上缴党费", 1},
    {"special_remit", "代收大额自愿党费", 1},
    {"dues_income", "党费收入", 1},
    {"expense:education", "党员教育培训支出", 0},
    {"expense:commendation", "表彰奖励支出", 0},
    {"expense:hardship", "慰问困难党员支出", 0},
    {"expense:activities", "组织活动支出", 0},
    {"expense:other", "其他支出", 0},
};
#define NACCOUNTS (sizeof(accounts) / sizeof(accounts[0]))

bool ledger_account_known(const char *code)
{
    for (size_t i = 0; code && i < NACCOUNTS; i++)
        if (strcmp(accounts[i].code, code) == 0)
            return true;
    return false;
}

const char *ledger_expense_account(const char *kind)
{
    char code[64];
    if (!kind || snprintf(code, sizeof(code), "expense:%s", kind) >= (int)sizeof(code))
        return NULL;
    for (size_t i = 0; i < NACCOUNTS; i++)
        if (strcmp(accounts[i].code, code) == 0)
            return accounts[i].code;
    return NULL;
}

const char *ledger_account_label(const char *code)
{
    for (size_t i = 0; i < NACCOUNTS; i++)
        if (strcmp(accounts[i].code, code) == 0)
            return accounts[i].label;
    return code;
}

/* Every organization's postings must sum to zero: a fen neither appears nor vanishes. */
static int check_balanced(const struct ledger_posting *p, size_t n, struct errbuf *e)
{
    for (size_t i = 0; i < n; i++) {
        long long sum = 0;
        for (size_t j = 0; j < n; j++)
            if (p[j].org_id == p[i].org_id)
                sum += p[j].amount_fen;
        if (sum != 0)
            return errbuf_set(
                e, -ERR_INTERNAL,
                "journal entry does not balance: organization %lld is off by %lld fen", p[i].org_id,
                sum);
        if (!ledger_account_known(p[i].account))
            return errbuf_set(e, -ERR_INTERNAL, "unknown ledger account '%s'", p[i].account);
    }
    return 0;
}

/* An entry's postings (lines, nl of them, none zero) in one statement sent without waiting,
 * written only when the entry with that id is there (not when its key was posted before). */
static int send_postings(struct db *db, long long id, int month, long long tenant,
                         const struct ledger_posting *const *lines, size_t nl, struct errbuf *e)
{
    struct db_stmt *st;
    struct buf sql = BUF_INIT;
    int rc;
    if (nl == 0)
        return 0;
    buf_addstr(&sql,
               "INSERT INTO ledger_postings(entry_id, seq, org_id, account, month, amount_fen,"
               " tenant_id) SELECT $1, v.column1, v.column2, v.column3, $2, v.column4, $3"
               " FROM (VALUES ");
    for (size_t i = 0; i < nl; i++)
        buf_printf(&sql,
                   "%s(CAST($%zu AS BIGINT), CAST($%zu AS BIGINT), CAST($%zu AS TEXT),"
                   " CAST($%zu AS BIGINT))",
                   i ? ", " : "", 4 + 4 * i, 5 + 4 * i, 6 + 4 * i, 7 + 4 * i);
    buf_addstr(&sql, ") AS v WHERE EXISTS (SELECT 1 FROM ledger_entries WHERE id = $1 AND"
                     " tenant_id = $3)");
    if ((rc = db_prepare(db, buf_str(&sql), &st, e)) >= 0) {
        db_bindv(st, "iii", id, (long long)month, tenant);
        for (size_t i = 0; i < nl; i++) {
            db_bind_int(st, 4 + 4 * (int)i, (long long)i + 1);
            db_bind_int(st, 5 + 4 * (int)i, lines[i]->org_id);
            db_bind_text(st, 6 + 4 * (int)i, lines[i]->account);
            db_bind_int(st, 7 + 4 * (int)i, lines[i]->amount_fen);
        }
        rc = db_send(st, e);
        db_done(st);
    }
    buf_release(&sql);
    return rc < 0 ? rc : 0;
}

/* The non-zero postings of p (at most LINES_MAX). */
#define LINES_MAX 16
static int nonzero(const struct ledger_posting *p, size_t n, const struct ledger_posting **lines,
                   size_t *nl, struct errbuf *e)
{
    *nl = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].amount_fen != 0) {
            if (*nl == LINES_MAX)
                return errbuf_set(e, -ERR_INTERNAL, "more than %d postings in an entry", LINES_MAX);
            lines[(*nl)++] = &p[i];
        }
    return 0;
}

int ledger_post(struct db *db, const struct ledger_entry_in *in, const struct ledger_posting *p,
                size_t n, long long *ret_id, struct errbuf *e)
{
    const struct ledger_posting *lines[LINES_MAX];
    long long id = 0, tenant;
    size_t nl;
    int rc;
    /* an entry and its postings go with the entry's organization */
    if ((rc = check_balanced(p, n, e)) < 0 || (rc = nonzero(p, n, lines, &nl, e)) < 0 ||
        (rc = tenant_of_org(db, in->org_id, &tenant, e)) < 0)
        return rc;
    /* one round trip: the entry, or nothing when its key was booked before */
    rc = db_query_int(
        db, e, &id,
        "INSERT INTO ledger_entries(org_id, kind, idem_key, month, reverses_id, ref_id,"
        " memo, created_by, created_at, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7,"
        " $8, $9, $10) ON CONFLICT (idem_key, tenant_id) DO NOTHING RETURNING id",
        "ittiIItIii", in->org_id, in->kind, in->idem_key, (long long)in->month, in->reverses_id,
        in->ref_id, in->memo ? in->memo : "", in->actor, dues_now(), tenant);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        if ((rc = db_query_int(db, e, &id, "SELECT id FROM ledger_entries WHERE idem_key = $1", "t",
                               in->idem_key)) < 0)
            return rc;
        if (rc == 0)
            return errbuf_set(e, -ERR_INTERNAL, "ledger entry '%s' neither new nor found",
                              in->idem_key);
        *ret_id = id;
        return 1;
    }
    /* the postings in one statement, without waiting */
    if ((rc = send_postings(db, id, in->month, tenant, lines, nl, e)) < 0)
        return rc;
    *ret_id = id;
    return 0;
}

/* ledger_post for entries whose ids nobody reads back (a month's publication, a
 * confirmation: one entry per organization), with an id reserved beforehand (db_reserve_ids)
 * so that nothing waits for the server (db_queue): the entry, or nothing when its key was
 * posted before, and its postings only when the entry with that id is there. */
int ledger_post_queued(struct db *db, long long id, const struct ledger_entry_in *in,
                       const struct ledger_posting *p, size_t n, struct errbuf *e)
{
    const struct ledger_posting *lines[LINES_MAX];
    long long tenant;
    size_t nl;
    int rc;
    if ((rc = check_balanced(p, n, e)) < 0 || (rc = nonzero(p, n, lines, &nl, e)) < 0 ||
        (rc = tenant_of_org(db, in->org_id, &tenant, e)) < 0)
        return rc;
    rc = db_queue(
        db, e,
        "INSERT INTO ledger_entries(id, org_id, kind, idem_key, month, reverses_id, ref_id,"
        " memo, created_by, created_at, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8,"
        " $9, $10, $11) ON CONFLICT (idem_key, tenant_id) DO NOTHING",
        "iittiIItIii", id, in->org_id, in->kind, in->idem_key, (long long)in->month,
        in->reverses_id, in->ref_id, in->memo ? in->memo : "", in->actor, dues_now(), tenant);
    return rc < 0 ? rc : send_postings(db, id, in->month, tenant, lines, nl, e);
}

int ledger_balance(struct db *db, long long org_id, const char *account, long long *ret,
                   struct errbuf *e)
{
    long long v = 0;
    int rc = db_query_int(db, e, &v,
                          "SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_postings"
                          " WHERE org_id = $1 AND account = $2",
                          "it", org_id, account);
    if (rc < 0)
        return rc;
    *ret = v;
    return 0;
}

int ledger_balances(struct db *db, long long org_id, const char *const which[3], long long ret[3],
                    struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT account, COALESCE(SUM(amount_fen), 0) FROM ledger_postings"
                         " WHERE org_id = $1 AND account IN ($2, $3, $4) GROUP BY account",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ittt", org_id, which[0], which[1], which[2]);
    ret[0] = ret[1] = ret[2] = 0;
    while ((rc = db_step(st, e)) == 1)
        for (int i = 0; i < 3; i++)
            if (strcmp(db_col_text(st, 0), which[i]) == 0)
                ret[i] = db_col_int(st, 1);
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* Prepare sql[subtree], a query written in two forms: one organization ($1) or a subtree ($1,
 * $2 the path bounds), each with a %s before its GROUP BY for the tenant's condition, and
 * bind that filter. The condition names the organization's or the subtree's tenant (none for a
 * subtree over several) as the parameter after the caller's `extra` ones, so that on Citus one
 * tenant's shards are read. Returns the caller's first parameter number, or < 0. */
static int prepare_scoped(struct db *db, const char *const sql[2], long long org_id,
                          const char *path, bool subtree, int extra, struct db_stmt **st,
                          struct errbuf *e)
{
    char text[1024], cond[48] = "", hi[ORG_PATH_MAX];
    long long tenant = 0;
    int next = subtree ? 3 : 2, rc;
    if ((rc = subtree ? tenant_of_subtree(db, path, &tenant, e)
                      : tenant_of_org(db, org_id, &tenant, e)) < 0)
        return rc;
    if (tenant)
        snprintf(cond, sizeof(cond), " AND p.tenant_id = $%d", next + extra);
    snprintf(text, sizeof(text), sql[subtree], cond);
    if ((rc = db_prepare(db, text, st, e)) < 0)
        return rc;
    if (subtree) {
        scope_bounds(path, hi, sizeof(hi));
        db_bind_text(*st, 1, path);
        db_bind_text(*st, 2, hi);
    } else {
        db_bind_int(*st, 1, org_id);
    }
    if (tenant)
        db_bind_int(*st, next + extra, tenant);
    return next;
}

int ledger_trial_balance(struct db *db, long long org_id, const char *path, bool subtree, int to,
                         json_t **ret, struct errbuf *e)
{
    static const char *const sql[2] = {
        "SELECT p.account, SUM(CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END),"
        " SUM(CASE WHEN p.amount_fen < 0 THEN -p.amount_fen ELSE 0 END) FROM ledger_postings p"
        " WHERE p.org_id = $1 AND ($2 = 0 OR p.month <= $2)%s GROUP BY p.account",
        "SELECT p.account, SUM(CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END),"
        " SUM(CASE WHEN p.amount_fen < 0 THEN -p.amount_fen ELSE 0 END) FROM ledger_postings p"
        " JOIN orgs o ON o.id = p.org_id WHERE o.path >= $1 AND o.path < $2"
        " AND ($3 = 0 OR p.month <= $3)%s GROUP BY p.account",
    };
    long long debit[NACCOUNTS] = {0}, credit[NACCOUNTS] = {0}, td = 0, tc = 0;
    json_t *rows;
    struct db_stmt *st;
    int rc, k;
    if ((k = prepare_scoped(db, sql, org_id, path, subtree, 1, &st, e)) < 0)
        return k;
    db_bind_int(st, k, to);
    while ((rc = db_step(st, e)) == 1) {
        for (size_t i = 0; i < NACCOUNTS; i++)
            if (strcmp(accounts[i].code, db_col_text(st, 0)) == 0) {
                debit[i] = db_col_int(st, 1);
                credit[i] = db_col_int(st, 2);
            }
    }
    db_done(st);
    if (rc < 0)
        return rc;
    rows = json_array();
    for (size_t i = 0; i < NACCOUNTS; i++) {
        long long balance = debit[i] - credit[i],
                  normal = accounts[i].credit_normal ? -balance : balance;
        /* the side the balance stands on: its normal side unless it ran over (平 when 0) */
        const char *side = balance == 0 ? "平" : balance > 0 ? "借" : "贷";
        td += debit[i];
        tc += credit[i];
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:I}", "account", accounts[i].code,
                            "name", accounts[i].label, "debit_fen", (json_int_t)debit[i],
                            "credit_fen", (json_int_t)credit[i], "balance_fen", (json_int_t)balance,
                            "normal_side", accounts[i].credit_normal ? "credit" : "debit", "side",
                            side, "normal_balance_fen", (json_int_t)normal));
    }
    *ret = json_pack("{s:I, s:b, s:i, s:o, s:I, s:I, s:I}", "org_id", (json_int_t)org_id, "subtree",
                     subtree, "to", to, "accounts", rows, "total_debit_fen", (json_int_t)td,
                     "total_credit_fen", (json_int_t)tc, "balance_fen", (json_int_t)(td - tc));
    return 0;
}

/* Statement lines: a posting's line follows from its entry's kind, its account and its sign
 * as in the original entry (a reversal's sign is flipped back, so it lands on the line it
 * corrects and reduces it). */
enum line { L_DUES, L_VOLUNTARY, L_FROM_BELOW, L_SHARE, L_SPECIAL, L_NONE };
static const struct {
    const char *code, *label;
} lines[] = {
    {"dues", "党费收入（按月应缴）"},
    {"voluntary", "自愿多交党费"},
    {"from_below", "下级组织上缴党费"},
    {"share_up", "计提上缴上级党费"},
    {"special", "代收大额自愿党费（全额上缴）"},
};

static enum line classify(const char *kind, const char *account, int sign)
{
    if (strcmp(account, "special_remit") == 0)
        return strcmp(kind, "confirm") == 0 ? L_SPECIAL : L_NONE;
    if (strcmp(account, "dues_income") != 0)
        return L_NONE;
    if (sign > 0)
        return L_SHARE;
    if (strcmp(kind, "publish") == 0)
        return L_DUES;
    if (strcmp(kind, "confirm") == 0)
        return L_VOLUNTARY;
    return strcmp(kind, "remit") == 0 ? L_FROM_BELOW : L_NONE;
}

int ledger_statement(struct db *db, long long org_id, const char *path, bool subtree, int from,
                     int to, json_t **ret, struct errbuf *e)
{
    static const char *const sql[2] = {
        "SELECT e.kind, CASE WHEN e.reverses_id IS NULL THEN 1 ELSE -1 END, p.account,"
        " CASE WHEN p.amount_fen < 0 THEN -1 ELSE 1 END, SUM(p.amount_fen)"
        " FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id"
        " AND e.tenant_id = p.tenant_id"
        " WHERE p.org_id = $1 AND p.month >= $2 AND p.month <= $3%s GROUP BY 1, 2, 3, 4",
        "SELECT e.kind, CASE WHEN e.reverses_id IS NULL THEN 1 ELSE -1 END, p.account,"
        " CASE WHEN p.amount_fen < 0 THEN -1 ELSE 1 END, SUM(p.amount_fen)"
        " FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id"
        " AND e.tenant_id = p.tenant_id"
        " JOIN orgs o ON o.id = p.org_id WHERE o.path >= $1 AND o.path < $2"
        " AND p.month >= $3 AND p.month <= $4%s GROUP BY 1, 2, 3, 4",
    };
    long long line[L_NONE] = {0}, expense[NACCOUNTS] = {0}, income, expenses = 0;
    json_t *inc, *exp;
    struct db_stmt *st;
    int rc, k;
    if ((k = prepare_scoped(db, sql, org_id, path, subtree, 2, &st, e)) < 0)
        return k;
    db_bind_int(st, k, from);
    db_bind_int(st, k + 1, to);
    while ((rc = db_step(st, e)) == 1) {
        const char *kind = db_col_text(st, 0), *account = db_col_text(st, 2);
        int sign = (int)(db_col_int(st, 3) * db_col_int(st, 1));
        long long amount = db_col_int(st, 4);
        enum line l = classify(kind, account, sign);
        if (l != L_NONE) {
            /* income lines are credits (negative); the share is a debit */
            line[l] += l == L_SHARE ? amount : -amount;
            continue;
        }
        if (strncmp(account, "expense:", 8) == 0)
            for (size_t i = 0; i < NACCOUNTS; i++)
                if (strcmp(accounts[i].code, account) == 0)
                    expense[i] += amount;
    }
    db_done(st);
    if (rc < 0)
        return rc;
    inc = json_array();
    for (int l = L_DUES; l <= L_FROM_BELOW; l++)
        json_array_append_new(inc, json_pack("{s:s, s:s, s:I}", "line", lines[l].code, "name",
                                             lines[l].label, "amount_fen", (json_int_t)line[l]));
    exp = json_array();
    for (size_t i = 0; i < NACCOUNTS; i++) {
        if (strncmp(accounts[i].code, "expense:", 8) != 0)
            continue;
        expenses += expense[i];
        json_array_append_new(exp,
                              json_pack("{s:s, s:s, s:I}", "line", accounts[i].code + 8, "name",
                                        accounts[i].label, "amount_fen", (json_int_t)expense[i]));
    }
    income = line[L_DUES] + line[L_VOLUNTARY] + line[L_FROM_BELOW];
    *ret =
        json_pack("{s:I, s:b, s:i, s:i, s:o, s:I, s:I, s:o, s:I, s:I, s:I}", "org_id",
                  (json_int_t)org_id, "subtree", subtree, "from", from, "to", to, "income", inc,
                  "total_income_fen", (json_int_t)income, "share_up_fen", (json_int_t)line[L_SHARE],
                  "expenses", exp, "total_expense_fen", (json_int_t)expenses, "surplus_fen",
                  (json_int_t)(income - line[L_SHARE] - expenses), "special_collected_fen",
                  (json_int_t)line[L_SPECIAL]);
    return 0;
}

int ledger_entries(struct db *db, long long org_id, int month, long long page, long long page_size,
                   json_t **ret, struct errbuf *e)
{
    json_t *items = json_array();
    struct db_stmt *st, *ps;
    long long total = 0;
    int rc;
    rc = db_query_int(db, e, &total,
                      "SELECT COUNT(*) FROM ledger_entries e WHERE ($2 = 0 OR e.month = $2) AND"
                      " EXISTS (SELECT 1 FROM ledger_postings p WHERE p.entry_id = e.id"
                      " AND p.tenant_id = e.tenant_id AND p.org_id = $1)",
                      "ii", org_id, (long long)month);
    if (rc < 0 ||
        (rc = db_prepare(db,
                         "SELECT e.id, e.org_id, e.kind, e.idem_key, e.month, e.reverses_id,"
                         " e.ref_id, e.memo, e.created_by, e.created_at FROM ledger_entries e"
                         " WHERE ($2 = 0 OR e.month = $2) AND EXISTS (SELECT 1 FROM"
                         " ledger_postings p WHERE p.entry_id = e.id AND p.tenant_id = e.tenant_id"
                         " AND p.org_id = $1)"
                         " ORDER BY e.id DESC LIMIT $3 OFFSET $4",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "iiii", org_id, (long long)month, page_size, (page - 1) * page_size);
    while ((rc = db_step(st, e)) == 1) {
        json_t *o =
            json_pack("{s:I, s:I, s:s, s:s, s:I, s:o, s:o, s:s, s:o, s:I}", "id", db_col_int(st, 0),
                      "org_id", db_col_int(st, 1), "kind", db_col_text(st, 2), "idem_key",
                      db_col_text(st, 3), "month", db_col_int(st, 4), "reverses_id",
                      db_col_null(st, 5) ? json_null() : json_integer(db_col_int(st, 5)), "ref_id",
                      db_col_null(st, 6) ? json_null() : json_integer(db_col_int(st, 6)), "memo",
                      db_col_text(st, 7), "created_by",
                      db_col_null(st, 8) ? json_null() : json_integer(db_col_int(st, 8)),
                      "created_at", db_col_int(st, 9));
        json_array_append_new(items, o);
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *o = json_array_get(items, i), *posts = json_array();
        if ((rc = db_prepare(db,
                             "SELECT org_id, account, amount_fen FROM ledger_postings"
                             " WHERE entry_id = $1 ORDER BY seq",
                             &ps, e)) < 0) {
            json_decref(posts);
            goto fail;
        }
        db_bind_int(ps, 1, json_integer_value(json_object_get(o, "id")));
        while ((rc = db_step(ps, e)) == 1)
            json_array_append_new(posts, json_pack("{s:I, s:s, s:s, s:I}", "org_id",
                                                   db_col_int(ps, 0), "account", db_col_text(ps, 1),
                                                   "name", ledger_account_label(db_col_text(ps, 1)),
                                                   "amount_fen", db_col_int(ps, 2)));
        db_done(ps);
        json_object_set_new(o, "postings", posts);
        if (rc < 0)
            goto fail;
    }
    *ret = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)total, "page",
                     (json_int_t)page, "page_size", (json_int_t)page_size);
    return 0;
fail:
    json_decref(items);
    return rc;
}

int ledger_check(struct db *db, long long *ret_unbalanced, long long *ret_total, struct errbuf *e)
{
    long long bad = 0, total = 0;
    int rc = db_query_int(db, e, &bad,
                          "SELECT COUNT(*) FROM (SELECT entry_id, org_id FROM ledger_postings"
                          " GROUP BY entry_id, org_id HAVING SUM(amount_fen) <> 0) x",
                          "");
    if (rc < 0 ||
        (rc = db_query_int(db, e, &total,
                           "SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_postings", "")) < 0)
        return rc;
    *ret_unbalanced = bad;
    *ret_total = total;
    return 0;
}
