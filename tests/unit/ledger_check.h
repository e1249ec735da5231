/* The ledger property test's checks of the database against the model (ledger_model.h).
 *
 * After every step (cheap): no transaction left open; temporary triggers on the dues tables
 * report every row the step wrote, so each written bill and payment is compared with the
 * model, nothing is written that the operation must not touch (a refused operation writes
 * nothing at all), the new journal entries are as many as the model booked, each balances
 * per organization, and the accounts they add up to equal the model's, account by account.
 * Every CHECK_EVERY steps and at the end (a full pass): every bill and payment, every
 * account through ledger_balance and ledger_check, the trial balance, the receivable against
 * the bills still owed, prepaid against the advances, each member's credit, and rules that
 * hold whatever the model says (a paid bill has a paid payment, a payment's money is all in
 * its bills). Header-only, for test_ledger_property.c. */
#ifndef TESTS_UNIT_LEDGER_CHECK_H
#define TESTS_UNIT_LEDGER_CHECK_H

#include <stdarg.h>

#include "db/db.h"
#include "dues/bill.h"
#include "dues/ledger.h"
#include "ledger_model_books.h"

#define CHECK_EVERY 10000 /* steps between full passes; DJ_PROP_CHECK_EVERY changes it */

struct world {
    struct db *db;
    struct lm M;
    unsigned long long seed, rng;
    long long ops, step, steps_per_month, check_every;
    char op[320]; /* the operation of this step, as the failure report shows it */
    long long last_entry;
    long long mirror[LM_ORGS][LA_N];    /* the accounts as the new entries of each step add up */
    long long ok[16], refused[16];      /* per kind of operation */
    int *pending, npending, cappending; /* online payments waiting for their notice */
    int *notified, nnotified, capnotified;
};

/* Report a failure so that it can be replayed exactly, and fail the test. */
static void __attribute__((format(printf, 2, 3))) prop_fail(struct world *w, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr,
            "ledger property failed: seed %llu, step %lld of %lld, month %d\n"
            "  operation: %s\n  %s\n"
            "  replay: DJ_PROP_SEED=%llu DJ_PROP_OPS=%lld build/tst/unit/test_ledger_property\n",
            w->seed, w->step, w->ops, w->M.cur, w->op, msg, w->seed, w->ops);
    fail_msg("seed %llu, step %lld: %s", w->seed, w->step, msg);
}

static void must_ok(struct world *w, int rc, const struct errbuf *e, const char *what)
{
    if (rc < 0)
        prop_fail(w, "%s failed: %s", what, e->msg);
}

/* The tables the triggers watch: what an insert and an update report ("tamper": never). */
static const struct {
    const char *table, *on_insert, *on_update;
} watched[] = {
    {"dues_bills", "bill", "bill"},
    {"dues_payments", "payment", "payment"},
    {"dues_payment_items", "item", "tamper"},
    {"ledger_entries", "entry", "tamper"},
    {"ledger_postings", NULL, "tamper"},
    {"dues_batches", "batch", "batch"},
    {"dues_publications", "publication", "publication"},
    {"dues_remittances", "remit", "remit"},
    {"dues_expenses", "expense", "expense"},
    {"income_bases", "base", "base"},
};
static const struct {
    const char *tag;
    unsigned bit;
} tags[] = {
    {"bill", LT_BILL},   {"payment", LT_PAYMENT}, {"item", LT_ITEM},
    {"entry", LT_ENTRY}, {"batch", LT_BATCH},     {"publication", LT_PUBLICATION},
    {"remit", LT_REMIT}, {"expense", LT_EXPENSE}, {"base", LT_BASE},
};

static void watch_tables(struct world *w)
{
    struct errbuf e = ERRBUF_INIT;
    must_ok(w, db_exec(w->db, "CREATE TEMP TABLE prop_touch(tbl TEXT NOT NULL, id INTEGER)", &e),
            &e, "touch table");
    for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
        static const char *const ev[3] = {"INSERT", "UPDATE", "DELETE"};
        for (int k = 0; k < 3; k++) {
            const char *tag = k == 0   ? watched[i].on_insert
                              : k == 1 ? watched[i].on_update
                                       : "tamper";
            char sql[400];
            if (!tag)
                continue;
            snprintf(sql, sizeof(sql),
                     "CREATE TEMP TRIGGER prop_%s_%d AFTER %s ON main.%s BEGIN"
                     " INSERT INTO prop_touch VALUES('%s', %s.rowid); END",
                     watched[i].table, k, ev[k], watched[i].table, tag, k == 2 ? "OLD" : "NEW");
            must_ok(w, db_exec(w->db, sql, &e), &e, sql);
        }
    }
}

