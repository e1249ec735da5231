/* The dues ledger (src/dues/ledger.c) and the operations that post to it: after any sequence
 * of generate / publish / pay / confirm / reverse / remit / spend, every journal entry
 * balances, the trial balance sums to zero and the receivable equals the bills still owed.
 * Also: reversal, remittance up two levels, large voluntary dues, closing a month. */
#include "unit.h"

#include "dues_world.h"

/* ---- a deterministic random sequence */

static unsigned long long rng = 0x2545F4914F6CDD1DULL;
static unsigned long long rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static int pick(int n)
{
    return (int)(rnd() % (unsigned long long)n);
}

static const char *random_path(struct world *w, long long *org)
{
    int k = pick(7);
    if (k == 0) {
        *org = w->root;
        return w->path_root;
    }
    if (k < 3) {
        *org = w->unit[k - 1];
        return w->path_unit[k - 1];
    }
    *org = w->branch[k - 3];
    return w->path_branch[k - 3];
}

static int random_org(struct world *w, long long *org)
{
    const char *p = random_path(w, org);
    (void)p;
    return 0;
}

/* A payment for a random member: some of their unpaid published months, maybe some months
 * ahead, maybe voluntary dues (now and then 1000 yuan or more); now and then a wrong amount. */
static void op_pay(struct world *w, int *ops)
{
    struct errbuf e = ERRBUF_INIT;
    long long member = w->members[pick(NMEMBERS)], id = 0;
    int months[8], n = 0, cur = dues_current_month(), rc;
    struct db_stmt *st;
    json_t *quote = NULL;
    bool online = pick(3) == 0, wrong = pick(10) == 0;
    must(db_prepare(w->db,
                    "SELECT month FROM dues_bills WHERE member_id = $1 AND kind = 'regular'"
                    " AND status = 'unpaid' AND published_at IS NOT NULL ORDER BY month",
                    &st, &e),
         &e, "prepare");
    db_bind_int(st, 1, member);
    while (db_step(st, &e) == 1 && n < 3)
        if (pick(3))
            months[n++] = (int)db_col_int(st, 0);
    db_done(st);
    for (int k = 1; k <= 2; k++)
        if (pick(4) == 0)
            months[n++] = month_add(cur, k);
    struct dues_pay_in in = {member, months, (size_t)n, pick(4) == 0 ? (pick(3) ? 500 : 150000) : 0,
                             0, online ? "wechat" : (pick(2) ? "cash" : "bank"), "ref", NULL,
                             online, 0, 0};
    if (dues_payment_quote(w->db, &in, &quote, &e) < 0)
        return; /* e.g. only months with a missing base: nothing to pay */
    in.amount_fen = json_integer_value(json_object_get(quote, "total_fen")) + (wrong ? 1 : 0);
    json_decref(quote);
    must(db_begin(w->db, &e), &e, "begin");
    rc = dues_payment_create(w->db, &in, &id, &e);
    if (wrong) {
        assert_int_equal(rc, -ERR_INVALID);
        db_rollback(w->db);
        return;
    }
    must(rc, &e, "pay");
    must(db_commit(w->db, &e), &e, "commit");
    (*ops)++;
    if (online) { /* the provider's notice; sometimes twice, sometimes a failure */
        char ref[32];
        json_t *notice, *out = NULL;
        long long amount = in.amount_fen;
        snprintf(ref, sizeof(ref), "P%lld", id);
        notice = json_pack("{s:s, s:I, s:I, s:s}", "provider_ref", ref, "payment_id",
                           (json_int_t)id, "amount_fen", (json_int_t)amount, "result",
                           pick(8) ? "success" : "failed");
        must(dues_callback_apply(w->db, notice, &out, &e), &e, "callback");
        json_decref(out);
        if (pick(3) == 0) {
            must(dues_callback_apply(w->db, notice, &out, &e), &e, "callback again");
            assert_true(json_is_true(json_object_get(out, "duplicate")));
            json_decref(out);
        }
        json_decref(notice);
    }
}

