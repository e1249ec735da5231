/* One backend-neutral database API: SQLite (embedded default) or PostgreSQL (libpq).
 *
 * SQL is written once for both: $1-style parameters, ON CONFLICT, RETURNING, integers for
 * months and money, no date functions. A struct db is one connection and must be used by one
 * thread at a time; each HTTP worker opens its own. Prepared statements are cached per
 * connection, keyed by their SQL text. */
#ifndef DB_DB_H
#define DB_DB_H

#include <stdbool.h>

#include "base/err.h"

enum db_backend { DB_SQLITE, DB_POSTGRES };

struct db;
struct db_stmt;

/* Open a connection: a file path (SQLite) or a postgres:// / postgresql:// URL. */
int db_open(const char *url, struct db **ret, struct errbuf *e);
void db_close(struct db *db);
/* The connection to the server is gone (PostgreSQL: the server died, restarted or failed
 * over; statements on it fail with -ERR_UNAVAILABLE): close it and open another. Never true
 * on SQLite. */
bool db_lost(struct db *db);
/* Whether a statement failed since the last call because a node behind the server could not
 * be reached (a Citus worker holding the rows: SQLSTATE class 08, or Citus's "failure on
 * connection marked as essential", on a connection that is itself fine; the statement failed
 * with -ERR_UNAVAILABLE). The connection stays usable; the call clears the flag. Never true
 * on SQLite. */
bool db_node_down(struct db *db);
enum db_backend db_backend(const struct db *db);
/* The URL or path the connection was opened with. */
const char *db_url(const struct db *db);
bool db_is_postgres_url(const char *url);

/* Run a script of statements without parameters. */
int db_exec(struct db *db, const char *sql, struct errbuf *e);

/* Transactions. db_begin takes the write lock at once on SQLite (BEGIN IMMEDIATE). */
int db_begin(struct db *db, struct errbuf *e);
int db_commit(struct db *db, struct errbuf *e);
void db_rollback(struct db *db);
bool db_in_tx(const struct db *db);

/* A named lock across connections and processes, for work that must not run twice at once
 * (the background jobs of several servers on one database): PostgreSQL's session advisory
 * lock, SQLite's open-file-description lock on one byte of "<file>-locks" beside the
 * database. Either is released by db_unlock, by closing the connection, or by the process's
 * death. 1 = this connection holds it now, 0 = another one does, < 0 = error. */
int db_try_lock(struct db *db, const char *name, struct errbuf *e);
void db_unlock(struct db *db, const char *name);
/* Inside a transaction: hold row id of table until commit, so that a concurrent transaction
 * locking it too waits and then sees this one's writes (PostgreSQL: SELECT ... FOR UPDATE;
 * SQLite: already so after db_begin). table must be a constant name of a table with a
 * tenant_id (Citus locks a row only by its tenant). */
int db_lock_row(struct db *db, const char *table, long long id, struct errbuf *e);

/* Inside a transaction: n new ids of table's id column for rows the caller then writes with
 * those ids (a db_bulk of rows that other rows refer to). PostgreSQL: taken from the column's
 * identity sequence (not contiguous when others insert at the same time); SQLite: the ids
 * after the largest one, which db_begin made this connection's alone. table must be a
 * constant name. */
int db_reserve_ids(struct db *db, const char *table, size_t n, long long *ids, struct errbuf *e);

/* A read snapshot around several reads (SQLite: one lock acquisition instead of one per
 * statement; PostgreSQL: nothing, each statement already sees a snapshot). */
int db_read_begin(struct db *db, struct errbuf *e);
void db_read_end(struct db *db);

/* Get a prepared statement for sql from the connection's cache (or a fresh one when the
 * cached one is in use). Bind, step, read columns, then always call db_done(). */
int db_prepare(struct db *db, const char *sql, struct db_stmt **ret, struct errbuf *e);
void db_done(struct db_stmt *st);

/* Parameters are 1-based like $1, at most DB_PARAMS_MAX in a statement. Text is copied. */
#define DB_PARAMS_MAX 160
void db_bind_int(struct db_stmt *st, int idx, long long v);
void db_bind_double(struct db_stmt *st, int idx, double v);
void db_bind_text(struct db_stmt *st, int idx, const char *s); /* NULL binds SQL NULL */
void db_bind_null(struct db_stmt *st, int idx);
/* Bind by a type string: i = long long, d = double, t = const char * (NULL ok), n = null,
 * I = long long where 0 means NULL (optional foreign keys), M = long long where a negative
 * value means NULL (an optional amount or rate, where 0 is a value). */
void db_bindv(struct db_stmt *st, const char *types, ...);

/* Step: 1 = a row is ready, 0 = done, < 0 = error (-ERR_CONFLICT on a unique violation). */
int db_step(struct db_stmt *st, struct errbuf *e);

/* The rows a write changed, once db_step returned 0 (before db_done). */
long long db_changes(struct db_stmt *st);

/* Columns are 0-based. Text stays valid until the next step or db_done. */
long long db_col_int(struct db_stmt *st, int col);
double db_col_double(struct db_stmt *st, int col);
const char *db_col_text(struct db_stmt *st, int col); /* "" for NULL */
bool db_col_null(struct db_stmt *st, int col);

/* One-shot helpers: prepare, bind by types, step to the end; return the rows it returned,
 * or (when it returns none) the rows it changed (>= 0). */
int db_run(struct db *db, struct errbuf *e, const char *sql, const char *types, ...);
/* Return 1 and fill *ret from column 0 of the first row, 0 when no row, < 0 on error. */
int db_query_int(struct db *db, struct errbuf *e, long long *ret, const char *sql,
                 const char *types, ...);

/* The id the connection's last INSERT created (SQLite's rowid, PostgreSQL's lastval()).
 * Cheaper than RETURNING on SQLite, which buffers the returned rows. */
