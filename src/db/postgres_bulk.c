/* Bulk writes on PostgreSQL (db.h: db_bulk_*): COPY, straight into the table or, with a unique
 * key, optimistically so and else through a temporary table and INSERT ... ON CONFLICT. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "db/postgres_impl.h"
#include "base/banned.h"

/* After an optimistic bulk failed, this many of the connection's next bulks with a unique
 * key take the guarded way at once (a source that re-sends its rows usually does it again). */
#define BULK_GUARDED 8

/* Run one statement of the bulk's (no parameters); *ret_rows: the rows it reported. */
static int bulk_exec(struct db *db, const char *sql, long long *ret_rows, struct errbuf *e)
{
    PGresult *res = PQexec(pg_handle(db), sql);
    ExecStatusType s = PQresultStatus(res);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        rc = pg_error(res, db, e, "postgres");
    else if (ret_rows)
        *ret_rows = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return rc;
}

/* COPY b's rows into table `into`; *ret_rows: the rows copied. */
static int copy_rows(struct db_bulk *b, const char *into, long long *ret_rows, struct errbuf *e)
{
    struct db *db = b->db;
    PGconn *h = pg_handle(db);
    struct buf sql = BUF_INIT;
    PGresult *res;
    int rc = 0;
    buf_printf(&sql, "COPY %s(%s) FROM STDIN", into, b->columns);
    if (!sql.data)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    res = PQexec(h, buf_str(&sql));
    buf_release(&sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        rc = pg_error(res, db, e, "copy");
        PQclear(res);
        return rc;
    }
    PQclear(res);
    /* the server may refuse the rows before it has them all (Citus, when a worker does): its
     * error is then the next result */
    if ((PQputCopyData(h, b->data.data, (int)b->data.len) != 1 || PQputCopyEnd(h, NULL) != 1) &&
        PQstatus(h) != CONNECTION_OK)
        return pg_error(NULL, db, e, "copy");
    res = PQgetResult(h);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_error(res, db, e, "copy");
    else
        *ret_rows = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    while ((res = PQgetResult(h)))
        PQclear(res);
    return rc;
}

/* With a unique key, first straight into the table under a savepoint (what PostgreSQL is
 * fastest at: no second table, no conflict checks). When that fails (a key stored already; a
 * deadlock with a concurrent bulk of the same keys), back to the savepoint and the guarded
 * way, which stores what is new or reports the error again. 1: done, 0: take the guarded way.
 * On Citus too: the acknowledged writes its operations test lost while shards moved, first
 * blamed on these savepoints, were commits a move did not wait for on nodes running with
 * synchronous_commit off (docs/OPERATIONS.md). */
static int copy_optimistic(struct db_bulk *b, long long *ret_rows, struct errbuf *e)
{
    struct pg_db *pd = (struct pg_db *)b->db;
    struct errbuf first = ERRBUF_INIT;
    int rc;
    if ((rc = bulk_exec(b->db, "SAVEPOINT dj_bulk", NULL, e)) < 0)
        return rc;
    if ((rc = copy_rows(b, b->table, ret_rows, &first)) >= 0)
        return (rc = bulk_exec(b->db, "RELEASE SAVEPOINT dj_bulk", NULL, e)) < 0 ? rc : 1;
    if (PQstatus(pd->h) != CONNECTION_OK || PQtransactionStatus(pd->h) != PQTRANS_INERROR) {
        *e = first;
        return rc;
    }
    pd->guarded = BULK_GUARDED;
    if ((rc = bulk_exec(b->db, "ROLLBACK TO SAVEPOINT dj_bulk", NULL, e)) < 0 ||
        (rc = bulk_exec(b->db, "RELEASE SAVEPOINT dj_bulk", NULL, e)) < 0)
        return rc;
    return 0;
}

/* COPY b's rows into its table, or (with a unique key) optimistically so, else into a
 * temporary table of the same columns from which INSERT ... ON CONFLICT DO NOTHING takes them
 * in key order. */
int pg_bulk_flush(struct db_bulk *b, struct errbuf *e)
{
    struct pg_db *pd = (struct pg_db *)b->db;
    struct db *db = b->db;
    struct buf sql = BUF_INIT;
    long long n = 0;
    int rc;
    if ((rc = pg_collect(db, NULL, e)) < 0)
        goto out;
    if (!b->unique) {
        if ((rc = copy_rows(b, b->table, &n, e)) < 0)
            goto out;
        goto done;
    }
    if (pd->guarded > 0) {
        pd->guarded--;
    } else {
        if ((rc = copy_optimistic(b, &n, e)) < 0)
            goto out;
        if (rc == 1)
            goto done;
    }
    buf_printf(&sql,
               "CREATE TEMP TABLE IF NOT EXISTS dj_bulk_%s ON COMMIT DELETE ROWS AS"
               " SELECT %s FROM %s WITH NO DATA",
               b->table, b->columns, b->table);
    if (!sql.data) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = bulk_exec(db, buf_str(&sql), NULL, e)) < 0)
        goto out;
    buf_reset(&sql);
    buf_printf(&sql, "dj_bulk_%s", b->table);
    if ((rc = copy_rows(b, buf_str(&sql), &n, e)) < 0)
        goto out;
    {
        /* a key of a table to be distributed ends with tenant_id (migration 015), which is
         * not among the copied columns: its default fills it, the same in every row */
        static const char tenant[] = ", tenant_id";
        size_t order = strlen(b->unique), tl = sizeof(tenant) - 1;
        if (order > tl && strcmp(b->unique + order - tl, tenant) == 0)
            order -= tl;
        /* RETURNING: Citus counts the rows it selected, not the rows stored, in the command
         * tag of an INSERT ... SELECT without it (PostgreSQL counts the stored rows either
         * way) */
        buf_reset(&sql);
        buf_printf(&sql,
                   "INSERT INTO %s(%s) SELECT %s FROM dj_bulk_%s ORDER BY %.*s"
                   " ON CONFLICT (%s) DO NOTHING RETURNING 1",
                   b->table, b->columns, b->columns, b->table, (int)order, b->unique, b->unique);
        if ((rc = bulk_exec(db, buf_str(&sql), &n, e)) < 0)
            goto out;
        buf_reset(&sql);
        buf_printf(&sql, "TRUNCATE dj_bulk_%s", b->table);
        if ((rc = bulk_exec(db, buf_str(&sql), NULL, e)) < 0)
            goto out;
    }
done:
    rc = 0;
    b->written += n;
    buf_reset(&b->data);
out:
    buf_release(&sql);
    return rc;
}

