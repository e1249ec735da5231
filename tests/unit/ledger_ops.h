/* The operations of the ledger property test: each draws its arguments from the PRNG and the
 * model's state, asks the model (ledger_model*.h) what must happen, calls the code under
 * test, and compares the answer; the step's writes are checked afterwards (ledger_check.h).
 * Header-only, for test_ledger_property.c. */
#ifndef TESTS_UNIT_LEDGER_OPS_H
#define TESTS_UNIT_LEDGER_OPS_H

#include "base/month.h"
#include "dues/api.h"
#include "dues/arrears.h"
#include "dues/base.h"
#include "dues/confirm.h"
#include "dues/payment.h"
#include "dues/remit.h"
#include "org/scope.h"
#include "ledger_check.h"

/* ---- the PRNG (splitmix64): the whole run follows from the seed */

static unsigned long long rnd(struct world *w)
{
    unsigned long long z = (w->rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int pick(struct world *w, int n)
{
    return n > 0 ? (int)(rnd(w) % (unsigned long long)n) : 0;
}

static long long pick_ll(struct world *w, long long n)
{
    return n > 0 ? (long long)(rnd(w) % (unsigned long long)n) : 0;
}

/* bases around the band edges, and between them */
static const long long base_fens[] = {150000, 300000, 300001,  420000,  500000,
                                      500001, 777777, 1000000, 1000001, 2600033};

static long long random_base(struct world *w)
{
    return pick(w, 3) ? base_fens[pick(w, (int)(sizeof(base_fens) / sizeof(base_fens[0])))]
                      : 100000 + pick(w, 2500000);
}

/* ---- helpers */

static void expect_rc(struct world *w, int kind, int got, int want, const struct errbuf *e)
{
    if (got != want)
        prop_fail(w, "returned %d (%s: %s), the model says %d (%s)", got, err_name(got), e->msg,
                  want, err_name(want));
    if (got < 0)
        w->refused[kind]++;
    else
        w->ok[kind]++;
}

static void expect_eq(struct world *w, const char *what, long long got, long long want)
{
    if (got != want)
        prop_fail(w, "%s is %lld, the model says %lld", what, got, want);
}

/* A month back from now, not before the first (then now). */
static int month_back(struct world *w, int n)
{
    int m = lm_month_add(w->M.cur, -n);
    return m < LM_FIRST_MONTH ? w->M.cur : m;
}

static void describe(struct world *w, const char *what, int member, const int *months, int n,
                     long long voluntary, long long amount)
{
    int len = snprintf(w->op, sizeof(w->op), "%s: member %d, voluntary %lld, amount %lld, months",
                       what, member, voluntary, amount);
    for (int i = 0; i < n && len < (int)sizeof(w->op) - 8; i++)
        len += snprintf(w->op + len, sizeof(w->op) - (size_t)len, " %d", months[i]);
}

/* The months a payment asks for, as a member or a clerk would pick them: some of what is
 * owed, a month paid already or not billed, back pay, months ahead; up to 8. */
static int choose_months(struct world *w, int member, bool online, int *months)
{
    int n = 0, r = pick(w, 100);
    if (r < 60) {
        int from = online ? lm_month_add(w->M.cur, -LM_BACK) : LM_FIRST_MONTH;
        for (int m = from < LM_FIRST_MONTH ? LM_FIRST_MONTH : from; m <= w->M.cur && n < 3;
             m = lm_month_add(m, 1)) {
            const struct lm_bill *b = lm_reg(&w->M, member, m);
            if (b && b->status == LS_UNPAID && b->published_at && pick(w, 3))
                months[n++] = m;
        }
    } else if (r < 72) {
        months[n++] = month_back(w, pick(w, 8));
    } else if (r < 78) {
        months[n++] = month_back(w, LM_BACK + 1 + pick(w, 6));
    }
    if (r >= 60 && r < 90 && pick(w, 2)) { /* ahead, up to a year; now and then too far */
        int m = lm_month_add(w->M.cur, 1 + pick(w, 10));
        for (int k = pick(w, 4); k >= 0; k--, m = lm_month_add(m, 1))
            months[n++] = pick(w, 20) ? m : lm_month_add(w->M.cur, LM_AHEAD + 1);
    }
    if (r < 60 && n == 0) /* nothing owed: a month paid already, as often as not */
        months[n++] = month_back(w, pick(w, 3));
    if (n > 1 && pick(w, 40) == 0)
        months[n - 1] = months[0]; /* a month twice */
    return n;
}

/* A member to pay for: now and then anyone, mostly one who owes something (of the months a
 * payment may cover online when online). */
static int choose_payer(struct world *w, bool online)
{
    int member = pick(w, LM_MEMBERS);
    for (int k = 0; k < 4 && pick(w, 5); k++, member = pick(w, LM_MEMBERS)) {
        int from = online ? lm_month_add(w->M.cur, -LM_BACK) : LM_FIRST_MONTH;
        for (int m = from < LM_FIRST_MONTH ? LM_FIRST_MONTH : from; m <= w->M.cur;
             m = lm_month_add(m, 1)) {
            const struct lm_bill *b = lm_reg(&w->M, member, m);
            if (b && b->status == LS_UNPAID && b->published_at)
                return member;
        }
    }
    return member;
}

/* Voluntary dues now and then, large ones (1000 yuan or more) now and then among them. */
static long long choose_voluntary(struct world *w)
{
    if (pick(w, 10))
        return 0;
    return pick(w, 10) ? 1 + pick(w, 50000) : LM_SPECIAL + pick(w, 200000);
}

static json_t *months_json(const int *months, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_integer(months[i]));
    return a;
}

static void req_release(struct req *r)
{
    json_decref(r->reply);
    json_decref(r->err_details);
    json_decref(r->err_extra);
    free(r->raw);
}

static void add_index(int **arr, int *n, int *cap, int v)
{
    LM_GROW(*arr, *n, *cap);
    (*arr)[(*n)++] = v;
}

static void finance_of(struct world *w, struct auth *a, int org)
{
    memset(a, 0, sizeof(*a));
    a->nroles = 1;
    a->roles[0].role = ROLE_FINANCE;
    a->roles[0].org_id = w->M.orgs[org].id;
    snprintf(a->roles[0].org_path, sizeof(a->roles[0].org_path), "%s", w->M.orgs[org].path);
}

/* A payment the model and the code agree on, now in the model; online ones wait. */
static void paid(struct world *w, long long id, int member, const struct lm_item *items, int n,
                 long long total, bool online, const char *channel, const char *payer)
{
    lm_pay(&w->M, id, member, items, n, total, online, channel, payer);
    if (online)
        add_index(&w->pending, &w->npending, &w->cappending, w->M.npays - 1);
}

/* ---- the operations */

static void op_generate(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_gen_stats s = {0};
    long long created, filled;
    int r = pick(w, 100), rc, want;
    int month = r < 80   ? w->M.cur
                : r < 95 ? month_back(w, 1 + pick(w, 3))
                         : lm_month_add(w->M.cur, 1);
    snprintf(w->op, sizeof(w->op), "generate %d", month);
    want = lm_generate(&w->M, month, &created, &filled);
    rc = dues_generate(w->db, month, NULL, 0, &s, &e);
    if (rc == 0)
        json_decref(s.missing);
    expect_rc(w, kind, rc, want, &e);
    if (rc == 0) {
        expect_eq(w, "bills created", s.created, created);
        expect_eq(w, "bills filled", s.filled, filled);
    }
}

static void op_publish(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_pub_stats s;
    long long bills, amount, credited;
    int r = pick(w, 100), org = pick(w, LM_ORGS), rc, want;
    int month = r < 70   ? w->M.cur
                : r < 90 ? month_back(w, 1 + pick(w, 2))
                         : lm_month_add(w->M.cur, 1);
    snprintf(w->op, sizeof(w->op), "publish %d under organization %d", month, org);
    want = lm_publish(&w->M, month, org, &bills, &amount, &credited);
    rc = dues_publish(w->db, month, w->M.orgs[org].id, w->M.orgs[org].path, 0, &s, &e);
    expect_rc(w, kind, rc, want, &e);
    if (rc == 0) {
        expect_eq(w, "bills published", s.bills, bills);
        expect_eq(w, "amount published", s.amount_fen, amount);
        expect_eq(w, "bills settled from credit", s.credited, credited);
    }
}

/* A cash or bank collection recorded by finance (now and then for another person). */
static void op_collect(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    struct lm_item items[LM_MAX_MONTHS + 1];
    int member = choose_payer(w, false), months[8], n = choose_months(w, member, false, months);
    int ni = 0, rc, want;
    long long vol = choose_voluntary(w), total = 0, id = 0;
    const char *channel = pick(w, 30) ? (pick(w, 2) ? "cash" : "bank") : "alipay";
    const char *payer = pick(w, 5) ? NULL : "家属代缴";
    bool wrong = pick(w, 20) == 0;
    want = lm_plan(&w->M, member, months, n, vol, false, items, &ni, &total);
    struct dues_pay_in in = {w->M.members[member].id,
                             months,
                             (size_t)n,
                             vol,
                             total + (wrong ? 1 - 2 * pick(w, 2) : 0),
                             channel,
                             "收据",
                             payer,
                             false,
                             0,
                             0};
    if (strcmp(channel, "alipay") == 0 || (want == 0 && wrong))
        want = -ERR_INVALID; /* an online channel for a collection; a wrong amount */
    describe(w, channel, member, months, n, vol, in.amount_fen);
    must_ok(w, db_begin(w->db, &e), &e, "begin");
    rc = dues_payment_create(w->db, &in, &id, &e);
    if (rc < 0)
        db_rollback(w->db);
    else
        must_ok(w, db_commit(w->db, &e), &e, "commit");
    expect_rc(w, kind, rc, want, &e);
    if (rc == 0)
        paid(w, id, member, items, ni, total, false, channel, payer);
}

/* A member pays online through the API; the provider's notice comes in a later step. */
static void op_online(struct world *w, int kind)
{
    static const char *const channels[] = {"wechat", "alipay", "unionpay", "cash"};
    struct errbuf e = ERRBUF_INIT;
    struct lm_item items[LM_MAX_MONTHS + 1];
    struct req r;
    int member = choose_payer(w, true), months[8], n = choose_months(w, member, true, months);
    int ni = 0, rc, want;
    long long vol = choose_voluntary(w), total = 0, id = 0, amount;
    const char *channel = channels[pick(w, 30) ? pick(w, 3) : 3];
    json_t *body;
    want = lm_plan(&w->M, member, months, n, vol, true, items, &ni, &total);
    amount = total + (pick(w, 20) == 0 ? 1 : 0);
    if (strcmp(channel, "cash") == 0 || (want == 0 && amount != total))
        want = -ERR_INVALID;
    describe(w, "pay online", member, months, n, vol, amount);
    body = json_pack("{s:o, s:I, s:s}", "months", months_json(months, n), "amount_fen",
                     (json_int_t)amount, "channel", channel);
    if (vol)
        json_object_set_new(body, "voluntary_fen", json_integer(vol));
    if (pick(w, 5) == 0) /* naming oneself is allowed */
        json_object_set_new(body, "member_id", json_integer(w->M.members[member].id));
    memset(&r, 0, sizeof(r));
    r.db = w->db;
    r.json = body;
    r.auth.member_id = w->M.members[member].id;
    rc = api_dues_pay(&r, &e);
    if (rc == 0)
        id = json_integer_value(json_object_get(r.reply, "id"));
    req_release(&r);
    json_decref(body);
    expect_rc(w, kind, rc, want, &e);
    if (rc == 0)
        paid(w, id, member, items, ni, total, true, channel, NULL);
}

/* The provider's notice: ref for payment id, as the model answers it. */
static void notice(struct world *w, int kind, const char *ref, long long id, long long amount,
                   const char *result)
{
    struct errbuf e = ERRBUF_INIT;
    json_t *n = json_pack("{s:s, s:I, s:I, s:s}", "provider_ref", ref, "payment_id", (json_int_t)id,
                          "amount_fen", (json_int_t)amount, "result", result);
    json_t *out = NULL;
    int want, rc, dup;
    snprintf(w->op, sizeof(w->op), "notice '%s' for payment %lld: %lld fen, %s", ref, id, amount,
             result);
    want = lm_callback(&w->M, ref, id, amount, result);
    rc = dues_callback_apply(w->db, n, &out, &e);
    dup = rc == 0 && json_is_true(json_object_get(out, "duplicate"));
    json_decref(out);
    json_decref(n);
    expect_rc(w, kind, rc, want == 1 ? 0 : want, &e);
    if (rc == 0 && dup != (want == 1))
        prop_fail(w, "duplicate is %d, the model says %d", dup, want == 1);
    if (want == 0)
        add_index(&w->notified, &w->nnotified, &w->capnotified, lm_pay_index(&w->M, id));
}

static void op_notice(struct world *w, int kind)
{
    char ref[48];
    int r = pick(w, 100), p = -1;
    const struct lm_payment *P;
    while (w->npending && p < 0) {
        int j = pick(w, w->npending);
        if (w->M.pays[w->pending[j]].status == LP_PENDING)
            p = w->pending[j];
        else
            w->pending[j] = w->pending[--w->npending];
    }
    if (p < 0) { /* nothing waits: a notice for a collection */
        p = pick(w, w->M.npays);
        if (!w->M.npays) {
            notice(w, kind, "PRV-none", 1, 100, "success");
            return;
        }
    }
    P = &w->M.pays[p];
    snprintf(ref, sizeof(ref), "PRV%lld-%lld", P->id, w->step);
    notice(w, kind, ref, P->id, P->amount + (r >= 97),
           r < 88   ? "success"
           : r < 94 ? "failed"
           : r < 97 ? "succeeded"
                    : "success");
}

/* The same notice again, a reference reused for another payment, a notice for a payment
 * that is not waiting or does not exist. */
static void op_notice_again(struct world *w, int kind)
{
    char ref[48];
    int r = pick(w, 100);
    if (w->nnotified && r < 70) {
        const struct lm_payment *P = &w->M.pays[w->notified[pick(w, w->nnotified)]];
        const struct lm_payment *Q = r < 50 ? P : &w->M.pays[pick(w, w->M.npays)];
        notice(w, kind, P->ref, Q->id, Q->amount,
               P->status == LP_FAILED && P == Q ? "failed" : "success");
        return;
    }
    snprintf(ref, sizeof(ref), "PRV-again-%lld", w->step);
    if (w->M.npays && r < 85) {
        const struct lm_payment *P = &w->M.pays[pick(w, w->M.npays)];
        notice(w, kind, ref, P->id, P->amount, "success");
    } else {
        notice(w, kind, ref, w->M.npays + 1000, 100, "success");
    }
}

/* A member paying another member's dues online, finance collecting outside its subtree:
 * refused, nothing written. */
static void op_illegitimate(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    struct req r;
    int a = pick(w, LM_MEMBERS), b = (a + 1 + pick(w, LM_MEMBERS - 1)) % LM_MEMBERS;
    int how = pick(w, 3), month = w->M.cur, rc;
    long long bill = 0;
    json_t *body;
    memset(&r, 0, sizeof(r));
    r.db = w->db;
    for (int m = w->M.cur; how == 1 && !bill && m >= LM_FIRST_MONTH; m = lm_month_add(m, -1))
        if (lm_reg(&w->M, b, m) && lm_reg(&w->M, b, m)->db_id)
            bill = lm_reg(&w->M, b, m)->db_id;
    if (how == 2) { /* finance of a branch or unit that does not hold member b */
        int org;
        do
            org = 1 + pick(w, LM_ORGS - 1);
        while (lm_in_subtree(&w->M, w->M.members[b].org, org));
        finance_of(w, &r.auth, org);
        snprintf(w->op, sizeof(w->op), "finance of organization %d collects from member %d", org,
                 b);
        body = json_pack("{s:[{s:I, s:[i], s:I, s:s, s:s}]}", "items", "member_id",
                         (json_int_t)w->M.members[b].id, "months", month, "amount_fen",
                         (json_int_t)100, "channel", "cash", "payer", "越权代收");
        r.json = body;
        rc = api_dues_collect(&r, &e);
    } else {
        r.auth.member_id = w->M.members[a].id;
        snprintf(w->op, sizeof(w->op), "member %d pays member %d's %s", a, b,
                 bill ? "bill by its id" : "month");
        body =
            bill ? json_pack("{s:[I], s:I, s:s}", "bill_ids", (json_int_t)bill, "amount_fen",
                             (json_int_t)100, "channel", "wechat")
                 : json_pack("{s:I, s:[i], s:I, s:s}", "member_id", (json_int_t)w->M.members[b].id,
                             "months", month, "amount_fen", (json_int_t)100, "channel", "wechat");
        r.json = body;
        rc = api_dues_pay(&r, &e);
    }
    r.json = NULL;
    req_release(&r);
    json_decref(body);
    expect_rc(w, kind, rc, -ERR_FORBIDDEN, &e);
}

/* Finance records a collection a relative or another member paid (代缴), through the API. */
static void op_proxy(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    struct lm_item items[LM_MAX_MONTHS + 1];
    struct req r;
    int member = choose_payer(w, false), months[8], n = choose_months(w, member, false, months);
    int org = w->M.members[member].org, up = pick(w, 3), ni = 0, rc, want;
    long long vol = choose_voluntary(w), total = 0, id = 0, amount;
    const char *payer = pick(w, 2) ? "配偶代缴" : "同支部党员代缴";
    json_t *body, *item;
    want = lm_plan(&w->M, member, months, n, vol, false, items, &ni, &total);
    amount = total - (pick(w, 20) == 0);
    if (want < 0 || amount != total)
        want = -ERR_INVALID; /* the reply names the bad item; the request as a whole is invalid */
    while (up-- > 0 && w->M.orgs[org].parent >= 0)
        org = w->M.orgs[org].parent;
    describe(w, "proxy collection", member, months, n, vol, amount);
    item = json_pack("{s:I, s:o, s:I, s:s, s:s}", "member_id", (json_int_t)w->M.members[member].id,
                     "months", months_json(months, n), "amount_fen", (json_int_t)amount, "channel",
                     "cash", "payer", payer);
    if (vol)
        json_object_set_new(item, "voluntary_fen", json_integer(vol));
    body = json_pack("{s:[o]}", "items", item);
    memset(&r, 0, sizeof(r));
    r.db = w->db;
    r.json = body;
    finance_of(w, &r.auth, org);
    rc = api_dues_collect(&r, &e);
    if (rc == 0)
        id = json_integer_value(json_array_get(json_object_get(r.reply, "ids"), 0));
    req_release(&r);
    json_decref(body);
    expect_rc(w, kind, rc, want, &e);
    if (rc == 0)
        paid(w, id, member, items, ni, total, false, "cash", payer);
}

#endif
