#include "unit.h"

#include <limits.h>

#include "base/err.h"
#include "base/parse.h"

#define IDEO_SPACE "\xE3\x80\x80" /* U+3000 */

/* parse_date's result, or -1 when it fails (and then it must not touch the output). */
static int date_of(const char *s)
{
    int ymd = -1;
    int rc = parse_date(s, &ymd);
    if (rc < 0) {
        assert_int_equal(rc, -ERR_INVALID);
        assert_int_equal(ymd, -1);
    }
    return rc < 0 ? -1 : ymd;
}

static void test_date_iso_format(void **state)
{
    (void)state;
    assert_int_equal(date_of("2024-03-05"), 20240305);
    assert_int_equal(date_of("1949-10-01"), 19491001);
}

static void test_date_slash_format_without_padding(void **state)
{
    (void)state;
    assert_int_equal(date_of("2024/3/5"), 20240305);
    assert_int_equal(date_of("2024/03/05"), 20240305);
    assert_int_equal(date_of("2024/12/31"), 20241231);
}

static void test_date_dash_format_without_padding(void **state)
{
    (void)state;
    assert_int_equal(date_of("2024-3-5"), 20240305);
    assert_int_equal(date_of("2024-11-5"), 20241105);
}

static void test_date_chinese_format(void **state)
{
    (void)state;
    assert_int_equal(date_of("2024年3月5日"), 20240305);
    assert_int_equal(date_of("2024年03月05日"), 20240305);
    assert_int_equal(date_of("2024年3月5"), -1);
    assert_int_equal(date_of("2024年3-5日"), -1);
}

static void test_date_surrounding_spaces_are_trimmed(void **state)
{
    (void)state;
    assert_int_equal(date_of("  2024-03-05\t"), 20240305);
    assert_int_equal(date_of(IDEO_SPACE "2024/3/5" IDEO_SPACE), 20240305);
    assert_int_equal(date_of("2024 -03-05"), -1);
}

static void test_date_leap_day_follows_calendar(void **state)
{
    (void)state;
    assert_int_equal(date_of("2024-02-29"), 20240229);
    assert_int_equal(date_of("2023-02-29"), -1);
    assert_int_equal(date_of("2000/2/29"), 20000229);
    assert_int_equal(date_of("1900年2月29日"), -1);
}

static void test_date_rejects_impossible_days(void **state)
{
    (void)state;
    assert_int_equal(date_of("2024-13-01"), -1);
    assert_int_equal(date_of("2024-00-10"), -1);
    assert_int_equal(date_of("2024-04-31"), -1);
    assert_int_equal(date_of("2024-01-00"), -1);
    assert_int_equal(date_of("2024-01-32"), -1);
}

static void test_date_rejects_other_forms(void **state)
{
    (void)state;
    assert_int_equal(date_of(""), -1);
    assert_int_equal(date_of("   "), -1);
    assert_int_equal(date_of("2024-3/5"), -1);    /* mixed separators */
    assert_int_equal(date_of("24-3-5"), -1);      /* two-digit year */
    assert_int_equal(date_of("20240-3-5"), -1);   /* five-digit year */
    assert_int_equal(date_of("2024-003-05"), -1); /* three-digit month */
    assert_int_equal(date_of("2024-03-05x"), -1);
    assert_int_equal(date_of("2024-03-05 10:00"), -1);
    assert_int_equal(date_of("20240305"), -1);
    assert_int_equal(date_of("2024.3.5"), -1);
    assert_int_equal(date_of("2024-03"), -1);
}

/* parse_amount_fen's result; fails the test if it does not parse. */
static long long fen_of(const char *s)
{
    long long fen = -777;
    assert_int_equal(parse_amount_fen(s, &fen), 0);
    return fen;
}

static void assert_amount_invalid(const char *s)
{
    long long fen = -777;
    assert_int_equal(parse_amount_fen(s, &fen), -ERR_INVALID);
    assert_int_equal(fen, -777);
}

