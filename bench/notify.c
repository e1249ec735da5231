/* Payment notifications verified per second (make bench, scripts/bench.sh):
 *   bench-notify [--seconds S]
 * For each wire format, the check a notification gets before anything is settled, on one core:
 *   - generic: our HMAC-SHA256 (hex in X-Dues-Signature) over the JSON body, as
 *     dues_callback_verify computes it (the key given, not read from the settings);
 *   - WeChat Pay API v3: SHA256withRSA (2048-bit platform key) over "timestamp\nnonce\nbody\n"
 *     (paycrypto_verify), then the resource opened with AEAD_AES_256_GCM (paycrypto_gcm_open)
 *     and its JSON parsed;
 *   - Alipay: the form's parameters sorted and joined (alipay_sign_content), then SHA256withRSA
 *     over them with Alipay's public key.
 * Keys are made here at start. The settle step after a check is the same for all three and is
 * not in these figures. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "common.h"
#include "dues/alipay.h"
#include "dues/paycrypto.h"

static void die(const char *what)
{
    fprintf(stderr, "bench-notify: %s\n", what);
    exit(1);
}

static void ok(int rc, const struct errbuf *e)
{
    if (rc < 0)
        bench_die(e);
}

/* AES-256-GCM of plain with key, nonce and aad, its tag appended, in base64. */
static void gcm_seal(const unsigned char key[32], const char *nonce, const char *aad,
                     const char *plain, struct buf *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    unsigned char *ct = malloc(strlen(plain) + 16);
    int n = 0, fin = 0;
    if (!c || !ct || EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)strlen(nonce), NULL) != 1 ||
        EVP_EncryptInit_ex(c, NULL, NULL, key, (const unsigned char *)nonce) != 1 ||
        EVP_EncryptUpdate(c, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
        EVP_EncryptUpdate(c, ct, &n, (const unsigned char *)plain, (int)strlen(plain)) != 1 ||
        EVP_EncryptFinal_ex(c, ct + n, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, ct + n + fin) != 1 ||
        paycrypto_b64_encode(ct, (size_t)(n + fin + 16), out) < 0)
        die("cannot encrypt the resource");
    EVP_CIPHER_CTX_free(c);
    free(ct);
}

/* Run check over and over for about `seconds`: checks per second. */
static double rate(double seconds, int (*check)(void *), void *arg)
{
    double t0 = bench_now(), t;
    long n = 0;
    do {
        for (int i = 0; i < 64; i++, n++)
            if (check(arg) != 0)
                die("a good notification failed its check");
        t = bench_now() - t0;
    } while (t < seconds);
    return (double)n / t;
}

struct generic {
    const char *key, *body, *sig;
};

static int check_generic(void *arg)
{
    const struct generic *g = arg;
    unsigned char mac[crypto_auth_hmacsha256_BYTES], given[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state s;
    size_t glen = 0;
    if (sodium_hex2bin(given, sizeof(given), g->sig, strlen(g->sig), NULL, &glen, NULL) != 0)
        return -1;
    crypto_auth_hmacsha256_init(&s, (const unsigned char *)g->key, strlen(g->key));
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)g->body, strlen(g->body));
    crypto_auth_hmacsha256_final(&s, mac);
    return sodium_memcmp(mac, given, sizeof(mac));
}

struct wechat {
    EVP_PKEY *pub;
    const char *message, *sig, *nonce, *aad, *ciphertext;
    const unsigned char *key;
};

static int check_wechat(void *arg)
{
    const struct wechat *w = arg;
    struct errbuf e = {0};
    struct buf plain = BUF_INIT;
    json_t *j;
    int rc = paycrypto_verify(w->pub, w->message, strlen(w->message), w->sig, &e);
    if (rc == 0)
        rc = paycrypto_gcm_open(w->key, w->nonce, w->aad, w->ciphertext, &plain, &e);
    if (rc == 0) {
        j = json_loadb(plain.data, plain.len, 0, NULL);
        rc = j ? 0 : -1;
        json_decref(j);
    }
    buf_release(&plain);
    return rc;
}

struct alipay {
    EVP_PKEY *pub;
    json_t *params;
    const char *sig;
};

static int check_alipay(void *arg)
{
    const struct alipay *a = arg;
    struct errbuf e = {0};
    struct buf content = BUF_INIT;
    int rc = alipay_sign_content(a->params, 1, &content);
    if (rc == 0)
        rc = paycrypto_verify(a->pub, content.data, content.len, a->sig, &e);
    buf_release(&content);
    return rc;
}

