/* The table of payment providers, their settings, and what every provider shares: our trade
 * numbers, the query of pending payments and the finance to-do of a disagreement
 * (provider.h). */
#include "dues/provider.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "db/db.h"
#include "dues/alipay.h"
#include "dues/paykey.h"
#include "dues/payment.h"
#include "dues/wxpay.h"
#include "inbox/todo.h"
#include "org/audit.h"
#include "base/banned.h"

/* Our own notice, signed with the HMAC key of dues setting callback_key
 * (POST /api/v1/dues/payments/callback). */
static int generic_notify(struct db *db, const struct dues_notify_in *in, json_t **ret,
                          struct errbuf *e)
{
    json_error_t je;
    json_t *notice;
    int rc =
        dues_callback_verify(db, in->body, in->len, in->header(in->ctx, "X-Dues-Signature"), e);
    if (rc < 0)
        return rc;
    if (!(notice = json_loadb(in->body, in->len, JSON_REJECT_DUPLICATES, &je)))
        return errbuf_set(e, -ERR_INVALID, "the notice is not JSON: %s", je.text);
    rc = dues_callback_apply(db, notice, ret, e);
    json_decref(notice);
    return rc;
}

static const struct dues_provider providers[] = {
    {"generic", "", generic_notify, NULL, NULL, NULL},
    {"wechat", WXPAY_BASE_URL, wxpay_notify, wxpay_query, wxpay_create_order, wxpay_statement},
    {"alipay", ALIPAY_BASE_URL, alipay_notify, NULL, alipay_create_order, alipay_statement},
};

const struct dues_provider *dues_provider_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof(providers) / sizeof(providers[0]); i++)
        if (strcmp(providers[i].name, name) == 0)
            return &providers[i];
    return NULL;
}

const struct dues_provider *dues_provider_at(size_t i)
{
    return i < sizeof(providers) / sizeof(providers[0]) ? &providers[i] : NULL;
}

int dues_online_payment(struct db *db, long long id, struct dues_online_payment *ret,
                        struct errbuf *e)
{
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "SELECT member_id, org_id, amount_fen, status, channel FROM dues_payments"
                        " WHERE id = $1 AND kind = 'online'",
                        &st, e);
    if (rc < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        ret->member_id = db_col_int(st, 0);
        ret->org_id = db_col_int(st, 1);
        ret->amount_fen = db_col_int(st, 2);
        snprintf(ret->status, sizeof(ret->status), "%s", db_col_text(st, 3));
        snprintf(ret->channel, sizeof(ret->channel), "%s", db_col_text(st, 4));
    }
    db_done(st);
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "out_trade_no", id,
                                "no online payment %lld", id);
    return rc < 0 ? rc : 0;
}

int dues_provider_order(struct db *db, long long payment_id, long long member, long long actor,
                        const char *client_ip, json_t **ret, struct errbuf *e)
{
    const struct dues_provider *p;
    struct dues_provider_conf c;
    struct dues_online_payment op;
    json_t *out = NULL;
    int rc = dues_online_payment(db, payment_id, &op, e);
    if (rc < 0 && rc != -ERR_NOTFOUND)
        return rc;
    /* another member's payment is not even said to exist */
    if (rc == -ERR_NOTFOUND || op.member_id != member)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "payment_id", payment_id,
                                "payment %lld not found", payment_id);
    if (strcmp(op.status, "pending") != 0)
        return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "payment_id", NULL,
                             "payment %lld is already %s", payment_id, op.status),
                errbuf_state(e, op.status));
    if (!(p = dues_provider_find(op.channel)) || !p->create_order ||
        dues_provider_load(db, op.channel, &c, e) < 0)
        return errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "channel", op.channel,
                            "online payments by '%s' are not taken through a provider here",
                            op.channel);
    if ((rc = p->create_order(db, &c, payment_id, client_ip, &out, e)) < 0)
        return rc;
    if ((rc = db_begin(db, e)) < 0 ||
        (rc = dues_provider_commit(db, actor, op.org_id, "order", "dues_payment", payment_id,
                                   json_pack("{s:s, s:O}", "provider", p->name, "out_trade_no",
                                             json_object_get(out, "out_trade_no")),
                                   e)) < 0)
        json_decref(out);
    else
        *ret = out;
    return rc < 0 ? rc : 0;
}

int dues_provider_commit(struct db *db, long long actor, long long org, const char *action,
                         const char *entity, long long id, json_t *detail, struct errbuf *e)
{
    int rc = detail ? audit_log(db, actor, org, action, entity, id, detail, e)
                    : errbuf_set(e, -ERR_NOMEM, "out of memory");
    json_decref(detail);
    if (rc >= 0)
        rc = db_commit(db, e);
    if (rc < 0)
        db_rollback(db);
    return rc < 0 ? rc : 0;
}

#define CONF_COLUMNS                                                                               \
    "name, merchant_id, app_id, serial_no, key_file, platform_serial, platform_key_file,"          \
    " secret_file, base_url, notify_url"

