/* Plans on a small database (plan_world.h): the grid's figures (party groups count for their
 * branch, dues shares, reported figures), rates up the tree, bad input that changes nothing,
 * and the webhook signature. */
#include "unit.h"

#include "plan_world.h"

/* ---- the grid */

static void test_default_plan_applies_group_meetings_only_where_groups_exist(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct plan_grid *g;
    long long plan;
    int added, again, t_group, t_congress;
    (void)state;
    must(plan_defaults(W->db, 0, 2024, 0, 0, &plan, &added, &e), &e, "defaults");
    assert_int_equal(added, 8);
    must(plan_defaults(W->db, 0, 2024, 0, 0, &plan, &again, &e), &e, "defaults again");
    assert_int_equal(again, 0);
    must(plan_grid_load(W->db, 2024, 20241231, false, &g, &e), &e, "grid");
    assert_int_equal(g->ntasks, 8);
    t_group = t_congress = -1;
    for (int t = 0; t < g->ntasks; t++) {
        if (strcmp(g->tasks[t].code, "group_meeting") == 0)
            t_group = t;
        if (strcmp(g->tasks[t].code, "congress") == 0)
            t_congress = t;
    }
    assert_true(plan_grid_applies(g, t_group, plan_grid_org(g, W->B1)));
    assert_false(plan_grid_applies(g, t_group, plan_grid_org(g, W->B2)));
    assert_true(plan_grid_applies(g, t_congress, plan_grid_org(g, W->B3)));
    assert_false(plan_grid_applies(g, t_congress, plan_grid_org(g, W->GB)));
    assert_false(plan_grid_applies(g, t_congress, plan_grid_org(g, W->G1)));
    assert_int_equal(g->tasks[t_congress].from_day, 20240101);
    plan_grid_free(g);
}

static void test_group_meetings_count_for_their_branch(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct plan_grid *g;
    struct plan_period mar, feb;
    struct plan_task_in t = meetings();
    long long plan;
    int added;
    (void)state;
    must(plan_defaults(W->db, 0, 2024, 0, 0, &plan, &added, &e), &e, "defaults");
    event("G1", "org.group_meeting", 20240305);
    event("B1", "org.committee_meeting", 20240310);
    event("B1", "org.committee_meeting", 20240320);
    event("B2", "org.committee_meeting", 20240228);
    (void)t;
    must(plan_grid_load(W->db, 2024, 20240331, false, &g, &e), &e, "grid");
    plan_period_parse("2024-03", &mar);
    plan_period_parse("2024-02", &feb);
    for (int k = 0; k < g->ntasks; k++) {
        int b1 = plan_grid_org(g, W->B1), b2 = plan_grid_org(g, W->B2);
        if (strcmp(g->tasks[k].code, "group_meeting") == 0)
            NEAR(plan_grid_actual(g, k, b1, &mar), 1);
        if (strcmp(g->tasks[k].code, "committee_meeting") == 0) {
            struct plan_cell c;
            NEAR(plan_grid_actual(g, k, b1, &mar), 2);
            NEAR(plan_grid_actual(g, k, b2, &mar), 0);
            NEAR(plan_grid_actual(g, k, b2, &feb), 1);
            plan_grid_cell(g, k, b1, &mar, 20240331, &c);
            NEAR(c.completion, 1);
            assert_int_equal(c.level, PLAN_GREEN);
        }
    }
    plan_grid_free(g);
    /* events after the grid's day do not count */
    must(plan_grid_load(W->db, 2024, 20240315, false, &g, &e), &e, "grid");
    for (int k = 0; k < g->ntasks; k++)
        if (strcmp(g->tasks[k].code, "committee_meeting") == 0)
            NEAR(plan_grid_actual(g, k, plan_grid_org(g, W->B1), &mar), 1);
    plan_grid_free(g);
}

