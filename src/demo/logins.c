/* The demo's login history: how often each account signed in, month by month, as the platform
 * was adopted over the demo year. Written straight into `logins` (the table the real sign-in
 * appends to), in bulk (db_bulk_*): one transaction, or on PostgreSQL two on two connections. */
#include "demo/demo.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "demo/rng.h"
#include "base/banned.h"

struct account {
    long long id, org, tenant;
    bool named; /* a demo role account (admin, shuji, ...): signs in most working days */
    char login[64];
};

struct writer {
    struct db_bulk *bulk;
    long long now;
    long long total;
};

static int add(struct writer *w, const struct account *a, long long at, int ok, struct errbuf *e)
{
    if (at > w->now) /* today's sign-ins end now */
        at = w->now - (at - w->now) % 3600;
    w->total++;
    return db_bulk_row(w->bulk, e, "iitiiii", at, (long long)month_of_time(at), a->login, a->id,
                       a->org, (long long)ok, a->tenant);
}

static int load_accounts(struct db *db, struct account **ret, size_t *ret_n, struct errbuf *e)
{
    struct db_stmt *st;
    struct account *v = NULL;
    size_t n = 0, cap = 0;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT a.id, a.login, COALESCE(m.org_id,"
                         " (SELECT MIN(org_id) FROM account_roles r WHERE r.account_id = a.id"
                         " AND r.tenant_id = a.tenant_id)),"
                         " (SELECT COUNT(*) FROM demo_accounts d WHERE d.login = a.login),"
                         " a.tenant_id FROM accounts a LEFT JOIN members m"
                         " ON m.id = a.member_id AND m.tenant_id = a.tenant_id"
                         " WHERE a.disabled = 0 ORDER BY a.id",
                         &st, e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        if (n == cap) {
            struct account *nv = realloc(v, (cap = cap ? cap * 2 : 1024) * sizeof(*v));
            if (!nv) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            v = nv;
        }
        v[n].id = db_col_int(st, 0);
        snprintf(v[n].login, sizeof(v[n].login), "%s", db_col_text(st, 1));
        v[n].org = db_col_int(st, 2);
        v[n].named = db_col_int(st, 3) > 0;
        v[n].tenant = db_col_int(st, 4);
        n++;
    }
    db_done(st);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

/* An instant on a day of month m no later than today: working days three times as likely,
 * hours between 7 and 22 with peaks at noon and in the evening. */
static long long pick_instant(struct demo_rng *r, int m, int last_day)
{
    static const int hour_w[24] = {0, 0, 0, 0, 0, 0, 0, 2, 5, 6, 5, 4,
                                   8, 9, 5, 4, 4, 3, 5, 8, 9, 7, 4, 1};
    long first = date_to_days(m * 100 + 1);
    for (;;) {
        long d = first + demo_rng_range(r, 0, last_day - 1);
        int wd = (int)((d + 4) % 7); /* 1970-01-01 was a Thursday: 0 = Sunday */
        if ((wd == 0 || wd == 6) && !demo_rng_chance(r, 1.0 / 3))
            continue;
        return time_of_date(date_from_days(d)) + demo_rng_pick(r, hour_w, 24) * 3600LL +
               demo_rng_range(r, 0, 3599);
    }
}

/* The sign-ins of the accounts from `first` on, every `step`-th, into db, in one transaction
 * left open (committed by the caller when every share is written). */
struct share {
    struct db *db;
    const struct account *acc;
    size_t nacc, first, step;
    unsigned long long seed;
    int first_month, today;
    long long rows;
    int rc;
    struct errbuf e;
};

static int write_share(struct share *sh, struct errbuf *e)
{
    struct writer w = {NULL, (long long)time(NULL), 0};
    int last_month = sh->today / 100, months = month_diff(last_month, sh->first_month) + 1, rc;
    if ((rc = db_begin(sh->db, e)) < 0 ||
        (rc = db_bulk_open(sh->db, "logins", "at, month, login, account_id, org_id, ok, tenant_id",
                           NULL, &w.bulk, e)) < 0)
        return rc;
    for (size_t i = sh->first; i < sh->nacc && rc >= 0; i += sh->step) {
        const struct account *a = &sh->acc[i];
        struct demo_rng r;
        /* each account's own stream, and how keen its owner is */
        demo_rng_init(&r, sh->seed, 0x4c4f47494eULL, (uint64_t)a->id);
        double keen = 0.4 + 1.2 * demo_rng_unit(&r);
        bool named = a->named;
        for (int k = 0; k < months && rc >= 0; k++) {
            int m = month_add(sh->first_month, k);
            int days = m == last_month ? sh->today % 100 : month_days(m);
            /* adoption: a few members in the first months, most of them by the end */
            double x = months > 1 ? (double)k / (months - 1) : 1.0;
            double active = named ? 1.0 : 0.10 + 0.80 * x * x;
            int n = 0;
            if (!demo_rng_chance(&r, active * (keen > 1.0 ? 1.0 : keen)))
                continue;
            n = named ? demo_rng_range(&r, 10, 22)
                      : 1 + (int)(keen * 10.0 * demo_rng_unit(&r) * (0.5 + x));
            n = n * days / month_days(m);
            for (int j = 0; j < n && rc >= 0; j++) {
                long long at = pick_instant(&r, m, days);
                if (demo_rng_chance(&r, 0.02)) /* a mistyped password first */
                    rc = add(&w, a, at - 20, 0, e);
                if (rc >= 0)
                    rc = add(&w, a, at, 1, e);
            }
        }
    }
    rc = db_bulk_end(w.bulk, rc, e);
    sh->rows = w.total;
    return rc;
}

static void *share_thread(void *arg)
{
    struct share *sh = arg;
    sh->rc = write_share(sh, &sh->e);
    return NULL;
}

int demo_logins(struct db *db, unsigned long long seed, int first_month, int today,
                long long *ret_rows, struct errbuf *e)
{
    struct account *acc = NULL;
    struct db *db2 = NULL;
    struct share sh[2];
    pthread_t th;
    size_t nacc = 0;
    int rc, two = 0;
    if ((rc = load_accounts(db, &acc, &nacc, e)) < 0)
        return rc;
    /* on PostgreSQL every other account through a second connection in a thread (two
     * sessions write on two cores; SQLite has one writer): each account's sign-ins come from
     * its own random stream, so the rows are those of one connection */
    two = db_backend(db) == DB_POSTGRES && nacc >= 2 * DEMO_SPLIT_MEMBERS;
    for (int k = 0; k < 2; k++)
        sh[k] =
            (struct share){db,    acc, nacc, (size_t)k,  (size_t)(two ? 2 : 1), seed, first_month,
                           today, 0,   0,    ERRBUF_INIT};
    if (two && (rc = db_open(db_url(db), &db2, e)) >= 0) {
        sh[1].db = db2;
        if (pthread_create(&th, NULL, share_thread, &sh[1]) != 0) {
            rc = errbuf_set(e, -ERR_INTERNAL, "cannot start the demo's second sign-in writer");
            two = 0;
        }
    }
    if (rc >= 0)
        rc = write_share(&sh[0], e);
    if (two) {
        pthread_join(th, NULL);
        if (rc >= 0 && (rc = sh[1].rc) < 0)
            *e = sh[1].e;
        if (rc >= 0)
            rc = db_commit(db2, e);
        else
            db_rollback(db2);
    }
    if (rc >= 0)
        rc = db_commit(db, e);
    else
        db_rollback(db);
    db_close(db2);
    free(acc);
    if (rc >= 0 && ret_rows)
        *ret_rows = sh[0].rows + (two ? sh[1].rows : 0);
    return rc < 0 ? rc : 0;
}
