/* Bulk writes (db.h: db_bulk_*). A backend with a bulk_flush (PostgreSQL) gets the rows as
 * COPY text, about 1 MB at a time; the others (SQLite) get one cached prepared INSERT a row,
 * inside the caller's transaction. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_impl.h"
#include "base/banned.h"

#define BULK_PIECE (1 << 20)

static void db_bulk_free(struct db_bulk *b)
{
    if (!b)
        return;
    db_done(b->insert);
    buf_release(&b->data);
    free(b->table);
    free(b->columns);
    free(b->unique);
    free(b);
}

/* The prepared INSERT of the row-at-a-time backends. */
static int prepare_insert(struct db_bulk *b, struct errbuf *e)
{
    struct buf sql = BUF_INIT;
    int rc = 0;
    buf_printf(&sql, "INSERT INTO %s(%s) VALUES(", b->table, b->columns);
    for (int i = 1; i <= b->ncols; i++)
        buf_printf(&sql, "%s$%d", i > 1 ? ", " : "", i);
    buf_addch(&sql, ')');
    if (b->unique)
        buf_printf(&sql, " ON CONFLICT (%s) DO NOTHING", b->unique);
    if (!sql.data)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    else
        rc = db_prepare(b->db, buf_str(&sql), &b->insert, e);
    buf_release(&sql);
    return rc;
}

int db_bulk_open(struct db *db, const char *table, const char *columns, const char *unique,
                 struct db_bulk **ret, struct errbuf *e)
{
    struct db_bulk *b = calloc(1, sizeof(*b));
    int rc;
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
    if (!db->ops->bulk_flush && (rc = prepare_insert(b, e)) < 0) {
        db_bulk_free(b);
        return rc;
    }
    *ret = b;
    return 0;
}

/* One value in COPY's text format: \N for NULL; backslash, tab, newline and CR escaped. */
static void copy_text(struct buf *out, const char *s)
{
    if (!s) {
        buf_addstr(out, "\\N");
        return;
    }
    for (; *s; s++) {
        const char *esc = *s == '\\'   ? "\\\\"
                          : *s == '\t' ? "\\t"
                          : *s == '\n' ? "\\n"
                          : *s == '\r' ? "\\r"
                                       : NULL;
        if (esc)
            buf_addstr(out, esc);
        else
            buf_addch(out, *s);
    }
}

static void copy_row(struct buf *out, const char *types, va_list ap)
{
    for (int i = 0; types[i]; i++) {
        if (i)
            buf_addch(out, '\t');
        switch (types[i]) {
        case 'i':
            buf_printf(out, "%lld", va_arg(ap, long long));
            break;
        case 'I': {
            long long v = va_arg(ap, long long);
            if (v)
                buf_printf(out, "%lld", v);
            else
                buf_addstr(out, "\\N");
            break;
        }
        case 'd': {
            double v = va_arg(ap, double);
            if (isnan(v))
                buf_addstr(out, "NaN");
            else if (isinf(v))
                buf_addstr(out, v > 0 ? "Infinity" : "-Infinity");
            else
                buf_printf(out, "%.17g", v);
            break;
        }
        case 't':
            copy_text(out, va_arg(ap, const char *));
            break;
        default:
            buf_addstr(out, "\\N");
            break;
        }
    }
    buf_addch(out, '\n');
}

int db_bulk_row(struct db_bulk *b, struct errbuf *e, const char *types, ...)
{
    va_list ap;
    int rc;
    if ((int)strlen(types) != b->ncols)
        return errbuf_set(e, -ERR_INTERNAL, "bulk write to %s: %zu values for %d columns",
                          b->table, strlen(types), b->ncols);
    va_start(ap, types);
    if (b->db->ops->bulk_flush) {
        size_t before = b->data.len;
        copy_row(&b->data, types, ap);
        va_end(ap);
        if (!b->data.data || b->data.len == before)
            return errbuf_set(e, -ERR_NOMEM, "out of memory");
        b->rows++;
        return b->data.len >= BULK_PIECE ? b->db->ops->bulk_flush(b, e) : 0;
    }
    for (int i = 0; types[i]; i++) {
        int idx = i + 1;
        switch (types[i]) {
        case 'i':
            db_bind_int(b->insert, idx, va_arg(ap, long long));
            break;
        case 'I': {
            long long v = va_arg(ap, long long);
            if (v)
                db_bind_int(b->insert, idx, v);
            else
                db_bind_null(b->insert, idx);
            break;
        }
        case 'd':
            db_bind_double(b->insert, idx, va_arg(ap, double));
            break;
        case 't':
            db_bind_text(b->insert, idx, va_arg(ap, const char *));
            break;
        default:
            db_bind_null(b->insert, idx);
            break;
        }
    }
    va_end(ap);
    if ((rc = db_step(b->insert, e)) < 0)
        return rc;
    b->written += b->db->ops->changes(b->insert);
    b->db->ops->reset(b->insert);
    b->insert->stepped = 0;
    b->rows++;
    return 0;
}

int db_bulk_close(struct db_bulk *b, long long *ret_written, struct errbuf *e)
{
    int rc = 0;
    if (b->db->ops->bulk_flush && b->data.len)
        rc = b->db->ops->bulk_flush(b, e);
    if (rc >= 0 && ret_written)
        *ret_written = b->written;
    db_bulk_free(b);
    return rc;
}
