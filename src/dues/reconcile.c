/* Reconciliation with the providers' statements (reconcile.h). */
#include "dues/reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/month.h"
#include "db/db.h"
#include "dues/paybill.h"
#include "dues/provider.h"
#include "base/banned.h"

enum line_kind { L_SETTLED, L_MISSING, L_EXTRA, L_MISMATCH };
static const char *const kind_names[] = {"settled", "missing", "extra", "mismatch"};

struct line {
    enum line_kind kind;
    char trade_no[40], ref[72];
    long long pid, ours, theirs;
};

/* One of our paid payments of the day. */
struct ours {
    long long id, fen;
    char ref[72];
    bool seen;
};

struct run {
    struct db *db;
    const char *label; /* the provider in Chinese, for the to-dos */
    int ymd;           /* the statement's day */
    struct line *lines;
    size_t n, cap;
    struct dues_recon_stats s;
};

static int add_line(struct run *r, enum line_kind k, const char *no, const char *ref, long long pid,
                    long long ours, long long theirs, struct errbuf *e)
{
    struct line *l;
    if (buf_grow_array((void **)&r->lines, &r->cap, r->n + 1, sizeof(*r->lines)) < 0)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    l = &r->lines[r->n++];
    l->kind = k;
    snprintf(l->trade_no, sizeof(l->trade_no), "%s", no);
    snprintf(l->ref, sizeof(l->ref), "%s", ref);
    l->pid = pid;
    l->ours = ours;
    l->theirs = theirs;
    return 0;
}

/* A line and its to-do. */
static int flag(struct run *r, enum line_kind k, const struct paybill_line *bl, long long pid,
                long long ours, const char *why, struct errbuf *e)
{
    char title[240], dedupe[120];
    int rc;
    snprintf(title, sizeof(title), "%s对账：订单 %s %s", r->label, bl->trade_no, why);
    snprintf(dedupe, sizeof(dedupe), "recon:%s:%lld:%.70s", kind_names[k], pid, bl->ref);
    if ((rc = dues_provider_flag(r->db, pid, title, dedupe, e)) < 0)
        return rc;
    if (k == L_EXTRA)
        r->s.extra++;
    else if (k == L_MISSING)
        r->s.missing++;
    else
        r->s.mismatch++;
    return add_line(r, k, bl->trade_no, bl->ref, pid, ours, bl->fen, e);
}

/* One line of the provider's statement against our payment. */
static int check_line(struct run *r, const char *provider, const struct paybill_line *bl,
                      struct ours *paid, size_t npaid, struct errbuf *e)
{
    struct dues_online_payment p;
    struct errbuf pe = ERRBUF_INIT;
    long long pid = 0;
    char why[160];
    int rc = 0;
    if (dues_trade_no_parse(bl->trade_no, &pid, &pe) < 0 ||
        (rc = dues_online_payment(r->db, pid, &p, &pe)) == -ERR_NOTFOUND ||
        (rc == 0 && strcmp(p.channel, provider) != 0))
        return flag(r, L_EXTRA, bl, 0, 0, "在对账单中，本系统无此在线缴费", e);
    if (rc < 0)
        return (*e = pe, rc);
    for (size_t i = 0; i < npaid; i++)
        if (paid[i].id == pid)
            paid[i].seen = true;
    if (strcmp(p.status, "pending") == 0) {
        /* paid that day (its last second, or now if that is still to come): so the payment
         * stands in the day's statement when the day is reconciled again */
        rc = dues_provider_settle(r->db, r->label, pid, bl->trade_no, bl->ref, bl->fen,
                                  time_of_date(r->ymd) + 86399, &pe);
        if (rc == 1) {
            r->s.settled++;
            return add_line(r, L_SETTLED, bl->trade_no, bl->ref, pid, p.amount_fen, bl->fen, e);
        }
        if (rc == -ERR_INVALID) { /* another amount: refused, its to-do raised */
            r->s.mismatch++;
            return add_line(r, L_MISMATCH, bl->trade_no, bl->ref, pid, p.amount_fen, bl->fen, e);
        }
        return (*e = pe, rc);
    }
    if (strcmp(p.status, "paid") != 0) {
        snprintf(why, sizeof(why), "对方已收款 %lld 分，本系统为 %s", bl->fen, p.status);
        return flag(r, L_MISMATCH, bl, pid, p.amount_fen, why, e);
    }
    for (size_t i = 0; i < npaid; i++)
        if (paid[i].id == pid && strcmp(paid[i].ref, bl->ref) != 0) {
            snprintf(why, sizeof(why), "交易号不符（本系统 %s）", paid[i].ref);
            return flag(r, L_MISMATCH, bl, pid, p.amount_fen, why, e);
        }
    if (bl->fen != p.amount_fen) {
        snprintf(why, sizeof(why), "金额不符：对方 %lld 分，本系统 %lld 分", bl->fen, p.amount_fen);
        return flag(r, L_MISMATCH, bl, pid, p.amount_fen, why, e);
    }
    r->s.matched++;
    return 0;
}