int main(int argc, char **argv)
{
    double seconds = 2;
    struct errbuf e = {0};
    EVP_PKEY *key;
    unsigned char apikey[32];
    char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    struct buf sig = BUF_INIT, ct = BUF_INIT, msg = BUF_INIT, body = BUF_INIT, asig = BUF_INIT,
               content = BUF_INIT;
    const char *resource =
        "{\"mchid\":\"1900000109\",\"appid\":\"wxd678efh567hg6787\",\"out_trade_no\":\"DJ000000123\","
        "\"transaction_id\":\"4200000000202612060000000123\",\"trade_type\":\"MWEB\","
        "\"trade_state\":\"SUCCESS\",\"trade_state_desc\":\"支付成功\",\"bank_type\":\"OTHERS\","
        "\"success_time\":\"2026-12-06T10:00:00+08:00\",\"payer\":{\"openid\":\"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\"},"
        "\"amount\":{\"total\":4568,\"payer_total\":4568,\"currency\":\"CNY\",\"payer_currency\":\"CNY\"}}";
    const char *generic_body = "{\"provider_ref\":\"4200000000202612060000000123\",\"payment_id\":123,"
                               "\"amount_fen\":4568,\"result\":\"success\",\"paid_at\":1796522400}";
    for (int i = 1; i + 1 < argc; i += 2)
        if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
    if (sodium_init() < 0 || !(key = EVP_RSA_gen(2048)))
        die("cannot make the keys");
    randombytes_buf(apikey, sizeof(apikey));

    struct generic g = {"generic-callback-key-0123456789", generic_body, hex};
    {
        crypto_auth_hmacsha256_state s;
        crypto_auth_hmacsha256_init(&s, (const unsigned char *)g.key, strlen(g.key));
        crypto_auth_hmacsha256_update(&s, (const unsigned char *)generic_body, strlen(generic_body));
        crypto_auth_hmacsha256_final(&s, mac);
    }
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));

    struct wechat w = {key, NULL, NULL, "W2d7bQ4e9K1a", "transaction", NULL, apikey};
    gcm_seal(apikey, w.nonce, w.aad, resource, &ct);
    buf_printf(&body,
               "{\"id\":\"EV-2018022511223320873\",\"create_time\":\"2026-12-06T10:00:01+08:00\","
               "\"resource_type\":\"encrypt-resource\",\"event_type\":\"TRANSACTION.SUCCESS\","
               "\"summary\":\"支付成功\",\"resource\":{\"original_type\":\"transaction\","
               "\"algorithm\":\"AEAD_AES_256_GCM\",\"ciphertext\":\"%s\",\"associated_data\":\"%s\","
               "\"nonce\":\"%s\"}}",
               buf_str(&ct), w.aad, w.nonce);
    buf_printf(&msg, "1796522401\nnonce-5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n%s\n", buf_str(&body));
    ok(paycrypto_sign(key, msg.data, msg.len, &sig, &e), &e);
    w.message = buf_str(&msg);
    w.sig = buf_str(&sig);
    w.ciphertext = buf_str(&ct);

    struct alipay a = {key, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
                                      " s:s, s:s, s:s, s:s, s:s, s:s}",
                                      "gmt_create", "2026-12-06 10:00:00", "charset", "utf-8",
                                      "seller_email", "dues@example.com", "subject", "党费",
                                      "buyer_id", "2088102122524333", "invoice_amount", "45.68",
                                      "notify_id", "2026120600222100001000000000000001",
                                      "fund_bill_list", "[{\"amount\":\"45.68\",\"fundChannel\":\"ALIPAYACCOUNT\"}]",
                                      "notify_type", "trade_status_sync", "trade_status", "TRADE_SUCCESS",
                                      "receipt_amount", "45.68", "app_id", "2021000000000000",
                                      "buyer_pay_amount", "45.68", "sign_type", "RSA2",
                                      "seller_id", "2088102119685838", "gmt_payment", "2026-12-06 10:00:01",
                                      "notify_time", "2026-12-06 10:00:02", "out_trade_no", "DJ000000123"),
                        NULL};
    json_object_set_new(a.params, "total_amount", json_string("45.68"));
    json_object_set_new(a.params, "trade_no", json_string("2026120622001400000000000123"));
    if (alipay_sign_content(a.params, 1, &content) < 0)
        die("cannot make Alipay's content");
    ok(paycrypto_sign(key, content.data, content.len, &asig, &e), &e);
    a.sig = buf_str(&asig);

    double rg = rate(seconds, check_generic, &g), rw = rate(seconds, check_wechat, &w),
           ra = rate(seconds, check_alipay, &a);
    printf("payment notifications verified per second, one core (the check before settling):\n");
    printf("  generic HMAC-SHA256        : %10.0f /s\n", rg);
    printf("  WeChat Pay v3 (RSA + GCM)  : %10.0f /s  (%.3f of generic)\n", rw, rw / rg);
    printf("  Alipay (sorted form + RSA2): %10.0f /s  (%.3f of generic)\n", ra, ra / rg);
    json_decref(a.params);
    EVP_PKEY_free(key);
    buf_release(&sig);
    buf_release(&ct);
    buf_release(&msg);
    buf_release(&body);
    buf_release(&asig);
    buf_release(&content);
    return 0;
}
