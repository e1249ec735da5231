/* The provider's notices in batches: what dues_callback_apply_tx does for each, with the
 * payments, references and items read for all of them at once (payment_batch.c's way). */
#include "dues/payment_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "db/db.h"
#include "org/audit.h"
#include "base/banned.h"

#define PAY_ROWS 50 /* parameters of one UPDATE ... FROM (VALUES ...) / 2: 4 a row, 25 rows */

struct known_pay {
    long long id, member, amount;
    char status[16], kind[16];
};

static int cmp_known_pay(const void *k, const void *v)
{
    long long id = *(const long long *)k, o = ((const struct known_pay *)v)->id;
    return id < o ? -1 : id > o;
}

static int payment_row(struct db_stmt *st, void *ctx, struct errbuf *e)
{
    struct known_pay *p = pay_rows_next(ctx, e);
    if (!p)
        return -ERR_NOMEM;
    p->id = db_col_int(st, 0);
    p->member = db_col_int(st, 1);
    p->amount = db_col_int(st, 2);
    snprintf(p->status, sizeof(p->status), "%s", db_col_text(st, 3));
    snprintf(p->kind, sizeof(p->kind), "%s", db_col_text(st, 4));
    return 0;
}

static int tenant_row(struct db_stmt *st, void *ctx, struct errbuf *e)
{
    long long *t = pay_rows_next(ctx, e);
    if (!t)
        return -ERR_NOMEM;
    *t = db_col_int(st, 0);
    return 0;
}

static int cmp_pay(const void *a, const void *b)
{
    long long x = ((const struct known_pay *)a)->id, y = ((const struct known_pay *)b)->id;
    return x < y ? -1 : x > y;
}

/* The payments (sorted unique ids), locked until commit on PostgreSQL (a notice one by one
 * locks its payment the same way); sorted by id. The locks are taken a tenant at a time, in
 * order of tenant and then id: Citus locks rows only in a statement routed to one shard. */
static int load_payments(struct db *db, const long long *ids, size_t n, struct known_pay **ret,
                         size_t *ret_n, struct errbuf *e)
{
    bool pg = db_backend(db) == DB_POSTGRES;
    struct pay_rows rows = {NULL, 0, 0, sizeof(struct known_pay)};
    struct pay_rows tenants = {NULL, 0, 0, sizeof(long long)};
    char *sql = pay_in_sql(pg ? "SELECT id, member_id, amount_fen, status, kind FROM dues_payments"
                                " WHERE tenant_id = $1 AND id"
                              : "SELECT id, member_id, amount_fen, status, kind FROM dues_payments"
                                " WHERE id",
                           pg ? 2 : 1, pg ? " ORDER BY id FOR UPDATE" : " ORDER BY id");
    char *tsql = pg ? pay_in_sql("SELECT DISTINCT tenant_id FROM dues_payments WHERE id", 1, "")
                    : NULL;
    int rc = 0;
    if (!sql || (pg && !tsql))
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    else if (!pg)
        rc = pay_each_row(db, sql, NULL, 0, ids, n, payment_row, &rows, e);
    else if ((rc = pay_each_row(db, tsql, NULL, 0, ids, n, tenant_row, &tenants, e)) >= 0) {
        long long *t = tenants.v;
        size_t nt = pay_uniq(t, tenants.n);
        for (size_t k = 0; rc >= 0 && k < nt; k++)
            rc = pay_each_row(db, sql, &t[k], 1, ids, n, payment_row, &rows, e);
        if (rc >= 0 && nt > 1)
            qsort(rows.v, rows.n, sizeof(struct known_pay), cmp_pay);
    }
    free(sql);
    free(tsql);
    free(tenants.v);
    if (rc < 0) {
        free(rows.v);
        return rc;
    }
    *ret = rows.v;
    *ret_n = rows.n;
    return 0;
}

