/* Outbound webhooks for the enterprise messenger: every notice queues one JSON delivery per
 * active webhook in the same transaction as the notice; the jobs thread (or `plan check`)
 * POSTs the due ones outside any transaction. A delivery is signed with HMAC-SHA256 over
 * "<timestamp>.<body>" with the webhook's secret (headers X-Dangjian-Timestamp and
 * X-Dangjian-Signature: sha256=<hex>), retried with doubling backoff until max_attempts, and
 * every attempt is recorded. */
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
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

int plan_webhook_enqueue(struct db *db, const char *event, long long org_id, const json_t *payload,
                         struct errbuf *e)
{
    char *text = json_dumps(payload, JSON_COMPACT);
    long long now = (long long)time(NULL);
    int rc;
    if (!text)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    rc = db_run(db, e,
                "INSERT INTO plan_deliveries(webhook_id, org_id, event, payload, status, attempts,"
                " next_at, created_at) SELECT id, $1, $2, $3, 'pending', 0, $4, $4"
                " FROM plan_webhooks WHERE active = 1",
                "itti", org_id, event, text, now);
    free(text);
    return rc < 0 ? rc : 0;
}

int plan_webhook_create(struct db *db, const char *url, const char *secret, int retry_seconds,
                        int max_attempts, long long actor, long long *ret_id, struct errbuf *e)
{
    long long id = 0;
    json_t *detail;
    int rc;
    if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) || strlen(url) > 2000 ||
        strlen(url) < 10)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "url", url,
                            "field 'url': '%.200s' is not an http:// or https:// URL",
                            url ? url : "");
    if (!secret || strlen(secret) < 16 || strlen(secret) > 256) {
        bool short_ = !secret || strlen(secret) < 16;
        errbuf_field(e, -ERR_INVALID, short_ ? R_TOO_SHORT : R_TOO_LONG, "secret", NULL,
                     "field 'secret' must be 16 to 256 characters");
        return errbuf_limit(e, short_ ? 16 : 256);
    }
    if (retry_seconds < 1 || retry_seconds > 86400)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "retry_seconds", NULL,
                             "field 'retry_seconds' must be from 1 to 86400"),
                errbuf_range(e, 1, 86400));
    if (max_attempts < 1 || max_attempts > 20)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "max_attempts", NULL,
                             "field 'max_attempts' must be from 1 to 20"),
                errbuf_range(e, 1, 20));
    if ((rc = db_run(db, e,
                     "INSERT INTO plan_webhooks(url, secret, active, retry_seconds, max_attempts,"
                     " created_by, created_at) VALUES($1, $2, 1, $3, $4, $5, $6)",
                     "ttiiIi", url, secret, (long long)retry_seconds, (long long)max_attempts, actor,
                     (long long)time(NULL))) < 0 ||
        (rc = db_last_id(db, &id, e)) < 0)
        return rc;
    /* the secret stays out of the audit log */
    detail = json_pack("{s:s, s:i, s:i}", "url", url, "retry_seconds", retry_seconds,
                       "max_attempts", max_attempts);
    rc = audit_log(db, actor, 0, "create", "plan_webhook", id, detail, e);
    json_decref(detail);
    if (rc < 0)
        return rc;
    *ret_id = id;
    return 0;
}

