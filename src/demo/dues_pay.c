/* The demo's payments of a month: asked, created, notified by the provider and deducted from
 * pay, as the dues module takes them many at once. On PostgreSQL, from DEMO_SPLIT_MEMBERS
 * members, half of the payments go through a second connection in a thread, in a transaction
 * of its own: each payment concerns one member's bills alone, so the halves never touch the
 * same rows, and the two sessions use both cores while the other waits for an answer. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "demo/dues_impl.h"
#include "dues/bill.h"
#include "dues/payment.h"
#include "dues/payroll.h"
#include "base/banned.h"

void add_pay(struct dd *d, int i, int month, long long amount, enum way way, long long at)
{
    struct pay *p = &d->pays[d->npays++];
    memset(p, 0, sizeof(*p));
    p->member = i;
    p->months[p->nmonths++] = month;
    p->amount = amount;
    p->way = way;
    p->at = at;
}

int quote_quarters(struct dd *d, struct errbuf *e)
{
    const struct demo_model *m = d->m;
    struct dues_pay_in *in = calloc((size_t)d->npays + 1, sizeof(*in));
    long long *totals = calloc((size_t)d->npays + 1, sizeof(*totals));
    int *which = calloc((size_t)d->npays + 1, sizeof(*which));
    size_t n = 0;
    int rc = 0;
    if (!in || !totals || !which)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (int k = 0; rc >= 0 && k < d->npays; k++) {
        struct pay *p = &d->pays[k];
        if (p->way != WAY_QUARTER)
            continue;
        if (n == 0)
            clock_at(d, p->at); /* all in the month: the quotes depend on the month alone */
        in[n] = (struct dues_pay_in){m->members[p->member].id, p->months, (size_t)p->nmonths, 0,
                                     0, "wechat", NULL, NULL, true, 0, 0};
        which[n++] = k;
    }
    if (rc >= 0 && n)
        rc = dues_payment_quote_batch(d->db, in, n, totals, e);
    for (size_t j = 0; rc >= 0 && j < n; j++)
        d->pays[which[j]].amount = totals[j];
    free(in);
    free(totals);
    free(which);
    return rc;
}

/* One connection's share of the month's payments, d->pays[from, to). Both shares meet at the
 * barrier twice, whatever happened: after creating their payments, and once the clock shows
 * the minute after, when the provider's notices come. */
struct share {
    struct dd *d;
    struct db *db;
    int from, to;
    long long last; /* the last payment's moment */
    pthread_barrier_t *meet; /* NULL: one share alone */
    bool first;              /* the share that sets the clock (and then deducts pay) */
    int rc;
    struct errbuf e;
};

static int create_share(struct share *s)
{
    struct dd *d = s->d;
    int n = s->to - s->from;
    struct dues_pay_in *in = calloc(n ? (size_t)n : 1, sizeof(*in));
    long long *ids = calloc(n ? (size_t)n : 1, sizeof(*ids));
    int rc = in && ids ? db_begin(s->db, &s->e) : errbuf_set(&s->e, -ERR_NOMEM, "out of memory");
    for (int k = 0; rc >= 0 && k < n; k++) {
        const struct pay *p = &d->pays[s->from + k];
        in[k] = (struct dues_pay_in){d->m->members[p->member].id,
                                     p->months,
                                     (size_t)p->nmonths,
                                     p->voluntary,
                                     p->amount,
                                     p->way == WAY_PAYROLL ? "payroll"
                                     : p->way == WAY_CASH  ? "cash"
                                     : p->member % 3       ? "wechat"
                                                           : "alipay",
                                     NULL,
                                     NULL,
                                     p->way == WAY_ONLINE || p->way == WAY_QUARTER,
                                     0,
                                     p->at};
    }
    if (rc >= 0 && n)
        rc = dues_payment_create_batch(s->db, in, (size_t)n, ids, &s->e);
    for (int k = 0; rc >= 0 && k < n; k++)
        d->pays[s->from + k].id = in[k].online ? ids[k] : 0; /* a collection is paid already */
    free(in);
    free(ids);
    return rc;
}

/* The provider's notice a minute after each member paid online, in one batch. */
static int notify_share(struct share *s)
{
    const struct dd *d = s->d;
    json_t *notices = json_array(), *replies = NULL;
    int rc = 0;
    for (int k = s->from; k < s->to; k++) {
        const struct pay *p = &d->pays[k];
        char ref[32];
        if (!p->id)
            continue;
        snprintf(ref, sizeof(ref), "demo-%lld", p->id);
        json_array_append_new(notices,
                              json_pack("{s:s, s:I, s:I, s:s, s:I}", "provider_ref", ref,
                                        "payment_id", (json_int_t)p->id, "amount_fen",
                                        (json_int_t)p->amount, "result", "success", "paid_at",
                                        (json_int_t)(p->at + 60 < d->limit ? p->at + 60 : d->limit)));
    }
    if (json_array_size(notices))
        rc = dues_callback_apply_batch(s->db, notices, &replies, &s->e);
    json_decref(notices);
    json_decref(replies);
    return rc;
}

/* A share's work between the two meetings; its transaction stays open for the payroll (the
 * first share) or is committed (the second). */
static void *run_share(void *arg)
{
    struct share *s = arg;
    int rc = create_share(s);
    if (s->meet)
        pthread_barrier_wait(s->meet);
    if (s->first)
        clock_at(s->d, s->last + 60);
    if (s->meet)
        pthread_barrier_wait(s->meet);
    if (rc >= 0)
        rc = notify_share(s);
    s->rc = rc;
    return NULL;
}

int record(struct dd *d, int month, struct errbuf *e)
{
    struct share a, b;
    pthread_barrier_t meet;
    pthread_t th;
    long long last = 0;
    bool two = d->db2 && d->npays >= 2;
    int rc;
    for (int k = 0; k < d->npays; k++)
        last = d->pays[k].at > last ? d->pays[k].at : last;
    clock_at(d, last);
    a = (struct share){d, d->db, 0, d->npays, last, NULL, true, 0, ERRBUF_INIT};
    if (two) {
        b = (struct share){d, d->db2, d->npays / 2, d->npays, last, &meet, false, 0, ERRBUF_INIT};
        a.to = b.from;
        a.meet = &meet;
        pthread_barrier_init(&meet, NULL, 2);
        if (pthread_create(&th, NULL, run_share, &b) != 0) {
            pthread_barrier_destroy(&meet);
            two = false;
            a.to = d->npays;
            a.meet = NULL;
        }
    }
    run_share(&a);
    rc = a.rc;
    if (rc < 0)
        *e = a.e;
    if (two) {
        pthread_join(th, NULL);
        pthread_barrier_destroy(&meet);
        if (b.rc >= 0 && rc >= 0)
            b.rc = db_commit(d->db2, &b.e);
        else
            db_rollback(d->db2);
        if (rc >= 0 && b.rc < 0) {
            *e = b.e;
            rc = b.rc;
        }
    }
    if (rc >= 0 && d->npayroll) {
        struct dues_payroll_stats ps;
        clock_at(d, moment(d, month, 10, 10));
        rc = dues_payroll_collect(d->db, month, d->payroll, d->npayroll, 0, &ps, e);
    }
    d->npayroll = 0;
    d->npays = 0;
    if (rc < 0) {
        db_rollback(d->db);
        return rc;
    }
    return db_commit(d->db, e);
}
