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
/* The month containing the UTC instant t (seconds). */
int month_of_time(long long t);

bool date_valid(int y, int m, int d);
/* Strict ISO "YYYY-MM-DD" → YYYYMMDD; return 0 or -ERR_INVALID. */
int date_parse_iso(const char *s, int *ret_ymd);
/* YYYYMMDD → "YYYY-MM-DD" in out (at least 11 bytes). */
void date_format(int ymd, char *out, size_t n);
/* Days since 1970-01-01 for YYYYMMDD, and back. */
long date_to_days(int ymd);
int date_from_days(long days);
/* Today (UTC) as YYYYMMDD. */
int date_today(void);

#endif
