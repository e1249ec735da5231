/* Outbound webhooks for the enterprise messenger: every notice queues one JSON delivery per
 * active webhook in the same transaction as the notice; the jobs thread (or `plan check`)
 * POSTs the due ones outside any transaction. A delivery is signed with HMAC-SHA256 over
 * "<timestamp>.<body>" with the webhook's secret (headers X-Dangjian-Timestamp and
 * X-Dangjian-Signature: sha256=<hex>), retried with doubling backoff until max_attempts, and
 * every attempt is recorded. A robot webhook (kind wecom, dingtalk, feishu) is dispatched to its
 * provider's row of the src/notify/ table instead: rendered into message parts when queued,
 * signed when sent, its reply read (errcode/code, rate limits). Adding and changing webhooks
 * is webhook_admin.c's. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/httpc.h"
#include "db/db.h"
#include "notify/notify.h"
#include "org/audit.h"
#include "plan/internal.h"
#include "plan/plan.h"
#include "base/banned.h"

/* A claimed delivery is not picked up again by another process for this long. */
#define LEASE_SECONDS 120
#define MAX_PER_PASS 200

void plan_webhook_sign(const char *secret, long long timestamp, const char *body, char out[65])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char ts[32];
    int n = snprintf(ts, sizeof(ts), "%lld.", timestamp);
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, 65, mac, sizeof(mac));
}

/* Queue payload for one webhook: the JSON itself for a generic one (text), one delivery per
 * message part in the provider's format for a robot. *mobiles is looked up once per notice. */
static int enqueue_hook(struct db *db, long long hook, const char *kind, long long cap, const char *event,
                        long long org_id, const json_t *payload, const char *text,
                        json_t **mobiles, struct errbuf *e)
{
    const struct notify_provider *p = notify_find(kind);
    long long now = (long long)time(NULL);
    json_t *parts = NULL;
    int rc = 0;
    if (!p)
        return db_run(db, e,
                      "INSERT INTO plan_deliveries(webhook_id, org_id, event, payload, status,"
                      " attempts, next_at, created_at) VALUES($1, $2, $3, $4, 'pending', 0, $5, $5)",
                      "iitti", hook, org_id, event, text, now);
    if ((!*mobiles && (rc = notify_mobiles(db, payload, mobiles, e)) < 0) ||
        (rc = notify_render(p, payload, *mobiles, (size_t)cap, &parts, e)) < 0)
        return rc;
    for (size_t i = 0; i < json_array_size(parts) && rc >= 0; i++) {
        char *body = json_dumps(json_array_get(parts, i), JSON_COMPACT);
        rc = body ? db_run(db, e,
                           "INSERT INTO plan_deliveries(webhook_id, org_id, event, payload, status,"
                           " attempts, next_at, created_at, part) VALUES($1, $2, $3, $4, 'pending',"
                           " 0, $5, $5, $6)",
                           "iittii", hook, org_id, event, body, now, (long long)i + 1)
                  : errbuf_set(e, -ERR_NOMEM, "out of memory");
        free(body);
    }
    json_decref(parts);
    return rc < 0 ? rc : 0;
}

/* Queue payload to the active webhooks (hook 0) or to one webhook; the new delivery ids from
 * first_id on are the caller's. */
