/* The model the ledger property test (test_ledger_property.c) holds the dues code to: bills,
 * payments and every account of every organization, kept in plain arrays and worked out here
 * from docs/DUES.md's rules, never by asking src/dues. Each lm_* operation returns the result
 * the code must give (0, 1 for an answered duplicate, or -ERR_*) and changes the model only
 * when it succeeds. Header-only: the Makefile builds each unit test from its one .c file. */
#ifndef TESTS_UNIT_LEDGER_MODEL_H
#define TESTS_UNIT_LEDGER_MODEL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define LM_ORGS 7 /* the root, two units, four branches */
#define LM_MEMBERS 24
#define LM_FIRST_MONTH 201001
#define LM_MONTHS 240
#define LM_SPECIAL 100000 /* voluntary dues of 1000 yuan or more go up in full */
#define LM_AHEAD 12
#define LM_BACK 6
#define LM_MAX_MONTHS 24
#define LM_MAX_BASE 100000000LL
#define LM_DEFAULT_SHARE 5000

enum lm_acct {
    LA_BANK,
    LA_RECEIVABLE,
    LA_REMIT_RECEIVABLE,
    LA_PREPAID,
    LA_PAYABLE,
    LA_SPECIAL,
    LA_INCOME,
    LA_EXPENSE, /* five expense accounts from here, in lm_expense_kind's order */
    LA_N = LA_EXPENSE + 5
};
static const char *const lm_acct_code[LA_N] = {
    "bank",
    "dues_receivable",
    "remit_receivable",
    "dues_prepaid",
    "remit_payable",
    "special_remit",
    "dues_income",
    "expense:education",
    "expense:commendation",
    "expense:hardship",
    "expense:activities",
    "expense:other",
};
static const char *const lm_expense_kind[5] = {"education", "commendation", "hardship",
                                               "activities", "other"};

enum lm_kind { LK_REGULAR, LK_ADVANCE, LK_VOLUNTARY };
static const char *const lm_kind_name[] = {"regular", "advance", "voluntary"};
enum lm_status { LS_NO_BASE, LS_EXEMPT, LS_UNPAID, LS_PAID, LS_CONFIRMED, LS_REVERSED };
static const char *const lm_status_name[] = {"no_base", "exempt",    "unpaid",
                                             "paid",    "confirmed", "reversed"};
enum lm_pstatus { LP_PENDING, LP_PAID, LP_FAILED, LP_REVERSED };
static const char *const lm_pstatus_name[] = {"pending", "paid", "failed", "reversed"};
enum lm_item_kind { LI_BILL, LI_ADVANCE, LI_VOLUNTARY };

/* The tables an operation may write (the test's triggers report what it did write). */
enum {
    LT_BILL = 1,
    LT_PAYMENT = 2,
    LT_ITEM = 4,
    LT_ENTRY = 8,
    LT_BATCH = 16,
    LT_PUBLICATION = 32,
    LT_REMIT = 64,
    LT_EXPENSE = 128,
    LT_BASE = 256
};

struct lm_bill {
    int member, month, org;
    enum lm_kind kind;
    long long seq;          /* the payment's id for advance and voluntary rows */
    long long amount, base; /* -1: NULL */
    enum lm_status status;
    long long published_at; /* 0: not published */
    long long pay, paid_at; /* 0: NULL */
    int paid_month;
    bool via_credit;
    long long batch, share; /* share -1: NULL */
    long long confirmed_at;
    long long used;      /* an advance: what the bills it paid took of it */
    long long db_id;     /* learnt when the test first reads the row */
    long long seen_step; /* the step the test last compared it */
};

struct lm_item {
    int month;
    enum lm_item_kind kind;
    int bill; /* model index of a bill item */
    long long amount;
};

struct lm_payment {
    long long id;
    int member, org;
    bool online;
    enum lm_pstatus status;
    long long amount, paid_at;
    char channel[12], payer[40], ref[40]; /* ref "": no provider reference yet */
    int nitems;
    struct lm_item items[LM_MAX_MONTHS + 1];
    int rows[2]; /* its advance and voluntary rows, -1: none */
    long long seen_step;
};

struct lm_base {
    int year, from;
    long long fen;
};

