/* PostgreSQL backend through libpq. Statements are prepared once per connection under a
 * generated name; parameters travel as text and the server infers their types. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "db/db_impl.h"
#include "db/postgres_impl.h"
#include "base/banned.h"

/* Queued statements collected at the latest after this many: their answers must not fill the
 * socket buffers while libpq writes in blocking mode. */
#define MAX_QUEUED 1000

struct pg_stmt {
    struct db_stmt base;
    char name[24];
    int nparams;
    char *vals[DB_PARAMS_MAX];
    PGresult *res;
    int row, nrows;
};

PGconn *pg_handle(struct db *db)
{
    return ((struct pg_db *)db)->h;
}

/* Whether SQLSTATE state (or the connection's status) says the server is gone or cannot take
 * this work now: the connection lost (class 08), the server shutting down or starting
 * (57P01-57P03), or a server that is read-only since a failover demoted it (25006). */
static int unavailable(const char *state, PGconn *h)
{
    if (PQstatus(h) != CONNECTION_OK)
        return 1;
    return state && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
                     strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0 ||
                     strcmp(state, "25006") == 0);
}

/* Whether the error comes from a node behind the server, the connection to it being up: a
 * Citus coordinator that cannot reach a worker. Citus says so with class 08 ("connection to
 * the remote node ... failed", 08006) or, when a worker's connection that the transaction had
 * already used fails, with "failure on connection marked as essential", which has no SQLSTATE
 * of its own (XX000). */
static bool behind_down(PGresult *res, const char *state, PGconn *h)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (PQstatus(h) != CONNECTION_OK || !state)
        return false;
    return strncmp(state, "08", 2) == 0 ||
           (strcmp(state, "XX000") == 0 && msg &&
            strncmp(msg, "failure on connection marked as essential", 41) == 0);
}

int pg_error(PGresult *res, struct db *db, struct errbuf *e, const char *what)
{
    PGconn *h = pg_handle(db);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int code = -ERR_DB;
    char msg[400];
    if (behind_down(res, state, h)) {
        code = -ERR_UNAVAILABLE;
        db->node_down = true;
    } else if (unavailable(state, h)) {
        code = -ERR_UNAVAILABLE;
    } else if (state && strcmp(state, "23505") == 0)
        code = -ERR_CONFLICT;
    else if (state && strncmp(state, "23", 2) == 0)
        code = -ERR_INVALID;
    snprintf(msg, sizeof(msg), "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(h));
    msg[strcspn(msg, "\n")] = '\0';
    errbuf_set(e, code, "%s: %s", what, msg);
    /* a unique key taken meanwhile by another request: the user's duplicate */
    return code == -ERR_CONFLICT ? errbuf_why(e, R_DUPLICATE, NULL, NULL) : code;
}

/* Finish the pipeline: a sync, then the answers of the queued statements (the first error
 * among them is returned) and, when last is not NULL, of the statement sent after them,
 * whose result goes to *last; then back to ordinary mode. One round trip for all of them. */
int pg_collect(struct db *db, PGresult **last, struct errbuf *e)
{
    struct pg_db *pd = (struct pg_db *)db;
    PGconn *h = pd->h;
    int n = pd->queued + (last ? 1 : 0), rc = 0;
    PGresult *res;
    if (last)
        *last = NULL;
    if (PQpipelineStatus(h) == PQ_PIPELINE_OFF)
        return 0;
    pd->queued = 0;
    if (!PQpipelineSync(h))
        rc = pg_error(NULL, db, e, "pipeline");
    for (int i = 0; i < n && rc == 0; i++) {
        if (!(res = PQgetResult(h))) {
            rc = pg_error(NULL, db, e, "pipeline");
            break;
        }
        if (last && i == n - 1 && rc == 0) {
            *last = res;
        } else {
            ExecStatusType s = PQresultStatus(res);
            if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && rc == 0)
                rc = pg_error(res, db, e, "postgres (queued statement)");
            PQclear(res);
        }
        while ((res = PQgetResult(h))) /* the end of this statement's results */
            PQclear(res);
    }
    /* after an error the rest comes as aborted results: read up to the sync */
    while ((res = PQgetResult(h)) && PQresultStatus(res) != PGRES_PIPELINE_SYNC)
        PQclear(res);
    PQclear(res);
    if (!PQexitPipelineMode(h) && rc == 0)
        rc = pg_error(NULL, db, e, "pipeline");
    if (rc < 0 && last && *last) {
        PQclear(*last);
        *last = NULL;
    }
    return rc;
}

