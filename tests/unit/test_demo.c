#include "unit.h"
#include "tmpdb.h"

#include "base/month.h"
#include "base/parse.h"
#include "base/pii.h"
#include "base/secret.h"
#include "db/db.h"
#include "demo/demo.h"
#include "org/account.h"

/* A small demo: 20 organizations, 120 members, 3 months. */
static struct db *generate(unsigned long long seed, int today, struct demo_summary *sum)
{
    struct demo_opts o = DEMO_OPTS_INIT;
    struct errbuf e = ERRBUF_INIT;
    struct db *db = NULL;
    int rc;
    o.orgs = 20;
    o.members = 120;
    o.months = 3;
    o.seed = seed;
    o.today = today;
    assert_int_equal(db_open(":memory:", &db, &e), 0);
    assert_true(db_migrate(db, &e) >= 0);
    rc = demo_generate(db, &o, sum, &e);
    if (rc < 0)
        fail_msg("demo_generate: %s", e.msg);
    return db;
}

static long long count(struct db *db, const char *sql)
{
    return unit_count(db, sql);
}

/* The text of column 0 of the first row (caller frees). */
static char *text(struct db *db, const char *sql)
{
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    char *s = NULL;
    assert_int_equal(db_prepare(db, sql, &st, &e), 0);
    if (db_step(st, &e) == 1)
        s = strdup(db_col_text(st, 0));
    db_done(st);
    assert_non_null(s);
    return s;
}

static int setup(void **state)
{
    struct demo_summary sum;
    assert_int_equal(secret_init(), 0);
    *state = generate(1, 0, &sum);
    return 0;
}

static int teardown(void **state)
{
    db_close(*state);
    return 0;
}

static void test_tree_has_one_root_and_fitting_kinds(void **state)
{
    struct db *db = *state;
    assert_int_equal(count(db, "SELECT COUNT(*) FROM orgs WHERE parent_id IS NULL"), 1);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM orgs WHERE parent_id IS NULL AND"
                               " kind = 'committee' AND code = 'GW'"),
                     1);
    /* --orgs counts committees, general branches and branches; groups come on top */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM orgs WHERE kind <> 'group'"), 20);
    assert_true(count(db, "SELECT COUNT(*) FROM orgs WHERE kind = 'committee'") >= 2);
    assert_true(count(db, "SELECT COUNT(*) FROM orgs WHERE kind = 'group'") >= 2);
    /* unit committees under the root, branches under committees or general branches,
     * groups under branches */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM orgs c JOIN orgs p ON p.id = c.parent_id"
                               " WHERE NOT ((c.kind IN ('committee', 'general_branch') AND"
                               " p.kind = 'committee') OR (c.kind = 'branch' AND p.kind IN"
                               " ('committee', 'general_branch')) OR (c.kind = 'group' AND"
                               " p.kind = 'branch'))"),
                     0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM orgs c JOIN orgs p ON p.id = c.parent_id"
                               " WHERE substr(c.code, 1, length(p.code) + 1) <> p.code || '-'"),
                     0);
}

static void test_every_branch_has_a_secretary_who_is_its_member(void **state)
{
    struct db *db = *state;
    assert_int_equal(count(db, "SELECT COUNT(*) FROM orgs o LEFT JOIN members m"
                               " ON m.id = o.secretary_id WHERE o.kind = 'branch' AND"
                               " (m.id IS NULL OR m.org_id <> o.id)"),
                     0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM orgs o WHERE o.kind = 'branch' AND"
                               " NOT EXISTS (SELECT 1 FROM account_roles r JOIN accounts a"
                               " ON a.id = r.account_id WHERE r.role = 'secretary' AND"
                               " r.org_id = o.id AND a.member_id = o.secretary_id)"),
                     0);
}

static void test_members_belong_to_branches(void **state)
{
    struct db *db = *state;
    assert_int_equal(count(db, "SELECT COUNT(*) FROM members"), 120);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM members m JOIN orgs o ON o.id = m.org_id"
                               " WHERE o.kind <> 'branch'"),
                     0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM orgs o WHERE o.kind = 'branch' AND NOT"
                               " EXISTS (SELECT 1 FROM members m WHERE m.org_id = o.id)"),
                     0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM members WHERE emp_no NOT LIKE 'E______'"), 0);
    /* one member moved branch in the second or third month: history has two rows */
    assert_true(count(db, "SELECT COUNT(*) FROM (SELECT member_id FROM member_orgs"
                          " GROUP BY member_id HAVING COUNT(*) > 1)") >= 1);
}