static int enqueue(struct db *db, long long only, const char *event, long long org_id,
                   const json_t *payload, struct errbuf *e)
{
    char *text = json_dumps(payload, JSON_COMPACT);
    json_t *hooks = json_array(), *mobiles = NULL;
    struct db_stmt *st;
    int rc;
    if (!text) {
        json_decref(hooks);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    /* read the list first: one statement open at a time on either backend */
    if ((rc = db_prepare(db,
                         "SELECT id, kind, max_bytes FROM plan_webhooks WHERE ($1 = 0 AND active = 1)"
                         " OR id = $1 ORDER BY id",
                         &st, e)) >= 0) {
        db_bind_int(st, 1, only);
        while ((rc = db_step(st, e)) == 1)
            json_array_append_new(hooks, json_pack("[I, s, I]", (json_int_t)db_col_int(st, 0),
                                                   db_col_text(st, 1),
                                                   (json_int_t)db_col_int(st, 2)));
        db_done(st);
    }
    for (size_t i = 0; i < json_array_size(hooks) && rc >= 0; i++) {
        json_t *h = json_array_get(hooks, i);
        rc = enqueue_hook(db, json_integer_value(json_array_get(h, 0)),
                          json_string_value(json_array_get(h, 1)),
                          json_integer_value(json_array_get(h, 2)), event, org_id, payload, text,
                          &mobiles, e);
    }
    free(text);
    json_decref(hooks);
    json_decref(mobiles);
    return rc < 0 ? rc : 0;
}

int plan_webhook_enqueue(struct db *db, const char *event, long long org_id, const json_t *payload,
                         struct errbuf *e)
{
    return enqueue(db, 0, event, org_id, payload, e);
}

int plan_webhooks_json(struct db *db, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *items = json_array();
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT w.id, w.url, w.active, w.retry_seconds, w.max_attempts, w.created_at,"
                         " w.kind,"
                         " (SELECT COUNT(*) FROM plan_deliveries d WHERE d.webhook_id = w.id"
                         "  AND d.status = 'pending'),"
                         " (SELECT COUNT(*) FROM plan_deliveries d WHERE d.webhook_id = w.id"
                         "  AND d.status = 'delivered'),"
                         " (SELECT COUNT(*) FROM plan_deliveries d WHERE d.webhook_id = w.id"
                         "  AND d.status = 'failed')"
                         " FROM plan_webhooks w ORDER BY w.id",
                         &st, e)) < 0)
        goto fail;
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(items,
                              json_pack("{s:I, s:s, s:o, s:b, s:I, s:I, s:I, s:{s:I, s:I, s:I}}",
                                        "id", (json_int_t)db_col_int(st, 0), "kind",
                                        db_col_text(st, 6), "url", notify_url_json(db_col_text(st, 1)),
                                        "active", db_col_int(st, 2) != 0, "retry_seconds",
                                        (json_int_t)db_col_int(st, 3), "max_attempts",
                                        (json_int_t)db_col_int(st, 4), "created_at",
                                        (json_int_t)db_col_int(st, 5), "deliveries", "pending",
                                        (json_int_t)db_col_int(st, 7), "delivered",
                                        (json_int_t)db_col_int(st, 8), "failed",
                                        (json_int_t)db_col_int(st, 9)));
    db_done(st);
    if (rc < 0)
        goto fail;
    *ret = json_pack("{s:o}", "items", items);
    return 0;
fail:
    json_decref(items);
    return rc;
}

