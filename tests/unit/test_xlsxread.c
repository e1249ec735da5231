/* base/xlsxread.c through csv_table_parse: workbooks written by libxlsxwriter (shared and
 * inline strings, numbers, dates, sheets, merged cells) and hand-made hostile packages. */
#include "unit.h"

#include <xlsxwriter.h>
#include <zip.h>

#include "base/buf.h"
#include "base/csvread.h"
#include "base/xlsxread.h"

enum { C_EMP_NO, C_NAME, C_BIRTH, C_INCOME, C__COUNT };

static const struct csv_column cols[C__COUNT] = {
    [C_EMP_NO] = {"emp_no", "工号", true},
    [C_NAME] = {"name", "姓名", true},
    [C_BIRTH] = {"birth_date", "出生日期", false},
    [C_INCOME] = {"monthly_income_yuan", "月收入（元）", false},
};

/* The bytes of the file at path, in b (max 0: unlimited). */
static void slurp(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    assert_non_null(f);
    buf_init(b, 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        assert_int_equal(buf_add(b, chunk, n), 0);
    fclose(f);
    unlink(path);
}

/* A members sheet as a clerk writes it with libxlsxwriter; constant_memory writes inline
 * strings instead of shared ones. The second sheet is named "名册" and has one row. */
static void write_members(struct buf *b, bool constant_memory, bool merge_header)
{
    char path[] = "/tmp/dj-xlsx-XXXXXX";
    int fd = mkstemp(path);
    lxw_workbook_options opt = {.constant_memory = constant_memory};
    lxw_workbook *wb;
    lxw_worksheet *ws, *ws2;
    lxw_format *date;
    lxw_datetime born = {1990, 1, 2, 0, 0, 0};

    assert_true(fd >= 0);
    close(fd);
    wb = workbook_new_opt(path, &opt);
    ws = workbook_add_worksheet(wb, "第一页");
    ws2 = workbook_add_worksheet(wb, "名册");
    date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy\"年\"m\"月\"d\"日\"");
    if (merge_header) {
        worksheet_merge_range(ws, 0, 0, 0, 1, "工号", NULL);
        worksheet_write_string(ws, 0, 2, "出生日期", NULL);
    } else {
        worksheet_write_string(ws, 0, 0, "工号", NULL);
        worksheet_write_string(ws, 0, 1, " 姓名 ", NULL);
        worksheet_write_string(ws, 0, 2, "出生日期", NULL);
        worksheet_write_string(ws, 0, 3, "月收入（元）", NULL);
    }
    worksheet_write_string(ws, 1, 0, "RS001", NULL);
    worksheet_write_string(ws, 1, 1, "周全", NULL);
    worksheet_write_datetime(ws, 1, 2, &born, date);
    worksheet_write_number(ws, 1, 3, 1234.4999999999998, NULL);
    /* row 3 left empty: the next data row is spreadsheet row 4 */
    worksheet_write_number(ws, 3, 0, 10086, NULL);
    worksheet_write_string(ws, 3, 1, "李四", NULL);
    worksheet_write_number(ws, 3, 3, 0.1 + 0.2, NULL);
    worksheet_write_string(ws2, 0, 0, "工号", NULL);
    worksheet_write_string(ws2, 0, 1, "姓名", NULL);
    worksheet_write_string(ws2, 1, 0, "RS009", NULL);
    worksheet_write_string(ws2, 1, 1, "王五", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    slurp(path, b);
}

struct entry {
    const char *name, *text;
};

static const char *WORKBOOK =
    "<?xml version=\"1.0\"?><workbook xmlns:r=\"urn:r\"><sheets>"
    "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char *RELS =
    "<Relationships><Relationship Id=\"rId1\" Type=\"urn:x/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/></Relationships>";

/* A package of the given entries, written by libzip, in b. */
static void make_zip(const struct entry *en, size_t n, struct buf *b)
{
    char path[] = "/tmp/dj-zip-XXXXXX";
    int fd = mkstemp(path), err = 0;
    zip_t *z;
    assert_true(fd >= 0);
    close(fd);
    assert_non_null(z = zip_open(path, ZIP_TRUNCATE, &err));
    for (size_t i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(z, en[i].text, strlen(en[i].text), 0);
        assert_non_null(s);
        assert_true(zip_file_add(z, en[i].name, s, ZIP_FL_ENC_UTF_8) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    slurp(path, b);
}

/* A workbook whose one sheet is sheet_xml, parsed: the return code and the error in e. */
static int parse_sheet(const char *sheet_xml, struct csv_table **t, struct errbuf *e)
{
    const struct entry en[] = {
        {"xl/workbook.xml", WORKBOOK},
        {"xl/_rels/workbook.xml.rels", RELS},
        {"xl/worksheets/sheet1.xml", sheet_xml},
    };
    struct buf b;
    int rc;
    make_zip(en, 3, &b);
    rc = csv_table_parse(b.data, b.len, t, e);
    buf_release(&b);
    return rc;
}

static struct csv_table *members(bool constant_memory, const char *sheet)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    struct buf b;
    write_members(&b, constant_memory, false);
    if (csv_table_parse_sheet(b.data, b.len, sheet, &t, &e) < 0)
        fail_msg("parse: %s", e.msg);
    if (csv_table_map(t, cols, C__COUNT, &e) < 0)
        fail_msg("map: %s", e.msg);
    buf_release(&b);
    return t;
}

/* The members sheet both writers hold: emp0 first, a blank row 3, then 10086 born birth1. */
static void check_members(struct csv_table *t, const char *emp0, const char *birth1)
{
    assert_string_equal(csv_table_encoding(t), "xlsx");
    assert_int_equal(csv_table_rows(t), 2);
    assert_string_equal(csv_table_get(t, 0, C_EMP_NO), emp0);
    assert_string_equal(csv_table_get(t, 0, C_NAME), "周全");
    assert_string_equal(csv_table_get(t, 0, C_BIRTH), "1990-01-02");
    assert_string_equal(csv_table_get(t, 0, C_INCOME), "1234.5");
    assert_int_equal(csv_table_line(t, 0), 2);
    assert_string_equal(csv_table_get(t, 1, C_EMP_NO), "10086");
    assert_string_equal(csv_table_get(t, 1, C_BIRTH), birth1);
    assert_string_equal(csv_table_get(t, 1, C_INCOME), "0.3");
    assert_int_equal(csv_table_line(t, 1), 4);
    csv_table_free(t);
}

static void test_shared_strings_numbers_and_dates(void **state)
{
    (void)state;
    check_members(members(false, NULL), "RS001", "");
}

static void test_inline_strings_read_the_same(void **state)
{
    (void)state;
    check_members(members(true, NULL), "RS001", "");
}

static void test_named_sheet(void **state)
{
    struct csv_table *t = members(false, "名册");
    (void)state;
    assert_int_equal(csv_table_rows(t), 1);
    assert_string_equal(csv_table_get(t, 0, C_NAME), "王五");
    csv_table_free(t);
}

static void test_unknown_sheet_names_the_sheets(void **state)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    struct buf b;
    (void)state;
    write_members(&b, false, false);
    assert_int_equal(csv_table_parse_sheet(b.data, b.len, "Sheet9", &t, &e), -ERR_INVALID);
    assert_null(t);
    assert_int_equal(e.why, R_INVALID_CHOICE);
    assert_string_equal(e.field, "sheet");
    assert_non_null(strstr(e.msg, "第一页, 名册"));
    buf_release(&b);
}

static void test_sheet_for_a_csv_file_is_refused(void **state)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(csv_table_parse_sheet("工号\n1\n", 9, "x", &t, &e), -ERR_INVALID);
    assert_int_equal(e.why, R_INVALID_CHOICE);
}

