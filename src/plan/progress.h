/* Progress, expected progress and warning levels (docs/PLANS.md, "Levels"):
 * pure functions of numbers and days, tested by hand in tests/unit/test_plan_progress.c. */
#ifndef PLAN_PROGRESS_H
#define PLAN_PROGRESS_H

#include "plan/period.h"

enum plan_level { PLAN_GREEN, PLAN_YELLOW, PLAN_RED, PLAN_NOT_MET };

/* How far behind expected progress a task may be and still be green. */
#define PLAN_YELLOW_GAP 0.10

/* min(actual / target, 1), and 0 for a negative actual or a target <= 0. */
double plan_completion(double actual, double target);
/* Expected progress on day today: d / D over the part of the period from max(start,
 * from_day) to its end, d counting today; 0 before that part begins, 1 after the end. */
double plan_expected(const struct plan_period *p, int from_day, int today);
/* Days left in the period on today, today and the last day included (0 after the end). */
int plan_days_left(const struct plan_period *p, int today);
/* Red when fewer than this many days remain: 7 (month), 15 (quarter, half-year), 30 (year). */
int plan_red_days(enum plan_freq f);
/* The level on today. After the end (today > p->end): green when complete, else not met. */
enum plan_level plan_level_of(const struct plan_period *p, int from_day, int today,
                              double completion);
/* Whether a task counts in period p on today at all: p has begun, the task counts from
 * from_day and that day has come, and p does not end before it. */
bool plan_period_active(const struct plan_period *p, int from_day, int today);

const char *plan_level_name(enum plan_level l); /* green, yellow, red, not_met */
/* A figure for people: one decimal at most, none when whole ("90.9", "3"), as every screen
 * rounds; out must hold 32 bytes. Returns out. */
const char *plan_figure(double v, char *out, size_t n);
const char *plan_level_label(enum plan_level l); /* 绿色, 黄色, 红色, 未达标 */
int plan_level_parse(const char *s, enum plan_level *ret);

#endif