struct lm_member {
    long long id;
    int org;
    char category[16];
    int exempt_from, exempt_to; /* an approved exemption, 0: none */
    long long fixed_fen;        /* a farmer's approved amount, 0: none */
    struct lm_base *bases;
    int nbases, capbases;
    int *rows, nrows, caprows; /* the member's advance and voluntary rows, oldest first */
};

struct lm_org {
    long long id;
    int parent; /* -1 at the top */
    long long share_bp;
    char path[64];
};

struct lm_key {
    char key[40];
    int org;
};

struct lm {
    struct lm_org orgs[LM_ORGS];
    struct lm_member members[LM_MEMBERS];
    int reg[LM_MEMBERS][LM_MONTHS]; /* the regular bill of member and month, -1: none */
    int *extra[LM_MONTHS];          /* advance and voluntary rows by month */
    int nextra[LM_MONTHS], capextra[LM_MONTHS];
    struct lm_bill *bills;
    int nbills, capbills;
    struct lm_payment *pays;
    int npays, cappays;
    int *refs, nrefs, caprefs; /* provider references: a hash table of payment indices */
    struct lm_key *keys[2];    /* request keys used: remittances, expenses */
    int nkeys[2], capkeys[2];
    long long bal[LM_ORGS][LA_N];
    long long now; /* the clock: an instant of day `today` in month `cur` */
    int cur, today;
    long long step;
    long long netting; /* remittances of a negative amount: a refund netted (lm_remit) */
    /* what the current step changed */
    int *tb, ntb, captb; /* bills */
    int *tp, ntp, captp; /* payments */
    int entries;         /* journal entries */
    unsigned tables;
};

#define LM_GROW(arr, n, cap)                                                                       \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            (cap) = (cap) ? 2 * (cap) : 64;                                                        \
            (arr) = realloc((arr), (size_t)(cap) * sizeof(*(arr)));                                \
            if (!(arr))                                                                            \
                abort();                                                                           \
        }                                                                                          \
    } while (0)

static void lm_init(struct lm *M)
{
    memset(M, 0, sizeof(*M));
    memset(M->reg, 0xff, sizeof(M->reg)); /* -1 */
}

static void lm_release(struct lm *M)
{
    for (int i = 0; i < LM_MEMBERS; i++) {
        free(M->members[i].bases);
        free(M->members[i].rows);
    }
    for (int k = 0; k < LM_MONTHS; k++)
        free(M->extra[k]);
    free(M->bills);
    free(M->pays);
    free(M->refs);
    free(M->keys[0]);
    free(M->keys[1]);
    free(M->tb);
    free(M->tp);
}

static int lm_month_index(int month)
{
    return (month / 100 - LM_FIRST_MONTH / 100) * 12 + month % 100 - 1;
}

static int lm_month_add(int month, int n)
{
    int k = (month / 100) * 12 + month % 100 - 1 + n;
    return (k / 12) * 100 + k % 12 + 1;
}

static bool lm_month_valid(int m)
{
    return m >= 200001 && m <= 210012 && m % 100 >= 1 && m % 100 <= 12;
}

/* fen x bp / 10000, half up to the fen on the magnitude: a negative amount (a remittance
 * that nets a share refunded below, see lm_remit) rounds to the negative of its positive
 * twin's share. */
static long long lm_round(long long fen, long long bp)
{
    long long p = fen * bp, q = ((p < 0 ? -p : p) + 5000) / 10000;
    return p < 0 ? -q : q;
}

/* Mark what a step changes, for the test's comparison after it. */
static void lm_touch_bill(struct lm *M, int b)
{
    LM_GROW(M->tb, M->ntb, M->captb);
    M->tb[M->ntb++] = b;
}

static void lm_touch_pay(struct lm *M, int p)
{
    LM_GROW(M->tp, M->ntp, M->captp);
    M->tp[M->ntp++] = p;
}

static void lm_step_begin(struct lm *M)
{
    M->ntb = M->ntp = M->entries = 0;
    M->tables = 0;
}

static void lm_post(struct lm *M, int org, enum lm_acct a, long long amount)
{
    M->bal[org][a] += amount;
}

static bool lm_in_subtree(const struct lm *M, int org, int top)
{
    for (; org >= 0; org = M->orgs[org].parent)
        if (org == top)
            return true;
    return false;
}

