/* Payments: a member's online payment (pending until the provider's signed callback), cash
 * or bank collection recorded by finance, and reversal. A payment covers published bills,
 * months paid ahead (held as credit until they are billed) and voluntary dues. */
#ifndef DUES_PAYMENT_H
#define DUES_PAYMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct db;

#define DUES_MAX_MONTHS 24 /* months in one payment */
#define DUES_AHEAD_MONTHS 12 /* how far ahead a member may pay */

struct dues_pay_in {
    long long member_id;
    const int *months;
    size_t nmonths;
    long long voluntary_fen;
    long long amount_fen;    /* must equal what the months and the voluntary part come to */
    const char *channel;
    const char *external_ref;
    const char *payer;       /* 代缴: who paid for the member (collections) */
    bool online;             /* a member's own online payment: pending until the callback */
    long long actor;
    long long at;            /* when it was paid (UTC seconds); 0: now. For replays of history */
};

/* Channels: wechat, alipay, unionpay (online); cash, bank, payroll (collection). */
bool dues_channel_valid(const char *channel, bool online);

/* Check a payment and record it inside the caller's transaction: online → pending;
 * collection → paid now. Returns 0 and the payment id. Nothing is written on an error. */
int dues_payment_create(struct db *db, const struct dues_pay_in *in, long long *ret_id,
                        struct errbuf *e);
/* What months would cost now, without paying: {items, total_fen} (new reference). */
int dues_payment_quote(struct db *db, const struct dues_pay_in *in, json_t **ret,
                       struct errbuf *e);
/* The payment as JSON, with its items. */
int dues_payment_get(struct db *db, long long id, json_t **ret, long long *ret_member,
                     struct errbuf *e);

/* Check the provider's HMAC-SHA256 (hex) of body with the configured key: 0, -ERR_UNAUTH. */
int dues_callback_verify(struct db *db, const void *body, size_t len, const char *signature,
                         struct errbuf *e);
/* Apply a verified callback {provider_ref, payment_id, amount_fen, result[, paid_at]}:
 * idempotent by provider_ref. Own transaction. *ret = {payment_id, status, duplicate}. */
int dues_callback_apply(struct db *db, json_t *notice, json_t **ret, struct errbuf *e);
/* The same inside the caller's transaction (a batch of notices, as `dangjian demo` replays
 * them): 0 applied, 1 a duplicate (nothing written, *ret says so), < 0 an error. */
int dues_callback_apply_tx(struct db *db, json_t *notice, json_t **ret, struct errbuf *e);

/* Many payments at once, inside the caller's transaction: the same checks and rows as
 * dues_payment_create for each in[k] in order (a collection's bills count as paid for the
 * ones after it), in a few statements per hundred payments. ids[k] receives payment k's id.
 * On an error (its message names the payment's index) the caller rolls back. */
int dues_payment_create_batch(struct db *db, const struct dues_pay_in *in, size_t n,
                              long long *ids, struct errbuf *e);
/* What each of many payments would cost (dues_payment_quote's total_fen for each in[k]),
 * from what is read for all of them at once; nothing is written. The first payment that
 * cannot be made is the error (its index in the message). */
int dues_payment_quote_batch(struct db *db, const struct dues_pay_in *in, size_t n,
                             long long *totals, struct errbuf *e);
/* Many provider notices at once, inside the caller's transaction: what
 * dues_callback_apply_tx does for each, in order; *ret = a list of its replies (a duplicate
 * says so). The first bad notice is the error (its index in the message): roll back. */
int dues_callback_apply_batch(struct db *db, json_t *notices, json_t **ret, struct errbuf *e);

/* Reverse a paid payment: its bills are unpaid again, what was confirmed is undone by
 * reversing entries. Own transaction. */
int dues_payment_reverse(struct db *db, long long payment_id, const char *reason,
                         long long actor, json_t **ret, struct errbuf *e);

#endif
