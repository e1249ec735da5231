/* dangjian backup / restore: a consistent online copy of the database with a manifest of its
 * row counts, and bringing it back into a new database, checked against that manifest. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "db/backup.h"
#include "db/db.h"
#include "org/member_pii.h"
#include "base/banned.h"

static void print_counts(const json_t *counts)
{
    const char *t;
    json_t *n;
    long long rows = 0;
    json_object_foreach((json_t *)counts, t, n) rows += json_integer_value(n);
    printf("%zu tables, %lld rows (events %lld, members %lld, ledger postings %lld)\n",
           json_object_size(counts), rows,
           (long long)json_integer_value(json_object_get(counts, "events")),
           (long long)json_integer_value(json_object_get(counts, "members")),
           (long long)json_integer_value(json_object_get(counts, "ledger_postings")));
}

int cmd_backup(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *out = NULL;
    struct opt opts[] = {
        {"db", OPT_STR, &url, "database"}, {"out", OPT_STR, &out, "backup file"}, {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    char manifest[4096];
    json_t *counts = NULL, *m;
    struct db *db;
    int rc, version = 0;
    if (cli_parse("backup", argc - 1, argv + 1, opts, NULL, 0, NULL) < 0)
        return 2;
    if (!out) {
        fprintf(stderr, "dangjian backup: --out FILE is required\n");
        return 2;
    }
    if (snprintf(manifest, sizeof(manifest), "%s.json", out) >= (int)sizeof(manifest)) {
        fprintf(stderr, "dangjian backup: --out path too long\n");
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if ((rc = db_schema_version(db, &version, &e)) < 0 ||
        (rc = db_backup(db, out, &counts, &e)) < 0) {
        db_close(db);
        return cli_fail(&e);
    }
    db_close(db);
    m = json_pack("{s:s, s:i, s:I, s:O}", "backend",
                  db_is_postgres_url(url) ? "postgresql" : "sqlite", "schema_version", version,
                  "at", (json_int_t)time(NULL), "counts", counts);
    rc = json_dump_file(m, manifest, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(m);
    if (rc == 0) {
        printf("backup of %s written to %s (manifest %s): ", url, out, manifest);
        print_counts(counts);
    } else {
        fprintf(stderr, "dangjian: cannot write the manifest '%s'\n", manifest);
    }
    json_decref(counts);
    return rc == 0 ? 0 : 1;
}

int cmd_restore(int argc, char **argv)
{
    const char *url = NULL, *from = NULL, *t;
    struct opt opts[] = {{"db", OPT_STR, &url, "new database"},
                         {"from", OPT_STR, &from, "backup file"},
                         {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    char manifest[4096];
    json_t *m, *want, *got = NULL, *n;
    struct db *db;
    int rc, bad = 0;
    if (cli_parse("restore", argc - 1, argv + 1, opts, NULL, 0, NULL) < 0)
        return 2;
    if (!url || !from) {
        fprintf(stderr, "dangjian restore: --db (a new database) and --from FILE are required\n");
        return 2;
    }
    snprintf(manifest, sizeof(manifest), "%s.json", from);
    if ((rc = db_restore(url, from, &e)) < 0)
        return cli_fail(&e);
    /* opened without its key ring: the sealed personal data is copied as it is */
    if ((rc = db_open(url, &db, &e)) < 0)
        return cli_fail(&e);
    rc = db_table_counts(db, &got, &e);
    if (rc == 0) {
        struct errbuf k = ERRBUF_INIT;
        if (pii_configure(url, &k) < 0 || member_pii_attach(db, false, &k) < 0)
            fprintf(stderr,
                    "dangjian: note: %s\n  The members' ID card and mobile numbers stay sealed "
                    "until the key file is in place (docs/OPERATIONS.md, \"Keys\").\n",
                    k.msg);
    }
    db_close(db);
    if (rc < 0)
        return cli_fail(&e);
    /* every table as the backup counted it at its moment */
    m = json_load_file(manifest, 0, NULL);
    want = json_object_get(m, "counts");
    json_object_foreach(want, t, n)
    {
        long long have = json_integer_value(json_object_get(got, t));
        if (!json_object_get(got, t) || have != json_integer_value(n)) {
            fprintf(stderr, "dangjian: table %s has %lld rows, the backup had %lld\n", t, have,
                    (long long)json_integer_value(n));
            bad++;
        }
    }
    printf("restored %s into %s: ", from, url);
    print_counts(got);
    if (!m)
        printf("no manifest %s: the counts were not checked\n", manifest);
    else if (!bad)
        printf("every table matches the backup's manifest\n");
    json_decref(m);
    json_decref(got);
    return bad ? 1 : 0;
}
