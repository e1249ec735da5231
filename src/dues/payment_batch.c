/* Many payments at once: the same checks and the same rows as dues_payment_create one by
 * one, in a few statements per hundred payments instead of a dozen per payment. On
 * PostgreSQL every statement that waits costs a round trip; a year of history replayed
 * (`dangjian demo`) or a day's collections are tens of thousands of payments. What each
 * payment reads is read beforehand for all of them (members, bills: `IN` lists of
 * PAY_IN_MAX ids), the new rows go in by db_bulk, and bills are paid by one
 * UPDATE ... FROM (VALUES ...) per chunk. The provider's notices in batches are in
 * payment_notices.c. */
#include "dues/payment_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "db/db.h"
#include "dues/bill.h"
#include "org/audit.h"
#include "org/tenant.h"
#include "base/banned.h"


/* "prefix IN ($first, ..., $first+PAY_IN_MAX-1)suffix": lists are padded with their last id, so
 * that one prepared statement serves every chunk. */
char *pay_in_sql(const char *prefix, int first, const char *suffix)
{
    return db_sql_in(prefix, first, PAY_IN_MAX, suffix);
}

void pay_bind_ids(struct db_stmt *st, int first, const long long *ids, size_t n)
{
    for (size_t i = 0; i < PAY_IN_MAX; i++)
        db_bind_int(st, first + (int)i, ids[i < n ? i : n - 1]);
}

int pay_cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* Sort ids and drop repeats; returns the count left. */
size_t pay_uniq(long long *ids, size_t n)
{
    size_t k = 0;
    if (n)
        qsort(ids, n, sizeof(*ids), pay_cmp_ll);
    for (size_t i = 0; i < n; i++)
        if (!k || ids[k - 1] != ids[i])
            ids[k++] = ids[i];
    return k;
}

void *pay_grow(void *p, size_t *cap, size_t need, size_t size)
{
    void *q;
    if (need <= *cap)
        return p;
    *cap = need < 64 ? 64 : need * 2;
    if (!(q = realloc(p, *cap * size)))
        free(p);
    return q;
}

int pay_each_row(struct db *db, const char *sql, const long long *pre, int npre,
                 const long long *ids, size_t n, pay_row_fn *row, void *ctx, struct errbuf *e)
{
    int rc = 0;
    for (size_t i = 0; rc >= 0 && i < n; i += PAY_IN_MAX) {
        struct db_stmt *st;
        if ((rc = db_prepare(db, sql, &st, e)) < 0)
            break;
        for (int j = 0; j < npre; j++)
            db_bind_int(st, 1 + j, pre[j]);
        pay_bind_ids(st, npre + 1, ids + i, n - i < PAY_IN_MAX ? n - i : PAY_IN_MAX);
        while ((rc = db_step(st, e)) == 1)
            if ((rc = row(st, ctx, e)) < 0)
                break;
        db_done(st);
    }
    return rc < 0 ? rc : 0;
}

void *pay_rows_next(struct pay_rows *r, struct errbuf *e)
{
    char *v;
    if (!(r->v = pay_grow(r->v, &r->cap, r->n + 1, r->size))) {
        errbuf_set(e, -ERR_NOMEM, "out of memory");
        return NULL;
    }
    v = (char *)r->v + r->n++ * r->size;
    memset(v, 0, r->size);
    return v;
}

static int member_row(struct db_stmt *st, void *ctx, struct errbuf *e)
{
    struct pay_known_member *m = pay_rows_next(ctx, e);
    if (!m)
        return -ERR_NOMEM;
    m->id = db_col_int(st, 0);
    m->m.org_id = db_col_int(st, 1);
    snprintf(m->m.category, sizeof(m->m.category), "%s", db_col_text(st, 2));
    snprintf(m->m.party_status, sizeof(m->m.party_status), "%s", db_col_text(st, 3));
    snprintf(m->status, sizeof(m->status), "%s", db_col_text(st, 4));
    return 0;
}

