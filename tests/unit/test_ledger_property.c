/* The ledger property test (issue 13, item 3): DJ_PROP_OPS (default 100,000) random
 * operations on party dues, each checked against a model the test keeps itself
 * (ledger_model.h, ledger_model_books.h) after every step (ledger_check.h). The operations:
 * generate and publish a month, pay (a member online through the API and the provider's
 * notice, finance's cash and bank collections, a proxy's collection through the API), the
 * same notice twice and a reference reused, a member paying someone else's bill and finance
 * collecting outside its subtree (refused), back pay, paying ahead, voluntary dues large and
 * small, one-click confirmation per subtree and month, reversal, remittance upward, an
 * expense with its approval record, closing a month, a member's verified base changing.
 *
 * The sequence comes from a seeded PRNG: a fixed seed by default, DJ_PROP_SEED=random for a
 * new one, DJ_PROP_SEED=<n> to replay; a failure prints the seed, the step and the
 * operation. SQLite in memory, as the other unit tests. */
#include "unit.h"

#include <time.h>
#include <unistd.h>

#include "base/secret.h"
#include "dues/rules.h"
#include "dues/settings.h"
#include "org/member.h"
#include "org/org.h"
#include "ledger_ops_books.h"

#define DEFAULT_OPS 100000
#define DEFAULT_SEED 20240613ULL

/* ---- the world: three levels of organizations, 24 members of every category */

static const char *const org_codes[LM_ORGS] = {"R", "U0", "U1", "B0", "B1", "B2", "B3"};
static const int org_parent[LM_ORGS] = {-1, 0, 0, 1, 1, 2, 2};
static const long long org_share[LM_ORGS] = {
    0, 4000, LM_DEFAULT_SHARE, LM_DEFAULT_SHARE, 3333, LM_DEFAULT_SHARE, 0};

static void set_clock(struct world *w, long long step)
{
    int k = (int)(step % w->steps_per_month),
        cur = lm_month_add(LM_FIRST_MONTH, (int)(step / w->steps_per_month));
    long long at = (long long)k * month_days(cur);
    w->M.cur = cur;
    w->M.today = cur * 100 + 1 + (int)(at / w->steps_per_month);
    /* from 04:00 UTC, a second a step: the same calendar day in UTC and in Beijing */
    w->M.now = (long long)date_to_days(w->M.today) * 86400 + 4 * 3600 +
               at % w->steps_per_month / month_days(cur);
    dues_test_clock(w->M.now);
}

