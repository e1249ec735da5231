#include "plan/progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/month.h"
#include "base/banned.h"

/* Comparisons of rates allow for the last bits of binary fractions: 0.4 - 0.3 is
 * 0.10000000000000003 in doubles, which is "behind by 0.10", not by more. */
#define EPS 1e-9

static const struct {
    enum plan_level level;
    const char *name, *label;
} levels[] = {
    {PLAN_GREEN, "green", "绿色"},
    {PLAN_YELLOW, "yellow", "黄色"},
    {PLAN_RED, "red", "红色"},
    {PLAN_NOT_MET, "not_met", "未达标"},
};

/* docs/PLANS.md: red when fewer than these days remain, by frequency. */
static const int red_days[] = {[PLAN_MONTH] = 7, [PLAN_QUARTER] = 15, [PLAN_HALF] = 15,
                               [PLAN_YEAR] = 30};

double plan_completion(double actual, double target)
{
    double c;
    if (!(target > 0) || !(actual > 0))
        return 0;
    c = actual / target;
    return c > 1 ? 1 : c;
}

static long days_between(int from, int to)
{
    return date_to_days(to) - date_to_days(from);
}

double plan_expected(const struct plan_period *p, int from_day, int today)
{
    int start = from_day > p->start ? from_day : p->start;
    long d, D;
    if (today > p->end)
        return 1;
    if (today < start || start > p->end)
        return 0;
    d = days_between(start, today) + 1;
    D = days_between(start, p->end) + 1;
    return (double)d / (double)D;
}

int plan_days_left(const struct plan_period *p, int today)
{
    if (today > p->end)
        return 0;
    if (today < p->start)
        return plan_period_days(p);
    return (int)days_between(today, p->end) + 1;
}

int plan_red_days(enum plan_freq f)
{
    return red_days[f];
}

enum plan_level plan_level_of(const struct plan_period *p, int from_day, int today,
                              double completion)
{
    bool complete = completion >= 1 - EPS;
    if (today > p->end)
        return complete ? PLAN_GREEN : PLAN_NOT_MET;
    if (complete)
        return PLAN_GREEN;
    if (plan_days_left(p, today) < red_days[p->freq])
        return PLAN_RED;
    if (plan_expected(p, from_day, today) - completion > PLAN_YELLOW_GAP + EPS)
        return PLAN_YELLOW;
    return PLAN_GREEN;
}

bool plan_period_active(const struct plan_period *p, int from_day, int today)
{
    return p->start <= today && from_day <= today && p->end >= from_day;
}

const char *plan_level_name(enum plan_level l)
{
    return levels[l].name;
}

const char *plan_level_label(enum plan_level l)
{
    return levels[l].label;
}

int plan_level_parse(const char *s, enum plan_level *ret)
{
    for (size_t i = 0; s && i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(s, levels[i].name) == 0) {
            *ret = levels[i].level;
            return 0;
        }
    return -ERR_INVALID;
}

const char *plan_figure(double v, char *out, size_t n)
{
    double r = round(v * 10) / 10;
    snprintf(out, n, r == floor(r) ? "%.0f" : "%.1f", r);
    return out;
}
