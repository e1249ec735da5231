#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

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

int errbuf_vset(struct errbuf *e, int code, const char *fmt, va_list ap)
{
    if (e) {
        e->code = code;
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
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
    }
}