static int pg_queue(struct db_stmt *st, struct errbuf *e)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    struct pg_db *pd = (struct pg_db *)st->db;
    if (PQpipelineStatus(pd->h) == PQ_PIPELINE_OFF && !PQenterPipelineMode(pd->h))
        return pg_error(NULL, st->db, e, "pipeline");
    if (!PQsendQueryPrepared(pd->h, s->name, s->nparams, (const char *const *)s->vals, NULL, NULL,
                             0))
        return pg_error(NULL, st->db, e, "pipeline");
    if (++pd->queued >= MAX_QUEUED)
        return pg_collect(st->db, NULL, e);
    return 0;
}

static int pg_exec(struct db *db, const char *sql, struct errbuf *e)
{
    PGresult *res;
    int qrc = pg_collect(db, NULL, e);
    if (qrc < 0 && strcmp(sql, "ROLLBACK") != 0)
        return qrc;
    res = PQexec(pg_handle(db), sql);
    ExecStatusType s = PQresultStatus(res);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        rc = pg_error(res, db, e, "postgres");
    /* COMMIT of a transaction an error had aborted answers ROLLBACK, and no error: what the
     * caller took for stored was not */
    else if (strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
        rc = errbuf_set(e, -ERR_DB, "postgres: the transaction was rolled back at COMMIT");
    PQclear(res);
    return rc;
}

/* Highest $N in the text: the number of parameters to send. */
static int count_params(const char *sql)
{
    int max = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
            int n = atoi(p + 1);
            if (n > max)
                max = n;
        }
    }
    return max;
}

static int pg_prepare(struct db *db, struct db_stmt *st, struct errbuf *e)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    PGresult *res;
    int rc = 0;
    s->nparams = count_params(st->sql);
    if (s->nparams > DB_PARAMS_MAX)
        return errbuf_set(e, -ERR_INTERNAL, "too many parameters");
    snprintf(s->name, sizeof(s->name), "s%u", ++db->next_name);
    if ((rc = pg_collect(db, NULL, e)) < 0)
        return rc;
    res = PQprepare(pg_handle(db), s->name, st->sql, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_error(res, db, e, "prepare");
    PQclear(res);
    return rc;
}

static void clear_vals(struct pg_stmt *s)
{
    for (int i = 0; i < DB_PARAMS_MAX; i++) {
        free(s->vals[i]);
        s->vals[i] = NULL;
    }
}

static void pg_reset(struct db_stmt *st)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    PQclear(s->res);
    s->res = NULL;
    s->row = s->nrows = 0;
    clear_vals(s);
}

static void pg_finalize(struct db_stmt *st)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    char sql[64];
    pg_reset(st);
    pg_collect(st->db, NULL, NULL);
    snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
    if (PQstatus(pg_handle(st->db)) == CONNECTION_OK)
        PQclear(PQexec(pg_handle(st->db), sql));
}

static void set_val(struct db_stmt *st, int idx, char *v)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    if (idx < 1 || idx > DB_PARAMS_MAX) {
        free(v);
        return;
    }
    free(s->vals[idx - 1]);
    s->vals[idx - 1] = v;
}

static void pg_bind_int(struct db_stmt *st, int idx, long long v)
{
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%lld", v);
    set_val(st, idx, strdup(tmp));
}

