/* Private to db/: the pieces each backend provides. */
#ifndef DB_DB_IMPL_H
#define DB_DB_IMPL_H

#include <stddef.h>

#include "db/db.h"

#define DB_CACHE_SLOTS 256
#define DB_FAST_SLOTS 256

struct db_ops {
    int (*exec)(struct db *db, const char *sql, struct errbuf *e);
    /* Create st (already allocated with the common fields) for st->sql. */
    int (*prepare)(struct db *db, struct db_stmt *st, struct errbuf *e);
    void (*finalize)(struct db_stmt *st);
    void (*reset)(struct db_stmt *st);
    void (*bind_int)(struct db_stmt *st, int idx, long long v);
    void (*bind_double)(struct db_stmt *st, int idx, double v);
    void (*bind_text)(struct db_stmt *st, int idx, const char *s);
    void (*bind_null)(struct db_stmt *st, int idx);
    int (*step)(struct db_stmt *st, struct errbuf *e);
    long long (*col_int)(struct db_stmt *st, int col);
    double (*col_double)(struct db_stmt *st, int col);
    const char *(*col_text)(struct db_stmt *st, int col);
    int (*col_null)(struct db_stmt *st, int col);
    void (*close)(struct db *db);
    void (*tune_bulk)(struct db *db, bool on);
    int (*last_id)(struct db *db, long long *ret, struct errbuf *e);
    long long (*changes)(struct db_stmt *st); /* rows the finished statement changed */
};

struct db {
    const struct db_ops *ops;
    enum db_backend backend;
    int tx_depth;
    struct db_stmt *cache[DB_CACHE_SLOTS];
    struct db_stmt *fast[DB_FAST_SLOTS]; /* by the SQL text's address */
    unsigned next_name; /* PostgreSQL statement names */
    char *url;
};

struct db_stmt {
    struct db *db;
    char *sql;
    const char *sql_ptr; /* the caller's pointer last seen for this text */
    unsigned hash;
    int busy;
    int cached;
    struct db_stmt *next; /* cache chain */
};

/* Backends allocate their own struct with struct db / struct db_stmt first. */
int db_sqlite_open(const char *path, struct db **ret, struct errbuf *e);
int db_pg_open(const char *url, struct db **ret, struct errbuf *e);
size_t db_sqlite_stmt_size(void);
/* SQLite's online backup of db into the new file dest (written beside it, then renamed). */
int db_sqlite_backup(struct db *db, const char *dest, struct errbuf *e);
size_t db_pg_stmt_size(void);

/* Embedded migrations, generated at build time from src/db/migrations/NNN_name.sql. */
struct db_migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct db_migration db_migrations[];
extern const int db_migrations_count;

#endif
