/* Fuzz target: CSV uploads as the imports read them. The bytes go through each import route's
 * door (auth_prepare: text/csv, not empty) and handler — organizations, members and income
 * bases (api_import_*: encoding detection of UTF-8, UTF-8 with BOM and GB18030, libcsv,
 * trimming, the header mapped onto the import's Chinese or English columns, every row's cells
 * checked against the world's database) — as a dry run, so nothing is written; then through
 * the events import of `dangjian import events` (import_events, dry run). The table's
 * accessors are walked over every row and column. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/csvread.h"
#include "db/db.h"
#include "fuzz.h"
#include "http/auth.h"
#include "http/router.h"
#include "org/import.h"

static const char *const paths[] = {
    "/api/v1/import/orgs",
    "/api/v1/import/members",
    "/api/v1/import/bases",
};

/* Every column name the imports know, so that csv_table_get is tried on each. */
static const struct csv_column any_cols[] = {
    {"code", "组织编码", false},
    {"name", "组织名称", false},
    {"emp_no", "工号", false},
    {"name", "姓名", false},
    {"year", "年度", false},
    {"date", "日期", false},
    {"monthly_income_yuan", "月收入（元）", false},
};

static void walk(struct csv_table *t)
{
    struct errbuf e = ERRBUF_INIT;
    size_t n = csv_table_rows(t), ncols = sizeof(any_cols) / sizeof(any_cols[0]);
    (void)csv_table_encoding(t);
    if (csv_table_map(t, any_cols, ncols, &e) < 0)
        return;
    for (size_t i = 0; i <= n; i++) {
        (void)csv_table_line(t, i);
        for (size_t j = 0; j <= ncols; j++) {
            (void)csv_table_has(t, j);
            (void)strlen(csv_table_get(t, i, j));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_world *w = fuzz_world();
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    struct import_report *rep;

    fuzz_headers_clear();
    fuzz_header_set("Content-Type", "text/csv");
    fuzz_query_set("dry_run", "true");
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        const struct route *rt = NULL;
        struct route door;
        struct req r;
        struct errbuf he = ERRBUF_INIT;
        int rc;
        fuzz_req_init(&r, "POST", paths[i], data, size, 1);
        if (router_match(&r, &rt, &he) < 0 || rt->body != BODY_CSV)
            abort(); /* the route table lost an import */
        /* the route's checks (content type, an empty body refused) without the session's:
         * the world's account is the caller */
        door = *rt;
        door.auth = AUTH_PUBLIC;
        if ((rc = auth_prepare(&r, &door, &he)) == 0)
            rc = rt->fn(&r, &he);
        fuzz_check_error(rc, &he);
        if (db_in_tx(w->db))
            abort(); /* an import left its transaction open */
        fuzz_req_release(&r);
    }
    fuzz_headers_clear();

    if (csv_table_parse((const char *)data, size, &t, &e) < 0)
        return 0;
    if (!(rep = calloc(1, sizeof(*rep))))
        abort();
    fuzz_check_error(import_events(w->db, t, w->source, true, rep, &e), &e);
    if (db_in_tx(w->db))
        abort();
    walk(t);
    free(rep);
    csv_table_free(t);
    return 0;
}