static void test_merged_header_is_refused(void **state)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    struct buf b;
    (void)state;
    write_members(&b, false, true);
    assert_int_equal(csv_table_parse(b.data, b.len, &t, &e), -ERR_INVALID);
    assert_null(t);
    assert_int_equal(e.why, R_MERGED_CELLS);
    assert_int_equal(e.row, 1);
    assert_string_equal(e.field, "A1:B1");
    buf_release(&b);
}

/* Files written by LibreOffice (tests/fixtures/xlsx/make-libreoffice.sh), read from the repo. */
static struct csv_table *load_fixture(const char *name, const char *sheet, int rc,
                                      struct errbuf *e)
{
    char path[200];
    struct csv_table *t = NULL;
    snprintf(path, sizeof(path), "tests/fixtures/xlsx/%s", name);
    assert_int_equal(csv_table_load_sheet(path, sheet, &t, e), rc);
    return t;
}

static void test_libreoffice_workbook(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct csv_table *t = load_fixture("libreoffice-members.xlsx", "名册", 0, &e);
    (void)state;
    assert_int_equal(csv_table_map(t, cols, C__COUNT, &e), 0);
    check_members(t, "LO001", "2000-02-29");
    /* the first sheet is the note, not the list */
    t = load_fixture("libreoffice-members.xlsx", NULL, 0, &e);
    assert_int_equal(csv_table_map(t, cols, C__COUNT, &e), -ERR_INVALID);
    assert_int_equal(e.why, R_UNKNOWN_COLUMN);
    csv_table_free(t);
}

