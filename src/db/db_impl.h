/* Private to db/: the pieces each backend provides. */
#ifndef DB_DB_IMPL_H
#define DB_DB_IMPL_H

#include <stddef.h>

#include "base/buf.h"
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
    /* Send st without waiting for its answer (db_pipeline); NULL: the backend cannot. */
    int (*queue)(struct db_stmt *st, struct errbuf *e);
    /* Bulk: write the rows of b->data (the backend's format, b->rows of them), add the rows
     * stored to b->written and empty b->data. */
    int (*bulk_flush)(struct db_bulk *b, struct errbuf *e);
    /* db_try_lock / db_unlock of the lock numbered key */
    int (*try_lock)(struct db *db, long long key, struct errbuf *e);
    void (*unlock)(struct db *db, long long key);
    /* the connection is gone for good (NULL: never, SQLite) */
    bool (*lost)(struct db *db);
};

struct db {
    const struct db_ops *ops;
    enum db_backend backend;
    int tx_depth;
    unsigned tx_marks; /* db_tx_first: marks set in the current transaction */
    struct db_stmt *cache[DB_CACHE_SLOTS];
    struct db_stmt *fast[DB_FAST_SLOTS]; /* by the SQL text's address */
    unsigned next_name; /* PostgreSQL statement names */
    char *url;
    bool pipeline; /* db_pipeline */
    bool node_down; /* db_node_down: a statement failed on a node behind the server */
};

struct db_stmt {
    struct db *db;
    char *sql;
    const char *sql_ptr; /* the caller's pointer last seen for this text */
    unsigned hash;
    int busy;
    int cached;
    int stepped; /* db_step called since the last reset (the profile counts runs) */
    int one_insert; /* a one-row INSERT ... VALUES (...) with nothing after: may be queued */
    struct db_stmt *next; /* cache chain */
};

/* One value of a row waiting for its multi-row INSERT (SQLite). */
struct db_bulk_val {
    char type; /* as db_bindv: i, d, t, n */
    long long i;
    double d;
    char *t;
};

struct db_bulk {
    struct db *db;
    char *table, *columns, *unique;
    int ncols;
    struct buf data; /* PostgreSQL: COPY text rows */
    long long rows, written;
    /* SQLite: rows waiting for one multi-row INSERT, chunk rows at a time */
    struct db_bulk_val *pend;
    int npend, chunk;
    char *chunk_sql; /* the INSERT of a whole chunk, made once */
};

#ifdef DJ_UNITTEST
/* One row as bulk.c writes it for PostgreSQL's COPY (text format), appended to out. */
void db_bulk_copy_row_test(struct buf *out, const char *types, ...);
#endif

/* Backends allocate their own struct with struct db / struct db_stmt first. */
int db_sqlite_open(const char *path, struct db **ret, struct errbuf *e);
int db_pg_open(const char *url, struct db **ret, struct errbuf *e);
size_t db_sqlite_stmt_size(void);
/* SQLite's online backup of db into the new file dest (written beside it, then renamed). */
int db_sqlite_backup(struct db *db, const char *dest, struct errbuf *e);
size_t db_pg_stmt_size(void);

/* The statement profile (profile.c, DJ_DB_PROFILE=1). */
bool db_profile_on(void);
long long db_profile_clock(void);
void db_profile_add(const char *sql, long long ns, long long calls);

/* Embedded migrations, generated at build time from src/db/migrations/NNN_name.sql. */
struct db_migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct db_migration db_migrations[];
extern const int db_migrations_count;

#endif
