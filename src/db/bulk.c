/* Bulk writes (db.h: db_bulk_*). A backend with a bulk_flush (PostgreSQL) gets the rows as
 * COPY text, about 1 MB at a time; the others (SQLite) get multi-row INSERTs of up to 160 values
 * (one statement for many rows saves most of SQLite's per-statement cost), cached prepared
 * statements inside the caller's transaction. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "db/db_impl.h"
#include "base/banned.h"

#define BULK_PIECE (1 << 20)

#define CHUNK_ROWS 64
#define CHUNK_PARAMS DB_PARAMS_MAX

static void clear_pending(struct db_bulk *b)
{
    for (int i = 0; i < b->npend * b->ncols; i++) {
        free(b->pend[i].t);
        b->pend[i].t = NULL;
    }
    b->npend = 0;
}

static void db_bulk_free(struct db_bulk *b)
{
    if (!b)
        return;
    if (b->pend)
        clear_pending(b);
    free(b->pend);
    free(b->chunk_sql);
    buf_release(&b->data);
    free(b->table);
    free(b->columns);
    free(b->unique);
    free(b);
}

/* The multi-row INSERT of n rows (a new string, NULL when out of memory). */
static char *insert_sql(const struct db_bulk *b, int n)
{
    struct buf sql = BUF_INIT;
    char num[16];
    int k = 0;
    buf_printf(&sql, "INSERT INTO %s(%s) VALUES", b->table, b->columns);
    for (int r = 0; r < n; r++) {
        buf_addstr(&sql, r ? ", (" : " (");
        for (int c = 1; c <= b->ncols; c++) {
            size_t len = (size_t)snprintf(num, sizeof(num), "$%d", ++k);
            if (c > 1)
                buf_add(&sql, ", ", 2);
            buf_add(&sql, num, len);
        }
        buf_addch(&sql, ')');
    }
    if (b->unique)
        buf_printf(&sql, " ON CONFLICT (%s) DO NOTHING", b->unique);
    return sql.data ? buf_detach(&sql) : NULL;
}

/* INSERT the waiting rows in one statement (SQLite), adding the rows it wrote. A whole chunk's
 * statement text is made once per bulk write (the prepared statement is cached by its text). */
static int insert_pending(struct db_bulk *b, struct errbuf *e)
{
    struct db_stmt *st;
    char *own = NULL;
    const char *sql;
    int rc;
    if (!b->npend)
        return 0;
    if (b->npend == b->chunk && !b->chunk_sql)
        b->chunk_sql = insert_sql(b, b->npend);
    sql = b->npend == b->chunk ? b->chunk_sql : (own = insert_sql(b, b->npend));
    if (!sql)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    else
        rc = db_prepare(b->db, sql, &st, e);
    free(own);
    if (rc < 0)
        return rc;
    for (int i = 0; i < b->npend * b->ncols; i++) {
        const struct db_bulk_val *v = &b->pend[i];
        if (v->type == 'i')
            db_bind_int(st, i + 1, v->i);
        else if (v->type == 'd')
            db_bind_double(st, i + 1, v->d);
        else if (v->type == 't')
            db_bind_text(st, i + 1, v->t);
        else
            db_bind_null(st, i + 1);
    }
    if ((rc = db_step(st, e)) >= 0)
        b->written += b->db->ops->changes(st);
    db_done(st);
    clear_pending(b);
    return rc < 0 ? rc : 0;
}