static void test_id_cards_are_valid_and_match_birth_and_gender(void **state)
{
    struct db *db = *state;
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    int n = 0, rc;
    assert_int_equal(
        db_prepare(db, "SELECT id_card, birth_date, gender, phone FROM members", &st, &e), 0);
    while ((rc = db_step(st, &e)) == 1) {
        const char *birth = db_col_text(st, 1);
        char digits[9], id[80], phone[80];
        /* stored sealed (base/pii.h): opened with the tests' key */
        assert_int_equal(pii_open("id_card", db_col_text(st, 0), id, sizeof(id), &e), 0);
        assert_int_equal(pii_open("phone", db_col_text(st, 3), phone, sizeof(phone), &e), 0);
        assert_true(idcard_valid(id));
        snprintf(digits, sizeof(digits), "%.4s%.2s%.2s", birth, birth + 5, birth + 8);
        assert_memory_equal(id + 6, digits, 8);
        /* the 17th digit is odd for men, even for women */
        assert_int_equal((id[16] - '0') % 2, strcmp(db_col_text(st, 2), "male") == 0);
        assert_true(phone_valid(phone));
        n++;
    }
    db_done(st);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 120);
}

static void test_every_indicator_has_events(void **state)
{
    struct db *db = *state;
    assert_int_equal(count(db, "SELECT COUNT(*) FROM indicators i WHERE NOT EXISTS"
                               " (SELECT 1 FROM events e WHERE e.indicator_id = i.id)"),
                     0);
    /* about 8 to 12 member events per member and month (the current month is partial) */
    long long per = count(db, "SELECT COUNT(*) FROM events WHERE member_id IS NOT NULL");
    assert_true(per >= 120 * 2 * 7 && per <= 120 * 3 * 13);
}

static void test_no_event_is_in_the_future(void **state)
{
    struct db *db = *state;
    long long today = date_today();
    assert_true(count(db, "SELECT MAX(day) FROM events") <= today);
    assert_true(count(db, "SELECT MIN(day) FROM events") / 100 >=
                month_add((int)(today / 100), -2));
}

static void test_values_stay_in_their_ranges(void **state)
{
    struct db *db = *state;
    assert_int_equal(count(db, "SELECT COUNT(*) FROM events e JOIN indicators i"
                               " ON i.id = e.indicator_id WHERE e.value < i.value_min OR"
                               " e.value > i.value_max"),
                     0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM events e JOIN indicators i"
                               " ON i.id = e.indicator_id WHERE i.code IN ('review.grade',"
                               " 'perf.rating', 'honour.award') AND e.value <> CAST(e.value AS"
                               " INTEGER)"),
                     0);
}

static void test_income_bases_are_verified_and_realistic(void **state)
{
    struct db *db = *state;
    assert_true(count(db, "SELECT COUNT(DISTINCT member_id) FROM income_bases") >= 110);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM income_bases WHERE verified_by <> '人资系统'"),
                     0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM income_bases b JOIN members m"
                               " ON m.id = b.member_id WHERE m.category = 'in_service' AND"
                               " (b.monthly_fen < 300000 OR b.monthly_fen > 1800000)"),
                     0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM income_bases b JOIN members m"
                               " ON m.id = b.member_id WHERE m.category = 'retired' AND"
                               " (b.monthly_fen < 200000 OR b.monthly_fen > 700000)"),
                     0);
}

