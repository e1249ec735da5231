/* SQLite backend. $N parameters are SQLite named parameters; we map N to SQLite's index
 * at prepare time so $2 may appear before $1 and a parameter may repeat. */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "db/db_impl.h"
#include "base/banned.h"

struct sq_db {
    struct db base;
    sqlite3 *h;
    char *path;  /* the database file, for the locks file beside it */
    int lock_fd; /* "<path>-locks" once a lock was asked for, else -1 */
};

struct sq_stmt {
    struct db_stmt base;
    sqlite3_stmt *h;
    int nmap;
    int map[DB_PARAMS_MAX + 1]; /* $N → SQLite parameter index (0 = unused) */
};

static sqlite3 *handle(struct db *db)
{
    return ((struct sq_db *)db)->h;
}

static int sq_error(sqlite3 *h, int rc, struct errbuf *e, const char *what)
{
    int code = -ERR_DB;
    int ext = sqlite3_extended_errcode(h);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        code = -ERR_CONFLICT;
    else if ((rc & 0xff) == SQLITE_CONSTRAINT)
        code = -ERR_INVALID;
    else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        code = -ERR_DB;
    errbuf_set(e, code, "%s: %s", what, sqlite3_errmsg(h));
    /* a unique key taken meanwhile by another request: the user's duplicate */
    return code == -ERR_CONFLICT ? errbuf_why(e, R_DUPLICATE, NULL, NULL) : code;
}

