#include "dues/payment.h"
#include "dues/payment_impl.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/month.h"
#include "base/text.h"
#include "db/db.h"
#include "dues/base.h"
#include "dues/bill.h"
#include "dues/confirm.h"
#include "dues/ledger.h"
#include "dues/rules.h"
#include "dues/settings.h"
#include "org/audit.h"
#include "org/tenant.h"
#include "base/banned.h"


/* settle_items for a payment settled later (the provider's callback): its member and items
 * as recorded, the member's organization as it is now (a member may have moved since). */
static int settle(struct db *db, long long pid, long long member, long long paid_at,
                  struct errbuf *e)
{
    struct pay_item items[DUES_MAX_MONTHS + 1];
    struct pay_member m;
    struct db_stmt *st;
    size_t n = 0;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT month, kind, bill_id, amount_fen FROM dues_payment_items"
                         " WHERE payment_id = $1 ORDER BY month",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, pid);
    while ((rc = db_step(st, e)) == 1 && n < DUES_MAX_MONTHS + 1) {
        const char *k = db_col_text(st, 1);
        items[n].month = (int)db_col_int(st, 0);
        items[n].kind = strcmp(k, "bill") == 0      ? IT_BILL
                        : strcmp(k, "advance") == 0 ? IT_ADVANCE
                                                    : IT_VOLUNTARY;
        items[n].bill_id = db_col_int(st, 2);
        items[n].amount_fen = db_col_int(st, 3);
        n++;
    }
    db_done(st);
    if (rc < 0)
        return rc;
    /* the member's organization when paid: a member may have moved since paying online */
    {
        struct db_stmt *ms;
        if ((rc = db_prepare(db, "SELECT org_id, category, party_status FROM members WHERE id = $1",
                             &ms, e)) < 0)
            return rc;
        db_bind_int(ms, 1, member);
        if ((rc = db_step(ms, e)) == 1) {
            m.org_id = db_col_int(ms, 0);
            snprintf(m.category, sizeof(m.category), "%s", db_col_text(ms, 1));
            snprintf(m.party_status, sizeof(m.party_status), "%s", db_col_text(ms, 2));
        }
        db_done(ms);
        if (rc <= 0)
            return rc < 0 ? rc
                          : errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_MEMBER, "member_id",
                                             member, "member %lld not found", member);
    }
    return pay_settle_items(db, pid, member, &m, items, n, paid_at, e);
}

int dues_payment_create(struct db *db, const struct dues_pay_in *in, long long *ret_id,
                        struct errbuf *e)
{
    struct pay_item items[DUES_MAX_MONTHS + 1];
    struct pay_member m;
    size_t n = 0;
    long long total = 0, pid = 0, now = in->at ? in->at : dues_now(), tenant;
    const char *ref = in->external_ref ? in->external_ref : "";
    json_t *d;
    int rc;
    if ((rc = pay_check_input(in, e)) < 0 ||
        (rc = pay_plan_amount(db, NULL, in, &m, items, &n, &total, e)) < 0)
        return rc;
    /* db_last_id rather than RETURNING: cheaper on SQLite, and collections come in bulk */
    /* a payment and its items go with the member's organization (the member's tenant) */
    if ((rc = tenant_of_org(db, m.org_id, &tenant, e)) < 0)
        return rc;
    rc = db_run(db, e,
                "INSERT INTO dues_payments(member_id, org_id, kind, channel, external_ref,"
                " amount_fen, status, payer, created_by, created_at, tenant_id)"
                " VALUES($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10)",
                "iitttitIii", in->member_id, m.org_id, in->online ? "online" : "collection",
                in->channel, ref, total, in->payer ? in->payer : "", in->actor, now, tenant);
    if (rc >= 0)
        rc = db_last_id(db, &pid, e);
    for (size_t i = 0; rc >= 0 && i < n; i++)
        rc = db_run(db, e,
                    "INSERT INTO dues_payment_items(payment_id, month, kind, bill_id, amount_fen,"
                    " tenant_id) VALUES($1, $2, $3, $4, $5, $6)",
                    "iitIii", pid, (long long)items[i].month, pay_item_kinds[items[i].kind],
                    items[i].bill_id, items[i].amount_fen, tenant);
    if (rc >= 0 && !in->online)
        rc = pay_settle_items(db, pid, in->member_id, &m, items, n, now, e);
    if (rc < 0)
        return rc;
    d = json_pack("{s:s, s:s, s:I}", "kind", in->online ? "online" : "collection", "channel",
                  in->channel, "amount_fen", (json_int_t)total);
    rc = audit_log(db, in->actor, m.org_id, "create", "dues_payment", pid, d, e);
    json_decref(d);
    if (rc < 0)
        return rc;
    *ret_id = pid;
    return 0;
}

