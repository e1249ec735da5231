/* The model's payments and books (see ledger_model.h): paying, the provider's notice,
 * one-click confirmation, reversal, remittance, expenditure, closing a month. Each lm_*
 * operation returns what the code must answer and changes the model only when it succeeds. */
#ifndef TESTS_UNIT_LEDGER_MODEL_BOOKS_H
#define TESTS_UNIT_LEDGER_MODEL_BOOKS_H

#include "ledger_model.h"

/* What paying months (and voluntary dues) costs now, checked as the payment would be:
 * the items into items, the total into *ret_total. */
static int lm_plan(struct lm *M, int member, const int *months, int n, long long voluntary,
                   bool online, struct lm_item *items, int *ret_n, long long *ret_total)
{
    const struct lm_member *m = &M->members[member];
    long long total = 0;
    int k = 0;
    if (n > LM_MAX_MONTHS || voluntary < 0 || voluntary > LM_MAX_BASE || (n == 0 && !voluntary))
        return -ERR_INVALID;
    for (int i = 0; i < n; i++) {
        int month = months[i];
        struct lm_bill *b;
        long long amount;
        if (!lm_month_valid(month) || month > lm_month_add(M->cur, LM_AHEAD))
            return -ERR_INVALID;
        for (int j = 0; j < i; j++)
            if (months[j] == month)
                return -ERR_INVALID;
        if (online && month < lm_month_add(M->cur, -LM_BACK))
            return -ERR_CONFLICT; /* back pay older than six months goes through finance */
        b = lm_reg(M, member, month);
        if (b && b->status != LS_UNPAID)
            return -ERR_CONFLICT; /* base missing, exempt, or paid already */
        if (b && b->published_at) {
            items[k++] = (struct lm_item){month, LI_BILL, (int)(b - M->bills), b->amount};
            amount = b->amount;
        } else if (month >= M->cur) {
            if (b)
                amount = b->amount;
            else if (lm_calc(m, month, lm_base_for(m, month, true), &amount) != LS_UNPAID ||
                     amount <= 0)
                return -ERR_CONFLICT;
            items[k++] = (struct lm_item){month, LI_ADVANCE, -1, amount};
        } else {
            return b ? -ERR_CONFLICT : -ERR_INVALID;
        }
        total += amount;
    }
    if (voluntary) {
        items[k++] = (struct lm_item){M->cur, LI_VOLUNTARY, -1, voluntary};
        total += voluntary;
    }
    *ret_n = k;
    *ret_total = total;
    return 0;
}

/* The money has arrived: the payment's bills paid (a bill that another payment settled in
 * the meantime turns into credit), its advance and voluntary rows made. */
static void lm_settle(struct lm *M, int p)
{
    struct lm_payment *P = &M->pays[p];
    long long adv = 0, vol = 0;
    int member = P->member;
    for (int i = 0; i < P->nitems; i++) {
        const struct lm_item *it = &P->items[i];
        struct lm_bill *b = it->kind == LI_BILL ? &M->bills[it->bill] : NULL;
        if (it->kind == LI_ADVANCE || (b && b->status != LS_UNPAID))
            adv += it->amount;
        else if (it->kind == LI_VOLUNTARY)
            vol += it->amount;
        else {
            b->status = LS_PAID;
            b->pay = P->id;
            b->paid_at = M->now;
            b->paid_month = M->cur;
            lm_touch_bill(M, it->bill);
        }
    }
    for (int k = 0; k < 2; k++) {
        long long amount = k ? vol : adv;
        struct lm_bill *b;
        int i;
        if (!amount)
            continue;
        i = lm_new_bill(M, member, M->cur, k ? LK_VOLUNTARY : LK_ADVANCE, P->id);
        b = &M->bills[i]; /* after the call: it may move the array */
        P->rows[k] = i;
        b->amount = amount;
        b->status = LS_PAID;
        b->published_at = b->paid_at = M->now;
        b->paid_month = M->cur;
        b->pay = P->id;
    }
    P->status = LP_PAID;
    P->paid_at = M->now;
    M->tables |= LT_BILL | LT_PAYMENT;
}

