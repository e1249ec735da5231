/* WeChat Pay API v3 (wxpay.h). The wire format, as WeChat Pay publishes it:
 *   - every request carries "Authorization: WECHATPAY2-SHA256-RSA2048 mchid=...,nonce_str=...,
 *     signature=...,timestamp=...,serial_no=..." where signature is SHA256withRSA (base64) of
 *     "METHOD\nPATH?QUERY\ntimestamp\nnonce\nbody\n" with the merchant's private key;
 *   - a notification carries Wechatpay-Timestamp, -Nonce, -Signature and -Serial: the
 *     signature is of "timestamp\nnonce\nbody\n" with the platform key named by the serial;
 *     its resource is AEAD_AES_256_GCM with the API v3 key (nonce and associated_data given,
 *     the 16-byte tag after the ciphertext, base64), and holds the transaction;
 *   - the answer to a notification is 200/204 without a body when taken, else 4xx/5xx with
 *     {"code": "FAIL", "message": ...}. */
#include "dues/wxpay.h"

#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/httpc.h"
#include "base/month.h"
#include "db/db.h"
#include "dues/paycrypto.h"
#include "dues/paybill.h"
#include "dues/paykey.h"
#include "dues/payment.h"
#include "base/banned.h"

#define REPLY_MAX (256 * 1024)

/* "2018-06-08T10:34:56+08:00" → UTC seconds; 0 when it is not of that form. */
static long long rfc3339(const char *s)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0, sign = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
        !date_valid(y, mo, d))
        return 0;
    s += n;
    if (*s == '+' || *s == '-') {
        sign = *s == '+' ? 1 : -1;
        if (sscanf(s + 1, "%2d:%2d", &oh, &om) != 2)
            return 0;
    } else if (*s != 'Z')
        return 0;
    /* time_of_date is the day's midnight in UTC+8 */
    return time_of_date(y * 10000 + mo * 100 + d) + LOCAL_UTC_OFFSET + h * 3600 + mi * 60 + sec -
           sign * (oh * 3600 + om * 60);
}

/* Settle what a transaction (decrypted from a notification, or the answer to a query) says:
 * 1 settled now or before (a repeat), 0 not paid, < 0 refused. An amount other than ours is
 * refused and raised as a finance to-do. */
static int apply_transaction(struct db *db, const struct dues_provider_conf *c, json_t *tx,
                             struct errbuf *e)
{
    const char *mchid = json_string_value(json_object_get(tx, "mchid"));
    const char *no = json_string_value(json_object_get(tx, "out_trade_no"));
    const char *ref = json_string_value(json_object_get(tx, "transaction_id"));
    const char *state = json_string_value(json_object_get(tx, "trade_state"));
    json_t *total = json_object_get(json_object_get(tx, "amount"), "total");
    struct dues_online_payment p;
    long long pid;
    int rc;
    if (!mchid || strcmp(mchid, c->merchant_id) != 0)
        return errbuf_field(e, -ERR_INVALID, R_MISMATCH, "mchid", mchid,
                            "the transaction's mchid '%s' is not ours", mchid ? mchid : "");
    if ((rc = dues_trade_no_parse(no, &pid, e)) < 0 ||
        (rc = dues_online_payment(db, pid, &p, e)) < 0)
        return rc;
    if (!state || strcmp(state, "SUCCESS") != 0)
        return 0; /* NOTPAY, USERPAYING, CLOSED, PAYERROR...: nothing to book */
    if (!ref || !*ref || !json_is_integer(total))
        return errbuf_set(e, -ERR_INVALID,
                          "a successful transaction without transaction_id"
                          " or amount.total");
    return dues_provider_settle(db, "微信支付", pid, no, ref, json_integer_value(total),
                                rfc3339(json_string_value(json_object_get(tx, "success_time"))), e);
}

/* A key file that cannot be used is our fault, not the notification's: 500, so that WeChat
 * Pay sends it again once the file is fixed. */
static int key_trouble(struct errbuf *e)
{
    e->code = -ERR_INTERNAL;
    return -ERR_INTERNAL;
}