int plan_webhooks_json(struct db *db, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *items = json_array();
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT w.id, w.url, w.active, w.retry_seconds, w.max_attempts, w.created_at,"
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
                              json_pack("{s:I, s:s, s:b, s:I, s:I, s:I, s:{s:I, s:I, s:I}}", "id",
                                        (json_int_t)db_col_int(st, 0), "url", db_col_text(st, 1),
                                        "active", db_col_int(st, 2) != 0, "retry_seconds",
                                        (json_int_t)db_col_int(st, 3), "max_attempts",
                                        (json_int_t)db_col_int(st, 4), "created_at",
                                        (json_int_t)db_col_int(st, 5), "deliveries", "pending",
                                        (json_int_t)db_col_int(st, 6), "delivered",
                                        (json_int_t)db_col_int(st, 7), "failed",
                                        (json_int_t)db_col_int(st, 8)));
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
                         " created_at, delivered_at, org_id FROM plan_deliveries"
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

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* POST body to url: the HTTP status (0 when there was no answer) and an error text. */
static long post(const char *url, const char *secret, long long id, const char *event,
                 const char *body, char *err, size_t errn)
{
    char sig[65], h_sig[96], h_ts[64], h_id[64], h_ev[128], cerr[CURL_ERROR_SIZE] = "";
    long long ts = (long long)time(NULL);
    struct curl_slist *h = NULL;
    long code = 0;
    CURL *c;
    CURLcode cc;
    pthread_once(&curl_once, curl_start);
    if (!(c = curl_easy_init())) {
        snprintf(err, errn, "cannot start libcurl");
        return 0;
    }
    plan_webhook_sign(secret, ts, body, sig);
    snprintf(h_sig, sizeof(h_sig), "X-Dangjian-Signature: sha256=%s", sig);
    snprintf(h_ts, sizeof(h_ts), "X-Dangjian-Timestamp: %lld", ts);
    snprintf(h_id, sizeof(h_id), "X-Dangjian-Delivery: %lld", id);
    snprintf(h_ev, sizeof(h_ev), "X-Dangjian-Event: %s", event);
    h = curl_slist_append(h, "Content-Type: application/json; charset=utf-8");
    h = curl_slist_append(h, "User-Agent: dangjian-webhook/1");
    h = curl_slist_append(h, h_sig);
    h = curl_slist_append(h, h_ts);
    h = curl_slist_append(h, h_id);
    h = curl_slist_append(h, h_ev);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    cc = curl_easy_perform(c);
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (code < 200 || code > 299)
            snprintf(err, errn, "HTTP %ld", code);
        else
            err[0] = '\0';
    } else {
        snprintf(err, errn, "%s", cerr[0] ? cerr : curl_easy_strerror(cc));
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
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
    char *url = NULL, *secret = NULL, *payload = NULL, *event = NULL, err[256] = "";
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
                         " w.max_attempts FROM plan_deliveries d"
                         " JOIN plan_webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        url = strdup(db_col_text(st, 0));
        secret = strdup(db_col_text(st, 1));
        payload = strdup(db_col_text(st, 2));
        event = strdup(db_col_text(st, 3));
        attempts = db_col_int(st, 4);
        retry = db_col_int(st, 5);
        max = db_col_int(st, 6);
    }
    db_done(st);
    if (rc <= 0 || !url || !secret || !payload || !event) {
        rc = rc < 0 ? rc : errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    t0 = mono();
    code = post(url, secret, id, event, payload, err, sizeof(err));
    attempts++;
    if ((rc = db_run(db, e,
                     "INSERT INTO plan_delivery_attempts(delivery_id, attempt, at, code, error, ms)"
                     " VALUES($1, $2, $3, $4, $5, $6)",
                     "iiiiti", id, attempts, (long long)time(NULL), (long long)code, err,
                     (long long)((mono() - t0) * 1000))) < 0)
        goto out;
    if (code >= 200 && code <= 299) {
        rc = db_run(db, e,
                    "UPDATE plan_deliveries SET status = 'delivered', attempts = $2, last_code = $3,"
                    " last_error = '', delivered_at = $4 WHERE id = $1",
                    "iiii", id, attempts, (long long)code, (long long)time(NULL));
        rc = rc < 0 ? rc : 1;
        goto out;
    }
    /* backoff: retry, 2 × retry, 4 × retry, ... after each failed attempt */
    next = (long long)time(NULL) + retry * (1LL << (attempts - 1 < 20 ? attempts - 1 : 20));
    rc = db_run(db, e,
                "UPDATE plan_deliveries SET status = $2, attempts = $3, last_code = $4,"
                " last_error = $5, next_at = $6 WHERE id = $1",
                "itiiti", id, attempts >= max ? "failed" : "pending", attempts, (long long)code, err,
                next);
    rc = rc < 0 ? rc : attempts >= max ? 2 : 0;
out:
    free(url);
    free(secret);
    free(payload);
    free(event);
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
