/* Credit from advance payments (paying ahead): once an advance is confirmed, its money pays
 * the member's published bills from the month it was paid in on, each bill whole from one
 * advance, oldest first. Many members are settled together: their advances and unpaid bills
 * read a hundred members at a time, the bills paid by one UPDATE per fifty. */
#include "dues/bill.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "dues/payment_impl.h"
#include "base/banned.h"

#define MAX_ADVANCES 64
#define MAX_BILLS 240 /* twenty years of months: more than any credit covers */

int dues_member_credit(struct db *db, long long member_id, long long *ret, struct errbuf *e)
{
    long long in = 0, used = 0;
    int rc = db_query_int(db, e, &in,
                          "SELECT COALESCE(SUM(amount_fen), 0) FROM dues_bills WHERE member_id = $1"
                          " AND kind = 'advance' AND status = 'confirmed'",
                          "i", member_id);
    if (rc < 0 || (rc = db_query_int(db, e, &used,
                                     "SELECT COALESCE(SUM(amount_fen), 0) FROM dues_bills"
                                     " WHERE member_id = $1 AND kind = 'regular' AND via_credit = 1"
                                     " AND status IN ('paid', 'confirmed')",
                                     "i", member_id)) < 0)
        return rc;
    *ret = in - used;
    return 0;
}

/* An advance with credit left; a published unpaid bill. Both sorted by member, then by
 * advance id or bill month, as read. */
struct advance {
    long long member, payment_id, left, paid_at;
    int month;
};
struct unpaid {
    long long member, id, amount;
    int month;
};

static int advance_row(struct db_stmt *st, void *ctx, struct errbuf *e)
{
    struct advance *a;
    if (db_col_int(st, 2) <= 0)
        return 0; /* used up */
    if (!(a = pay_rows_next(ctx, e)))
        return -ERR_NOMEM;
    *a = (struct advance){db_col_int(st, 0), db_col_int(st, 1), db_col_int(st, 2),
                          db_col_int(st, 3), (int)db_col_int(st, 4)};
    return 0;
}

static int unpaid_row(struct db_stmt *st, void *ctx, struct errbuf *e)
{
    struct unpaid *b = pay_rows_next(ctx, e);
    if (!b)
        return -ERR_NOMEM;
    *b = (struct unpaid){db_col_int(st, 0), db_col_int(st, 1), db_col_int(st, 2),
                         (int)db_col_int(st, 3)};
    return 0;
}

/* The bills one member's advances pay (rows of bill, payment, paid_at into out): each bill
 * from the first advance paid by its month that covers it whole; stop at the first bill none
 * covers. */
static int allocate(struct advance *adv, size_t na, const struct unpaid *bills, size_t nb,
                    struct pay_rows *out, struct errbuf *e)
{
    size_t taken = 0;
    if (na > MAX_ADVANCES)
        na = MAX_ADVANCES;
    for (size_t i = 0; i < nb; i++) {
        long long *row;
        size_t k;
        if (bills[i].month < adv[0].month)
            continue; /* an advance pays months from the one it was paid in on, never arrears */
        if (taken++ == MAX_BILLS)
            break;
        for (k = 0; k < na; k++)
            if (adv[k].month <= bills[i].month && adv[k].left >= bills[i].amount)
                break;
        if (k == na)
            break;
        adv[k].left -= bills[i].amount;
        if (!(row = pay_rows_next(out, e)))
            return -ERR_NOMEM;
        row[0] = bills[i].id;
        row[1] = adv[k].payment_id;
        row[2] = adv[k].paid_at;
    }
    return 0;
}

/* Pay the rows (bill, payment, paid_at) from credit; *count += the bills that were unpaid. */
static int pay_from_credit(struct db *db, const long long *rows, size_t n, long long *count,
                           struct errbuf *e)
{
    int rc = 0;
    for (size_t i = 0; rc >= 0 && i < n; i += PAY_ROWS) {
        size_t m = n - i < PAY_ROWS ? n - i : PAY_ROWS;
        struct db_stmt *st;
        if ((rc = db_prepare(db, pay_paid_sql(true), &st, e)) < 0)
            break;
        for (size_t r = 0; r < PAY_ROWS; r++) { /* padded with the last row: same bill, once */
            const long long *x = &rows[3 * (i + (r < m ? r : m - 1))];
            for (int c = 0; c < 3; c++)
                db_bind_int(st, 3 * (int)r + c + 1, x[c]);
        }
        while ((rc = db_step(st, e)) == 1)
            ;
        if (rc == 0)
            *count += db_changes(st);
        db_done(st);
    }
    return rc < 0 ? rc : 0;
}

