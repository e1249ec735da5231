/* Plans on a small database: the grid's figures (party groups count for their branch, dues
 * shares, reported figures), rates up the tree, the daily check (warnings, to-dos, cases,
 * idempotence, escalation), the rectification loop's roles and illegal steps, tasks added
 * mid-period, bad input that changes nothing, and the webhook signature. */
#include "unit.h"

#include "db/db.h"
#include "ingest/event.h"
#include "ingest/source.h"
#include "org/account.h"
#include "org/member.h"
#include "org/org.h"
#include "org/scope.h"
#include "plan/grid.h"
#include "plan/internal.h"
#include "plan/plan.h"

#define NEAR(a, b) assert_true((a) - (b) < 1e-9 && (b) - (a) < 1e-9)

/*   R 公司党委
 *   ├── U 单位党委 ── GB 总支 ── B1 一支部 ── G1 第一党小组
 *   │              └── B2 二支部
 *   └── V 单位乙党委 ── B3 三支部
 * accounts: sec1 secretary@B1, sec2 secretary@B2, com committee@U, adm admin@R */
struct world {
    struct db *db;
    long long R, U, GB, B1, G1, B2, V, B3, source;
    long long sec1, sec2, com, adm;
};

static struct world *W;

static void must(int rc, const struct errbuf *e, const char *what)
{
    if (rc < 0)
        fail_msg("%s: %s", what, e->msg);
}

static long long org(const char *code, const char *kind, long long parent)
{
    struct errbuf e = ERRBUF_INIT;
    struct org_in o = {code, code, kind, parent, 0};
    long long id = 0;
    must(org_create(W->db, &o, 0, &id, &e), &e, code);
    return id;
}

static long long account(const char *login, enum role role, long long org_id)
{
    struct errbuf e = ERRBUF_INIT;
    struct account_new a = {login, NULL, login, 0, role, org_id, "x", 0};
    long long id = 0;
    must(account_create(W->db, &a, 0, &id, &e), &e, login);
    return id;
}

static int setup(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    W = calloc(1, sizeof(*W));
    must(db_open(":memory:", &W->db, &e), &e, "open");
    must(db_migrate(W->db, &e), &e, "migrate");
    must(db_begin(W->db, &e), &e, "begin");
    W->R = org("R", "committee", 0);
    W->U = org("U", "committee", W->R);
    W->GB = org("GB", "general_branch", W->U);
    W->B1 = org("B1", "branch", W->GB);
    W->G1 = org("G1", "group", W->B1);
    W->B2 = org("B2", "branch", W->U);
    W->V = org("V", "committee", W->R);
    W->B3 = org("B3", "branch", W->V);
    W->sec1 = account("sec1", ROLE_SECRETARY, W->B1);
    W->sec2 = account("sec2", ROLE_SECRETARY, W->B2);
    W->com = account("com", ROLE_COMMITTEE, W->U);
    W->adm = account("adm", ROLE_ADMIN, W->R);
    must(source_add_with_key(W->db, "t", "测试", "test-key-0123456789", &W->source, &e), &e, "src");
    must(db_commit(W->db, &e), &e, "commit");
    *state = W;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(W->db);
    free(W);
    return 0;
}

static int key_no;

/* One organization event on day. */
static void event(const char *org_code, const char *indicator, int day)
{
    struct errbuf e = ERRBUF_INIT;
    struct event_in ev;
    struct ingest_result res;
    char key[32];
    memset(&ev, 0, sizeof(ev));
    snprintf(key, sizeof(key), "p%d", ++key_no);
    ev.key = key;
    ev.org_code = org_code;
    ev.indicator = indicator;
    ev.day = day;
    ev.value = 1;
    must(ingest_batch(W->db, W->source, &ev, 1, 0, &res, &e), &e, "ingest");
    assert_int_equal(res.accepted, 1);
}

static long long count(const char *sql)
{
    struct errbuf e = ERRBUF_INIT;
    long long n = 0;
    must(db_query_int(W->db, &e, &n, sql, ""), &e, sql);
    return n;
}

/* A plan of owner for 2024 with one task (in a transaction). */
static long long plan_with(long long owner, const struct plan_task_in *t, int today,
                           long long *ret_task)
{
    struct errbuf e = ERRBUF_INIT;
    long long plan = 0;
    must(db_begin(W->db, &e), &e, "begin");
    must(plan_create(W->db, owner, 2024, NULL, 5, 0, &plan, &e), &e, "plan_create");
    must(plan_task_add(W->db, plan, t, today, 0, ret_task, &e), &e, "plan_task_add");
    must(db_commit(W->db, &e), &e, "commit");
    return plan;
}

static struct plan_task_in meetings(void)
{
    struct plan_task_in t = {0};
    t.code = "cm";
    t.name = "支委会";
    t.metric = "count";
    t.indicator = "org.committee_meeting";
    t.freq = "month";
    t.target = 1;
    t.weight = 1;
    t.from_day = 20240301;
    return t;
}

static struct plan_check_stats check(int today)
{
    struct errbuf e = ERRBUF_INIT;
    struct plan_check_stats s;
    must(plan_check(W->db, today, 0, &s, &e), &e, "plan_check");
    return s;
}

static struct auth who(long long account_id, enum role role, long long org_id)
{
    struct errbuf e = ERRBUF_INIT;
    struct auth a;
    memset(&a, 0, sizeof(a));
    a.account_id = account_id;
    a.nroles = 1;
    a.roles[0].role = role;
    a.roles[0].org_id = org_id;
    must(org_path(W->db, org_id, a.roles[0].org_path, sizeof(a.roles[0].org_path), &e), &e,
         "org_path");
    return a;
}

static int act(const struct auth *a, long long case_id, const char *action, const char *text)
{
    struct errbuf e = ERRBUF_INIT;
    int rc;
    must(db_begin(W->db, &e), &e, "begin");
    rc = plan_case_act(W->db, a, case_id, action, text, NULL, 20240402, &e);
    if (rc < 0)
        db_rollback(W->db);
    else
        must(db_commit(W->db, &e), &e, "commit");
    return rc;
}

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
        T(test_check_warns_then_resolves_then_opens_a_case),
        T(test_reminders_go_out_once_when_the_end_is_near),
    T(test_a_period_met_credits_the_secretary_with_a_task_done),
        T(test_loop_takes_only_legal_steps_by_the_right_roles),
        T(test_overdue_cases_escalate_after_3_and_15_days),
        T(test_acknowledged_cases_escalate_only_for_the_report),
        T(test_task_added_mid_period_counts_from_that_day),
        T(test_reported_figures_count_and_replace_earlier_ones),
        T(test_dues_share_is_read_from_the_bills_of_generated_months),
        T(test_bad_input_is_refused_and_changes_nothing),
        T(test_webhook_signature_is_hmac_sha256_of_timestamp_and_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
