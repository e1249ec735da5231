/* Alipay (alipay.h). The wire format, as Alipay publishes it:
 *   - a request is a set of parameters (app_id, method, format, charset, sign_type RSA2,
 *     timestamp "yyyy-MM-dd HH:mm:ss" in China time, version 1.0, notify_url, biz_content as
 *     JSON); its sign is SHA256withRSA (base64) with the app's private key of the parameters
 *     but sign, sorted by name, as "k=v&k=v" with the values unencoded and the empty ones left
 *     out; the URL carries every parameter URL-encoded;
 *   - the asynchronous notification is a form (application/x-www-form-urlencoded) signed the
 *     same way with Alipay's key, leaving out sign and sign_type; the answer is the text
 *     "success", anything else and Alipay sends it again later. */
#include "dues/alipay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/httpc.h"
#include "base/month.h"
#include "base/parse.h"
#include "db/db.h"
#include "dues/paycrypto.h"
#include "dues/paykey.h"
#include "base/banned.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names of params in byte order (malloc'd array of borrowed strings), *ret_n of them. */
static const char **sorted_names(json_t *params, size_t *ret_n)
{
    size_t n = 0;
    const char *k, **names = malloc((json_object_size(params) + 1) * sizeof(*names));
    json_t *v;
    if (!names)
        return NULL;
    json_object_foreach(params, k, v) names[n++] = k;
    qsort(names, n, sizeof(*names), cmp_str);
    *ret_n = n;
    return names;
}

int alipay_sign_content(json_t *params, int drop_sign_type, struct buf *out)
{
    size_t n = 0;
    const char **names = sorted_names(params, &n);
    int rc = names ? 0 : -ERR_NOMEM, first = 1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *v = json_string_value(json_object_get(params, names[i]));
        if (!v || !*v || strcmp(names[i], "sign") == 0 ||
            (drop_sign_type && strcmp(names[i], "sign_type") == 0))
            continue;
        rc = buf_printf(out, "%s%s=%s", first ? "" : "&", names[i], v);
        first = 0;
    }
    free(names);
    return rc;
}

/* "2024-01-20 12:00:00" in China time → UTC seconds; 0 when it is not of that form. */
static long long china_time(const char *s)
{
    int y, mo, d, h, mi, sec;
    if (!s || sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6 ||
        !date_valid(y, mo, d))
        return 0;
    return time_of_date(y * 10000 + mo * 100 + d) + h * 3600 + mi * 60 + sec;
}

/* A key file that cannot be used is our fault: 500, and Alipay sends the notification again. */
static int key_trouble(struct errbuf *e)
{
    e->code = -ERR_INTERNAL;
    return -ERR_INTERNAL;
}

int alipay_notify(struct db *db, const struct dues_notify_in *in, json_t **ret, struct errbuf *e)
{
    struct dues_provider_conf c;
    struct buf content = BUF_INIT;
    json_t *form = NULL;
    EVP_PKEY *key = NULL;
    const char *app, *status, *no, *ref, *type;
    long long pid, fen;
    int rc;
    if ((rc = dues_provider_load(db, "alipay", &c, e)) < 0)
        return rc == -ERR_NOTFOUND ? errbuf_set(e, -ERR_UNAUTH, "Alipay is not configured") : rc;
    if (httpc_form_decode(in->body, in->len, &form) < 0)
        return errbuf_set(e, -ERR_INVALID, "the notification is not a form");
    type = json_string_value(json_object_get(form, "sign_type"));
    if (type && strcmp(type, "RSA2") != 0) {
        rc = errbuf_field(e, -ERR_UNAUTH, R_INVALID_CHOICE, "sign_type", type,
                          "sign_type must be RSA2, not '%s'", type);
        goto out;
    }
    if (paykey_public(c.platform_key_file, &key, e) < 0) {
        rc = key_trouble(e);
        goto out;
    }
    if ((rc = alipay_sign_content(form, 1, &content)) < 0) {
        errbuf_set(e, rc, "out of memory");
        goto out;
    }
    if ((rc = paycrypto_verify(key, content.data ? content.data : "", content.len,
                               json_string_value(json_object_get(form, "sign")), e)) < 0) {
        errbuf_prefix(e, "sign");
        goto out;
    }
    app = json_string_value(json_object_get(form, "app_id"));
    if (!app || strcmp(app, c.app_id) != 0) {
        rc = errbuf_field(e, -ERR_INVALID, R_MISMATCH, "app_id", app,
                          "the notification's app_id '%s' is not ours", app ? app : "");
        goto out;
    }
    no = json_string_value(json_object_get(form, "out_trade_no"));
    if ((rc = dues_trade_no_parse(no, &pid, e)) < 0)
        goto out;
    status = json_string_value(json_object_get(form, "trade_status"));
    ref = json_string_value(json_object_get(form, "trade_no"));
    if (!status || (strcmp(status, "TRADE_SUCCESS") && strcmp(status, "TRADE_FINISHED"))) {
        struct dues_online_payment p;
        rc = dues_online_payment(db, pid, &p, e); /* WAIT_BUYER_PAY, TRADE_CLOSED: nothing */
        goto out;
    }
    if (!ref || !*ref ||
        parse_amount_fen(json_string_value(json_object_get(form, "total_amount")), &fen) < 0) {
        rc = errbuf_set(e, -ERR_INVALID, "a paid trade without trade_no or total_amount");
        goto out;
    }
    rc = dues_provider_settle(db, "支付宝", pid, no, ref, fen,
                              china_time(json_string_value(json_object_get(form, "gmt_payment"))),
                              e);
out:
    if (rc >= 0)
        *ret = json_pack("{s:b}", "settled", rc == 1);
    EVP_PKEY_free(key);
    buf_release(&content);
    json_decref(form);
    return rc < 0 ? rc : 0;
}

