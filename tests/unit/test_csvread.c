#include "unit.h"

#include <unistd.h>

#include "base/buf.h"
#include "base/csvread.h"

enum { C_EMP_NO, C_NAME, C_ID_CARD, C_INCOME, C__COUNT };

static const struct csv_column member_cols[C__COUNT] = {
    [C_EMP_NO] = {"emp_no", "工号", true},
    [C_NAME] = {"name", "姓名", true},
    [C_ID_CARD] = {"id_card", "身份证号", false},
    [C_INCOME] = {"monthly_income_yuan", "月收入（元）", false},
};

/* Parse s (a C string) and map it onto member_cols; both must succeed. */
static struct csv_table *load_ok(const char *s)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    int rc = csv_table_parse(s, strlen(s), &t, &e);
    if (rc < 0)
        fail_msg("parse: %s", e.msg);
    rc = csv_table_map(t, member_cols, C__COUNT, &e);
    if (rc < 0)
        fail_msg("map: %s", e.msg);
    return t;
}

/* Parse s expecting failure with code rc; return the message. */
static const char *parse_fails(const char *s, size_t len, int rc, struct errbuf *e)
{
    struct csv_table *t = NULL;
    assert_int_equal(csv_table_parse(s, len, &t, e), rc);
    assert_null(t);
    return e->msg;
}

/* Parse s and expect the mapping to fail with -ERR_INVALID; return the message. */
static const char *map_fails(const char *s, struct errbuf *e)
{
    struct csv_table *t = NULL;
    assert_int_equal(csv_table_parse(s, strlen(s), &t, e), 0);
    assert_int_equal(csv_table_map(t, member_cols, C__COUNT, e), -ERR_INVALID);
    csv_table_free(t);
    return e->msg;
}

static void test_header_chinese_and_english_in_any_order(void **state)
{
    struct csv_table *t = load_ok("姓名,id_card,工号\n张三,500101199003071236,001\n");
    (void)state;
    assert_int_equal(csv_table_rows(t), 1);
    assert_string_equal(csv_table_get(t, 0, C_EMP_NO), "001");
    assert_string_equal(csv_table_get(t, 0, C_NAME), "张三");
    assert_string_equal(csv_table_get(t, 0, C_ID_CARD), "500101199003071236");
    assert_string_equal(csv_table_encoding(t), "utf-8");
    csv_table_free(t);
}

static void test_header_ignores_star_parentheses_and_case(void **state)
{
    struct csv_table *t = load_ok("工号*,姓名 ＊,月收入(元),ID_Card\n1,a,3000,x\n");
    (void)state;
    assert_string_equal(csv_table_get(t, 0, C_EMP_NO), "1");
    assert_string_equal(csv_table_get(t, 0, C_NAME), "a");
    assert_string_equal(csv_table_get(t, 0, C_INCOME), "3000");
    assert_string_equal(csv_table_get(t, 0, C_ID_CARD), "x");
    csv_table_free(t);
}

static void test_map_unknown_column_names_it(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_string_equal(map_fails("工号,姓名,部门\n1,a,b\n", &e), "row 1: unknown column '部门'");
}

static void test_map_unknown_column_is_clipped_in_message(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct buf s;
    (void)state;
    buf_init(&s, 0);
    assert_int_equal(buf_addstr(&s, "工号,"), 0);
    for (int i = 0; i < 300; i++)
        assert_int_equal(buf_addstr(&s, "长"), 0);
    assert_int_equal(buf_addstr(&s, "\n1,a\n"), 0);
    map_fails(buf_str(&s), &e);
    assert_true(strlen(e.msg) < 120);
    assert_non_null(strstr(e.msg, "长...'"));
    buf_release(&s);
}

static void test_map_duplicate_column_is_error(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_string_equal(map_fails("工号,姓名,emp_no\n1,a,1\n", &e),
                        "row 1: duplicate column 'emp_no' (columns A and C)");
}