int plan_deliveries_json(struct db *db, long long webhook_id, int limit, json_t **ret,
                         struct errbuf *e)
{
    struct db_stmt *st;
    json_t *items = json_array();
    long long have = 0;
    int rc;
    if ((rc = db_query_int(db, e, &have, "SELECT COUNT(*) FROM plan_webhooks WHERE id = $1", "i",
                           webhook_id)) < 0)
        goto fail;
    if (!have) {
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "webhook_id", webhook_id,
                              "webhook %lld not found", webhook_id);
        goto fail;
    }
    if ((rc = db_prepare(db,
                         "SELECT id, event, status, attempts, next_at, last_code, last_error,"
                         " created_at, delivered_at, org_id, part FROM plan_deliveries"
                         " WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "ii", webhook_id, (long long)limit);
    while ((rc = db_step(st, e)) == 1) {
        json_t *d = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:s, s:I, s:I, s:[]}", "id",
                              (json_int_t)db_col_int(st, 0), "event", db_col_text(st, 1), "status",
                              db_col_text(st, 2), "attempts", (json_int_t)db_col_int(st, 3),
                              "next_at", (json_int_t)db_col_int(st, 4), "last_code",
                              (json_int_t)db_col_int(st, 5), "last_error", db_col_text(st, 6),
                              "created_at", (json_int_t)db_col_int(st, 7), "org_id",
                              (json_int_t)db_col_int(st, 9), "tries");
        json_object_set_new(d, "part", json_integer(db_col_int(st, 10)));
        json_object_set_new(d, "delivered_at",
                            db_col_null(st, 8) ? json_null() : json_integer(db_col_int(st, 8)));
        json_array_append_new(items, d);
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *d = json_array_get(items, i);
        if ((rc = db_prepare(db,
                             "SELECT attempt, at, code, error, ms FROM plan_delivery_attempts"
                             " WHERE delivery_id = $1 ORDER BY attempt",
                             &st, e)) < 0)
            goto fail;
        db_bind_int(st, 1, json_integer_value(json_object_get(d, "id")));
        while ((rc = db_step(st, e)) == 1)
            json_array_append_new(json_object_get(d, "tries"),
                                  json_pack("{s:I, s:I, s:I, s:s, s:I}", "attempt",
                                            (json_int_t)db_col_int(st, 0), "at",
                                            (json_int_t)db_col_int(st, 1), "code",
                                            (json_int_t)db_col_int(st, 2), "error",
                                            db_col_text(st, 3), "ms", (json_int_t)db_col_int(st, 4)));
        db_done(st);
        if (rc < 0)
            goto fail;
    }
    *ret = json_pack("{s:o}", "items", items);
    return 0;
fail:
    json_decref(items);
    return rc;
}

/* ---- sending */

