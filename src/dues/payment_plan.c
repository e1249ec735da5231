/* Payments, the part that needs no transaction of its own: which channels there are, what a
 * payment covers (pay_plan: bills, months paid ahead, voluntary dues) and what it costs
 * (dues_payment_quote), the checks of a provider's notice, and the writes that settle a
 * payment once its money has arrived. */
#include "dues/payment_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "base/text.h"
#include "db/db.h"
#include "dues/base.h"
#include "dues/bill.h"
#include "dues/rules.h"
#include "dues/settings.h"
#include "org/tenant.h"
#include "base/banned.h"

static const struct {
    const char *code;
    bool online;
} channels[] = {
    {"wechat", true}, {"alipay", true}, {"unionpay", true},
    {"cash", false},  {"bank", false},  {"payroll", false},
};

bool dues_channel_valid(const char *channel, bool online)
{
    for (size_t i = 0; channel && i < sizeof(channels) / sizeof(channels[0]); i++)
        if (strcmp(channels[i].code, channel) == 0)
            return channels[i].online == online;
    return false;
}

const char *const pay_item_kinds[] = {"bill", "advance", "voluntary"};

int pay_cmp_known_member(const void *k, const void *v)
{
    long long id = *(const long long *)k, o = ((const struct pay_known_member *)v)->id;
    return id < o ? -1 : id > o;
}

/* The payer, active, from pf or else the database. */
static int pay_member_info(struct db *db, const struct pay_prefetch *pf, long long id,
                           struct pay_member *m, struct errbuf *e)
{
    char status[24] = "";
    int rc = 0;
    if (pf) {
        const struct pay_known_member *k =
            !pf->nmembers ? NULL : bsearch(&id, pf->members, pf->nmembers, sizeof(*pf->members), pay_cmp_known_member);
        if (k) {
            *m = k->m;
            snprintf(status, sizeof(status), "%s", k->status);
            rc = 1;
        }
    } else {
        struct db_stmt *st;
        if ((rc = db_prepare(db,
                             "SELECT org_id, category, party_status, status FROM members WHERE id = $1",
                             &st, e)) < 0)
            return rc;
        db_bind_int(st, 1, id);
        if ((rc = db_step(st, e)) == 1) {
            m->org_id = db_col_int(st, 0);
            snprintf(m->category, sizeof(m->category), "%s", db_col_text(st, 1));
            snprintf(m->party_status, sizeof(m->party_status), "%s", db_col_text(st, 2));
            snprintf(status, sizeof(status), "%s", db_col_text(st, 3));
        }
        db_done(st);
        if (rc < 0)
            return rc;
    }
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_MEMBER, "member_id", id,
                                "member %lld not found", id);
    if (strcmp(status, "active") != 0)
        return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "member_id", NULL,
                             "member %lld is not an active member (%s)", id, status),
                errbuf_value_int(e, id), errbuf_state(e, status));
    return 0;
}

int pay_cmp_known_bill(const void *k, const void *v)
{
    const struct pay_known_bill *a = k, *b = v;
    if (a->member != b->member)
        return a->member < b->member ? -1 : 1;
    return (a->month > b->month) - (a->month < b->month);
}

