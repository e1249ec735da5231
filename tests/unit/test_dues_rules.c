/* Dues rules (src/dues/rules.c) and the bills made from them (src/dues/bill.c): every band
 * edge of every category, rounding, fixed amounts and terms, probationary members, bases
 * that arrive late, and months paid ahead. */
#include "unit.h"

#include <time.h>

#include "base/month.h"
#include "base/secret.h"
#include "db/db.h"
#include "dues/base.h"
#include "dues/bill.h"
#include "dues/confirm.h"
#include "dues/ledger.h"
#include "dues/payment.h"
#include "dues/rules.h"
#include "dues/settings.h"
#include "org/member.h"
#include "org/org.h"

static void must(int rc, const struct errbuf *e, const char *what)
{
    if (rc < 0)
        fail_msg("%s: %s", what, e->msg);
}

/* 12:00 UTC on day of month m */
static long long at(int m, int day)
{
    return (long long)date_to_days(m * 100 + day) * 86400 + 12 * 3600;
}

struct world {
    struct db *db;
    struct dues_rules rules;
    long long root, unit, b1, b2;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    struct errbuf e = ERRBUF_INIT;
    struct org_in root = {"R", "公司党委", "committee", 0, 0};
    assert_int_equal(secret_init(), 0);
    dues_test_clock(at(202403, 15));
    must(db_open(":memory:", &w->db, &e), &e, "open");
    must(db_migrate(w->db, &e), &e, "migrate");
    must(db_begin(w->db, &e), &e, "begin");
    must(org_create(w->db, &root, 0, &w->root, &e), &e, "root");
    struct org_in unit = {"U", "单位党委", "committee", w->root, 0};
    must(org_create(w->db, &unit, 0, &w->unit, &e), &e, "unit");
    struct org_in b1 = {"B1", "一支部", "branch", w->unit, 0};
    must(org_create(w->db, &b1, 0, &w->b1, &e), &e, "b1");
    struct org_in b2 = {"B2", "二支部", "branch", w->unit, 0};
    must(org_create(w->db, &b2, 0, &w->b2, &e), &e, "b2");
    must(db_commit(w->db, &e), &e, "commit");
    must(dues_rules_for_month(w->db, 202403, &w->rules, &e), &e, "rules");
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    dues_test_clock(0);
    db_close(w->db);
    free(w);
    return 0;
}

/* ---- the arithmetic, table-driven */

struct edge {
    const char *category;
    long long base_fen, dues_fen;
    int band;
};

static const struct edge edges[] = {
    /* in service: 0.5 % up to 3000, 1 % to 5000, 1.5 % to 10000, 2 % above — of the whole base */
    {"in_service", 1, 0, 1},              /* 0.005 fen rounds to nothing */
    {"in_service", 100, 1, 1},            /* 0.5 fen: half up */
    {"in_service", 100000, 500, 1},
    {"in_service", 299999, 1500, 1},      /* 14.99995 yuan → 15.00 */
    {"in_service", 300000, 1500, 1},      /* DUES.md: 3000.00 → 15.00 */
    {"in_service", 300001, 3000, 2},      /* DUES.md: 3000.01 → 30.00 */
    {"in_service", 300050, 3001, 2},      /* 30.005 yuan → 30.01 (half up) */
    {"in_service", 499999, 5000, 2},
    {"in_service", 500000, 5000, 2},      /* DUES.md: 5000.00 → 50.00 */
    {"in_service", 500001, 7500, 3},      /* DUES.md: 5000.01 → 75.00 */
    {"in_service", 999999, 15000, 3},
    {"in_service", 1000000, 15000, 3},    /* DUES.md: 10000.00 → 150.00 */
    {"in_service", 1000001, 20000, 4},    /* DUES.md: 10000.01 → 200.00 */
    {"in_service", 1234567, 24691, 4},    /* 246.9134 → 246.91 */
    {"in_service", DUES_MAX_BASE_FEN, 2000000, 4},
    /* retired: 0.5 % up to 5000, 1 % above */
    {"retired", 200000, 1000, 1},
    {"retired", 300001, 1500, 1},         /* the in-service edge means nothing here */
    {"retired", 499999, 2500, 1},
    {"retired", 500000, 2500, 1},         /* DUES.md: 5000.00 → 25.00 */
    {"retired", 500001, 5000, 2},         /* DUES.md: 5000.01 → 50.00 */
    {"retired", 1000001, 10000, 2},
    /* fixed amounts: the base does not matter */
    {"farmer", 0, 20, 1},
    {"farmer", 900000, 20, 1},
    {"student", 0, 20, 1},
    {"student", 500001, 20, 1},
    {"unemployed", 0, 20, 1},
};