static void test_map_missing_required_column_names_it(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_string_equal(map_fails("姓名,身份证号\na,b\n", &e),
                        "missing required column '工号' (emp_no)");
}

static void test_map_header_row_number_counts_leading_blank_lines(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_string_equal(map_fails("\n\n工号,姓名,备注\n1,a,b\n", &e),
                        "row 3: unknown column '备注'");
}

static void test_optional_column_absent_reads_empty(void **state)
{
    struct csv_table *t = load_ok("工号,姓名\n1,a\n");
    (void)state;
    assert_true(csv_table_has(t, C_NAME));
    assert_false(csv_table_has(t, C_ID_CARD));
    assert_string_equal(csv_table_get(t, 0, C_ID_CARD), "");
    csv_table_free(t);
}

static void test_empty_header_column_without_data_is_ignored(void **state)
{
    struct csv_table *t = load_ok("工号,,姓名\n1,,a\n");
    (void)state;
    assert_string_equal(csv_table_get(t, 0, C_NAME), "a");
    csv_table_free(t);
}

static void test_empty_header_column_with_data_is_error(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_string_equal(map_fails("工号,,姓名\n1,x,a\n", &e),
                        "row 1: column B has data but no header");
}

static void test_row_numbers_count_header_and_blank_lines(void **state)
{
    struct csv_table *t = load_ok("工号,姓名\n\n1,a\n,,\n  \n2,b\n");
    (void)state;
    assert_int_equal(csv_table_rows(t), 2);
    assert_int_equal(csv_table_line(t, 0), 3);
    assert_int_equal(csv_table_line(t, 1), 6);
    assert_string_equal(csv_table_get(t, 1, C_EMP_NO), "2");
    csv_table_free(t);
}

static void test_crlf_line_endings(void **state)
{
    struct csv_table *t = load_ok("工号,姓名\r\n1,a\r\n\r\n2,b\r\n");
    (void)state;
    assert_int_equal(csv_table_rows(t), 2);
    assert_string_equal(csv_table_get(t, 0, C_NAME), "a");
    assert_string_equal(csv_table_get(t, 1, C_NAME), "b");
    assert_int_equal(csv_table_line(t, 0), 2);
    assert_int_equal(csv_table_line(t, 1), 4);
    csv_table_free(t);
}

static void test_cr_only_line_endings(void **state)
{
    struct csv_table *t = load_ok("工号,姓名\r1,a\r2,b");
    (void)state;
    assert_int_equal(csv_table_rows(t), 2);
    assert_string_equal(csv_table_get(t, 1, C_NAME), "b");
    assert_int_equal(csv_table_line(t, 1), 3);
    csv_table_free(t);
}

static void test_quoted_fields_with_commas_newlines_and_quotes(void **state)
{
    struct csv_table *t = load_ok("工号,姓名\n"
                                  "1,\"张,三\nline two\"\n"
                                  "\"2\",\"say \"\"hi\"\"\"\n");
    (void)state;
    assert_int_equal(csv_table_rows(t), 2);
    assert_string_equal(csv_table_get(t, 0, C_NAME), "张,三\nline two");
    assert_string_equal(csv_table_get(t, 1, C_EMP_NO), "2");
    assert_string_equal(csv_table_get(t, 1, C_NAME), "say \"hi\"");
    /* a cell spanning two lines is still one spreadsheet row */
    assert_int_equal(csv_table_line(t, 1), 3);
    csv_table_free(t);
}

static void test_cells_are_trimmed(void **state)
{
    struct csv_table *t = load_ok("  工号 ,\t姓名\n 1 ,\"  张三\xE3\x80\x80\"\n");
    (void)state;
    assert_string_equal(csv_table_get(t, 0, C_EMP_NO), "1");
    assert_string_equal(csv_table_get(t, 0, C_NAME), "张三");
    csv_table_free(t);
}

