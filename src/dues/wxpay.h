/* WeChat Pay API v3 (微信支付): the notification of a paid order (signature, replay window,
 * AEAD_AES_256_GCM resource), the H5 order and the query of an order by our trade number.
 * Entered through the provider table (dues/provider.h). */
#ifndef DUES_WXPAY_H
#define DUES_WXPAY_H

#include <jansson.h>

#include "base/buf.h"
#include "dues/provider.h"

#define WXPAY_BASE_URL "https://api.mch.weixin.qq.com"
#define WXPAY_WINDOW 300 /* seconds a notification's timestamp may be off */

int wxpay_notify(struct db *db, const struct dues_notify_in *in, json_t **ret, struct errbuf *e);
int wxpay_query(struct db *db, const struct dues_provider_conf *c, long long payment_id,
                struct errbuf *e);
struct paybill;
/* The trade bill of local day ymd (GET /v3/bill/tradebill, then its download_url, checked by
 * its SHA1): its successful payments appended to b. */
int wxpay_statement(const struct dues_provider_conf *c, int ymd, struct paybill *b,
                    struct errbuf *e);
/* An H5 order for pending payment payment_id: *ret = {provider, out_trade_no, h5_url}. */
int wxpay_create_order(struct db *db, const struct dues_provider_conf *c, long long payment_id,
                       const char *client_ip, json_t **ret, struct errbuf *e);
/* The Authorization header's value for a request (method, path with its query, body "" for
 * a GET), signed with the merchant key at ts with nonce. */
int wxpay_authorization(const struct dues_provider_conf *c, const char *method, const char *path,
                        const char *body, long long ts, const char *nonce, struct buf *out,
                        struct errbuf *e);

#endif
