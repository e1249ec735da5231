/* The drop-folder connector of feeds: CSV files put into a directory, each taken once. A
 * file is recorded by its content's hash in the transaction of its events, then moved to
 * done/ (or rejected/ when it cannot be read as a whole) with a report NAME.report.json
 * beside it saying what became of it and where its bad rows are. */
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "base/csvread.h"
#include "db/db.h"
#include "ingest/feed.h"
#include "ingest/feed_impl.h"
#include "ingest/feed_map.h"
#include "base/banned.h"

#define MAX_FILES 1000   /* per pull: the next pass takes the rest */
#define SLICE 2000       /* rows mapped at a time (all in the file's one transaction) */
#define PATH_CHARS 4096

int feed_folder_check(const char *dir, struct errbuf *e)
{
    if (!dir || dir[0] != '/' || strlen(dir) > 1024 || strstr(dir, "/../"))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "target", dir,
                            "a folder feed's target must be an absolute directory path");
    return 0;
}

/* dir/sub/name, or dir/sub/name.N when that is taken (a file of the same name taken before). */
static void destination(const char *dir, const char *sub, const char *name, char *out, size_t n)
{
    struct stat sb;
    snprintf(out, n, "%s/%s/%s", dir, sub, name);
    for (int i = 2; stat(out, &sb) == 0 && i < 1000; i++)
        snprintf(out, n, "%s/%s/%s.%d", dir, sub, name, i);
}

/* Move the file to sub/ and write the report beside it (report: taken, dumped there). */
static int move(const char *dir, const char *name, const char *sub, json_t *report,
                struct errbuf *e)
{
    char from[PATH_CHARS], to[PATH_CHARS], rep[PATH_CHARS + 16];
    snprintf(from, sizeof(from), "%s/%s", dir, name);
    destination(dir, sub, name, to, sizeof(to));
    json_object_set_new(report, "moved_to", json_string(to));
    snprintf(rep, sizeof(rep), "%s.report.json", to);
    if (json_dump_file(report, rep, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII) < 0)
        return errbuf_set(e, -ERR_IO, "cannot write '%s'", rep);
    if (rename(from, to) < 0)
        return errbuf_set(e, -ERR_IO, "cannot move '%s' to '%s': %s", from, to, strerror(errno));
    return 0;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct errbuf *e)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t len = 0;
    struct stat sb;
    if (!f)
        return errbuf_set(e, -ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fileno(f), &sb) < 0 || sb.st_size > (off_t)CSV_MAX_BYTES) {
        fclose(f);
        return errbuf_field(e, -ERR_TOOBIG, R_TOO_LONG, "file", NULL,
                            "the file is larger than %u bytes", CSV_MAX_BYTES);
    }
    if (!(data = malloc((size_t)sb.st_size + 1))) {
        fclose(f);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    len = fread(data, 1, (size_t)sb.st_size, f);
    fclose(f);
    data[len] = '\0';
    *ret = data;
    *ret_len = len;
    return 0;
}

/* The file's columns: those the mapping names, except the SQL watermark's. */
static size_t columns(const struct feed_map *m, struct csv_column *cols)
{
    size_t n = 0;
    for (int f = FF_KEY; f <= FF_MONTH; f++) {
        const char *c = feed_map_column(m, (enum feed_field)f);
        size_t j;
        for (j = 0; c && j < n && strcmp(cols[j].field, c) != 0; j++)
            ;
        if (c && j == n)
            cols[n++] = (struct csv_column){c, c, true};
    }
    return n;
}

/* The rows of t as JSON objects (with their file and line), SLICE at a time from `from`. */
static json_t *rows_of(const struct csv_table *t, const struct csv_column *cols, size_t ncols,
                       const char *name, size_t from)
{
    json_t *rows = json_array();
    for (size_t r = from; r < csv_table_rows(t) && r < from + SLICE; r++) {
        json_t *o = json_pack("{s:s, s:I}", "_file", name, "_line",
                              (json_int_t)csv_table_line(t, r));
        for (size_t c = 0; c < ncols; c++) {
            const char *v = csv_table_get(t, r, c);
            json_object_set_new(o, cols[c].field, *v ? json_string(v) : json_null());
        }
        json_array_append_new(rows, o);
    }
    return rows;
}

/* Record the file (status done with its rows stored, or rejected) in one transaction, and
 * fill the report with what became of it. t is NULL for a rejected file. */
static int take(struct db *db, long long source_id, const struct feed_map *m, int min_month,
                const char *name, const char *hash, const struct csv_table *t,
                const struct csv_column *cols, size_t ncols, json_t *report,
                struct feed_stats *st, struct errbuf *e)
{
    struct feed_stats fs = {0};
    json_t *rejects = json_array();
    int rc;
    if ((rc = db_begin(db, e)) < 0) {
        json_decref(rejects);
        return rc;
    }
    for (size_t from = 0; t && from < csv_table_rows(t) && rc >= 0; from += SLICE) {
        json_t *rows = rows_of(t, cols, ncols, name, from);
        rc = feed_store_rows(db, source_id, m, min_month, rows, false, &fs, rejects, e);
        json_decref(rows);
    }
    if (rc < 0 ||
        (rc = db_run(db, e,
                     "INSERT INTO feed_files(source_id, hash, name, status, rows_read, stored,"
                     " quarantined, taken_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
                     "itttiiii", source_id, hash, name, t ? "done" : "rejected",
                     (long long)fs.rows, (long long)fs.stored, (long long)fs.quarantined,
                     (long long)time(NULL))) < 0 ||
        (rc = db_run(db, e,
                     "UPDATE feeds SET rows_read = rows_read + $2, stored = stored + $3,"
                     " duplicates = duplicates + $4, quarantined = quarantined + $5"
                     " WHERE source_id = $1",
                     "iiiii", source_id, (long long)fs.rows, (long long)fs.stored,
                     (long long)fs.duplicates, (long long)fs.quarantined)) < 0 ||
        (rc = db_commit(db, e)) < 0) {
        db_rollback(db);
        json_decref(rejects);
        return rc;
    }
    json_object_set_new(report, "rows", json_integer(fs.rows));
    json_object_set_new(report, "stored", json_integer(fs.stored));
    json_object_set_new(report, "duplicates", json_integer(fs.duplicates));
    json_object_set_new(report, "quarantined", json_integer(fs.quarantined));
    json_object_set_new(report, "quarantined_rows", rejects);
    st->rows += fs.rows;
    st->stored += fs.stored;
    st->duplicates += fs.duplicates;
    st->quarantined += fs.quarantined;
    st->resolved += fs.resolved;
    return 0;
}

