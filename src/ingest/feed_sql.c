/* The SQL connector (feed_sql.h), with libpq. */
#include "ingest/feed_sql.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/banned.h"

#define SQL_MAX (64 * 1024)
#define AHEAD 2 /* pages read and waiting to be stored, at most */

/* A page handed from the reader to the caller, or the reader's error (rc < 0). */
struct slot {
    struct feed_sql_page page;
    int rc;
    struct errbuf err;
};

struct feed_sql {
    PGconn *conn;
    PGcancel *cancel;               /* made before the reader starts: used while it reads */
    const char *cols[FF__COUNT];    /* the columns it selects, in order */
    int ncols;
    int col_time, col_id;           /* the watermark columns' places in cols */
    int at[FF__COUNT];              /* each field's place in cols, or -1 */
    /* what the reader reads (feed_sql_start) */
    char *target;
    const struct feed_map *map;
    int min_month;
    long limit, max_pages;
    char mark_time[FEED_MARK_TIME_MAX], mark_id[FEED_MARK_ID_MAX];
    /* between the reader and the caller, under mu */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct slot q[AHEAD];
    size_t head, count;
    bool done, stop; /* the reader has finished; the caller wants no more */
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
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0) {
        feed_sql_close(s);
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

/* Stop the reader: no more pages wanted, a query still running cancelled. */
static void stop_reader(struct feed_sql *s)
{
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->cancel) {
        char buf[256];
        PQcancel(s->cancel, buf, (int)sizeof(buf));
    }
    pthread_join(s->thread, NULL);
    s->started = false;
}

void feed_sql_close(struct feed_sql *s)
{
    if (!s)
        return;
    if (s->started)
        stop_reader(s);
    for (; s->count; s->count--, s->head = (s->head + 1) % AHEAD)
        feed_sql_page_free(&s->q[s->head].page);
    if (s->cancel)
        PQfreeCancel(s->cancel);
    if (s->conn)
        PQfinish(s->conn);
    free(s->target);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
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

/* Send the query of the page after (t, id) ("" and "": from the first row). */
static int send_page(struct feed_sql *s, const char *t, const char *id, struct errbuf *e)
{
    struct buf b;
    const char *params[2] = {t, id}, *cols[FF__COUNT]; /* as feed_sql_start found them */
    bool after = t[0] || id[0];
    int rc, ncols;
    buf_init(&b, SQL_MAX);
    if ((rc = build(s, s->target, s->map, after, s->limit, &b, cols, &ncols)) < 0) {
        buf_release(&b);
        return errbuf_set(e, rc, "cannot build the feed's query");
    }
    rc = PQsendQueryParams(s->conn, buf_str(&b), after ? 2 : 0, NULL, after ? params : NULL,
                           NULL, NULL, 0);
    buf_release(&b);
    if (rc != 1)
        return fail(e, "cannot read the feed's table", PQerrorMessage(s->conn));
    return 0;
}

/* The result of the query sent (the connection is free again after it). */
static int take_page(struct feed_sql *s, PGresult **ret, struct errbuf *e)
{
    PGresult *res = PQgetResult(s->conn), *more;
    int rc;
    while ((more = PQgetResult(s->conn))) /* the end of the query (NULL) frees the connection */
        PQclear(more);
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = fail(e, "cannot read the feed's table", PQerrorMessage(s->conn));
        PQclear(res);
        return rc;
    }
    *ret = res;
    return 0;
}

/* The page's watermark: its last row's (updated_at, id). */
static int page_mark(const struct feed_sql *s, const PGresult *res, struct feed_sql_page *p,
                     struct errbuf *e)
{
    int last = PQntuples(res) - 1;
    const char *tc = feed_map_column(s->map, FF_UPDATED_AT), *ic = feed_map_column(s->map, FF_ID);
    if (PQgetisnull(res, last, s->col_time) || PQgetisnull(res, last, s->col_id))
        /* NULLs would stop the watermark: the table breaks the contract */
        return errbuf_set(e, -ERR_INVALID, "the feed's table has a row with a NULL %s or %s", tc,
                          ic);
    if (PQgetlength(res, last, s->col_time) >= FEED_MARK_TIME_MAX ||
        PQgetlength(res, last, s->col_id) >= FEED_MARK_ID_MAX)
        return errbuf_set(e, -ERR_INVALID,
                          "the feed's table has a %s longer than %d or an %s longer than %d"
                          " bytes",
                          tc, FEED_MARK_TIME_MAX - 1, ic, FEED_MARK_ID_MAX - 1);
    snprintf(p->mark_time, sizeof(p->mark_time), "%s", PQgetvalue(res, last, s->col_time));
    snprintf(p->mark_id, sizeof(p->mark_id), "%s", PQgetvalue(res, last, s->col_id));
    return 0;
}