/* Which payment each provider reference already names (0: none), refs[k] for notice k. */
static int load_refs(struct db *db, const struct pay_notice *nt, size_t n, long long *owner,
                     struct errbuf *e)
{
    char *sql = pay_in_sql("SELECT provider_ref, id FROM dues_payments WHERE provider_ref", 1, "");
    int rc = 0;
    for (size_t i = 0; rc >= 0 && i < n; i += PAY_IN_MAX) {
        size_t rows = n - i < PAY_IN_MAX ? n - i : PAY_IN_MAX;
        struct db_stmt *st;
        if ((rc = db_prepare(db, sql, &st, e)) < 0)
            break;
        for (size_t r = 0; r < PAY_IN_MAX; r++)
            db_bind_text(st, 1 + (int)r, nt[i + (r < rows ? r : rows - 1)].ref);
        while ((rc = db_step(st, e)) == 1)
            for (size_t r = 0; r < rows; r++)
                if (strcmp(nt[i + r].ref, db_col_text(st, 0)) == 0)
                    owner[i + r] = db_col_int(st, 1);
        db_done(st);
    }
    free(sql);
    return rc < 0 ? rc : 0;
}

/* A payment's items as recorded, for payments (sorted unique ids) into pl[index of id]. */
struct items_ctx {
    const long long *ids;
    size_t n;
    struct pay_planned *pl;
};

static int item_row(struct db_stmt *st, void *ctx, struct errbuf *e)
{
    struct items_ctx *c = ctx;
    long long pid = db_col_int(st, 0);
    const long long *at = !c->n ? NULL : bsearch(&pid, c->ids, c->n, sizeof(*c->ids), pay_cmp_ll);
    struct pay_planned *p = at ? &c->pl[at - c->ids] : NULL;
    const char *k = db_col_text(st, 2);
    (void)e;
    if (!p || p->n >= DUES_MAX_MONTHS + 1)
        return 0;
    p->items[p->n++] = (struct pay_item){
        (int)db_col_int(st, 1),
        strcmp(k, "bill") == 0 ? IT_BILL : strcmp(k, "advance") == 0 ? IT_ADVANCE : IT_VOLUNTARY,
        db_col_int(st, 3), db_col_int(st, 4)};
    p->total += db_col_int(st, 4);
    return 0;
}

/* A payment's items as recorded, for payments (sorted unique ids) into pl[index of id]. */
static int load_items(struct db *db, const long long *ids, size_t n, struct pay_planned *pl,
                      struct errbuf *e)
{
    char *sql = pay_in_sql("SELECT payment_id, month, kind, bill_id, amount_fen"
                           " FROM dues_payment_items WHERE payment_id",
                           1, " ORDER BY payment_id, month");
    struct items_ctx c = {ids, n, pl};
    int rc = pay_each_row(db, sql, NULL, 0, ids, n, item_row, &c, e);
    free(sql);
    return rc;
}

/* Record each applied notice on its payment: status, when paid, the provider's reference. */
static int mark_payments(struct db *db, const struct pay_notice *nt, const bool *applied, size_t n,
                         struct errbuf *e)
{
    static char *sql;
    size_t *at = malloc((n ? n : 1) * sizeof(*at)), m = 0;
    int rc = 0;
    if (!at)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        if (applied[k])
            at[m++] = k;
    if (!sql) {
        struct buf b = BUF_INIT;
        buf_addstr(&b, "UPDATE dues_payments SET status = v.column2, paid_at = CASE WHEN"
                       " v.column2 = 'paid' THEN v.column3 ELSE dues_payments.paid_at END,"
                       " provider_ref = v.column4 FROM (VALUES ");
        for (int r = 0; r < PAY_ROWS / 2; r++)
            buf_printf(&b, "%s(CAST($%d AS BIGINT), $%d, CAST($%d AS BIGINT), $%d)", r ? ", " : "",
                       4 * r + 1, 4 * r + 2, 4 * r + 3, 4 * r + 4);
        buf_addstr(&b, ") AS v WHERE dues_payments.id = v.column1");
        sql = buf_detach(&b);
    }
    for (size_t i = 0; rc >= 0 && i < m; i += PAY_ROWS / 2) {
        size_t rows = m - i < PAY_ROWS / 2 ? m - i : PAY_ROWS / 2;
        struct db_stmt *st;
        if ((rc = db_prepare(db, sql, &st, e)) < 0)
            break;
        for (size_t r = 0; r < PAY_ROWS / 2; r++) {
            const struct pay_notice *x = &nt[at[i + (r < rows ? r : rows - 1)]];
            int p = 4 * (int)r;
            db_bind_int(st, p + 1, x->pid);
            db_bind_text(st, p + 2, x->success ? "paid" : "failed");
            db_bind_int(st, p + 3, x->paid_at);
            db_bind_text(st, p + 4, x->ref);
        }
        while ((rc = db_step(st, e)) == 1)
            ;
        /* each payment was read pending just before: one not there now is never acknowledged
         * as paid (seen on Citus when a read went to a shard's old place while it moved) */
        if (rc >= 0 && db_changes(st) != (long long)rows)
            rc = errbuf_set(e, -ERR_UNAVAILABLE,
                            "%lld of %zu payments read a moment before were not there to book"
                            " their notices: nothing booked, try again",
                            (long long)rows - db_changes(st), rows);
        db_done(st);
    }
    free(at);
    return rc < 0 ? rc : 0;
}