static void test_every_band_edge_of_every_category(void **state)
{
    struct world *w = *state;
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        struct errbuf e = ERRBUF_INIT;
        struct dues_calc c;
        const struct edge *x = &edges[i];
        must(dues_calc(&w->rules, x->category, x->base_fen, NULL, &c, &e), &e, x->category);
        if (c.status != DUES_CALC_BILLED || c.amount_fen != x->dues_fen || c.band != x->band)
            fail_msg("%s base %lld fen: expected %lld fen in band %d, got %lld in band %d",
                     x->category, x->base_fen, x->dues_fen, x->band, c.amount_fen, c.band);
    }
}

static void test_rounding_half_up_and_the_down_setting(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct dues_rules down;
    struct dues_calc c;
    assert_int_equal(dues_round(300050, 100, DUES_ROUND_HALF_UP), 3001);
    assert_int_equal(dues_round(300050, 100, DUES_ROUND_DOWN), 3000);
    assert_int_equal(dues_round(300049, 100, DUES_ROUND_HALF_UP), 3000);
    assert_int_equal(dues_round(1234567, 150, DUES_ROUND_HALF_UP), 18519); /* 185.18505 */
    must(db_begin(w->db, &e), &e, "begin");
    must(dues_setting_set(w->db, "rounding", "down", &e), &e, "set");
    must(db_commit(w->db, &e), &e, "commit");
    must(dues_rules_for_month(w->db, 202403, &down, &e), &e, "rules");
    assert_int_equal(down.rounding, DUES_ROUND_DOWN);
    must(dues_calc(&down, "in_service", 300050, NULL, &c, &e), &e, "calc");
    assert_int_equal(c.amount_fen, 3000);
    must(db_begin(w->db, &e), &e, "begin");
    assert_int_equal(dues_setting_set(w->db, "rounding", "sideways", &e), -ERR_INVALID);
    db_rollback(w->db);
}

static void test_missing_base_is_never_a_silent_zero(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct dues_calc c;
    must(dues_calc(&w->rules, "in_service", -1, NULL, &c, &e), &e, "calc");
    assert_int_equal(c.status, DUES_CALC_NO_BASE);
    must(dues_calc(&w->rules, "retired", -1, NULL, &c, &e), &e, "calc");
    assert_int_equal(c.status, DUES_CALC_NO_BASE);
    /* fixed categories need no base */
    must(dues_calc(&w->rules, "student", -1, NULL, &c, &e), &e, "calc");
    assert_int_equal(c.status, DUES_CALC_BILLED);
    assert_int_equal(c.amount_fen, 20);
    assert_int_equal(dues_calc(&w->rules, "pirate", 100, NULL, &c, &e), -ERR_INVALID);
    assert_int_equal(dues_calc(&w->rules, "in_service", DUES_MAX_BASE_FEN + 1, NULL, &c, &e),
                     -ERR_INVALID);
}

static void test_terms_fixed_amount_reduction_exemption(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct dues_calc c;
    struct dues_term farmer = {DUES_TERM_FIXED, 1, 80}, silly = {DUES_TERM_FIXED, 2, 500},
                     reduced = {DUES_TERM_REDUCED, 3, 1000}, exempt = {DUES_TERM_EXEMPT, 4, 0};
    must(dues_calc(&w->rules, "farmer", -1, &farmer, &c, &e), &e, "farmer");
    assert_int_equal(c.amount_fen, 80);
    must(dues_calc(&w->rules, "farmer", -1, &silly, &c, &e), &e, "out of range");
    assert_int_equal(c.amount_fen, 20); /* outside 0.20..1.00: the rule's amount */
    must(dues_calc(&w->rules, "in_service", 800000, &reduced, &c, &e), &e, "reduced");
    assert_int_equal(c.amount_fen, 1000);
    must(dues_calc(&w->rules, "in_service", -1, &exempt, &c, &e), &e, "exempt");
    assert_int_equal(c.status, DUES_CALC_EXEMPT);
}

