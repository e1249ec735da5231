/* Tests for src/base/month.c: months and dates as integers, local days (UTC+8). Expected
 * values are worked out by hand in the comments beside them. */
#include "unit.h"

#include "base/err.h"
#include "base/month.h"

/* ---- month.c ---- */

static void test_month_add_forward_across_years(void **state)
{
    (void)state;
    assert_int_equal(month_add(202312, 1), 202401);
    assert_int_equal(month_add(202401, 0), 202401);
    assert_int_equal(month_add(202401, 11), 202412);
    assert_int_equal(month_add(202401, 12), 202501);
    assert_int_equal(month_add(202406, 18), 202512); /* 2024-06 + 1y6m */
    assert_int_equal(month_add(199912, 25), 200201); /* +2y = 2001-12, +1m */
}

static void test_month_add_negative_across_years(void **state)
{
    (void)state;
    assert_int_equal(month_add(202401, -1), 202312);
    assert_int_equal(month_add(202401, -12), 202301);
    assert_int_equal(month_add(202401, -13), 202212);
    assert_int_equal(month_add(202403, -27), 202112); /* 2024-03 - 2y3m */
    assert_int_equal(month_add(200001, -1), 199912);
}

static void test_month_diff_is_a_minus_b_in_months(void **state)
{
    (void)state;
    assert_int_equal(month_diff(202401, 202312), 1);
    assert_int_equal(month_diff(202312, 202401), -1);
    assert_int_equal(month_diff(202501, 202401), 12);
    assert_int_equal(month_diff(202406, 202406), 0);
    assert_int_equal(month_diff(202403, 202112), 27);
    /* month_add and month_diff agree */
    for (int n = -40; n <= 40; n++)
        assert_int_equal(month_diff(month_add(202407, n), 202407), n);
}