int pay_load_members(struct db *db, const long long *ids, size_t n, struct pay_known_member **ret,
                     size_t *ret_n, struct errbuf *e)
{
    char *sql = pay_in_sql("SELECT id, org_id, category, party_status, status FROM members WHERE id",
                           1, " ORDER BY id");
    struct pay_rows rows = {NULL, 0, 0, sizeof(struct pay_known_member)};
    int rc = pay_each_row(db, sql, NULL, 0, ids, n, member_row, &rows, e);
    free(sql);
    if (rc < 0) {
        free(rows.v);
        return rc;
    }
    *ret = rows.v; /* ids were sorted and each chunk came back in order */
    *ret_n = rows.n;
    return 0;
}

#define MONTHS_MAX 8 /* months in one IN (...) list of load_bills */

/* The regular bills of the members (sorted unique ids) in the months (sorted unique), sorted
 * by member and month. Months are a list, not a range: PostgreSQL's generic plan of a range
 * of parameters read a whole month by its index for every hundred members. */
static int bill_row(struct db_stmt *st, void *ctx, struct errbuf *e)
{
    struct pay_known_bill *x = pay_rows_next(ctx, e);
    if (!x)
        return -ERR_NOMEM;
    x->member = db_col_int(st, 0);
    x->month = (int)db_col_int(st, 1);
    x->id = db_col_int(st, 2);
    snprintf(x->status, sizeof(x->status), "%s", db_col_text(st, 3));
    x->amount_fen = db_col_int(st, 4);
    x->published = !db_col_null(st, 5);
    return 0;
}

static int load_bills(struct db *db, const long long *ids, size_t n, const long long *months,
                      size_t nmonths, struct pay_known_bill **ret, size_t *ret_n,
                      struct errbuf *e)
{
    struct buf b = BUF_INIT;
    struct pay_rows rows = {NULL, 0, 0, sizeof(struct pay_known_bill)};
    char *sql, *head;
    int rc = 0;
    buf_addstr(&b, "SELECT member_id, month, id, status, amount_fen, published_at FROM dues_bills"
                   " WHERE kind = 'regular' AND seq = 0 AND month IN (");
    for (int i = 0; i < MONTHS_MAX; i++)
        buf_printf(&b, "%s$%d", i ? ", " : "", i + 1);
    buf_addstr(&b, ") AND member_id");
    head = buf_detach(&b);
    sql = pay_in_sql(head, MONTHS_MAX + 1, "");
    free(head);
    for (size_t j = 0; rc >= 0 && j < nmonths; j += MONTHS_MAX) {
        size_t nm = nmonths - j < MONTHS_MAX ? nmonths - j : MONTHS_MAX;
        long long some[MONTHS_MAX];
        for (size_t m = 0; m < MONTHS_MAX; m++) /* padded with the last */
            some[m] = months[j + (m < nm ? m : nm - 1)];
        rc = pay_each_row(db, sql, some, MONTHS_MAX, ids, n, bill_row, &rows, e);
    }
    free(sql);
    if (rc < 0) {
        free(rows.v);
        return rc;
    }
    if (rows.n)
        qsort(rows.v, rows.n, sizeof(struct pay_known_bill), pay_cmp_known_bill);
    *ret = rows.v;
    *ret_n = rows.n;
    return 0;
}

const char *pay_paid_sql(bool via_credit)
{
    static char *sql[2];
    if (!sql[via_credit]) { /* built once; the same text every time, so a race only leaks a copy */
        struct buf b = BUF_INIT;
        buf_addstr(&b, "UPDATE dues_bills SET status = 'paid', payment_id = v.column2,"
                       " paid_at = v.column3");
        buf_addstr(&b, via_credit ? ", via_credit = 1 FROM (VALUES " : " FROM (VALUES ");
        for (int r = 0; r < PAY_ROWS; r++)
            buf_printf(&b, "%s(CAST($%d AS BIGINT), CAST($%d AS BIGINT), CAST($%d AS BIGINT))",
                       r ? ", " : "", 3 * r + 1, 3 * r + 2, 3 * r + 3);
        buf_addstr(&b, ") AS v WHERE dues_bills.id = v.column1 AND dues_bills.status = 'unpaid'");
        sql[via_credit] = buf_detach(&b);
    }
    return sql[via_credit];
}