static int member_index(const struct world *w, long long id)
{
    for (int i = 0; i < LM_MEMBERS; i++)
        if (w->M.members[i].id == id)
            return i;
    return -1;
}

static int org_index(const struct world *w, long long id)
{
    for (int i = 0; i < LM_ORGS; i++)
        if (w->M.orgs[i].id == id)
            return i;
    return -1;
}

#define BILL_COLS                                                                                  \
    "id, member_id, month, kind, seq, org_id, COALESCE(amount_fen, -1), COALESCE(base_fen, -1),"   \
    " status, COALESCE(published_at, 0), COALESCE(payment_id, 0), COALESCE(paid_at, 0),"           \
    " via_credit, COALESCE(batch_id, 0), COALESCE(share_fen, -1), COALESCE(confirmed_at, 0)"

/* The model's bill for a row read with BILL_COLS, or fail. */
static struct lm_bill *model_bill(struct world *w, struct db_stmt *st)
{
    int member = member_index(w, db_col_int(st, 1)), month = (int)db_col_int(st, 2);
    const char *kind = db_col_text(st, 3);
    long long seq = db_col_int(st, 4);
    if (member >= 0 && strcmp(kind, "regular") == 0) {
        struct lm_bill *b = lm_reg(&w->M, member, month);
        if (b)
            return b;
    }
    if (member >= 0 && strcmp(kind, "regular") != 0 && lm_pay_index(&w->M, seq) >= 0) {
        const struct lm_payment *P = &w->M.pays[lm_pay_index(&w->M, seq)];
        int k = P->rows[strcmp(kind, "voluntary") == 0];
        if (k >= 0 && P->member == member && w->M.bills[k].month == month)
            return &w->M.bills[k];
    }
    prop_fail(w, "bill %lld (member %lld, %d, %s, seq %lld) exists, the model has none",
              db_col_int(st, 0), db_col_int(st, 1), month, kind, seq);
    return NULL;
}

/* Compare one row read with BILL_COLS with the model's bill. */
static void check_bill_row(struct world *w, struct db_stmt *st)
{
    struct lm_bill *b = model_bill(w, st);
    const char *status = db_col_text(st, 8);
    struct {
        const char *field;
        long long db, model;
    } f[] = {
        {"org_id", db_col_int(st, 5), w->M.orgs[b->org].id},
        {"amount_fen", db_col_int(st, 6), b->amount},
        {"base_fen", db_col_int(st, 7), b->base},
        {"published_at", db_col_int(st, 9), b->published_at},
        {"payment_id", db_col_int(st, 10), b->pay},
        {"paid_at", db_col_int(st, 11), b->paid_at},
        {"via_credit", db_col_int(st, 12), b->via_credit},
        {"batch_id", db_col_int(st, 13), b->batch},
        {"share_fen", db_col_int(st, 14), b->share},
        {"confirmed_at", db_col_int(st, 15), b->confirmed_at},
    };
    b->db_id = db_col_int(st, 0);
    b->seen_step = w->step;
    if (strcmp(status, lm_status_name[b->status]) != 0)
        prop_fail(w, "bill %lld (member %d, %d, %s): status '%s', the model says '%s'", b->db_id,
                  b->member, b->month, lm_kind_name[b->kind], status, lm_status_name[b->status]);
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (f[i].db != f[i].model)
            prop_fail(w, "bill %lld (member %d, %d, %s, %s): %s %lld, the model says %lld",
                      b->db_id, b->member, b->month, lm_kind_name[b->kind], status, f[i].field,
                      f[i].db, f[i].model);
}

#define PAY_COLS                                                                                   \
    "id, member_id, org_id, kind, channel, amount_fen, status, payer, COALESCE(provider_ref, '')," \
    " COALESCE(paid_at, 0)"

