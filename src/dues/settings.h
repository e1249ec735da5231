/* Dues settings: the global ones (the payment provider's HMAC key, rounding, how far back a
 * member may pay) and each organization's upward remittance share. */
#ifndef DUES_SETTINGS_H
#define DUES_SETTINGS_H

#include <stddef.h>

#include "base/err.h"

struct db;

#define DUES_DEFAULT_SHARE_BP 5000 /* DUES.md: remit 50 % upward unless the committee says */
#define DUES_DEFAULT_BACK_PAY 6    /* months a member may still pay online (补交) */

/* The value of setting name into out (n bytes): 1 when set, 0 when not (out = ""). */
int dues_setting_get(struct db *db, const char *name, char *out, size_t n, struct errbuf *e);
/* Check and store a setting (callback_key, rounding, back_pay_months). */
int dues_setting_set(struct db *db, const char *name, const char *value, struct errbuf *e);
/* An integer setting with a default. */
int dues_setting_int(struct db *db, const char *name, long long def, long long *ret,
                     struct errbuf *e);
/* The share (basis points) org_id remits upward. */
int dues_share_bp(struct db *db, long long org_id, long long *ret, struct errbuf *e);
int dues_share_set(struct db *db, long long org_id, long long bp, long long actor,
                   struct errbuf *e);

#endif