/* The member's regular bill of month (id 0: none), from pf or else the database. */
static int find_bill(struct db *db, const struct pay_prefetch *pf, long long member, int month,
                     struct pay_known_bill *ret, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    memset(ret, 0, sizeof(*ret));
    if (pf) {
        struct pay_known_bill key = {.member = member, .month = month};
        const struct pay_known_bill *k =
            !pf->nbills ? NULL : bsearch(&key, pf->bills, pf->nbills, sizeof(*pf->bills), pay_cmp_known_bill);
        if (k)
            *ret = *k;
        return 0;
    }
    if ((rc = db_prepare(db,
                         "SELECT id, status, amount_fen, published_at FROM dues_bills"
                         " WHERE member_id = $1 AND month = $2 AND kind = 'regular' AND seq = 0",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", member, (long long)month);
    if ((rc = db_step(st, e)) == 1) {
        ret->id = db_col_int(st, 0);
        snprintf(ret->status, sizeof(ret->status), "%s", db_col_text(st, 1));
        ret->amount_fen = db_col_int(st, 2);
        ret->published = !db_col_null(st, 3);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int pay_plan(struct db *db, const struct pay_prefetch *pf, const struct dues_pay_in *in,
             struct pay_member *m, struct pay_item *items, size_t *ret_n, long long *ret_total,
             struct errbuf *e)
{
    int cur = dues_current_month(), rc;
    long long back = DUES_DEFAULT_BACK_PAY, total = 0;
    struct dues_rules rules;
    size_t n = 0;
    rules.version = 0;
    bool back_read = false;
    if ((rc = pay_member_info(db, pf, in->member_id, m, e)) < 0)
        return rc;
    if (in->nmonths > DUES_MAX_MONTHS)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_MANY, "months", NULL,
                             "months: at most %d months in one payment", DUES_MAX_MONTHS),
                errbuf_limit(e, DUES_MAX_MONTHS));
    if (in->voluntary_fen < 0 || in->voluntary_fen > DUES_MAX_BASE_FEN)
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_AMOUNT, "voluntary_fen",
                                in->voluntary_fen, "voluntary_fen: %lld is not a plausible amount",
                                in->voluntary_fen);
    if (in->nmonths == 0 && in->voluntary_fen == 0)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "months", NULL,
                            "months: a payment needs months or voluntary_fen");
    for (size_t i = 0; i < in->nmonths; i++) {
        int month = in->months[i];
        struct pay_known_bill kb;
        long long bill, amount;
        const char *status;
        bool published;
        if (!month_valid(month))
            return errbuf_field_int(e, -ERR_INVALID, R_INVALID_MONTH, "months", month,
                                    "months: invalid month %d (YYYYMM)", month);
        for (size_t j = 0; j < i; j++)
            if (in->months[j] == month)
                return errbuf_field_int(e, -ERR_INVALID, R_DUPLICATE, "months", month,
                                        "months: %d appears twice", month);
        if (month > month_add(cur, DUES_AHEAD_MONTHS))
            return errbuf_field_int(e, -ERR_INVALID, R_OUT_OF_RANGE, "months", month,
                                    "months: %d is more than %d months ahead", month,
                                    DUES_AHEAD_MONTHS);
        /* back pay's limit matters for past months only: read once, when one comes */
        if (in->online && month < cur && !back_read) {
            if ((rc = dues_setting_int(db, "back_pay_months", DUES_DEFAULT_BACK_PAY, &back, e)) < 0)
                return rc;
            back_read = true;
        }
        if (in->online && month < month_add(cur, -(int)back))
            return (errbuf_field(e, -ERR_CONFLICT, R_OUT_OF_RANGE, "months", NULL,
                                 "months: %d is too old to pay online: back pay (补交) covers the "
                                 "last %lld months; see the branch's finance contact",
                                 month, back),
                    errbuf_value_int(e, month), errbuf_limit(e, back));
        if ((rc = find_bill(db, pf, in->member_id, month, &kb, e)) < 0)
            return rc;
        bill = kb.id;
        amount = kb.amount_fen;
        status = kb.status;
        published = kb.published;
        if (bill && strcmp(status, "no_base") == 0)
            return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "months", NULL,
                                 "months: %d has no amount yet: the income base is missing", month),
                    errbuf_value_int(e, month), errbuf_state(e, "base_missing"));
        if (bill && strcmp(status, "exempt") == 0)
            return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "months", NULL,
                                 "months: nothing is due for %d (exempt)", month),
                    errbuf_value_int(e, month), errbuf_state(e, "exempt"));
        if (bill && strcmp(status, "unpaid") != 0)
            return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "months", NULL,
                                 "months: %d is already paid", month),
                    errbuf_value_int(e, month), errbuf_state(e, "paid"));
        if (bill && published) {
            items[n++] = (struct pay_item){month, IT_BILL, bill, amount};
        } else if (month >= cur) {
            /* not billed (or not published) yet: paid ahead, at what it costs now */
            if (!bill && (rc = pay_quote(db, pf, in->member_id, m, month, &rules, &amount, e)) < 0)
                return rc;
            items[n++] = (struct pay_item){month, IT_ADVANCE, 0, amount};
        } else {
            if (bill)
                return (errbuf_field_int(e, -ERR_CONFLICT, R_WRONG_STATE, "months", month,
                                         "months: the dues of %d are not published yet", month),
                        errbuf_state(e, "unpublished"));
            return errbuf_field_int(e, -ERR_INVALID, R_NOT_FOUND, "months", month,
                                    "months: there is no dues bill for %d", month);
        }
        total += amount;
    }
    if (in->voluntary_fen > 0) {
        items[n++] = (struct pay_item){cur, IT_VOLUNTARY, 0, in->voluntary_fen};
        total += in->voluntary_fen;
    }
    *ret_n = n;
    *ret_total = total;
    return 0;
}

