/* What the payment files share (payment_plan.c, payment.c, payment_batch.c): a payment's
 * items, the payer's record, the check of what is paid (pay_plan) and the writes that settle
 * a payment. Not for other modules: they use dues/payment.h. */
#ifndef DUES_PAYMENT_IMPL_H
#define DUES_PAYMENT_IMPL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "dues/payment.h"
#include "dues/rules.h"

struct db;
struct db_stmt;

enum pay_item_kind { IT_BILL, IT_ADVANCE, IT_VOLUNTARY };
extern const char *const pay_item_kinds[];

/* One line of a payment: a month's published bill, a month paid ahead, or voluntary dues. */
struct pay_item {
    int month;
    enum pay_item_kind kind;
    long long bill_id, amount_fen;
};

/* The payer as a bill records them. */
struct pay_member {
    long long org_id;
    char category[16], party_status[16];
};

/* What pay_plan reads, read beforehand for many payments at once (payment_batch.c): the
 * members and their regular bills, each array sorted by its key. NULL: pay_plan reads the
 * database. */
struct pay_known_member {
    long long id;
    struct pay_member m;
    char status[24];
};
struct pay_known_bill {
    long long member;
    int month;
    long long id, amount_fen;
    char status[16];
    bool published;
};
/* The orders of those arrays: a member by id (the key is a long long id), a bill by member
 * and month (the key is a pay_known_bill). */
int pay_cmp_known_member(const void *key, const void *member);
int pay_cmp_known_bill(const void *key, const void *bill);
/* What paying ahead needs for a batch's members (payment_quote.c): their income bases and
 * terms sorted by member, the rules loaded last and the version of each month asked. */
#define PAY_QUOTE_MONTHS 32
struct pay_base {
    long long member, fen;
    int from;
};
struct pay_term {
    long long member, id, amount_fen;
    int from, to; /* to 0: open */
    enum dues_term_kind kind;
};
struct pay_quotes {
    struct dues_rules rules; /* version 0: none loaded */
    int months[PAY_QUOTE_MONTHS], versions[PAY_QUOTE_MONTHS];
    size_t nversions;
    struct pay_base *bases;
    size_t nbases;
    struct pay_term *terms;
    size_t nterms;
};
int pay_load_quotes(struct db *db, const long long *ids, size_t n, struct pay_quotes *q,
                    struct errbuf *e);
void pay_quotes_free(struct pay_quotes *q);

struct pay_prefetch {
    const struct pay_known_member *members;
    size_t nmembers;
    const struct pay_known_bill *bills;
    size_t nbills;
    struct pay_quotes *quotes; /* NULL: each quote reads the database */
};
/* What month, not billed yet, costs member now (paying ahead); rules: the caller's cache when
 * pf has no quotes (version 0: none loaded). */
int pay_quote(struct db *db, const struct pay_prefetch *pf, long long member,
              const struct pay_member *m, int month, struct dues_rules *rules, long long *ret,
              struct errbuf *e);

/* The checks of a payment that need no database: channel, lengths of external_ref and payer. */
int pay_check_input(const struct dues_pay_in *in, struct errbuf *e);
/* Check every month of the payment and say what each is: a published bill, a month paid
 * ahead, or an error naming the month. Fills *m with the payer, items (room for
 * DUES_MAX_MONTHS + 1), their count and total. pf: what was read beforehand, or NULL. */
int pay_plan(struct db *db, const struct pay_prefetch *pf, const struct dues_pay_in *in,
             struct pay_member *m, struct pay_item *items, size_t *ret_n, long long *ret_total,
             struct errbuf *e);
/* The same check when the amount must match: pay_plan, then amount_fen against the total. */
int pay_plan_amount(struct db *db, const struct pay_prefetch *pf, const struct dues_pay_in *in,
                    struct pay_member *m, struct pay_item *items, size_t *ret_n,
                    long long *ret_total, struct errbuf *e);
/* A voluntary or advance row: a bill of the payment's month, paid by it. */
int pay_add_row(struct db *db, long long pid, long long member, const struct pay_member *m,
                const char *kind, long long amount, long long paid_at, struct errbuf *e);
/* The money has arrived: the payment's bills paid, advances and voluntary dues recorded. A
 * bill that some other payment settled in the meantime turns into credit: no fen is lost. */
int pay_settle_items(struct db *db, long long pid, long long member, const struct pay_member *mi,
                     const struct pay_item *items, size_t n, long long paid_at, struct errbuf *e);

/* A provider's notice, checked: {provider_ref, payment_id, amount_fen, result[, paid_at]}. */
struct pay_notice {
    const char *ref;
    long long pid, amount, paid_at;
    bool success;
};
int pay_notice_parse(json_t *notice, struct pay_notice *ret, struct errbuf *e);

/* ---- batches (payment_batch.c, payment_notices.c) */

#define PAY_IN_MAX 100 /* ids in one IN (...) list */
#define PAY_ROWS 50    /* rows of one UPDATE ... FROM (VALUES ...): 3 parameters a row */

/* "UPDATE dues_bills SET status = 'paid', payment_id, paid_at (and via_credit = 1) FROM
 * (VALUES (bill, payment, paid_at) x PAY_ROWS)" for bills still unpaid: pad short chunks with
 * their last row. */
const char *pay_paid_sql(bool via_credit);

/* What one payment of a batch comes to. */
struct pay_planned {
    struct pay_member m;
    struct pay_item items[DUES_MAX_MONTHS + 1];
    size_t n;
    long long total, at;
};

/* "prefix IN ($first, ..., $first+PAY_IN_MAX-1)suffix" (new string): lists are padded with
 * their last id (pay_bind_ids), so that one prepared statement serves every chunk. */
char *pay_in_sql(const char *prefix, int first, const char *suffix);
void pay_bind_ids(struct db_stmt *st, int first, const long long *ids, size_t n);
int pay_cmp_ll(const void *a, const void *b);
/* Sort ids and drop repeats; returns the count left. */
size_t pay_uniq(long long *ids, size_t n);
/* p with room for need items of size (freed and NULL when out of memory). */
void *pay_grow(void *p, size_t *cap, size_t need, size_t size);
/* Rows of sql (made by pay_in_sql with its list at $npre+1) for ids in chunks, $1..$npre bound
 * to pre; row(st, ctx, e) for every row, whose < 0 stops with that error. */
typedef int pay_row_fn(struct db_stmt *st, void *ctx, struct errbuf *e);
int pay_each_row(struct db *db, const char *sql, const long long *pre, int npre,
                 const long long *ids, size_t n, pay_row_fn *row, void *ctx, struct errbuf *e);
/* A growing array of items of size, for row functions: pay_rows_next gives a zeroed new one
 * (NULL and the error set when out of memory). */
struct pay_rows {
    void *v;
    size_t n, cap, size;
};
void *pay_rows_next(struct pay_rows *r, struct errbuf *e);
/* The members (sorted unique ids) as pay_plan reads them, sorted by id. */
int pay_load_members(struct db *db, const long long *ids, size_t n, struct pay_known_member **ret,
                     size_t *ret_n, struct errbuf *e);
/* Pay the bills of the payments settled now (settle[k]) and add their extra rows. */
int pay_settle_all(struct db *db, const long long *ids, const long long *members, size_t n,
                   const bool *settle, struct pay_planned *pl, struct errbuf *e);

#endif
