/* Plans on a small database (plan_world.h): the daily check (warnings, to-dos, cases,
 * idempotence, reminders, escalation), the rectification loop's roles and illegal steps, and
 * tasks added mid-period. The grid's figures and the rest: test_plan_grid.c. */
#include "unit.h"

#include "plan_world.h"

/* ---- the daily check */

static void test_check_warns_then_resolves_then_opens_a_case(void **state)
{
    struct plan_task_in t = meetings();
    struct plan_check_stats s;
    struct errbuf e = ERRBUF_INIT;
    long long task;
    (void)state;
    plan_with(W->U, &t, 20240301, &task);
    /* 5 March: expected 5/31 = 0.16 with nothing held: yellow for B1 and B2 */
    s = check(20240305);
    assert_int_equal(s.cells, 2);
    assert_int_equal(s.warnings, 2);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_notices WHERE kind = 'yellow'"), 2);
    /* B1 holds its meeting; 26 March (6 days left): B2 red with a to-do, B1's yellow resolved */
    event("B1", "org.committee_meeting", 20240310);
    s = check(20240326);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_warnings WHERE level = 'red'"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_warnings WHERE resolved_on IS NULL"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM todos WHERE kind = 'warning'"
                           " AND done_at IS NULL"),
                     1);
    /* the same day again changes nothing */
    s = check(20240326);
    assert_int_equal(s.warnings, 0);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_notices"), 3);
    /* 1 April: March closes; B2 did not meet it: a case, notified at once */
    s = check(20240401);
    assert_int_equal(s.closed, 2);
    assert_int_equal(s.cases, 1);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_cases WHERE state = 'notified'"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_status WHERE closed = 1 AND level = 'green'"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM todos WHERE kind = 'warning'"
                           " AND done_at IS NULL"),
                     0);
    /* the secretary of B2 got the case and a to-do; the committee above was informed */
    assert_int_equal(count("SELECT COUNT(*) FROM plan_notices n JOIN accounts a ON a.id = n.account_id"
                           " WHERE a.login = 'sec2' AND n.kind = 'not_met'"),
                     1);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_notices n JOIN accounts a ON a.id = n.account_id"
                           " WHERE a.login = 'com' AND n.kind = 'not_met'"),
                     1);
    assert_int_equal(count("SELECT COUNT(*) FROM todos d JOIN accounts a ON a.id = d.account_id"
                           " WHERE a.login = 'sec2' AND d.kind = 'case' AND d.done_at IS NULL"),
                     1);
    /* closed periods are final: checking again opens nothing */
    s = check(20240401);
    assert_int_equal(s.cases, 0);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_cases"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_runs"), 3);
    /* a period closing again while its case is there (its status row lost) opens no second
     * case and tells nobody twice */
    must(db_run(W->db, &e, "UPDATE plan_status SET closed = 0", ""), &e, "reopen");
    s = check(20240401);
    assert_int_equal(s.cases, 0);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_cases"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_case_steps WHERE action = 'open'"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_notices WHERE kind = 'not_met'"), 2);
}

/* A member of org_id who is its secretary (orgs.secretary_id). */
static long long secretary_of(long long org_id, const char *emp_no)
{
    struct errbuf e = ERRBUF_INIT;
    struct member_in m = {0};
    long long id = 0;
    m.emp_no = emp_no;
    m.name = emp_no;
    m.org_id = org_id;
    must(member_create(W->db, &m, 202401, 0, &id, &e), &e, "member_create");
    must(db_run(W->db, &e, "UPDATE orgs SET secretary_id = $1 WHERE id = $2", "ii", id, org_id),
         &e, "secretary");
    return id;
}

