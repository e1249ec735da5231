#include "base/month.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/banned.h"

bool month_valid(int m)
{
    int y = m / 100, mm = m % 100;
    return y >= 1900 && y <= 2999 && mm >= 1 && mm <= 12;
}

int month_add(int m, int n)
{
    int idx = (m / 100) * 12 + (m % 100 - 1) + n;
    return (idx / 12) * 100 + idx % 12 + 1;
}

int month_diff(int a, int b)
{
    return ((a / 100) * 12 + a % 100) - ((b / 100) * 12 + b % 100);
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int month_days(int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int mm = m % 100;
    return mm == 2 && leap(m / 100) ? 29 : days[mm - 1];
}

int month_year(int m)
{
    return m / 100;
}

int month_of_date(int ymd)
{
    return ymd / 100;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int month_parse(const char *s, int *ret_month)
{
    int m;
    size_t n = strlen(s);
    if (n == 6 && all_digits(s, 6))
        m = atoi(s);
    else if (n == 7 && s[4] == '-' && all_digits(s, 4) && all_digits(s + 5, 2))
        m = atoi(s) * 100 + atoi(s + 5);
    else
        return -ERR_INVALID;
    if (!month_valid(m))
        return -ERR_INVALID;
    *ret_month = m;
    return 0;
}

bool date_valid(int y, int m, int d)
{
    return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= month_days(y * 100 + m);
}

int date_parse_iso(const char *s, int *ret_ymd)
{
    int y, m, d;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !all_digits(s, 4) ||
        !all_digits(s + 5, 2) || !all_digits(s + 8, 2))
        return -ERR_INVALID;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (!date_valid(y, m, d))
        return -ERR_INVALID;
    *ret_ymd = y * 10000 + m * 100 + d;
    return 0;
}

void date_format(int ymd, char *out, size_t n)
{
    snprintf(out, n, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
}

/* Days from civil date: the well-known era-based algorithm (proleptic Gregorian). */
long date_to_days(int ymd)
{
    long y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int date_from_days(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    return (int)((y + (m <= 2)) * 10000 + m * 100 + d);
}

/* A payment made at 07:00 on the 1st in Beijing belongs to the 1st, not to the last day of
 * the month before, as it would on UTC days. Floor division: instants before 1970 too. */
int date_of_time(long long t)
{
    long long s = t + LOCAL_UTC_OFFSET;
    return date_from_days((long)(s >= 0 ? s / 86400 : -((-s + 86399) / 86400)));
}

long long time_of_date(int ymd)
{
    return (long long)date_to_days(ymd) * 86400 - LOCAL_UTC_OFFSET;
}

int month_of_time(long long t)
{
    return date_of_time(t) / 100;
}

int date_today(void)
{
    return date_of_time((long long)time(NULL));
}
