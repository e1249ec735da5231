/* PostgreSQL backend through libpq. Statements are prepared once per connection under a
 * generated name; parameters travel as text and the server infers their types. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_impl.h"
#include "base/banned.h"

#define MAX_PARAMS 160

struct pg_db {
    struct db base;
    PGconn *h;
};

struct pg_stmt {
    struct db_stmt base;
    char name[24];
    int nparams;
    char *vals[MAX_PARAMS];
    PGresult *res;
    int row, nrows;
};

static PGconn *handle(struct db *db)
{
    return ((struct pg_db *)db)->h;
}

static int pg_error(PGresult *res, PGconn *h, struct errbuf *e, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int code = -ERR_DB;
    char msg[400];
    if (state && strcmp(state, "23505") == 0)
        code = -ERR_CONFLICT;
    else if (state && strncmp(state, "23", 2) == 0)
        code = -ERR_INVALID;
    snprintf(msg, sizeof(msg), "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(h));
    msg[strcspn(msg, "\n")] = '\0';
    errbuf_set(e, code, "%s: %s", what, msg);
    /* a unique key taken meanwhile by another request: the user's duplicate */
    return code == -ERR_CONFLICT ? errbuf_why(e, R_DUPLICATE, NULL, NULL) : code;
}

static int pg_exec(struct db *db, const char *sql, struct errbuf *e)
{
    PGresult *res = PQexec(handle(db), sql);
    ExecStatusType s = PQresultStatus(res);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        rc = pg_error(res, handle(db), e, "postgres");
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
    if (s->nparams > MAX_PARAMS)
        return errbuf_set(e, -ERR_INTERNAL, "too many parameters");
    snprintf(s->name, sizeof(s->name), "s%u", ++db->next_name);
    res = PQprepare(handle(db), s->name, st->sql, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_error(res, handle(db), e, "prepare");
    PQclear(res);
    return rc;
}

static void clear_vals(struct pg_stmt *s)
{
    for (int i = 0; i < MAX_PARAMS; i++) {
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
    snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
    if (PQstatus(handle(st->db)) == CONNECTION_OK)
        PQclear(PQexec(handle(st->db), sql));
}

static void set_val(struct db_stmt *st, int idx, char *v)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    if (idx < 1 || idx > MAX_PARAMS) {
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
        s->res = PQexecPrepared(handle(st->db), s->name, s->nparams,
                                (const char *const *)s->vals, NULL, NULL, 0);
        status = PQresultStatus(s->res);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            int rc = pg_error(s->res, handle(st->db), e, "postgres");
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

static void pg_close(struct db *db)
{
    PQfinish(handle(db));
    free(db);
}

static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int pg_last_id(struct db *db, long long *ret, struct errbuf *e)
{
    PGresult *res = PQexec(handle(db), "SELECT lastval()");
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = pg_error(res, handle(db), e, "lastval");
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
};

size_t db_pg_stmt_size(void)
{
    return sizeof(struct pg_stmt);
}

int db_pg_open(const char *url, struct db **ret, struct errbuf *e)
{
    struct pg_db *db = calloc(1, sizeof(*db));
    if (!db)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    db->h = PQconnectdb(url);
    if (PQstatus(db->h) != CONNECTION_OK) {
        char msg[400];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db->h));
        msg[strcspn(msg, "\n")] = '\0';
        PQfinish(db->h);
        free(db);
        return errbuf_set(e, -ERR_DB, "cannot connect to postgres: %s", msg);
    }
    PQsetNoticeProcessor(db->h, quiet_notice, NULL);
    db->base.ops = &pg_ops;
    db->base.backend = DB_POSTGRES;
    if (pg_exec(&db->base, "SET client_min_messages = warning; SET TIME ZONE 'UTC'", e) < 0) {
        pg_close(&db->base);
        return -ERR_DB;
    }
    *ret = &db->base;
    return 0;
}
