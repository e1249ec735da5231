/* A SQLite file in a temporary directory of its own, for the unit tests that need a real file
 * (other connections and processes, the key ring beside it): made and opened, rows counted,
 * removed with its directory. A fixture holding `char dir[256], path[300]; struct db *db;`
 * uses the two macros. */
#ifndef TEST_TMPDB_H
#define TEST_TMPDB_H

#include "unit.h"

#include <stdbool.h>
#include <unistd.h>

#include "db/db.h"

/* dir: $TMPDIR (or /tmp)/dj-test-TAG.XXXXXX, made; path: dir/test.db, opened into *db and
 * migrated when migrate. Any failure fails the test. */
static inline void unit_tmpdb_open(char *dir, size_t dir_n, char *path, size_t path_n,
                                   const char *tag, bool migrate, struct db **db)
{
    const char *tmp = getenv("TMPDIR");
    struct errbuf e = ERRBUF_INIT;
    snprintf(dir, dir_n, "%s/dj-test-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    assert_non_null(mkdtemp(dir));
    snprintf(path, path_n, "%s/test.db", dir);
    if (db_open(path, db, &e) < 0 || (migrate && db_migrate(*db, &e) < 0))
        fail_msg("%s: %s", path, e.msg);
}

/* Close db and remove the file (with its journal and key ring) and the directory. */
static inline void unit_tmpdb_remove(const char *dir, const char *path, struct db *db)
{
    db_close(db);
    unit_remove_db(path);
    rmdir(dir);
}

#define UNIT_TMPDB_OPEN(f, tag, migrate)                                                           \
    unit_tmpdb_open((f)->dir, sizeof((f)->dir), (f)->path, sizeof((f)->path), (tag), (migrate),    \
                    &(f)->db)
#define UNIT_TMPDB_REMOVE(f) unit_tmpdb_remove((f)->dir, (f)->path, (f)->db)

/* The integer sql (no parameters) returns; an error fails the test. */
static inline long long unit_count(struct db *db, const char *sql)
{
    struct errbuf e = ERRBUF_INIT;
    long long n = -1;
    if (db_query_int(db, &e, &n, sql, "") < 0)
        fail_msg("%s: %s", sql, e.msg);
    return n;
}

#endif