static int sq_exec(struct db *db, const char *sql, struct errbuf *e)
{
    char *msg = NULL;
    int rc = sqlite3_exec(handle(db), sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        errbuf_set(e, -ERR_DB, "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return -ERR_DB;
    }
    return 0;
}

/* The text SQLite prepares for sql: on PostgreSQL the keys of the tables to be distributed end
 * with tenant_id (migration 015, src/db/distribution.txt), so ON CONFLICT targets name it last;
 * SQLite, never distributed, kept its keys, so ", tenant_id" is dropped from the end of each
 * target "ON CONFLICT (...)" (and nowhere else). Done once per prepared statement; NULL when
 * sql needs no change, or out of memory (*ret_nomem). */
static char *single_tenant_sql(const char *sql, bool *ret_nomem)
{
    static const char target[] = "ON CONFLICT (", tenant[] = ", tenant_id";
    const size_t tl = sizeof(tenant) - 1;
    struct buf b = BUF_INIT;
    const char *p = sql, *q;
    bool changed = false;
    *ret_nomem = false;
    while ((q = strstr(p, target))) {
        const char *close = strchr(q, ')');
        if (!close)
            break;
        if ((size_t)(close - q) > sizeof(target) - 1 + tl && memcmp(close - tl, tenant, tl) == 0) {
            if (buf_add(&b, p, (size_t)(close - tl - p)) < 0)
                goto nomem;
            changed = true;
        } else if (buf_add(&b, p, (size_t)(close - p)) < 0) {
            goto nomem;
        }
        p = close;
    }
    if (!changed) {
        buf_release(&b);
        return NULL;
    }
    if (buf_addstr(&b, p) < 0)
        goto nomem;
    return buf_detach(&b);
nomem:
    buf_release(&b);
    *ret_nomem = true;
    return NULL;
}

static int sq_prepare(struct db *db, struct db_stmt *st, struct errbuf *e)
{
    struct sq_stmt *s = (struct sq_stmt *)st;
    bool nomem;
    char *own = single_tenant_sql(st->sql, &nomem);
    int rc;
    if (nomem)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    rc = sqlite3_prepare_v3(handle(db), own ? own : st->sql, -1, SQLITE_PREPARE_PERSISTENT, &s->h,
                            NULL);
    free(own);
    if (rc != SQLITE_OK)
        return sq_error(handle(db), rc, e, "prepare");
    for (int n = 1; n <= DB_PARAMS_MAX; n++) {
        char name[16];
        snprintf(name, sizeof(name), "$%d", n);
        s->map[n] = sqlite3_bind_parameter_index(s->h, name);
        if (s->map[n])
            s->nmap = n;
    }
    return 0;
}

static void sq_finalize(struct db_stmt *st)
{
    sqlite3_finalize(((struct sq_stmt *)st)->h);
}

static void sq_reset(struct db_stmt *st)
{
    struct sq_stmt *s = (struct sq_stmt *)st;
    sqlite3_reset(s->h);
    sqlite3_clear_bindings(s->h);
}

static int pidx(struct db_stmt *st, int idx)
{
    struct sq_stmt *s = (struct sq_stmt *)st;
    return idx >= 1 && idx <= DB_PARAMS_MAX ? s->map[idx] : 0;
}

static void sq_bind_int(struct db_stmt *st, int idx, long long v)
{
    sqlite3_bind_int64(((struct sq_stmt *)st)->h, pidx(st, idx), v);
}

static void sq_bind_double(struct db_stmt *st, int idx, double v)
{
    sqlite3_bind_double(((struct sq_stmt *)st)->h, pidx(st, idx), v);
}

static void sq_bind_text(struct db_stmt *st, int idx, const char *s)
{
    sqlite3_bind_text(((struct sq_stmt *)st)->h, pidx(st, idx), s, -1, SQLITE_TRANSIENT);
}

static void sq_bind_null(struct db_stmt *st, int idx)
{
    sqlite3_bind_null(((struct sq_stmt *)st)->h, pidx(st, idx));
}

static int sq_step(struct db_stmt *st, struct errbuf *e)
{
    struct sq_stmt *s = (struct sq_stmt *)st;
    int rc = sqlite3_step(s->h);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return sq_error(handle(st->db), rc, e, "sqlite");
}

static long long sq_col_int(struct db_stmt *st, int col)
{
    return sqlite3_column_int64(((struct sq_stmt *)st)->h, col);
}

static double sq_col_double(struct db_stmt *st, int col)
{
    return sqlite3_column_double(((struct sq_stmt *)st)->h, col);
}

static const char *sq_col_text(struct db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(((struct sq_stmt *)st)->h, col);
}

static int sq_col_null(struct db_stmt *st, int col)
{
    return sqlite3_column_type(((struct sq_stmt *)st)->h, col) == SQLITE_NULL;
}

static void sq_close(struct db *db)
{
    struct sq_db *sd = (struct sq_db *)db;
    if (sd->lock_fd >= 0)
        close(sd->lock_fd);
    sqlite3_close_v2(sd->h);
    free(sd->path);
    free(db);
}

/* One byte of "<path>-locks" per lock, under an open-file-description lock (F_OFD_SETLK):
 * held by this connection's descriptor, so two connections of one process exclude each other
 * too, and the kernel drops it when the descriptor closes or the process dies. */
static int lock_byte(struct db *db, long long key, short type, struct errbuf *e)
{
    struct sq_db *sd = (struct sq_db *)db;
    struct flock fl;
    memset(&fl, 0, sizeof(fl));
    if (sd->lock_fd < 0) {
        char file[4096];
        if (snprintf(file, sizeof(file), "%s-locks", sd->path) >= (int)sizeof(file))
            return errbuf_set(e, -ERR_INVALID, "database path too long for its locks file");
        if ((sd->lock_fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
            return errbuf_set(e, -ERR_IO, "cannot open '%s': %s", file, strerror(errno));
    }
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = (off_t)((unsigned long long)key % (1ull << 40));
    fl.l_len = 1;
    if (fcntl(sd->lock_fd, F_OFD_SETLK, &fl) == 0)
        return 1;
    if (errno == EAGAIN || errno == EACCES)
        return 0;
    return errbuf_set(e, -ERR_IO, "cannot lock '%s-locks': %s", sd->path, strerror(errno));
}

static int sq_try_lock(struct db *db, long long key, struct errbuf *e)
{
    const char *path = ((struct sq_db *)db)->path;
    if (!*path || strcmp(path, ":memory:") == 0)
        return 1; /* a private database: nobody else can run anything on it */
    return lock_byte(db, key, F_WRLCK, e);
}

static void sq_unlock(struct db *db, long long key)
{
    if (((struct sq_db *)db)->lock_fd >= 0)
        lock_byte(db, key, F_UNLCK, NULL);
}

static void sq_tune_bulk(struct db *db, bool on)
{
    sq_exec(db,
            on ? "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144"
               : "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-8192",
            NULL);
}

static int sq_last_id(struct db *db, long long *ret, struct errbuf *e)
{
    (void)e;
    *ret = sqlite3_last_insert_rowid(handle(db));
    return 0;
}

static long long sq_changes(struct db_stmt *st)
{
    return sqlite3_changes64(handle(st->db));
}

static const struct db_ops sq_ops = {
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_null = sq_col_null,
    .close = sq_close,
    .tune_bulk = sq_tune_bulk,
    .last_id = sq_last_id,
    .changes = sq_changes,
    .try_lock = sq_try_lock,
    .unlock = sq_unlock,
};

/* No global memory statistics: they take a process-wide mutex on every allocation. */
static void configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

size_t db_sqlite_stmt_size(void)
{
    return sizeof(struct sq_stmt);
}

int db_sqlite_open(const char *path, struct db **ret, struct errbuf *e)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct sq_db *db = calloc(1, sizeof(*db));
    int rc;
    pthread_once(&once, configure);
    if (!db || !(db->path = strdup(path))) {
        free(db);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    db->lock_fd = -1;
    rc = sqlite3_open_v2(path, &db->h,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        errbuf_set(e, -ERR_DB, "cannot open database '%s': %s", path,
                   db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        sqlite3_close_v2(db->h);
        free(db->path);
        free(db);
        return -ERR_DB;
    }
    db->base.ops = &sq_ops;
    db->base.backend = DB_SQLITE;
    sqlite3_busy_timeout(db->h, 10000);
    rc = sq_exec(&db->base,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                 " PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY;"
                 " PRAGMA wal_autocheckpoint=8192",
                 e);
    if (rc < 0) {
        errbuf_prefix(e, "cannot open database '%s'", path);
        sq_close(&db->base);
        return rc;
    }
    *ret = &db->base;
    return 0;
}

/* All pages in one step: one read transaction, so the copy is the database at one moment; in
 * WAL mode writers go on meanwhile. Written to dest.tmp and renamed, so dest is whole or
 * absent. */
int db_sqlite_backup(struct db *db, const char *dest, struct errbuf *e)
{
    char tmp[4096];
    sqlite3 *to = NULL;
    sqlite3_backup *b;
    int rc;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", dest) >= (int)sizeof(tmp))
        return errbuf_set(e, -ERR_INVALID, "path too long: '%.80s...'", dest);
    unlink(tmp);
    if (sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        rc = errbuf_set(e, -ERR_IO, "cannot create '%s': %s", tmp,
                        to ? sqlite3_errmsg(to) : "out of memory");
        sqlite3_close(to);
        return rc;
    }
    if (!(b = sqlite3_backup_init(to, "main", handle(db), "main"))) {
        rc = errbuf_set(e, -ERR_DB, "backup: %s", sqlite3_errmsg(to));
        goto fail;
    }
    rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        rc = errbuf_set(e, -ERR_DB, "backup: %s", sqlite3_errstr(rc));
        goto fail;
    }
    /* the copy is a plain file of its own (no WAL beside it) */
    if ((rc = sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL)) != SQLITE_OK) {
        rc = errbuf_set(e, -ERR_DB, "backup: %s", sqlite3_errmsg(to));
        goto fail;
    }
    if (sqlite3_close(to) != SQLITE_OK || rename(tmp, dest) != 0) {
        to = NULL;
        rc = errbuf_set(e, -ERR_IO, "cannot write '%s': %s", dest, strerror(errno));
        unlink(tmp);
        return rc;
    }
    return 0;
fail:
    sqlite3_close(to);
    unlink(tmp);
    return rc;
}