/* Decide notice k as dues_callback_apply_tx would: 1 applied, 0 a duplicate, < 0 the error.
 * owner: the payment its reference names already (0: none); p: its payment, or NULL. */
static int decide(const struct pay_notice *nt, long long owner, struct known_pay *p,
                  struct errbuf *e)
{
    if (owner) {
        if (owner != nt->pid)
            return errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "provider_ref", nt->ref,
                                "provider_ref '%s' was already used for payment %lld", nt->ref,
                                owner);
        return 0;
    }
    if (!p || strcmp(p->kind, "online") != 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "payment_id", nt->pid,
                                "no online payment %lld", nt->pid);
    if (strcmp(p->status, "pending") != 0)
        return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "payment_id", NULL,
                             "payment %lld is already %s", nt->pid, p->status),
                errbuf_value_int(e, nt->pid), errbuf_state(e, p->status));
    if (nt->amount != p->amount)
        return (errbuf_field(e, -ERR_INVALID, R_MISMATCH, "amount_fen", NULL,
                             "amount_fen %lld does not match payment %lld (%lld fen): nothing booked",
                             nt->amount, nt->pid, p->amount),
                errbuf_value_int(e, nt->amount), errbuf_limit(e, p->amount));
    snprintf(p->status, sizeof(p->status), "%s", nt->success ? "paid" : "failed");
    return 1;
}

/* The payments settled by successful notices: bills, extra rows. pids sorted unique. */
static int settle_notices(struct db *db, const struct pay_notice *nt, const bool *applied,
                          size_t n, const struct known_pay *kp, size_t nkp, struct errbuf *e)
{
    long long *pids = malloc((n ? n : 1) * sizeof(*pids)), *members = NULL;
    struct pay_planned *pl = NULL;
    struct pay_known_member *km = NULL;
    size_t ns = 0, nkm = 0;
    bool *settle = NULL;
    int rc = 0;
    if (!pids)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        if (applied[k] && nt[k].success)
            pids[ns++] = nt[k].pid;
    ns = pay_uniq(pids, ns); /* a payment is settled by one notice at most */
    if (!ns)
        goto out;
    pl = calloc(ns, sizeof(*pl));
    members = malloc(ns * sizeof(*members));
    settle = malloc(ns * sizeof(*settle));
    if (!pl || !members || !settle) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    /* every applied notice's payment is among pids (made from them above) and was loaded */
    for (size_t k = 0; k < n; k++)
        if (applied[k] && nt[k].success) {
            const long long *at = bsearch(&nt[k].pid, pids, ns, sizeof(*pids), pay_cmp_ll);
            if (at)
                pl[at - pids].at = nt[k].paid_at;
        }
    for (size_t j = 0; j < ns; j++) {
        const struct known_pay *p = !nkp ? NULL : bsearch(&pids[j], kp, nkp, sizeof(*kp), cmp_known_pay);
        if (!p) {
            rc = errbuf_set(e, -ERR_INTERNAL, "payment %lld was not loaded", pids[j]);
            goto out;
        }
        members[j] = p->member;
        settle[j] = true;
    }
    {
        long long *ids = malloc(ns * sizeof(*ids));
        size_t nu;
        if (!ids) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            goto out;
        }
        memcpy(ids, members, ns * sizeof(*ids));
        nu = pay_uniq(ids, ns);
        rc = pay_load_members(db, ids, nu, &km, &nkm, e);
        free(ids);
        if (rc < 0)
            goto out;
    }
    /* the member's organization as it is now: a member may have moved since paying online */
    for (size_t j = 0; j < ns; j++) {
        const struct pay_known_member *m =
            !nkm ? NULL : bsearch(&members[j], km, nkm, sizeof(*km), pay_cmp_known_member);
        if (!m) {
            rc = errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_MEMBER, "member_id", members[j],
                                  "member %lld not found", members[j]);
            goto out;
        }
        pl[j].m = m->m;
    }
    if ((rc = load_items(db, pids, ns, pl, e)) >= 0)
        rc = pay_settle_all(db, pids, members, ns, settle, pl, e);
