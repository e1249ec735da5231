/* The SQL connector (feed_sql.h), with libpq. */
#include "ingest/feed_sql.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/banned.h"

#define SQL_MAX (64 * 1024)

struct feed_sql {
    PGconn *conn;
    bool sent;                      /* a page's query is out: feed_sql_take reads it */
    const char *cols[FF__COUNT];    /* the columns it selects, in order */
    int ncols;
};

/* libpq's message, first line only: some messages quote connection parameters further on */
static int fail(struct errbuf *e, const char *what, const char *msg)
{
    char line[300];
    size_t n = strcspn(msg ? msg : "", "\n");
    snprintf(line, sizeof(line), "%.*s", (int)(n < 280 ? n : 280), msg ? msg : "");
    return errbuf_set(e, -ERR_IO, "%s: %s", what, line[0] ? line : "unknown error");
}

int feed_sql_open(const char *url, struct feed_sql **ret, struct errbuf *e)
{
    static const char *const keys[] = {"dbname", "connect_timeout", "application_name",
                                       "options", NULL};
    const char *vals[] = {url, "10", "dangjian-feed",
                          "-c statement_timeout=60000 -c default_transaction_read_only=on",
                          NULL};
    struct feed_sql *s = calloc(1, sizeof(*s));
    if (!s)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    if (strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0) {
        free(s);
        return errbuf_set(e, -ERR_INVALID, "the connection must be a postgresql:// URL");
    }
    s->conn = PQconnectdbParams(keys, vals, 1);
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
        int rc = fail(e, "cannot connect to the feed's database",
                      s->conn ? PQerrorMessage(s->conn) : "out of memory");
        feed_sql_close(s);
        return rc;
    }
    *ret = s;
    return 0;
}

void feed_sql_close(struct feed_sql *s)
{
    if (!s)
        return;
    if (s->conn)
        PQfinish(s->conn);
    free(s);
}

static int plain(const char *s, size_t n)
{
    if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

int feed_sql_check_target(const char *target, struct errbuf *e)
{
    const char *dot = target ? strchr(target, '.') : NULL;
    if (target && (dot ? plain(target, (size_t)(dot - target)) && plain(dot + 1, strlen(dot + 1))
                       : plain(target, strlen(target))))
        return 0;
    return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "target", target,
                        "target must be a table or view name ('name' or 'schema.name')");
}

/* Append the quoted identifier (name is a checked plain one; quoting keeps its case). */
static int add_ident(struct feed_sql *s, struct buf *b, const char *name, size_t n)
{
    char *q = PQescapeIdentifier(s->conn, name, n);
    int rc;
    if (!q)
        return -ERR_NOMEM;
    rc = buf_addstr(b, q);
    PQfreemem(q);
    return rc;
}

static int add_target(struct feed_sql *s, struct buf *b, const char *target)
{
    const char *dot = strchr(target, '.');
    int rc;
    if (!dot)
        return add_ident(s, b, target, strlen(target));
    if ((rc = add_ident(s, b, target, (size_t)(dot - target))) < 0 || (rc = buf_addch(b, '.')) < 0)
        return rc;
    return add_ident(s, b, dot + 1, strlen(dot + 1));
}

/* SELECT the mapped columns (each once) ... WHERE (updated_at, id) > ($1, $2) ORDER BY ...:
 * the row comparison gives the parameters the columns' types, whatever they are. */
static int build(struct feed_sql *s, const char *target, const struct feed_map *m, bool after,
                 long limit, struct buf *b, const char **cols, int *ret_ncols)
{
    int rc = buf_addstr(b, "SELECT "), n = 0;
    const char *upd = feed_map_column(m, FF_UPDATED_AT), *id = feed_map_column(m, FF_ID);
    for (int f = 0; f < FF__COUNT && rc >= 0; f++) {
        const char *c = feed_map_column(m, (enum feed_field)f);
        int seen = 0;
        if (!c)
            continue;
        for (int j = 0; j < n; j++)
            seen |= strcmp(cols[j], c) == 0;
        if (seen)
            continue;
        cols[n++] = c;
        if ((rc = buf_addstr(b, n > 1 ? ", " : "")) >= 0)
            rc = add_ident(s, b, c, strlen(c));
    }
    if (rc >= 0 && (rc = buf_addstr(b, " FROM ")) >= 0)
        rc = add_target(s, b, target);
    if (rc >= 0 && after && (rc = buf_addstr(b, " WHERE (")) >= 0 &&
        (rc = add_ident(s, b, upd, strlen(upd))) >= 0 && (rc = buf_addstr(b, ", ")) >= 0 &&
        (rc = add_ident(s, b, id, strlen(id))) >= 0)
        rc = buf_addstr(b, ") > ($1, $2)");
    if (rc >= 0 && (rc = buf_addstr(b, " ORDER BY ")) >= 0 &&
        (rc = add_ident(s, b, upd, strlen(upd))) >= 0 && (rc = buf_addstr(b, ", ")) >= 0 &&
        (rc = add_ident(s, b, id, strlen(id))) >= 0)
        rc = buf_printf(b, " LIMIT %ld", limit);
    *ret_ncols = n;
    return rc;
}

int feed_sql_send(struct feed_sql *s, const char *target, const struct feed_map *m,
                  const char *mark_time, const char *mark_id, long limit, struct errbuf *e)
{
    struct buf b;
    const char *params[2] = {mark_time, mark_id};
    bool after = mark_time[0] || mark_id[0];
    int rc;
    if (s->sent)
        return errbuf_set(e, -ERR_INTERNAL, "a feed page is already being read");
    buf_init(&b, SQL_MAX);
    if ((rc = build(s, target, m, after, limit, &b, s->cols, &s->ncols)) < 0) {
        buf_release(&b);
        return errbuf_set(e, rc, "cannot build the feed's query");
    }
    rc = PQsendQueryParams(s->conn, buf_str(&b), after ? 2 : 0, NULL, after ? params : NULL,
                           NULL, NULL, 0);
    buf_release(&b);
    if (rc != 1)
        return fail(e, "cannot read the feed's table", PQerrorMessage(s->conn));
    s->sent = true;
    return 0;
}

int feed_sql_take(struct feed_sql *s, json_t **ret_rows, struct errbuf *e)
{
    PGresult *res, *more;
    json_t *rows;
    int rc = 0;
    if (!s->sent)
        return errbuf_set(e, -ERR_INTERNAL, "no feed page is being read");
    s->sent = false;
    res = PQgetResult(s->conn);
    while ((more = PQgetResult(s->conn))) /* the end of the query (NULL) frees the connection */
        PQclear(more);
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = fail(e, "cannot read the feed's table", PQerrorMessage(s->conn));
        PQclear(res);
        return rc;
    }
    rows = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *row = json_object();
        for (int j = 0; j < s->ncols; j++)
            json_object_set_new(row, s->cols[j],
                                PQgetisnull(res, i, j) ? json_null()
                                                       : json_string(PQgetvalue(res, i, j)));
        json_array_append_new(rows, row);
    }
    PQclear(res);
    *ret_rows = rows;
    return 0;
}
