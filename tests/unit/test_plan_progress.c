/* Periods, progress, expected progress and warning levels (src/plan/period.c, progress.c) on
 * cases computed by hand: period boundaries, leap years, tasks added mid-period, and the
 * green/yellow/red/not-met rules of docs/PLANS.md. */
#include "unit.h"

#include "plan/period.h"
#include "plan/progress.h"

#define NEAR(a, b) assert_true((a) - (b) < 1e-12 && (b) - (a) < 1e-12)

static struct plan_period P(const char *s)
{
    struct plan_period p;
    assert_int_equal(plan_period_parse(s, &p), 0);
    return p;
}

static void test_period_names_parse_and_round_trip(void **state)
{
    static const struct {
        const char *in, *canonical;
        enum plan_freq freq;
        int start, end;
    } cases[] = {
        {"2024-03", "2024-03", PLAN_MONTH, 20240301, 20240331},
        {"202402", "2024-02", PLAN_MONTH, 20240201, 20240229},
        {"2023-02", "2023-02", PLAN_MONTH, 20230201, 20230228},
        {"2024Q1", "2024Q1", PLAN_QUARTER, 20240101, 20240331},
        {"2024q4", "2024Q4", PLAN_QUARTER, 20241001, 20241231},
        {"2024H2", "2024H2", PLAN_HALF, 20240701, 20241231},
        {"2024", "2024", PLAN_YEAR, 20240101, 20241231},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct plan_period p = P(cases[i].in);
        char name[PLAN_PERIOD_MAX];
        plan_period_name(&p, name, sizeof(name));
        assert_string_equal(name, cases[i].canonical);
        assert_int_equal(p.freq, cases[i].freq);
        assert_int_equal(p.start, cases[i].start);
        assert_int_equal(p.end, cases[i].end);
    }
}

static void test_malformed_periods_are_refused(void **state)
{
    static const char *const bad[] = {"", "24Q1", "2024Q0", "2024Q5", "2024H3", "2024-13",
                                      "2024-00", "2024-3", "2024M1", "20240", "abcd", "2024Q1x"};
    struct plan_period p;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(plan_period_parse(bad[i], &p), -1);
    assert_int_equal(plan_period_parse(NULL, &p), -1);
}

static void test_period_lengths_follow_leap_years(void **state)
{
    (void)state;
    struct plan_period q1_24 = P("2024Q1"), q1_23 = P("2023Q1"), y24 = P("2024"), y23 = P("2023"),
                       h1_24 = P("2024H1"), f00 = P("2000-02"), f1900 = P("1900-02");
    assert_int_equal(plan_period_days(&q1_24), 91);
    assert_int_equal(plan_period_days(&q1_23), 90);
    assert_int_equal(plan_period_days(&h1_24), 182);
    assert_int_equal(plan_period_days(&y24), 366);
    assert_int_equal(plan_period_days(&y23), 365);
    assert_int_equal(f00.end, 20000229);   /* divisible by 400: leap */
    assert_int_equal(f1900.end, 19000228); /* divisible by 100 only: not */
}

static void test_period_of_a_day_previous_and_within(void **state)
{
    struct plan_period p, prev;
    char name[PLAN_PERIOD_MAX];
    (void)state;
    plan_period_of(PLAN_QUARTER, 20240515, &p);
    plan_period_name(&p, name, sizeof(name));
    assert_string_equal(name, "2024Q2");
    plan_period_of(PLAN_HALF, 20240630, &p);
    assert_int_equal(p.index, 1);
    plan_period_of(PLAN_HALF, 20240701, &p);
    assert_int_equal(p.index, 2);
    plan_period_of(PLAN_MONTH, 20241231, &p);
    assert_int_equal(p.start, 20241201);
    p = P("2024Q1");
    plan_period_prev(&p, &prev);
    plan_period_name(&prev, name, sizeof(name));
    assert_string_equal(name, "2023Q4");
    p = P("2024-01");
    plan_period_prev(&p, &prev);
    plan_period_name(&prev, name, sizeof(name));
    assert_string_equal(name, "2023-12");
    struct plan_period mar = P("2024-03"), apr = P("2024-04"), q1 = P("2024Q1"), y = P("2024");
    assert_true(plan_period_within(&mar, &q1));
    assert_false(plan_period_within(&apr, &q1));
    assert_true(plan_period_within(&q1, &y));
    assert_false(plan_period_within(&y, &q1));
}