static void test_named_accounts_log_in_with_the_demo_password(void **state)
{
    static const char *const logins[] = {"admin", "dangwei", "caiwu", "shuji", "dangyuan"};
    struct db *db = *state;
    struct errbuf e = ERRBUF_INIT;
    json_t *list;
    long long id;
    char *emp;
    assert_int_equal(demo_accounts_list(db, &list, &e), 0);
    assert_int_equal(json_array_size(list), 5);
    for (size_t i = 0; i < 5; i++) {
        json_t *a = json_array_get(list, i);
        assert_string_equal(json_string_value(json_object_get(a, "login")), logins[i]);
        assert_true(strlen(json_string_value(json_object_get(a, "org_name"))) > 0);
    }
    json_decref(list);
    assert_int_equal(account_authenticate(db, "shuji", DEMO_PASSWORD, &id, &e), 0);
    assert_int_equal(account_authenticate(db, "dangyuan", "wrong-password", &id, &e), -ERR_UNAUTH);
    /* members' own accounts share the one precomputed hash */
    emp = text(db, "SELECT emp_no FROM members ORDER BY id DESC LIMIT 1");
    assert_int_equal(account_authenticate(db, emp, DEMO_PASSWORD, &id, &e), 0);
    free(emp);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM sources WHERE code = 'demo'"), 1);
}

static void test_refuses_a_database_that_has_organizations(void **state)
{
    struct demo_opts o = DEMO_OPTS_INIT;
    struct errbuf e = ERRBUF_INIT;
    o.orgs = 20;
    o.members = 120;
    o.months = 3;
    assert_int_equal(demo_generate(*state, &o, NULL, &e), -ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "already has"));
}

static void test_bad_options_are_refused(void **state)
{
    struct demo_opts o = DEMO_OPTS_INIT;
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(demo_check_opts(&o, &e), 0);
    o.orgs = 2;
    assert_int_equal(demo_check_opts(&o, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "--orgs"));
    o.orgs = 20;
    o.months = 0;
    assert_int_equal(demo_check_opts(&o, &e), -ERR_INVALID);
    o.months = 3;
    o.today = date_from_days(date_to_days(date_today()) + 1);
    assert_int_equal(demo_check_opts(&o, &e), -ERR_INVALID);
}

#define NAMES "SELECT group_concat(name, ',') FROM (SELECT name FROM members ORDER BY id)"
#define SUMS "SELECT COUNT(*) || ':' || SUM(value) || ':' || SUM(day) FROM events"

static void test_same_seed_gives_the_same_demo(void **state)
{
    struct demo_summary s1, s2;
    struct db *a = generate(7, 20240615, &s1), *b = generate(7, 20240615, &s2);
    char *na = text(a, NAMES), *nb = text(b, NAMES), *ea = text(a, SUMS), *eb = text(b, SUMS);
    (void)state;
    assert_string_equal(na, nb);
    assert_string_equal(ea, eb);
    assert_int_equal(s1.events, s2.events);
    assert_int_equal(s1.first_month, 202404);
    assert_int_equal(s1.last_month, 202406);
    free(na);
    free(nb);
    free(ea);
    free(eb);
    db_close(a);
    db_close(b);
}

static void test_another_seed_gives_another_demo(void **state)
{
    struct demo_summary s1, s2;
    struct db *a = generate(7, 20240615, &s1), *b = generate(8, 20240615, &s2);
    char *na = text(a, NAMES), *nb = text(b, NAMES), *ea = text(a, SUMS), *eb = text(b, SUMS);
    (void)state;
    assert_string_not_equal(na, nb);
    assert_string_not_equal(ea, eb);
    free(na);
    free(nb);
    free(ea);
    free(eb);
    db_close(a);
    db_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_has_one_root_and_fitting_kinds),
        cmocka_unit_test(test_every_branch_has_a_secretary_who_is_its_member),
        cmocka_unit_test(test_members_belong_to_branches),
        cmocka_unit_test(test_id_cards_are_valid_and_match_birth_and_gender),
        cmocka_unit_test(test_every_indicator_has_events),
        cmocka_unit_test(test_no_event_is_in_the_future),
        cmocka_unit_test(test_values_stay_in_their_ranges),
        cmocka_unit_test(test_income_bases_are_verified_and_realistic),
        cmocka_unit_test(test_named_accounts_log_in_with_the_demo_password),
        cmocka_unit_test(test_refuses_a_database_that_has_organizations),
        cmocka_unit_test(test_bad_options_are_refused),
        cmocka_unit_test(test_same_seed_gives_the_same_demo),
        cmocka_unit_test(test_another_seed_gives_another_demo),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
