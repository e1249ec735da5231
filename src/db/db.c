/* Backend-neutral parts of db.h: statement cache, binding helpers, transactions (the
 * migrations are in migrate.c). */
#include "db/db_impl.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/banned.h"

bool db_is_postgres_url(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

int db_open(const char *url, struct db **ret, struct errbuf *e)
{
    int rc;
    if (!url || !*url)
        return errbuf_set(e, -ERR_INVALID, "no database given");
    rc = db_is_postgres_url(url) ? db_pg_open(url, ret, e) : db_sqlite_open(url, ret, e);
    if (rc == 0 && !((*ret)->url = strdup(url))) {
        db_close(*ret);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    return rc;
}

const char *db_url(const struct db *db)
{
    return db->url;
}

/* The lock's number: FNV-1a of the name, 64 bits. */
static long long lock_key(const char *name)
{
    unsigned long long h = 14695981039346656037ull;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return (long long)h;
}

int db_try_lock(struct db *db, const char *name, struct errbuf *e)
{
    return db->ops->try_lock(db, lock_key(name), e);
}

void db_unlock(struct db *db, const char *name)
{
    db->ops->unlock(db, lock_key(name));
}

/* Hold row id of table until the transaction ends: a concurrent transaction doing the same
 * waits, then reads what this one committed (PostgreSQL runs READ COMMITTED, where two
 * transactions may both check a row before either writes it). SQLite: nothing to do, BEGIN
 * IMMEDIATE already made this connection the only writer. table must be a constant name of a
 * table with a tenant_id: the row is locked by its tenant too, because Citus locks rows only
 * in a statement it routes to one shard. */
int db_lock_row(struct db *db, const char *table, long long id, struct errbuf *e)
{
    char sql[128];
    long long tenant, found;
    int rc;
    if (db->backend == DB_SQLITE)
        return 0;
    snprintf(sql, sizeof(sql), "SELECT tenant_id FROM %s WHERE id = $1", table);
    if ((rc = db_query_int(db, e, &tenant, sql, "i", id)) <= 0)
        return rc;
    snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE id = $1 AND tenant_id = $2 FOR UPDATE",
             table);
    rc = db_query_int(db, e, &found, sql, "ii", id, tenant);
    return rc < 0 ? rc : 0;
}

int db_reserve_ids(struct db *db, const char *table, size_t n, long long *ids, struct errbuf *e)
{
    char sql[160];
    struct db_stmt *st;
    size_t got = 0;
    int rc;
    if (n == 0)
        return 0;
    if (db->backend == DB_SQLITE) {
        long long top = 0;
        snprintf(sql, sizeof(sql), "SELECT COALESCE(MAX(id), 0) FROM %s", table);
        if ((rc = db_query_int(db, e, &top, sql, "")) < 0)
            return rc;
        for (size_t i = 0; i < n; i++)
            ids[i] = top + 1 + (long long)i;
        return 0;
    }
    snprintf(sql, sizeof(sql),
             "SELECT nextval(pg_get_serial_sequence('%s', 'id')) FROM generate_series(1, $1)",
             table);
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, (long long)n);
    while ((rc = db_step(st, e)) == 1 && got < n)
        ids[got++] = db_col_int(st, 0);
    db_done(st);
    if (rc < 0)
        return rc;
    if (got != n)
        return errbuf_set(e, -ERR_INTERNAL, "%s: %zu of %zu ids reserved", table, got, n);
    return 0;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    for (int i = 0; i < DB_CACHE_SLOTS; i++) {
        struct db_stmt *st = db->cache[i], *next;
        for (; st; st = next) {
            next = st->next;
            db->ops->finalize(st);
            free(st->sql);
            free(st);
        }
    }
    free(db->url);
    db->ops->close(db);
}

bool db_lost(struct db *db)
{
    return db && db->ops->lost && db->ops->lost(db);
}

bool db_node_down(struct db *db)
{
    bool down = db && db->node_down;
    if (db)
        db->node_down = false;
    return down;
}

enum db_backend db_backend(const struct db *db)
{
    return db->backend;
}

