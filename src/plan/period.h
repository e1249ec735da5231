/* Plan periods: a month, quarter, half-year or year of one calendar year, with its first and
 * last day. Pure functions: no database, no clock. */
#ifndef PLAN_PERIOD_H
#define PLAN_PERIOD_H

#include <stdbool.h>
#include <stddef.h>

enum plan_freq { PLAN_MONTH, PLAN_QUARTER, PLAN_HALF, PLAN_YEAR };

/* Room for any canonical period name ("2024-03", "2024Q1", "2024H1", "2024"). */
#define PLAN_PERIOD_MAX 16

struct plan_period {
    enum plan_freq freq;
    int year;
    int index; /* 1-based: month 1..12, quarter 1..4, half 1..2, year 1 */
    int start; /* YYYYMMDD, first day */
    int end;   /* YYYYMMDD, last day */
};

/* "month", "quarter", "half", "year" (or 月度/季度/半年/年度) → freq; 0 or -ERR_INVALID. */
int plan_freq_parse(const char *s, enum plan_freq *ret);
const char *plan_freq_name(enum plan_freq f);
const char *plan_freq_label(enum plan_freq f);
/* Periods of freq in a year: 12, 4, 2, 1. */
int plan_freq_count(enum plan_freq f);

/* The period of freq number index (1-based) in year. */
void plan_period_make(enum plan_freq f, int year, int index, struct plan_period *ret);
/* The period of freq that contains day (YYYYMMDD). */
void plan_period_of(enum plan_freq f, int day, struct plan_period *ret);
/* "2024-03" / "202403" (month), "2024Q1" (quarter), "2024H2" (half), "2024" (year);
 * 0 or -ERR_INVALID. */
int plan_period_parse(const char *s, struct plan_period *ret);
/* The canonical name (PLAN_PERIOD_MAX bytes are enough). */
void plan_period_name(const struct plan_period *p, char *out, size_t n);
/* The period before p, of the same frequency. */
void plan_period_prev(const struct plan_period *p, struct plan_period *ret);
/* Days in the period, both ends included. */
int plan_period_days(const struct plan_period *p);
/* Whether inner lies inside outer (same or finer frequency). */
bool plan_period_within(const struct plan_period *inner, const struct plan_period *outer);

#endif