static void test_amount_plain_forms(void **state)
{
    (void)state;
    assert_int_equal(fen_of("1234.5"), 123450);
    assert_int_equal(fen_of("1234.50"), 123450);
    assert_int_equal(fen_of("1234"), 123400);
    assert_int_equal(fen_of("0.01"), 1);
    assert_int_equal(fen_of("0"), 0);
    assert_int_equal(fen_of(" 12.3 "), 1230);
}

static void test_amount_thousands_separators(void **state)
{
    (void)state;
    assert_int_equal(fen_of("1,234.50"), 123450);
    assert_int_equal(fen_of("1,234"), 123400);
    assert_int_equal(fen_of("12,345,678.9"), 1234567890);
    assert_int_equal(fen_of("999,999"), 99999900);
}

static void test_amount_negative(void **state)
{
    (void)state;
    assert_int_equal(fen_of("-0.05"), -5);
    assert_int_equal(fen_of("-1,000"), -100000);
    assert_int_equal(fen_of("-0"), 0);
}

static void test_amount_rejects_misplaced_commas(void **state)
{
    (void)state;
    assert_amount_invalid("1,23.00");
    assert_amount_invalid("12,34");
    assert_amount_invalid("1234,567");
    assert_amount_invalid(",123");
    assert_amount_invalid("1,,234");
    assert_amount_invalid("1,234,");
    assert_amount_invalid("1,2345");
    assert_amount_invalid("1.234,5");
}

static void test_amount_rejects_three_decimals(void **state)
{
    (void)state;
    assert_amount_invalid("1.234");
    assert_amount_invalid("0.001");
    assert_amount_invalid("1,234.567");
}

static void test_amount_rejects_other_forms(void **state)
{
    (void)state;
    assert_amount_invalid("");
    assert_amount_invalid("-");
    assert_amount_invalid("--1");
    assert_amount_invalid("+1");
    assert_amount_invalid("1.");
    assert_amount_invalid(".5");
    assert_amount_invalid("1.2.3");
    assert_amount_invalid("1e3");
    assert_amount_invalid("1 234");
    assert_amount_invalid("abc");
    assert_amount_invalid("¥12");
    assert_amount_invalid("12元");
    assert_amount_invalid("\xEF\xBC\x91\xEF\xBC\x92"); /* full-width digits １２ */
}

static void test_amount_overflow_is_rejected(void **state)
{
    (void)state;
    assert_int_equal(fen_of("92233720368547758.07"), LLONG_MAX);
    assert_int_equal(fen_of("-92233720368547758.07"), -LLONG_MAX);
    assert_int_equal(fen_of("92,233,720,368,547,758.07"), LLONG_MAX);
    assert_amount_invalid("92233720368547758.08");
    assert_amount_invalid("92233720368547759");
    assert_amount_invalid("99999999999999999999999");
    assert_amount_invalid("-92233720368547758.09");
}

static void test_fen_format_two_decimals(void **state)
{
    char out[FEN_FORMAT_MAX];
    (void)state;
    fen_format(123450, out, sizeof(out));
    assert_string_equal(out, "1234.50");
    fen_format(-5, out, sizeof(out));
    assert_string_equal(out, "-0.05");
    fen_format(0, out, sizeof(out));
    assert_string_equal(out, "0.00");
    fen_format(100, out, sizeof(out));
    assert_string_equal(out, "1.00");
    fen_format(-123456, out, sizeof(out));
    assert_string_equal(out, "-1234.56");
}

static void test_fen_format_extremes_fit(void **state)
{
    char out[FEN_FORMAT_MAX];
    (void)state;
    fen_format(LLONG_MAX, out, sizeof(out));
    assert_string_equal(out, "92233720368547758.07");
    fen_format(LLONG_MIN, out, sizeof(out));
    assert_string_equal(out, "-92233720368547758.08");
}

static void test_fen_format_round_trips_through_parse(void **state)
{
    static const long long values[] = {1, -1, 99, 12345, -987654321, 300000, LLONG_MAX};
    char out[FEN_FORMAT_MAX];
    (void)state;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        fen_format(values[i], out, sizeof(out));
        assert_int_equal(fen_of(out), values[i]);
    }
}

