/* Tests for src/db/db.c and src/db/sqlite.c: the statement cache, last insert id, opening a
 * database (its URL, its backend, bad names) and the text of a COPY row. Each test gets a
 * fresh SQLite file (db_fixture.h). */
#include "unit.h"

#include "base/buf.h"
#include "db/db.h"
#include "db/db_impl.h"
#include "db_fixture.h"

/* ---- the statement cache ---- */

static void test_nested_use_of_same_sql_gives_independent_statements(void **state)
{
    static const char *const sql = "SELECT a FROM t WHERE a >= $1 ORDER BY a";
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *a, *b, *c;
    exec_ok(f->db, "CREATE TABLE t (a BIGINT); INSERT INTO t VALUES (1), (2), (3), (4), (5)");
    assert_int_equal(db_prepare(f->db, sql, &a, &e), 0);
    db_bind_int(a, 1, 1);
    assert_int_equal(db_step(a, &e), 1);
    assert_int_equal(db_col_int(a, 0), 1);
    /* the same SQL again while a is still running */
    assert_int_equal(db_prepare(f->db, sql, &b, &e), 0);
    assert_ptr_not_equal(a, b);
    db_bind_int(b, 1, 3);
    assert_int_equal(db_step(b, &e), 1);
    assert_int_equal(db_col_int(b, 0), 3);
    assert_int_equal(db_step(a, &e), 1);
    assert_int_equal(db_col_int(a, 0), 2);
    /* and a third, nested in both */
    assert_int_equal(db_prepare(f->db, sql, &c, &e), 0);
    assert_ptr_not_equal(c, a);
    assert_ptr_not_equal(c, b);
    db_bind_int(c, 1, 5);
    assert_int_equal(db_step(c, &e), 1);
    assert_int_equal(db_col_int(c, 0), 5);
    assert_int_equal(db_step(c, &e), 0);
    db_done(c);
    assert_int_equal(db_step(b, &e), 1);
    assert_int_equal(db_col_int(b, 0), 4);
    db_done(b); /* the inner one finishes first */
    assert_int_equal(db_step(a, &e), 1);
    assert_int_equal(db_col_int(a, 0), 3);
    assert_int_equal(db_step(a, &e), 1);
    assert_int_equal(db_step(a, &e), 1);
    assert_int_equal(db_col_int(a, 0), 5);
    assert_int_equal(db_step(a, &e), 0);
    db_done(a);
    /* once free, the cached statement serves again, with fresh bindings */
    assert_int_equal(db_prepare(f->db, sql, &c, &e), 0);
    assert_ptr_equal(c, a);
    db_bind_int(c, 1, 4);
    assert_int_equal(db_step(c, &e), 1);
    assert_int_equal(db_col_int(c, 0), 4);
    db_done(c);
}

static void test_nested_use_of_same_text_from_another_buffer(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *a, *b;
    char *copy = strdup("SELECT a FROM t WHERE a >= $1 ORDER BY a");
    exec_ok(f->db, "CREATE TABLE t (a BIGINT); INSERT INTO t VALUES (1), (2), (3)");
    assert_non_null(copy);
    assert_int_equal(db_prepare(f->db, "SELECT a FROM t WHERE a >= $1 ORDER BY a", &a, &e), 0);
    db_bind_int(a, 1, 1);
    assert_int_equal(db_step(a, &e), 1);
    assert_int_equal(db_prepare(f->db, copy, &b, &e), 0);
    assert_ptr_not_equal(a, b);
    db_bind_int(b, 1, 2);
    assert_int_equal(db_step(b, &e), 1);
    assert_int_equal(db_col_int(b, 0), 2);
    assert_int_equal(db_step(a, &e), 1);
    assert_int_equal(db_col_int(a, 0), 2);
    db_done(a);
    assert_int_equal(db_step(b, &e), 1);
    assert_int_equal(db_col_int(b, 0), 3);
    db_done(b);
    free(copy);
}

static void test_buffer_reused_for_other_sql_gets_the_new_statement(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    char sql[64];
    long long v = 0;
    /* the same address holding different text must not hit the address fast path */
    snprintf(sql, sizeof(sql), "SELECT %d", 1);
    assert_int_equal(db_query_int(f->db, &e, &v, sql, ""), 1);
    assert_int_equal(v, 1);
    snprintf(sql, sizeof(sql), "SELECT %d", 2);
    assert_int_equal(db_query_int(f->db, &e, &v, sql, ""), 1);
    assert_int_equal(v, 2);
    snprintf(sql, sizeof(sql), "SELECT %d", 1);
    assert_int_equal(db_query_int(f->db, &e, &v, sql, ""), 1);
    assert_int_equal(v, 1);
}