static void check_payment_row(struct world *w, struct db_stmt *st)
{
    long long id = db_col_int(st, 0);
    int p = lm_pay_index(&w->M, id);
    struct lm_payment *P;
    if (p < 0)
        prop_fail(w, "payment %lld exists, the model has none", id);
    P = &w->M.pays[p];
    P->seen_step = w->step;
    if (db_col_int(st, 1) != w->M.members[P->member].id ||
        db_col_int(st, 2) != w->M.orgs[P->org].id ||
        strcmp(db_col_text(st, 3), P->online ? "online" : "collection") != 0 ||
        strcmp(db_col_text(st, 4), P->channel) != 0 || db_col_int(st, 5) != P->amount ||
        strcmp(db_col_text(st, 6), lm_pstatus_name[P->status]) != 0 ||
        strcmp(db_col_text(st, 7), P->payer) != 0 || strcmp(db_col_text(st, 8), P->ref) != 0 ||
        db_col_int(st, 9) != P->paid_at)
        prop_fail(w,
                  "payment %lld: %s %s %lld fen '%s' payer '%s' ref '%s' paid_at %lld; the model: "
                  "%s %s %lld fen '%s' payer '%s' ref '%s' paid_at %lld",
                  id, db_col_text(st, 3), db_col_text(st, 4), db_col_int(st, 5), db_col_text(st, 6),
                  db_col_text(st, 7), db_col_text(st, 8), db_col_int(st, 9),
                  P->online ? "online" : "collection", P->channel, P->amount,
                  lm_pstatus_name[P->status], P->payer, P->ref, P->paid_at);
}

/* Run sql (no parameters, or $1 = a) and check each row with fn; returns the rows. */
static long long each_row(struct world *w, const char *sql, long long a,
                          void (*fn)(struct world *w, struct db_stmt *st))
{
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    long long n = 0;
    int rc;
    must_ok(w, db_prepare(w->db, sql, &st, &e), &e, sql);
    db_bind_int(st, 1, a);
    while ((rc = db_step(st, &e)) == 1) {
        fn(w, st);
        n++;
    }
    db_done(st);
    must_ok(w, rc, &e, sql);
    return n;
}

static void add_posting(struct world *w, struct db_stmt *st)
{
    int org = org_index(w, db_col_int(st, 1)), a;
    for (a = 0; a < LA_N && strcmp(lm_acct_code[a], db_col_text(st, 2)) != 0; a++)
        ;
    if (org < 0 || a == LA_N)
        prop_fail(w, "entry %lld posts to organization %lld, account '%s'", db_col_int(st, 0),
                  db_col_int(st, 1), db_col_text(st, 2));
    w->mirror[org][a] += db_col_int(st, 3);
}

static void check_entry_sum(struct world *w, struct db_stmt *st)
{
    prop_fail(w, "journal entry %lld does not balance: organization %lld is off by %lld fen",
              db_col_int(st, 0), db_col_int(st, 1), db_col_int(st, 2));
}

static void check_accounts(struct world *w, long long (*got)[LA_N], const char *what)
{
    for (int o = 0; o < LM_ORGS; o++)
        for (int a = 0; a < LA_N; a++)
            if (got[o][a] != w->M.bal[o][a])
                prop_fail(w, "%s: organization %d (%lld) %s is %lld fen, the model says %lld", what,
                          o, w->M.orgs[o].id, lm_acct_code[a], got[o][a], w->M.bal[o][a]);
}

