#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/banned.h"

static const struct {
    const char *name;
    int status;
} err_table[ERR__COUNT] = {
    [ERR_OK] = {"ok", 200},
    [ERR_INVALID] = {"invalid", 400},
    [ERR_UNAUTH] = {"unauthorized", 401},
    [ERR_FORBIDDEN] = {"forbidden", 403},
    [ERR_NOTFOUND] = {"not_found", 404},
    [ERR_METHOD] = {"method_not_allowed", 405},
    [ERR_CONFLICT] = {"conflict", 409},
    [ERR_TOOBIG] = {"too_large", 413},
    [ERR_MEDIA] = {"unsupported_media_type", 415},
    [ERR_RATE] = {"too_many_requests", 429},
    [ERR_IO] = {"io", 500},
    [ERR_DB] = {"database", 500},
    [ERR_NOMEM] = {"out_of_memory", 500},
    [ERR_INTERNAL] = {"internal", 500},
    [ERR_SCHEMA] = {"schema", 500},
    [ERR_UNKNOWN_FIELD] = {"unknown_field", 400},
    [ERR_BUSY] = {"busy", 503},
    [ERR_UNAVAILABLE] = {"unavailable", 503},
};

/* the API's names of enum reason (docs/openapi.json, ErrorDetail.code) */
static const char *const reason_names[R__COUNT] = {
    [R_REQUIRED] = "required",
    [R_NOT_STRING] = "not_string",
    [R_NOT_INTEGER] = "not_integer",
    [R_NOT_NUMBER] = "not_number",
    [R_NOT_BOOLEAN] = "not_boolean",
    [R_NOT_OBJECT] = "not_object",
    [R_NOT_ARRAY] = "not_array",
    [R_TOO_LONG] = "too_long",
    [R_TOO_SHORT] = "too_short",
    [R_TOO_MANY] = "too_many",
    [R_OUT_OF_RANGE] = "out_of_range",
    [R_INVALID_FORMAT] = "invalid_format",
    [R_INVALID_CHOICE] = "invalid_choice",
    [R_INVALID_DATE] = "invalid_date",
    [R_INVALID_MONTH] = "invalid_month",
    [R_INVALID_PERIOD] = "invalid_period",
    [R_INVALID_ID_CARD] = "invalid_id_card",
    [R_INVALID_PHONE] = "invalid_phone",
    [R_INVALID_AMOUNT] = "invalid_amount",
    [R_IN_FUTURE] = "in_future",
    [R_NOT_OVER] = "not_over",
    [R_MISMATCH] = "mismatch",
    [R_INVALID_JSON] = "invalid_json",
    [R_INVALID_CSV] = "invalid_csv",
    [R_INVALID_XLSX] = "invalid_xlsx",
    [R_MERGED_CELLS] = "merged_cells",
    [R_UNKNOWN_COLUMN] = "unknown_column",
    [R_MISSING_COLUMN] = "missing_column",
    [R_DUPLICATE_COLUMN] = "duplicate_column",
    [R_UNKNOWN_FIELD] = "unknown_field",
    [R_UNKNOWN_ORG] = "unknown_org",
    [R_UNKNOWN_MEMBER] = "unknown_member",
    [R_UNKNOWN_INDICATOR] = "unknown_indicator",
    [R_NOT_FOUND] = "not_found",
    [R_OUTSIDE_SCOPE] = "outside_scope",
    [R_NOT_ALLOWED] = "not_allowed",
    [R_DUPLICATE] = "duplicate",
    [R_WRONG_STATE] = "wrong_state",
    [R_WRONG_ORG_KIND] = "wrong_org_kind",
    [R_MEMBER_NEEDS_BRANCH] = "member_needs_branch",
    [R_PLAN_NEEDS_COMMITTEE] = "plan_needs_committee",
    [R_BULLETIN_NEEDS_COMMITTEE] = "bulletin_needs_committee",
    [R_TREE_CYCLE] = "tree_cycle",
    [R_INSUFFICIENT_FUNDS] = "insufficient_funds",
    [R_NOT_SCORED] = "not_scored",
    [R_NODE_UNAVAILABLE] = "node_unavailable",
    [R_OTHER_TENANT] = "other_tenant",
};

const char *reason_name(enum reason why)
{
    return why > R_NONE && why < R__COUNT ? reason_names[why] : NULL;
}

static int err_index(int code)
{
    if (code < 0)
        code = code < -ERR__COUNT ? ERR__COUNT : -code;
    return code < ERR__COUNT ? code : ERR_INTERNAL;
}