static void op_reverse(struct world *w)
{
    struct errbuf e = ERRBUF_INIT;
    long long n = q(w, "SELECT COUNT(*) FROM dues_payments WHERE status = 'paid' AND $1 = 1", 1);
    long long id = 0;
    json_t *out = NULL;
    int rc;
    if (!n)
        return;
    must(db_query_int(w->db, &e, &id,
                      "SELECT id FROM dues_payments WHERE status = 'paid' ORDER BY id LIMIT 1"
                      " OFFSET $1",
                      "i", (long long)pick((int)n)),
         &e, "pick");
    rc = dues_payment_reverse(w->db, id, "测试冲销", 0, &out, &e);
    if (rc != -ERR_CONFLICT) /* refused when the money was remitted or spent */
        must(rc, &e, "reverse");
    json_decref(out);
}

static void test_random_operations_keep_the_books_balanced(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    int ops = 0;
    for (int step = 0; step < 700; step++) {
        int cur = dues_current_month(), op = pick(100);
        long long org;
        const char *path;
        char what[64];
        if (step % 70 == 69 && cur < 202412) { /* on to the next month */
            dues_test_clock(at(month_add(cur, 1), 1 + pick(27)));
            cur = dues_current_month();
        }
        if (op < 8) {
            struct dues_gen_stats s;
            must(dues_generate(w->db, cur, NULL, 0, &s, &e), &e, "generate");
            json_decref(s.missing);
            snprintf(what, sizeof(what), "generate %d", cur);
        } else if (op < 18) {
            struct dues_pub_stats s;
            int m = pick(3) ? cur : month_add(cur, -1);
            int rc;
            path = random_path(w, &org);
            rc = dues_publish(w->db, m, org, path, 0, &s, &e);
            if (rc != -ERR_CONFLICT)
                must(rc, &e, "publish");
            snprintf(what, sizeof(what), "publish %d", m);
        } else if (op < 55) {
            op_pay(w, &ops);
            snprintf(what, sizeof(what), "pay");
        } else if (op < 70) {
            struct dues_confirm_stats s;
            int m = pick(3) ? cur : month_add(cur, -pick(3));
            int rc;
            path = random_path(w, &org);
            rc = dues_confirm(w->db, m, org, path, 0, &s, &e);
            if (rc != -ERR_CONFLICT)
                must(rc, &e, "confirm");
            snprintf(what, sizeof(what), "confirm %d", m);
        } else if (op < 78) {
            op_reverse(w);
            snprintf(what, sizeof(what), "reverse");
        } else if (op < 90) {
            json_t *out = NULL;
            int rc;
            random_org(w, &org);
            rc = dues_remit(w->db, org, 0, NULL, 0, &out, &e);
            if (rc != -ERR_CONFLICT && rc != -ERR_INVALID)
                must(rc, &e, "remit");
            json_decref(out);
            snprintf(what, sizeof(what), "remit");
        } else if (op < 96) {
            static const char *const kinds[] = {"education", "commendation", "hardship", "other"};
            json_t *out = NULL;
            long long bank;
            int rc;
            random_org(w, &org);
            bank = bal(w, org, "bank");
            struct dues_expense_in in = {org, kinds[pick(4)],
                                         bank > 1 ? 1 + (long long)(rnd() % (unsigned long long)bank) : 100,
                                         "测试支出", "支部委员会", "集体研究", "2024-01-05", "支委会决议〔2024〕1号", NULL};
            rc = dues_expense(w->db, &in, 0, &out, &e);
            if (rc != -ERR_CONFLICT)
                must(rc, &e, "expense");
            json_decref(out);
            snprintf(what, sizeof(what), "expense");
        } else {
            struct dues_close_stats s;
            int m = month_add(cur, -1);
            if (m >= 202401)
                must(dues_close_month(w->db, m, &s, &e), &e, "close");
            snprintf(what, sizeof(what), "close %d", m);
        }
        invariants(w, what);
    }
    assert_true(ops > 50);
    assert_true(q(w, "SELECT COUNT(*) FROM ledger_entries WHERE reverses_id IS NOT NULL AND $1 = 1",
                  1) > 0);
    assert_true(q(w, "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'remit' AND $1 = 1", 1) > 0);
    assert_true(q(w, "SELECT COUNT(*) FROM dues_bills WHERE via_credit = 1 AND $1 = 1", 1) > 0);
}

/* ---- hand-checked cases */