static void test_rules_version_in_force_by_month(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct dues_rules r;
    assert_int_equal(dues_rules_for_month(w->db, 200803, &r, &e), -ERR_INVALID);
    must(dues_rules_for_month(w->db, 200804, &r, &e), &e, "2008");
    assert_int_equal(r.version, 1);
    assert_int_equal(r.nbands, 9);
}

/* ---- bills */

static long long member(struct world *w, const char *emp, long long org, const char *category,
                        const char *status, const char *joined, int from)
{
    struct errbuf e = ERRBUF_INIT;
    struct member_in m = {0};
    long long id = 0;
    m.emp_no = emp;
    m.name = emp;
    m.org_id = org;
    m.category = category;
    m.party_status = status;
    m.joined_date = joined;
    must(db_begin(w->db, &e), &e, "begin");
    must(member_create(w->db, &m, from, 0, &id, &e), &e, "member_create");
    must(db_commit(w->db, &e), &e, "commit");
    return id;
}

static void base(struct world *w, long long member_id, int year, int from, long long fen)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_base_in in = {member_id, year, from, fen, "测试"};
    must(db_begin(w->db, &e), &e, "begin");
    must(dues_base_set(w->db, &in, 0, &e), &e, "base_set");
    must(db_commit(w->db, &e), &e, "commit");
}

static long long bill_amount(struct world *w, long long member_id, int month, char *status)
{
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    long long v = -1;
    must(db_prepare(w->db,
                    "SELECT COALESCE(amount_fen, -1), status FROM dues_bills WHERE member_id = $1"
                    " AND month = $2 AND kind = 'regular'",
                    &st, &e),
         &e, "prepare");
    db_bindv(st, "ii", member_id, (long long)month);
    if (db_step(st, &e) == 1) {
        v = db_col_int(st, 0);
        if (status)
            snprintf(status, 16, "%s", db_col_text(st, 1));
    } else if (status)
        snprintf(status, 16, "none");
    db_done(st);
    return v;
}

static struct dues_gen_stats gen(struct world *w, int month)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_gen_stats s;
    must(dues_generate(w->db, month, NULL, 0, &s, &e), &e, "generate");
    json_decref(s.missing);
    return s;
}

static void test_generation_is_idempotent_and_fills_late_bases(void **state)
{
    struct world *w = *state;
    char status[16];
    long long a = member(w, "A", w->b1, "in_service", "full", "2001-07-01", 202401);
    long long b = member(w, "B", w->b2, "in_service", "full", NULL, 202401);
    long long c = member(w, "C", w->b2, "student", "full", NULL, 202401);
    struct dues_gen_stats s;
    base(w, a, 2024, 0, 300001);
    s = gen(w, 202403);
    assert_int_equal(s.liable, 3);
    assert_int_equal(s.created, 3);
    assert_int_equal(s.base_missing, 1);
    assert_int_equal(bill_amount(w, a, 202403, status), 3000);
    assert_int_equal(bill_amount(w, b, 202403, status), -1);
    assert_string_equal(status, "no_base");
    assert_int_equal(bill_amount(w, c, 202403, NULL), 20);
    s = gen(w, 202403);
    assert_int_equal(s.created, 0);
    assert_int_equal(s.filled, 0);
    /* B's base is verified: the next run bills B, and only B */
    base(w, b, 2024, 0, 1000001);
    s = gen(w, 202403);
    assert_int_equal(s.created, 0);
    assert_int_equal(s.filled, 1);
    assert_int_equal(s.base_missing, 0);
    assert_int_equal(bill_amount(w, b, 202403, status), 20000);
    assert_string_equal(status, "unpaid");
    /* a base of another year does not count: verified yearly */
    s = gen(w, 202402);
    assert_int_equal(bill_amount(w, a, 202402, NULL), 3000);
    {
        struct errbuf e = ERRBUF_INIT;
        struct dues_gen_stats t;
        assert_int_equal(dues_generate(w->db, 202404, NULL, 0, &t, &e), -ERR_INVALID);
    }
}

static void test_pay_change_applies_from_the_month_first_received(void **state)
{
    struct world *w = *state;
    long long a = member(w, "A", w->b1, "in_service", "full", NULL, 202401);
    base(w, a, 2024, 0, 400000);
    base(w, a, 2024, 202403, 600000);
    gen(w, 202402);
    gen(w, 202403);
    assert_int_equal(bill_amount(w, a, 202402, NULL), 4000);
    assert_int_equal(bill_amount(w, a, 202403, NULL), 9000);
}