static void test_completion_is_capped_ratio(void **state)
{
    (void)state;
    NEAR(plan_completion(0, 1), 0);
    NEAR(plan_completion(1, 1), 1);
    NEAR(plan_completion(3, 1), 1);
    NEAR(plan_completion(1, 4), 0.25);
    NEAR(plan_completion(95, 100), 0.95);
    NEAR(plan_completion(-2, 1), 0);
    NEAR(plan_completion(1, 0), 0);
}

static void test_expected_progress_counts_today(void **state)
{
    (void)state;
    struct plan_period mar = P("2024-03"), feb = P("2024-02"), q1 = P("2024Q1"), y = P("2024");
    NEAR(plan_expected(&mar, 0, 20240301), 1.0 / 31);
    NEAR(plan_expected(&mar, 0, 20240331), 1);
    NEAR(plan_expected(&mar, 0, 20240229), 0);  /* before the period */
    NEAR(plan_expected(&mar, 0, 20240401), 1);  /* after it */
    NEAR(plan_expected(&feb, 0, 20240215), 15.0 / 29);
    NEAR(plan_expected(&feb, 0, 20240229), 1); /* leap day is the last */
    NEAR(plan_expected(&q1, 0, 20240229), 60.0 / 91);
    NEAR(plan_expected(&y, 0, 20241231), 1);
    NEAR(plan_expected(&y, 0, 20240701), 183.0 / 366);
}

static void test_task_added_mid_period_expects_from_the_day_it_counts(void **state)
{
    (void)state;
    struct plan_period mar = P("2024-03"), q1 = P("2024Q1");
    /* added on 16 March: 16 days to go, day 1 is the 16th */
    NEAR(plan_expected(&mar, 20240316, 20240316), 1.0 / 16);
    NEAR(plan_expected(&mar, 20240316, 20240320), 5.0 / 16);
    NEAR(plan_expected(&mar, 20240316, 20240331), 1);
    NEAR(plan_expected(&mar, 20240316, 20240310), 0);
    /* added on 15 February for the first quarter: 15 + 31 = 46 days */
    NEAR(plan_expected(&q1, 20240215, 20240229), 15.0 / 46);
    /* a from-day before the period changes nothing */
    NEAR(plan_expected(&mar, 20240101, 20240310), 10.0 / 31);
    /* the period counts only once the task does */
    assert_false(plan_period_active(&mar, 20240316, 20240315));
    assert_true(plan_period_active(&mar, 20240316, 20240316));
    assert_false(plan_period_active(&q1, 20240401, 20240405)); /* ends before the task */
    struct plan_period apr = P("2024-04");
    assert_false(plan_period_active(&apr, 0, 20240331)); /* not begun */
}

static void test_days_left_include_today_and_the_last_day(void **state)
{
    (void)state;
    struct plan_period mar = P("2024-03");
    assert_int_equal(plan_days_left(&mar, 20240325), 7);
    assert_int_equal(plan_days_left(&mar, 20240326), 6);
    assert_int_equal(plan_days_left(&mar, 20240331), 1);
    assert_int_equal(plan_days_left(&mar, 20240401), 0);
    assert_int_equal(plan_days_left(&mar, 20240201), 31);
}