out:
    free(pids);
    free(members);
    free(pl);
    free(km);
    free(settle);
    return rc;
}

int dues_callback_apply_batch(struct db *db, json_t *notices, json_t **ret, struct errbuf *e)
{
    size_t n = json_array_size(notices), nkp = 0, np = 0;
    struct pay_notice *nt = calloc(n ? n : 1, sizeof(*nt));
    long long *owner = calloc(n ? n : 1, sizeof(*owner));
    long long *pids = malloc((n ? n : 1) * sizeof(*pids));
    bool *applied = calloc(n ? n : 1, sizeof(*applied));
    struct known_pay *kp = NULL;
    json_t *out = json_array();
    int rc = 0;
    if (!nt || !owner || !pids || !applied) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    if (!json_is_array(notices)) {
        rc = errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, NULL, NULL, "the notices must be a list");
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        if ((rc = pay_notice_parse(json_array_get(notices, k), &nt[k], e)) < 0) {
            errbuf_prefix(e, "notice %zu", k);
            goto out;
        }
        pids[np++] = nt[k].pid;
    }
    np = pay_uniq(pids, np);
    if ((rc = load_payments(db, pids, np, &kp, &nkp, e)) < 0 ||
        (rc = load_refs(db, nt, n, owner, e)) < 0)
        goto out;
    for (size_t k = 0; k < n; k++) {
        long long named = owner[k];
        struct known_pay *p = !nkp ? NULL : bsearch(&nt[k].pid, kp, nkp, sizeof(*kp), cmp_known_pay);
        /* a reference used by an earlier notice of this batch names that notice's payment */
        for (size_t j = 0; !named && j < k; j++)
            if (applied[j] && strcmp(nt[j].ref, nt[k].ref) == 0)
                named = nt[j].pid;
        if ((rc = decide(&nt[k], named, p, e)) < 0) {
            errbuf_prefix(e, "notice %zu", k);
            goto out;
        }
        applied[k] = rc == 1;
        json_array_append_new(
            out, rc == 1 ? json_pack("{s:I, s:I, s:s, s:b}", "payment_id", (json_int_t)nt[k].pid,
                                     "member_id", (json_int_t)p->member, "status",
                                     nt[k].success ? "paid" : "failed", "duplicate", 0)
                         : json_pack("{s:I, s:s, s:b}", "payment_id", (json_int_t)nt[k].pid,
                                     "status", "duplicate", "duplicate", 1));
    }
    if ((rc = settle_notices(db, nt, applied, n, kp, nkp, e)) < 0 ||
        (rc = mark_payments(db, nt, applied, n, e)) < 0)
        goto out;
    audit_rows_begin();
    for (size_t k = 0; rc >= 0 && k < n; k++) {
        json_t *d;
        if (!applied[k])
            continue;
        d = json_pack("{s:s, s:s}", "provider_ref", nt[k].ref, "result",
                      nt[k].success ? "success" : "failed");
        rc = audit_log(db, 0, 0, "callback", "dues_payment", nt[k].pid, d, e);
        json_decref(d);
    }
    rc = audit_rows_end(db, rc, e);
out:
    free(nt);
    free(owner);
    free(pids);
    free(applied);
    free(kp);
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    *ret = out;
    return 0;
}