int dues_provider_load(struct db *db, const char *name, struct dues_provider_conf *ret,
                       struct errbuf *e)
{
    struct db_stmt *st;
    int rc = db_prepare(db, "SELECT " CONF_COLUMNS " FROM dues_providers WHERE name = $1", &st, e);
    if (rc < 0)
        return rc;
    db_bind_text(st, 1, name);
    if ((rc = db_step(st, e)) == 1) {
        struct {
            char *dst;
            size_t n;
        } f[] = {{ret->name, sizeof(ret->name)},
                 {ret->merchant_id, sizeof(ret->merchant_id)},
                 {ret->app_id, sizeof(ret->app_id)},
                 {ret->serial_no, sizeof(ret->serial_no)},
                 {ret->key_file, sizeof(ret->key_file)},
                 {ret->platform_serial, sizeof(ret->platform_serial)},
                 {ret->platform_key_file, sizeof(ret->platform_key_file)},
                 {ret->secret_file, sizeof(ret->secret_file)},
                 {ret->base_url, sizeof(ret->base_url)},
                 {ret->notify_url, sizeof(ret->notify_url)}};
        for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
            snprintf(f[i].dst, f[i].n, "%s", db_col_text(st, (int)i));
    }
    db_done(st);
    if (rc == 0)
        return errbuf_field(e, -ERR_NOTFOUND, R_NOT_FOUND, "provider", name,
                            "payment provider '%s' is not configured (dangjian dues provider set)",
                            name);
    return rc < 0 ? rc : 0;
}

int dues_provider_save(struct db *db, const struct dues_provider_conf *c, struct errbuf *e)
{
    EVP_PKEY *k = NULL;
    unsigned char secret[32];
    int rc;
    if (!dues_provider_find(c->name) || strcmp(c->name, "generic") == 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "provider", c->name,
                            "unknown payment provider '%s' (wechat, alipay)", c->name);
    if (strcmp(c->name, "wechat") == 0 &&
        (!c->merchant_id[0] || !c->key_file[0] || !c->platform_serial[0] ||
         !c->platform_key_file[0] || !c->secret_file[0] || !c->serial_no[0]))
        return errbuf_set(e, -ERR_INVALID,
                          "wechat needs --mchid, --serial, --key-file,"
                          " --platform-serial, --platform-cert-file and"
                          " --apiv3-key-file");
    if (strcmp(c->name, "alipay") == 0 &&
        (!c->app_id[0] || !c->key_file[0] || !c->platform_key_file[0]))
        return errbuf_set(e, -ERR_INVALID,
                          "alipay needs --appid, --key-file and"
                          " --alipay-public-key-file");
    if (strncmp(c->base_url, "http://", 7) && strncmp(c->base_url, "https://", 8))
        return errbuf_set(e, -ERR_INVALID, "--base-url must be an http(s) URL");
    if ((rc = paykey_private(c->key_file, &k, e)) < 0)
        return rc;
    EVP_PKEY_free(k);
    if ((rc = paykey_public(c->platform_key_file, &k, e)) < 0)
        return rc;
    EVP_PKEY_free(k);
    rc = c->secret_file[0] ? paykey_secret32(c->secret_file, secret, e) : 0;
    sodium_memzero(secret, sizeof(secret));
    if (rc < 0)
        return rc;
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    if ((rc = db_run(db, e, "DELETE FROM dues_providers WHERE name = $1", "t", c->name)) < 0 ||
        (rc = db_run(db, e,
                     "INSERT INTO dues_providers (" CONF_COLUMNS ", updated_at)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                     "tttttttttti", c->name, c->merchant_id, c->app_id, c->serial_no, c->key_file,
                     c->platform_serial, c->platform_key_file, c->secret_file, c->base_url,
                     c->notify_url, (long long)time(NULL))) < 0)
        goto out;
    return dues_provider_commit(db, 0, 0, "configure", "dues_provider", 0,
                                json_pack("{s:s, s:s, s:s, s:s}", "merchant_id", c->merchant_id,
                                          "serial_no", c->serial_no, "platform_serial",
                                          c->platform_serial, "base_url", c->base_url),
                                e);
out:
    if (rc < 0)
        db_rollback(db);
    return rc < 0 ? rc : 0;
}

void dues_trade_no(long long payment_id, char out[32])
{
    snprintf(out, 32, "DJP%08lld", payment_id);
}

int dues_trade_no_parse(const char *no, long long *ret_id, struct errbuf *e)
{
    char *end;
    long long id;
    if (!no || strncmp(no, "DJP", 3) != 0 || strlen(no) < 11 || strlen(no) > 30 || no[3] < '0' ||
        no[3] > '9')
        goto bad;
    id = strtoll(no + 3, &end, 10);
    if (*end || id <= 0)
        goto bad;
    *ret_id = id;
    return 0;
bad:
    return errbuf_field(e, -ERR_NOTFOUND, R_NOT_FOUND, "out_trade_no", no,
                        "out_trade_no '%s' is not one of ours", no ? no : "");
}