/* A robot's request: the provider signs it now (URL and body). */
static int robot_request(const struct notify_provider *p, const char *url, const char *secret,
                         const char *body, struct buf *to, char **ret_body, char *err, size_t errn)
{
    struct errbuf se = ERRBUF_INIT;
    struct timespec now;
    json_t *j = json_loads(body, 0, NULL);
    int rc;
    clock_gettime(CLOCK_REALTIME, &now);
    rc = j ? p->sign(url, secret, (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000, j, to, &se)
           : errbuf_set(&se, -ERR_INTERNAL, "the queued message is not JSON");
    if (rc >= 0 && !(*ret_body = json_dumps(j, JSON_COMPACT)))
        rc = errbuf_set(&se, -ERR_NOMEM, "out of memory");
    json_decref(j);
    if (rc < 0)
        snprintf(err, errn, "%.200s", se.msg);
    return rc;
}

/* POST one delivery: the HTTP status (0 when there was no answer), the provider's verdict of
 * the reply (a generic webhook: any 2xx is done) and an error text. */
static long post(const char *kind, const char *url, const char *secret, long long id,
                 const char *event, const char *body, enum notify_verdict *verdict, char *err,
                 size_t errn)
{
    const struct notify_provider *p = notify_find(kind);
    char sig[65], h_sig[96], h_ts[64], h_id[64], h_ev[128];
    const char *headers[6] = {"Content-Type: application/json; charset=utf-8"};
    long long ts = (long long)time(NULL);
    struct httpc_call q = {.url = url, .body = body, .headers = headers};
    struct buf to, reply;
    char *signed_body = NULL;
    long code = 0;
    enum httpc_result res;
    *verdict = NOTIFY_RETRY;
    buf_init(&to, 8192);
    buf_init(&reply, 16384);
    if (p) {
        if (robot_request(p, url, secret, body, &to, &signed_body, err, errn) < 0)
            goto out;
        q.url = buf_str(&to);
        q.body = signed_body;
    } else {
        plan_webhook_sign(secret, ts, body, sig);
        snprintf(h_sig, sizeof(h_sig), "X-Dangjian-Signature: sha256=%s", sig);
        snprintf(h_ts, sizeof(h_ts), "X-Dangjian-Timestamp: %lld", ts);
        snprintf(h_id, sizeof(h_id), "X-Dangjian-Delivery: %lld", id);
        snprintf(h_ev, sizeof(h_ev), "X-Dangjian-Event: %s", event);
        headers[1] = h_sig;
        headers[2] = h_ts;
        headers[3] = h_id;
        headers[4] = h_ev;
    }
    /* a reply past 16 KB is cut, not an error: a robot's verdict is in its first bytes */
    res = httpc_do(&q, &reply, &code, err, errn);
    if (res == HTTPC_NO_ANSWER)
        goto out;
    err[0] = '\0';
    if (code < 200 || code > 299)
        snprintf(err, errn, "HTTP %ld", code);
    else if (p) /* a 200 may still say no: the provider's error code */
        *verdict = p->reply(buf_str(&reply), err, errn);
    else
        *verdict = NOTIFY_OK;
    if (*verdict == NOTIFY_OK)
        err[0] = '\0';
out:
    free(signed_body);
    buf_release(&to);
    buf_release(&reply);
    return code;
}

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Claim, send and record one delivery: 1 delivered, 0 not (yet), 2 failed for good, or a
 * negative error. */
static int deliver_one(struct db *db, long long id, long long now, struct errbuf *e)
{
    struct db_stmt *st;
    char *url = NULL, *secret = NULL, *payload = NULL, *event = NULL, *kind = NULL, err[256] = "";
    enum notify_verdict verdict;
    long long attempts = 0, retry = 60, max = 6, next;
    long code;
    double t0;
    int rc, claimed;
    /* claim it: another process that looks now sees it leased */
    if ((claimed = db_run(db, e,
                          "UPDATE plan_deliveries SET next_at = $2 WHERE id = $1"
                          " AND status = 'pending' AND next_at <= $3",
                          "iii", id, now + LEASE_SECONDS, now)) <= 0)
        return claimed < 0 ? claimed : 0;
    if ((rc = db_prepare(db,
                         "SELECT w.url, w.secret, d.payload, d.event, d.attempts, w.retry_seconds,"
                         " w.max_attempts, w.kind FROM plan_deliveries d"
                         " JOIN plan_webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        url = strdup(db_col_text(st, 0));
        struct buf plain;
        int orc;
        buf_init(&plain, 4096);
        if ((orc = notify_secret_open(db_col_text(st, 1), &plain, e)) < 0)
            rc = orc;
        else
            secret = strdup(buf_str(&plain));
        notify_buf_wipe(&plain);
        payload = strdup(db_col_text(st, 2));
        event = strdup(db_col_text(st, 3));
        attempts = db_col_int(st, 4);
        retry = db_col_int(st, 5);
        max = db_col_int(st, 6);
        kind = strdup(db_col_text(st, 7));
    }
    db_done(st);
    if (rc <= 0 || !url || !secret || !payload || !event || !kind) {
        rc = rc < 0 ? rc : errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    t0 = mono();
    code = post(kind, url, secret, id, event, payload, &verdict, err, sizeof(err));
    attempts++;
    if ((rc = db_run(db, e,
                     "INSERT INTO plan_delivery_attempts(delivery_id, attempt, at, code, error, ms)"
                     " VALUES($1, $2, $3, $4, $5, $6)",
                     "iiiiti", id, attempts, (long long)time(NULL), (long long)code, err,
                     (long long)((mono() - t0) * 1000))) < 0)
        goto out;
    if (code >= 200 && code <= 299 && verdict == NOTIFY_OK) {
        rc = db_run(db, e,
                    "UPDATE plan_deliveries SET status = 'delivered', attempts = $2, last_code = $3,"
                    " last_error = '', delivered_at = $4 WHERE id = $1",
                    "iiii", id, attempts, (long long)code, (long long)time(NULL));
        rc = rc < 0 ? rc : 1;
        goto out;
    }
    /* backoff: retry, 2 × retry, 4 × retry, ... after each failed attempt */
    next = retry * (1LL << (attempts - 1 < 20 ? attempts - 1 : 20));
    /* a rate limit (the robots allow about 20 a minute): wait a full window and twice as long
     * as an ordinary retry would */
    if (verdict == NOTIFY_RATE_LIMIT)
        next = 2 * next > 60 ? 2 * next : 60;
    next += (long long)time(NULL);
    rc = db_run(db, e,
                "UPDATE plan_deliveries SET status = $2, attempts = $3, last_code = $4,"
                " last_error = $5, next_at = $6 WHERE id = $1",
                "itiiti", id, attempts >= max ? "failed" : "pending", attempts, (long long)code, err,
                next);
    rc = rc < 0 ? rc : attempts >= max ? 2 : 0;
out:
    free(url);
    if (secret)
        sodium_memzero(secret, strlen(secret));
    free(secret);
    free(payload);
    free(event);
    free(kind);
    return rc;
}

int plan_deliver_due(struct db *db, long long now, int *ret_delivered, int *ret_failed,
                     struct errbuf *e)
{
    struct db_stmt *st;
    long long ids[MAX_PER_PASS];
    int n = 0, ok = 0, failed = 0, rc;
    if ((rc = db_prepare(db,
                         "SELECT id FROM plan_deliveries WHERE status = 'pending' AND next_at <= $1"
                         " ORDER BY id LIMIT $2",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", now, (long long)MAX_PER_PASS);
    while ((rc = db_step(st, e)) == 1 && n < MAX_PER_PASS)
        ids[n++] = db_col_int(st, 0);
    db_done(st);
    if (rc < 0)
        return rc;
    for (int i = 0; i < n; i++) {
        if ((rc = deliver_one(db, ids[i], now, e)) < 0)
            return rc;
        ok += rc == 1;
        failed += rc == 2;
    }
    if (ret_delivered)
        *ret_delivered = ok;
    if (ret_failed)
        *ret_failed = failed;
    return 0;
}

int plan_webhook_test(struct db *db, long long hook, const struct auth *who, long long *ret_after,
                      struct errbuf *e)
{
    long long have = 0, after = 0;
    json_t *payload, *detail;
    int rc;
    if ((rc = db_query_int(db, e, &have, "SELECT COUNT(*) FROM plan_webhooks WHERE id = $1", "i",
                           hook)) < 0 ||
        (rc = db_query_int(db, e, &after, "SELECT COALESCE(MAX(id), 0) FROM plan_deliveries", "")) < 0)
        return rc;
    if (!have)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "webhook_id", hook,
                                "webhook %lld not found", hook);
    /* addressed to the admin who asks, so a robot @-mentions them when they are a member */
    payload = json_pack("{s:s, s:s, s:s, s:s, s:I, s:[{s:s, s:s}]}", "event", "plan.test", "kind",
                        "test", "title", "机器人测试", "text",
                        "这是一条来自党建平台的测试消息，收到即表示机器人配置正确。", "created_at",
                        (json_int_t)time(NULL), "recipients", "login", who->login, "name",
                        who->login);
    rc = enqueue(db, hook, "plan.test", 0, payload, e);
    json_decref(payload);
    if (rc < 0)
        return rc;
    detail = json_pack("{s:s}", "test", "plan.test");
    rc = audit_log(db, who->account_id, 0, "test", "plan_webhook", hook, detail, e);
    json_decref(detail);
    *ret_after = after;
    return rc < 0 ? rc : 0;
}

int plan_webhook_send_now(struct db *db, long long hook, long long after, int *ret_delivered,
                          struct errbuf *e)
{
    struct db_stmt *st;
    long long ids[16];
    int n = 0, ok = 0, rc;
    if ((rc = db_prepare(db,
                         "SELECT id FROM plan_deliveries WHERE webhook_id = $1 AND id > $2"
                         " AND status = 'pending' ORDER BY id LIMIT 16",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", hook, after);
    while ((rc = db_step(st, e)) == 1 && n < 16)
        ids[n++] = db_col_int(st, 0);
    db_done(st);
    for (int i = 0; i < n && rc >= 0; i++)
        if ((rc = deliver_one(db, ids[i], (long long)time(NULL), e)) == 1)
            ok++;
    *ret_delivered = ok;
    return rc < 0 ? rc : 0;
}