int db_exec(struct db *db, const char *sql, struct errbuf *e)
{
    long long t0;
    int rc;
    if (!db_profile_on())
        return db->ops->exec(db, sql, e);
    t0 = db_profile_clock();
    rc = db->ops->exec(db, sql, e);
    db_profile_add(sql, db_profile_clock() - t0, 1);
    return rc;
}

int db_begin(struct db *db, struct errbuf *e)
{
    int rc;
    if (db->tx_depth != 0)
        return errbuf_set(e, -ERR_INTERNAL, "nested transaction");
    rc = db_exec(db, db->backend == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN", e);
    if (rc == 0) {
        db->tx_depth = 1;
        db->tx_marks = 0;
    }
    return rc;
}

/* Whether mark (a bit) is set for the first time in the current transaction; always true
 * outside one. A write that one transaction needs only once (a data version bumped for
 * 10,000 members created in it) asks this first: on PostgreSQL each UPDATE of the same row
 * in one transaction leaves a version that the next one walks past, so 10,000 of them cost
 * seconds instead of one. */
bool db_tx_first(struct db *db, unsigned mark)
{
    if (db->tx_depth <= 0)
        return true;
    if (db->tx_marks & mark)
        return false;
    db->tx_marks |= mark;
    return true;
}

int db_commit(struct db *db, struct errbuf *e)
{
    int rc = db_exec(db, "COMMIT", e);
    if (rc == 0)
        db->tx_depth = 0;
    return rc;
}

void db_rollback(struct db *db)
{
    if (db->tx_depth == 0)
        return;
    db_exec(db, "ROLLBACK", NULL);
    db->tx_depth = 0;
}

int db_read_begin(struct db *db, struct errbuf *e)
{
    int rc;
    if (db->backend != DB_SQLITE || db->tx_depth > 0)
        return 0;
    if ((rc = db_exec(db, "BEGIN", e)) == 0)
        db->tx_depth = -1; /* a read snapshot: db_begin inside it is refused like nesting */
    return rc;
}

void db_read_end(struct db *db)
{
    if (db->tx_depth == -1) {
        db_exec(db, "COMMIT", NULL);
        db->tx_depth = 0;
    }
}

bool db_in_tx(const struct db *db)
{
    return db->tx_depth > 0;
}

static unsigned hash_sql(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* A one-row INSERT ... VALUES (...) with nothing after the row (no RETURNING, no ON
 * CONFLICT): it changes exactly one row or fails, so db_run may queue it (db_pipeline). */
static int is_one_insert(const char *sql)
{
    const char *p = strstr(sql, " VALUES");
    int depth = 0;
    if (strncmp(sql, "INSERT INTO ", 12) != 0 || !p)
        return 0;
    for (p += 7; *p == ' ' || *p == '\n'; p++)
        ;
    if (*p != '(')
        return 0;
    for (; *p; p++) {
        if (*p == '\'') /* a quoted literal: skip to its end */
            while (p[1] && *++p != '\'')
                ;
        else if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            break;
    }
    if (!*p)
        return 0;
    for (p++; *p == ' ' || *p == '\n' || *p == ';'; p++)
        ;
    return *p == '\0';
}

static struct db_stmt *stmt_new(struct db *db, const char *sql, unsigned h, struct errbuf *e)
{
    size_t size = db->backend == DB_SQLITE ? db_sqlite_stmt_size() : db_pg_stmt_size();
    struct db_stmt *st = calloc(1, size);
    if (!st || !(st->sql = strdup(sql))) {
        free(st);
        errbuf_set(e, -ERR_NOMEM, "out of memory");
        return NULL;
    }
    st->db = db;
    st->hash = h;
    st->one_insert = is_one_insert(sql);
    if (db->ops->prepare(db, st, e) < 0) {
        free(st->sql);
        free(st);
        return NULL;
    }
    return st;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **ret, struct errbuf *e)
{
    /* fast path: the same SQL text at the same address as last time (string literals);
     * confirmed with strcmp, since a caller's buffer may hold other text later */
    size_t fast = ((size_t)(uintptr_t)sql >> 4) % DB_FAST_SLOTS;
    struct db_stmt *st = db->fast[fast];
    unsigned h;
    struct db_stmt **slot;
    if (st && st->sql_ptr == sql && !st->busy && strcmp(st->sql, sql) == 0) {
        st->busy = 1;
        *ret = st;
        return 0;
    }
    h = hash_sql(sql);
    slot = &db->cache[h % DB_CACHE_SLOTS];
    for (st = *slot; st; st = st->next)
        if (st->hash == h && !st->busy && strcmp(st->sql, sql) == 0)
            break;
    if (!st) {
        int in_use = 0;
        for (struct db_stmt *p = *slot; p; p = p->next)
            if (p->hash == h && strcmp(p->sql, sql) == 0)
                in_use = 1;
        if (!(st = stmt_new(db, sql, h, e)))
            return e ? e->code : -ERR_DB;
        /* a statement already running (nested use) gets a private copy freed by db_done */
        if (!in_use) {
            st->cached = 1;
            st->next = *slot;
            *slot = st;
        }
    }
    if (st->cached) {
        st->sql_ptr = sql;
        db->fast[fast] = st;
    }
    st->busy = 1;
    *ret = st;
    return 0;
}

void db_done(struct db_stmt *st)
{
    if (!st)
        return;
    st->db->ops->reset(st);
    st->busy = 0;
    st->stepped = 0;
    if (!st->cached) {
        st->db->ops->finalize(st);
        free(st->sql);
        free(st);
    }
}

void db_bind_int(struct db_stmt *st, int idx, long long v)
{
    st->db->ops->bind_int(st, idx, v);
}

void db_bind_double(struct db_stmt *st, int idx, double v)
{
    st->db->ops->bind_double(st, idx, v);
}

void db_bind_text(struct db_stmt *st, int idx, const char *s)
{
    if (s)
        st->db->ops->bind_text(st, idx, s);
    else
        st->db->ops->bind_null(st, idx);
}

void db_bind_null(struct db_stmt *st, int idx)
{
    st->db->ops->bind_null(st, idx);
}

static void bind_va(struct db_stmt *st, const char *types, va_list ap)
{
    for (int i = 0; types && types[i]; i++) {
        int idx = i + 1;
        switch (types[i]) {
        case 'i':
            db_bind_int(st, idx, va_arg(ap, long long));
            break;
        case 'I':
        case 'M': {
            long long v = va_arg(ap, long long);
            if (types[i] == 'I' ? v != 0 : v >= 0)
                db_bind_int(st, idx, v);
            else
                db_bind_null(st, idx);
            break;
        }
        case 'd':
            db_bind_double(st, idx, va_arg(ap, double));
            break;
        case 't':
            db_bind_text(st, idx, va_arg(ap, const char *));
            break;
        default:
            db_bind_null(st, idx);
            break;
        }
    }
}

void db_bindv(struct db_stmt *st, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    bind_va(st, types, ap);
    va_end(ap);
}

int db_step(struct db_stmt *st, struct errbuf *e)
{
    long long t0;
    int rc, first = !st->stepped;
    st->stepped = 1;
    if (!db_profile_on())
        return st->db->ops->step(st, e);
    t0 = db_profile_clock();
    rc = st->db->ops->step(st, e);
    db_profile_add(st->sql, db_profile_clock() - t0, first);
    return rc;
}

long long db_col_int(struct db_stmt *st, int col)
{
    return st->db->ops->col_int(st, col);
}

double db_col_double(struct db_stmt *st, int col)
{
    return st->db->ops->col_double(st, col);
}

const char *db_col_text(struct db_stmt *st, int col)
{
    const char *s = st->db->ops->col_text(st, col);
    return s ? s : "";
}

bool db_col_null(struct db_stmt *st, int col)
{
    return st->db->ops->col_null(st, col) != 0;
}

/* db_prepare, then bind the arguments by types. */
static int prepare_va(struct db *db, const char *sql, struct db_stmt **ret, struct errbuf *e,
                      const char *types, va_list ap)
{
    int rc = db_prepare(db, sql, ret, e);
    if (rc >= 0)
        bind_va(*ret, types, ap);
    return rc;
}

/* Queued statements only inside a transaction: in pipeline mode everything up to the next
 * wait would otherwise be one implicit transaction. */
static bool can_queue(const struct db *db)
{
    return db->pipeline && db->tx_depth > 0 && db->ops->queue;
}

static int queue(struct db_stmt *st, struct errbuf *e)
{
    long long t0;
    int rc;
    if (!db_profile_on())
        return st->db->ops->queue(st, e);
    t0 = db_profile_clock();
    rc = st->db->ops->queue(st, e);
    db_profile_add(st->sql, db_profile_clock() - t0, 1);
    return rc;
}

long long db_changes(struct db_stmt *st)
{
    return st->db->ops->changes(st);
}

int db_run(struct db *db, struct errbuf *e, const char *sql, const char *types, ...)
{
    struct db_stmt *st;
    va_list ap;
    int rc, rows = 0;
    va_start(ap, types);
    rc = prepare_va(db, sql, &st, e, types, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    if (st->one_insert && can_queue(db)) {
        rc = queue(st, e);
        db_done(st);
        return rc < 0 ? rc : 1;
    }
    while ((rc = db_step(st, e)) == 1)
        rows++;
    if (rc == 0 && rows == 0)
        rows = (int)st->db->ops->changes(st);
    db_done(st);
    return rc < 0 ? rc : rows;
}

bool db_pipeline(struct db *db, bool on)
{
    bool was = db->pipeline;
    db->pipeline = on;
    return was;
}

int db_queue(struct db *db, struct errbuf *e, const char *sql, const char *types, ...)
{
    struct db_stmt *st;
    va_list ap;
    int rc;
    va_start(ap, types);
    rc = prepare_va(db, sql, &st, e, types, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    if (can_queue(db))
        rc = queue(st, e);
    else
        while ((rc = db_step(st, e)) == 1)
            ;
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* db_queue for a statement the caller prepared and bound (a multi-row INSERT built row by
 * row): sent without waiting when pipelining allows, else run to its end. The caller still
 * calls db_done. */
int db_send(struct db_stmt *st, struct errbuf *e)
{
    int rc;
    if (can_queue(st->db))
        return queue(st, e);
    while ((rc = db_step(st, e)) == 1)
        ;
    return rc < 0 ? rc : 0;
}

int db_query_int(struct db *db, struct errbuf *e, long long *ret, const char *sql,
                 const char *types, ...)
{
    struct db_stmt *st;
    va_list ap;
    int rc;
    va_start(ap, types);
    rc = prepare_va(db, sql, &st, e, types, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    rc = db_step(st, e);
    if (rc == 1)
        *ret = db_col_null(st, 0) ? 0 : db_col_int(st, 0);
    db_done(st);
    return rc;
}

int db_last_id(struct db *db, long long *ret, struct errbuf *e)
{
    return db->ops->last_id(db, ret, e);
}

int db_find_id(struct db *db, const char *sql, const char *key, const char *not_found,
               long long *ret, struct errbuf *e)
{
    long long id = 0;
    int rc = db_query_int(db, e, &id, sql, "t", key);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_set(e, -ERR_NOTFOUND, not_found, key);
    *ret = id;
    return 0;
}

int db_analyze(struct db *db, const char *tables, struct errbuf *e)
{
    struct buf sql = BUF_INIT;
    int rc;
    if (db->backend != DB_POSTGRES)
        return 0;
    if (buf_printf(&sql, "ANALYZE %s", tables) < 0)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    rc = db_exec(db, buf_str(&sql), e);
    buf_release(&sql);
    return rc;
}

void db_tune_bulk(struct db *db, bool on)
{
    if (db->ops->tune_bulk)
        db->ops->tune_bulk(db, on);
}

int db_plan_each(struct db *db, bool on, struct errbuf *e)
{
    if (db->backend != DB_POSTGRES)
        return 0;
    return db_exec(db, on ? "SET LOCAL plan_cache_mode = force_custom_plan"
                          : "SET LOCAL plan_cache_mode = auto", e);
}