static void test_probationary_member_pays_from_the_month_accepted(void **state)
{
    struct world *w = *state;
    char status[16];
    /* accepted by the branch congress on 20 February 2024 */
    long long p = member(w, "P", w->b1, "in_service", "probationary", "2024-02-20", 202401);
    base(w, p, 2024, 0, 250000);
    gen(w, 202401);
    gen(w, 202402);
    gen(w, 202403);
    assert_int_equal(bill_amount(w, p, 202401, status), -1);
    assert_string_equal(status, "none");
    assert_int_equal(bill_amount(w, p, 202402, NULL), 1250); /* the month accepted: liable */
    assert_int_equal(bill_amount(w, p, 202403, NULL), 1250); /* same table as full members */
}

static void test_member_who_moved_is_billed_by_the_branch_of_the_month(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct member_in m = {0};
    long long a = member(w, "A", w->b1, "retired", "full", NULL, 202401), org = 0;
    base(w, a, 2024, 0, 500000);
    m.org_id = w->b2;
    must(db_begin(w->db, &e), &e, "begin");
    must(member_update(w->db, a, &m, 202403, 0, &e), &e, "move");
    must(db_commit(w->db, &e), &e, "commit");
    gen(w, 202402);
    gen(w, 202403);
    must(db_query_int(w->db, &e, &org, "SELECT org_id FROM dues_bills WHERE member_id = $1 AND month = $2",
                      "ii", a, 202402LL), &e, "q");
    assert_int_equal(org, w->b1);
    must(db_query_int(w->db, &e, &org, "SELECT org_id FROM dues_bills WHERE member_id = $1 AND month = $2",
                      "ii", a, 202403LL), &e, "q");
    assert_int_equal(org, w->b2);
    assert_int_equal(bill_amount(w, a, 202403, NULL), 2500);
}

static void test_exemption_and_farmer_amount_from_terms(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    char status[16];
    long long f = member(w, "F", w->b1, "farmer", "full", NULL, 202401), id;
    long long x = member(w, "X", w->b1, "in_service", "full", NULL, 202401);
    struct dues_term_in ft = {f, "fixed", 60, 202403, 0, "单位党委", "2024-02-28", NULL};
    struct dues_term_in xt = {x, "exempt", 0, 202403, 202406, "单位党委", "2024-02-28", "困难"};
    struct dues_term_in bad = {x, "fixed", 60, 202403, 0, "单位党委", "2024-02-28", NULL};
    must(db_begin(w->db, &e), &e, "begin");
    must(dues_term_add(w->db, &ft, 0, &id, &e), &e, "farmer term");
    must(dues_term_add(w->db, &xt, 0, &id, &e), &e, "exempt term");
    assert_int_equal(dues_term_add(w->db, &bad, 0, &id, &e), -ERR_INVALID);
    must(db_commit(w->db, &e), &e, "commit");
    gen(w, 202402);
    gen(w, 202403);
    assert_int_equal(bill_amount(w, f, 202402, NULL), 20);
    assert_int_equal(bill_amount(w, f, 202403, NULL), 60);
    assert_int_equal(bill_amount(w, x, 202402, status), -1); /* no base before the term */
    assert_string_equal(status, "no_base");
    bill_amount(w, x, 202403, status);
    assert_string_equal(status, "exempt");
}

/* ---- paying ahead */

static long long collect(struct world *w, long long member_id, const int *months, size_t n,
                         long long amount, int expect)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_pay_in in = {member_id, months, n, 0, amount, "cash", "r", NULL, false, 0, 0};
    long long id = 0;
    int rc;
    must(db_begin(w->db, &e), &e, "begin");
    rc = dues_payment_create(w->db, &in, &id, &e);
    if (rc != expect)
        fail_msg("payment: expected %d, got %d: %s", expect, rc, e.msg);
    if (rc < 0)
        db_rollback(w->db);
    else
        must(db_commit(w->db, &e), &e, "commit");
    return id;
}

static void publish(struct world *w, int month)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_pub_stats s;
    must(dues_publish(w->db, month, w->root, "/1/", 0, &s, &e), &e, "publish");
}

static void confirm(struct world *w, int month, long long bills)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_confirm_stats s;
    must(dues_confirm(w->db, month, w->root, "/1/", 0, &s, &e), &e, "confirm");
    assert_int_equal(s.bills, bills);
}