static json_t *items_json(const struct pay_item *items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:i, s:s, s:I}", "month", items[i].month, "kind",
                              pay_item_kinds[items[i].kind], "amount_fen",
                              (json_int_t)items[i].amount_fen);
        if (items[i].bill_id)
            json_object_set_new(o, "bill_id", json_integer(items[i].bill_id));
        json_array_append_new(a, o);
    }
    return a;
}

int dues_payment_quote(struct db *db, const struct dues_pay_in *in, json_t **ret,
                       struct errbuf *e)
{
    struct pay_item items[DUES_MAX_MONTHS + 1];
    struct pay_member m;
    size_t n = 0;
    long long total = 0;
    int rc = pay_plan(db, NULL, in, &m, items, &n, &total, e);
    if (rc < 0)
        return rc;
    *ret = json_pack("{s:o, s:I}", "items", items_json(items, n), "total_fen", (json_int_t)total);
    return 0;
}

/* A voluntary or advance row: a bill of the payment's month, paid by it. */
int pay_add_row(struct db *db, long long pid, long long member, const struct pay_member *m,
                   const char *kind, long long amount, long long paid_at, struct errbuf *e)
{
    long long tenant;
    int rc = tenant_of_org(db, m->org_id, &tenant, e);
    if (rc >= 0)
        rc = db_run(db, e,
                    "INSERT INTO dues_bills(member_id, month, kind, seq, org_id, category,"
                    " party_status, amount_fen, status, payment_id, paid_at, published_at,"
                    " created_at, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, 'paid', $4, $9,"
                    " $9, $9, $10)",
                    "iitiittiii", member, (long long)month_of_time(paid_at), kind, pid, m->org_id,
                    m->category, m->party_status, amount, paid_at, tenant);
    return rc < 0 ? rc : 0;
}

/* The money has arrived: the payment's bills paid, advances and voluntary dues recorded,
 * for member (whose organization and category are m) from items. A bill that some other
 * payment settled in the meantime turns into credit: no fen is lost. */
int pay_settle_items(struct db *db, long long pid, long long member,
                        const struct pay_member *mi, const struct pay_item *items, size_t n,
                        long long paid_at, struct errbuf *e)
{
    long long advance = 0, voluntary = 0;
    int rc;
    for (size_t i = 0; i < n; i++) {
        if (items[i].kind == IT_ADVANCE)
            advance += items[i].amount_fen;
        else if (items[i].kind == IT_VOLUNTARY)
            voluntary += items[i].amount_fen;
        else {
            rc = db_run(db, e,
                        "UPDATE dues_bills SET status = 'paid', payment_id = $2, paid_at = $3"
                        " WHERE id = $1 AND status = 'unpaid'",
                        "iii", items[i].bill_id, pid, paid_at);
            if (rc < 0)
                return rc;
            if (rc == 0)
                advance += items[i].amount_fen;
        }
    }
    if ((advance && (rc = pay_add_row(db, pid, member, mi, "advance", advance, paid_at, e)) < 0) ||
        (voluntary && (rc = pay_add_row(db, pid, member, mi, "voluntary", voluntary, paid_at, e)) < 0))
        return rc;
    return db_queue(db, e, "UPDATE dues_payments SET status = 'paid', paid_at = $2 WHERE id = $1",
                    "ii", pid, paid_at);
}