static void test_libreoffice_merged_header(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_null(load_fixture("libreoffice-merged.xlsx", NULL, -ERR_INVALID, &e));
    assert_int_equal(e.why, R_MERGED_CELLS);
    assert_string_equal(e.field, "A1:B1");
}

/* 100,000 rows stream through expat: the last row arrives with its sheet row number. */
static void test_hundred_thousand_rows(void **state)
{
    char path[] = "/tmp/dj-xlsx-big-XXXXXX", emp[16];
    int fd = mkstemp(path);
    lxw_workbook_options opt = {.constant_memory = true};
    lxw_workbook *wb;
    lxw_worksheet *ws;
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    struct buf b;
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    wb = workbook_new_opt(path, &opt);
    ws = workbook_add_worksheet(wb, NULL);
    worksheet_write_string(ws, 0, 0, "工号", NULL);
    worksheet_write_string(ws, 0, 1, "姓名", NULL);
    worksheet_write_string(ws, 0, 3, "月收入（元）", NULL);
    for (lxw_row_t r = 1; r <= 100000; r++) {
        snprintf(emp, sizeof(emp), "E%06u", (unsigned)r);
        worksheet_write_string(ws, r, 0, emp, NULL);
        worksheet_write_string(ws, r, 1, "张三", NULL);
        worksheet_write_number(ws, r, 3, r / 4.0, NULL);
    }
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    slurp(path, &b);
    assert_int_equal(csv_table_parse(b.data, b.len, &t, &e), 0);
    assert_int_equal(csv_table_map(t, cols, C__COUNT, &e), 0);
    assert_int_equal(csv_table_rows(t), 100000);
    assert_string_equal(csv_table_get(t, 99999, C_EMP_NO), "E100000");
    assert_string_equal(csv_table_get(t, 99999, C_INCOME), "25000");
    assert_string_equal(csv_table_get(t, 2, C_INCOME), "0.75");
    assert_int_equal(csv_table_line(t, 99999), 100001);
    csv_table_free(t);
    buf_release(&b);
}

static void test_number_text(void **state)
{
    char out[64];
    (void)state;
    xlsx_number_text("1234.4999999999998", false, false, out, sizeof(out));
    assert_string_equal(out, "1234.5");
    xlsx_number_text("13800138000", false, false, out, sizeof(out));
    assert_string_equal(out, "13800138000");
    xlsx_number_text("-0", false, false, out, sizeof(out));
    assert_string_equal(out, "0");
    xlsx_number_text("1E-3", false, false, out, sizeof(out));
    assert_string_equal(out, "0.001");
    xlsx_number_text("abc", false, false, out, sizeof(out));
    assert_string_equal(out, "abc");
    xlsx_number_text("45292", true, false, out, sizeof(out));
    assert_string_equal(out, "2024-01-01");
    xlsx_number_text("45292.75", true, false, out, sizeof(out));
    assert_string_equal(out, "2024-01-01");
    xlsx_number_text("1", true, false, out, sizeof(out));
    assert_string_equal(out, "1900-01-01");
    xlsx_number_text("59", true, false, out, sizeof(out));
    assert_string_equal(out, "1900-02-28");
    xlsx_number_text("61", true, false, out, sizeof(out));
    assert_string_equal(out, "1900-03-01");
    xlsx_number_text("0", true, true, out, sizeof(out));
    assert_string_equal(out, "1904-01-01");
    xlsx_number_text("43830", true, true, out, sizeof(out));
    assert_string_equal(out, "2024-01-01");
}

static void test_inline_rich_text_and_cell_types(void **state)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(
        parse_sheet("<worksheet><sheetData><row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is>"
                    "<r><t>工</t></r><r><t>号</t></r><rPh><t>gong</t></rPh></is></c>"
                    "<c r=\"C2\" t=\"inlineStr\"><is><t>姓名</t></is></c></row>"
                    "<row><c t=\"b\"><v>1</v></c><c t=\"e\"><v>#N/A</v></c>"
                    "<c t=\"str\"><f>A1</f><v>x</v></c></row></sheetData></worksheet>",
                    &t, &e),
        0);
    assert_int_equal(csv_table_map(t, cols, C__COUNT, &e), -ERR_INVALID);
    assert_int_equal(e.why, R_MISSING_COLUMN); /* column B has data but no header */
    assert_string_equal(e.field, "B");
    csv_table_free(t);
}

