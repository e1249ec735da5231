/* Tests for the single-tenant side of migration 015 in src/db/sqlite.c: the keys of the tables
 * to be distributed end with tenant_id on PostgreSQL only, so SQLite drops ", tenant_id" at
 * the end of an ON CONFLICT target when it prepares a statement, and only there. */
#include "unit.h"

#include <unistd.h>

#include "db/db.h"

/* One migrated database for the group; each test uses months of its own. */
static struct db *db;
static char path[300];

static int open_db(void **state)
{
    const char *tmp = getenv("TMPDIR");
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    snprintf(path, sizeof(path), "%s/dj-test-tenant-%d.db", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    unit_remove_db(path);
    if (db_open(path, &db, &e) < 0 || db_migrate(db, &e) < 0) {
        fprintf(stderr, "%s: %s\n", path, e.msg);
        return -1;
    }
    return 0;
}

static int close_db(void **state)
{
    (void)state;
    db_close(db);
    unit_remove_db(path);
    return 0;
}

/* The integer sql (no parameters) returns. */
static long long one(const char *sql)
{
    struct errbuf e = ERRBUF_INIT;
    long long n = -1;
    assert_true(db_query_int(db, &e, &n, sql, "") >= 0);
    return n;
}

static void test_upsert_with_tenant_in_target_updates_the_row(void **state)
{
    (void)state;
    struct errbuf e = ERRBUF_INIT;
    for (long long i = 0; i < 2; i++)
        if (db_run(db, &e,
                   "INSERT INTO dues_months(month, generated_at) VALUES($1, $2)"
                   " ON CONFLICT (month, tenant_id) DO UPDATE SET generated_at = "
                   "excluded.generated_at",
                   "ii", 202401LL, 100 + i) < 0)
            fail_msg("upsert: %s", e.msg);
    assert_int_equal(one("SELECT COUNT(*) FROM dues_months"), 1);
    assert_int_equal(one("SELECT generated_at FROM dues_months"), 101);
    assert_int_equal(one("SELECT tenant_id FROM dues_months"), 1);
}

static void test_tenant_in_a_column_list_is_kept(void **state)
{
    (void)state;
    struct errbuf e = ERRBUF_INIT;
    /* ", tenant_id)" ends the column list too: only the conflict target loses it */
    if (db_run(db, &e,
               "INSERT INTO dues_months(month, generated_at, tenant_id) VALUES($1, 5, 1)"
               " ON CONFLICT (month, tenant_id) DO NOTHING",
               "i", 202402LL) < 0)
        fail_msg("insert: %s", e.msg);
    assert_int_equal(one("SELECT COUNT(*) FROM dues_months WHERE month = 202402"), 1);
}

static void test_target_without_tenant_and_bad_target(void **state)
{
    (void)state;
    struct errbuf e = ERRBUF_INIT;
    if (db_run(db, &e,
               "INSERT INTO dues_months(month) VALUES(202403) ON CONFLICT (month) DO NOTHING",
               "") < 0)
        fail_msg("insert: %s", e.msg);
    assert_int_equal(one("SELECT COUNT(*) FROM dues_months WHERE month = 202403"), 1);
    /* a target that is no key stays an error, with or without the tenant */
    assert_int_equal(db_run(db, &e,
                            "INSERT INTO dues_months(month) VALUES(202404)"
                            " ON CONFLICT (generated_at, tenant_id) DO NOTHING",
                            ""),
                     -ERR_DB);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upsert_with_tenant_in_target_updates_the_row),
        cmocka_unit_test(test_tenant_in_a_column_list_is_kept),
        cmocka_unit_test(test_target_without_tenant_and_bad_target),
    };
    return cmocka_run_group_tests(tests, open_db, close_db);
}
