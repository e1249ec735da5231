#include "base/parse.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/month.h"
#include "base/text.h"
#include "base/banned.h"

#define IDEO_SPACE "\xE3\x80\x80" /* U+3000, the full-width space of Chinese input methods */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ascii_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r'); /* \t \n \v \f \r */
}

/* Bytes of white space (ASCII or U+3000) starting at p, 0 if none. */
static size_t space_at(const char *p, const char *end)
{
    size_t left = (size_t)(end - p);
    if (left >= 1 && is_ascii_space(p[0]))
        return 1;
    if (left >= 3 && memcmp(p, IDEO_SPACE, 3) == 0)
        return 3;
    return 0;
}

/* Bytes of white space ending at end, 0 if none. */
static size_t space_before(const char *start, const char *end)
{
    size_t left = (size_t)(end - start);
    if (left >= 1 && is_ascii_space(end[-1]))
        return 1;
    if (left >= 3 && memcmp(end - 3, IDEO_SPACE, 3) == 0)
        return 3;
    return 0;
}

/* The part of s without surrounding white space: start returned, length in *ret_len. */
static const char *trim_span(const char *s, size_t *ret_len)
{
    const char *end = s + strlen(s);
    size_t n;
    while ((n = space_at(s, end)) > 0)
        s += n;
    while ((n = space_before(s, end)) > 0)
        end -= n;
    *ret_len = (size_t)(end - s);
    return s;
}

/*
 * Remove ASCII white space and the ideographic space U+3000 from both ends of the
 * NUL-terminated string s, in place. Return s.
 */
char *parse_trim(char *s)
{
    size_t len;
    const char *start = trim_span(s, &len);
    memmove(s, start, len);
    s[len] = '\0';
    return s;
}

/* Read between min and max digits at *p (stopping at end) into *ret; advance *p. */
static bool read_number(const char **p, const char *end, int min, int max, int *ret)
{
    int v = 0, n = 0;
    while (*p < end && is_digit(**p) && n < max) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    if (n < min || (*p < end && is_digit(**p)))
        return false;
    *ret = v;
    return true;
}

static bool read_literal(const char **p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

/* The written forms of a date we accept: year, sep1, month, sep2, day, tail. */
static const struct date_form {
    const char *sep1, *sep2, *tail;
} date_forms[] = {
    {"-", "-", ""},
    {"/", "/", ""},
    {"年", "月", "日"},
};

/*
 * Parse a date written as 2024-03-05, 2024-3-5, 2024/3/5 or 2024年3月5日 (month and day
 * with one or two digits, white space around it ignored) and check it against the calendar.
 * Return 0 and set *ret_ymd to YYYYMMDD, or return -ERR_INVALID.
 */
int parse_date(const char *s, int *ret_ymd)
{
    size_t len;
    const char *start = trim_span(s, &len), *end = start + len;

    for (size_t i = 0; i < sizeof(date_forms) / sizeof(date_forms[0]); i++) {
        const struct date_form *f = &date_forms[i];
        const char *p = start;
        int y, m, d;
        if (!read_number(&p, end, 4, 4, &y) || !read_literal(&p, end, f->sep1) ||
            !read_number(&p, end, 1, 2, &m) || !read_literal(&p, end, f->sep2) ||
            !read_number(&p, end, 1, 2, &d) || !read_literal(&p, end, f->tail) || p != end)
            continue;
        if (!date_valid(y, m, d))
            return -ERR_INVALID;
        *ret_ymd = y * 10000 + m * 100 + d;
        return 0;
    }
    return -ERR_INVALID;
}

static bool push_digit(long long *v, char c)
{
    int d = c - '0';
    if (*v > (LLONG_MAX - d) / 10)
        return false;
    *v = *v * 10 + d;
    return true;
}

static size_t digit_run(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && is_digit(p[n]))
        n++;
    return n;
}

/*
 * Parse an amount of money in yuan: an optional leading '-', an integer part written either
 * plainly ("1234") or with commas between groups of three ("1,234,567"), and at most two
 * decimals ("1234.5", "0.01"); white space around it is ignored. No floating point is used.
 * Return 0 and set *ret_fen to the amount in fen (1/100 yuan), or return -ERR_INVALID for
 * any other form and for amounts beyond LLONG_MAX fen.
 */
