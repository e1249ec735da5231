#include "unit.h"

#include "base/text.h"

/* "姓名,工号\n张三,001\n" as GB18030 (GBK) bytes, from `iconv -f utf-8 -t gb18030`. */
static const char gbk_members[] = "\xD0\xD5\xC3\xFB,\xB9\xA4\xBA\xC5\n\xD5\xC5\xC8\xFD,001\n";
static const char utf8_members[] = "姓名,工号\n张三,001\n";

static int convert(const char *data, size_t len, struct buf *out, const char **enc,
                   struct errbuf *e)
{
    buf_init(out, 0);
    *enc = NULL;
    return text_to_utf8(data, len, out, enc, e);
}

static void test_ascii_is_utf8(void **state)
{
    struct buf out;
    const char *enc;
    (void)state;
    assert_int_equal(convert("a,b\n1,2\n", 8, &out, &enc, NULL), 0);
    assert_string_equal(enc, "utf-8");
    assert_string_equal(buf_str(&out), "a,b\n1,2\n");
    buf_release(&out);
}

static void test_utf8_chinese_is_copied_unchanged(void **state)
{
    struct buf out;
    const char *enc;
    (void)state;
    assert_int_equal(convert(utf8_members, strlen(utf8_members), &out, &enc, NULL), 0);
    assert_string_equal(enc, "utf-8");
    assert_int_equal(out.len, strlen(utf8_members));
    assert_memory_equal(out.data, utf8_members, out.len);
    buf_release(&out);
}

static void test_bom_is_stripped(void **state)
{
    static const char data[] = "\xEF\xBB\xBF工号\n1\n";
    struct buf out;
    const char *enc;
    (void)state;
    assert_int_equal(convert(data, sizeof(data) - 1, &out, &enc, NULL), 0);
    assert_string_equal(enc, "utf-8-bom");
    assert_string_equal(buf_str(&out), "工号\n1\n");
    buf_release(&out);
}

static void test_gbk_file_is_converted(void **state)
{
    struct buf out;
    const char *enc;
    (void)state;
    assert_int_equal(convert(gbk_members, sizeof(gbk_members) - 1, &out, &enc, NULL), 0);
    assert_string_equal(enc, "gb18030");
    assert_string_equal(buf_str(&out), utf8_members);
    buf_release(&out);
}

static void test_gb18030_four_byte_sequence_is_converted(void **state)
{
    /* U+20000 (CJK extension B) is a four-byte sequence in GB18030; 张 makes it non-UTF-8 */
    static const char data[] = "\xD5\xC5\x95\x32\x82\x36";
    struct buf out;
    const char *enc;
    (void)state;
    assert_int_equal(convert(data, sizeof(data) - 1, &out, &enc, NULL), 0);
    assert_string_equal(enc, "gb18030");
    assert_string_equal(buf_str(&out), "张\xF0\xA0\x80\x80");
    buf_release(&out);
}

static void test_invalid_bytes_error_names_offset_and_line(void **state)
{
    static const char data[] = "ab,cd\n\xFF\xFF\n";
    struct errbuf e = ERRBUF_INIT;
    struct buf out;
    const char *enc;
    (void)state;
    assert_int_equal(convert(data, sizeof(data) - 1, &out, &enc, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "offset 6 (line 2)"));
    assert_null(enc);
    buf_release(&out);
}

static void test_truncated_gbk_at_end_is_error(void **state)
{
    static const char data[] = "\xD5\xC5\n\xD0";
    struct errbuf e = ERRBUF_INIT;
    struct buf out;
    const char *enc;
    (void)state;
    assert_int_equal(convert(data, sizeof(data) - 1, &out, &enc, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "offset 3 (line 2)"));
    buf_release(&out);
}

static void test_damaged_utf8_is_not_taken_for_gbk(void **state)
{
    /* GB18030 would accept these bytes and yield mojibake; the file is UTF-8 with one bad byte */
    static const char data[] = "姓名,工号\n张三,001\xFF\n";
    struct errbuf e = ERRBUF_INIT;
    struct buf out;
    const char *enc;
    (void)state;
    assert_int_equal(convert(data, sizeof(data) - 1, &out, &enc, &e), -ERR_INVALID);
    assert_string_equal(e.msg, "invalid utf-8 byte sequence at offset 24 (line 2)");
    buf_release(&out);
}

static void test_bom_with_invalid_utf8_is_error(void **state)
{
    static const char data[] = "\xEF\xBB\xBF\xD0\xD5\xC3\xFB\n";
    struct errbuf e = ERRBUF_INIT;
    struct buf out;
    const char *enc;
    (void)state;
    assert_int_equal(convert(data, sizeof(data) - 1, &out, &enc, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "offset 3 (line 1)"));
    buf_release(&out);
}

static void test_utf16_is_rejected_with_advice(void **state)
{
    static const char data[] = "\xFF\xFE"
                               "a\0b\0";
    struct errbuf e = ERRBUF_INIT;
    struct buf out;
    const char *enc;
    (void)state;
    assert_int_equal(convert(data, sizeof(data) - 1, &out, &enc, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "utf-16"));
    buf_release(&out);
}