static void test_rates_are_weighted_per_org_and_averaged_up_the_tree(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct plan_task_in a = meetings(), b = meetings();
    struct plan_grid *g;
    struct plan_period mar;
    double rate[16], node[16];
    int n[16];
    long long plan, id;
    (void)state;
    a.weight = 3;
    b.code = "td";
    b.name = "主题党日";
    b.indicator = "org.themeday";
    plan = plan_with(W->R, &a, 20240301, &id);
    must(db_begin(W->db, &e), &e, "begin");
    must(plan_task_add(W->db, plan, &b, 20240301, 0, &id, &e), &e, "task b");
    must(db_commit(W->db, &e), &e, "commit");
    event("B1", "org.committee_meeting", 20240304);
    must(plan_grid_load(W->db, 2024, 20240331, false, &g, &e), &e, "grid");
    assert_true(g->norgs <= 16);
    plan_period_parse("2024-03", &mar);
    plan_grid_rates(g, 0, &mar, rate, node, n);
    NEAR(rate[plan_grid_org(g, W->B1)], 0.75); /* (3 × 1 + 1 × 0) / 4 */
    NEAR(rate[plan_grid_org(g, W->B2)], 0);
    NEAR(rate[plan_grid_org(g, W->B3)], 0);
    assert_true(rate[plan_grid_org(g, W->U)] < 0); /* carries no task */
    NEAR(node[plan_grid_org(g, W->GB)], 0.75);
    NEAR(node[plan_grid_org(g, W->U)], 0.375); /* B1 and B2 */
    NEAR(node[plan_grid_org(g, W->R)], 0.25);  /* B1, B2, B3 */
    assert_int_equal(n[plan_grid_org(g, W->R)], 3);
    /* a quarter takes the months begun by the grid's day: only March counts (from 1 March) */
    struct plan_period q1;
    plan_period_parse("2024Q1", &q1);
    NEAR(plan_grid_task_rate(g, 0, plan_grid_org(g, W->B1), &q1), 1);
    plan_grid_free(g);
}

/* ---- reported figures, dues, bad input, the webhook signature */

static void test_reported_figures_count_and_replace_earlier_ones(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct plan_task_in t = {0};
    struct plan_grid *g;
    struct plan_period mar;
    long long task;
    (void)state;
    t.code = "rep";
    t.name = "填报";
    t.metric = "reported";
    t.unit = "%";
    t.freq = "month";
    t.target = 100;
    t.weight = 1;
    plan_with(W->U, &t, 20240301, &task);
    must(plan_report(W->db, task, W->B1, "2024-03", 80, "台账", NULL, 20240320, 0, &e), &e, "r1");
    must(plan_report(W->db, task, W->B1, "202403", 100, "补交后台账", NULL, 20240325, 0, &e), &e,
         "r2");
    assert_int_equal(count("SELECT COUNT(*) FROM plan_reports"), 1);
    assert_int_equal(plan_report(W->db, task, W->B1, "2024Q1", 100, "x", NULL, 20240325, 0, &e),
                     -ERR_INVALID);
    assert_non_null(strstr(e.msg, "does not fit"));
    assert_int_equal(plan_report(W->db, task, W->B1, "2024-04", 100, "x", NULL, 20240325, 0, &e),
                     -ERR_INVALID); /* not begun */
    assert_int_equal(plan_report(W->db, task, W->B1, "2024-03", 100, "", NULL, 20240325, 0, &e),
                     -ERR_INVALID); /* evidence */
    assert_int_equal(plan_report(W->db, task, W->B3, "2024-03", 100, "x", NULL, 20240325, 0, &e),
                     -ERR_INVALID); /* outside the owner U */
    assert_int_equal(plan_report(W->db, task, W->B1, "2024-03", -1, "x", NULL, 20240325, 0, &e),
                     -ERR_INVALID);
    must(plan_grid_load(W->db, 2024, 20240331, false, &g, &e), &e, "grid");
    plan_period_parse("2024-03", &mar);
    NEAR(plan_grid_actual(g, 0, plan_grid_org(g, W->B1), &mar), 100);
    NEAR(plan_grid_actual(g, 0, plan_grid_org(g, W->B2), &mar), 0);
    plan_grid_free(g);
}

