/* Adding and changing outbound webhooks: one validation for both (kind, URL, secret, retry
 * and size settings), the secret sealed (notify/secret.c) and kept out of the audit, which
 * records what changed. Sending is webhook.c's. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "notify/notify.h"
#include "org/audit.h"
#include "plan/internal.h"
#include "base/banned.h"

struct hook {
    const char *kind, *url;
    const char *secret; /* the new plain secret, or NULL: unchanged (has_secret says if set) */
    bool has_secret, active;
    long long retry_seconds, max_attempts, max_bytes;
};

static int check(const struct hook *h, struct errbuf *e)
{
    const struct notify_provider *p = notify_find(h->kind);
    /* a robot's secret is the provider's (DingTalk "SEC" + 64 hex digits, Feishu shorter);
     * WeCom has none (its key is in the URL); ours must be at least 16 characters */
    size_t min_secret = p ? 8 : 16, n = h->secret ? strlen(h->secret) : 0;
    const char *url = h->url;
    if (!notify_kind_known(h->kind))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "kind", h->kind,
                            "field 'kind': '%.40s' is not one of generic, wecom, dingtalk, feishu",
                            h->kind);
    if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) || strlen(url) > 2000 ||
        strlen(url) < 10)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "url", url,
                            "field 'url': '%.200s' is not an http:// or https:// URL",
                            url ? url : "");
    if ((!p || p->needs_secret) && !h->has_secret)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "secret", NULL,
                            "field 'secret' is required for a %s webhook (its signing secret)",
                            h->kind);
    if (h->secret && (!p || p->needs_secret) && n < min_secret)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_SHORT, "secret", NULL,
                             "field 'secret' must be %zu to 256 characters", min_secret),
                errbuf_limit(e, (long long)min_secret));
    if (n > 256)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "secret", NULL,
                             "field 'secret' must be %zu to 256 characters", min_secret),
                errbuf_limit(e, 256));
    if (h->max_bytes && (h->max_bytes < 256 || !p || (size_t)h->max_bytes > p->text_max))
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "max_bytes", NULL,
                             "field 'max_bytes' must be 0 or from 256 to the robot's limit (%zu)",
                             p ? p->text_max : 0),
                errbuf_range(e, 256, p ? (long long)p->text_max : 0));
    if (h->retry_seconds < 1 || h->retry_seconds > 86400)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "retry_seconds", NULL,
                             "field 'retry_seconds' must be from 1 to 86400"),
                errbuf_range(e, 1, 86400));
    if (h->max_attempts < 1 || h->max_attempts > 20)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "max_attempts", NULL,
                             "field 'max_attempts' must be from 1 to 20"),
                errbuf_range(e, 1, 20));
    return 0;
}

/* The secret as stored: sealed; "" stays "" (a WeCom robot has none). */
static int seal(const char *plain, struct buf *out, struct errbuf *e)
{
    buf_init(out, 4096);
    return notify_secret_seal(plain, out, e);
}

int plan_webhook_create(struct db *db, const char *kind, const char *url, const char *secret,
                        int retry_seconds, int max_attempts, long long max_bytes, long long actor,
                        long long *ret_id, struct errbuf *e)
{
    struct hook h = {kind, url, secret, secret && *secret, true, retry_seconds, max_attempts,
                     max_bytes};
    const struct notify_provider *p = notify_find(kind);
    struct buf sealed;
    long long id = 0;
    json_t *detail;
    int rc;
    if ((rc = check(&h, e)) < 0)
        return rc;
    if ((rc = seal(secret ? secret : "", &sealed, e)) >= 0)
        rc = db_run(db, e,
                    "INSERT INTO plan_webhooks(url, secret, active, retry_seconds, max_attempts,"
                    " created_by, created_at, kind, max_bytes) VALUES($1, $2, 1, $3, $4, $5, $6,"
                    " $7, $8)",
                    "ttiiIiti", url, buf_str(&sealed), (long long)retry_seconds,
                    (long long)max_attempts, actor, (long long)time(NULL), kind, max_bytes);
    buf_release(&sealed);
    if (rc < 0 || (rc = db_last_id(db, &id, e)) < 0)
        return rc;
    /* the secret stays out of the audit log */
    detail = json_pack("{s:o, s:i, s:i}", "url", notify_url_json(url), "retry_seconds", retry_seconds,
                       "max_attempts", max_attempts);
    if (p) /* generic rows keep their detail as before */
        json_object_set_new(detail, "kind", json_string(kind));
    if (max_bytes)
        json_object_set_new(detail, "max_bytes", json_integer(max_bytes));
    rc = audit_log(db, actor, 0, "create", "plan_webhook", id, detail, e);
    json_decref(detail);
    if (rc < 0)
        return rc;
    *ret_id = id;
    return 0;
}

