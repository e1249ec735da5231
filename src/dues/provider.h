/* Payment providers of online dues: a small table, one entry per provider — generic (our own
 * HMAC-signed callback, dues/payment.h), wechat (WeChat Pay API v3, dues/wxpay.c) and alipay
 * (dues/alipay.c). Each
 * speaks its provider's published wire format and settles a payment through
 * dues_callback_apply, idempotent by the provider's transaction id. */
#ifndef DUES_PROVIDER_H
#define DUES_PROVIDER_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"

struct db;
struct paybill;

/* A provider's settings (table dues_providers): ids and the paths of its key files. */
struct dues_provider_conf {
    char name[16];
    char merchant_id[64], app_id[64], serial_no[128];
    char key_file[512];          /* the merchant's RSA private key (mode 0600) */
    char platform_serial[128];   /* the serial of the provider's key below */
    char platform_key_file[512]; /* the provider's certificate or public key */
    char secret_file[512];       /* WeChat Pay: the API v3 key (mode 0600) */
    char base_url[256], notify_url[256];
};

/* An incoming notification: its raw body and a way to read its headers. */
struct dues_notify_in {
    const char *body;
    size_t len;
    const char *(*header)(void *ctx, const char *name);
    void *ctx;
};

struct dues_provider {
    const char *name;
    const char *default_base_url;
    /* Verify a notification, then settle what it reports. 0 (also for a repeat), or an error
     * whose code says how to answer (-ERR_UNAUTH: signature, time, nonce). */
    int (*notify)(struct db *db, const struct dues_notify_in *in, json_t **ret, struct errbuf *e);
    /* Ask the provider for a payment's order of a pending payment and settle it when paid:
     * 1 settled now, 0 not paid (yet), < 0 an error. NULL: the provider cannot be asked. */
    int (*query)(struct db *db, const struct dues_provider_conf *c, long long payment_id,
                 struct errbuf *e);
    /* The provider's order of a pending payment, for the member to pay: *ret = {provider,
     * out_trade_no, and where to go: h5_url (WeChat Pay) or pay_url (Alipay)}. NULL: no
     * orders (generic). */
    int (*create_order)(struct db *db, const struct dues_provider_conf *c, long long payment_id,
                        const char *client_ip, json_t **ret, struct errbuf *e);
    /* The provider's statement of local day ymd: its successful payments appended to b. NULL:
     * no statement to reconcile with. */
    int (*statement)(const struct dues_provider_conf *c, int ymd, struct paybill *b,
                     struct errbuf *e);
};

/* An online payment as a provider's answer is checked against it. */
struct dues_online_payment {
    long long member_id, org_id, amount_fen;
    char status[16], channel[16];
};
/* Online payment id: -ERR_NOTFOUND (field out_trade_no) when there is none. */
int dues_online_payment(struct db *db, long long id, struct dues_online_payment *ret,
                        struct errbuf *e);

/* The provider called name, or NULL. */
const struct dues_provider *dues_provider_find(const char *name);
/* The i-th provider of the table (from 0), NULL past the last: the jobs ask each that can be
 * queried or has a statement. */
const struct dues_provider *dues_provider_at(size_t i);

/* The provider's order of pending online payment payment_id of member (the caller), by its
 * channel. Audited (action order). Own transaction for the audit row. */
int dues_provider_order(struct db *db, long long payment_id, long long member, long long actor,
                        const char *client_ip, json_t **ret, struct errbuf *e);

/* Audit (taking detail) and commit the caller's transaction; rolled back on an error. */
int dues_provider_commit(struct db *db, long long actor, long long org, const char *action,
                         const char *entity, long long id, json_t *detail, struct errbuf *e);

/* The settings of provider name: -ERR_NOTFOUND when it is not configured. */
int dues_provider_load(struct db *db, const char *name, struct dues_provider_conf *ret,
                       struct errbuf *e);
/* Check (the key files readable, secret ones of mode 0600, every key parses) and store c.
 * Audited. Own transaction. */
int dues_provider_save(struct db *db, const struct dues_provider_conf *c, struct errbuf *e);

/* Query every pending online payment of provider name older than min_age seconds and, with
 * max_age > 0, not older than max_age (at most limit of them, oldest first), settling those the
 * provider says are paid. *ret_asked, *ret_settled. */
int dues_provider_query_pending(struct db *db, const char *name, long long min_age,
                                long long max_age, long long limit, long long *ret_asked,
                                long long *ret_settled, struct errbuf *e);
/* The jobs' pass: every configured provider that can be asked (WeChat Pay) is asked about the
 * online payments pending for 10 minutes to a day, whose notification has not come; older
 * ones are left to the daily reconciliation. */
int dues_job_query_pending(struct db *db, struct errbuf *e);

/* Settle payment_id as provider label (Chinese, for the to-do) reports it: paid_fen must equal
 * the payment's amount, else it is refused and raised as a finance to-do once per ref; then
 * through dues_callback_apply, idempotent by ref. paid_at 0 (or in the future): now.
 * 1 settled now or before, < 0 refused. */
int dues_provider_settle(struct db *db, const char *label, long long payment_id,
                         const char *trade_no, const char *ref, long long paid_fen,
                         long long paid_at, struct errbuf *e);
/* A finance to-do (domain dues, kind reconcile) for a payment (0: none of ours, addressed to
 * the top of the tree): title in Chinese, dedupe the to-do's own key. Commits on its own. */
int dues_provider_flag(struct db *db, long long payment_id, const char *title, const char *dedupe,
                       struct errbuf *e);

/* Our out_trade_no of a payment ("DJP" and at least 8 digits), and back (-ERR_NOTFOUND). */
void dues_trade_no(long long payment_id, char out[32]);
int dues_trade_no_parse(const char *no, long long *ret_id, struct errbuf *e);

#endif