/* Record payment id that lm_plan accepted: a collection is paid at once. */
static void lm_pay(struct lm *M, long long id, int member, const struct lm_item *items, int n,
                   long long total, bool online, const char *channel, const char *payer)
{
    struct lm_payment *P;
    LM_GROW(M->pays, M->npays, M->cappays);
    P = &M->pays[M->npays];
    memset(P, 0, sizeof(*P));
    P->id = id;
    P->member = member;
    P->org = M->members[member].org;
    P->online = online;
    P->status = LP_PENDING;
    P->amount = total;
    P->rows[0] = P->rows[1] = -1;
    snprintf(P->channel, sizeof(P->channel), "%s", channel);
    snprintf(P->payer, sizeof(P->payer), "%s", payer ? payer : "");
    P->nitems = n;
    memcpy(P->items, items, (size_t)n * sizeof(*items));
    lm_touch_pay(M, M->npays);
    M->tables |= LT_PAYMENT | LT_ITEM;
    if (!online)
        lm_settle(M, M->npays);
    M->npays++;
}

static unsigned lm_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot of provider reference ref in the table: its payment's, or the free one. */
static int lm_ref_slot(const struct lm *M, const char *ref)
{
    unsigned k = lm_hash(ref) & (unsigned)(M->caprefs - 1);
    while (M->refs[k] >= 0 && strcmp(M->pays[M->refs[k]].ref, ref) != 0)
        k = (k + 1) & (unsigned)(M->caprefs - 1);
    return (int)k;
}

static void lm_ref_add(struct lm *M, int p)
{
    if (2 * ++M->nrefs >= M->caprefs) { /* keep it at most half full */
        M->caprefs = M->caprefs ? 2 * M->caprefs : 1024;
        free(M->refs);
        if (!(M->refs = malloc((size_t)M->caprefs * sizeof(int))))
            abort();
        memset(M->refs, 0xff, (size_t)M->caprefs * sizeof(int));
        for (int i = 0; i < M->npays; i++)
            if (M->pays[i].ref[0] && i != p)
                M->refs[lm_ref_slot(M, M->pays[i].ref)] = i;
    }
    M->refs[lm_ref_slot(M, M->pays[p].ref)] = p;
}

/* The provider's notice: 1 when the reference was seen before for the same payment. */
static int lm_callback(struct lm *M, const char *ref, long long id, long long amount,
                       const char *result)
{
    int p, k;
    if (!*ref || (strcmp(result, "success") && strcmp(result, "failed")))
        return -ERR_INVALID;
    if (M->caprefs && M->refs[k = lm_ref_slot(M, ref)] >= 0)
        return M->pays[M->refs[k]].id == id ? 1 : -ERR_CONFLICT;
    if ((p = lm_pay_index(M, id)) < 0 || !M->pays[p].online)
        return -ERR_NOTFOUND;
    if (M->pays[p].status != LP_PENDING)
        return -ERR_CONFLICT;
    if (amount != M->pays[p].amount)
        return -ERR_INVALID;
    if (strcmp(result, "success") == 0)
        lm_settle(M, p);
    else
        M->pays[p].status = LP_FAILED;
    snprintf(M->pays[p].ref, sizeof(M->pays[p].ref), "%s", ref);
    lm_ref_add(M, p);
    lm_touch_pay(M, p);
    M->tables |= LT_PAYMENT;
    return 0;
}