static void test_monthly_levels_through_a_31_day_month(void **state)
{
    (void)state;
    struct plan_period mar = P("2024-03");
    /* nothing done: expected d/31; yellow once behind by more than 0.10 (d = 4) */
    assert_int_equal(plan_level_of(&mar, 0, 20240301, 0), PLAN_GREEN);
    assert_int_equal(plan_level_of(&mar, 0, 20240303, 0), PLAN_GREEN); /* 3/31 = 0.097 */
    assert_int_equal(plan_level_of(&mar, 0, 20240304, 0), PLAN_YELLOW); /* 4/31 = 0.129 */
    /* red when fewer than 7 days remain: 25 March has 7 left, 26 March 6 */
    assert_int_equal(plan_level_of(&mar, 0, 20240325, 0), PLAN_YELLOW);
    assert_int_equal(plan_level_of(&mar, 0, 20240326, 0), PLAN_RED);
    assert_int_equal(plan_level_of(&mar, 0, 20240331, 0.5), PLAN_RED);
    /* complete is green, even in the last days */
    assert_int_equal(plan_level_of(&mar, 0, 20240330, 1), PLAN_GREEN);
    /* after the end: met or not met */
    assert_int_equal(plan_level_of(&mar, 0, 20240401, 1), PLAN_GREEN);
    assert_int_equal(plan_level_of(&mar, 0, 20240401, 0.99), PLAN_NOT_MET);
}

static void test_behind_by_exactly_a_tenth_is_still_green(void **state)
{
    (void)state;
    struct plan_period apr = P("2024-04"); /* 30 days */
    assert_int_equal(plan_level_of(&apr, 0, 20240403, 0), PLAN_GREEN);  /* 3/30 = 0.10 */
    assert_int_equal(plan_level_of(&apr, 0, 20240404, 0), PLAN_YELLOW); /* 0.133 */
    /* 12/30 = 0.4 with 0.3 done: 0.4 - 0.3 is 0.10000000000000003 in doubles, still green */
    assert_int_equal(plan_level_of(&apr, 0, 20240412, 0.3), PLAN_GREEN);
    assert_int_equal(plan_level_of(&apr, 0, 20240413, 0.3), PLAN_YELLOW); /* 0.433 - 0.3 */
    /* partial progress on a target of 4: 1 of 4 on day 16 (0.533) is yellow */
    assert_int_equal(plan_level_of(&apr, 0, 20240416, plan_completion(1, 4)), PLAN_YELLOW);
    assert_int_equal(plan_level_of(&apr, 0, 20240416, plan_completion(2, 4)), PLAN_GREEN);
}

static void test_red_thresholds_by_frequency(void **state)
{
    (void)state;
    struct plan_period q1 = P("2024Q1"), h2 = P("2024H2"), y = P("2024"), y23 = P("2023");
    assert_int_equal(plan_red_days(PLAN_MONTH), 7);
    assert_int_equal(plan_red_days(PLAN_QUARTER), 15);
    assert_int_equal(plan_red_days(PLAN_HALF), 15);
    assert_int_equal(plan_red_days(PLAN_YEAR), 30);
    /* quarter: 17 March leaves 15 days, 18 March 14 */
    assert_int_equal(plan_level_of(&q1, 0, 20240317, 0), PLAN_YELLOW);
    assert_int_equal(plan_level_of(&q1, 0, 20240318, 0), PLAN_RED);
    /* half-year: 17 December leaves 15, 18 December 14 */
    assert_int_equal(plan_level_of(&h2, 0, 20241217, 0.9), PLAN_GREEN);
    assert_int_equal(plan_level_of(&h2, 0, 20241218, 0.9), PLAN_RED);
    /* year: 2 December leaves 30 days, 3 December 29; the same days in any year */
    assert_int_equal(plan_level_of(&y, 0, 20241202, 0.95), PLAN_GREEN);
    assert_int_equal(plan_level_of(&y, 0, 20241203, 0.95), PLAN_RED);
    assert_int_equal(plan_level_of(&y23, 0, 20231203, 0.95), PLAN_RED);
}

