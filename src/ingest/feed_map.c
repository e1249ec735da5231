/* Feed mappings (feed_map.h). */
#include "ingest/feed_map.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "base/banned.h"

static const char *const names[FF__COUNT] = {"key",   "emp_no", "member_id",  "org_code",
                                             "indicator", "value", "day", "month",
                                             "updated_at", "id"};

struct feed_map {
    char *col[FF__COUNT];   /* column name, or NULL */
    char *konst[FF__COUNT]; /* or a constant ("=..." without the "=") */
};

void feed_map_free(struct feed_map *m)
{
    if (!m)
        return;
    for (int f = 0; f < FF__COUNT; f++) {
        free(m->col[f]);
        free(m->konst[f]);
    }
    free(m);
}

/* A column name we can quote safely on any PostgreSQL: a plain identifier. */
static int valid_column(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

int feed_map_parse(const json_t *spec, struct feed_map **ret, struct errbuf *e)
{
    struct feed_map *m;
    const char *k;
    json_t *v;
    int rc = 0;
    if (!json_is_object(spec))
        return errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, "mapping", NULL,
                            "'mapping' must be a JSON object");
    if (!(m = calloc(1, sizeof(*m))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    json_object_foreach((json_t *)spec, k, v)
    {
        int f;
        const char *s = json_string_value(v);
        for (f = 0; f < FF__COUNT && strcmp(names[f], k) != 0; f++)
            ;
        if (f == FF__COUNT) {
            rc = errbuf_field(e, -ERR_INVALID, R_UNKNOWN_FIELD, "mapping", k,
                              "mapping: unknown field '%.60s'", k);
            goto out;
        }
        if (!s) {
            rc = errbuf_field(e, -ERR_INVALID, R_NOT_STRING, "mapping", k,
                              "mapping: '%s' must be a column name or \"=constant\"", k);
            goto out;
        }
        if (s[0] == '=' && f != FF_KEY && f != FF_UPDATED_AT && f != FF_ID && f != FF_DAY &&
            strlen(s) < FEED_TEXT_MAX) {
            m->konst[f] = strdup(s + 1);
        } else if (valid_column(s)) {
            m->col[f] = strdup(s);
        } else {
            rc = errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "mapping", s,
                              "mapping: '%s' names no plain column: '%.60s'", k, s);
            goto out;
        }
        if (!m->col[f] && !m->konst[f]) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if (!m->col[FF_UPDATED_AT])
        m->col[FF_UPDATED_AT] = strdup("updated_at");
    if (!m->col[FF_ID])
        m->col[FF_ID] = strdup(m->col[FF_KEY] ? m->col[FF_KEY] : "id");
    if (!m->col[FF_KEY])
        m->col[FF_KEY] = strdup(m->col[FF_ID] ? m->col[FF_ID] : "id");
    if (!m->col[FF_UPDATED_AT] || !m->col[FF_ID] || !m->col[FF_KEY]) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    /* what an event needs: an indicator, a value, a date, and whom it is about */
    static const struct {
        enum feed_field a, b, c;
        const char *what;
    } need[] = {
        {FF_INDICATOR, FF_INDICATOR, FF_INDICATOR, "indicator"},
        {FF_VALUE, FF_VALUE, FF_VALUE, "value"},
        {FF_DAY, FF_MONTH, FF_MONTH, "day or month"},
        {FF_EMP_NO, FF_MEMBER_ID, FF_ORG_CODE, "emp_no, member_id or org_code"},
    };
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        enum feed_field a = need[i].a, b = need[i].b, c = need[i].c;
        if (!m->col[a] && !m->konst[a] && !m->col[b] && !m->konst[b] && !m->col[c] &&
            !m->konst[c]) {
            rc = errbuf_field(e, -ERR_INVALID, R_REQUIRED, "mapping", NULL,
                              "mapping: %s is required", need[i].what);
            goto out;
        }
    }
out:
    if (rc < 0)
        feed_map_free(m);
    else
        *ret = m;
    return rc;
}

json_t *feed_map_json(const struct feed_map *m)
{
    json_t *o = json_object();
    char buf[FEED_TEXT_MAX + 1];
    for (int f = 0; f < FF__COUNT; f++) {
        if (m->col[f]) {
            json_object_set_new(o, names[f], json_string(m->col[f]));
        } else if (m->konst[f]) {
            snprintf(buf, sizeof(buf), "=%s", m->konst[f]);
            json_object_set_new(o, names[f], json_string(buf));
        }
    }
    return o;
}

const char *feed_map_column(const struct feed_map *m, enum feed_field f)
{
    return m->col[f];
}

/* Where a row's fields come from: a JSON object, or texts by field (an SQL row). */
struct raw {
    const json_t *json;
    const char *const *text;
};

/* The field's text in the row (into out->text[f] for numbers): NULL when it has none. */
static const char *get(const struct feed_map *m, const struct raw *raw, enum feed_field f,
                       struct feed_row *out)
{
    const json_t *v;
    if (m->konst[f])
        return m->konst[f];
    if (!m->col[f])
        return NULL;
    if (raw->text)
        return raw->text[f];
    if (!(v = json_object_get(raw->json, m->col[f])) || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        snprintf(out->text[f], FEED_TEXT_MAX, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out->text[f], FEED_TEXT_MAX, "%.17g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(out->text[f], FEED_TEXT_MAX, "%s", json_is_true(v) ? "true" : "false");
    else
        snprintf(out->text[f], FEED_TEXT_MAX, "%s", "(object)");
    return out->text[f];
}

/* The first problem of the row wins, as for events sent over HTTP. */
static void bad(struct feed_row *out, const char *field, enum reason why, const char *fmt,
                const char *arg)
{
    if (out->ev.bad_reason)
        return;
    snprintf(out->reason, sizeof(out->reason), fmt, arg);
    out->ev.bad_field = field;
    out->ev.bad_reason = out->reason;
    out->ev.bad_why = why;
}

static void map_row(const struct feed_map *m, const struct raw *raw, int min_month,
                    struct feed_row *out)
{
    const char *s, *key;
    char *end;
    struct event_in *ev = &out->ev;
    memset(ev, 0, sizeof(*ev));
    out->reason[0] = '\0';
    key = get(m, raw, FF_KEY, out);
    snprintf(out->key, sizeof(out->key), "%s", key ? key : "");
    ev->key = out->key[0] ? out->key : NULL;
    ev->emp_no = get(m, raw, FF_EMP_NO, out);
    ev->org_code = get(m, raw, FF_ORG_CODE, out);
    ev->indicator = get(m, raw, FF_INDICATOR, out);
    if ((s = get(m, raw, FF_MEMBER_ID, out))) {
        long long id;
        errno = 0;
        id = strtoll(s, &end, 10);
        if (errno || end == s || *end || id <= 0)
            bad(out, "member_id", R_NOT_INTEGER, "member_id '%.60s' is not a positive integer", s);
        else
            ev->member_id = id;
    }
    if (!(s = get(m, raw, FF_VALUE, out))) {
        bad(out, "value", R_REQUIRED, "missing value%.0s", "");
    } else {
        errno = 0;
        ev->value = strtod(s, &end);
        if (errno || end == s || *end || !isfinite(ev->value))
            bad(out, "value", R_NOT_NUMBER, "value '%.60s' is not a number", s);
    }
    if (m->col[FF_DAY]) {
        char day[11];
        if ((s = get(m, raw, FF_DAY, out))) {
            snprintf(day, sizeof(day), "%s", s);
            ev->date_text = s;
            if (date_parse_iso(day, &ev->day) < 0)
                ev->day = 0; /* ingest_batch says invalid_date */
        }
    } else if ((s = get(m, raw, FF_MONTH, out))) {
        int month = 0;
        if (month_parse(s, &month) < 0)
            bad(out, "month", R_INVALID_MONTH, "invalid month '%.60s'", s);
        else
            ev->day = month * 100 + 1;
        ev->date_text = s;
    } else {
        bad(out, "month", R_REQUIRED, "missing month%.0s", "");
    }
    if (ev->day && ev->day / 100 < min_month) {
        char why[48];
        snprintf(why, sizeof(why), "%d", min_month);
        bad(out, m->col[FF_DAY] ? "day" : "month", R_OUT_OF_RANGE,
            "before the feed's window (from %s)", why);
    }
}

void feed_map_row(const struct feed_map *m, const json_t *raw, int min_month,
                  struct feed_row *out)
{
    struct raw r = {raw, NULL};
    map_row(m, &r, min_month, out);
}

void feed_map_texts(const struct feed_map *m, const char *const text[FF__COUNT], int min_month,
                    struct feed_row *out)
{
    struct raw r = {NULL, text};
    map_row(m, &r, min_month, out);
}
