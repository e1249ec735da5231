#include "ingest/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "ingest/event.h"
#include "base/banned.h"

/* The first structural problem of an event, kept in ev->bad_* for the batch to report. */
static void bad(struct event_in *ev, char *slot, size_t n, const char *field, enum reason why,
                const char *fmt, const char *arg)
{
    if (ev->bad_reason)
        return;
    snprintf(slot, n, fmt, arg);
    ev->bad_field = field;
    ev->bad_reason = slot;
    ev->bad_why = why;
}

/* Read one JSON event into ev; a wrong type or unknown field marks the event bad. Strings
 * are borrowed from the JSON; detail is serialized into *detail_out, the reason into
 * reason (both owned by the caller). */
static void from_json(json_t *o, struct event_in *ev, char **detail_out, char *reason,
                      size_t rn)
{
    static const char *const strs[] = {"key", "emp_no", "org_code", "indicator", "date"};
    const char **dst[] = {&ev->key, &ev->emp_no, &ev->org_code, &ev->indicator, &ev->date_text};
    const char *k;
    json_t *v;
    ev->value = 1;
    if (!json_is_object(o)) {
        bad(ev, reason, rn, "", R_NOT_OBJECT, "event must be a JSON object%s", "");
        return;
    }
    json_object_foreach(o, k, v)
    {
        size_t j;
        for (j = 0; j < sizeof(strs) / sizeof(strs[0]); j++)
            if (strcmp(k, strs[j]) == 0)
                break;
        if (j < sizeof(strs) / sizeof(strs[0])) {
            if (json_is_null(v))
                continue;
            if (!json_is_string(v))
                bad(ev, reason, rn, strs[j], R_NOT_STRING, "'%s' must be a string", k);
            else
                *dst[j] = json_string_value(v);
        } else if (strcmp(k, "member_id") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) <= 0)
                bad(ev, reason, rn, "member_id", R_NOT_INTEGER, "'%s' must be a positive integer", k);
            else
                ev->member_id = json_integer_value(v);
        } else if (strcmp(k, "value") == 0) {
            if (!json_is_number(v))
                bad(ev, reason, rn, "value", R_NOT_NUMBER, "'%s' must be a number", k);
            else
                ev->value = json_number_value(v);
        } else if (strcmp(k, "detail") == 0) {
            if (!json_is_object(v))
                bad(ev, reason, rn, "detail", R_NOT_OBJECT, "'%s' must be a JSON object", k);
            else
                *detail_out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
        } else {
            bad(ev, reason, rn, k, R_UNKNOWN_FIELD, "unknown field '%.60s'", k);
        }
    }
    ev->detail = *detail_out;
    if (ev->date_text && date_parse_iso(ev->date_text, &ev->day) < 0)
        ev->day = 0;
}

/* An EventReject of the documented reply: index, field, code, the English reason, the value. */
static json_t *reject_item(const struct ingest_reject *x)
{
    json_t *item = json_pack("{s:I, s:s, s:s, s:s}", "index", (json_int_t)x->index, "field",
                             x->field, "code", reason_name(x->why), "reason", x->reason);
    if (x->value[0])
        json_object_set_new(item, "value", json_string(x->value));
    return item;
}

static json_t *counts(const struct ingest_result *res)
{
    return json_pack("{s:I, s:I, s:I}", "accepted", (json_int_t)res->accepted, "duplicate",
                     (json_int_t)res->duplicate, "rejected", (json_int_t)res->rejected);
}

int api_events_post(struct req *r, struct errbuf *e)
{
    struct ingest_result *res = calloc(1, sizeof(*res));
    struct event_in *ev = NULL;
    char **details = NULL, (*reasons)[120] = NULL;
    size_t n = json_array_size(r->json);
    int rc;

    if (!res)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    if (!json_is_array(r->json)) {
        rc = errbuf_field(e, -ERR_INVALID, R_NOT_ARRAY, NULL, NULL,
                          "expected a JSON array of events (or NDJSON lines)");
        goto out;
    }
    if (n == 0) {
        rc = errbuf_field(e, -ERR_INVALID, R_REQUIRED, NULL, NULL, "the batch is empty");
        goto out;
    }
    if (n > EVENTS_MAX_BATCH) {
        rc = errbuf_set(e, -ERR_TOOBIG, "a batch holds at most %d events, got %zu",
                        EVENTS_MAX_BATCH, n);
        goto out;
    }
    ev = calloc(n, sizeof(*ev));
    details = calloc(n, sizeof(*details));
    reasons = calloc(n, sizeof(*reasons));
    if (!ev || !details || !reasons) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        from_json(json_array_get(r->json, i), &ev[i], &details[i], reasons[i], sizeof(reasons[i]));
    rc = ingest_batch(r->db, r->auth.source_id, ev, n, 0, res, e);
    if (rc == 0) {
        rc = req_reply_json(r, 200, counts(res));
    } else if (rc == -ERR_INVALID && res->rejected) {
        for (size_t i = 0; i < res->nrejects; i++)
            req_error_detail(r, reject_item(&res->rejects[i]));
        res->accepted = res->duplicate = 0;
        r->err_extra = counts(res);
    }
out:
    for (size_t i = 0; details && i < n; i++)
        free(details[i]);
    free(details);
    free(reasons);
    free(ev);
    free(res);
    return rc;
}