static void test_red_in_february_depends_on_the_leap_day(void **state)
{
    (void)state;
    struct plan_period f24 = P("2024-02"), f23 = P("2023-02");
    /* 2024: 23 Feb leaves 7 days (23..29), 24 Feb 6 */
    assert_int_equal(plan_level_of(&f24, 0, 20240223, 0), PLAN_YELLOW);
    assert_int_equal(plan_level_of(&f24, 0, 20240224, 0), PLAN_RED);
    /* 2023: one day earlier */
    assert_int_equal(plan_level_of(&f23, 0, 20230222, 0), PLAN_YELLOW);
    assert_int_equal(plan_level_of(&f23, 0, 20230223, 0), PLAN_RED);
    /* the last day of February 2024 is the 29th: still open on it */
    assert_int_equal(plan_level_of(&f24, 0, 20240229, 0), PLAN_RED);
    assert_int_equal(plan_level_of(&f24, 0, 20240301, 0), PLAN_NOT_MET);
}

static void test_task_added_mid_period_levels(void **state)
{
    (void)state;
    struct plan_period mar = P("2024-03");
    /* added 10 March: on 12 March expected 3/22 = 0.136 → yellow with nothing done; without
     * the from-day it would be 12/31 = 0.387 */
    assert_int_equal(plan_level_of(&mar, 20240310, 20240311, 0), PLAN_GREEN); /* 2/22 */
    assert_int_equal(plan_level_of(&mar, 20240310, 20240312, 0), PLAN_YELLOW);
    assert_int_equal(plan_level_of(&mar, 20240310, 20240316, 0.25), PLAN_GREEN); /* 7/22 = 0.318 */
    /* added 25 March with 7 days left: not red yet, red the next day */
    assert_int_equal(plan_level_of(&mar, 20240325, 20240325, 0), PLAN_YELLOW); /* 1/7 */
    assert_int_equal(plan_level_of(&mar, 20240325, 20240326, 0), PLAN_RED);
}

static void test_level_and_frequency_names(void **state)
{
    enum plan_level l;
    enum plan_freq f;
    (void)state;
    assert_string_equal(plan_level_name(PLAN_NOT_MET), "not_met");
    assert_string_equal(plan_level_label(PLAN_RED), "红色");
    assert_int_equal(plan_level_parse("yellow", &l), 0);
    assert_int_equal(l, PLAN_YELLOW);
    assert_int_equal(plan_level_parse("orange", &l), -1);
    assert_int_equal(plan_freq_parse("季度", &f), 0);
    assert_int_equal(f, PLAN_QUARTER);
    assert_int_equal(plan_freq_parse("weekly", &f), -1);
    assert_int_equal(plan_freq_count(PLAN_HALF), 2);
}

static void test_figures_for_people_have_one_decimal_at_most(void **state)
{
    char b[32];
    (void)state;
    assert_string_equal(plan_figure(90.90909, b, sizeof(b)), "90.9");
    assert_string_equal(plan_figure(3, b, sizeof(b)), "3");
    assert_string_equal(plan_figure(2.96, b, sizeof(b)), "3");
    assert_string_equal(plan_figure(0.25, b, sizeof(b)), "0.3");
    assert_string_equal(plan_figure(1234.5, b, sizeof(b)), "1234.5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_period_names_parse_and_round_trip),
        cmocka_unit_test(test_malformed_periods_are_refused),
        cmocka_unit_test(test_period_lengths_follow_leap_years),
        cmocka_unit_test(test_period_of_a_day_previous_and_within),
        cmocka_unit_test(test_completion_is_capped_ratio),
        cmocka_unit_test(test_expected_progress_counts_today),
        cmocka_unit_test(test_task_added_mid_period_expects_from_the_day_it_counts),
        cmocka_unit_test(test_days_left_include_today_and_the_last_day),
        cmocka_unit_test(test_monthly_levels_through_a_31_day_month),
        cmocka_unit_test(test_behind_by_exactly_a_tenth_is_still_green),
        cmocka_unit_test(test_red_thresholds_by_frequency),
        cmocka_unit_test(test_red_in_february_depends_on_the_leap_day),
        cmocka_unit_test(test_task_added_mid_period_levels),
        cmocka_unit_test(test_level_and_frequency_names),
        cmocka_unit_test(test_figures_for_people_have_one_decimal_at_most),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