static void make_world(struct world *w)
{
    struct errbuf e = ERRBUF_INIT;
    struct lm *M = &w->M;
    lm_init(M);
    set_clock(w, 0);
    must_ok(w, db_open(":memory:", &w->db, &e), &e, "open");
    must_ok(w, db_migrate(w->db, &e), &e, "migrate");
    must_ok(w, db_begin(w->db, &e), &e, "begin");
    for (int o = 0; o < LM_ORGS; o++) {
        struct org_in in = {org_codes[o], o ? o < 3 ? "单位党委" : "支部" : "公司党委",
                            o < 3 ? "committee" : "branch", o ? M->orgs[org_parent[o]].id : 0, 0};
        must_ok(w, org_create(w->db, &in, 0, &M->orgs[o].id, &e), &e, "org");
        must_ok(w, org_path(w->db, M->orgs[o].id, M->orgs[o].path, sizeof(M->orgs[o].path), &e), &e,
                "path");
        M->orgs[o].parent = org_parent[o];
        M->orgs[o].share_bp = org_share[o];
        if (o && org_share[o] != LM_DEFAULT_SHARE)
            must_ok(w, dues_share_set(w->db, M->orgs[o].id, org_share[o], 0, &e), &e, "share");
    }
    for (int i = 0; i < LM_MEMBERS; i++) {
        static const char *const cats[6] = {"in_service", "in_service", "in_service",
                                            "retired",    "farmer",     "in_service"};
        struct lm_member *m = &M->members[i];
        struct member_in in = {0};
        char emp[16];
        snprintf(emp, sizeof(emp), "P%02d", i);
        snprintf(m->category, sizeof(m->category), "%s",
                 i == 5    ? "student"
                 : i == 11 ? "unemployed"
                           : cats[i % 6]);
        m->org = 3 + i % 4;
        in.emp_no = in.name = emp;
        in.category = m->category;
        in.org_id = M->orgs[m->org].id;
        must_ok(w, member_create(w->db, &in, LM_FIRST_MONTH, 0, &m->id, &e), &e, "member");
        if (lm_rated(m->category) && i != 7) { /* member 7 waits for a base */
            struct dues_base_in b = {m->id, LM_FIRST_MONTH / 100, 0, random_base(w), "初始核定"};
            must_ok(w, dues_base_set(w->db, &b, 0, &e), &e, "base");
            lm_base_set(M, i, b.year, 0, b.monthly_fen);
        }
    }
    { /* a farmer's approved amount, and a hardship exemption of two years */
        struct dues_term_in fixed = {M->members[10].id, "fixed",      60,  LM_FIRST_MONTH, 0,
                                     "公司党委",        "2009-12-20", NULL};
        struct dues_term_in exempt = {M->members[9].id, "exempt",     0,         201201, 201312,
                                      "公司党委",       "2011-12-20", "困难党员"};
        long long id;
        must_ok(w, dues_term_add(w->db, &fixed, 0, &id, &e), &e, "term");
        must_ok(w, dues_term_add(w->db, &exempt, 0, &id, &e), &e, "term");
        M->members[10].fixed_fen = 60;
        M->members[9].exempt_from = 201201;
        M->members[9].exempt_to = 201312;
    }
    must_ok(w, db_commit(w->db, &e), &e, "commit");
    watch_tables(w);
}

/* ---- the run */

static const struct {
    const char *name;
    int weight; /* in a thousand */
    void (*op)(struct world *w, int kind);
} ops[] = {
    {"generate", 25, op_generate},
    {"publish", 40, op_publish},
    {"collect", 332, op_collect},
    {"pay online", 120, op_online},
    {"notice", 50, op_notice},
    {"notice again", 65, op_notice_again},
    {"someone else's bill", 70, op_illegitimate},
    {"proxy", 55, op_proxy},
    {"confirm", 80, op_confirm},
    {"reverse", 35, op_reverse},
    {"remit", 45, op_remit},
    {"expense", 40, op_expense},
    {"close", 8, op_close},
    {"base", 35, op_base},
};
#define NOPS (int)(sizeof(ops) / sizeof(ops[0]))

static long long env_ll(const char *name, long long def)
{
    const char *v = getenv(name);
    return v && *v ? strtoll(v, NULL, 10) : def;
}