/* What every step must leave true; see the top of this file. */
static void check_step(struct world *w)
{
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    unsigned wrote = 0;
    long long entries = 0;
    int rc;
    if (db_in_tx(w->db))
        prop_fail(w, "a transaction was left open");
    must_ok(w, db_prepare(w->db, "SELECT tbl, COUNT(*) FROM temp.prop_touch GROUP BY tbl", &st, &e),
            &e, "touched");
    while ((rc = db_step(st, &e)) == 1) {
        const char *tag = db_col_text(st, 0);
        size_t i;
        for (i = 0; i < sizeof(tags) / sizeof(tags[0]) && strcmp(tags[i].tag, tag) != 0; i++)
            ;
        if (i == sizeof(tags) / sizeof(tags[0])) {
            db_done(st);
            prop_fail(w,
                      "a journal entry, a posting, a payment item or a bill was changed or "
                      "deleted ('%s')",
                      tag);
        }
        wrote |= tags[i].bit;
        if (tags[i].bit == LT_ENTRY)
            entries = db_col_int(st, 1);
    }
    db_done(st);
    must_ok(w, rc, &e, "touched");
    if (wrote & ~w->M.tables)
        prop_fail(w, "wrote tables %#x; the model allows only %#x (%s)", wrote, w->M.tables,
                  w->M.tables ? "this operation does not touch the others"
                              : "a refused operation changes nothing");
    if (entries != w->M.entries)
        prop_fail(w, "%lld journal entries were posted, the model booked %d", entries,
                  w->M.entries);
    if (wrote & LT_BILL)
        each_row(w,
                 "SELECT " BILL_COLS " FROM dues_bills WHERE id IN"
                 " (SELECT id FROM temp.prop_touch WHERE tbl = 'bill') AND $1 = 1",
                 1, check_bill_row);
    if (wrote & LT_PAYMENT)
        each_row(w,
                 "SELECT " PAY_COLS " FROM dues_payments WHERE id IN"
                 " (SELECT id FROM temp.prop_touch WHERE tbl = 'payment') AND $1 = 1",
                 1, check_payment_row);
    for (int i = 0; i < w->M.ntb; i++)
        if (w->M.bills[w->M.tb[i]].seen_step != w->step)
            prop_fail(w, "the model changed bill %lld (member %d, %d, %s) but the code did not",
                      w->M.bills[w->M.tb[i]].db_id, w->M.bills[w->M.tb[i]].member,
                      w->M.bills[w->M.tb[i]].month, lm_kind_name[w->M.bills[w->M.tb[i]].kind]);
    for (int i = 0; i < w->M.ntp; i++)
        if (w->M.pays[w->M.tp[i]].seen_step != w->step)
            prop_fail(w, "the model changed payment %lld but the code did not",
                      w->M.pays[w->M.tp[i]].id);
    if (wrote & LT_ENTRY) {
        each_row(w,
                 "SELECT entry_id, org_id, SUM(amount_fen) FROM ledger_postings"
                 " WHERE entry_id > $1 GROUP BY entry_id, org_id HAVING SUM(amount_fen) <> 0",
                 w->last_entry, check_entry_sum);
        each_row(w,
                 "SELECT entry_id, org_id, account, amount_fen FROM ledger_postings"
                 " WHERE entry_id > $1",
                 w->last_entry, add_posting);
        must_ok(w,
                db_query_int(w->db, &e, &w->last_entry,
                             "SELECT COALESCE(MAX(id), 0) FROM ledger_entries WHERE $1 = 1", "i",
                             1LL),
                &e, "last entry");
    }
    if (wrote)
        must_ok(w, db_run(w->db, &e, "DELETE FROM temp.prop_touch WHERE $1 = 1", "i", 1LL), &e,
                "touched");
    check_accounts(w, w->mirror, "the journal");
}

static long long sql_int(struct world *w, const char *sql, long long a)
{
    struct errbuf e = ERRBUF_INIT;
    long long v = 0;
    must_ok(w, db_query_int(w->db, &e, &v, sql, "i", a), &e, sql);
    return v;
}

static long long owed_fen[LM_ORGS];

static void add_owed(struct world *w, struct db_stmt *st)
{
    owed_fen[org_index(w, db_col_int(st, 0))] = db_col_int(st, 1);
}

static void check_totals(struct world *w, struct db_stmt *st)
{
    if (db_col_int(st, 1) != 0)
        prop_fail(w, "%s (%lld cases)", db_col_text(st, 0), db_col_int(st, 1));
}