/* Our payments by provider paid within local day ymd. */
static int load_paid(struct db *db, const char *provider, int ymd, struct ours **ret, size_t *ret_n,
                     struct errbuf *e)
{
    struct db_stmt *st;
    struct ours *v = NULL;
    size_t n = 0, cap = 0;
    long long from = time_of_date(ymd);
    int rc = db_prepare(db,
                        "SELECT id, amount_fen, COALESCE(provider_ref, '') FROM dues_payments"
                        " WHERE kind = 'online' AND channel = $1 AND status = 'paid'"
                        " AND paid_at >= $2 AND paid_at < $3 ORDER BY id",
                        &st, e);
    if (rc < 0)
        return rc;
    db_bindv(st, "tii", provider, from, from + 86400);
    while ((rc = db_step(st, e)) == 1) {
        if (buf_grow_array((void **)&v, &cap, n + 1, sizeof(*v)) < 0) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        v[n].id = db_col_int(st, 0);
        v[n].fen = db_col_int(st, 1);
        snprintf(v[n].ref, sizeof(v[n].ref), "%s", db_col_text(st, 2));
        v[n++].seen = false;
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

/* Replace the day's row and lines. */
static int store(struct run *r, const char *provider, int ymd, struct errbuf *e)
{
    struct db *db = r->db;
    long long old = 0, id = 0;
    int rc = db_begin(db, e);
    if (rc < 0)
        return rc;
    if ((rc = db_query_int(db, e, &old,
                           "SELECT id FROM dues_reconciliations WHERE provider = $1"
                           " AND bill_date = $2",
                           "ti", provider, (long long)ymd)) < 0 ||
        (rc = db_run(db, e, "DELETE FROM dues_reconciliation_lines WHERE reconciliation_id = $1",
                     "i", old)) < 0 ||
        (rc = db_run(db, e, "DELETE FROM dues_reconciliations WHERE id = $1", "i", old)) < 0 ||
        (rc = db_run(db, e,
                     "INSERT INTO dues_reconciliations (provider, bill_date, matched, settled,"
                     " missing, extra, mismatch, run_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                     "tiiiiiii", provider, (long long)ymd, r->s.matched, r->s.settled, r->s.missing,
                     r->s.extra, r->s.mismatch, (long long)time(NULL))) < 0 ||
        (rc = db_query_int(db, e, &id,
                           "SELECT id FROM dues_reconciliations WHERE provider = $1"
                           " AND bill_date = $2",
                           "ti", provider, (long long)ymd)) < 0)
        goto out;
    for (size_t i = 0; i < r->n && rc >= 0; i++) {
        const struct line *l = &r->lines[i];
        rc = db_run(db, e,
                    "INSERT INTO dues_reconciliation_lines (reconciliation_id, kind, out_trade_no,"
                    " provider_ref, payment_id, ours_fen, theirs_fen)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    "itttIii", id, kind_names[l->kind], l->trade_no, l->ref, l->pid, l->ours,
                    l->theirs);
    }
    if (rc < 0)
        goto out;
    return dues_provider_commit(
        db, 0, 0, "reconcile", "dues_reconciliation", id,
        json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I}", "provider", provider, "bill_date", ymd,
                  "matched", (json_int_t)r->s.matched, "settled", (json_int_t)r->s.settled,
                  "missing", (json_int_t)r->s.missing, "extra", (json_int_t)r->s.extra, "mismatch",
                  (json_int_t)r->s.mismatch),
        e);
out:
    if (rc < 0)
        db_rollback(db);
    return rc < 0 ? rc : 0;
}

static const char *label_of(const char *provider)
{
    return strcmp(provider, "wechat") == 0   ? "微信支付"
           : strcmp(provider, "alipay") == 0 ? "支付宝"
                                             : provider;
}

int dues_reconcile(struct db *db, const char *provider, int ymd, struct dues_recon_stats *ret,
                   struct errbuf *e)
{
    const struct dues_provider *p = dues_provider_find(provider);
    struct dues_provider_conf c;
    struct paybill b = {0};
    struct ours *paid = NULL;
    struct run r = {.db = db, .label = label_of(provider), .ymd = ymd};
    size_t npaid = 0;
    int rc;
    if (!p || !p->statement)
        return errbuf_field(
            e, -ERR_INVALID, R_INVALID_CHOICE, "provider", provider,
            "payment provider '%s' has no statement to reconcile with (wechat, alipay)",
            provider ? provider : "");
    if ((rc = dues_provider_load(db, provider, &c, e)) < 0 ||
        (rc = p->statement(&c, ymd, &b, e)) < 0 ||
        (rc = load_paid(db, provider, ymd, &paid, &npaid, e)) < 0)
        goto out;
    for (size_t i = 0; i < b.n && rc >= 0; i++)
        rc = check_line(&r, provider, &b.lines[i], paid, npaid, e);
    for (size_t i = 0; i < npaid && rc >= 0; i++) {
        struct paybill_line ours = {.fen = 0};
        if (paid[i].seen)
            continue;
        dues_trade_no(paid[i].id, ours.trade_no);
        snprintf(ours.ref, sizeof(ours.ref), "%s", paid[i].ref);
        rc = flag(&r, L_MISSING, &ours, paid[i].id, paid[i].fen, "本系统已收款，对账单中没有", e);
    }
    if (rc >= 0 && (rc = store(&r, provider, ymd, e)) == 0)
        *ret = r.s;
out:
    free(r.lines);
    free(paid);
    paybill_release(&b);
    return rc < 0 ? rc : 0;
}