static void expect_refused(const char *sheet_xml, enum reason why, const char *in_msg)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    assert_int_equal(parse_sheet(sheet_xml, &t, &e), -ERR_INVALID);
    assert_null(t);
    assert_int_equal(e.why, why);
    if (!strstr(e.msg, in_msg))
        fail_msg("'%s' not in '%s'", in_msg, e.msg);
}

static void test_hostile_xml_is_refused(void **state)
{
    struct buf deep;
    (void)state;
    expect_refused("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><worksheet>&a;</worksheet>",
                   R_INVALID_XLSX, "document type");
    expect_refused("<worksheet><sheetData><row></worksheet>", R_INVALID_XLSX,
                   "not well-formed");
    expect_refused("<worksheet><sheetData><row><c t=\"s\"><v>7</v></c></row></sheetData>"
                   "</worksheet>",
                   R_INVALID_XLSX, "shared string 7");
    expect_refused("<worksheet><sheetData><row r=\"5\"/><row r=\"3\"/></sheetData></worksheet>",
                   R_INVALID_XLSX, "out of order");
    buf_init(&deep, 0);
    for (int i = 0; i < 40; i++)
        assert_int_equal(buf_addstr(&deep, "<a>"), 0);
    expect_refused(buf_str(&deep), R_INVALID_XLSX, "nested deeper than 32");
    buf_release(&deep);
}

static void test_not_a_workbook_is_refused(void **state)
{
    const struct entry en[] = {{"hello.txt", "hi"}};
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    struct buf b;
    (void)state;
    make_zip(en, 1, &b);
    assert_int_equal(csv_table_parse(b.data, b.len, &t, &e), -ERR_INVALID);
    assert_int_equal(e.why, R_INVALID_XLSX);
    assert_non_null(strstr(e.msg, "xl/workbook.xml"));
    buf_release(&b);
    assert_int_equal(csv_table_parse("PK\3\4garbage", 11, &t, &e), -ERR_INVALID);
    assert_int_equal(e.why, R_INVALID_XLSX);
}

static void test_too_many_entries_is_refused(void **state)
{
    static struct entry en[XLSX_MAX_ENTRIES + 1];
    static char names[XLSX_MAX_ENTRIES + 1][16];
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    struct buf b;
    (void)state;
    for (size_t i = 0; i <= XLSX_MAX_ENTRIES; i++) {
        snprintf(names[i], sizeof(names[i]), "f%zu", i);
        en[i] = (struct entry){names[i], ""};
    }
    make_zip(en, XLSX_MAX_ENTRIES + 1, &b);
    assert_int_equal(csv_table_parse(b.data, b.len, &t, &e), -ERR_INVALID);
    assert_int_equal(e.why, R_INVALID_XLSX);
    assert_int_equal(e.limit, XLSX_MAX_ENTRIES);
    buf_release(&b);
}

/* A sheet of 257 MiB of spaces compresses to a few hundred KiB: refused, not inflated. */
static void test_zip_bomb_is_refused(void **state)
{
    size_t n = XLSX_MAX_PART + 1024 * 1024;
    char *big = malloc(n + 1);
    (void)state;
    assert_non_null(big);
    memset(big, ' ', n);
    big[n] = '\0';
    memcpy(big, "<worksheet>", 11);
    expect_refused(big, R_INVALID_XLSX, "inflates past");
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_strings_numbers_and_dates),
        cmocka_unit_test(test_inline_strings_read_the_same),
        cmocka_unit_test(test_named_sheet),
        cmocka_unit_test(test_unknown_sheet_names_the_sheets),
        cmocka_unit_test(test_sheet_for_a_csv_file_is_refused),
        cmocka_unit_test(test_merged_header_is_refused),
        cmocka_unit_test(test_libreoffice_workbook),
        cmocka_unit_test(test_libreoffice_merged_header),
        cmocka_unit_test(test_hundred_thousand_rows),
        cmocka_unit_test(test_number_text),
        cmocka_unit_test(test_inline_rich_text_and_cell_types),
        cmocka_unit_test(test_hostile_xml_is_refused),
        cmocka_unit_test(test_not_a_workbook_is_refused),
        cmocka_unit_test(test_too_many_entries_is_refused),
        cmocka_unit_test(test_zip_bomb_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
