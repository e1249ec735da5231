/* Fuzz target: the single-field parsers of imports and API input (src/base/parse.c,
 * src/base/month.c, src/base/text.c, src/plan/period.c): dates in every accepted form, money
 * in yuan, id-card and phone numbers and their masks, months, ISO dates, plan periods and
 * kinds. Besides memory errors and undefined behaviour it checks what the parsers promise:
 * whatever parses writes back and parses again to the same value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "base/parse.h"
#include "base/text.h"
#include "plan/grid.h"
#include "plan/period.h"

#define MUST(cond)                                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "promise broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void dates(const char *s)
{
    char iso[16];
    int ymd, again;
    if (parse_date(s, &ymd) == 0) {
        MUST(date_valid(ymd / 10000, ymd / 100 % 100, ymd % 100));
        date_format(ymd, iso, sizeof(iso));
        MUST(date_parse_iso(iso, &again) == 0 && again == ymd);
        MUST(parse_date(iso, &again) == 0 && again == ymd);
        MUST(date_from_days(date_to_days(ymd)) == ymd);
        MUST(date_of_time(time_of_date(ymd)) == ymd);
    }
    if (date_parse_iso(s, &ymd) == 0) {
        date_format(ymd, iso, sizeof(iso));
        MUST(strcmp(iso, s) == 0);
        MUST(parse_date(s, &again) == 0 && again == ymd);
    }
}

static void months(const char *s)
{
    int m;
    if (month_parse(s, &m) == 0) {
        MUST(month_valid(m));
        MUST(month_days(m) >= 28 && month_days(m) <= 31);
        MUST(month_diff(month_add(m, 13), m) == 13);
        MUST(month_add(month_add(m, -25), 25) == m);
    }
}

static void money(const char *s)
{
    char out[FEN_FORMAT_MAX], tiny[5];
    long long fen, again;
    if (parse_amount_fen(s, &fen) == 0) {
        fen_format(fen, out, sizeof(out));
        MUST(strlen(out) < sizeof(out) - 1);
        MUST(parse_amount_fen(out, &again) == 0 && again == fen);
        fen_format(fen, tiny, sizeof(tiny)); /* truncated, never overrun */
    }
}

static void people(const char *s)
{
    char id[64], phone[32], small[6];
    bool ok = idcard_valid(s);
    mask_idcard(s, id, sizeof(id));
    mask_phone(s, phone, sizeof(phone));
    mask_idcard(s, small, sizeof(small));
    mask_phone(s, small, sizeof(small));
    MUST(strlen(small) < sizeof(small));
    if (ok) {
        MUST(strlen(s) == 18 && strlen(id) == 18 && memcmp(id, s, 4) == 0);
        MUST(memcmp(id + 14, s + 14, 4) == 0 && strspn(id + 4, "*") == 10);
    }
    if (phone_valid(s))
        MUST(strlen(phone) == 11 && memcmp(phone + 3, "****", 4) == 0);
}

static void plans(const char *s)
{
    struct plan_period p, q;
    enum plan_freq f;
    char name[PLAN_PERIOD_MAX], kinds[64];
    unsigned bits, again;
    if (plan_period_parse(s, &p) == 0) {
        MUST(p.start <= p.end && date_valid(p.start / 10000, p.start / 100 % 100, p.start % 100));
        plan_period_name(&p, name, sizeof(name));
        MUST(plan_period_parse(name, &q) == 0 && q.start == p.start && q.end == p.end &&
             q.freq == p.freq);
        plan_period_prev(&p, &q);
        MUST(q.end < p.start);
    }
    (void)plan_freq_parse(s, &f);
    if (plan_kinds_parse(s, &bits) == 0) {
        plan_kinds_format(bits, kinds, sizeof(kinds));
        MUST(plan_kinds_parse(kinds, &again) == 0 && again == bits);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *t = malloc(size + 1);
    if (!s || !t)
        abort();
    memcpy(s, data, size);
    s[size] = '\0'; /* every caller hands these parsers C strings: an inner NUL ends them */
    (void)text_valid_utf8((const char *)data, size);
    (void)text_utf8_chars(s);
    dates(s);
    months(s);
    money(s);
    people(s);
    plans(s);
    memcpy(t, s, size + 1);
    parse_trim(t);
    MUST(strlen(t) <= strlen(s));
    dates(t);
    money(t);
    free(s);
    free(t);
    return 0;
}