int dues_reconcile_list(struct db *db, const char *provider, int from, int to, json_t **ret,
                        struct errbuf *e)
{
    struct db_stmt *st;
    json_t *items = json_array(), *byid = json_object();
    int rc = db_prepare(db,
                        "SELECT r.id, r.provider, r.bill_date, r.run_at, r.matched, r.settled,"
                        " r.missing, r.extra, r.mismatch FROM dues_reconciliations r"
                        " WHERE ($1 = '' OR r.provider = $1) AND r.bill_date >= $2"
                        " AND r.bill_date <= $3 ORDER BY r.bill_date DESC, r.provider LIMIT 400",
                        &st, e);
    if (rc < 0)
        goto out;
    db_bindv(st, "tii", provider ? provider : "", (long long)from, (long long)to);
    while ((rc = db_step(st, e)) == 1) {
        char key[24];
        json_t *o = json_pack(
            "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:[]}", "provider", db_col_text(st, 1),
            "bill_date", (json_int_t)db_col_int(st, 2), "run_at", (json_int_t)db_col_int(st, 3),
            "matched", (json_int_t)db_col_int(st, 4), "settled", (json_int_t)db_col_int(st, 5),
            "missing", (json_int_t)db_col_int(st, 6), "extra", (json_int_t)db_col_int(st, 7),
            "mismatch", (json_int_t)db_col_int(st, 8), "lines");
        snprintf(key, sizeof(key), "%lld", db_col_int(st, 0));
        json_object_set(byid, key, o);
        json_array_append_new(items, o);
    }
    db_done(st);
    if (rc < 0 || json_array_size(items) == 0)
        goto out;
    /* the lines of those days: one query over the (few hundred at most) rows */
    if ((rc = db_prepare(db,
                         "SELECT l.reconciliation_id, l.kind, l.out_trade_no, l.provider_ref,"
                         " l.payment_id, l.ours_fen, l.theirs_fen"
                         " FROM dues_reconciliation_lines l JOIN dues_reconciliations r"
                         " ON r.id = l.reconciliation_id WHERE ($1 = '' OR r.provider = $1)"
                         " AND r.bill_date >= $2 AND r.bill_date <= $3 ORDER BY l.id",
                         &st, e)) < 0)
        goto out;
    db_bindv(st, "tii", provider ? provider : "", (long long)from, (long long)to);
    while ((rc = db_step(st, e)) == 1) {
        char key[24];
        json_t *o;
        snprintf(key, sizeof(key), "%lld", db_col_int(st, 0));
        if (!(o = json_object_get(byid, key)))
            continue;
        json_array_append_new(
            json_object_get(o, "lines"),
            json_pack("{s:s, s:s, s:s, s:o, s:I, s:I}", "kind", db_col_text(st, 1), "out_trade_no",
                      db_col_text(st, 2), "provider_ref", db_col_text(st, 3), "payment_id",
                      db_col_null(st, 4) ? json_null() : json_integer(db_col_int(st, 4)),
                      "ours_fen", (json_int_t)db_col_int(st, 5), "theirs_fen",
                      (json_int_t)db_col_int(st, 6)));
    }
    db_done(st);
out:
    json_decref(byid);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *ret = json_pack("{s:o}", "items", items);
    return 0;
}

int dues_job_reconcile(struct db *db, struct errbuf *e)
{
    const struct dues_provider *p;
    int yesterday = date_of_time((long long)time(NULL) - 86400), rc = 0;
    for (size_t i = 0; rc >= 0 && (p = dues_provider_at(i)); i++) {
        struct dues_provider_conf c;
        struct dues_recon_stats s;
        long long done = 0;
        if (!p->statement)
            continue; /* nothing to reconcile with (our generic callback) */
        if ((rc = dues_provider_load(db, p->name, &c, e)) == -ERR_NOTFOUND) {
            errbuf_clear(e);
            rc = 0;
            continue; /* not configured */
        }
        if (rc < 0 ||
            (rc = db_query_int(db, e, &done,
                               "SELECT COUNT(*) FROM dues_reconciliations WHERE provider = $1"
                               " AND bill_date = $2",
                               "ti", p->name, (long long)yesterday)) < 0 ||
            done)
            continue;
        if ((rc = dues_reconcile(db, p->name, yesterday, &s, e)) == 0)
            log_info("jobs: %s reconciled %d: %lld matched, %lld settled, %lld missing,"
                     " %lld extra, %lld mismatch",
                     p->name, yesterday, s.matched, s.settled, s.missing, s.extra, s.mismatch);
    }
    return rc < 0 ? rc : 0;
}