static void test_fen_format_truncates_safely(void **state)
{
    char out[5] = "zzzz";
    (void)state;
    fen_format(123450, out, sizeof(out));
    assert_string_equal(out, "1234");
}

static void test_idcard_accepts_valid_numbers(void **state)
{
    (void)state;
    assert_true(idcard_valid("500101199003071236"));
    assert_true(idcard_valid("440300198501010018"));
    assert_true(idcard_valid("11010519491231002X"));
}

static void test_idcard_accepts_lowercase_x(void **state)
{
    (void)state;
    assert_true(idcard_valid("11010519491231002x"));
}

static void test_idcard_rejects_bad_check_digit(void **state)
{
    (void)state;
    assert_false(idcard_valid("500101199003071234"));
    assert_false(idcard_valid("500101199003071237"));
    assert_false(idcard_valid("110105194912310020"));
    assert_false(idcard_valid("50010119900307123X"));
}

static void test_idcard_rejects_bad_birth_date(void **state)
{
    (void)state;
    /* check digits are right; the dates are not */
    assert_false(idcard_valid("510101199002300019")); /* 1990-02-30 */
    assert_false(idcard_valid("440300198513010015")); /* month 13 */
    assert_false(idcard_valid("110105202302290014")); /* 2023-02-29 */
    assert_true(idcard_valid("510101200002290012"));  /* 2000-02-29 */
}

static void test_idcard_rejects_wrong_shape(void **state)
{
    (void)state;
    assert_false(idcard_valid(""));
    assert_false(idcard_valid("50010119900307123"));   /* 17 */
    assert_false(idcard_valid("5001011990030712366")); /* 19 */
    assert_false(idcard_valid(" 500101199003071236"));
    assert_false(idcard_valid("5001011990030712X6"));
    assert_false(idcard_valid("50010119900307123Y"));
    assert_false(idcard_valid("A00101199003071236"));
    assert_false(idcard_valid(NULL));
}

static void test_phone_accepts_mainland_mobiles(void **state)
{
    (void)state;
    assert_true(phone_valid("13812345678"));
    assert_true(phone_valid("19912345678"));
    assert_true(phone_valid("15000000000"));
}

static void test_phone_rejects_others(void **state)
{
    (void)state;
    assert_false(phone_valid("12812345678")); /* 12x is not a mobile prefix */
    assert_false(phone_valid("10812345678"));
    assert_false(phone_valid("23812345678"));
    assert_false(phone_valid("1381234567"));
    assert_false(phone_valid("138123456789"));
    assert_false(phone_valid("138-1234-5678"));
    assert_false(phone_valid("1381234567a"));
    assert_false(phone_valid("+8613812345678"));
    assert_false(phone_valid(""));
    assert_false(phone_valid(NULL));
}

static void test_mask_idcard_keeps_first_and_last_four(void **state)
{
    char out[32];
    (void)state;
    mask_idcard("500101199003071234", out, sizeof(out));
    assert_string_equal(out, "5001**********1234");
    mask_idcard("11010519491231002X", out, sizeof(out));
    assert_string_equal(out, "1101**********002X");
}

static void test_mask_idcard_short_value_is_all_stars(void **state)
{
    char out[32];
    (void)state;
    mask_idcard("12345", out, sizeof(out));
    assert_string_equal(out, "*****");
    mask_idcard("50010119900307123", out, sizeof(out));
    assert_string_equal(out, "*****************");
    mask_idcard("张三", out, sizeof(out));
    assert_string_equal(out, "**");
    mask_idcard("", out, sizeof(out));
    assert_string_equal(out, "");
}

static void test_mask_idcard_small_buffer_never_shows_the_tail(void **state)
{
    char out[8];
    (void)state;
    mask_idcard("500101199003071234", out, sizeof(out));
    assert_string_equal(out, "5001***");
}