static void test_stray_quote_in_unquoted_field_is_kept(void **state)
{
    struct csv_table *t = load_ok("工号,姓名\n1,5\"3 monitor\n");
    (void)state;
    assert_string_equal(csv_table_get(t, 0, C_NAME), "5\"3 monitor");
    csv_table_free(t);
}

static void test_unclosed_quote_names_row_and_line(void **state)
{
    static const char s[] = "工号,姓名\n1,a\n2,\"b\n3,c\n4,d\n";
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_string_equal(parse_fails(s, sizeof(s) - 1, -ERR_INVALID, &e),
                        "row 3: quoted field opened on line 3 is never closed");
}

static void test_unclosed_quote_on_last_line_without_newline(void **state)
{
    static const char s[] = "工号,姓名\n1,\"a";
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_string_equal(parse_fails(s, sizeof(s) - 1, -ERR_INVALID, &e),
                        "row 2: quoted field opened on line 2 is never closed");
}

static void test_short_row_reads_empty(void **state)
{
    struct csv_table *t = load_ok("工号,姓名,身份证号\n1\n2,b\n");
    (void)state;
    assert_int_equal(csv_table_rows(t), 2);
    assert_string_equal(csv_table_get(t, 0, C_EMP_NO), "1");
    assert_string_equal(csv_table_get(t, 0, C_NAME), "");
    assert_string_equal(csv_table_get(t, 1, C_ID_CARD), "");
    csv_table_free(t);
}

static void test_too_long_row_names_it(void **state)
{
    static const char s[] = "工号,姓名\n1,a\n2,b,c\n";
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_string_equal(parse_fails(s, sizeof(s) - 1, -ERR_INVALID, &e),
                        "row 3: 3 cells but the header has 2 columns");
}

static void test_trailing_empty_cells_do_not_make_a_row_too_long(void **state)
{
    struct csv_table *t = load_ok("工号,姓名,,\n1,a,,,,\n2,\"\", ,\n");
    (void)state;
    assert_int_equal(csv_table_rows(t), 2);
    assert_string_equal(csv_table_get(t, 1, C_NAME), "");
    csv_table_free(t);
}

static void test_last_line_without_newline_is_read(void **state)
{
    struct csv_table *t = load_ok("工号,姓名\n1,a\n2,b");
    (void)state;
    assert_int_equal(csv_table_rows(t), 2);
    assert_string_equal(csv_table_get(t, 1, C_NAME), "b");
    csv_table_free(t);
}

static void test_gbk_file_is_converted(void **state)
{
    /* "姓名,工号\n张三,001\n" in GB18030, bytes from iconv */
    static const char s[] = "\xD0\xD5\xC3\xFB,\xB9\xA4\xBA\xC5\n\xD5\xC5\xC8\xFD,001\n";
    struct csv_table *t = load_ok(s);
    (void)state;
    assert_string_equal(csv_table_encoding(t), "gb18030");
    assert_string_equal(csv_table_get(t, 0, C_NAME), "张三");
    assert_string_equal(csv_table_get(t, 0, C_EMP_NO), "001");
    csv_table_free(t);
}

static void test_bom_file_header_matches(void **state)
{
    struct csv_table *t = load_ok("\xEF\xBB\xBF工号,姓名\n1,a\n");
    (void)state;
    assert_string_equal(csv_table_encoding(t), "utf-8-bom");
    assert_string_equal(csv_table_get(t, 0, C_EMP_NO), "1");
    csv_table_free(t);
}

static void test_invalid_encoding_is_error_with_offset(void **state)
{
    static const char s[] = "a,b\n\xFF\xFF\n";
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    parse_fails(s, sizeof(s) - 1, -ERR_INVALID, &e);
    assert_non_null(strstr(e.msg, "offset 4 (line 2)"));
}