/* A payment's bill to pay: which payment pays it, when, and for how much. */
struct bill_pay {
    long long bill, pid, at, amount;
    size_t owner; /* the payment's index in the caller's list */
};

static int cmp_bill_pay(const void *a, const void *b)
{
    const struct bill_pay *x = a, *y = b;
    if (x->bill != y->bill)
        return x->bill < y->bill ? -1 : 1;
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Pay the bills of bp (sorted by bill) where they are still unpaid; a bill that another
 * payment paid first adds its amount to lost[owner], which the caller books as credit
 * (pay_settle_items does the same one by one). */
static int pay_bills(struct db *db, struct bill_pay *bp, size_t n, long long *lost,
                     struct errbuf *e)
{
    const char *sql = pay_paid_sql(false);
    int rc = 0;
    for (size_t i = 0; rc >= 0 && i < n; i += PAY_ROWS) {
        size_t rows = n - i < PAY_ROWS ? n - i : PAY_ROWS;
        struct db_stmt *st;
        if ((rc = db_prepare(db, sql, &st, e)) < 0)
            break;
        for (size_t r = 0; r < PAY_ROWS; r++) { /* padded with the last row: same bill, once */
            const struct bill_pay *x = &bp[i + (r < rows ? r : rows - 1)];
            int at = 3 * (int)r; /* db_bindv binds from $1: each row has its own numbers */
            db_bind_int(st, at + 1, x->bill);
            db_bind_int(st, at + 2, x->pid);
            db_bind_int(st, at + 3, x->at);
        }
        while ((rc = db_step(st, e)) == 1)
            ;
        if (rc == 0)
            rc = (int)db_changes(st);
        db_done(st);
        if (rc < 0)
            break;
        if ((size_t)rc == rows) /* every bill was unpaid, each once */
            continue;
        /* some were paid already, or twice in this chunk: who holds each bill now */
        for (size_t r = 0; r < rows; r++) {
            long long holder = 0;
            if ((rc = db_query_int(db, e, &holder,
                                   "SELECT payment_id FROM dues_bills WHERE id = $1", "i",
                                   bp[i + r].bill)) < 0)
                break;
            if (holder != bp[i + r].pid)
                lost[bp[i + r].owner] += bp[i + r].amount;
        }
    }
    return rc < 0 ? rc : 0;
}

/* After the bills: months paid ahead, voluntary dues and what another payment took first,
 * as rows of their own (pay_settle_items one by one). */
static int extra_rows(struct db *db, long long pid, long long member, const struct pay_member *m,
                      const struct pay_item *items, size_t n, long long lost, long long at,
                      struct errbuf *e)
{
    long long advance = lost, voluntary = 0;
    int rc;
    for (size_t i = 0; i < n; i++) {
        if (items[i].kind == IT_ADVANCE)
            advance += items[i].amount_fen;
        else if (items[i].kind == IT_VOLUNTARY)
            voluntary += items[i].amount_fen;
    }
    if ((advance && (rc = pay_add_row(db, pid, member, m, "advance", advance, at, e)) < 0) ||
        (voluntary && (rc = pay_add_row(db, pid, member, m, "voluntary", voluntary, at, e)) < 0))
        return rc;
    return 0;
}

/* Check and plan every payment against what was read for all of them; a collection's bills
 * count as paid for the payments after it, as they would one by one. */
static int plan_all(struct db *db, const struct dues_pay_in *in, size_t n, struct pay_planned *pl,
                    struct pay_prefetch *pf, struct pay_known_bill *bills, struct errbuf *e)
{
    long long now = dues_now();
    for (size_t k = 0; k < n; k++) {
        int rc;
        if ((rc = pay_check_input(&in[k], e)) < 0 ||
            (rc = pay_plan_amount(db, pf, &in[k], &pl[k].m, pl[k].items, &pl[k].n, &pl[k].total,
                                  e)) < 0) {
            errbuf_prefix(e, "payment %zu", k);
            return rc;
        }
        pl[k].at = in[k].at ? in[k].at : now;
        for (size_t i = 0; !in[k].online && i < pl[k].n; i++) {
            struct pay_known_bill key = {.member = in[k].member_id, .month = pl[k].items[i].month};
            struct pay_known_bill *b;
            if (pl[k].items[i].kind != IT_BILL)
                continue;
            if (pf->nbills &&
                (b = bsearch(&key, bills, pf->nbills, sizeof(*bills), pay_cmp_known_bill)))
                snprintf(b->status, sizeof(b->status), "paid");
        }
    }
    return 0;
}

/* The payments and their items, with the ids reserved for them. */
static int write_payments(struct db *db, const struct dues_pay_in *in, size_t n,
                          const struct pay_planned *pl, const long long *ids, struct errbuf *e)
{
    struct db_bulk *b;
    long long *tenants = malloc((n ? n : 1) * sizeof(*tenants));
    int rc = tenants ? 0 : errbuf_set(e, -ERR_NOMEM, "out of memory");
    /* a payment and its items go with the member's organization (the member's tenant) */
    for (size_t k = 0; rc >= 0 && k < n; k++)
        rc = tenant_of_org(db, pl[k].m.org_id, &tenants[k], e);
    if (rc < 0 || (rc = db_bulk_open(db, "dues_payments",
                                     "id, member_id, org_id, kind, channel, external_ref,"
                                     " amount_fen, status, payer, created_by, created_at, paid_at,"
                                     " tenant_id",
                                     NULL, &b, e)) < 0)
        goto out;
    for (size_t k = 0; rc >= 0 && k < n; k++)
        rc = db_bulk_row(b, e, "iiitttittIiIi", ids[k], in[k].member_id, pl[k].m.org_id,
                         in[k].online ? "online" : "collection", in[k].channel,
                         in[k].external_ref ? in[k].external_ref : "", pl[k].total,
                         in[k].online ? "pending" : "paid", in[k].payer ? in[k].payer : "",
                         in[k].actor, pl[k].at, in[k].online ? 0 : pl[k].at, tenants[k]);
    if ((rc = db_bulk_end(b, rc, e)) < 0 ||
        (rc = db_bulk_open(db, "dues_payment_items",
                           "payment_id, month, kind, bill_id, amount_fen, tenant_id", NULL, &b,
                           e)) < 0)
        goto out;
    for (size_t k = 0; rc >= 0 && k < n; k++)
        for (size_t i = 0; rc >= 0 && i < pl[k].n; i++)
            rc = db_bulk_row(b, e, "iitIii", ids[k], (long long)pl[k].items[i].month,
                             pay_item_kinds[pl[k].items[i].kind], pl[k].items[i].bill_id,
                             pl[k].items[i].amount_fen, tenants[k]);
    rc = db_bulk_end(b, rc, e);
out:
    free(tenants);
    return rc;
}

/* Pay the bills of the payments settled now (settle[k] true) and add their extra rows. */
int pay_settle_all(struct db *db, const long long *ids, const long long *members, size_t n,
                      const bool *settle, struct pay_planned *pl, struct errbuf *e)
{
    struct bill_pay *bp = NULL;
    long long *lost = calloc(n ? n : 1, sizeof(*lost));
    size_t nbp = 0, cap = 0;
    int rc = 0;
    if (!lost)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; settle[k] && i < pl[k].n; i++) {
            if (pl[k].items[i].kind != IT_BILL)
                continue;
            if (!(bp = pay_grow(bp, &cap, nbp + 1, sizeof(*bp)))) {
                free(lost);
                return errbuf_set(e, -ERR_NOMEM, "out of memory");
            }
            bp[nbp++] = (struct bill_pay){pl[k].items[i].bill_id, ids[k], pl[k].at,
                                          pl[k].items[i].amount_fen, k};
        }
    if (nbp)
        qsort(bp, nbp, sizeof(*bp), cmp_bill_pay);
    rc = pay_bills(db, bp, nbp, lost, e);
    for (size_t k = 0; rc >= 0 && k < n; k++)
        if (settle[k])
            rc = extra_rows(db, ids[k], members[k], &pl[k].m, pl[k].items, pl[k].n, lost[k],
                            pl[k].at, e);
    free(bp);
    free(lost);
    return rc;
}