static void test_mask_phone_keeps_first_three_and_last_four(void **state)
{
    char out[32];
    (void)state;
    mask_phone("13812345678", out, sizeof(out));
    assert_string_equal(out, "138****5678");
}

static void test_mask_phone_short_value_is_all_stars(void **state)
{
    char out[32];
    (void)state;
    mask_phone("1234", out, sizeof(out));
    assert_string_equal(out, "****");
    mask_phone("1381234567", out, sizeof(out));
    assert_string_equal(out, "**********");
}

static void test_trim_ascii_space(void **state)
{
    char s[] = " \t a b \r\n";
    (void)state;
    assert_ptr_equal(parse_trim(s), s);
    assert_string_equal(s, "a b");
}

static void test_trim_ideographic_space(void **state)
{
    char s[] = "\xE3\x80\x80 张\xE3\x80\x80三 \xE3\x80\x80\xE3\x80\x80";
    (void)state;
    assert_string_equal(parse_trim(s), "张\xE3\x80\x80三");
}

static void test_trim_all_space_becomes_empty(void **state)
{
    char s[] = " \xE3\x80\x80\t ";
    char empty[] = "";
    (void)state;
    assert_string_equal(parse_trim(s), "");
    assert_string_equal(parse_trim(empty), "");
}

static void test_trim_keeps_other_characters(void **state)
{
    /* U+3001 (、) shares its first two bytes with U+3000 and must stay */
    char s[] = "\xE3\x80\x81x\xE3\x80\x81";
    (void)state;
    assert_string_equal(parse_trim(s), "\xE3\x80\x81x\xE3\x80\x81");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_iso_format),
        cmocka_unit_test(test_date_slash_format_without_padding),
        cmocka_unit_test(test_date_dash_format_without_padding),
        cmocka_unit_test(test_date_chinese_format),
        cmocka_unit_test(test_date_surrounding_spaces_are_trimmed),
        cmocka_unit_test(test_date_leap_day_follows_calendar),
        cmocka_unit_test(test_date_rejects_impossible_days),
        cmocka_unit_test(test_date_rejects_other_forms),
        cmocka_unit_test(test_amount_plain_forms),
        cmocka_unit_test(test_amount_thousands_separators),
        cmocka_unit_test(test_amount_negative),
        cmocka_unit_test(test_amount_rejects_misplaced_commas),
        cmocka_unit_test(test_amount_rejects_three_decimals),
        cmocka_unit_test(test_amount_rejects_other_forms),
        cmocka_unit_test(test_amount_overflow_is_rejected),
        cmocka_unit_test(test_fen_format_two_decimals),
        cmocka_unit_test(test_fen_format_extremes_fit),
        cmocka_unit_test(test_fen_format_round_trips_through_parse),
        cmocka_unit_test(test_fen_format_truncates_safely),
        cmocka_unit_test(test_idcard_accepts_valid_numbers),
        cmocka_unit_test(test_idcard_accepts_lowercase_x),
        cmocka_unit_test(test_idcard_rejects_bad_check_digit),
        cmocka_unit_test(test_idcard_rejects_bad_birth_date),
        cmocka_unit_test(test_idcard_rejects_wrong_shape),
        cmocka_unit_test(test_phone_accepts_mainland_mobiles),
        cmocka_unit_test(test_phone_rejects_others),
        cmocka_unit_test(test_mask_idcard_keeps_first_and_last_four),
        cmocka_unit_test(test_mask_idcard_short_value_is_all_stars),
        cmocka_unit_test(test_mask_idcard_small_buffer_never_shows_the_tail),
        cmocka_unit_test(test_mask_phone_keeps_first_three_and_last_four),
        cmocka_unit_test(test_mask_phone_short_value_is_all_stars),
        cmocka_unit_test(test_trim_ascii_space),
        cmocka_unit_test(test_trim_ideographic_space),
        cmocka_unit_test(test_trim_all_space_becomes_empty),
        cmocka_unit_test(test_trim_keeps_other_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