/* Settle the members' (sorted, unique) bills from their advances. */
static int apply_credit(struct db *db, const long long *ids, size_t n, long long *ret_count,
                        struct errbuf *e)
{
    char *asql = pay_in_sql(
        "SELECT a.member_id, a.seq, a.amount_fen - COALESCE((SELECT SUM(b.amount_fen)"
        " FROM dues_bills b WHERE b.member_id = a.member_id AND b.tenant_id = a.tenant_id"
        " AND b.kind = 'regular'"
        " AND b.via_credit = 1 AND b.payment_id = a.seq AND b.status IN ('paid', 'confirmed')), 0),"
        " a.paid_at, a.month FROM dues_bills a WHERE a.kind = 'advance' AND a.status = 'confirmed'"
        " AND a.member_id", 1, " ORDER BY a.member_id, a.id");
    char *bsql = pay_in_sql("SELECT member_id, id, amount_fen, month FROM dues_bills"
                            " WHERE kind = 'regular' AND status = 'unpaid'"
                            " AND published_at IS NOT NULL AND member_id",
                            1, " ORDER BY member_id, month");
    struct pay_rows adv = {NULL, 0, 0, sizeof(struct advance)};
    struct pay_rows bills = {NULL, 0, 0, sizeof(struct unpaid)};
    struct pay_rows pay = {NULL, 0, 0, 3 * sizeof(long long)};
    long long *with = malloc((n ? n : 1) * sizeof(*with));
    size_t nwith = 0;
    int rc = asql && bsql && with ? 0 : errbuf_set(e, -ERR_NOMEM, "out of memory");
    if (rc >= 0)
        rc = pay_each_row(db, asql, NULL, 0, ids, n, advance_row, &adv, e);
    /* only the members with credit left have bills to read */
    for (size_t i = 0; rc >= 0 && i < adv.n; i++) {
        long long m = ((struct advance *)adv.v)[i].member;
        if (!nwith || with[nwith - 1] != m)
            with[nwith++] = m;
    }
    if (rc >= 0 && nwith)
        rc = pay_each_row(db, bsql, NULL, 0, with, nwith, unpaid_row, &bills, e);
    for (size_t a = 0, b = 0; rc >= 0 && a < adv.n;) {
        struct advance *av = (struct advance *)adv.v + a;
        const struct unpaid *bv = (const struct unpaid *)bills.v;
        size_t na = 0, nb = 0;
        while (a + na < adv.n && av[na].member == av[0].member)
            na++;
        while (b < bills.n && bv[b].member < av[0].member)
            b++;
        while (b + nb < bills.n && bv[b + nb].member == av[0].member)
            nb++;
        rc = allocate(av, na, bv + b, nb, &pay, e);
        a += na;
        b += nb;
    }
    if (rc >= 0)
        rc = pay_from_credit(db, pay.v, pay.n, ret_count, e);
    free(asql);
    free(bsql);
    free(with);
    free(adv.v);
    free(bills.v);
    free(pay.v);
    return rc;
}

int dues_apply_credit(struct db *db, long long member_id, long long *ret_count, struct errbuf *e)
{
    *ret_count = 0;
    return apply_credit(db, &member_id, 1, ret_count, e);
}

int dues_apply_credit_all(struct db *db, const char *sql, long long id, int month,
                          long long *ret_count, struct errbuf *e)
{
    struct db_stmt *st;
    long long *members = NULL;
    size_t n = 0, cap = 0;
    int rc;
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", id, (long long)month);
    while ((rc = db_step(st, e)) == 1) {
        if (!(members = pay_grow(members, &cap, n + 1, sizeof(*members)))) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        members[n++] = db_col_int(st, 0);
    }
    db_done(st);
    if (rc >= 0 && n)
        rc = apply_credit(db, members, pay_uniq(members, n), ret_count, e);
    free(members);
    return rc < 0 ? rc : 0;
}
