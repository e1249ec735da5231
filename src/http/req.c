/* The handler-facing request API (http/req.h) over libmicrohttpd. */
#include "http/req.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/xlsxread.h"
#include "base/xlsxwrite.h"
#include "base/banned.h"

const char *req_query(struct req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *req_header(struct req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(struct req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

static int parse_ll(const char *s, long long *ret)
{
    char *end;
    long long v;
    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *ret = v;
    return 0;
}

int req_query_int(struct req *r, const char *key, long long def, long long min, long long max,
                  long long *ret, struct errbuf *e)
{
    const char *s = req_query(r, key);
    long long v;
    if (!s || !*s) {
        *ret = def;
        return 0;
    }
    if (parse_ll(s, &v) < 0) {
        errbuf_field(e, -ERR_INVALID, R_NOT_INTEGER, key, s,
                     "query parameter '%s': expected an integer from %lld to %lld, got '%.40s'",
                     key, min, max, s);
        return errbuf_range(e, min, max);
    }
    if (v < min || v > max) {
        errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, key, s,
                     "query parameter '%s': expected an integer from %lld to %lld, got '%.40s'",
                     key, min, max, s);
        return errbuf_range(e, min, max);
    }
    *ret = v;
    return 0;
}

int req_param_id(struct req *r, int i, long long *ret, struct errbuf *e)
{
    long long v;
    if (i >= r->nparams || parse_ll(r->params[i], &v) < 0 || v <= 0)
        return errbuf_field(e, -ERR_NOTFOUND, R_NOT_FOUND, "id", i < r->nparams ? r->params[i] : "",
                            "invalid id '%s' in path", i < r->nparams ? r->params[i] : "");
    *ret = v;
    return 0;
}

int req_reply_json(struct req *r, int status, json_t *v)
{
    json_decref(r->reply);
    r->reply = v;
    r->status = status;
    return 0;
}

int req_reply_raw(struct req *r, int status, const char *type, const void *data, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return -ERR_NOMEM;
    memcpy(copy, data, len);
    free(r->raw);
    r->raw = copy;
    r->raw_len = len;
    r->raw_type = type;
    r->status = status;
    return 0;
}

/*
 * The details item of an error's reason: {"code", "field" (or "column" in a CSV file), "row",
 * "index", "value", "limit", "min", "max", "state", "message"}, each parameter only when set.
 * NULL (nothing to add) for an error without a reason. The caller owns the item.
 */
json_t *req_reason_item(const struct errbuf *e)
{
    json_t *item;
    if (!e || !reason_name(e->why))
        return NULL;
    item = json_pack("{s:s}", "code", reason_name(e->why));
    if (e->field[0])
        json_object_set_new(item, e->has & ERRF_COLUMN ? "column" : "field", json_string(e->field));
    if (e->has & ERRF_ROW)
        json_object_set_new(item, "row", json_integer(e->row));
    if (e->has & ERRF_INDEX)
        json_object_set_new(item, "index", json_integer(e->index));
    if (e->value[0] || (e->has & ERRF_ROW))
        json_object_set_new(item, "value", json_string(e->value));
    if (e->has & ERRF_LIMIT)
        json_object_set_new(item, "limit", json_integer(e->limit));
    if (e->has & ERRF_MIN)
        json_object_set_new(item, "min", json_integer(e->min));
    if (e->has & ERRF_MAX)
        json_object_set_new(item, "max", json_integer(e->max));
    if (e->state)
        json_object_set_new(item, "state", json_string(e->state));
    json_object_set_new(item, "message", json_string(e->msg));
    return item;
}

void req_error_detail(struct req *r, json_t *item)
{
    if (!item)
        return;
    if (!r->err_details)
        r->err_details = json_array();
    json_array_append_new(r->err_details, item);
}

bool req_has(struct req *r, const char *key)
{
    json_t *v = json_is_object(r->json) ? json_object_get(r->json, key) : NULL;
    return v && !json_is_null(v);
}

int req_str(struct req *r, const char *key, bool required, size_t max_chars, const char **ret,
            struct errbuf *e)
{
    json_t *v = json_is_object(r->json) ? json_object_get(r->json, key) : NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return errbuf_field(e, -ERR_INVALID, R_REQUIRED, key, NULL, "field '%s' is required",
                                key);
        *ret = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return errbuf_field(e, -ERR_INVALID, R_NOT_STRING, key, NULL,
                            "field '%s' must be a string", key);
    if (text_utf8_chars(json_string_value(v)) > max_chars) {
        errbuf_field(e, -ERR_INVALID, R_TOO_LONG, key, json_string_value(v),
                     "field '%s' is longer than %zu characters", key, max_chars);
        return errbuf_limit(e, (long long)max_chars);
    }
    if (strlen(json_string_value(v)) != json_string_length(v))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, key, NULL,
                            "field '%s' contains a NUL character", key);
    *ret = json_string_value(v);
    return 0;
}

int req_int(struct req *r, const char *key, bool required, long long *ret, struct errbuf *e)
{
    json_t *v = json_is_object(r->json) ? json_object_get(r->json, key) : NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return errbuf_field(e, -ERR_INVALID, R_REQUIRED, key, NULL, "field '%s' is required",
                                key);
        return 0;
    }
    if (!json_is_integer(v))
        return errbuf_field(e, -ERR_INVALID, R_NOT_INTEGER, key, NULL,
                            "field '%s' must be an integer", key);
    *ret = json_integer_value(v);
    return 0;
}

int req_page(struct req *r, long long def_size, long long *ret_page, long long *ret_size,
             struct errbuf *e)
{
    int rc = req_query_int(r, "page", 1, 1, 1000000, ret_page, e);
    return rc < 0 ? rc : req_query_int(r, "page_size", def_size, 1, 200, ret_size, e);
}

/* Read ?format: json (the default, also when empty) or xlsx into *ret_xlsx; anything else is
 * invalid_choice on format. */
int req_format(struct req *r, bool *ret_xlsx, struct errbuf *e)
{
    const char *f = req_query(r, "format");
    *ret_xlsx = false;
    if (!f || !*f || strcmp(f, "json") == 0)
        return 0;
    if (strcmp(f, "xlsx") != 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "format", f,
                            "query parameter 'format' must be json or xlsx");
    *ret_xlsx = true;
    return 0;
}

/* Reply 200 with out (taken): as JSON, or with xlsx its "items" as the workbook of
 * req_reply_xlsx. The list handlers' one way to answer ?format. */
int req_reply_list(struct req *r, bool xlsx, json_t *out, const char *sheet,
                   const struct xlsx_col *cols, size_t ncols, struct errbuf *e)
{
    int rc;
    if (!xlsx)
        return req_reply_json(r, 200, out);
    rc = req_reply_xlsx(r, sheet, cols, ncols, json_object_get(out, "items"), e);
    json_decref(out);
    return rc;
}

/* Reply 200 with rows (not taken) as the one-sheet workbook of base/xlsxwrite.h. */
int req_reply_xlsx(struct req *r, const char *sheet, const struct xlsx_col *cols, size_t ncols,
                   const json_t *rows, struct errbuf *e)
{
    char *data = NULL;
    size_t len = 0;
    int rc = xlsx_write_rows(sheet, cols, ncols, rows, &data, &len, e);
    if (rc < 0)
        return rc;
    rc = req_reply_raw(r, 200, XLSX_MEDIA_TYPE, data, len);
    free(data);
    return rc < 0 ? errbuf_set(e, rc, "out of memory") : 0;
}