/* Whether the content was taken before: 1 (with its name and status), 0, < 0 error. */
static int taken_before(struct db *db, long long source_id, const char *hash, char *name,
                        size_t n, char *status, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db, "SELECT name, status FROM feed_files WHERE source_id = $1 AND"
                             " hash = $2", &st, e)) < 0)
        return rc;
    db_bindv(st, "it", source_id, hash);
    if ((rc = db_step(st, e)) == 1) {
        snprintf(name, n, "%s", db_col_text(st, 0));
        snprintf(status, 16, "%s", db_col_text(st, 1));
    }
    db_done(st);
    return rc;
}

/* Take one file: record, store, move, report. A file-level problem rejects the file; only
 * database and file-system failures are returned. */
static int one_file(struct db *db, long long source_id, const char *dir, const char *name,
                    const struct feed_map *m, int min_month, struct feed_stats *st,
                    struct errbuf *e)
{
    char path[PATH_CHARS], hex[crypto_generichash_BYTES * 2 + 1], before[256], status[16];
    unsigned char h[crypto_generichash_BYTES];
    struct csv_column cols[FF__COUNT];
    struct csv_table *t = NULL;
    struct errbuf fe = ERRBUF_INIT;
    json_t *report = json_pack("{s:s}", "file", name);
    char *data = NULL;
    size_t len = 0, ncols = columns(m, cols);
    int rc;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((rc = read_file(path, &data, &len, &fe)) == -ERR_IO) {
        *e = fe;
        goto out;
    }
    if (rc < 0) { /* too large: rejected without reading it */
        snprintf(hex, sizeof(hex), "size:%s", name);
    } else {
        crypto_generichash(h, sizeof(h), (const unsigned char *)data, len, NULL, 0);
        sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
        if ((rc = taken_before(db, source_id, hex, before, sizeof(before), status, e)) < 0)
            goto out;
        if (rc == 1) {
            /* the same name, done: the process died after its commit, before the move */
            bool same = strcmp(before, name) == 0 && strcmp(status, "done") == 0;
            json_object_set_new(report, "status", json_string(same ? "done" : "rejected"));
            if (!same) {
                json_object_set_new(report, "reason", json_string("duplicate"));
                json_object_set_new(report, "message",
                                    json_sprintf("the same content was taken before as '%s'",
                                                 before));
            }
            rc = move(dir, name, same ? "done" : "rejected", report, e);
            goto out;
        }
        if ((rc = csv_table_parse(data, len, &t, &fe)) >= 0)
            rc = csv_table_map(t, cols, ncols, &fe);
    }
    if (rc < 0) { /* not a CSV we can read, or the header does not fit the mapping */
        csv_table_free(t);
        t = NULL;
        json_object_set_new(report, "reason", json_string(fe.why ? reason_name(fe.why)
                                                                  : "invalid_csv"));
        json_object_set_new(report, "message", json_string(fe.msg));
    }
    json_object_set_new(report, "status", json_string(t ? "done" : "rejected"));
    if ((rc = take(db, source_id, m, min_month, name, hex, t, cols, ncols, report, st, e)) < 0)
        goto out;
    rc = move(dir, name, t ? "done" : "rejected", report, e);
out:
    csv_table_free(t);
    free(data);
    json_decref(report);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int feed_folder_pull(struct db *db, long long source_id, const char *dir,
                     const struct feed_map *m, int min_month, struct feed_stats *st,
                     struct errbuf *e)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *names[MAX_FILES], sub[PATH_CHARS];
    size_t n = 0;
    int rc = 0;
    if (!d)
        return errbuf_set(e, -ERR_IO, "cannot open the folder '%s': %s", dir, strerror(errno));
    while ((de = readdir(d)) && n < MAX_FILES) {
        size_t len = strlen(de->d_name);
        char path[PATH_CHARS];
        struct stat sb;
        if (de->d_name[0] == '.' || len < 5 ||
            (strcasecmp(de->d_name + len - 4, ".csv") != 0 &&
             (len < 6 || strcasecmp(de->d_name + len - 5, ".xlsx") != 0)))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (names[n] = strdup(de->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), by_name);
    for (size_t i = 0; i < 2; i++) {
        snprintf(sub, sizeof(sub), "%s/%s", dir, i ? "rejected" : "done");
        if (mkdir(sub, 0750) < 0 && errno != EEXIST)
            rc = errbuf_set(e, -ERR_IO, "cannot create '%s': %s", sub, strerror(errno));
    }
    for (size_t i = 0; i < n && rc >= 0; i++) {
        rc = one_file(db, source_id, dir, names[i], m, min_month, st, e);
        st->pages++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return rc;
}