/* The postings confirming bill b made (sign 1) or its reversal makes (sign -1). */
static void lm_bill_post(struct lm *M, const struct lm_bill *b, int sign)
{
    long long a = sign * b->amount, s = sign * b->share;
    if (b->kind == LK_ADVANCE) {
        lm_post(M, b->org, LA_BANK, a);
        lm_post(M, b->org, LA_PREPAID, -a);
        return;
    }
    if (b->kind == LK_VOLUNTARY && b->amount >= LM_SPECIAL) {
        lm_post(M, b->org, LA_BANK, a);
        lm_post(M, b->org, LA_SPECIAL, -a);
        return;
    }
    lm_post(M, b->org, b->kind == LK_VOLUNTARY || !b->via_credit ? LA_BANK : LA_PREPAID, a);
    lm_post(M, b->org, b->kind == LK_VOLUNTARY ? LA_INCOME : LA_RECEIVABLE, -a);
    lm_post(M, b->org, LA_INCOME, s);
    lm_post(M, b->org, LA_PAYABLE, -s);
}

static void lm_mark_one(struct lm *M, int i, long long batch, bool in_batch[LM_ORGS],
                        long long *ret_bills, long long *ret_amount)
{
    struct lm_bill *b = &M->bills[i];
    b->status = LS_CONFIRMED;
    b->batch = batch;
    b->confirmed_at = M->now;
    b->share = b->kind == LK_ADVANCE || (b->kind == LK_VOLUNTARY && b->amount >= LM_SPECIAL) ||
                       M->orgs[b->org].parent < 0
                   ? 0
                   : lm_round(b->amount, M->orgs[b->org].share_bp);
    lm_bill_post(M, b, 1);
    lm_touch_bill(M, i);
    in_batch[b->org] = true;
    (*ret_bills)++;
    *ret_amount += b->amount;
}

/* Confirm month's paid rows in org's subtree: the advances (members[] gets their members),
 * or the regular bills and voluntary rows. */
static void lm_mark(struct lm *M, int month, int org, bool advances, long long batch,
                    bool in_batch[LM_ORGS], bool members[LM_MEMBERS], long long *ret_bills,
                    long long *ret_amount)
{
    int k = lm_month_index(month);
    for (int i = 0; !advances && i < LM_MEMBERS; i++) {
        struct lm_bill *b = lm_reg(M, i, month);
        if (b && b->status == LS_PAID && lm_in_subtree(M, b->org, org))
            lm_mark_one(M, (int)(b - M->bills), batch, in_batch, ret_bills, ret_amount);
    }
    for (int j = 0; k >= 0 && k < LM_MONTHS && j < M->nextra[k]; j++) {
        struct lm_bill *b = &M->bills[M->extra[k][j]];
        if (b->status != LS_PAID || (b->kind == LK_ADVANCE) != advances ||
            !lm_in_subtree(M, b->org, org))
            continue;
        lm_mark_one(M, M->extra[k][j], batch, in_batch, ret_bills, ret_amount);
        members[b->member] = true;
    }
}

/* One-click confirmation of month in org's subtree as batch (the id the code gave; 0 when
 * it found nothing to do). */
static int lm_confirm(struct lm *M, int month, int org, long long batch, long long *ret_bills,
                      long long *ret_amount, long long *ret_credited)
{
    bool any = false, in_batch[LM_ORGS] = {false}, members[LM_MEMBERS] = {false};
    *ret_bills = *ret_amount = *ret_credited = 0;
    for (int i = 0; i < LM_MEMBERS; i++) {
        struct lm_bill *b = lm_reg(M, i, month);
        if (b && b->published_at && lm_in_subtree(M, b->org, org))
            any = true;
    }
    if (!any)
        return -ERR_CONFLICT;
    lm_mark(M, month, org, true, batch, in_batch, members, ret_bills, ret_amount);
    for (int i = 0; i < LM_MEMBERS; i++)
        if (members[i])
            *ret_credited += lm_apply_credit(M, i);
    lm_mark(M, month, org, false, batch, in_batch, members, ret_bills, ret_amount);
    for (int o = 0; o < LM_ORGS; o++)
        M->entries += in_batch[o];
    if (*ret_bills)
        M->tables |= LT_BILL | LT_ENTRY | LT_BATCH;
    return 0;
}