static void test_dues_share_is_read_from_the_bills_of_generated_months(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct plan_grid *g;
    struct plan_period mar, feb;
    struct plan_cell c;
    long long plan;
    int added, t = -1;
    /* 1 April 2024 00:00 UTC */
    const long long april = 1711929600;
    (void)state;
    must(plan_defaults(W->db, W->U, 2024, 0, 0, &plan, &added, &e), &e, "defaults");
    must(db_exec(W->db,
                 "INSERT INTO dues_months(month, generated_at, bills) VALUES(202403, 1, 5);",
                 &e),
         &e, "month");
    for (int i = 0; i < 5; i++) {
        static const char *const status[] = {"paid", "confirmed", "paid", "paid", "exempt"};
        long long paid = i == 3 ? april + 2 * 86400 : april - 86400 * (i + 1);
        must(db_run(W->db, &e,
                    "INSERT INTO dues_bills(member_id, month, kind, seq, org_id, category,"
                    " party_status, status, paid_at, created_at) VALUES($1, 202403, 'regular', 0,"
                    " $2, 'in_service', 'full', $3, $4, 0)",
                    "iiti", (long long)(100 + i), W->B1, status[i], paid),
             &e, "bill");
    }
    must(plan_grid_load(W->db, 2024, 20240415, false, &g, &e), &e, "grid");
    for (int k = 0; k < g->ntasks; k++)
        if (strcmp(g->tasks[k].code, "dues") == 0)
            t = k;
    assert_true(t >= 0);
    plan_period_parse("2024-03", &mar);
    plan_period_parse("2024-02", &feb);
    /* 4 bills to collect (one exempt), 3 paid by 31 March: 75 % */
    NEAR(plan_grid_actual(g, t, plan_grid_org(g, W->B1), &mar), 75);
    /* B2 had no bill to collect in a generated month: nothing owed, met */
    NEAR(plan_grid_actual(g, t, plan_grid_org(g, W->B2), &mar), 100);
    /* February was never generated nor reported: it does not count */
    assert_false(plan_grid_counts(g, t, plan_grid_org(g, W->B1), &feb, 20240415));
    plan_grid_cell(g, t, plan_grid_org(g, W->B1), &mar, 20240415, &c);
    assert_int_equal(c.level, PLAN_NOT_MET);
    plan_grid_free(g);
}

static void test_bad_input_is_refused_and_changes_nothing(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct plan_task_in t = meetings();
    long long plan, id = 0;
    (void)state;
    plan = plan_with(W->U, &t, 20240301, &id);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_tasks"), 1);
    t.code = "bad";
    t.target = 0;
    assert_int_equal(plan_task_add(W->db, plan, &t, 20240301, 0, &id, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "'target'"));
    t.target = -2;
    assert_int_equal(plan_task_add(W->db, plan, &t, 20240301, 0, &id, &e), -ERR_INVALID);
    t.target = 1;
    t.under_id = W->B3; /* under V, outside the owner U */
    assert_int_equal(plan_task_add(W->db, plan, &t, 20240301, 0, &id, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "outside the plan owner's subtree"));
    t.under_id = 0;
    t.freq = "weekly";
    assert_int_equal(plan_task_add(W->db, plan, &t, 20240301, 0, &id, &e), -ERR_INVALID);
    t.freq = "month";
    t.indicator = "no.such";
    assert_int_equal(plan_task_add(W->db, plan, &t, 20240301, 0, &id, &e), -ERR_INVALID);
    t.indicator = "org.themeday";
    t.from_day = 20250101;
    assert_int_equal(plan_task_add(W->db, plan, &t, 20240301, 0, &id, &e), -ERR_INVALID);
    t.from_day = 0;
    t.code = "cm"; /* taken */
    assert_int_equal(plan_task_add(W->db, plan, &t, 20240301, 0, &id, &e), -ERR_CONFLICT);
    assert_int_equal(plan_create(W->db, W->U, 2024, NULL, 5, 0, &id, &e), -ERR_CONFLICT);
    assert_int_equal(plan_create(W->db, W->B1, 2025, NULL, 5, 0, &id, &e), -ERR_INVALID);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_tasks"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM plans"), 1);
}

static void test_webhook_signature_is_hmac_sha256_of_timestamp_and_body(void **state)
{
    char sig[65];
    (void)state;
    /* python3: hmac.new(b'whsec-0123456789abcdef', b'1700000000.{"a":1}', sha256).hexdigest() */
    plan_webhook_sign("whsec-0123456789abcdef", 1700000000, "{\"a\":1}", sig);
    assert_string_equal(sig, "d77c78ac4da074c56908b55eac30358b2a7bfc573be4c76819af5102e8dcf939");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_default_plan_applies_group_meetings_only_where_groups_exist),
        T(test_group_meetings_count_for_their_branch),
        T(test_rates_are_weighted_per_org_and_averaged_up_the_tree),
        T(test_reported_figures_count_and_replace_earlier_ones),
        T(test_dues_share_is_read_from_the_bills_of_generated_months),
        T(test_bad_input_is_refused_and_changes_nothing),
        T(test_webhook_signature_is_hmac_sha256_of_timestamp_and_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