static void test_more_distinct_statements_than_cache_slots(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    char sql[64];
    /* 700 texts over 256 hash slots: chains, and all stay correct on a second pass */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 700; i++) {
            long long v = -1;
            snprintf(sql, sizeof(sql), "SELECT %d + $1", i);
            assert_int_equal(db_query_int(f->db, &e, &v, sql, "i", 1000LL), 1);
            assert_int_equal(v, i + 1000);
        }
}

static void test_last_id_after_insert(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long id = -1;
    exec_ok(f->db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)");
    assert_int_equal(db_run(f->db, &e, "INSERT INTO t(a) VALUES($1)", "t", "x"), 1);
    assert_int_equal(db_last_id(f->db, &id, &e), 0);
    assert_int_equal(id, 1);
    assert_int_equal(db_run(f->db, &e, "INSERT INTO t(a) VALUES($1)", "t", "y"), 1);
    assert_int_equal(db_last_id(f->db, &id, &e), 0);
    assert_int_equal(id, 2);
    assert_int_equal(db_run(f->db, &e, "INSERT INTO t(id, a) VALUES($1, $2)", "it", 40LL, "z"), 1);
    assert_int_equal(db_last_id(f->db, &id, &e), 0);
    assert_int_equal(id, 40);
    assert_int_equal(count(f->db, "SELECT id FROM t WHERE a = 'z'"), 40);
}

/* ---- opening ---- */

static void test_open_reports_url_and_backend(void **state)
{
    struct fix *f = *state;
    assert_string_equal(db_url(f->db), f->path);
    assert_int_equal(db_backend(f->db), DB_SQLITE);
    assert_true(db_is_postgres_url("postgres://u@h/db"));
    assert_true(db_is_postgres_url("postgresql://h/db"));
    assert_false(db_is_postgres_url("/var/postgres.db"));
    assert_false(db_is_postgres_url("postgres:/x"));
}

static void test_open_refuses_missing_name_and_bad_path(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct db *db = NULL;
    (void)state;
    assert_int_equal(db_open("", &db, &e), -ERR_INVALID);
    assert_int_equal(db_open(NULL, &db, &e), -ERR_INVALID);
    errbuf_clear(&e);
    assert_int_equal(db_open("/nonexistent-dj-dir/sub/x.db", &db, &e), -ERR_DB);
    assert_non_null(strstr(e.msg, "'/nonexistent-dj-dir/sub/x.db'"));
    assert_null(db);
}

/* The COPY text of a bulk row: numbers as PostgreSQL reads back the same values, NULLs as \N,
 * the four special characters of text escaped and everything else as it is. */
static void test_copy_row_text(void **state)
{
    struct buf b = BUF_INIT;
    (void)state;
    db_bulk_copy_row_test(&b, "iiIIdddddtt", 0LL, -9223372036854775807LL - 1, 0LL, 42LL, 3.0,
                          -0.0, 0.1, 1e300, -12345678.0, "a\\b\tc\nd\re 中文", (const char *)NULL);
    assert_string_equal(buf_str(&b), "0\t-9223372036854775808\t\\N\t42\t3\t-0\t0.10000000000000001"
                                     "\t1.0000000000000001e+300\t-12345678\ta\\\\b\\tc\\nd\\re 中文\t\\N\n");
    buf_reset(&b); /* M: a negative value is NULL, 0 is a value (an amount, a rate) */
    db_bulk_copy_row_test(&b, "MMM", -1LL, 0LL, 15LL);
    assert_string_equal(buf_str(&b), "\\N\t0\t15\n");
    buf_release(&b);
}

int main(void)
{
#define T(f, s) cmocka_unit_test_setup_teardown(f, s, teardown)
    const struct CMUnitTest tests[] = {
        T(test_nested_use_of_same_sql_gives_independent_statements, setup_empty),
        T(test_nested_use_of_same_text_from_another_buffer, setup_empty),
        T(test_buffer_reused_for_other_sql_gets_the_new_statement, setup_empty),
        T(test_more_distinct_statements_than_cache_slots, setup_empty),
        T(test_last_id_after_insert, setup_empty),
        T(test_open_reports_url_and_backend, setup_migrated),
        cmocka_unit_test(test_open_refuses_missing_name_and_bad_path),
        cmocka_unit_test(test_copy_row_text),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