int dues_payment_get(struct db *db, long long id, json_t **ret, long long *ret_member,
                     struct errbuf *e)
{
    struct db_stmt *st;
    json_t *o = NULL, *items;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT id, member_id, org_id, kind, channel, external_ref, provider_ref,"
                         " amount_fen, status, payer, created_at, paid_at, reversed_at,"
                         " reverse_reason FROM dues_payments WHERE id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:o, s:I, s:s, s:s, s:I, s:o, s:o, s:o}",
                      "id", db_col_int(st, 0), "member_id", db_col_int(st, 1), "org_id",
                      db_col_int(st, 2), "kind", db_col_text(st, 3), "channel", db_col_text(st, 4),
                      "external_ref", db_col_text(st, 5), "provider_ref",
                      db_col_null(st, 6) ? json_null() : json_string(db_col_text(st, 6)),
                      "amount_fen", db_col_int(st, 7), "status", db_col_text(st, 8), "payer",
                      db_col_text(st, 9), "created_at", db_col_int(st, 10), "paid_at",
                      db_col_null(st, 11) ? json_null() : json_integer(db_col_int(st, 11)),
                      "reversed_at",
                      db_col_null(st, 12) ? json_null() : json_integer(db_col_int(st, 12)),
                      "reverse_reason",
                      db_col_null(st, 13) ? json_null() : json_string(db_col_text(st, 13)));
        *ret_member = db_col_int(st, 1);
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "payment_id", id,
                                "payment %lld not found", id);
    items = json_array();
    if ((rc = db_prepare(db,
                         "SELECT month, kind, bill_id, amount_fen FROM dues_payment_items"
                         " WHERE payment_id = $1 ORDER BY month, kind",
                         &st, e)) < 0) {
        json_decref(items);
        json_decref(o);
        return rc;
    }
    db_bind_int(st, 1, id);
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(items, json_pack("{s:I, s:s, s:o, s:I}", "month", db_col_int(st, 0),
                                               "kind", db_col_text(st, 1), "bill_id",
                                               db_col_null(st, 2) ? json_null()
                                                                  : json_integer(db_col_int(st, 2)),
                                               "amount_fen", db_col_int(st, 3)));
    db_done(st);
    json_object_set_new(o, "items", items);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *ret = o;
    return 0;
}

/* ---- the provider's callback */

