/* An .xlsx roster of 10,000 members imported (make bench, `bench xlsx`): the workbook written
 * with our own exporter (libxlsxwriter), then read and imported as `dangjian import members`
 * does (csv_table_parse_sheet, import_members: every row checked, then stored in one
 * transaction), beside the same rows as CSV. Goal: under 2 s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/pii.h"
#include "base/csvread.h"
#include "base/xlsxwrite.h"
#include "common.h"
#include "db/db.h"
#include "org/import.h"

#define ROSTER 10000

static const struct xlsx_col cols[] = {
    {"工号", "emp_no", 's', 12, NULL},        {"姓名", "name", 's', 10, NULL},
    {"性别", "gender", 's', 6, NULL},         {"出生日期", "birth", 's', 12, NULL},
    {"入党日期", "joined", 's', 12, NULL},    {"党员类型", "status", 's', 10, NULL},
    {"人员类别", "category", 's', 10, NULL},  {"所在组织编码", "org", 's', 12, NULL},
    {"手机号", "phone", 's', 14, NULL},       {"职务", "position", 's', 12, NULL},
};

/* Import data (a workbook or CSV) into a fresh company of ROSTER/20 branches: seconds. */
static double import_once(const char *dir, const char *what, const char *data, size_t len)
{
    char path[512];
    struct errbuf e = {0};
    struct db *db;
    struct csv_table *t = NULL;
    struct import_report rep;
    char (*emp)[16] = calloc(20, sizeof(*emp));
    double t0;
    snprintf(path, sizeof(path), "%s/xlsx-%s.db", dir, what);
    unlink(path);
    /* the phone numbers are sealed with the key ring beside the database, as in the product */
    if (!emp || pii_configure(path, &e) < 0 || pii_load(true, &e) < 0 ||
        db_open(path, &db, &e) < 0 || db_migrate(db, &e) < 0)
        bench_die(&e);
    bench_members(db, 20, emp); /* the committee and its branch B-0 (with 20 members) */
    free(emp);
    t0 = bench_now();
    if (csv_table_parse_sheet(data, len, NULL, &t, &e) < 0 ||
        import_members(db, t, false, 0, 0, NULL, 0, &rep, &e) < 0)
        bench_die(&e);
    t0 = bench_now() - t0;
    if (rep.rows != ROSTER || rep.created != ROSTER) {
        fprintf(stderr, "bench xlsx: %zu rows read, %zu created, %d expected\n", rep.rows,
                rep.created, ROSTER);
        exit(1);
    }
    csv_table_free(t);
    db_close(db);
    unlink(path);
    snprintf(path + strlen(path), sizeof(path) - strlen(path), ".keys");
    unlink(path);
    return t0;
}

int bench_xlsx(const char *dir)
{
    struct errbuf e = {0};
    json_t *rows = json_array();
    struct buf csv = BUF_INIT;
    char *book = NULL;
    size_t len = 0;
    buf_addstr(&csv, "工号,姓名,性别,出生日期,入党日期,党员类型,人员类别,所在组织编码,手机号,职务\n");
    for (int i = 0; i < ROSTER; i++) {
        char emp[16], name[32], birth[16], joined[16], phone[16];
        snprintf(emp, sizeof(emp), "R%07d", i);
        snprintf(name, sizeof(name), "党员%05d", i);
        snprintf(birth, sizeof(birth), "19%02d-%02d-%02d", 60 + i % 40, 1 + i % 12, 1 + i % 28);
        snprintf(joined, sizeof(joined), "20%02d-07-01", i % 24);
        snprintf(phone, sizeof(phone), "138%08d", i);
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "emp_no", emp,
                            "name", name, "gender", i % 3 ? "男" : "女", "birth", birth, "joined",
                            joined, "status", "正式党员", "category", "在职", "org", "B-0",
                            "phone", phone, "position", "员工"));
        buf_printf(&csv, "%s,%s,%s,%s,%s,正式党员,在职,B-0,%s,员工\n", emp, name,
                   i % 3 ? "男" : "女", birth, joined, phone);
    }
    if (xlsx_write_rows("党员", cols, sizeof(cols) / sizeof(cols[0]), rows, &book, &len, &e) < 0)
        bench_die(&e);
    double tx = import_once(dir, "xlsx", book, len), tc = import_once(dir, "csv", csv.data, csv.len);
    printf("members import (%d members, one branch, a fresh SQLite database)\n", ROSTER);
    printf("  .xlsx (%zu KB)  : %6.2f s  (goal < 2 s)\n", len / 1024, tx);
    printf("  CSV   (%zu KB)  : %6.2f s  (the same rows; .xlsx/CSV %.2f)\n", csv.len / 1024, tc,
           tx / tc);
    free(book);
    buf_release(&csv);
    json_decref(rows);
    return 0;
}