/* The bills payment p paid or settled from its credit, and its advance and voluntary rows,
 * still paid or confirmed: their model indices into out (LM_MONTHS + the member's rows). */
static int lm_pay_bills(const struct lm *M, int p, int *out)
{
    const struct lm_payment *P = &M->pays[p];
    const struct lm_member *m = &M->members[P->member];
    int n = 0;
    for (int j = 0; j < LM_MONTHS; j++) {
        int k = M->reg[P->member][j];
        if (k >= 0 && M->bills[k].pay == P->id &&
            (M->bills[k].status == LS_PAID || M->bills[k].status == LS_CONFIRMED))
            out[n++] = k;
    }
    for (int j = 0; j < m->nrows; j++) {
        const struct lm_bill *b = &M->bills[m->rows[j]];
        if (b->seq == P->id && (b->status == LS_PAID || b->status == LS_CONFIRMED))
            out[n++] = m->rows[j];
    }
    return n;
}

/* Reverse payment id (reason_ok: a reason was given): each confirmed bill's postings
 * flipped, regular bills unpaid again, advance and voluntary rows reversed. */
static int lm_reverse(struct lm *M, long long id, bool reason_ok)
{
    int p = lm_pay_index(M, id), n, idx[LM_MONTHS + 2];
    long long out[LM_ORGS] = {0};
    if (!reason_ok)
        return -ERR_INVALID;
    if (p < 0)
        return -ERR_NOTFOUND;
    if (M->pays[p].status != LP_PAID)
        return -ERR_CONFLICT;
    n = lm_pay_bills(M, p, idx);
    for (int i = 0; i < n; i++) {
        const struct lm_bill *b = &M->bills[idx[i]];
        if (b->status == LS_CONFIRMED && !(b->kind == LK_REGULAR && b->via_credit))
            out[b->org] += b->amount;
    }
    for (int o = 0; o < LM_ORGS; o++)
        if (out[o] && M->bal[o][LA_BANK] < out[o])
            return -ERR_CONFLICT; /* the money has been remitted or spent */
    for (int i = 0; i < n; i++) {
        struct lm_bill *b = &M->bills[idx[i]];
        if (b->status == LS_CONFIRMED) {
            lm_bill_post(M, b, -1);
            M->entries++;
        }
        if (b->kind == LK_REGULAR) {
            b->status = LS_UNPAID;
            b->pay = b->paid_at = b->batch = b->confirmed_at = 0;
            b->paid_month = 0;
            b->via_credit = false;
            b->share = -1;
        } else {
            b->status = LS_REVERSED;
        }
        lm_touch_bill(M, idx[i]);
    }
    M->pays[p].status = LP_REVERSED;
    lm_touch_pay(M, p);
    M->tables |= LT_BILL | LT_PAYMENT | LT_ENTRY;
    return 0;
}

/* A request key seen before: 1 for the same organization, -ERR_CONFLICT for another, else
 * 0 (and the key is kept when keep). which: 0 remittances, 1 expenses. */
static int lm_key(struct lm *M, int which, const char *key, int org, bool keep)
{
    if (!key)
        return 0;
    for (int i = 0; i < M->nkeys[which]; i++)
        if (strcmp(M->keys[which][i].key, key) == 0)
            return M->keys[which][i].org == org ? 1 : -ERR_CONFLICT;
    if (keep) {
        LM_GROW(M->keys[which], M->nkeys[which], M->capkeys[which]);
        snprintf(M->keys[which][M->nkeys[which]].key, sizeof(M->keys[0][0].key), "%s", key);
        M->keys[which][M->nkeys[which]++].org = org;
    }
    return 0;
}