static void test_a_period_met_credits_the_secretary_with_a_task_done(void **state)
{
    struct plan_task_in t = meetings();
    struct plan_check_stats s;
    long long task, s1, s2;
    (void)state;
    s1 = secretary_of(W->B1, "S1");
    s2 = secretary_of(W->B2, "S2");
    plan_with(W->U, &t, 20240301, &task);
    event("B1", "org.committee_meeting", 20240310);
    /* met while March runs: no credit before the period closes */
    s = check(20240320);
    assert_int_equal(s.credited, 0);
    /* 1 April: March closes; B1 met it, B2 did not: one task.done for B1's secretary on 31 March */
    s = check(20240401);
    assert_int_equal(s.credited, 1);
    assert_int_equal(count("SELECT COUNT(*) FROM events e JOIN indicators i ON i.id = e.indicator_id"
                           " WHERE i.code = 'task.done'"),
                     1);
    {
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "SELECT COUNT(*) FROM events e JOIN indicators i ON i.id = e.indicator_id"
                 " WHERE i.code = 'task.done' AND e.member_id = %lld AND e.month = 202403"
                 " AND e.day = 20240331 AND e.value = 1",
                 s1);
        assert_int_equal(count(sql), 1);
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM events WHERE member_id = %lld", s2);
        assert_int_equal(count(sql), 0);
    }
    /* closed periods are not evaluated again: no second credit */
    s = check(20240402);
    assert_int_equal(s.credited, 0);
    assert_int_equal(count("SELECT COUNT(*) FROM events e JOIN indicators i ON i.id = e.indicator_id"
                           " WHERE i.code = 'task.done'"),
                     1);
}

static void test_reminders_go_out_once_when_the_end_is_near(void **state)
{
    struct plan_task_in t = meetings();
    long long task;
    (void)state;
    plan_with(W->U, &t, 20240301, &task); /* remind_days 5 */
    event("B1", "org.committee_meeting", 20240305);
    assert_int_equal(check(20240326).reminders, 0); /* 6 days left */
    assert_int_equal(check(20240327).reminders, 1); /* 5 days left: B2 only, B1 is done */
    assert_int_equal(check(20240328).reminders, 0);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_notices n JOIN accounts a ON a.id = n.account_id"
                           " WHERE a.login = 'sec2' AND n.kind = 'reminder'"),
                     1);
}

static long long the_case(void)
{
    return count("SELECT MAX(id) FROM plan_cases");
}

static void test_loop_takes_only_legal_steps_by_the_right_roles(void **state)
{
    struct plan_task_in t = meetings();
    struct auth sec1 = who(W->sec1, ROLE_SECRETARY, W->B1), sec2 = who(W->sec2, ROLE_SECRETARY, W->B2),
                com = who(W->com, ROLE_COMMITTEE, W->U), adm = who(W->adm, ROLE_ADMIN, W->R);
    long long task, c;
    (void)state;
    plan_with(W->U, &t, 20240301, &task);
    check(20240401); /* B1 and B2 both missed March */
    c = count("SELECT c.id FROM plan_cases c JOIN orgs o ON o.id = c.org_id WHERE o.code = 'B2'");
    assert_int_equal(act(&com, c, "acknowledge", NULL), -ERR_FORBIDDEN); /* the branch's step */
    assert_int_equal(act(&adm, c, "acknowledge", NULL), -ERR_FORBIDDEN);
    assert_int_equal(act(&sec1, c, "acknowledge", NULL), -ERR_FORBIDDEN); /* another branch */
    assert_int_equal(act(&sec2, c, "verify", NULL), -ERR_FORBIDDEN);      /* the committee's */
    assert_int_equal(act(&com, c, "verify", NULL), -ERR_CONFLICT);        /* not reported yet */
    assert_int_equal(act(&sec2, c, "shred", NULL), -ERR_INVALID);
    assert_int_equal(act(&sec2, c, "acknowledge", NULL), 0);
    assert_int_equal(act(&sec2, c, "acknowledge", NULL), -ERR_CONFLICT);
    assert_int_equal(act(&sec2, c, "report", ""), -ERR_INVALID); /* a report needs its text */
    assert_int_equal(act(&sec2, c, "report", "已补开支委会并建立提醒"), 0);
    assert_int_equal(act(&com, c, "return", NULL), -ERR_INVALID); /* and so does sending it back */
    assert_int_equal(act(&com, c, "return", "缺会议记录"), 0);
    assert_int_equal(act(&com, c, "verify", NULL), -ERR_CONFLICT);
    assert_int_equal(act(&sec2, c, "report", "已补充会议记录"), 0);
    assert_int_equal(act(&com, c, "verify", NULL), 0);
    assert_int_equal(act(&sec2, c, "close", NULL), -ERR_FORBIDDEN);
    assert_int_equal(act(&com, c, "close", NULL), 0);
    assert_int_equal(act(&com, c, "close", NULL), -ERR_CONFLICT);
    /* every step recorded and audited: open, notify, acknowledge, report, return, report,
     * verify, close */
    {
        char sql[160];
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM plan_case_steps WHERE case_id = %lld", c);
        assert_int_equal(count(sql), 8);
        snprintf(sql, sizeof(sql),
                 "SELECT COUNT(*) FROM audit WHERE entity = 'plan_case' AND entity_id = %lld", c);
        assert_int_equal(count(sql), 8);
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM todos WHERE case_id = %lld AND"
                                   " done_at IS NULL", c);
        assert_int_equal(count(sql), 0);
    }
    assert_int_equal(count("SELECT COUNT(*) FROM plan_cases WHERE state = 'closed'"), 1);
}