/* Remember a notification's nonce: -ERR_UNAUTH when it was seen before. Nonces older than
 * twice the window are forgotten: a notification that old is refused by its timestamp. */
static int nonce_once(struct db *db, const char *nonce, long long now, struct errbuf *e)
{
    struct db_stmt *st;
    long long added;
    int rc;
    if ((rc = db_run(db, e, "DELETE FROM dues_provider_nonces WHERE seen_at < $1", "i",
                     now - 2 * WXPAY_WINDOW)) < 0 ||
        (rc = db_prepare(db,
                         "INSERT INTO dues_provider_nonces (provider, nonce, seen_at)"
                         " VALUES ('wechat', $1, $2) ON CONFLICT DO NOTHING",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ti", nonce, now);
    rc = db_step(st, e);
    added = db_changes(st);
    db_done(st);
    if (rc < 0)
        return rc;
    if (added == 0)
        return errbuf_field(e, -ERR_UNAUTH, R_DUPLICATE, "Wechatpay-Nonce", nonce,
                            "the nonce '%s' was used before: a replayed notification", nonce);
    return 0;
}

/* Check a signature WeChat Pay made (a notification, or the answer to our request): the
 * serial names the configured platform key, the timestamp is within the window, and sig is
 * SHA256withRSA of "ts\nnonce\nbody\n". */
static int check_signed(const struct dues_provider_conf *c, const char *ts, const char *nonce,
                        const char *sig, const char *serial, const char *body, size_t len,
                        struct errbuf *e)
{
    long long now = (long long)time(NULL), t;
    struct buf msg = BUF_INIT;
    EVP_PKEY *key = NULL;
    char *end;
    int rc;
    if (!ts || !nonce || !sig || !serial || !*ts || !*nonce || !*sig || strlen(nonce) > 64)
        return errbuf_set(e, -ERR_UNAUTH,
                          "missing Wechatpay-Timestamp, -Nonce, -Signature or"
                          " -Serial header");
    if (strcmp(serial, c->platform_serial) != 0)
        return errbuf_field(e, -ERR_UNAUTH, R_NOT_FOUND, "Wechatpay-Serial", serial,
                            "unknown platform key serial '%s'", serial);
    t = strtoll(ts, &end, 10);
    if (*end || end == ts || t < now - WXPAY_WINDOW || t > now + WXPAY_WINDOW)
        return errbuf_field(e, -ERR_UNAUTH, R_OUT_OF_RANGE, "Wechatpay-Timestamp", ts,
                            "the timestamp '%s' is more than %d seconds away from now", ts,
                            WXPAY_WINDOW);
    if (paykey_public(c->platform_key_file, &key, e) < 0)
        return key_trouble(e);
    if (buf_printf(&msg, "%s\n%s\n", ts, nonce) < 0 || buf_add(&msg, body, len) < 0 ||
        buf_addch(&msg, '\n') < 0)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    else
        rc = paycrypto_verify(key, msg.data, msg.len, sig, e);
    EVP_PKEY_free(key);
    buf_release(&msg);
    if (rc == -ERR_UNAUTH)
        errbuf_prefix(e, "Wechatpay-Signature");
    return rc;
}

/* Check a notification's headers and signature, and that its nonce is new. */
static int verify(struct db *db, const struct dues_provider_conf *c,
                  const struct dues_notify_in *in, struct errbuf *e)
{
    const char *nonce = in->header(in->ctx, "Wechatpay-Nonce");
    int rc = check_signed(c, in->header(in->ctx, "Wechatpay-Timestamp"), nonce,
                          in->header(in->ctx, "Wechatpay-Signature"),
                          in->header(in->ctx, "Wechatpay-Serial"), in->body, in->len, e);
    return rc < 0 ? rc : nonce_once(db, nonce, (long long)time(NULL), e);
}

/* The transaction inside a notification's encrypted resource (new reference). */
static int open_resource(const struct dues_provider_conf *c, json_t *body, json_t **ret,
                         struct errbuf *e)
{
    json_t *res = json_object_get(body, "resource");
    const char *alg = json_string_value(json_object_get(res, "algorithm"));
    unsigned char key[32];
    struct buf plain = BUF_INIT;
    json_error_t je;
    int rc;
    if (!json_is_object(res) || !alg || strcmp(alg, "AEAD_AES_256_GCM") != 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "resource.algorithm", alg,
                            "the resource must be AEAD_AES_256_GCM");
    if (paykey_secret32(c->secret_file, key, e) < 0)
        return key_trouble(e);
    plain.max = 1 << 20;
    rc = paycrypto_gcm_open(key, json_string_value(json_object_get(res, "nonce")),
                            json_string_value(json_object_get(res, "associated_data")),
                            json_string_value(json_object_get(res, "ciphertext")), &plain, e);
    sodium_memzero(key, sizeof(key));
    if (rc == 0 && !(*ret = json_loadb(plain.data, plain.len, 0, &je)))
        rc = errbuf_set(e, -ERR_INVALID, "the resource is not JSON: %s", je.text);
    buf_release(&plain);
    return rc;
}

int wxpay_notify(struct db *db, const struct dues_notify_in *in, json_t **ret, struct errbuf *e)
{
    struct dues_provider_conf c;
    json_t *body = NULL, *tx = NULL;
    json_error_t je;
    int rc;
    if ((rc = dues_provider_load(db, "wechat", &c, e)) < 0)
        return rc == -ERR_NOTFOUND ? errbuf_set(e, -ERR_UNAUTH, "WeChat Pay is not configured")
                                   : rc;
    if ((rc = verify(db, &c, in, e)) < 0)
        return rc;
    if (!(body = json_loadb(in->body, in->len, 0, &je)))
        return errbuf_set(e, -ERR_INVALID, "the notification is not JSON: %s", je.text);
    if ((rc = open_resource(&c, body, &tx, e)) == 0 && (rc = apply_transaction(db, &c, tx, e)) >= 0)
        *ret = json_pack("{s:s, s:b}", "event_type",
                         json_string_value(json_object_get(body, "event_type")) ?: "", "settled",
                         rc == 1);
    json_decref(tx);
    json_decref(body);
    return rc < 0 ? rc : 0;
}

int wxpay_authorization(const struct dues_provider_conf *c, const char *method, const char *path,
                        const char *body, long long ts, const char *nonce, struct buf *out,
                        struct errbuf *e)
{
    struct buf msg = BUF_INIT, sig = BUF_INIT;
    EVP_PKEY *key = NULL;
    int rc = paykey_private(c->key_file, &key, e);
    if (rc < 0)
        return rc;
    if (buf_printf(&msg, "%s\n%s\n%lld\n%s\n%s\n", method, path, ts, nonce, body) < 0)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    else if ((rc = paycrypto_sign(key, msg.data, msg.len, &sig, e)) == 0 &&
             buf_printf(out,
                        "WECHATPAY2-SHA256-RSA2048 mchid=\"%s\",nonce_str=\"%s\","
                        "signature=\"%s\",timestamp=\"%lld\",serial_no=\"%s\"",
                        c->merchant_id, nonce, sig.data, ts, c->serial_no) < 0)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    EVP_PKEY_free(key);
    buf_release(&msg);
    buf_release(&sig);
    return rc;
}

/* One signed exchange with WeChat Pay at url, whose path and query are path (what is signed):
 * *ret_status and the reply's bytes in reply (initialized by the caller); with hdrs, the
 * reply's header lines too. */
static int exchange(const struct dues_provider_conf *c, const char *method, const char *url,
                    const char *path, const char *body, long *ret_status, struct buf *reply,
                    struct buf *hdrs, struct errbuf *e)
{
    unsigned char raw[16];
    char nonce[33], err[256];
    struct buf auth = BUF_INIT, hdr = BUF_INIT;
    const char *headers[5];
    int rc;
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(nonce, sizeof(nonce), raw, sizeof(raw));
    if ((rc = wxpay_authorization(c, method, path, body ? body : "", (long long)time(NULL), nonce,
                                  &auth, e)) < 0)
        goto out;
    if (buf_printf(&hdr, "Authorization: %s", auth.data) < 0) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    headers[0] = hdr.data;
    headers[1] = "Accept: application/json";
    headers[2] = "Content-Type: application/json";
    headers[3] = "User-Agent: dangjian";
    headers[4] = NULL;
    struct httpc_call q = {.url = url, .body = body, .headers = headers, .reply_headers = hdrs};
    if (httpc_do(&q, reply, ret_status, err, sizeof(err)) != HTTPC_ANSWERED)
        rc = errbuf_set(e, -ERR_IO, "WeChat Pay did not answer: %s", err);
out:
    buf_release(&auth);
    buf_release(&hdr);
    return rc;
}

/* WeChat Pay signs its answers as its notifications: an answer not signed with the platform
 * key is not trusted (it could settle a payment). -ERR_IO, so a query counts as unanswered. */
static int signed_answer(const struct dues_provider_conf *c, const struct buf *hdrs,
                         const struct buf *reply, struct errbuf *e)
{
    char ts[32], nonce[80], sig[1024], serial[160];
    int rc;
    httpc_header(hdrs, "Wechatpay-Timestamp", ts, sizeof(ts));
    httpc_header(hdrs, "Wechatpay-Nonce", nonce, sizeof(nonce));
    httpc_header(hdrs, "Wechatpay-Signature", sig, sizeof(sig));
    httpc_header(hdrs, "Wechatpay-Serial", serial, sizeof(serial));
    rc = check_signed(c, ts, nonce, sig, serial, reply->data ? reply->data : "", reply->len, e);
    if (rc == -ERR_UNAUTH) {
        errbuf_prefix(e, "WeChat Pay's answer");
        e->code = rc = -ERR_IO;
    }
    return rc;
}

/* One signed exchange at base_url + path: *ret_status and the reply's JSON (*ret, NULL for an
 * empty reply). */
static int call(const struct dues_provider_conf *c, const char *method, const char *path,
                const char *body, long *ret_status, json_t **ret, struct errbuf *e)
{
    struct buf url = BUF_INIT, reply = BUF_INIT, hdrs = BUF_INIT;
    json_error_t je;
    int rc;
    *ret = NULL;
    reply.max = REPLY_MAX;
    hdrs.max = 64 * 1024;
    if (buf_printf(&url, "%s%s", c->base_url, path) < 0)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    else if ((rc = exchange(c, method, url.data, path, body, ret_status, &reply, &hdrs, e)) == 0 &&
             *ret_status / 100 == 2)
        rc = signed_answer(c, &hdrs, &reply, e);
    if (rc == 0 && reply.len && !(*ret = json_loadb(reply.data, reply.len, 0, &je)))
        rc = errbuf_set(e, -ERR_IO, "WeChat Pay answered %ld with no JSON", *ret_status);
    buf_release(&url);
    buf_release(&reply);
    buf_release(&hdrs);
    return rc;
}

int wxpay_query(struct db *db, const struct dues_provider_conf *c, long long payment_id,
                struct errbuf *e)
{
    char no[32];
    struct buf path = BUF_INIT;
    json_t *tx = NULL;
    long status = 0;
    int rc;
    dues_trade_no(payment_id, no);
    if (buf_printf(&path, "/v3/pay/transactions/out-trade-no/%s?mchid=", no) < 0 ||
        httpc_urlencode(&path, c->merchant_id) < 0)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    rc = call(c, "GET", path.data, NULL, &status, &tx, e);
    buf_release(&path);
    if (rc == 0 && status == 404)
        rc = 0; /* ORDER_NOT_EXIST: the member never paid */
    else if (rc == 0 && status != 200)
        rc = errbuf_set(e, -ERR_IO, "WeChat Pay answered %ld to the query of %s: %s", status, no,
                        json_string_value(json_object_get(tx, "message")) ?: "");
    else if (rc == 0)
        rc = apply_transaction(db, c, tx, e);
    json_decref(tx);
    return rc;
}

int wxpay_create_order(struct db *db, const struct dues_provider_conf *c, long long payment_id,
                       const char *client_ip, json_t **ret, struct errbuf *e)
{
    struct dues_online_payment p;
    char no[32];
    json_t *req, *reply = NULL;
    char *body = NULL;
    long status = 0;
    int rc;
    if ((rc = dues_online_payment(db, payment_id, &p, e)) < 0)
        return rc;
    dues_trade_no(payment_id, no);
    req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:I, s:s}, s:{s:s, s:{s:s}}}", "appid", c->app_id,
                    "mchid", c->merchant_id, "description", "党费", "out_trade_no", no,
                    "notify_url", c->notify_url, "amount", "total", (json_int_t)p.amount_fen,
                    "currency", "CNY", "scene_info", "payer_client_ip",
                    client_ip && *client_ip ? client_ip : "127.0.0.1", "h5_info", "type", "Wap");
    if (!req || !(body = json_dumps(req, JSON_COMPACT))) {
        json_decref(req);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    json_decref(req);
    rc = call(c, "POST", "/v3/pay/transactions/h5", body, &status, &reply, e);
    free(body);
    if (rc == 0 && (status != 200 || !json_is_string(json_object_get(reply, "h5_url"))))
        rc = errbuf_set(e, -ERR_IO, "WeChat Pay refused the order %s (%ld): %s", no, status,
                        json_string_value(json_object_get(reply, "message")) ?: "");
    if (rc == 0)
        *ret = json_pack("{s:s, s:s, s:O}", "provider", "wechat", "out_trade_no", no, "h5_url",
                         json_object_get(reply, "h5_url"));
    json_decref(reply);
    return rc;
}

/* The path and query of an absolute URL ("/v3/billdownload/file?token=..."). */
static const char *url_path(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    return p ? p : "/";
}

int wxpay_statement(const struct dues_provider_conf *c, int ymd, struct paybill *b,
                    struct errbuf *e)
{
    char path[96], sha1[SHA_DIGEST_LENGTH * 2 + 1];
    unsigned char md[SHA_DIGEST_LENGTH];
    const char *url, *hash;
    struct buf file = BUF_INIT;
    json_t *reply = NULL;
    long status = 0;
    int rc;
    snprintf(path, sizeof(path), "/v3/bill/tradebill?bill_date=%04d-%02d-%02d&bill_type=ALL",
             ymd / 10000, ymd / 100 % 100, ymd % 100);
    if ((rc = call(c, "GET", path, NULL, &status, &reply, e)) < 0)
        return rc;
    url = json_string_value(json_object_get(reply, "download_url"));
    hash = json_string_value(json_object_get(reply, "hash_value"));
    if (status == 400 && json_string_value(json_object_get(reply, "code")) &&
        strcmp(json_string_value(json_object_get(reply, "code")), "NO_STATEMENT_EXIST") == 0)
        goto out; /* no trade that day */
    if (status != 200 || !url || !hash) {
        rc = errbuf_set(e, -ERR_IO, "WeChat Pay answered %ld to the trade bill of %d: %s", status,
                        ymd, json_string_value(json_object_get(reply, "message")) ?: "");
        goto out;
    }
    file.max = 64 << 20;
    if ((rc = exchange(c, "GET", url, url_path(url), NULL, &status, &file, NULL, e)) < 0)
        goto out;
    if (status != 200) {
        rc = errbuf_set(e, -ERR_IO, "WeChat Pay answered %ld to the download of the trade bill",
                        status);
        goto out;
    }
    /* the file must be the one the bill names (hash_type SHA1) */
    SHA1((const unsigned char *)(file.data ? file.data : ""), file.len, md);
    sodium_bin2hex(sha1, sizeof(sha1), md, sizeof(md));
    if (strcasecmp(sha1, hash) != 0) {
        rc = errbuf_set(e, -ERR_IO, "the trade bill of %d does not match its SHA1", ymd);
        goto out;
    }
    rc = paybill_parse_wechat(file.data ? file.data : "", file.len, b, e);
out:
    json_decref(reply);
    buf_release(&file);
    return rc;
}