const char *err_name(int code)
{
    return err_table[err_index(code)].name;
}

int err_http_status(int code)
{
    return err_table[err_index(code)].status;
}

static void reason_clear(struct errbuf *e)
{
    e->why = R_NONE;
    e->has = 0;
    e->field[0] = e->value[0] = '\0';
    e->state = NULL;
    e->row = e->index = e->limit = e->min = e->max = 0;
}

int errbuf_vset(struct errbuf *e, int code, const char *fmt, va_list ap)
{
    if (e) {
        e->code = code;
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        reason_clear(e);
    }
    return code;
}

int errbuf_set(struct errbuf *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errbuf_vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

void errbuf_prefix(struct errbuf *e, const char *fmt, ...)
{
    char prefix[128], old[sizeof(e->msg)];
    int n;
    va_list ap;
    if (!e)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    n = snprintf(e->msg, sizeof(e->msg), "%s: ", prefix);
    if (n > 0 && (size_t)n < sizeof(e->msg))
        memcpy(e->msg + n, old, sizeof(e->msg) - (size_t)n - 1);
    e->msg[sizeof(e->msg) - 1] = '\0';
}

void errbuf_clear(struct errbuf *e)
{
    if (e) {
        e->code = 0;
        e->msg[0] = '\0';
        reason_clear(e);
    }
}

static int vfield(struct errbuf *e, int code, enum reason why, const char *field, const char *value,
                  const char *fmt, va_list ap)
{
    if (!e)
        return code;
    errbuf_vset(e, code, fmt, ap);
    return errbuf_why(e, why, field, value);
}

/*
 * Set the error with its reason. The message is what it has always been (logs and API users
 * read it); the reason and its parameters are what the web app words in Chinese.
 */
int errbuf_field(struct errbuf *e, int code, enum reason why, const char *field, const char *value,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfield(e, code, why, field, value, fmt, ap);
    va_end(ap);
    return code;
}

int errbuf_field_int(struct errbuf *e, int code, enum reason why, const char *field,
                     long long value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfield(e, code, why, field, NULL, fmt, ap);
    va_end(ap);
    errbuf_value_int(e, value);
    return code;
}

int errbuf_why(struct errbuf *e, enum reason why, const char *field, const char *value)
{
    if (!e)
        return 0;
    reason_clear(e);
    e->why = why;
    if (field)
        snprintf(e->field, sizeof(e->field), "%s", field);
    if (value)
        text_utf8_cut(value, ERR_VALUE_CHARS, e->value, sizeof(e->value));
    return e->code;
}

int errbuf_value_int(struct errbuf *e, long long value)
{
    if (!e)
        return 0;
    snprintf(e->value, sizeof(e->value), "%lld", value);
    return e->code;
}

static int param(struct errbuf *e, unsigned flag, long long *slot, long long v)
{
    if (!e)
        return 0;
    e->has |= flag;
    *slot = v;
    return e->code;
}

int errbuf_limit(struct errbuf *e, long long limit)
{
    return e ? param(e, ERRF_LIMIT, &e->limit, limit) : 0;
}

int errbuf_min(struct errbuf *e, long long min)
{
    return e ? param(e, ERRF_MIN, &e->min, min) : 0;
}

int errbuf_max(struct errbuf *e, long long max)
{
    return e ? param(e, ERRF_MAX, &e->max, max) : 0;
}

int errbuf_range(struct errbuf *e, long long min, long long max)
{
    errbuf_min(e, min);
    return errbuf_max(e, max);
}

int errbuf_row(struct errbuf *e, long long row)
{
    return e ? param(e, ERRF_ROW, &e->row, row) : 0;
}

int errbuf_index(struct errbuf *e, long long index)
{
    return e ? param(e, ERRF_INDEX, &e->index, index) : 0;
}

int errbuf_state(struct errbuf *e, const char *state)
{
    if (!e)
        return 0;
    e->state = state;
    return e->code;
}

int errbuf_column(struct errbuf *e, const char *column)
{
    if (!e)
        return 0;
    snprintf(e->field, sizeof(e->field), "%s", column);
    e->has |= ERRF_COLUMN;
    return e->code;
}

void errbuf_take_reason(struct errbuf *e, const struct errbuf *src)
{
    char msg[sizeof(e->msg)];
    int code;
    if (!e || e == src)
        return;
    code = e->code;
    memcpy(msg, e->msg, sizeof(msg));
    *e = *src;
    e->code = code;
    memcpy(e->msg, msg, sizeof(msg));
}