int parse_amount_fen(const char *s, long long *ret_fen)
{
    size_t len, run, decimals = 0;
    const char *p = trim_span(s, &len), *end = p + len;
    long long v = 0;
    bool neg = false, grouped;

    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    run = digit_run(p, end);
    grouped = p + run < end && p[run] == ',';
    if (run == 0 || (grouped && run > 3))
        return -ERR_INVALID;
    for (;;) {
        for (size_t i = 0; i < run; i++)
            if (!push_digit(&v, *p++))
                return -ERR_INVALID;
        if (!grouped || p == end || *p != ',')
            break;
        p++;
        if ((run = digit_run(p, end)) != 3)
            return -ERR_INVALID;
    }
    if (p < end && *p == '.') {
        p++;
        decimals = digit_run(p, end);
        if (decimals < 1 || decimals > 2)
            return -ERR_INVALID;
        for (size_t i = 0; i < decimals; i++)
            if (!push_digit(&v, *p++))
                return -ERR_INVALID;
    }
    if (p != end)
        return -ERR_INVALID;
    for (; decimals < 2; decimals++)
        if (!push_digit(&v, '0'))
            return -ERR_INVALID;
    *ret_fen = neg ? -v : v;
    return 0;
}

/*
 * Write fen as yuan with exactly two decimals and no thousands separators ("1234.50",
 * "-0.05") into out, truncated to n bytes; FEN_FORMAT_MAX is enough for any value.
 */
void fen_format(long long fen, char *out, size_t n)
{
    /* unsigned negation so that LLONG_MIN works too */
    unsigned long long mag = fen < 0 ? 0ULL - (unsigned long long)fen : (unsigned long long)fen;
    snprintf(out, n, "%s%llu.%02llu", fen < 0 ? "-" : "", mag / 100, mag % 100);
}

/*
 * Return true if s is an 18-character resident id-card number: 17 digits, a check character
 * (digit, 'X' or 'x') that matches ISO 7064 MOD 11-2 over the first 17, and a valid birth
 * date (YYYYMMDD) in characters 7 to 14.
 */
char idcard_check(const char *s)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (s[i] - '0') * weights[i];
    return "10X98765432"[sum % 11];
}

bool idcard_valid(const char *s)
{
    int y, m, d;
    char last;

    if (!s || strlen(s) != 18)
        return false;
    for (int i = 0; i < 17; i++)
        if (!is_digit(s[i]))
            return false;
    last = s[17] == 'x' ? 'X' : s[17];
    if (last != idcard_check(s))
        return false;
    y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
    m = (s[10] - '0') * 10 + (s[11] - '0');
    d = (s[12] - '0') * 10 + (s[13] - '0');
    return date_valid(y, m, d);
}

/* Return true if s is a mainland mobile number: exactly 11 digits starting 13..19. */
bool phone_valid(const char *s)
{
    if (!s || strlen(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9')
        return false;
    for (int i = 2; i < 11; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* Bounded writer: whole code points or nothing, always NUL-terminated when n > 0. */
struct mask_out {
    char *out;
    size_t n, pos;
};

static void mask_put(struct mask_out *m, const char *p, size_t len)
{
    if (m->n == 0 || m->pos + len >= m->n)
        return;
    memcpy(m->out + m->pos, p, len);
    m->pos += len;
    m->out[m->pos] = '\0';
}

/* Length in bytes of the code point starting at p. */
static size_t cp_len(const char *p)
{
    size_t n = 1;
    while (p[n] && ((unsigned char)p[n] & 0xC0) == 0x80)
        n++;
    return n;
}

/*
 * Keep the first head and last tail code points of s and star the rest; strings with fewer
 * than min code points are starred entirely, so nothing of a malformed value shows.
 */
static void mask_keep(const char *s, size_t head, size_t tail, size_t min, char *out, size_t n)
{
    struct mask_out m = {out, n, 0};
    size_t chars, i = 0, k;
    if (n > 0)
        out[0] = '\0';
    if (!s)
        return;
    chars = text_utf8_chars(s);
    if (chars < min)
        head = tail = 0;
    for (const char *p = s; *p; p += k, i++) {
        k = cp_len(p);
        if (i < head || (tail > 0 && i >= chars - tail))
            mask_put(&m, p, k);
        else
            mask_put(&m, "*", 1);
    }
}

/*
 * Write the id-card number s masked for lists into out (n bytes): first 4 and last 4
 * characters kept, the rest '*' ("5001**********1234"); shorter than 18 → all '*'.
 */
void mask_idcard(const char *s, char *out, size_t n)
{
    mask_keep(s, 4, 4, 18, out, n);
}

/*
 * Write the phone number s masked for lists into out (n bytes): first 3 and last 4 digits
 * kept ("138****5678"); shorter than 11 → all '*'.
 */
void mask_phone(const char *s, char *out, size_t n)
{
    mask_keep(s, 3, 4, 11, out, n);
}
