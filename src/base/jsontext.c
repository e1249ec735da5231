/* Compact JSON text (see jsontext.h). */
#include "base/jsontext.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

#define MAX_DEPTH 64

struct out {
    char *p;
    size_t len, cap;
    int failed;
};

static int reserve(struct out *o, size_t n)
{
    size_t cap;
    char *p;
    if (o->len + n + 1 <= o->cap)
        return 0;
    cap = o->cap ? o->cap : 1024;
    while (cap < o->len + n + 1)
        cap *= 2;
    if (!(p = realloc(o->p, cap))) {
        o->failed = 1;
        return -1;
    }
    o->p = p;
    o->cap = cap;
    return 0;
}

static void put(struct out *o, const char *s, size_t n)
{
    if (reserve(o, n) < 0)
        return;
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

/* Digits of v into the end of tmp; returns where they start. */
static char *utoa_end(unsigned long long v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static size_t int_text(long long v, char *out)
{
    char tmp[24], *s = utoa_end(v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v,
                                tmp + sizeof(tmp));
    size_t n = 0;
    if (v < 0)
        out[n++] = '-';
    memcpy(out + n, s, (size_t)(tmp + sizeof(tmp) - s));
    return n + (size_t)(tmp + sizeof(tmp) - s);
}

size_t json_text_real(double d, char *out)
{
    double a = fabs(d), scaled = a * 10000.0, r;
    size_t n;
    char *ex;
    /* fast path: 1 <= |d| < 1e8 with at most four decimals. The value is then within 1e-12
     * of n/10^4, less than half a unit in the twelfth digit, so %.12g prints exactly those
     * digits, trailing zeros dropped. */
    if (a >= 1.0 && a < 1e8 && fabs(scaled - (r = nearbyint(scaled))) < 1e-8) {
        unsigned long long q = (unsigned long long)r, whole = q / 10000, frac = q % 10000;
        char tmp[24], *s = utoa_end(whole, tmp + sizeof(tmp));
        n = 0;
        if (d < 0)
            out[n++] = '-';
        memcpy(out + n, s, (size_t)(tmp + sizeof(tmp) - s));
        n += (size_t)(tmp + sizeof(tmp) - s);
        out[n++] = '.';
        if (!frac) {
            out[n++] = '0';
        } else {
            char f[4];
            int k = 4;
            for (int i = 3; i >= 0; i--, frac /= 10)
                f[i] = (char)('0' + frac % 10);
            while (f[k - 1] == '0')
                k--;
            memcpy(out + n, f, (size_t)k);
            n += (size_t)k;
        }
        out[n] = '\0';
        return n;
    }
    if (d == 0.0) {
        memcpy(out, signbit(d) ? "-0.0" : "0.0", signbit(d) ? 5 : 4);
        return strlen(out);
    }
    n = (size_t)snprintf(out, 32, "%.12g", d);
    if ((ex = strchr(out, 'e')) != NULL) { /* the exponent without '+' and leading zeros: 1e+15 → 1e15, 1e-07 → 1e-7 */
        char *from = ex + 1, *to = ex + 1;
        if (*from == '-')
            *to++ = *from++;
        else if (*from == '+')
            from++;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, strlen(from) + 1);
        n = strlen(out);
    }
    if (!strpbrk(out, ".eE") && n + 2 < 32) { /* a whole number stays a real */
        out[n++] = '.';
        out[n++] = '0';
        out[n] = '\0';
    }
    return n;
}

static void string_text(struct out *o, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF"; /* as jansson writes them */
    size_t i = 0, run = 0;
    if (reserve(o, len + 2) < 0)
        return;
    o->p[o->len++] = '"';
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6];
        size_t en = 2;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(o, s + run, i - run);
        run = i + 1;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            en = 6;
        }
        put(o, esc, en);
    }
    put(o, s + run, len - run);
    put(o, "\"", 1);
}

static void value_text(struct out *o, const json_t *v, int depth)
{
    char num[32];
    size_t n;
    if (depth > MAX_DEPTH) {
        o->failed = 1;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        int first = 1;
        put(o, "{", 1);
        for (void *it = json_object_iter((json_t *)v); it && !o->failed;
             it = json_object_iter_next((json_t *)v, it), first = 0) {
            key = json_object_iter_key(it);
            if (!first)
                put(o, ",", 1);
            string_text(o, key, json_object_iter_key_len(it));
            put(o, ":", 1);
            value_text(o, json_object_iter_value(it), depth + 1);
        }
        put(o, "}", 1);
        break;
    }
    case JSON_ARRAY:
        put(o, "[", 1);
        for (size_t i = 0; i < json_array_size(v) && !o->failed; i++) {
            if (i)
                put(o, ",", 1);
            value_text(o, json_array_get(v, i), depth + 1);
        }
        put(o, "]", 1);
        break;
    case JSON_STRING:
        string_text(o, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        n = int_text((long long)json_integer_value(v), num);
        put(o, num, n);
        break;
    case JSON_REAL:
        n = json_text_real(json_real_value(v), num);
        put(o, num, n);
        break;
    case JSON_TRUE:
        put(o, "true", 4);
        break;
    case JSON_FALSE:
        put(o, "false", 5);
        break;
    case JSON_NULL:
        put(o, "null", 4);
        break;
    }
}

char *json_text(const json_t *v, size_t *ret_len)
{
    struct out o = {NULL, 0, 0, 0};
    if (!v)
        return NULL;
    value_text(&o, v, 0);
    if (o.failed || reserve(&o, 0) < 0) {
        free(o.p);
        return NULL;
    }
    o.p[o.len] = '\0';
    if (ret_len)
        *ret_len = o.len;
    return o.p;
}