static void test_nul_byte_is_error(void **state)
{
    static const char s[] = "工号,姓名\n1,a\0b\n";
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_string_equal(parse_fails(s, sizeof(s) - 1, -ERR_INVALID, &e),
                        "row 2: contains a NUL byte");
}

static void test_empty_file_is_error(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    parse_fails("", 0, -ERR_INVALID, &e);
    assert_non_null(strstr(e.msg, "no header"));
    parse_fails("\n \r\n,,\n", 7, -ERR_INVALID, &e);
    assert_non_null(strstr(e.msg, "no header"));
}

static void test_header_only_file_has_no_rows(void **state)
{
    struct csv_table *t = load_ok("工号,姓名\n");
    (void)state;
    assert_int_equal(csv_table_rows(t), 0);
    assert_string_equal(csv_table_get(t, 0, C_EMP_NO), "");
    assert_int_equal(csv_table_line(t, 0), 0);
    csv_table_free(t);
}

static void test_get_out_of_range_or_unmapped_is_empty(void **state)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(csv_table_parse("工号,姓名\n1,a\n", 18, &t, &e), 0);
    assert_string_equal(csv_table_get(t, 0, C_EMP_NO), ""); /* not mapped yet */
    assert_false(csv_table_has(t, C_EMP_NO));
    assert_int_equal(csv_table_map(t, member_cols, C__COUNT, &e), 0);
    assert_string_equal(csv_table_get(t, 0, C_EMP_NO), "1");
    assert_string_equal(csv_table_get(t, 1, C_EMP_NO), "");
    assert_string_equal(csv_table_get(t, 0, C__COUNT), "");
    assert_int_equal(csv_table_line(t, 1), 0);
    csv_table_free(t);
}

/* "c1,c2,...,cN\n" followed by one row of N cells. */
static void build_wide(struct buf *b, int n)
{
    buf_init(b, 0);
    for (int row = 0; row < 2; row++)
        for (int i = 1; i <= n; i++)
            assert_int_equal(buf_printf(b, "%s%d%s", row ? "v" : "c", i, i < n ? "," : "\n"), 0);
}

static void test_column_limit_is_200(void **state)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    struct buf b;
    (void)state;
    build_wide(&b, 200);
    assert_int_equal(csv_table_parse(b.data, b.len, &t, &e), 0);
    csv_table_free(t);
    buf_release(&b);
    build_wide(&b, 201);
    assert_string_equal(parse_fails(b.data, b.len, -ERR_INVALID, &e),
                        "row 1: more than 200 columns");
    buf_release(&b);
}

static void test_row_limit_is_one_million(void **state)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    size_t n = CSV_MAX_ROWS, len = 3 + 2 * (n + 1);
    char *s = malloc(len);
    (void)state;
    assert_non_null(s);
    memcpy(s, "h\n", 2);
    for (size_t i = 0; i <= n; i++)
        memcpy(s + 2 + 2 * i, "1\n", 2);
    assert_int_equal(csv_table_parse(s, 2 + 2 * n, &t, &e), 0);
    assert_int_equal(csv_table_rows(t), CSV_MAX_ROWS);
    csv_table_free(t);
    parse_fails(s, 2 + 2 * (n + 1), -ERR_TOOBIG, &e);
    assert_string_equal(e.msg, "more than 1000000 data rows");
    free(s);
}

static void test_data_over_50_mib_is_too_big(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    char *s = malloc(CSV_MAX_BYTES + 1);
    (void)state;
    assert_non_null(s);
    memset(s, 'a', CSV_MAX_BYTES + 1);
    assert_string_equal(parse_fails(s, CSV_MAX_BYTES + 1, -ERR_TOOBIG, &e),
                        "file is larger than 50 MiB");
    free(s);
}