static long long pay_cash(struct world *w, int i, int month, long long voluntary)
{
    struct errbuf e = ERRBUF_INIT;
    int months[1] = {month};
    json_t *quote;
    long long id;
    struct dues_pay_in in = {w->members[i], months, month ? 1 : 0, voluntary, 0, "cash", "", "代缴人",
                             false, 0, 0};
    must(dues_payment_quote(w->db, &in, &quote, &e), &e, "quote");
    in.amount_fen = json_integer_value(json_object_get(quote, "total_fen"));
    json_decref(quote);
    must(db_begin(w->db, &e), &e, "begin");
    must(dues_payment_create(w->db, &in, &id, &e), &e, "pay");
    must(db_commit(w->db, &e), &e, "commit");
    return id;
}

static void test_reversal_flips_the_confirmed_postings_and_points_to_the_original(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct dues_confirm_stats s;
    long long b0 = w->branch[0], id, orig, rev;
    json_t *out;
    publish_all(w, 202401);
    id = pay_cash(w, 0, 202401, 0); /* member 0: base 1500.00 → 7.50 */
    must(dues_confirm(w->db, 202401, w->root, w->path_root, 0, &s, &e), &e, "confirm");
    assert_int_equal(bal(w, b0, "bank"), 750);
    assert_int_equal(bal(w, b0, "remit_payable"), -375); /* 50 % upward */
    orig = q(w, "SELECT id FROM ledger_entries WHERE kind = 'confirm' AND org_id = $1", b0);
    must(dues_payment_reverse(w->db, id, "错账", 0, &out, &e), &e, "reverse");
    json_decref(out);
    rev = q(w, "SELECT reverses_id FROM ledger_entries WHERE reverses_id IS NOT NULL AND org_id = $1",
            b0);
    assert_int_equal(rev, orig);
    assert_int_equal(bal(w, b0, "bank"), 0);
    assert_int_equal(bal(w, b0, "remit_payable"), 0);
    assert_int_equal(bal(w, b0, "dues_receivable"), q(w,
        "SELECT COALESCE(SUM(amount_fen), 0) FROM dues_bills WHERE org_id = $1 AND kind = 'regular'",
        b0));
    /* the original entry is still there, untouched */
    assert_int_equal(q(w, "SELECT COUNT(*) FROM ledger_postings WHERE entry_id = $1", orig), 4);
    assert_int_equal(dues_payment_reverse(w->db, id, "again", 0, &out, &e), -ERR_CONFLICT);
    invariants(w, "reversal");
}