int db_bulk_open(struct db *db, const char *table, const char *columns, const char *unique,
                 struct db_bulk **ret, struct errbuf *e)
{
    struct db_bulk *b = calloc(1, sizeof(*b));
    if (!db_in_tx(db)) {
        free(b);
        return errbuf_set(e, -ERR_INTERNAL, "bulk write to %s outside a transaction", table);
    }
    if (!b || !(b->table = strdup(table)) || !(b->columns = strdup(columns)) ||
        (unique && !(b->unique = strdup(unique)))) {
        db_bulk_free(b);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    b->db = db;
    b->ncols = 1;
    for (const char *p = columns; *p; p++)
        b->ncols += *p == ',';
    if (!db->ops->bulk_flush) {
        b->chunk = CHUNK_PARAMS / b->ncols < CHUNK_ROWS ? CHUNK_PARAMS / b->ncols : CHUNK_ROWS;
        int code = b->chunk < 1 ? -ERR_INTERNAL : -ERR_NOMEM;
        if (b->chunk < 1 ||
            !(b->pend = calloc((size_t)b->chunk * (size_t)b->ncols, sizeof(*b->pend)))) {
            db_bulk_free(b);
            return errbuf_set(e, code, "bulk write to %s: cannot hold a row", table);
        }
    }
    *ret = b;
    return 0;
}

/* One value in COPY's text format: \N for NULL; backslash, tab, newline and CR escaped. */
static void copy_text(struct buf *out, const char *s)
{
    if (!s) {
        buf_add(out, "\\N", 2);
        return;
    }
    while (*s) {
        size_t plain = strcspn(s, "\\\t\n\r"); /* copied as they are, in one piece */
        if (plain)
            buf_add(out, s, plain);
        s += plain;
        if (!*s)
            break;
        buf_add(out, *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : "\\r", 2);
        s++;
    }
}

/* A whole number in decimal: the rows of a bulk write are mostly numbers, and printf's
 * parsing of its format was a good part of writing them. */
static void copy_int(struct buf *out, long long v)
{
    char digits[24], *p = digits + sizeof(digits);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    buf_add(out, p, (size_t)(digits + sizeof(digits) - p));
}

static void copy_row(struct buf *out, const char *types, va_list ap)
{
    for (int i = 0; types[i]; i++) {
        if (i)
            buf_addch(out, '\t');
        switch (types[i]) {
        case 'i':
            copy_int(out, va_arg(ap, long long));
            break;
        case 'I':
        case 'M': {
            long long v = va_arg(ap, long long);
            if (types[i] == 'I' ? v != 0 : v >= 0)
                copy_int(out, v);
            else
                buf_add(out, "\\N", 2);
            break;
        }
        case 'd': {
            double v = va_arg(ap, double);
            if (isnan(v))
                buf_addstr(out, "NaN");
            else if (isinf(v))
                buf_addstr(out, v > 0 ? "Infinity" : "-Infinity");
            else if (fabs(v) < 9007199254740992.0 && v == (double)(long long)v &&
                     !(v == 0 && signbit(v)))
                copy_int(out, (long long)v); /* exactly the same float8 */
            else
                buf_printf(out, "%.17g", v);
            break;
        }
        case 't':
            copy_text(out, va_arg(ap, const char *));
            break;
        default:
            buf_add(out, "\\N", 2);
            break;
        }
    }
    buf_addch(out, '\n');
}

#ifdef DJ_UNITTEST
void db_bulk_copy_row_test(struct buf *out, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    copy_row(out, types, ap);
    va_end(ap);
}
#endif

/* The backend's flush, in the statement profile as "bulk: TABLE". */
static int flush(struct db_bulk *b, struct errbuf *e)
{
    char label[96];
    long long t0;
    int rc;
    if (!db_profile_on())
        return b->db->ops->bulk_flush(b, e);
    t0 = db_profile_clock();
    rc = b->db->ops->bulk_flush(b, e);
    snprintf(label, sizeof(label), "bulk: %s", b->table);
    db_profile_add(label, db_profile_clock() - t0, 1);
    return rc;
}

int db_bulk_row(struct db_bulk *b, struct errbuf *e, const char *types, ...)
{
    va_list ap;
    int rc = 0;
    if ((int)strlen(types) != b->ncols)
        return errbuf_set(e, -ERR_INTERNAL, "bulk write to %s: %zu values for %d columns", b->table,
                          strlen(types), b->ncols);
    va_start(ap, types);
    if (b->db->ops->bulk_flush) {
        size_t before = b->data.len;
        copy_row(&b->data, types, ap);
        va_end(ap);
        if (!b->data.data || b->data.len == before)
            return errbuf_set(e, -ERR_NOMEM, "out of memory");
        b->rows++;
        return b->data.len >= BULK_PIECE && !b->unique ? flush(b, e) : 0;
    }
    for (int i = 0; types[i]; i++) {
        struct db_bulk_val *v = &b->pend[b->npend * b->ncols + i];
        v->type = types[i] == 'I' || types[i] == 'M' ? 'i' : types[i];
        switch (types[i]) {
        case 'i':
            v->i = va_arg(ap, long long);
            break;
        case 'I':
            if (!(v->i = va_arg(ap, long long)))
                v->type = 'n';
            break;
        case 'M':
            if ((v->i = va_arg(ap, long long)) < 0)
                v->type = 'n';
            break;
        case 'd':
            v->d = va_arg(ap, double);
            break;
        case 't': {
            const char *t = va_arg(ap, const char *);
            if (!t)
                v->type = 'n';
            else if (!(v->t = strdup(t)))
                rc = -ERR_NOMEM;
            break;
        }
        default:
            v->type = 'n';
            break;
        }
    }
    va_end(ap);
    b->npend++;
    b->rows++;
    if (rc < 0)
        return errbuf_set(e, rc, "out of memory");
    return b->npend == b->chunk ? insert_pending(b, e) : 0;
}

int db_bulk_close(struct db_bulk *b, long long *ret_written, struct errbuf *e)
{
    int rc = 0;
    if (b->db->ops->bulk_flush && b->data.len)
        rc = flush(b, e);
    else if (!b->db->ops->bulk_flush)
        rc = insert_pending(b, e);
    if (rc >= 0 && ret_written)
        *ret_written = b->written;
    db_bulk_free(b);
    return rc;
}

char *db_sql_in(const char *prefix, int first, int count, const char *suffix)
{
    struct buf b = BUF_INIT;
    buf_addstr(&b, prefix);
    buf_addstr(&b, " IN (");
    for (int i = 0; i < count; i++)
        buf_printf(&b, "%s$%d", i ? ", " : "", first + i);
    buf_addch(&b, ')');
    buf_addstr(&b, suffix);
    return buf_detach(&b);
}

int db_bulk_end(struct db_bulk *b, int rc, struct errbuf *e)
{
    struct errbuf ignored = ERRBUF_INIT;
    int closed = db_bulk_close(b, NULL, rc < 0 ? &ignored : e);
    return rc < 0 ? rc : closed;
}
