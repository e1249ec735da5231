#include "plan/period.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/month.h"
#include "base/banned.h"

static const struct {
    enum plan_freq freq;
    const char *name, *label;
    int count, months; /* periods a year, months a period */
    const char *format;  /* the canonical name from year and index */
} freqs[] = {
    {PLAN_MONTH, "month", "月度", 12, 1, "%04d-%02d"},
    {PLAN_QUARTER, "quarter", "季度", 4, 3, "%04dQ%d"},
    {PLAN_HALF, "half", "半年", 2, 6, "%04dH%d"},
    {PLAN_YEAR, "year", "年度", 1, 12, "%04d"},
};

int plan_freq_parse(const char *s, enum plan_freq *ret)
{
    for (size_t i = 0; s && i < sizeof(freqs) / sizeof(freqs[0]); i++)
        if (strcmp(s, freqs[i].name) == 0 || strcmp(s, freqs[i].label) == 0) {
            *ret = freqs[i].freq;
            return 0;
        }
    return -ERR_INVALID;
}

const char *plan_freq_name(enum plan_freq f)
{
    return freqs[f].name;
}

const char *plan_freq_label(enum plan_freq f)
{
    return freqs[f].label;
}

int plan_freq_count(enum plan_freq f)
{
    return freqs[f].count;
}

void plan_period_make(enum plan_freq f, int year, int index, struct plan_period *ret)
{
    int first = (index - 1) * freqs[f].months + 1, last = first + freqs[f].months - 1;
    ret->freq = f;
    ret->year = year;
    ret->index = index;
    ret->start = year * 10000 + first * 100 + 1;
    ret->end = year * 10000 + last * 100 + month_days(year * 100 + last);
}

void plan_period_of(enum plan_freq f, int day, struct plan_period *ret)
{
    int month = day / 100 % 100;
    plan_period_make(f, day / 10000, (month - 1) / freqs[f].months + 1, ret);
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int plan_period_parse(const char *s, struct plan_period *ret)
{
    size_t len = s ? strlen(s) : 0;
    int year, idx;
    enum plan_freq f;
    if (len < 4 || !digits(s, 4))
        return -ERR_INVALID;
    year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (year < 1900 || year > 2999)
        return -ERR_INVALID;
    if (len == 4) {
        f = PLAN_YEAR;
        idx = 1;
    } else if (len == 6 && (s[4] == 'Q' || s[4] == 'q') && s[5] >= '1' && s[5] <= '4') {
        f = PLAN_QUARTER;
        idx = s[5] - '0';
    } else if (len == 6 && (s[4] == 'H' || s[4] == 'h') && s[5] >= '1' && s[5] <= '2') {
        f = PLAN_HALF;
        idx = s[5] - '0';
    } else if (len == 7 && s[4] == '-' && digits(s + 5, 2)) {
        f = PLAN_MONTH;
        idx = (s[5] - '0') * 10 + (s[6] - '0');
    } else if (len == 6 && digits(s + 4, 2)) {
        f = PLAN_MONTH;
        idx = (s[4] - '0') * 10 + (s[5] - '0');
    } else {
        return -ERR_INVALID;
    }
    if (idx < 1 || idx > freqs[f].count)
        return -ERR_INVALID;
    plan_period_make(f, year, idx, ret);
    return 0;
}

void plan_period_name(const struct plan_period *p, char *out, size_t n)
{
    /* the year format ignores the index */
    snprintf(out, n, freqs[p->freq].format, p->year, p->index);
}

void plan_period_prev(const struct plan_period *p, struct plan_period *ret)
{
    if (p->index > 1)
        plan_period_make(p->freq, p->year, p->index - 1, ret);
    else
        plan_period_make(p->freq, p->year - 1, freqs[p->freq].count, ret);
}

int plan_period_days(const struct plan_period *p)
{
    return (int)(date_to_days(p->end) - date_to_days(p->start)) + 1;
}

bool plan_period_within(const struct plan_period *inner, const struct plan_period *outer)
{
    return inner->start >= outer->start && inner->end <= outer->end;
}