static void test_remittance_moves_the_share_and_large_voluntary_dues_up(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct dues_confirm_stats s;
    long long b0 = w->branch[0], u0 = w->unit[0];
    json_t *out;
    publish_all(w, 202401);
    pay_cash(w, 0, 202401, 0);      /* 7.50 */
    pay_cash(w, 4, 0, 120000);      /* voluntary 1200 yuan: to the centre in full */
    must(db_begin(w->db, &e), &e, "begin");
    must(dues_share_set(w->db, u0, 4000, 0, &e), &e, "share"); /* the unit remits 40 % */
    must(db_commit(w->db, &e), &e, "commit");
    must(dues_confirm(w->db, 202401, w->root, w->path_root, 0, &s, &e), &e, "confirm");
    assert_int_equal(bal(w, b0, "special_remit"), -120000);
    assert_int_equal(bal(w, b0, "remit_payable"), -375);
    must(dues_remit(w->db, b0, 0, "k1", 0, &out, &e), &e, "remit");
    assert_int_equal(json_integer_value(json_object_get(out, "special_fen")), 120000);
    json_decref(out);
    must(dues_remit(w->db, b0, 0, "k1", 0, &out, &e), &e, "remit again");
    assert_true(json_is_true(json_object_get(out, "duplicate")));
    json_decref(out);
    assert_int_equal(bal(w, b0, "bank"), 750 + 120000 - 375 - 120000);
    assert_int_equal(bal(w, u0, "bank"), 375 + 120000);
    assert_int_equal(bal(w, u0, "remit_payable"), -150); /* 40 % of 3.75 */
    assert_int_equal(bal(w, u0, "special_remit"), -120000);
    assert_int_equal(dues_remit(w->db, b0, 0, NULL, 0, &out, &e), -ERR_CONFLICT); /* owes nothing */
    must(dues_remit(w->db, u0, 0, NULL, 0, &out, &e), &e, "unit remits");
    json_decref(out);
    assert_int_equal(bal(w, w->root, "bank"), 150 + 120000);
    assert_int_equal(bal(w, w->root, "special_remit"), -120000); /* held for the centre */
    assert_int_equal(bal(w, w->root, "remit_payable"), 0);       /* the top remits nothing */
    assert_int_equal(dues_remit(w->db, w->root, 0, NULL, 0, &out, &e), -ERR_INVALID);
    {
        struct dues_expense_in x = {b0,           "education", 1000000, NULL, "支部委员会",
                                    "集体研究",   "2024-01-05", "支委会决议〔2024〕1号", NULL};
        assert_int_equal(dues_expense(w->db, &x, 0, &out, &e), -ERR_CONFLICT);
        x.kind = "gambling";
        x.amount_fen = 100;
        assert_int_equal(dues_expense(w->db, &x, 0, &out, &e), -ERR_INVALID);
        x.kind = "education";
        x.approval_ref = ""; /* the approval record is required, each part of it */
        assert_int_equal(dues_expense(w->db, &x, 0, &out, &e), -ERR_INVALID);
        x.approval_ref = "支委会决议〔2024〕1号";
        x.approved_on = "2999-01-01"; /* approved after it is spent */
        assert_int_equal(dues_expense(w->db, &x, 0, &out, &e), -ERR_INVALID);
        x.approved_on = "2024-01-05";
        x.amount_fen = 375;
        x.note = "党课教材";
        must(dues_expense(w->db, &x, 0, &out, &e), &e, "expense");
        assert_string_equal(json_string_value(json_object_get(out, "kind_name")), "党员教育培训支出");
        json_decref(out);
    }
    {
        json_t *st;
        must(ledger_statement(w->db, b0, w->path_branch[0], false, 202401, 202412, &st, &e), &e,
             "statement");
        assert_int_equal(json_integer_value(json_object_get(st, "share_up_fen")), 375);
        assert_int_equal(json_integer_value(json_object_get(st, "total_expense_fen")), 375);
        assert_int_equal(json_integer_value(json_object_get(st, "special_collected_fen")), 120000);
        json_decref(st);
    }
    invariants(w, "remittance");
}

/* Payroll deduction pays each listed member's published unpaid bill once, with a payment and
 * an item of its own, and skips members without one; a second run pays nothing. */
static void test_payroll_deduction_pays_listed_members_once(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct dues_payroll_stats s;
    struct dues_confirm_stats cs;
    long long list[] = {w->members[1], w->members[0], w->members[7], 999999};
    long long want = 0, pid;
    json_t *out;
    publish_all(w, 202401);
    for (int i = 0; i < 2; i++)
        want += q(w, "SELECT amount_fen FROM dues_bills WHERE member_id = $1 AND month = 202401",
                  w->members[i]);
    assert_true(want > 0);
    must(db_begin(w->db, &e), &e, "begin");
    must(dues_payroll_collect(w->db, 202401, list, 4, 0, &s, &e), &e, "payroll");
    must(db_commit(w->db, &e), &e, "commit");
    /* member 7 has no base (no published bill), 999999 is nobody */
    assert_int_equal(s.paid, 2);
    assert_int_equal(s.skipped, 2);
    assert_int_equal(s.amount_fen, want);
    for (int i = 0; i < 2; i++) {
        pid = q(w, "SELECT payment_id FROM dues_bills WHERE member_id = $1 AND month = 202401"
                   " AND status = 'paid'",
                w->members[i]);
        assert_true(pid > 0);
        assert_int_equal(q(w, "SELECT member_id FROM dues_payments WHERE id = $1 AND status = 'paid'"
                              " AND channel = 'payroll' AND kind = 'collection'",
                           pid),
                         w->members[i]);
        assert_int_equal(q(w, "SELECT SUM(p.amount_fen) - SUM(i.amount_fen) FROM dues_payments p"
                              " JOIN dues_payment_items i ON i.payment_id = p.id WHERE p.id = $1",
                           pid),
                         0);
    }
    assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_payments WHERE $1 = 1", 1), 2);
    must(db_begin(w->db, &e), &e, "begin");
    must(dues_payroll_collect(w->db, 202401, list, 4, 0, &s, &e), &e, "payroll again");
    must(db_commit(w->db, &e), &e, "commit");
    assert_int_equal(s.paid, 0);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_payments WHERE $1 = 1", 1), 2);
    must(dues_confirm(w->db, 202401, w->root, w->path_root, 0, &cs, &e), &e, "confirm");
    assert_int_equal(cs.bills, 2);
    invariants(w, "payroll");
    /* a payroll payment reverses like any other */
    must(dues_payment_reverse(w->db, pid, "扣错了人", 0, &out, &e), &e, "reverse");
    json_decref(out);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_payments WHERE id = $1 AND status = 'reversed'",
                       pid),
                     1);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_bills WHERE payment_id = $1", pid), 0);
    invariants(w, "payroll reversed");
}

