/* Months as the integer YYYYMM and dates as YYYYMMDD integers / ISO text. */
#ifndef BASE_MONTH_H
#define BASE_MONTH_H

#include <stdbool.h>
#include <stddef.h>

bool month_valid(int m);
int month_add(int m, int n);  /* 202312 + 1 = 202401 */
int month_diff(int a, int b); /* months from b to a: a - b */
int month_days(int m);        /* 28..31 */
int month_year(int m);
int month_of_date(int yyyymmdd);
/* Parse "202401" or "2024-01"; return 0 or -ERR_INVALID. */
int month_parse(const char *s, int *ret_month);
/* Days and months are those of the organization's clock: China Standard Time, UTC+8 all
 * year (no daylight saving). An instant is a count of UTC seconds. */
#define LOCAL_UTC_OFFSET (8 * 3600)
/* The local month containing the instant t. */
int month_of_time(long long t);
/* The local date (YYYYMMDD) of the instant t. */
int date_of_time(long long t);
/* The instant at which the local day ymd begins (its midnight in UTC+8). */
long long time_of_date(int ymd);

bool date_valid(int y, int m, int d);
/* Strict ISO "YYYY-MM-DD" → YYYYMMDD; return 0 or -ERR_INVALID. */
int date_parse_iso(const char *s, int *ret_ymd);
/* YYYYMMDD → "YYYY-MM-DD" in out (at least 11 bytes). */
void date_format(int ymd, char *out, size_t n);
/* Days since 1970-01-01 for YYYYMMDD, and back. */
long date_to_days(int ymd);
int date_from_days(long days);
/* Today (local, UTC+8) as YYYYMMDD. */
int date_today(void);

#endif