/* Map the result's rows into the page (which takes res). */
static int page_rows(const struct feed_sql *s, PGresult *res, struct feed_sql_page *p,
                     struct errbuf *e)
{
    size_t n = (size_t)PQntuples(res);
    p->res = res;
    p->from = s;
    if (n && !(p->rows = malloc(n * sizeof(*p->rows))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *text[FF__COUNT];
        for (int f = 0; f < FF__COUNT; f++)
            text[f] = s->at[f] < 0 || PQgetisnull(res, (int)i, s->at[f])
                          ? NULL
                          : PQgetvalue(res, (int)i, s->at[f]);
        feed_map_texts(s->map, text, s->min_month, &p->rows[i]);
    }
    p->n = n;
    return 0;
}

json_t *feed_sql_page_raw(const struct feed_sql_page *p, size_t i)
{
    const PGresult *res = p->res;
    json_t *row = json_object();
    for (int j = 0; j < p->from->ncols; j++)
        json_object_set_new(row, p->from->cols[j],
                            PQgetisnull(res, (int)i, j) ? json_null()
                                                        : json_string(PQgetvalue(res, (int)i, j)));
    return row;
}

void feed_sql_page_free(struct feed_sql_page *p)
{
    free(p->rows);
    PQclear(p->res);
    p->rows = NULL;
    p->res = NULL;
    p->n = 0;
}

/* Hand a page (or an error) to the caller, waiting while AHEAD pages wait already. Returns
 * false when the caller stopped (the slot's rows are dropped). */
static bool push(struct feed_sql *s, struct slot *x)
{
    bool kept;
    pthread_mutex_lock(&s->mu);
    while (s->count == AHEAD && !s->stop)
        pthread_cond_wait(&s->cv, &s->mu);
    if ((kept = !s->stop)) {
        s->q[(s->head + s->count) % AHEAD] = *x;
        s->count++;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    if (!kept)
        feed_sql_page_free(&x->page);
    return kept;
}

/* The reader: each page's query goes out as soon as the page before is in (its watermark is
 * that page's last row), and the page is made into rows while the database reads the next. */
static void *reader(void *arg)
{
    struct feed_sql *s = arg;
    struct slot x;
    struct errbuf ne = ERRBUF_INIT; /* the next query's error */
    int next = send_page(s, s->mark_time, s->mark_id, &ne);
    for (long page = 0;; page++) {
        PGresult *res = NULL;
        memset(&x, 0, sizeof(x));
        if ((x.rc = next) < 0)
            x.err = ne;
        else
            x.rc = take_page(s, &res, &x.err);
        if (x.rc >= 0 && PQntuples(res) > 0)
            x.rc = page_mark(s, res, &x.page, &x.err);
        if (x.rc >= 0) {
            x.page.more = PQntuples(res) == s->limit && page + 1 < s->max_pages;
            if (x.page.more)
                next = send_page(s, x.page.mark_time, x.page.mark_id, &ne);
            x.rc = page_rows(s, res, &x.page, &x.err);
            res = NULL; /* the page's */
            if (x.rc < 0) {
                feed_sql_page_free(&x.page);
                x.page.more = false;
            }
        }
        PQclear(res);
        /* a page whose next query failed is still stored: the error comes after it */
        if (!push(s, &x) || !x.page.more)
            break;
    }
    pthread_mutex_lock(&s->mu);
    s->done = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int feed_sql_start(struct feed_sql *s, const char *target, const struct feed_map *m,
                   int min_month, const char *mark_time, const char *mark_id, long limit,
                   long max_pages, struct errbuf *e)
{
    struct buf b;
    int rc;
    if (s->started || s->done)
        return errbuf_set(e, -ERR_INTERNAL, "the feed is being read already");
    if (limit < 1 || max_pages < 1 || strlen(mark_time) >= sizeof(s->mark_time) ||
        strlen(mark_id) >= sizeof(s->mark_id))
        return errbuf_set(e, -ERR_INTERNAL, "invalid feed page or watermark");
    if (!(s->target = strdup(target)))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    s->map = m;
    s->min_month = min_month;
    s->limit = limit;
    s->max_pages = max_pages;
    snprintf(s->mark_time, sizeof(s->mark_time), "%s", mark_time);
    snprintf(s->mark_id, sizeof(s->mark_id), "%s", mark_id);
    /* the columns and the watermark's places in them, before the reader runs */
    buf_init(&b, SQL_MAX);
    rc = build(s, target, m, false, limit, &b, s->cols, &s->ncols);
    buf_release(&b);
    if (rc < 0)
        return errbuf_set(e, rc, "cannot build the feed's query");
    for (int f = 0; f < FF__COUNT; f++) {
        const char *c = feed_map_column(m, (enum feed_field)f);
        s->at[f] = -1;
        for (int j = 0; c && j < s->ncols; j++)
            if (strcmp(s->cols[j], c) == 0)
                s->at[f] = j;
    }
    s->col_time = s->at[FF_UPDATED_AT];
    s->col_id = s->at[FF_ID];
    if (s->col_time < 0 || s->col_id < 0)
        return errbuf_set(e, -ERR_INTERNAL, "the feed's query lacks its watermark columns");
    s->cancel = PQgetCancel(s->conn);
    if (pthread_create(&s->thread, NULL, reader, s) != 0)
        return errbuf_set(e, -ERR_INTERNAL, "cannot start the feed's reader");
    s->started = true;
    return 0;
}

int feed_sql_next(struct feed_sql *s, struct feed_sql_page *out, struct errbuf *e)
{
    struct slot x;
    if (!s->started)
        return errbuf_set(e, -ERR_INTERNAL, "the feed is not being read");
    pthread_mutex_lock(&s->mu);
    while (s->count == 0 && !s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    if (s->count == 0) {
        pthread_mutex_unlock(&s->mu);
        return errbuf_set(e, -ERR_INTERNAL, "the feed's reader has no more pages");
    }
    x = s->q[s->head];
    s->head = (s->head + 1) % AHEAD;
    s->count--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (x.rc < 0) {
        *e = x.err;
        return x.rc;
    }
    *out = x.page;
    return 0;
}
