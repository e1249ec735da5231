/* Backups (see backup.h). pg_dump and pg_restore are PostgreSQL's own tools, run as child
 * processes with the connection URL; nothing of them is linked in. */
#include "db/backup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db_impl.h"
#include "base/banned.h"

int db_table_counts(struct db *db, json_t **ret, struct errbuf *e)
{
    static const char *const list[] = {
        [DB_SQLITE] = "SELECT name FROM sqlite_master WHERE type = 'table'"
                      " AND name NOT LIKE 'sqlite_%' ORDER BY name",
        [DB_POSTGRES] = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                        " ORDER BY tablename",
    };
    json_t *names = json_array(), *counts = json_object(), *v;
    struct db_stmt *st;
    size_t i;
    int rc;
    if ((rc = db_prepare(db, list[db->backend], &st, e)) < 0)
        goto out;
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(names, json_string(db_col_text(st, 0)));
    db_done(st);
    json_array_foreach(names, i, v)
    {
        /* a name from the catalog, quoted as an identifier: never user input */
        char sql[160];
        long long n = 0;
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM \"%s\"", json_string_value(v));
        if (rc < 0 || (rc = db_query_int(db, e, &n, sql, "")) < 0)
            break;
        json_object_set_new(counts, json_string_value(v), json_integer(n));
    }
out:
    json_decref(names);
    if (rc < 0) {
        json_decref(counts);
        return rc;
    }
    *ret = counts;
    return 0;
}

/* Run argv (argv[0] found on PATH) and wait; 0 when it exits with 0. */
static int run(char *const argv[], struct errbuf *e)
{
    int status;
    pid_t pid = fork();
    if (pid < 0)
        return errbuf_set(e, -ERR_IO, "cannot start %s: %s", argv[0], strerror(errno));
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "dangjian: cannot run %s: %s (install PostgreSQL's client tools)\n",
                argv[0], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return errbuf_set(e, -ERR_IO, "waiting for %s: %s", argv[0], strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return errbuf_set(e, -ERR_IO, "%s failed (exit status %d): see its messages above", argv[0],
                          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

static int pg_backup(struct db *db, const char *dest, json_t **ret_counts, struct errbuf *e)
{
    char snapshot[128] = "", opt[160];
    struct db_stmt *st;
    int rc;
    /* one snapshot for the counts and the dump: the backup is exactly what was counted */
    if ((rc = db_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", e)) < 0)
        return rc;
    if ((rc = db_prepare(db, "SELECT pg_export_snapshot()", &st, e)) < 0)
        goto out;
    if ((rc = db_step(st, e)) == 1)
        snprintf(snapshot, sizeof(snapshot), "%s", db_col_text(st, 0));
    db_done(st);
    if (rc < 0 || (rc = db_table_counts(db, ret_counts, e)) < 0)
        goto out;
    snprintf(opt, sizeof(opt), "--snapshot=%s", snapshot);
    {
        char *const argv[] = {"pg_dump",    "--format=custom", "--no-owner",    opt, "--file",
                              (char *)dest, "--dbname",        (char *)db->url, NULL};
        if ((rc = run(argv, e)) < 0) {
            json_decref(*ret_counts);
            *ret_counts = NULL;
        }
    }
out:
    db_exec(db, "COMMIT", NULL);
    return rc;
}

int db_backup(struct db *db, const char *dest, json_t **ret_counts, struct errbuf *e)
{
    struct stat sb;
    struct db *copy;
    int rc;
    if (stat(dest, &sb) == 0)
        return errbuf_set(e, -ERR_CONFLICT, "'%s' exists already: a backup never overwrites", dest);
    if (db->backend == DB_POSTGRES)
        return pg_backup(db, dest, ret_counts, e);
    if ((rc = db_sqlite_backup(db, dest, e)) < 0)
        return rc;
    /* the counts of the copy itself: the moment it shows */
    if ((rc = db_open(dest, &copy, e)) < 0)
        return rc;
    rc = db_table_counts(copy, ret_counts, e);
    db_close(copy);
    return rc;
}

int db_restore(const char *url, const char *src, struct errbuf *e)
{
    struct stat sb;
    struct db *db;
    long long tables = 0;
    int rc, version = 0;
    if (stat(src, &sb) != 0)
        return errbuf_set(e, -ERR_IO, "cannot read backup '%s': %s", src, strerror(errno));
    if (db_is_postgres_url(url)) {
        char *const argv[] = {"pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
                              "--dbname",   (char *)url,  (char *)src,       NULL};
        if ((rc = db_open(url, &db, e)) < 0)
            return rc;
        rc = db_query_int(db, e, &tables,
                          "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()", "");
        db_close(db);
        if (rc < 0)
            return rc;
        if (tables)
            return errbuf_set(e, -ERR_CONFLICT,
                              "database '%s' is not empty (%lld tables): restore into a new one",
                              url, tables);
        return run(argv, e);
    }
    if (stat(url, &sb) == 0)
        return errbuf_set(e, -ERR_CONFLICT,
                          "'%s' exists: restore into a new file (move the old one away first)",
                          url);
    if ((rc = db_open(src, &db, e)) < 0)
        return rc;
    if ((rc = db_schema_version(db, &version, e)) == 0 && version > db_latest_version())
        rc = errbuf_set(e, -ERR_SCHEMA,
                        "backup '%s' has schema version %d, newer than this "
                        "binary's %d",
                        src, version, db_latest_version());
    else if (rc == 0 && version == 0)
        rc = errbuf_set(e, -ERR_INVALID, "'%s' is not a dangjian backup", src);
    if (rc == 0)
        rc = db_sqlite_backup(db, url, e);
    db_close(db);
    return rc;
}
