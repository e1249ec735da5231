/* Inside the PostgreSQL backend (postgres.c, postgres_bulk.c): the connection and what both
 * files use of it. */
#ifndef DB_POSTGRES_IMPL_H
#define DB_POSTGRES_IMPL_H

#include <libpq-fe.h>

#include "db/db_impl.h"

struct pg_db {
    struct db base;
    PGconn *h;
    int queued;  /* statements sent in pipeline mode whose answers are not read yet */
    int guarded; /* bulks with a unique key to take the guarded way (postgres_bulk.c) */
};

PGconn *pg_handle(struct db *db);
/* The error of res (NULL: the connection's) as e's code and message, "what: message". */
int pg_error(PGresult *res, struct db *db, struct errbuf *e, const char *what);
/* Finish the pipeline (postgres.c); with last, the answer of the statement sent after the
 * queued ones. */
int pg_collect(struct db *db, PGresult **last, struct errbuf *e);
/* The bulk's rows into its table (postgres_bulk.c). */
int pg_bulk_flush(struct db_bulk *b, struct errbuf *e);

#endif