static void test_closing_a_month_sends_events_once_and_raises_todos(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct dues_close_stats s;
    json_t *list;
    for (int m = 202401; m <= 202407; m = month_add(m, 1)) {
        dues_test_clock(at(m, 5));
        publish_all(w, m);
        if (m <= 202402)
            pay_cash(w, 1, m, 0); /* member 1 paid January and February, then stopped */
        if (m > 202401)
            must(dues_close_month(w->db, month_add(m, -1), &s, &e), &e, "close");
    }
    /* July is not over */
    assert_int_equal(dues_close_month(w->db, 202407, &s, &e), -ERR_INVALID);
    must(dues_close_month(w->db, 202406, &s, &e), &e, "close again");
    assert_int_equal(s.warnings + s.cases, 0); /* raised once only */
    assert_int_equal(q(w, "SELECT COUNT(*) FROM events WHERE key = 'dues-' || $1 || '-202401-on_time'",
                       w->members[1]), 1);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM events WHERE key = 'dues-' || $1 || '-202403-late'",
                       w->members[1]), 1);
    /* member 1: March to June unpaid = 4 months: a warning, no case yet */
    assert_int_equal(q(w, "SELECT COUNT(*) FROM todos WHERE domain = 'dues' AND member_id = $1 AND kind = 'arrears_warning'",
                       w->members[1]), 1);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM todos WHERE domain = 'dues' AND member_id = $1 AND kind = 'arrears_case'",
                       w->members[1]), 0);
    /* member 2 never paid: January to June = 6 months: flagged for the branch */
    assert_int_equal(q(w, "SELECT COUNT(*) FROM todos WHERE domain = 'dues' AND member_id = $1 AND kind = 'arrears_case'",
                       w->members[2]), 1);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM members WHERE id = $1 AND status = 'active'",
                       w->members[2]), 1); /* nobody is removed */
    must(dues_arrears_list(w->db, w->path_root, 202406, true, &list, &e), &e, "arrears");
    {
        size_t i;
        json_t *d;
        int seen = 0;
        json_array_foreach(json_object_get(list, "items"), i, d)
        {
            if (json_integer_value(json_object_get(d, "member_id")) == w->members[1]) {
                assert_int_equal(json_integer_value(json_object_get(d, "consecutive")), 4);
                assert_int_equal(json_integer_value(json_object_get(d, "from_month")), 202403);
                assert_true(json_is_true(json_object_get(d, "warning")));
                assert_true(json_is_false(json_object_get(d, "flagged")));
                seen++;
            }
        }
        assert_int_equal(seen, 1);
        /* closing reads the owing members' bills alone; the list reads every bill: the same
         * members warned */
        seen = 0;
        json_array_foreach(json_object_get(list, "items"), i, d)
        {
            long long id = json_integer_value(json_object_get(d, "member_id"));
            bool warned = json_is_true(json_object_get(d, "warning"));
            assert_int_equal(q(w, "SELECT COUNT(*) FROM todos WHERE domain = 'dues'"
                                  " AND member_id = $1 AND kind = 'arrears_warning'",
                               id),
                             warned);
            seen += warned;
        }
        assert_true(seen >= 2);
        assert_int_equal(q(w, "SELECT COUNT(DISTINCT member_id) FROM todos WHERE domain = 'dues'"
                              " AND kind = 'arrears_warning' AND $1 > 0",
                           1),
                         seen);
    }
    json_decref(list);
    invariants(w, "close");
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_operations_keep_the_books_balanced, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_reversal_flips_the_confirmed_postings_and_points_to_the_original, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remittance_moves_the_share_and_large_voluntary_dues_up,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_payroll_deduction_pays_listed_members_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_closing_a_month_sends_events_once_and_raises_todos,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