static void test_overdue_cases_escalate_after_3_and_15_days(void **state)
{
    struct plan_task_in t = meetings();
    struct plan_check_stats s;
    long long task;
    (void)state;
    plan_with(W->U, &t, 20240301, &task);
    event("B1", "org.committee_meeting", 20240305);
    check(20240401); /* B2's case opens on 1 April */
    assert_int_equal(check(20240404).escalated, 0); /* 3 days: not yet */
    s = check(20240405);
    assert_int_equal(s.escalated, 1);
    assert_int_equal(count("SELECT overdue FROM plan_cases"), 1);
    assert_int_equal(count("SELECT escalated FROM plan_cases"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM plan_notices n JOIN accounts a ON a.id = n.account_id"
                           " WHERE a.login = 'com' AND n.kind = 'escalation'"),
                     1);
    assert_int_equal(check(20240416).escalated, 0); /* 15 days */
    assert_int_equal(check(20240417).escalated, 1);
    assert_int_equal(count("SELECT escalated FROM plan_cases"), 3);
    assert_int_equal(check(20240420).escalated, 0);
}

static void test_acknowledged_cases_escalate_only_for_the_report(void **state)
{
    struct plan_task_in t = meetings();
    struct auth sec2 = who(W->sec2, ROLE_SECRETARY, W->B2);
    long long task;
    (void)state;
    plan_with(W->U, &t, 20240301, &task);
    event("B1", "org.committee_meeting", 20240305);
    check(20240401);
    assert_int_equal(act(&sec2, the_case(), "acknowledge", NULL), 0);
    assert_int_equal(check(20240410).escalated, 0);
    assert_int_equal(check(20240417).escalated, 1);
    assert_int_equal(count("SELECT escalated FROM plan_cases"), 2);
}

static void test_task_added_mid_period_counts_from_that_day(void **state)
{
    struct plan_task_in t = meetings();
    struct plan_check_stats s;
    long long task;
    (void)state;
    t.from_day = 0; /* added today: 16 March 2024 */
    plan_with(W->U, &t, 20240316, &task);
    assert_int_equal(count("SELECT from_day FROM plan_tasks"), 20240316);
    s = check(20240315);
    assert_int_equal(s.cells, 0); /* not counting yet */
    s = check(20240316);
    assert_int_equal(s.cells, 2); /* March only, not January or February */
    assert_int_equal(s.warnings, 0);
    s = check(20240318); /* 3/16 = 0.1875 behind */
    assert_int_equal(s.warnings, 2);
    {
        struct errbuf e = ERRBUF_INIT;
        struct plan_grid *g;
        struct plan_period mar;
        struct plan_cell c;
        plan_period_parse("2024-03", &mar);
        must(plan_grid_load(W->db, 2024, 20240320, false, &g, &e), &e, "grid");
        plan_grid_cell(g, 0, plan_grid_org(g, W->B1), &mar, 20240320, &c);
        NEAR(c.expected, 5.0 / 16);
        plan_grid_free(g);
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_check_warns_then_resolves_then_opens_a_case),
        T(test_reminders_go_out_once_when_the_end_is_near),
        T(test_a_period_met_credits_the_secretary_with_a_task_done),
        T(test_loop_takes_only_legal_steps_by_the_right_roles),
        T(test_overdue_cases_escalate_after_3_and_15_days),
        T(test_acknowledged_cases_escalate_only_for_the_report),
        T(test_task_added_mid_period_counts_from_that_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