static void changed_text(json_t *d, const char *name, const char *from, const char *to)
{
    if (strcmp(from, to))
        json_object_set_new(d, name, json_pack("{s:s, s:s}", "from", from, "to", to));
}

static void changed_int(json_t *d, const char *name, long long from, long long to)
{
    if (from != to)
        json_object_set_new(d, name, json_pack("{s:I, s:I}", "from", (json_int_t)from, "to",
                                               (json_int_t)to));
}

int plan_webhook_update(struct db *db, long long id, const json_t *body, long long actor,
                        struct errbuf *e)
{
    char kind[24] = "", url[2048] = "";
    struct hook old = {0}, h;
    const json_t *v;
    struct db_stmt *st;
    struct buf sealed = BUF_INIT;
    json_t *detail;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT kind, url, CASE WHEN secret = '' THEN 0 ELSE 1 END, active, retry_seconds, max_attempts,"
                         " max_bytes FROM plan_webhooks WHERE id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        snprintf(kind, sizeof(kind), "%s", db_col_text(st, 0));
        snprintf(url, sizeof(url), "%s", db_col_text(st, 1));
        old = (struct hook){kind, url, NULL, db_col_int(st, 2) != 0, db_col_int(st, 3) != 0,
                            db_col_int(st, 4), db_col_int(st, 5), db_col_int(st, 6)};
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "webhook_id", id,
                                "webhook %lld not found", id);
    h = old;
    /* the body's types were checked against the document (http/bodycheck.c) */
    if ((v = json_object_get(body, "kind")))
        h.kind = json_string_value(v);
    if ((v = json_object_get(body, "url")))
        h.url = json_string_value(v);
    if ((v = json_object_get(body, "secret"))) {
        h.secret = json_string_value(v);
        h.has_secret = h.secret && *h.secret;
    }
    if ((v = json_object_get(body, "active")))
        h.active = json_is_true(v);
    if ((v = json_object_get(body, "retry_seconds")))
        h.retry_seconds = json_integer_value(v);
    if ((v = json_object_get(body, "max_attempts")))
        h.max_attempts = json_integer_value(v);
    if ((v = json_object_get(body, "max_bytes")))
        h.max_bytes = json_integer_value(v);
    if ((rc = check(&h, e)) < 0 || (h.secret && (rc = seal(h.secret, &sealed, e)) < 0)) {
        buf_release(&sealed);
        return rc;
    }
    rc = db_run(db, e,
                "UPDATE plan_webhooks SET kind = $2, url = $3, active = $4, retry_seconds = $5,"
                " max_attempts = $6, max_bytes = $7, secret = CASE WHEN $8 = 1 THEN $9 ELSE secret"
                " END WHERE id = $1",
                "ittiiiiit", id, h.kind, h.url, (long long)h.active, h.retry_seconds,
                h.max_attempts, h.max_bytes, (long long)(h.secret != NULL), buf_str(&sealed));
    buf_release(&sealed);
    if (rc < 0)
        return rc;
    detail = json_object();
    changed_text(detail, "kind", old.kind, h.kind);
    if (strcmp(old.url, h.url)) /* the query's credentials masked */
        json_object_set_new(detail, "url", json_pack("{s:o, s:o}", "from", notify_url_json(old.url),
                                                     "to", notify_url_json(h.url)));
    changed_int(detail, "retry_seconds", old.retry_seconds, h.retry_seconds);
    changed_int(detail, "max_attempts", old.max_attempts, h.max_attempts);
    changed_int(detail, "max_bytes", old.max_bytes, h.max_bytes);
    if (old.active != h.active)
        json_object_set_new(detail, "active", json_pack("{s:b, s:b}", "from", old.active, "to",
                                                        h.active));
    if (h.secret) /* that it changed, never what it is */
        json_object_set_new(detail, "secret", json_string("changed"));
    rc = audit_log(db, actor, 0, "update", "plan_webhook", id, detail, e);
    json_decref(detail);
    return rc < 0 ? rc : 0;
}