int db_last_id(struct db *db, long long *ret, struct errbuf *e);

/* The id that sql (one text parameter) finds for key: 0, or -ERR_NOTFOUND with the message
 * not_found (a format with one %s for key). */
int db_find_id(struct db *db, const char *sql, const char *key, const char *not_found,
               long long *ret, struct errbuf *e);

/* Schema: apply the embedded migrations that are newer than the database's version.
 * Refuses (-ERR_SCHEMA) a database newer than this binary. Returns the number applied. */
int db_migrate(struct db *db, struct errbuf *e);
/* db_migrate, but only the migrations up to version until (the upgrade tests make a database
 * of an older schema with it). */
int db_migrate_until(struct db *db, int until, struct errbuf *e);
int db_schema_version(struct db *db, int *ret, struct errbuf *e);
int db_latest_version(void);

/* Pipelining: with it on, inside a transaction, writes whose answer the caller does not wait
 * for go to the server without a round trip each (PostgreSQL's pipeline mode): db_queue()
 * statements, and db_run() of a one-row INSERT ... VALUES (...) without RETURNING or ON
 * CONFLICT (it changes exactly one row or fails, so db_run returns 1). The next call that
 * waits for the server (a read, db_last_id, db_commit, a bulk flush) collects their answers
 * and returns the first error among them. Off by default: request handlers keep every error at
 * the statement that caused it; bulk work (the CLI commands, the jobs thread) turns it on.
 * SQLite runs every statement at once either way. Returns the previous setting. */
bool db_pipeline(struct db *db, bool on);
/* Run a write whose changed-row count is not needed: 0 or an error (with pipelining on, it may
 * be an earlier queued statement's). Outside a transaction it runs at once. */
int db_queue(struct db *db, struct errbuf *e, const char *sql, const char *types, ...);
/* Whether the bit mark is set for the first time in the current transaction (true outside). */
bool db_tx_first(struct db *db, unsigned mark);
/* The same for a statement prepared and bound by the caller (who still calls db_done). */
int db_send(struct db_stmt *st, struct errbuf *e);

/* Bulk writes: many rows for one table inside the caller's transaction, sent in large pieces
 * (PostgreSQL: COPY ... FROM STDIN, about 1 MB at a time; SQLite: one cached prepared INSERT a
 * row, which is what SQLite is fast at). columns names the columns ("a, b, c"), each row gives
 * a value per column by a type string as db_bindv ('i', 'I', 'M', 'd', 't', 'n').
 *   unique: NULL appends every row (a duplicate key is an error); else the columns of a
 *   unique index, and rows whose key is stored already (or earlier in the bulk) are skipped
 *   (PostgreSQL: through a temporary table and INSERT ... ON CONFLICT DO NOTHING, in the
 *   order of those columns, so that concurrent bulks wait for each other instead of
 *   deadlocking). db_bulk_close reports the rows written. */
struct db_bulk;
int db_bulk_open(struct db *db, const char *table, const char *columns, const char *unique,
                 struct db_bulk **ret, struct errbuf *e);
int db_bulk_row(struct db_bulk *b, struct errbuf *e, const char *types, ...);
/* Write what is pending and free b (also after an error); *ret_written (may be NULL): the rows
 * stored, duplicates not counted. */
int db_bulk_close(struct db_bulk *b, long long *ret_written, struct errbuf *e);
/* Close a bulk after its rows, rc being theirs: after an error the bulk is freed and that
 * error stays the one reported; else what closing returns. */
int db_bulk_end(struct db_bulk *b, int rc, struct errbuf *e);

/* "prefix IN ($first, ..., $first+count-1)suffix" (a new string, NULL when out of memory):
 * the statement for reading many keys at once, a chunk of `count` at a time. The caller pads a
 * short chunk with its last key, so that one prepared statement serves every chunk. */
char *db_sql_in(const char *prefix, int first, int count, const char *suffix);

/* Citus (citus.c): whether the database is a Citus coordinator (the citus extension is
 * installed; false on SQLite), and placing the schema's tables per src/db/distribution.txt
 * (reference tables, tables distributed by tenant_id, local ones left alone); idempotent. */
int db_citus_present(struct db *db, bool *ret, struct errbuf *e);
int db_citus_distribute(struct db *db, int *ret_placed, struct errbuf *e);
/* The nodes of a Citus cluster that commit without waiting for their WAL to be written
 * (synchronous_commit off or local) as "host:port, ..." in list; their number. A shard move
 * decides its copy has caught up by the source's WAL write position, so on such a node it may
 * switch to the copy without a write acknowledged in its last moment (docs/OPERATIONS.md). */
int db_citus_unsafe_nodes(struct db *db, char *list, size_t size, struct errbuf *e);

/* PostgreSQL only (no-op on SQLite): refresh the planner's statistics of tables (a constant
 * list, "a, b") after a bulk load, so that the statements after it are planned for the rows
 * now there rather than for the empty tables autovacuum last saw. */
int db_analyze(struct db *db, const char *tables, struct errbuf *e);

/* PostgreSQL only (no-op on SQLite), inside a transaction: plan every statement for the
 * values it is given (on) until the transaction ends or this is turned off. A prepared
 * statement's cached plan is made for what the planner saw when it was cached: a check of
 * new members against a table that grows by a roll at a time would read the whole table
 * for every roll, as it did when the table was empty. */
int db_plan_each(struct db *db, bool on, struct errbuf *e);

/* SQLite only (no-op on PostgreSQL): trade durability for speed in bulk loads. */
void db_tune_bulk(struct db *db, bool on);
/* DJ_DB_PROFILE: print the statements run since the last section under a title (profile.c). */
void db_profile_section(const char *title);

#endif
