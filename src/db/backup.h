/* Backups that restore: the database at one moment, taken while the server runs.
 * SQLite: the online backup API into a new file (one read transaction, so one moment; in WAL
 * mode writers go on meanwhile). PostgreSQL: pg_dump (custom format) of a snapshot exported
 * by a REPEATABLE READ transaction in which the rows were also counted. */
#ifndef DB_BACKUP_H
#define DB_BACKUP_H

#include <jansson.h>

#include "base/err.h"

struct db;

/* Write the database of db to dest (which must not exist). *ret_counts: {table: rows} of the
 * moment the backup shows. New reference. */
int db_backup(struct db *db, const char *dest, json_t **ret_counts, struct errbuf *e);
/* Restore the backup src into url: a file that does not exist yet (SQLite) or an empty
 * database (PostgreSQL). */
int db_restore(const char *url, const char *src, struct errbuf *e);
/* Rows of every table of db: {table: rows}. New reference. */
int db_table_counts(struct db *db, json_t **ret, struct errbuf *e);

#endif