/* What a batch of payments read before planning them: their members, the regular bills of
 * their months, and what paying ahead needs when a month is ahead. */
struct batch_read {
    struct pay_known_member *km;
    struct pay_known_bill *kb;
    struct pay_quotes quotes;
    struct pay_prefetch pf;
    long long *members; /* the payments' members, in order */
};

static void batch_read_free(struct batch_read *r)
{
    pay_quotes_free(&r->quotes);
    free(r->km);
    free(r->kb);
    free(r->members);
}

/* Read what pay_plan needs for the payments' members and months. */
static int batch_read(struct db *db, const struct dues_pay_in *in, size_t n, struct batch_read *r,
                      struct errbuf *e)
{
    long long *ids = malloc(n * sizeof(*ids));
    long long *months = malloc(n * DUES_MAX_MONTHS * sizeof(*months));
    size_t nm, nmonths = 0;
    bool ahead = false;
    int cur = dues_current_month(), rc = 0;
    memset(r, 0, sizeof(*r));
    r->members = malloc(n * sizeof(*r->members));
    if (!ids || !months || !r->members) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        r->members[k] = ids[k] = in[k].member_id;
        for (size_t i = 0; i < in[k].nmonths && i < DUES_MAX_MONTHS; i++)
            ahead |= (months[nmonths++] = in[k].months[i]) >= cur;
    }
    nmonths = pay_uniq(months, nmonths);
    nm = pay_uniq(ids, n);
    if ((rc = pay_load_members(db, ids, nm, &r->km, &r->pf.nmembers, e)) >= 0 && nmonths)
        rc = load_bills(db, ids, nm, months, nmonths, &r->kb, &r->pf.nbills, e);
    if (rc >= 0 && ahead && (rc = pay_load_quotes(db, ids, nm, &r->quotes, e)) >= 0)
        r->pf.quotes = &r->quotes;
    r->pf.members = r->km;
    r->pf.bills = r->kb;
