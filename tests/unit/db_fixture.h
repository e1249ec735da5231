/* The fixture of the tests of src/db on SQLite (test_db.c, test_db_cache.c): a fresh SQLite
 * file in a temporary directory of its own for each test, empty or migrated, and small
 * readers of it. */
#ifndef TEST_DB_FIXTURE_H
#define TEST_DB_FIXTURE_H

#include "unit.h"
#include "tmpdb.h"

#include <stdbool.h>
#include <unistd.h>

#include "db/db.h"

struct fix {
    char dir[256];
    char path[300];
    struct db *db;
};

static inline struct fix *fix_new(void)
{
    struct fix *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    UNIT_TMPDB_OPEN(f, "db", false);
    return f;
}

static inline int setup_empty(void **state)
{
    *state = fix_new();
    return 0;
}

static inline int setup_migrated(void **state)
{
    struct fix *f = fix_new();
    struct errbuf e = ERRBUF_INIT;
    *state = f;
    if (db_migrate(f->db, &e) < 0)
        fail_msg("db_migrate: %s", e.msg);
    return 0;
}

static inline int teardown(void **state)
{
    struct fix *f = *state;
    if (!f)
        return 0;
    UNIT_TMPDB_REMOVE(f);
    free(f);
    return 0;
}

static inline long long count(struct db *db, const char *sql)
{
    return unit_count(db, sql);
}

static inline bool table_exists(struct db *db, const char *name)
{
    struct errbuf e = ERRBUF_INIT;
    long long n = -1;
    if (db_query_int(db, &e, &n,
                     "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1", "t",
                     name) < 0)
        fail_msg("%s", e.msg);
    return n == 1;
}

static inline void exec_ok(struct db *db, const char *sql)
{
    struct errbuf e = ERRBUF_INIT;
    if (db_exec(db, sql, &e) < 0)
        fail_msg("%s: %s", sql, e.msg);
}

/* Column 0 of the first row as text (caller frees), or NULL when there is no row. */
static inline char *query_text(struct db *db, const char *sql, const char *types, const char *a,
                        const char *b, const char *c)
{
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    char *s = NULL;
    int rc;
    if (db_prepare(db, sql, &st, &e) < 0)
        fail_msg("%s: %s", sql, e.msg);
    db_bindv(st, types, a, b, c);
    rc = db_step(st, &e);
    if (rc == 1)
        s = strdup(db_col_text(st, 0));
    db_done(st);
    if (rc < 0)
        fail_msg("%s: %s", sql, e.msg);
    return s;
}

#endif