int dues_callback_verify(struct db *db, const void *body, size_t len, const char *signature,
                         struct errbuf *e)
{
    char key[300];
    unsigned char mac[crypto_auth_hmacsha256_BYTES], given[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state s;
    size_t glen = 0;
    int rc = dues_setting_get(db, "callback_key", key, sizeof(key), e);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_set(e, -ERR_UNAUTH,
                          "payment callbacks are not configured (dues setting callback_key)");
    if (!signature || strlen(signature) != 2 * sizeof(given) ||
        sodium_hex2bin(given, sizeof(given), signature, strlen(signature), NULL, &glen, NULL) != 0 ||
        glen != sizeof(given)) {
        sodium_memzero(key, sizeof(key));
        return errbuf_set(e, -ERR_UNAUTH,
                          "missing or malformed X-Dues-Signature (hex HMAC-SHA256 of the body)");
    }
    crypto_auth_hmacsha256_init(&s, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&s, body, len);
    crypto_auth_hmacsha256_final(&s, mac);
    sodium_memzero(key, sizeof(key));
    if (sodium_memcmp(mac, given, sizeof(mac)) != 0)
        return errbuf_set(e, -ERR_UNAUTH, "bad signature: the notice was not signed with the key");
    return 0;
}

int dues_callback_apply_tx(struct db *db, json_t *notice, json_t **ret, struct errbuf *e)
{
    struct pay_notice nt;
    const char *ref, *pause;
    long long pid, amount, member = 0, want = 0, existing = 0, paid_at;
    struct db_stmt *st;
    char status[16] = "", kind[16] = "";
    json_t *d;
    int rc;
    if ((rc = pay_notice_parse(notice, &nt, e)) < 0)
        return rc;
    ref = nt.ref;
    pid = nt.pid;
    amount = nt.amount;
    paid_at = nt.paid_at;
    /* the same notice twice: answered as before, nothing booked again. The provider may send
     * it again before our first answer reached it: the payment's row lock makes a second
     * notice wait here until the first has committed, and then find it */
    if ((rc = db_lock_row(db, "dues_payments", pid, e)) < 0)
        return rc;
    if ((rc = db_query_int(db, e, &existing, "SELECT id FROM dues_payments WHERE provider_ref = $1",
                           "t", ref)) < 0)
        return rc;
    if (rc == 1) {
        if (existing != pid)
            return errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "provider_ref", ref,
                                "provider_ref '%s' was already used for payment %lld", ref,
                                existing);
        *ret = json_pack("{s:I, s:s, s:b}", "payment_id", (json_int_t)pid, "status", "duplicate",
                         "duplicate", 1);
        return 1;
    }
    if ((rc = db_prepare(db, "SELECT member_id, amount_fen, status, kind FROM dues_payments WHERE id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, pid);
    if ((rc = db_step(st, e)) == 1) {
        member = db_col_int(st, 0);
        want = db_col_int(st, 1);
        snprintf(status, sizeof(status), "%s", db_col_text(st, 2));
        snprintf(kind, sizeof(kind), "%s", db_col_text(st, 3));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(kind, "online") != 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "payment_id", pid,
                                "no online payment %lld", pid);
    if (strcmp(status, "pending") != 0)
        return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "payment_id", NULL,
                             "payment %lld is already %s", pid, status),
                errbuf_value_int(e, pid), errbuf_state(e, status));
    if (amount != want)
        return (
            errbuf_field(e, -ERR_INVALID, R_MISMATCH, "amount_fen", NULL,
                         "amount_fen %lld does not match payment %lld (%lld fen): nothing booked",
                         amount, pid, want),
            errbuf_value_int(e, amount), errbuf_limit(e, want));
    /* the race test (tests/api/dues_race.test.mjs) holds a notice here, between its checks
     * and its writes, while the same notice arrives again */
    if ((pause = getenv("DJ_DUES_CALLBACK_PAUSE_MS")))
        usleep((useconds_t)atoi(pause) * 1000);
    if (nt.success)
        rc = settle(db, pid, member, paid_at, e);
    else
        rc = db_run(db, e, "UPDATE dues_payments SET status = 'failed' WHERE id = $1", "i", pid);
    if (rc < 0 ||
        (rc = db_queue(db, e, "UPDATE dues_payments SET provider_ref = $2 WHERE id = $1", "it",
                       pid, ref)) < 0)
        return rc;
    d = json_pack("{s:s, s:s}", "provider_ref", ref, "result", nt.success ? "success" : "failed");
    rc = audit_log(db, 0, 0, "callback", "dues_payment", pid, d, e);
    json_decref(d);
    if (rc < 0)
        return rc;
    *ret = json_pack("{s:I, s:I, s:s, s:b}", "payment_id", (json_int_t)pid, "member_id",
                     (json_int_t)member, "status", nt.success ? "paid" : "failed",
                     "duplicate", 0);
    return 0;
}

int dues_callback_apply(struct db *db, json_t *notice, json_t **ret, struct errbuf *e)
{
    int rc = db_begin(db, e);
    if (rc < 0)
        return rc;
    if ((rc = dues_callback_apply_tx(db, notice, ret, e)) < 0) {
        db_rollback(db);
        return rc;
    }
    if (rc == 1) { /* a duplicate: nothing written */
        db_rollback(db);
        return 0;
    }
    if ((rc = db_commit(db, e)) < 0) {
        json_decref(*ret);
        *ret = NULL;
    }
    return rc;
}

/* ---- reversal */

struct rev_bill {
    long long id, org_id, amount, share, batch;
    char kind[16], status[16];
    bool via_credit;
};

int dues_payment_reverse(struct db *db, long long payment_id, const char *reason,
                         long long actor, json_t **ret, struct errbuf *e)
{
    struct rev_bill *bills = NULL;
    size_t n = 0, cap = 0;
    struct db_stmt *st;
    char status[16] = "";
    long long org = 0, member = 0, entries = 0, now = dues_now();
    json_t *d, *ids = NULL;
    int rc;
    if (!reason || !*reason || text_utf8_chars(reason) > 200)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "reason", NULL,
                            "field 'reason' is required (at most 200 characters)");
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    if ((rc = db_prepare(db, "SELECT status, org_id, member_id FROM dues_payments WHERE id = $1",
                         &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, payment_id);
    if ((rc = db_step(st, e)) == 1) {
        snprintf(status, sizeof(status), "%s", db_col_text(st, 0));
        org = db_col_int(st, 1);
        member = db_col_int(st, 2);
    }
    db_done(st);
    if (rc == 0)
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "payment_id", payment_id,
                              "payment %lld not found", payment_id);
    else if (rc > 0 && strcmp(status, "paid") != 0)
        rc = (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "payment_id", NULL,
                           "payment %lld is %s: only a paid payment is reversed", payment_id,
                           status),
              errbuf_value_int(e, payment_id), errbuf_state(e, status));
    if (rc < 0 ||
        (rc = db_prepare(db,
                         "SELECT id, org_id, kind, status, amount_fen, COALESCE(share_fen, 0),"
                         " COALESCE(batch_id, 0), via_credit FROM dues_bills"
                         " WHERE member_id = $2 AND payment_id = $1"
                         " AND status IN ('paid', 'confirmed') ORDER BY id",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "ii", payment_id, member);
    while ((rc = db_step(st, e)) == 1) {
        struct rev_bill *b;
        if (n == cap) {
            void *p = realloc(bills, (cap = cap ? cap * 2 : 16) * sizeof(*bills));
            if (!p) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            bills = p;
        }
        b = &bills[n++];
        b->id = db_col_int(st, 0);
        b->org_id = db_col_int(st, 1);
        snprintf(b->kind, sizeof(b->kind), "%s", db_col_text(st, 2));
        snprintf(b->status, sizeof(b->status), "%s", db_col_text(st, 3));
        b->amount = db_col_int(st, 4);
        b->share = db_col_int(st, 5);
        b->batch = db_col_int(st, 6);
        b->via_credit = db_col_int(st, 7) != 0;
    }
    db_done(st);
    /* the refund leaves the bank: refused when the money has been remitted or spent */
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        long long out = 0, bank = 0;
        bool first = true;
        for (size_t j = 0; j < n; j++) {
            if (bills[j].org_id != bills[i].org_id)
                continue;
            first = first && j >= i;
            if (strcmp(bills[j].status, "confirmed") == 0 &&
                !(strcmp(bills[j].kind, "regular") == 0 && bills[j].via_credit))
                out += bills[j].amount;
        }
        if (!first || !out || (rc = ledger_balance(db, bills[i].org_id, "bank", &bank, e)) < 0)
            continue;
        if (bank < out)
            rc = (errbuf_field(e, -ERR_CONFLICT, R_INSUFFICIENT_FUNDS, "payment_id", NULL,
                               "organization %lld has %lld fen in the bank, less than the %lld fen "
                               "to give back: the money has been remitted or spent",
                               bills[i].org_id, bank, out),
                  errbuf_limit(e, bank));
    }
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        const struct rev_bill *b = &bills[i];
        if (strcmp(b->status, "confirmed") == 0) {
            struct ledger_posting p[4];
            char key[96], orig_key[96];
            long long orig = 0, id;
            int np = dues_bill_postings(b->kind, b->via_credit, b->amount, b->share, b->org_id, p);
            struct ledger_entry_in in = {b->org_id, "confirm", key, dues_current_month(), 0,
                                         payment_id, "冲销错误缴费", actor};
            for (int k = 0; k < np; k++)
                p[k].amount_fen = -p[k].amount_fen;
            snprintf(orig_key, sizeof(orig_key), "confirm:%lld:%lld", b->batch, b->org_id);
            if ((rc = db_query_int(db, e, &orig, "SELECT id FROM ledger_entries WHERE idem_key = $1",
                                   "t", orig_key)) <= 0) {
                if (rc == 0)
                    rc = errbuf_set(e, -ERR_INTERNAL, "no confirmation entry for bill %lld", b->id);
                break;
            }
            in.reverses_id = orig;
            snprintf(key, sizeof(key), "reverse:%lld:%lld", payment_id, b->id);
            if ((rc = ledger_post(db, &in, p, (size_t)np, &id, e)) < 0)
                break;
            entries++;
            if (!ids)
                ids = json_array();
            json_array_append_new(ids, json_integer(id));
        }
        rc = db_run(db, e,
                    strcmp(b->kind, "regular") == 0
                        ? "UPDATE dues_bills SET status = 'unpaid', payment_id = NULL, paid_at = NULL,"
                          " via_credit = 0, batch_id = NULL, share_fen = NULL, confirmed_at = NULL"
                          " WHERE id = $1"
                        : "UPDATE dues_bills SET status = 'reversed' WHERE id = $1",
                    "i", b->id);
    }
    if (rc < 0 ||
        (rc = db_run(db, e,
                     "UPDATE dues_payments SET status = 'reversed', reversed_at = $2,"
                     " reversed_by = $3, reverse_reason = $4 WHERE id = $1",
                     "iiIt", payment_id, now, actor, reason)) < 0)
        goto fail;
    d = json_pack("{s:s, s:I, s:I}", "reason", reason, "bills", (json_int_t)n, "entries",
                  (json_int_t)entries);
    rc = audit_log(db, actor, org, "reverse", "dues_payment", payment_id, d, e);
    json_decref(d);
    if (rc < 0 || (rc = db_commit(db, e)) < 0)
        goto fail;
    free(bills);
    *ret = json_pack("{s:I, s:s, s:I, s:I, s:o}", "payment_id", (json_int_t)payment_id, "status",
                     "reversed", "bills", (json_int_t)n, "reversing_entries", (json_int_t)entries,
                     "entry_ids", ids ? ids : json_array());
    return 0;
fail:
    json_decref(ids);
    free(bills);
    db_rollback(db);
    return rc;
}