static void pg_bind_double(struct db_stmt *st, int idx, double v)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%.17g", v);
    set_val(st, idx, strdup(tmp));
}

static void pg_bind_text(struct db_stmt *st, int idx, const char *v)
{
    set_val(st, idx, strdup(v));
}

static void pg_bind_null(struct db_stmt *st, int idx)
{
    set_val(st, idx, NULL);
}

static int pg_step(struct db_stmt *st, struct errbuf *e)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    if (!s->res) {
        ExecStatusType status;
        struct pg_db *pd = (struct pg_db *)st->db;
        if (pd->queued) { /* sent after the queued ones, answered in the same round trip */
            int rc;
            if (!PQsendQueryPrepared(pd->h, s->name, s->nparams, (const char *const *)s->vals, NULL,
                                     NULL, 0))
                return pg_error(NULL, st->db, e, "pipeline");
            if ((rc = pg_collect(st->db, &s->res, e)) < 0)
                return rc;
        } else {
            s->res = PQexecPrepared(pd->h, s->name, s->nparams, (const char *const *)s->vals, NULL,
                                    NULL, 0);
        }
        status = PQresultStatus(s->res);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            int rc = pg_error(s->res, st->db, e, "postgres");
            PQclear(s->res);
            s->res = NULL;
            return rc;
        }
        s->nrows = status == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        s->row = -1;
    }
    if (s->row + 1 < s->nrows) {
        s->row++;
        return 1;
    }
    return 0;
}

static const char *cell(struct db_stmt *st, int col)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    if (!s->res || s->row < 0 || s->row >= s->nrows || col >= PQnfields(s->res))
        return NULL;
    if (PQgetisnull(s->res, s->row, col))
        return NULL;
    return PQgetvalue(s->res, s->row, col);
}

static long long pg_col_int(struct db_stmt *st, int col)
{
    const char *v = cell(st, col);
    if (!v)
        return 0;
    if (v[0] == 't' && v[1] == '\0')
        return 1;
    return strtoll(v, NULL, 10);
}

static double pg_col_double(struct db_stmt *st, int col)
{
    const char *v = cell(st, col);
    return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_col_text(struct db_stmt *st, int col)
{
    return cell(st, col);
}

static int pg_col_null(struct db_stmt *st, int col)
{
    return cell(st, col) == NULL;
}

/* The connection is gone (the server died, restarted or failed over): nothing more will work
 * on it, the caller should close it and open a new one. An idle connection is asked first
 * without a round trip (one non-blocking read): a server that closed it while it idled, which
 * libpq would only notice at the next statement, is seen now, before a request relies on it. */
static bool pg_lost(struct db *db)
{
    PGconn *h = pg_handle(db);
    /* twice: a terminated backend sends its FATAL message, then closes; one read may take the
     * message only, the second then finds the end of the stream */
    for (int i = 0; i < 2 && PQstatus(h) == CONNECTION_OK; i++)
        if (PQtransactionStatus(h) == PQTRANS_IDLE && PQpipelineStatus(h) == PQ_PIPELINE_OFF)
            PQconsumeInput(h);
    return PQstatus(h) != CONNECTION_OK;
}

static void pg_close(struct db *db)
{
    pg_collect(db, NULL, NULL);
    PQfinish(pg_handle(db));
    free(db);
}

/* Notices are dropped, warnings logged: Citus warns when a worker failed to commit its part
 * of a committed transaction (two-phase commit then finishes it later), which an operator
 * must be able to find beside the request it concerns. */
static void quiet_notice(void *arg, const char *msg)
{
    size_t n = strcspn(msg, "\n");
    (void)arg;
    if (strncmp(msg, "WARNING:", 8) == 0)
        log_error("postgres: %.*s", (int)(n < 400 ? n : 400), msg);
}

static int pg_last_id(struct db *db, long long *ret, struct errbuf *e)
{
    PGresult *res;
    int rc = 0;
    if (((struct pg_db *)db)->queued) { /* after the queued INSERT, in the same round trip */
        if (!PQsendQueryParams(pg_handle(db), "SELECT lastval()", 0, NULL, NULL, NULL, NULL, 0))
            return pg_error(NULL, db, e, "pipeline");
        if ((rc = pg_collect(db, &res, e)) < 0)
            return rc;
    } else {
        res = PQexec(pg_handle(db), "SELECT lastval()");
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = pg_error(res, db, e, "lastval");
    else
        *ret = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return rc;
}

static long long pg_changes(struct db_stmt *st)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    const char *n = s->res ? PQcmdTuples(s->res) : "";
    return *n ? strtoll(n, NULL, 10) : 0;
}

static int pg_try_lock(struct db *db, long long key, struct errbuf *e)
{
    char sql[80];
    PGresult *res;
    int rc;
    if ((rc = pg_collect(db, NULL, e)) < 0)
        return rc;
    snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%lld)", key);
    res = PQexec(pg_handle(db), sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = pg_error(res, db, e, "advisory lock");
    else
        rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return rc;
}

static void pg_unlock(struct db *db, long long key)
{
    char sql[80];
    pg_collect(db, NULL, NULL);
    snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%lld)", key);
    PQclear(PQexec(pg_handle(db), sql));
}