static void books_balance(struct world *w)
{
    struct errbuf e = ERRBUF_INIT;
    long long bad = -1, total = -1;
    must(ledger_check(w->db, &bad, &total, &e), &e, "check");
    assert_int_equal(bad, 0);
    assert_int_equal(total, 0);
}

static void test_paying_ahead_covers_months_at_the_amount_in_force_when_billed(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    char status[16];
    long long a = member(w, "A", w->b1, "in_service", "full", NULL, 202401), credit = 0;
    int three[] = {202403, 202404, 202405}, may[] = {202405};
    base(w, a, 2024, 0, 300000); /* 15.00 a month */
    gen(w, 202403);
    publish(w, 202403);
    /* March is billed; April and May are paid ahead at today's 15.00 */
    collect(w, a, three, 3, 4400, -ERR_INVALID); /* wrong amount: nothing booked */
    collect(w, a, three, 3, 4500, 0);
    assert_int_equal(bill_amount(w, a, 202403, status), 1500);
    assert_string_equal(status, "paid");
    confirm(w, 202403, 2); /* March's bill and the advance */
    must(dues_member_credit(w->db, a, &credit, &e), &e, "credit");
    assert_int_equal(credit, 3000);
    books_balance(w);
    /* April: the base is unchanged, the credit pays it when published, on time */
    dues_test_clock(at(202404, 2));
    gen(w, 202404);
    publish(w, 202404);
    assert_int_equal(bill_amount(w, a, 202404, status), 1500);
    assert_string_equal(status, "paid");
    /* a raise from May: May costs 30.00 and the 15.00 left does not cover it whole */
    base(w, a, 2024, 202405, 300001);
    dues_test_clock(at(202405, 2));
    gen(w, 202405);
    publish(w, 202405);
    assert_int_equal(bill_amount(w, a, 202405, status), 3000);
    assert_string_equal(status, "unpaid");
    must(dues_member_credit(w->db, a, &credit, &e), &e, "credit");
    assert_int_equal(credit, 1500);
    /* the member pays May in full; the credit stays for a later month */
    collect(w, a, may, 1, 3000, 0);
    confirm(w, 202405, 1);
    confirm(w, 202404, 1); /* April's bill settled from credit */
    confirm(w, 202404, 0); /* again: nothing */
    books_balance(w);
    /* paying further ahead than twelve months is refused */
    {
        int far[] = {202606};
        collect(w, a, far, 1, 3000, -ERR_INVALID);
    }
}

static void test_payment_errors_book_nothing(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    long long a = member(w, "A", w->b1, "in_service", "full", NULL, 202401), n = 0;
    long long b = member(w, "B", w->b1, "in_service", "full", NULL, 202401);
    int mar[] = {202403}, feb[] = {202402}, twice[] = {202403, 202403};
    base(w, a, 2024, 0, 300000);
    gen(w, 202403);
    gen(w, 202402);
    collect(w, a, feb, 1, 1500, -ERR_CONFLICT);  /* February: not published */
    publish(w, 202403);
    collect(w, b, mar, 1, 0, -ERR_CONFLICT);     /* B: base missing */
    collect(w, a, twice, 2, 3000, -ERR_INVALID); /* a month twice */
    collect(w, a, mar, 1, 1500, 0);
    collect(w, a, mar, 1, 1500, -ERR_CONFLICT);  /* already paid */
    must(db_query_int(w->db, &e, &n, "SELECT COUNT(*) FROM dues_payments", ""), &e, "count");
    assert_int_equal(n, 1);
    {
        struct dues_confirm_stats s;
        assert_int_equal(dues_confirm(w->db, 202402, w->root, "/1/", 0, &s, &e), -ERR_CONFLICT);
    }
    books_balance(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_band_edge_of_every_category, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rounding_half_up_and_the_down_setting, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing_base_is_never_a_silent_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_terms_fixed_amount_reduction_exemption, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rules_version_in_force_by_month, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generation_is_idempotent_and_fills_late_bases, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pay_change_applies_from_the_month_first_received,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_probationary_member_pays_from_the_month_accepted,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_who_moved_is_billed_by_the_branch_of_the_month,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_exemption_and_farmer_amount_from_terms, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_paying_ahead_covers_months_at_the_amount_in_force_when_billed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payment_errors_book_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