int dues_provider_flag(struct db *db, long long payment_id, const char *title, const char *dedupe,
                       struct errbuf *e)
{
    struct dues_online_payment op = {0};
    struct todo t = {.domain = "dues", .kind = "reconcile", .title = title, .dedupe = dedupe};
    int rc = payment_id ? dues_online_payment(db, payment_id, &op, e)
                        : db_query_int(db, e, &op.org_id,
                                       "SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id"
                                       " LIMIT 1",
                                       "");
    if (rc < 0)
        return rc;
    t.org_id = op.org_id;
    t.member_id = op.member_id;
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    if ((rc = todo_raise(db, &t, e)) < 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, e);
}

int dues_provider_settle(struct db *db, const char *label, long long payment_id,
                         const char *trade_no, const char *ref, long long paid_fen,
                         long long paid_at, struct errbuf *e)
{
    struct dues_online_payment p;
    json_t *notice, *out = NULL;
    long long now = (long long)time(NULL);
    int rc = dues_online_payment(db, payment_id, &p, e);
    if (rc < 0)
        return rc;
    if (paid_fen != p.amount_fen) {
        char title[200], dedupe[120];
        snprintf(title, sizeof(title), "%s金额不符：订单 %s 实付 %lld 分，应付 %lld 分，未入账",
                 label, trade_no, paid_fen, p.amount_fen);
        snprintf(dedupe, sizeof(dedupe), "amount:%.80s", ref);
        if ((rc = dues_provider_flag(db, payment_id, title, dedupe, e)) < 0)
            return rc;
        return (errbuf_field(e, -ERR_INVALID, R_MISMATCH, "amount", NULL,
                             "amount %lld fen does not match payment %lld (%lld fen): nothing"
                             " booked",
                             paid_fen, payment_id, p.amount_fen),
                errbuf_limit(e, p.amount_fen));
    }
    notice =
        json_pack("{s:s, s:I, s:I, s:s, s:I}", "provider_ref", ref, "payment_id",
                  (json_int_t)payment_id, "amount_fen", (json_int_t)paid_fen, "result", "success",
                  "paid_at", (json_int_t)(paid_at > 0 && paid_at <= now ? paid_at : now));
    rc = notice ? dues_callback_apply(db, notice, &out, e)
                : errbuf_set(e, -ERR_NOMEM, "out of memory");
    json_decref(notice);
    json_decref(out);
    return rc < 0 ? rc : 1;
}

int dues_provider_query_pending(struct db *db, const char *name, long long min_age,
                                long long max_age, long long limit, long long *ret_asked,
                                long long *ret_settled, struct errbuf *e)
{
    long long now = (long long)time(NULL);
    const struct dues_provider *p = dues_provider_find(name);
    struct dues_provider_conf c;
    struct db_stmt *st;
    long long *ids = NULL, asked = 0, settled = 0;
    size_t n = 0, cap = 0;
    int rc;
    if (!p || !p->query)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "provider", name,
                            "payment provider '%s' cannot be queried (wechat)", name);
    if ((rc = dues_provider_load(db, name, &c, e)) < 0)
        return rc;
    if ((rc = db_prepare(db,
                         "SELECT id FROM dues_payments WHERE kind = 'online' AND status = 'pending'"
                         " AND channel = $1 AND created_at <= $2 AND created_at >= $4"
                         " ORDER BY id LIMIT $3",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "tiii", name, now - min_age, limit, max_age > 0 ? now - max_age : 0LL);
    while ((rc = db_step(st, e)) == 1) {
        if (buf_grow_array((void **)&ids, &cap, n + 1, sizeof(*ids)) < 0) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        ids[n++] = db_col_int(st, 0);
    }
    db_done(st);
    /* one payment the provider cannot answer for does not stop the others: counted, not
     * settled, asked again next time */
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        struct errbuf pe = ERRBUF_INIT;
        int q = p->query(db, &c, ids[i], &pe);
        asked++;
        if (q == 1)
            settled++;
        else if (q < 0 && (q == -ERR_DB || q == -ERR_UNAVAILABLE)) {
            *e = pe;
            rc = q;
        }
    }
    free(ids);
    if (rc < 0)
        return rc;
    *ret_asked = asked;
    *ret_settled = settled;
    return 0;
}

int dues_job_query_pending(struct db *db, struct errbuf *e)
{
    const struct dues_provider *p;
    int rc = 0;
    for (size_t i = 0; rc >= 0 && (p = dues_provider_at(i)); i++) {
        struct dues_provider_conf c;
        long long n = 0, settled = 0;
        if (!p->query)
            continue;
        if ((rc = dues_provider_load(db, p->name, &c, e)) == -ERR_NOTFOUND) {
            errbuf_clear(e);
            rc = 0;
            continue; /* not configured */
        }
        if (rc >= 0 &&
            (rc = dues_provider_query_pending(db, p->name, 600, 86400, 100, &n, &settled, e)) >= 0 &&
            settled)
            log_info("jobs: %s: %lld pending payments asked, %lld settled", p->name, n, settled);
    }
    return rc < 0 ? rc : 0;
}