out:
    free(ids);
    free(months);
    return rc;
}

int dues_payment_create_batch(struct db *db, const struct dues_pay_in *in, size_t n,
                              long long *ids, struct errbuf *e)
{
    struct batch_read r;
    struct pay_planned *pl;
    bool *settle;
    int rc;
    if (n == 0)
        return 0;
    pl = calloc(n, sizeof(*pl));
    settle = malloc(n * sizeof(*settle));
    if (!pl || !settle) {
        free(pl);
        free(settle);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++)
        settle[k] = !in[k].online; /* a collection is paid now, online ones when notified */
    if ((rc = batch_read(db, in, n, &r, e)) < 0 ||
        (rc = plan_all(db, in, n, pl, &r.pf, r.kb, e)) < 0 ||
        (rc = db_reserve_ids(db, "dues_payments", n, ids, e)) < 0 ||
        (rc = write_payments(db, in, n, pl, ids, e)) < 0 ||
        (rc = pay_settle_all(db, ids, r.members, n, settle, pl, e)) < 0)
        goto out;
    audit_rows_begin();
    for (size_t k = 0; rc >= 0 && k < n; k++) {
        json_t *d = json_pack("{s:s, s:s, s:I}", "kind", in[k].online ? "online" : "collection",
                              "channel", in[k].channel, "amount_fen", (json_int_t)pl[k].total);
        rc = audit_log(db, in[k].actor, pl[k].m.org_id, "create", "dues_payment", ids[k], d, e);
        json_decref(d);
    }
    rc = audit_rows_end(db, rc, e);
out:
    batch_read_free(&r);
    free(pl);
    free(settle);
    return rc < 0 ? rc : 0;
}

int dues_payment_quote_batch(struct db *db, const struct dues_pay_in *in, size_t n,
                             long long *totals, struct errbuf *e)
{
    struct pay_item items[DUES_MAX_MONTHS + 1];
    struct pay_member m;
    struct batch_read r;
    size_t ni;
    int rc;
    if (n == 0)
        return 0;
    rc = batch_read(db, in, n, &r, e);
    for (size_t k = 0; rc >= 0 && k < n; k++)
        if ((rc = pay_plan(db, &r.pf, &in[k], &m, items, &ni, &totals[k], e)) < 0)
            errbuf_prefix(e, "payment %zu", k);
    batch_read_free(&r);
    return rc < 0 ? rc : 0;
}

