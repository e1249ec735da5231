/* Alipay (支付宝) for online dues: the signed alipay.trade.wap.pay request the member's browser
 * is sent to, and the asynchronous notification (form-encoded, RSA2-signed). Entered through
 * the provider table (dues/provider.h). */
#ifndef DUES_ALIPAY_H
#define DUES_ALIPAY_H

#include <jansson.h>

#include "base/buf.h"
#include "dues/provider.h"

#define ALIPAY_BASE_URL "https://openapi.alipay.com/gateway.do"

int alipay_notify(struct db *db, const struct dues_notify_in *in, json_t **ret, struct errbuf *e);
/* The wap pay request of pending payment payment_id: *ret = {provider, out_trade_no, pay_url}. */
int alipay_create_order(struct db *db, const struct dues_provider_conf *c, long long payment_id,
                        const char *client_ip, json_t **ret, struct errbuf *e);
/* The parameters of a request of method with biz_content biz (taken), signed RSA2 with the
 * app key, appended to out as a form (k=v&k=v, values URL-encoded). */
int alipay_request(const struct dues_provider_conf *c, const char *method, json_t *biz,
                   struct buf *out, struct errbuf *e);
struct paybill;
/* The 业务明细 statement of local day ymd (alipay.data.dataservice.bill.downloadurl.query, then
 * the file: a zip of GBK CSVs, or one CSV): its payments appended to b (alipay_bill.c). */
int alipay_statement(const struct dues_provider_conf *c, int ymd, struct paybill *b,
                     struct errbuf *e);
/* What Alipay signs of params (an object of strings): every non-empty parameter but sign
 * (and sign_type when drop_sign_type: a notification), sorted by name, "k=v" joined by '&'. */
int alipay_sign_content(json_t *params, int drop_sign_type, struct buf *out);

#endif
