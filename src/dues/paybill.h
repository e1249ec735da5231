/* A payment provider's daily statement, read into lines: one per successful payment, with our
 * trade number, the provider's transaction id and the amount in fen. */
#ifndef DUES_PAYBILL_H
#define DUES_PAYBILL_H

#include <stddef.h>

#include "base/err.h"

struct paybill_line {
    char trade_no[40]; /* our out_trade_no */
    char ref[72];      /* the provider's transaction id */
    long long fen;
};

struct paybill {
    struct paybill_line *lines;
    size_t n, cap;
};

/* WeChat Pay's trade bill (CSV, UTF-8): a header row of Chinese column names, rows whose
 * every field starts with a backquote, then the summary from the row starting 总交易单数.
 * Only rows of state SUCCESS become lines (refunds are rows of their own). Appends to b;
 * -ERR_INVALID names the row of a line it cannot read. */
int paybill_parse_wechat(const char *csv, size_t n, struct paybill *b, struct errbuf *e);
/* Alipay's 业务明细 statement (CSV, UTF-8: convert a GBK file first): '#' lines, a header row
 * of Chinese column names, rows whose fields may be padded with tabs, then '#' lines again.
 * Only rows of 业务类型 交易 become lines (refunds are rows of their own). */
int paybill_parse_alipay(const char *csv, size_t n, struct paybill *b, struct errbuf *e);
void paybill_release(struct paybill *b);

#endif