static struct lm_bill *lm_reg(const struct lm *M, int member, int month)
{
    int k = lm_month_index(month);
    if (k < 0 || k >= LM_MONTHS || M->reg[member][k] < 0)
        return NULL;
    return &M->bills[M->reg[member][k]];
}

static int lm_pay_index(const struct lm *M, long long id)
{
    int lo = 0, hi = M->npays - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (M->pays[mid].id == id)
            return mid;
        if (M->pays[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* ---- what a member owes (DUES.md: the table of version 1) */

static bool lm_rated(const char *category)
{
    return strcmp(category, "in_service") == 0 || strcmp(category, "retired") == 0;
}

static long long lm_rate_bp(const char *category, long long base)
{
    if (strcmp(category, "retired") == 0)
        return base <= 500000 ? 50 : 100;
    return base <= 300000 ? 50 : base <= 500000 ? 100 : base <= 1000000 ? 150 : 200;
}

/* The month's dues of member with base (-1: none): LS_UNPAID and the amount, LS_EXEMPT or
 * LS_NO_BASE. */
static enum lm_status lm_calc(const struct lm_member *m, int month, long long base,
                              long long *ret_amount)
{
    *ret_amount = 0;
    if (m->exempt_from && month >= m->exempt_from && month <= m->exempt_to)
        return LS_EXEMPT;
    if (!lm_rated(m->category)) {
        *ret_amount = m->fixed_fen >= 20 && m->fixed_fen <= 100 ? m->fixed_fen : 20;
        return LS_UNPAID;
    }
    if (base < 0) {
        *ret_amount = -1;
        return LS_NO_BASE;
    }
    *ret_amount = lm_round(base, lm_rate_bp(m->category, base));
    return LS_UNPAID;
}

/* The base a bill of month is made from: that year's, the latest begun by then. When
 * any_year, the latest begun by then of any year (what paying ahead quotes). */
static long long lm_base_for(const struct lm_member *m, int month, bool any_year)
{
    int best = 0;
    long long fen = -1;
    for (int i = 0; i < m->nbases; i++) {
        const struct lm_base *b = &m->bases[i];
        if ((any_year || b->year == month / 100) && b->from <= month && b->from > best) {
            best = b->from;
            fen = b->fen;
        }
    }
    return fen;
}

static int lm_base_set(struct lm *M, int member, int year, int from_month, long long fen)
{
    struct lm_member *m = &M->members[member];
    int from = from_month ? from_month : year * 100 + 1;
    if (year < 2008 || year > 2100 || !lm_month_valid(from) || from / 100 != year || fen <= 0 ||
        fen > LM_MAX_BASE)
        return -ERR_INVALID;
    M->tables |= LT_BASE;
    for (int i = 0; i < m->nbases; i++)
        if (m->bases[i].from == from) {
            m->bases[i].fen = fen;
            return 0;
        }
    LM_GROW(m->bases, m->nbases, m->capbases);
    m->bases[m->nbases++] = (struct lm_base){year, from, fen};
    return 0;
}

static int lm_new_bill(struct lm *M, int member, int month, enum lm_kind kind, long long seq)
{
    struct lm_bill *b;
    LM_GROW(M->bills, M->nbills, M->capbills);
    b = &M->bills[M->nbills];
    memset(b, 0, sizeof(*b));
    b->member = member;
    b->month = month;
    b->kind = kind;
    b->seq = seq;
    b->org = M->members[member].org;
    b->share = -1;
    b->base = -1;
    if (kind == LK_REGULAR) {
        M->reg[member][lm_month_index(month)] = M->nbills;
    } else {
        struct lm_member *m = &M->members[member];
        int k = lm_month_index(month);
        LM_GROW(m->rows, m->nrows, m->caprows);
        m->rows[m->nrows++] = M->nbills;
        LM_GROW(M->extra[k], M->nextra[k], M->capextra[k]);
        M->extra[k][M->nextra[k]++] = M->nbills;
    }
    lm_touch_bill(M, M->nbills);
    return M->nbills++;
}

/* dues generate: one bill per member and month; a "base missing" bill filled once its base
 * is verified. *ret_created and *ret_filled count them. */
static int lm_generate(struct lm *M, int month, long long *ret_created, long long *ret_filled)
{
    *ret_created = *ret_filled = 0;
    if (!lm_month_valid(month) || month > M->cur)
        return -ERR_INVALID;
    for (int i = 0; i < LM_MEMBERS; i++) {
        const struct lm_member *m = &M->members[i];
        struct lm_bill *b = lm_reg(M, i, month);
        long long base = lm_base_for(m, month, false), amount;
        enum lm_status st = lm_calc(m, month, base, &amount);
        int k;
        if (b && (b->status != LS_NO_BASE || st == LS_NO_BASE))
            continue;
        if (b) {
            k = (int)(b - M->bills);
            lm_touch_bill(M, k);
            (*ret_filled)++;
        } else {
            k = lm_new_bill(M, i, month, LK_REGULAR, 0);
            (*ret_created)++;
        }
        b = &M->bills[k];
        b->status = st;
        b->amount = amount;
        b->base = base;
        b->org = m->org;
    }
    M->tables |= LT_BILL;
    return 0;
}

/* Settle member's published unpaid bills from confirmed advances: oldest advance first,
 * each bill from one advance that covers it whole, from the advance's month on, stopping at
 * the first bill no credit covers. Returns the bills settled. */
static long long lm_apply_credit(struct lm *M, int member)
{
    const struct lm_member *m = &M->members[member];
    struct {
        int bill;
        long long left;
    } adv[64];
    int n = 0;
    long long count = 0;
    for (int i = 0; i < m->nrows && n < 64; i++) {
        const struct lm_bill *a = &M->bills[m->rows[i]];
        if (a->kind == LK_ADVANCE && a->status == LS_CONFIRMED && a->amount > a->used)
            adv[n].bill = m->rows[i], adv[n++].left = a->amount - a->used;
    }
    if (!n)
        return 0;
    for (int j = lm_month_index(M->bills[adv[0].bill].month); j < LM_MONTHS; j++) {
        int k = M->reg[member][j], a;
        struct lm_bill *b = k < 0 ? NULL : &M->bills[k];
        if (!b || b->status != LS_UNPAID || !b->published_at)
            continue;
        for (a = 0; a < n; a++)
            if (M->bills[adv[a].bill].month <= b->month && adv[a].left >= b->amount)
                break;
        if (a == n)
            break;
        adv[a].left -= b->amount;
        M->bills[adv[a].bill].used += b->amount;
        b->status = LS_PAID;
        b->pay = M->bills[adv[a].bill].seq;
        b->paid_at = M->bills[adv[a].bill].paid_at;
        b->paid_month = M->bills[adv[a].bill].paid_month;
        b->via_credit = true;
        lm_touch_bill(M, k);
        count++;
    }
    return count;
}

/* dues publish of month in the subtree of org: the receivable booked per organization,
 * then the new bills' members' credit applied. */
static int lm_publish(struct lm *M, int month, int org, long long *ret_bills, long long *ret_amount,
                      long long *ret_credited)
{
    long long sum[LM_ORGS] = {0};
    bool any = false, members[LM_MEMBERS] = {false};
    *ret_bills = *ret_amount = *ret_credited = 0;
    for (int i = 0; i < LM_MEMBERS; i++) {
        struct lm_bill *b = lm_reg(M, i, month);
        if (b && lm_in_subtree(M, b->org, org))
            any = true;
    }
    if (!any)
        return -ERR_CONFLICT;
    for (int i = 0; i < LM_MEMBERS; i++) {
        struct lm_bill *b = lm_reg(M, i, month);
        if (!b || !lm_in_subtree(M, b->org, org) || b->published_at ||
            (b->status != LS_UNPAID && b->status != LS_EXEMPT))
            continue;
        b->published_at = M->now;
        lm_touch_bill(M, (int)(b - M->bills));
        sum[b->org] += b->amount;
        members[i] = true;
        (*ret_bills)++;
        *ret_amount += b->amount;
    }
    if (!*ret_bills)
        return 0;
    for (int o = 0; o < LM_ORGS; o++)
        if (sum[o]) {
            lm_post(M, o, LA_RECEIVABLE, sum[o]);
            lm_post(M, o, LA_INCOME, -sum[o]);
            M->entries++;
        }
    for (int i = 0; i < LM_MEMBERS; i++)
        if (members[i])
            *ret_credited += lm_apply_credit(M, i);
    M->tables |= LT_BILL | LT_ENTRY | LT_PUBLICATION;
    return 0;
}

#endif
