#include "dues/payroll.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/month.h"
#include "db/db.h"
#include "dues/bill.h"
#include "org/audit.h"
#include "org/tenant.h"
#include "base/banned.h"

/* Payments per multi-row INSERT: 4 parameters a row after 3 shared ones (db.h binds 160). */
#define CHUNK 39
#define PAY_COLS 4

static char *insert_sql[CHUNK + 1];
static pthread_once_t insert_once = PTHREAD_ONCE_INIT;

static void build_insert_sql(void)
{
    for (int rows = 1; rows <= CHUNK; rows++) {
        struct buf b = BUF_INIT;
        buf_addstr(&b, "INSERT INTO dues_payments(member_id, org_id, amount_fen, tenant_id, kind,"
                       " channel, external_ref, status, payer, created_by, created_at, paid_at)"
                       " VALUES");
        for (int r = 0; r < rows; r++) {
            int k = 4 + PAY_COLS * r;
            buf_printf(&b,
                       "%s($%d, $%d, $%d, $%d, 'collection', 'payroll', $1, 'paid', '', $2, $3,"
                       " $3)",
                       r ? ", " : " ", k, k + 1, k + 2, k + 3);
        }
        insert_sql[rows] = buf_detach(&b);
    }
}

struct due {
    long long member, org, amount;
};

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* The month's published unpaid bills of active members that are on the sorted list. */
static int load_dues(struct db *db, int month, const long long *list, size_t n, struct due **ret,
                     size_t *ret_n, struct errbuf *e)
{
    struct db_stmt *st;
    struct due *d = NULL;
    size_t nd = 0, cap = 0;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT b.member_id, m.org_id, b.amount_fen FROM dues_bills b"
                         " JOIN members m ON m.id = b.member_id AND m.tenant_id = b.tenant_id"
                         " WHERE b.month = $1"
                         " AND b.kind = 'regular' AND b.seq = 0 AND b.status = 'unpaid'"
                         " AND b.published_at IS NOT NULL AND m.status = 'active'"
                         " ORDER BY b.member_id",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, month);
    while ((rc = db_step(st, e)) == 1) {
        long long member = db_col_int(st, 0);
        if (!bsearch(&member, list, n, sizeof(*list), cmp_ll))
            continue;
        if (nd == cap) {
            void *p = realloc(d, (cap = cap ? cap * 2 : 256) * sizeof(*d));
            if (!p) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            d = p;
        }
        d[nd++] = (struct due){member, db_col_int(st, 1), db_col_int(st, 2)};
    }
    db_done(st);
    if (rc < 0) {
        free(d);
        return rc;
    }
    *ret = d;
    *ret_n = nd;
    return 0;
}

static int insert_payments(struct db *db, const char *ref, long long actor, long long now,
                           const struct due *d, size_t n, struct errbuf *e)
{
    pthread_once(&insert_once, build_insert_sql);
    for (size_t i = 0; i < n; i += CHUNK) {
        size_t rows = n - i < CHUNK ? n - i : CHUNK;
        struct db_stmt *st;
        int rc;
        if ((rc = db_prepare(db, insert_sql[rows], &st, e)) < 0)
            return rc;
        db_bind_text(st, 1, ref);
        db_bind_int(st, 2, actor);
        db_bind_int(st, 3, now);
        for (size_t r = 0; r < rows && rc >= 0; r++) {
            int k = 4 + PAY_COLS * (int)r;
            long long tenant = 0;
            rc = tenant_of_org(db, d[i + r].org, &tenant, e); /* the member's tenant */
            db_bind_int(st, k, d[i + r].member);
            db_bind_int(st, k + 1, d[i + r].org);
            db_bind_int(st, k + 2, d[i + r].amount);
            db_bind_int(st, k + 3, tenant);
        }
        if (rc >= 0)
            rc = db_step(st, e);
        db_done(st);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int dues_payroll_collect(struct db *db, int month, const long long *members, size_t n,
                         long long actor, struct dues_payroll_stats *ret, struct errbuf *e)
{
    struct dues_payroll_stats s = {0, 0, 0};
    long long *list = NULL, lo = 0, now = dues_now();
    struct due *d = NULL;
    size_t nd = 0;
    char ref[32];
    json_t *detail;
    int rc;
    if (!month_valid(month))
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_MONTH, "month", month,
                                "invalid month %d: expected YYYYMM", month);
    if (n && !(list = malloc(n * sizeof(*list))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    if (n) {
        memcpy(list, members, n * sizeof(*list));
        qsort(list, n, sizeof(*list), cmp_ll);
    }
    /* this run's payments are the ones after lo with its reference */
    snprintf(ref, sizeof(ref), "工资代扣%d", month);
    if ((rc = db_query_int(db, e, &lo, "SELECT COALESCE(MAX(id), 0) FROM dues_payments", "")) < 0 ||
        (rc = load_dues(db, month, list, n, &d, &nd, e)) < 0 ||
        (rc = insert_payments(db, ref, actor, now, d, nd, e)) < 0)
        goto out;
    for (size_t i = 0; i < nd; i++)
        s.amount_fen += d[i].amount;
    s.paid = (long long)nd;
    s.skipped = (long long)(n - nd);
    if (!nd)
        goto out;
    if ((rc = db_run(db, e,
                     "INSERT INTO dues_payment_items(payment_id, month, kind, bill_id, amount_fen,"
                     " tenant_id) SELECT p.id, b.month, 'bill', b.id, b.amount_fen, p.tenant_id"
                     " FROM dues_payments p"
                     " JOIN dues_bills b ON b.member_id = p.member_id AND b.tenant_id = p.tenant_id"
                     " AND b.month = $1"
                     " AND b.kind = 'regular' AND b.seq = 0 WHERE p.id > $2 AND p.external_ref = $3"
                     " AND p.channel = 'payroll'",
                     "iit", (long long)month, lo, ref)) < 0 ||
        (rc = db_run(db, e,
                     /* a join, not a subquery per bill: PostgreSQL planned the
                      * latter as a loop over the month's bills (about 1 s a month) */
                     "UPDATE dues_bills SET status = 'paid', paid_at = $2, payment_id = p.id"
                     " FROM dues_payments p WHERE p.member_id = dues_bills.member_id"
                     " AND p.tenant_id = dues_bills.tenant_id"
                     " AND p.id > $3 AND p.external_ref = $4 AND p.channel = 'payroll'"
                     " AND dues_bills.month = $1 AND dues_bills.kind = 'regular'"
                     " AND dues_bills.seq = 0 AND dues_bills.status = 'unpaid'",
                     "iiit", (long long)month, now, lo, ref)) < 0)
        goto out;
    if ((size_t)rc != nd) {
        rc = (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "month", NULL,
                           "payroll %d: %zu bills to pay but %d were still unpaid: paid meanwhile",
                           month, nd, rc),
              errbuf_value_int(e, month), errbuf_state(e, "changed"));
        goto out;
    }
    detail = json_pack("{s:i, s:I, s:I}", "month", month, "payments", (json_int_t)nd, "amount_fen",
                       (json_int_t)s.amount_fen);
    rc = audit_log(db, actor, 0, "create", "dues_payroll", month, detail, e);
    json_decref(detail);
out:
    free(list);
    free(d);
    if (rc < 0)
        return rc;
    *ret = s;
    return 0;
}