int alipay_request(const struct dues_provider_conf *c, const char *method, json_t *biz,
                   struct buf *out, struct errbuf *e)
{
    struct buf content = BUF_INIT, sig = BUF_INIT;
    char stamp[32];
    json_t *params = NULL;
    char *text = biz ? json_dumps(biz, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    const char **names = NULL;
    EVP_PKEY *key = NULL;
    time_t now = time(NULL) + LOCAL_UTC_OFFSET;
    struct tm tm;
    size_t n = 0;
    int rc = 0, first = 1;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    params = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "app_id", c->app_id,
                       "method", method, "format", "JSON", "charset", "utf-8", "sign_type", "RSA2",
                       "timestamp", stamp, "version", "1.0", "notify_url", c->notify_url,
                       "biz_content", text ? text : "");
    json_decref(biz);
    if (!text || !params) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    if (paykey_private(c->key_file, &key, e) < 0) {
        rc = key_trouble(e);
        goto out;
    }
    if ((rc = alipay_sign_content(params, 0, &content)) < 0 ||
        (rc = paycrypto_sign(key, content.data, content.len, &sig, e)) < 0)
        goto out;
    json_object_set_new(params, "sign", json_string(sig.data));
    if (!(names = sorted_names(params, &n))) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *v = json_string_value(json_object_get(params, names[i]));
        if (!*v)
            continue;
        if (buf_printf(out, "%s%s=", first ? "" : "&", names[i]) < 0 || httpc_urlencode(out, v) < 0)
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        first = 0;
    }
out:
    free(names);
    free(text);
    json_decref(params);
    EVP_PKEY_free(key);
    buf_release(&content);
    buf_release(&sig);
    return rc;
}

int alipay_create_order(struct db *db, const struct dues_provider_conf *c, long long payment_id,
                        const char *client_ip, json_t **ret, struct errbuf *e)
{
    struct dues_online_payment p;
    struct buf url = BUF_INIT;
    char no[32], amount[32];
    int rc;
    (void)client_ip;
    if ((rc = dues_online_payment(db, payment_id, &p, e)) < 0)
        return rc;
    dues_trade_no(payment_id, no);
    snprintf(amount, sizeof(amount), "%lld.%02lld", p.amount_fen / 100, p.amount_fen % 100);
    if (buf_printf(&url, "%s?", c->base_url) < 0)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    else
        rc = alipay_request(c, "alipay.trade.wap.pay",
                            json_pack("{s:s, s:s, s:s, s:s}", "out_trade_no", no, "total_amount",
                                      amount, "subject", "党费", "product_code", "QUICK_WAP_WAY"),
                            &url, e);
    if (rc == 0)
        *ret = json_pack("{s:s, s:s, s:s}", "provider", "alipay", "out_trade_no", no, "pay_url",
                         url.data);
    buf_release(&url);
    return rc;
}
