/* The small world of the plan tests (test_plan_loop.c, test_plan_grid.c): a tree of eight
 * organizations in an in-memory database, four accounts, a source, and helpers that fail the
 * test on any error. */
#ifndef TEST_PLAN_WORLD_H
#define TEST_PLAN_WORLD_H

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

static inline void must(int rc, const struct errbuf *e, const char *what)
{
    if (rc < 0)
        fail_msg("%s: %s", what, e->msg);
}

static inline long long org(const char *code, const char *kind, long long parent)
{
    struct errbuf e = ERRBUF_INIT;
    struct org_in o = {code, code, kind, parent, 0};
    long long id = 0;
    must(org_create(W->db, &o, 0, &id, &e), &e, code);
    return id;
}

static inline long long account(const char *login, enum role role, long long org_id)
{
    struct errbuf e = ERRBUF_INIT;
    struct account_new a = {login, NULL, login, 0, role, org_id, "x", 0};
    long long id = 0;
    must(account_create(W->db, &a, 0, &id, &e), &e, login);
    return id;
}

static inline int setup(void **state)
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

static inline int teardown(void **state)
{
    (void)state;
    db_close(W->db);
    free(W);
    return 0;
}

static int key_no;

/* One organization event on day. */
static inline void event(const char *org_code, const char *indicator, int day)
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

static inline long long count(const char *sql)
{
    struct errbuf e = ERRBUF_INIT;
    long long n = 0;
    must(db_query_int(W->db, &e, &n, sql, ""), &e, sql);
    return n;
}

/* A plan of owner for 2024 with one task (in a transaction). */
static inline long long plan_with(long long owner, const struct plan_task_in *t, int today,
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

static inline struct plan_task_in meetings(void)
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

static inline struct plan_check_stats check(int today)
{
    struct errbuf e = ERRBUF_INIT;
    struct plan_check_stats s;
    must(plan_check(W->db, today, 0, &s, &e), &e, "plan_check");
    return s;
}

static inline struct auth who(long long account_id, enum role role, long long org_id)
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

static inline int act(const struct auth *a, long long case_id, const char *action, const char *text)
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

#endif
