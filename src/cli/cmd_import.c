#include <stdio.h>
#include <string.h>

#include "base/csvread.h"
#include "base/month.h"
#include "cli/cli.h"
#include "db/db.h"
#include "dues/base.h"
#include "ingest/source.h"
#include "org/import.h"
#include "base/banned.h"

/* Events imported by hand come from the 'import' source, created on first use (a dry run
 * creates nothing: it checks against source 0, which has no events). */
static int import_source(struct db *db, const char *code, bool dry, long long *ret,
                         struct errbuf *e)
{
    char key[96];
    int rc = source_find(db, code, ret, e);
    if (rc != -ERR_NOTFOUND || strcmp(code, "import") != 0)
        return rc;
    if (dry) {
        *ret = 0;
        return 0;
    }
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    if ((rc = source_add(db, "import", "CSV 导入", key, sizeof(key), ret, e)) < 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, e);
}

int cmd_import(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *source = "import", *from_text = NULL,
               *sheet = NULL, *pos[2] = {0};
    bool dry = false;
    int from = 0;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"dry-run", OPT_FLAG, &dry, ""},
                         {"source", OPT_STR, &source, ""},
                         {"from", OPT_STR, &from_text, ""},
                         {"sheet", OPT_STR, &sheet, ""},
                         {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    struct import_report *rep = NULL;
    struct csv_table *t = NULL;
    struct db *db = NULL;
    long long source_id = 0;
    int npos = 0, rc = 1;
    if (cli_parse("import", argc - 1, argv + 1, opts, pos, 2, &npos) < 0)
        return 2;
    if (npos != 2 || (strcmp(pos[0], "orgs") && strcmp(pos[0], "members") &&
                      strcmp(pos[0], "events") && strcmp(pos[0], "bases"))) {
        fprintf(stderr, "dangjian import: expected orgs|members|events|bases FILE.csv|FILE.xlsx (see: dangjian help import)\n");
        return 2;
    }
    if (from_text && (month_parse(from_text, &from) < 0 || strcmp(pos[0], "members") != 0)) {
        fprintf(stderr, "dangjian import: --from takes a month YYYYMM and applies to members\n");
        return 2;
    }
    if (csv_table_load_sheet(pos[1], sheet, &t, &e) < 0)
        return cli_fail(&e);
    if (cli_open_db(url, false, &db) < 0)
        goto out;
    if (!(rep = calloc(1, sizeof(*rep)))) {
        fprintf(stderr, "dangjian: out of memory\n");
        goto out;
    }
    if (strcmp(pos[0], "orgs") == 0)
        rc = import_orgs(db, t, dry, 0, NULL, 0, rep, &e);
    else if (strcmp(pos[0], "members") == 0)
        rc = import_members(db, t, dry, from, 0, NULL, 0, rep, &e);
    else if (strcmp(pos[0], "bases") == 0)
        rc = dues_import_bases(db, t, dry, 0, NULL, 0, rep, &e);
    else if ((rc = import_source(db, source, dry, &source_id, &e)) == 0)
        rc = import_events(db, t, source_id, dry, rep, &e);
    for (size_t i = 0; i < rep->nerrors && i < IMPORT_MAX_ERRORS; i++)
        fprintf(stderr, "%s: %s\n", pos[1], rep->errors[i].msg);
    if (rep->nerrors > IMPORT_MAX_ERRORS)
        fprintf(stderr, "%s: ... and %zu more errors\n", pos[1], rep->nerrors - IMPORT_MAX_ERRORS);
    if (rc < 0) {
        rc = cli_fail(&e);
        goto out;
    }
    printf("%s%s: %zu rows (%s): %zu created, %zu updated%s", dry ? "dry run, nothing written: " : "",
           pos[1], rep->rows, csv_table_encoding(t), rep->created, rep->updated,
           strcmp(pos[0], "events") == 0 ? "" : "\n");
    if (strcmp(pos[0], "events") == 0)
        printf(", %zu duplicates\n", rep->duplicate);
    rc = 0;
out:
    free(rep);
    csv_table_free(t);
    db_close(db);
    return rc;
}