/* Write data to a new temporary file; its path goes into path (at least 32 bytes). */
static void write_temp(char *path, const void *data, size_t len)
{
    int fd;
    snprintf(path, 32, "/tmp/test_csvread_XXXXXX");
    assert_true((fd = mkstemp(path)) >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static void test_load_reads_a_file(void **state)
{
    static const char s[] = "工号,姓名\n7,王芳\n";
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    char path[32];
    (void)state;
    write_temp(path, s, sizeof(s) - 1);
    assert_int_equal(csv_table_load(path, &t, &e), 0);
    unlink(path);
    assert_int_equal(csv_table_map(t, member_cols, C__COUNT, &e), 0);
    assert_string_equal(csv_table_get(t, 0, C_NAME), "王芳");
    csv_table_free(t);
}

static void test_load_missing_file_is_io_error(void **state)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(csv_table_load("/nonexistent/dir/x.csv", &t, &e), -ERR_IO);
    assert_null(t);
    assert_non_null(strstr(e.msg, "cannot open '/nonexistent/dir/x.csv'"));
}

static void test_load_file_over_50_mib_is_too_big(void **state)
{
    struct csv_table *t = NULL;
    struct errbuf e = ERRBUF_INIT;
    char path[32];
    (void)state;
    write_temp(path, "h\n", 2);
    assert_int_equal(truncate(path, CSV_MAX_BYTES + 1), 0);
    assert_int_equal(csv_table_load(path, &t, &e), -ERR_TOOBIG);
    unlink(path);
    assert_null(t);
    assert_non_null(strstr(e.msg, "larger than 50 MiB"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_chinese_and_english_in_any_order),
        cmocka_unit_test(test_header_ignores_star_parentheses_and_case),
        cmocka_unit_test(test_map_unknown_column_names_it),
        cmocka_unit_test(test_map_unknown_column_is_clipped_in_message),
        cmocka_unit_test(test_map_duplicate_column_is_error),
        cmocka_unit_test(test_map_missing_required_column_names_it),
        cmocka_unit_test(test_map_header_row_number_counts_leading_blank_lines),
        cmocka_unit_test(test_optional_column_absent_reads_empty),
        cmocka_unit_test(test_empty_header_column_without_data_is_ignored),
        cmocka_unit_test(test_empty_header_column_with_data_is_error),
        cmocka_unit_test(test_row_numbers_count_header_and_blank_lines),
        cmocka_unit_test(test_crlf_line_endings),
        cmocka_unit_test(test_cr_only_line_endings),
        cmocka_unit_test(test_quoted_fields_with_commas_newlines_and_quotes),
        cmocka_unit_test(test_cells_are_trimmed),
        cmocka_unit_test(test_stray_quote_in_unquoted_field_is_kept),
        cmocka_unit_test(test_unclosed_quote_names_row_and_line),
        cmocka_unit_test(test_unclosed_quote_on_last_line_without_newline),
        cmocka_unit_test(test_short_row_reads_empty),
        cmocka_unit_test(test_too_long_row_names_it),
        cmocka_unit_test(test_trailing_empty_cells_do_not_make_a_row_too_long),
        cmocka_unit_test(test_last_line_without_newline_is_read),
        cmocka_unit_test(test_gbk_file_is_converted),
        cmocka_unit_test(test_bom_file_header_matches),
        cmocka_unit_test(test_invalid_encoding_is_error_with_offset),
        cmocka_unit_test(test_nul_byte_is_error),
        cmocka_unit_test(test_empty_file_is_error),
        cmocka_unit_test(test_header_only_file_has_no_rows),
        cmocka_unit_test(test_get_out_of_range_or_unmapped_is_empty),
        cmocka_unit_test(test_column_limit_is_200),
        cmocka_unit_test(test_row_limit_is_one_million),
        cmocka_unit_test(test_data_over_50_mib_is_too_big),
        cmocka_unit_test(test_load_reads_a_file),
        cmocka_unit_test(test_load_missing_file_is_io_error),
        cmocka_unit_test(test_load_file_over_50_mib_is_too_big),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