static const struct db_ops pg_ops = {
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_null = pg_col_null,
    .close = pg_close,
    .tune_bulk = NULL,
    .last_id = pg_last_id,
    .changes = pg_changes,
    .queue = pg_queue,
    .bulk_flush = pg_bulk_flush,
    .try_lock = pg_try_lock,
    .unlock = pg_unlock,
    .lost = pg_lost,
};

size_t db_pg_stmt_size(void)
{
    return sizeof(struct pg_stmt);
}

/* libpq's message as one line: a multi-host URL reports every host it tried, each on its own
 * line with indented hints ("Is the server running ..."); keep the failures, joined by "; ". */
static void one_line(const char *in, char *out, size_t size)
{
    size_t n = 0;
    const char *p = in;
    while (*p && n + 1 < size) {
        size_t len = strcspn(p, "\n");
        if (len && *p != '\t' && *p != ' ') {
            int w = snprintf(out + n, size - n, "%s%.*s", n ? "; " : "", (int)len, p);
            if (w < 0)
                break;
            n += (size_t)w < size - n ? (size_t)w : size - n - 1;
        }
        p += len;
        p += *p == '\n';
    }
    out[n] = '\0';
}

/* Connect: defaults that keep a dead or unreachable server from hanging a caller, which the
 * URL may override (its values come after them): 5 s to connect to each host, and TCP
 * keepalives that notice a silent peer within about 10 s. */
int db_pg_open(const char *url, struct db **ret, struct errbuf *e)
{
    static const char *const keys[] = {"connect_timeout",
                                       "keepalives_idle",
                                       "keepalives_interval",
                                       "keepalives_count",
                                       "application_name",
                                       "dbname",
                                       NULL};
    const char *vals[] = {"5", "5", "2", "3", "dangjian", url, NULL};
    struct pg_db *db = calloc(1, sizeof(*db));
    if (!db)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    db->h = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(db->h) != CONNECTION_OK) {
        char msg[480];
        one_line(PQerrorMessage(db->h), msg, sizeof(msg));
        PQfinish(db->h);
        free(db);
        return errbuf_set(e, -ERR_UNAVAILABLE, "cannot connect to postgres: %s", msg);
    }
    PQsetNoticeProcessor(db->h, quiet_notice, NULL);
    db->base.ops = &pg_ops;
    db->base.backend = DB_POSTGRES;
    if (pg_exec(&db->base, "SET client_min_messages = warning; SET TIME ZONE 'UTC'", e) < 0) {
        pg_close(&db->base);
        return -ERR_UNAVAILABLE;
    }
    *ret = &db->base;
    return 0;
}