/* Remittance of amount (0: all that is owed) and all large voluntary dues to the parent. */
static int lm_remit(struct lm *M, int org, long long amount, const char *key, long long *ret_amount,
                    long long *ret_special)
{
    int parent = M->orgs[org].parent, rc;
    long long payable = -M->bal[org][LA_PAYABLE], special = -M->bal[org][LA_SPECIAL], share = 0;
    if ((key && !*key) || amount < 0)
        return -ERR_INVALID;
    if ((rc = lm_key(M, 0, key, org, false)) != 0)
        return rc;
    if (parent < 0)
        return -ERR_INVALID;
    if (!amount)
        amount = payable;
    if (amount > payable || amount + special <= 0 || M->bal[org][LA_BANK] < amount + special)
        return -ERR_CONFLICT;
    /* "all" of a payable in debit (a refund after the share went up) is a negative amount:
     * the refund nets against the large voluntary dues that go up with it */
    M->netting += amount < 0;
    if (M->orgs[parent].parent >= 0)
        share = lm_round(amount, M->orgs[parent].share_bp);
    lm_key(M, 0, key, org, true);
    lm_post(M, org, LA_PAYABLE, amount);
    lm_post(M, org, LA_SPECIAL, special);
    lm_post(M, org, LA_BANK, -(amount + special));
    lm_post(M, parent, LA_BANK, amount + special);
    lm_post(M, parent, LA_INCOME, -amount);
    lm_post(M, parent, LA_SPECIAL, -special);
    lm_post(M, parent, LA_INCOME, share);
    lm_post(M, parent, LA_PAYABLE, -share);
    M->entries++;
    M->tables |= LT_REMIT | LT_ENTRY;
    *ret_amount = amount;
    *ret_special = special;
    return 0;
}

/* An expense of kind (an index of lm_expense_kind, -1: unknown); approval_ok: the approval
 * record is complete and not dated after today. */
static int lm_expense(struct lm *M, int org, int kind, long long amount, bool approval_ok,
                      const char *key)
{
    int rc;
    if (kind < 0 || amount <= 0 || amount > 1000000000LL || !approval_ok || (key && !*key))
        return -ERR_INVALID;
    if ((rc = lm_key(M, 1, key, org, false)) != 0)
        return rc;
    if (M->bal[org][LA_BANK] < amount)
        return -ERR_CONFLICT;
    lm_key(M, 1, key, org, true);
    lm_post(M, org, (enum lm_acct)(LA_EXPENSE + kind), amount);
    lm_post(M, org, LA_BANK, -amount);
    M->entries++;
    M->tables |= LT_EXPENSE | LT_ENTRY;
    return 0;
}

/* Closing month: its published bills with an amount, on time when paid by the month's end. */
static int lm_close(const struct lm *M, int month, long long *ret_on_time, long long *ret_late)
{
    *ret_on_time = *ret_late = 0;
    if (!lm_month_valid(month) || month >= M->cur)
        return -ERR_INVALID;
    for (int i = 0; i < LM_MEMBERS; i++) {
        const struct lm_bill *b = lm_reg((struct lm *)M, i, month);
        if (!b || !b->published_at || b->amount <= 0 ||
            (b->status != LS_UNPAID && b->status != LS_PAID && b->status != LS_CONFIRMED))
            continue;
        if (b->paid_at && b->paid_month <= month)
            (*ret_on_time)++;
        else
            (*ret_late)++;
    }
    return 0;
}

/* What member still holds as credit: confirmed advances less the bills they paid. */
static long long lm_credit(const struct lm *M, int member)
{
    const struct lm_member *m = &M->members[member];
    long long c = 0;
    for (int j = 0; j < m->nrows; j++) {
        const struct lm_bill *b = &M->bills[m->rows[j]];
        if (b->kind == LK_ADVANCE && b->status == LS_CONFIRMED)
            c += b->amount;
    }
    for (int j = 0; j < LM_MONTHS; j++) {
        const struct lm_bill *b = M->reg[member][j] < 0 ? NULL : &M->bills[M->reg[member][j]];
        if (b && b->via_credit && (b->status == LS_PAID || b->status == LS_CONFIRMED))
            c -= b->amount;
    }
    return c;
}

#endif