static unsigned long long env_seed(void)
{
    const char *v = getenv("DJ_PROP_SEED");
    unsigned long long s = 0;
    FILE *f;
    if (!v || !*v)
        return DEFAULT_SEED;
    if (strcmp(v, "random") != 0)
        return strtoull(v, NULL, 10);
    if ((f = fopen("/dev/urandom", "rb"))) {
        if (fread(&s, sizeof(s), 1, f) != 1)
            s = 0;
        fclose(f);
    }
    s ^= (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
    return s % 1000000000000ULL; /* short enough to type when replaying */
}

/* Steps 1..stop of the run of w->ops operations from w->seed (the calendar of the run
 * depends on w->ops: about 200 months of 2010-2026, so that a month is closed only once it
 * is over for real too). A full pass every w->check_every steps and at the end. */
static void run(struct world *w, long long stop)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    w->rng = w->seed;
    w->steps_per_month = w->ops / 200 > 300 ? w->ops / 200 : 300;
    make_world(w);
    for (w->step = 1; w->step <= stop; w->step++) {
        lm_step_begin(&w->M);
        w->M.step = w->step;
        set_clock(w, w->step);
        if (w->step % w->steps_per_month == 0 && w->M.cur % 100 == 1) {
            op_year_bases(w, NOPS);
        } else {
            int r = pick(w, 1000), k;
            for (k = 0; k < NOPS - 1 && r >= ops[k].weight; k++)
                r -= ops[k].weight;
            ops[k].op(w, k);
        }
        check_step(w);
        if (w->step % w->check_every == 0)
            check_full(w);
    }
    w->step = stop;
    snprintf(w->op, sizeof(w->op), "(the full pass at the end)");
    check_full(w);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("ledger property: seed %llu, %lld of %lld steps, to %d, in %.1f s; done/refused:",
           w->seed, stop, w->ops, w->M.cur,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    for (int k = 0; k < NOPS; k++)
        printf(" %s %lld/%lld;", ops[k].name, w->ok[k], w->refused[k]);
    printf(" %d bills, %d payments, %lld remittances netting a refund\n", w->M.nbills, w->M.npays,
           w->M.netting);
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    assert_int_equal(secret_init(), 0);
    if (!w)
        return -1;
    w->check_every = CHECK_EVERY;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    dues_test_clock(0);
    if (w->db)
        db_close(w->db);
    lm_release(&w->M);
    free(w->pending);
    free(w->notified);
    free(w);
    return 0;
}

/* Every kind of operation must have run both ways, or the run proved little. */
static void assert_coverage(struct world *w)
{
    for (int k = 0; k < NOPS; k++)
        if ((w->ok[k] == 0 && ops[k].op != op_illegitimate) || w->refused[k] == 0)
            prop_fail(w, "'%s' succeeded %lld times and was refused %lld times", ops[k].name,
                      w->ok[k], w->refused[k]);
}

/* DJ_PROP_OPS operations (100,000 by default) from DJ_PROP_SEED (fixed by default,
 * "random" for a new one), a full pass every DJ_PROP_CHECK_EVERY steps. */
static void test_random_operations_match_the_model(void **state)
{
    struct world *w = *state;
    long long every = env_ll("DJ_PROP_CHECK_EVERY", CHECK_EVERY);
    w->seed = env_seed();
    w->ops = env_ll("DJ_PROP_OPS", DEFAULT_OPS);
    w->check_every = every > 0 ? every : CHECK_EVERY;
    printf("ledger property: seed %llu, %lld operations (replay: DJ_PROP_SEED=%llu"
           " DJ_PROP_OPS=%lld)\n",
           w->seed, w->ops, w->seed, w->ops);
    run(w, w->ops);
    if (w->ops >= 20000)
        assert_coverage(w);
}

/* Regression, found by this test with seed 20240613 (step 3890 of 100,000): an organization
 * whose remittance payable stood in debit (a payment refunded after its share had gone up)
 * and that held large voluntary dues remitted "all": a negative amount nets the refund, and
 * the level above booked its own share of it rounded toward zero (-4261 instead of -4262 fen
 * for half of -85.24 yuan). dues_round now rounds half up on the magnitude. */
static void test_seed_20240613_netting_remittance_rounds_its_share_half_up(void **state)
{
    struct world *w = *state;
    w->seed = 20240613;
    w->ops = 100000;
    run(w, 4000);
    if (w->M.netting == 0)
        prop_fail(w, "the run no longer reaches a remittance that nets a refund: find a seed"
                     " that does (the summary line counts them)");
    assert_int_equal(dues_round(-8524, 5000, DUES_ROUND_HALF_UP), -4262);
    assert_int_equal(dues_round(-20453, 4000, DUES_ROUND_HALF_UP), -8181); /* -8181.2 */
    assert_int_equal(dues_round(-5, 5000, DUES_ROUND_HALF_UP), -dues_round(5, 5000, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_seed_20240613_netting_remittance_rounds_its_share_half_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_operations_match_the_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