int pay_check_input(const struct dues_pay_in *in, struct errbuf *e)
{
    const char *ref = in->external_ref ? in->external_ref : "";
    if (!dues_channel_valid(in->channel, in->online))
        return errbuf_field(
            e, -ERR_INVALID, R_INVALID_CHOICE, "channel", in->channel,
            in->online ? "channel: '%.40s' is not an online channel (wechat, alipay, unionpay)"
                       : "channel: '%.40s' is not a collection channel (cash, bank, payroll)",
            in->channel ? in->channel : "");
    if (text_utf8_chars(ref) > 64 || (in->payer && text_utf8_chars(in->payer) > 64))
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "external_ref", NULL,
                             "external_ref and payer are at most 64 characters"),
                errbuf_limit(e, 64));
    return 0;
}

int pay_plan_amount(struct db *db, const struct pay_prefetch *pf, const struct dues_pay_in *in,
                    struct pay_member *m, struct pay_item *items, size_t *ret_n,
                    long long *ret_total, struct errbuf *e)
{
    long long total = 0;
    int rc;
    if ((rc = pay_plan(db, pf, in, m, items, ret_n, &total, e)) < 0)
        return rc;
    if (in->amount_fen != total)
        return (
            errbuf_field(e, -ERR_INVALID, R_MISMATCH, "amount_fen", NULL,
                         "amount_fen: %lld does not match the dues of the months paid, %lld fen",
                         in->amount_fen, total),
            errbuf_value_int(e, in->amount_fen), errbuf_limit(e, total));
    if (total <= 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_AMOUNT, "amount_fen", NULL,
                            "amount_fen: nothing to pay");
    *ret_total = total;
    return 0;
}

/* ---- the provider's notice */

static int notice_field(json_t *n, const char *key, json_t **ret, int type, struct errbuf *e)
{
    json_t *v = json_object_get(n, key);
    if (!v || (int)json_typeof(v) != type)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, key, NULL,
                            "field '%s' is required and must be %s", key,
                            type == JSON_STRING ? "a string" : "an integer");
    *ret = v;
    return 0;
}

int pay_notice_parse(json_t *notice, struct pay_notice *ret, struct errbuf *e)
{
    json_t *jref = NULL, *jid = NULL, *jamount = NULL, *jresult = NULL;
    json_t *jat = json_object_get(notice, "paid_at");
    const char *ref, *result;
    int rc;
    if (!json_is_object(notice))
        return errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, NULL, NULL,
                            "the notice must be a JSON object");
    if ((rc = notice_field(notice, "provider_ref", &jref, JSON_STRING, e)) < 0 ||
        (rc = notice_field(notice, "payment_id", &jid, JSON_INTEGER, e)) < 0 ||
        (rc = notice_field(notice, "amount_fen", &jamount, JSON_INTEGER, e)) < 0 ||
        (rc = notice_field(notice, "result", &jresult, JSON_STRING, e)) < 0)
        return rc;
    ref = json_string_value(jref);
    result = json_string_value(jresult);
    if (!*ref || text_utf8_chars(ref) > 64)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "provider_ref", NULL,
                             "field 'provider_ref' must be 1 to 64 characters"),
                errbuf_limit(e, 64));
    if (strcmp(result, "success") && strcmp(result, "failed"))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "result", NULL,
                            "field 'result' must be 'success' or 'failed'");
    if (jat && !json_is_integer(jat))
        return errbuf_field(e, -ERR_INVALID, R_NOT_INTEGER, "paid_at", NULL,
                            "field 'paid_at' must be an integer (UTC seconds)");
    ret->paid_at = jat ? json_integer_value(jat) : dues_now();
    if (ret->paid_at <= 0 || ret->paid_at > dues_now() + 300)
        return errbuf_field(e, -ERR_INVALID, R_IN_FUTURE, "paid_at", NULL,
                            "field 'paid_at' is not a past instant");
    ret->ref = ref;
    ret->pid = json_integer_value(jid);
    ret->amount = json_integer_value(jamount);
    ret->success = strcmp(result, "success") == 0;
    return 0;
}