/* The full pass; see the top of this file. */
static void check_full(struct world *w)
{
    struct errbuf e = ERRBUF_INIT;
    long long bad = -1, total = -1, got[LM_ORGS][LA_N];
    json_t *tb = NULL;
    if ((bad = each_row(w, "SELECT " BILL_COLS " FROM dues_bills WHERE $1 = 1 ORDER BY id", 1,
                        check_bill_row)) != w->M.nbills)
        prop_fail(w, "%lld bills, the model has %d", bad, w->M.nbills);
    if ((bad = each_row(w, "SELECT " PAY_COLS " FROM dues_payments WHERE $1 = 1 ORDER BY id", 1,
                        check_payment_row)) != w->M.npays)
        prop_fail(w, "%lld payments, the model has %d", bad, w->M.npays);
    must_ok(w, ledger_check(w->db, &bad, &total, &e), &e, "ledger_check");
    if (bad || total)
        prop_fail(w, "ledger_check: %lld unbalanced entries, postings sum to %lld", bad, total);
    must_ok(w, ledger_trial_balance(w->db, w->M.orgs[0].id, w->M.orgs[0].path, true, 0, &tb, &e),
            &e, "trial balance");
    bad = json_integer_value(json_object_get(tb, "balance_fen"));
    total = json_integer_value(json_object_get(tb, "total_debit_fen")) -
            json_integer_value(json_object_get(tb, "total_credit_fen"));
    json_decref(tb);
    if (bad || total)
        prop_fail(w, "the trial balance does not sum to zero (%lld, %lld)", bad, total);
    for (int o = 0; o < LM_ORGS; o++)
        for (int a = 0; a < LA_N; a++)
            must_ok(w, ledger_balance(w->db, w->M.orgs[o].id, lm_acct_code[a], &got[o][a], &e), &e,
                    "balance");
    check_accounts(w, got, "ledger_balance");
    memset(owed_fen, 0, sizeof(owed_fen));
    each_row(w,
             "SELECT org_id, SUM(amount_fen) FROM dues_bills WHERE kind = 'regular'"
             " AND published_at IS NOT NULL AND status IN ('unpaid', 'paid') AND $1 = 1"
             " GROUP BY org_id",
             1, add_owed);
    for (int o = 0; o < LM_ORGS; o++) {
        long long owed = 0, prepaid = 0;
        for (int i = 0; i < w->M.nbills; i++) {
            const struct lm_bill *b = &w->M.bills[i];
            if (b->org != o)
                continue;
            if (b->kind == LK_REGULAR && b->published_at &&
                (b->status == LS_UNPAID || b->status == LS_PAID))
                owed += b->amount;
            if (b->status == LS_CONFIRMED && (b->kind == LK_ADVANCE || b->via_credit))
                prepaid += b->kind == LK_ADVANCE ? b->amount : -b->amount;
        }
        if (owed != w->M.bal[o][LA_RECEIVABLE] || owed != owed_fen[o])
            prop_fail(w,
                      "organization %d: receivable %lld, bills still owed %lld (model) and %lld"
                      " (database)",
                      o, w->M.bal[o][LA_RECEIVABLE], owed, owed_fen[o]);
        if (prepaid != -w->M.bal[o][LA_PREPAID])
            prop_fail(w,
                      "organization %d: prepaid %lld, confirmed advances less the bills they"
                      " paid %lld",
                      o, -w->M.bal[o][LA_PREPAID], prepaid);
        if (w->M.bal[o][LA_BANK] < 0)
            prop_fail(w, "organization %d: bank %lld below zero", o, w->M.bal[o][LA_BANK]);
        total = 0;
        for (int a = 0; a < LA_N; a++)
            total += w->M.bal[o][a];
        if (total)
            prop_fail(w, "organization %d: the model's accounts sum to %lld", o, total);
    }
    for (int i = 0; i < LM_MEMBERS; i++) {
        long long credit = 0;
        must_ok(w, dues_member_credit(w->db, w->M.members[i].id, &credit, &e), &e, "credit");
        if (credit != lm_credit(&w->M, i))
            prop_fail(w, "member %d: credit %lld, the model says %lld", i, credit,
                      lm_credit(&w->M, i));
    }
    /* whatever the model says: one state per bill, and no fen outside a bill */
    each_row(
        w,
        "SELECT 'a regular bill whose status disagrees with its payment, time or batch',"
        " COUNT(*) FROM dues_bills WHERE kind = 'regular' AND ("
        " (status IN ('paid', 'confirmed')) <> (payment_id IS NOT NULL)"
        " OR (status IN ('paid', 'confirmed')) <> (paid_at IS NOT NULL)"
        " OR (status = 'confirmed') <> (batch_id IS NOT NULL)"
        " OR (via_credit = 1 AND status NOT IN ('paid', 'confirmed'))) AND $1 = 1"
        " UNION ALL SELECT 'a paid bill whose payment is not paid', COUNT(*) FROM dues_bills b"
        " JOIN dues_payments p ON p.id = b.payment_id WHERE b.status IN ('paid', 'confirmed')"
        " AND p.status <> 'paid'"
        " UNION ALL SELECT 'a paid payment whose money is not all in its bills', COUNT(*)"
        " FROM dues_payments p LEFT JOIN (SELECT payment_id, SUM(amount_fen) AS fen"
        " FROM dues_bills WHERE payment_id IS NOT NULL AND status IN ('paid', 'confirmed')"
        " AND NOT (kind = 'regular' AND via_credit = 1) GROUP BY payment_id) b"
        " ON b.payment_id = p.id WHERE p.status = 'paid' AND p.amount_fen <> COALESCE(b.fen, 0)",
        1, check_totals);
    if (sql_int(w, "SELECT COUNT(*) FROM temp.prop_touch WHERE $1 = 1", 1))
        prop_fail(w, "the full check found rows written since the last step");
}

#endif