static void test_month_days_including_leap_rules(void **state)
{
    static const int days_2023[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    (void)state;
    for (int m = 1; m <= 12; m++)
        assert_int_equal(month_days(202300 + m), days_2023[m - 1]);
    assert_int_equal(month_days(202402), 29); /* divisible by 4 */
    assert_int_equal(month_days(190002), 28); /* by 100, not by 400 */
    assert_int_equal(month_days(200002), 29); /* by 400 */
    assert_int_equal(month_days(210002), 28);
    assert_int_equal(month_days(202404), 30);
}

static void test_month_valid_range(void **state)
{
    (void)state;
    assert_true(month_valid(202401));
    assert_true(month_valid(190001));
    assert_true(month_valid(299912));
    assert_false(month_valid(202400));
    assert_false(month_valid(202413));
    assert_false(month_valid(189912));
    assert_false(month_valid(300001));
    assert_int_equal(month_year(202405), 2024);
    assert_int_equal(month_of_date(20240531), 202405);
}

/* month_parse's result, or -1 when refused (then the output must be untouched) */
static int month_of(const char *s)
{
    int m = -1;
    int rc = month_parse(s, &m);
    if (rc < 0) {
        assert_int_equal(rc, -ERR_INVALID);
        assert_int_equal(m, -1);
    }
    return rc < 0 ? -1 : m;
}

static void test_month_parse_accepts_compact_and_dashed(void **state)
{
    (void)state;
    assert_int_equal(month_of("202401"), 202401);
    assert_int_equal(month_of("2024-01"), 202401);
    assert_int_equal(month_of("1999-12"), 199912);
}

static void test_month_parse_rejects_bad_months(void **state)
{
    (void)state;
    assert_int_equal(month_of("202413"), -1);
    assert_int_equal(month_of("202400"), -1);
    assert_int_equal(month_of("2024-13"), -1);
    assert_int_equal(month_of("2024-1"), -1);
    assert_int_equal(month_of("2024-001"), -1);
    assert_int_equal(month_of("20241"), -1);
    assert_int_equal(month_of("2024011"), -1);
    assert_int_equal(month_of("2024/01"), -1);
    assert_int_equal(month_of(" 202401"), -1);
    assert_int_equal(month_of("2024-0a"), -1);
    assert_int_equal(month_of("-20401"), -1);
    assert_int_equal(month_of("189912"), -1);
    assert_int_equal(month_of(""), -1);
}

static void test_month_of_time_at_known_instants(void **state)
{
    (void)state;
    /* local time is UTC+8: a month begins at 16:00 UTC on the day before */
    assert_int_equal(month_of_time(0), 197001);
    assert_int_equal(month_of_time(31LL * 86400 - 8 * 3600 - 1), 197001);
    assert_int_equal(month_of_time(31LL * 86400 - 8 * 3600), 197002);
    /* 2024-01-01 is day 19723 (54 years of 365 days + 13 leap days) */
    assert_int_equal(month_of_time(19723LL * 86400 - 8 * 3600), 202401);
    assert_int_equal(month_of_time(19723LL * 86400 - 8 * 3600 - 1), 202312);
}

static void test_local_day_begins_at_utc_16(void **state)
{
    (void)state;
    /* 07:00 on 1 December in Beijing is 23:00 UTC on 30 November */
    long long t = time_of_date(20261201) + 7 * 3600;
    assert_int_equal(t, (long long)date_to_days(20261130) * 86400 + 23 * 3600);
    assert_int_equal(date_of_time(t), 20261201);
    assert_int_equal(month_of_time(t), 202612);
    assert_int_equal(date_of_time(time_of_date(20261201) - 1), 20261130);
    /* instants before 1970 round down too */
    assert_int_equal(date_of_time(-8 * 3600 - 1), 19691231);
    assert_int_equal(date_of_time(-8 * 3600), 19700101);
}

static int iso_of(const char *s)
{
    int ymd = -1;
    int rc = date_parse_iso(s, &ymd);
    if (rc < 0) {
        assert_int_equal(rc, -ERR_INVALID);
        assert_int_equal(ymd, -1);
    }
    return rc < 0 ? -1 : ymd;
}

static void test_date_parse_iso_accepts_valid_dates(void **state)
{
    (void)state;
    assert_int_equal(iso_of("2024-03-05"), 20240305);
    assert_int_equal(iso_of("2024-02-29"), 20240229);
    assert_int_equal(iso_of("2000-02-29"), 20000229);
    assert_int_equal(iso_of("1900-01-01"), 19000101);
    assert_int_equal(iso_of("2999-12-31"), 29991231);
}

static void test_date_parse_iso_is_strict(void **state)
{
    (void)state;
    assert_int_equal(iso_of("2023-02-29"), -1); /* not a leap year */
    assert_int_equal(iso_of("1900-02-29"), -1); /* century, not by 400 */
    assert_int_equal(iso_of("2024-04-31"), -1);
    assert_int_equal(iso_of("2024-00-10"), -1);
    assert_int_equal(iso_of("2024-13-01"), -1);
    assert_int_equal(iso_of("2024-01-00"), -1);
    assert_int_equal(iso_of("2024-01-32"), -1);
    assert_int_equal(iso_of("2024-3-05"), -1);
    assert_int_equal(iso_of("2024-03-5"), -1);
    assert_int_equal(iso_of("2024/03/05"), -1);
    assert_int_equal(iso_of("20240305"), -1);
    assert_int_equal(iso_of("2024-03-05T00"), -1);
    assert_int_equal(iso_of("2024-03-05 "), -1);
    assert_int_equal(iso_of(" 2024-03-05"), -1);
    assert_int_equal(iso_of("+024-03-05"), -1);
    assert_int_equal(iso_of("2024-0a-05"), -1);
    assert_int_equal(iso_of("2024-03-0x"), -1);
    assert_int_equal(iso_of("1899-12-31"), -1);
    assert_int_equal(iso_of(""), -1);
}

static void test_date_format_pads_fields(void **state)
{
    char out[11];
    (void)state;
    date_format(20240305, out, sizeof(out));
    assert_string_equal(out, "2024-03-05");
    date_format(19991231, out, sizeof(out));
    assert_string_equal(out, "1999-12-31");
}

static void test_date_days_known_values(void **state)
{
    (void)state;
    assert_int_equal(date_to_days(19700101), 0);
    assert_int_equal(date_to_days(19700102), 1);
    assert_int_equal(date_to_days(19691231), -1);
    /* 2000-01-01: 30 years * 365 + 7 leap days (72..96) = 10957 */
    assert_int_equal(date_to_days(20000101), 10957);
    /* 2000-03-01 = 10957 + 31 (January) + 29 (February of a leap year) */
    assert_int_equal(date_to_days(20000229), 11016);
    assert_int_equal(date_to_days(20000301), 11017);
    /* 2024-01-01: 54 * 365 + 13 leap days (72..2020) = 19723 */
    assert_int_equal(date_to_days(20240101), 19723);
    /* 1900-01-01: 70 * 365 + 17 leap days (1904..1968) before 1970 */
    assert_int_equal(date_to_days(19000101), -25567);
    assert_int_equal(date_from_days(0), 19700101);
    assert_int_equal(date_from_days(-1), 19691231);
    assert_int_equal(date_from_days(11016), 20000229);
    assert_int_equal(date_from_days(11017), 20000301);
    assert_int_equal(date_from_days(19723), 20240101);
    assert_int_equal(date_from_days(-25567), 19000101);
}

/* The calendar's next day, by hand from month_days. */
static int next_day(int ymd)
{
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    if (d < month_days(y * 100 + m))
        return ymd + 1;
    if (m < 12)
        return y * 10000 + (m + 1) * 100 + 1;
    return (y + 1) * 10000 + 101;
}

static void test_date_days_round_trip_every_day_1900_to_2999(void **state)
{
    int ymd = 19000101;
    long days = date_to_days(ymd);
    (void)state;
    /* every day in the supported range: consecutive days are consecutive numbers */
    while (ymd <= 29991231) {
        if (date_to_days(ymd) != days || date_from_days(days) != ymd)
            fail_msg("%d <-> %ld: got %ld and %d", ymd, days, date_to_days(ymd),
                     date_from_days(days));
        ymd = next_day(ymd);
        days++;
    }
    /* 1900..2999 is 1100 years with 267 leap years: 275 divisible by 4, minus the 11
     * centuries 1900..2900, plus 2000, 2400 and 2800 (divisible by 400) */
    assert_int_equal(days - date_to_days(19000101), 1100L * 365 + 267);
}

static void test_date_valid_checks_each_field(void **state)
{
    (void)state;
    assert_true(date_valid(2024, 2, 29));
    assert_false(date_valid(2023, 2, 29));
    assert_false(date_valid(2024, 0, 1));
    assert_false(date_valid(2024, 13, 1));
    assert_false(date_valid(2024, 1, 0));
    assert_false(date_valid(1899, 12, 31));
    assert_false(date_valid(3000, 1, 1));
}

static void test_date_today_is_a_valid_recent_date(void **state)
{
    int t = date_today();
    (void)state;
    assert_true(date_valid(t / 10000, t / 100 % 100, t % 100));
    assert_true(t >= 20240101);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_add_forward_across_years),
        cmocka_unit_test(test_month_add_negative_across_years),
        cmocka_unit_test(test_month_diff_is_a_minus_b_in_months),
        cmocka_unit_test(test_month_days_including_leap_rules),
        cmocka_unit_test(test_month_valid_range),
        cmocka_unit_test(test_month_parse_accepts_compact_and_dashed),
        cmocka_unit_test(test_month_parse_rejects_bad_months),
        cmocka_unit_test(test_month_of_time_at_known_instants),
        cmocka_unit_test(test_local_day_begins_at_utc_16),
        cmocka_unit_test(test_date_parse_iso_accepts_valid_dates),
        cmocka_unit_test(test_date_parse_iso_is_strict),
        cmocka_unit_test(test_date_format_pads_fields),
        cmocka_unit_test(test_date_days_known_values),
        cmocka_unit_test(test_date_days_round_trip_every_day_1900_to_2999),
        cmocka_unit_test(test_date_valid_checks_each_field),
        cmocka_unit_test(test_date_today_is_a_valid_recent_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