static void test_conversion_appends_and_error_keeps_out(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct buf out;
    const char *enc;
    (void)state;
    buf_init(&out, 0);
    assert_int_equal(buf_addstr(&out, "x"), 0);
    assert_int_equal(text_to_utf8(gbk_members, sizeof(gbk_members) - 1, &out, &enc, &e), 0);
    assert_int_equal(out.len, 1 + strlen(utf8_members));
    assert_int_equal(out.data[0], 'x');
    buf_reset(&out);
    assert_int_equal(buf_addstr(&out, "x"), 0);
    /* good GBK first, so iconv has written output before it fails */
    assert_int_equal(text_to_utf8("\xD5\xC5\xC8\xFD\xFF", 5, &out, &enc, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "offset 4 (line 1)"));
    assert_string_equal(buf_str(&out), "x");
    buf_release(&out);
}

static void test_conversion_respects_out_maximum(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    struct buf out;
    const char *enc;
    (void)state;
    buf_init(&out, 4);
    assert_int_equal(text_to_utf8("abcdef", 6, &out, &enc, &e), -ERR_TOOBIG);
    buf_release(&out);
}

static void test_valid_utf8_accepts_all_lengths(void **state)
{
    (void)state;
    assert_true(text_valid_utf8("", 0));
    assert_true(text_valid_utf8("abc", 3));
    assert_true(text_valid_utf8("\xC2\x80", 2));         /* U+0080 */
    assert_true(text_valid_utf8("姓名", 6));             /* three bytes each */
    assert_true(text_valid_utf8("\xF0\xA0\x80\x80", 4)); /* U+20000 */
    assert_true(text_valid_utf8("\xF4\x8F\xBF\xBF", 4)); /* U+10FFFF */
    assert_true(text_valid_utf8("a\0b", 3));             /* U+0000 is a character */
}

static void test_valid_utf8_rejects_overlongs(void **state)
{
    (void)state;
    assert_false(text_valid_utf8("\xC0\xAF", 2));
    assert_false(text_valid_utf8("\xC1\xBF", 2));
    assert_false(text_valid_utf8("\xE0\x80\xAF", 3));
    assert_false(text_valid_utf8("\xF0\x8F\xBF\xBF", 4));
}

static void test_valid_utf8_rejects_surrogates_and_beyond_max(void **state)
{
    (void)state;
    assert_false(text_valid_utf8("\xED\xA0\x80", 3)); /* U+D800 */
    assert_false(text_valid_utf8("\xED\xBF\xBF", 3)); /* U+DFFF */
    assert_true(text_valid_utf8("\xED\x9F\xBF", 3));  /* U+D7FF */
    assert_false(text_valid_utf8("\xF4\x90\x80\x80", 4));
    assert_false(text_valid_utf8("\xF5\x80\x80\x80", 4));
    assert_false(text_valid_utf8("\xFF", 1));
}

static void test_valid_utf8_rejects_truncated_and_stray_bytes(void **state)
{
    (void)state;
    assert_false(text_valid_utf8("\xE5\xA7", 2));
    assert_false(text_valid_utf8("\x80", 1));
    assert_false(text_valid_utf8("a\xE5\xA7\x62", 4));
    /* the length given is honoured: a sequence cut by len is invalid */
    assert_false(text_valid_utf8("姓", 2));
}

static void test_utf8_chars_counts_code_points(void **state)
{
    (void)state;
    assert_int_equal(text_utf8_chars(""), 0);
    assert_int_equal(text_utf8_chars("abc"), 3);
    assert_int_equal(text_utf8_chars("姓名ab"), 4);
    assert_int_equal(text_utf8_chars("\xF0\xA0\x80\x80"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_is_utf8),
        cmocka_unit_test(test_utf8_chinese_is_copied_unchanged),
        cmocka_unit_test(test_bom_is_stripped),
        cmocka_unit_test(test_gbk_file_is_converted),
        cmocka_unit_test(test_gb18030_four_byte_sequence_is_converted),
        cmocka_unit_test(test_invalid_bytes_error_names_offset_and_line),
        cmocka_unit_test(test_truncated_gbk_at_end_is_error),
        cmocka_unit_test(test_damaged_utf8_is_not_taken_for_gbk),
        cmocka_unit_test(test_bom_with_invalid_utf8_is_error),
        cmocka_unit_test(test_utf16_is_rejected_with_advice),
        cmocka_unit_test(test_conversion_appends_and_error_keeps_out),
        cmocka_unit_test(test_conversion_respects_out_maximum),
        cmocka_unit_test(test_valid_utf8_accepts_all_lengths),
        cmocka_unit_test(test_valid_utf8_rejects_overlongs),
        cmocka_unit_test(test_valid_utf8_rejects_surrogates_and_beyond_max),
        cmocka_unit_test(test_valid_utf8_rejects_truncated_and_stray_bytes),
        cmocka_unit_test(test_utf8_chars_counts_code_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
