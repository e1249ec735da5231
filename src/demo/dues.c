/* The demo's party dues (党费): the demo months replayed in order through the dues module,
 * with its clock set to each step's moment. Each month is generated and published on the
 * 1st; members pay online (with the provider's callback), by payroll deduction or in cash,
 * a few a quarter at a time (paying ahead), a few late (in cash the next month) and the
 * members the model puts in arrears not at all; finance confirms last month on the 6th and
 * the month is closed (on-time and late events for the scoring, arrears to-dos). Twice a
 * year, and in the latest month, the shares are remitted up the tree and some organizations
 * spend. The latest month is still open: paid by those whose day has come, confirmed in part
 * of the units only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "demo/dues_impl.h"
#include "demo/model.h"
#include "demo/rng.h"
#include "dues/arrears.h"
#include "dues/base.h"
#include "dues/bill.h"
#include "dues/confirm.h"
#include "dues/ledger.h"
#include "dues/payment.h"
#include "dues/payroll.h"
#include "dues/remit.h"
#include "org/org.h"
#include "org/scope.h"
#include "base/banned.h"

/* Set the dues module's clock to t, but never past the demo's last day. */
void clock_at(const struct dd *d, long long t)
{
    dues_clock_set(t < d->limit ? t : d->limit);
}

/* The moment of day d, hour h of month (YYYYMM), never after the demo's last day. */
long long moment(const struct dd *d, int month, int day, int hour)
{
    long long t;
    if (day > month_days(month))
        day = month_days(month);
    t = time_of_date(month * 100 + day) + hour * 3600;
    return t < d->limit ? t : d->limit;
}

/* How member i pays, for the whole demo: its own stream, so the order of work is free. */
static enum way way_of(const struct dd *d, int i)
{
    const struct demo_member *mb = &d->m->members[i];
    struct demo_rng r;
    double u;
    demo_rng_init(&r, d->o->seed, STREAM_DUES, (uint64_t)i << 8);
    u = demo_rng_unit(&r);
    if (mb->arrears_len || i == d->m->member)
        return WAY_ONLINE;
    if (u < 0.30)
        return WAY_ONLINE;
    if (u < 0.85)
        return strcmp(mb->category, "in_service") == 0 ? WAY_PAYROLL : WAY_CASH;
    return u < 0.90 ? WAY_CASH : WAY_QUARTER;
}

static int member_index(const struct demo_model *m, long long id)
{
    int lo = 0, hi = m->nmembers - 1;
    while (lo <= hi) { /* ids grow with the index: members were written in order */
        int mid = (lo + hi) / 2;
        if (m->members[mid].id == id)
            return mid;
        if (m->members[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The month's published bills still unpaid (member_id, amount_fen), by member. */
static int unpaid_bills(struct dd *d, int month, struct db_stmt **ret, struct errbuf *e)
{
    int rc = db_prepare(d->db,
                        "SELECT member_id, amount_fen FROM dues_bills WHERE month = $1"
                        " AND kind = 'regular' AND status = 'unpaid' AND published_at IS NOT NULL"
                        " ORDER BY member_id",
                        ret, e);
    if (rc >= 0)
        db_bind_int(*ret, 1, month);
    return rc;
}

/* Month t's payments: every published unpaid bill of a member who pays it on time. Late
 * payers are marked for next month; members in arrears do not pay. */
static int pay_month(struct dd *d, int t, struct errbuf *e)
{
    const struct demo_model *m = d->m;
    int month = demo_model_month(m, t), last = t == m->months - 1;
    int today = demo_model_last_day(m, t);
    struct db_stmt *st;
    int rc;
    if ((rc = unpaid_bills(d, month, &st, e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        int i = member_index(m, db_col_int(st, 0));
        const struct demo_member *mb;
        enum way way;
        struct demo_rng r;
        bool special;
        int day;
        if (i < 0)
            continue;
        mb = &m->members[i];
        way = way_of(d, i);
        demo_rng_init(&r, d->o->seed, STREAM_DUES, ((uint64_t)i << 8) + 1 + (uint64_t)t);
        d->late[i] = false;
        if ((mb->arrears_len && t >= mb->arrears_from && t < mb->arrears_from + mb->arrears_len) ||
            (mb->arrears_len && last) || (last && i == m->member))
            continue; /* in arrears; the `dangyuan` member pays this month in the web app */
        if (!last && demo_rng_chance(&r, 0.012 + 0.03 * (mb->level[DIM_DISCIPLINE] < 0
                                                             ? -mb->level[DIM_DISCIPLINE]
                                                             : 0))) {
            d->late[i] = true;
            continue;
        }
        day = way == WAY_PAYROLL ? 10
                                 : demo_rng_range(&r, 1, mb->level[DIM_DISCIPLINE] < 0 ? 28 : 20);
        if (last && day > today)
            continue; /* not yet */
        special = t == m->months / 2 && i == m->orgs[m->branches[0]].secretary;
        if (way == WAY_PAYROLL && !special) {
            d->payroll[d->npayroll++] = mb->id;
        } else if (way == WAY_QUARTER && month % 100 % 3 == 1 && !last) {
            add_pay(d, i, month, 0, WAY_QUARTER, moment(d, month, day, 20));
            d->pays[d->npays - 1].months[1] = month_add(month, 1);
            d->pays[d->npays - 1].months[2] = month_add(month, 2);
            d->pays[d->npays - 1].nmonths = 3;
        } else {
            add_pay(d, i, month, db_col_int(st, 1), way == WAY_QUARTER ? WAY_ONLINE : way,
                    moment(d, month, day, 8 + demo_rng_range(&r, 0, 13)));
            /* now and then a little more, voluntarily (自愿多交); once 1000 yuan, which goes
             * up to the centre in full */
            if (special)
                d->pays[d->npays - 1].voluntary = 100000;
            else if (way != WAY_PAYROLL && demo_rng_chance(&r, 0.004))
                d->pays[d->npays - 1].voluntary = 100 * demo_rng_range(&r, 20, 200);
            d->pays[d->npays - 1].amount += d->pays[d->npays - 1].voluntary;
        }
    }
    db_done(st);
    if (rc < 0)
        return rc;
    /* what paying a quarter costs: asked of the module, as the app does */
    if ((rc = quote_quarters(d, e)) < 0)
        return rc;
    return record(d, month, e);
}

/* Last month's late payers pay it in cash on the 5th. */
static int pay_late(struct dd *d, int t, struct errbuf *e)
{
    const struct demo_model *m = d->m;
    int month = demo_model_month(m, t), prev = month_add(month, -1);
    struct db_stmt *st;
    int rc;
    if ((rc = unpaid_bills(d, prev, &st, e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        int i = member_index(m, db_col_int(st, 0));
        if (i >= 0 && d->late[i])
            add_pay(d, i, prev, db_col_int(st, 1), WAY_CASH, moment(d, month, 5, 9 + i % 8));
    }
    db_done(st);
    return rc < 0 ? rc : record(d, prev, e);
}

/* Approved terms before the first month: each farmer's monthly amount, and a few hardship
 * exemptions and reductions among retirees. */
static int write_terms(struct dd *d, struct errbuf *e)
{
    const struct demo_model *m = d->m;
    char approved_on[16];
    int rc = db_begin(d->db, e);
    date_format(date_from_days(date_to_days(m->first_month * 100 + 1) - 20), approved_on,
                sizeof(approved_on));
    for (int i = 0; rc >= 0 && i < m->nmembers; i++) {
        const struct demo_member *mb = &m->members[i];
        struct dues_term_in in = {mb->id,         NULL, 0,
                                  m->first_month, 0,    m->orgs[m->orgs[mb->branch].unit].name,
                                  approved_on,    NULL};
        struct demo_rng r;
        long long id;
        demo_rng_init(&r, d->o->seed, STREAM_DUES, ((uint64_t)i << 8) + 255);
        if (strcmp(mb->category, "farmer") == 0) {
            in.kind = "fixed";
            in.amount_fen = 10 * demo_rng_range(&r, 2, 10);
            in.note = "农民党员，支部大会确定每月交纳数额";
        } else if (strcmp(mb->category, "retired") == 0 && !mb->arrears_len &&
                   demo_rng_chance(&r, 0.004)) {
            in.kind = demo_rng_chance(&r, 0.5) ? "exempt" : "reduced";
            in.amount_fen = 100;
            in.note = "生活确有困难，支部研究、上级党委批准";
        } else {
            continue;
        }
        rc = dues_term_add(d->db, &in, 0, &id, e);
    }
    if (rc < 0) {
        db_rollback(d->db);
        return rc;
    }
    return db_commit(d->db, e);
}

/* Remit every organization's share to the level above, lowest levels first, so that what
 * a branch sends up is passed on in the same round. */
static int remit_all(struct dd *d, int month, struct errbuf *e)
{
    const struct demo_model *m = d->m;
    int rc = 0;
    for (int k = m->norgs - 1; k > 0 && rc >= 0; k--) {
        char key[64];
        json_t *out = NULL;
        if (m->orgs[k].kind == KIND_GROUP)
            continue;
        snprintf(key, sizeof(key), "demo-remit-%lld-%d", m->orgs[k].id, month);
        clock_at(d, moment(d, month, 15, 10) + k);
        rc = dues_remit(d->db, m->orgs[k].id, 0, key, 0, &out, e);
        json_decref(out);
        if (rc == -ERR_CONFLICT) { /* owes nothing yet */
            errbuf_clear(e);
            rc = 0;
        } else if (rc >= 0)
            d->sum->dues_remittances++;
    }
    return rc;
}

/* Twice a year the unit committees and some branches spend part of what they keep. */
static int spend(struct dd *d, int month, struct errbuf *e)
{
    static const char *const kinds[] = {"education", "activities", "hardship", "commendation"};
    static const char *const notes[] = {"党员教育培训教材", "主题党日活动", "慰问困难党员",
                                        "表彰优秀共产党员"};
    static const char *const accounts[3] = {"bank", "remit_payable", "special_remit"};
    const struct demo_model *m = d->m;
    int rc = 0;
    for (int k = 1; k < m->norgs && rc >= 0; k++) {
        const struct demo_org *o = &m->orgs[k];
        long long bal[3], bank, payable, special, amount, at;
        struct dues_expense_in in;
        struct demo_rng r;
        char key[64], approved_on[16], ref[64];
        json_t *out = NULL;
        int kind;
        demo_rng_init(&r, d->o->seed, STREAM_DUES,
                      ((uint64_t)1 << 40) + (uint64_t)k * 64 + (uint64_t)(month % 100));
        if (o->kind == KIND_GROUP || (o->kind == KIND_BRANCH && !demo_rng_chance(&r, 0.15)))
            continue;
        if ((rc = ledger_balances(d->db, o->id, accounts, bal, e)) < 0)
            break;
        bank = bal[0];
        payable = bal[1];
        special = bal[2];
        /* what it may spend: the bank less what it owes upward */
        amount = (bank + payable + special) * demo_rng_range(&r, 30, 60) / 100 / 100 * 100;
        if (amount < 1000)
            continue;
        kind = demo_rng_range(&r, 0, 3);
        snprintf(key, sizeof(key), "demo-expense-%lld-%d", o->id, month);
        /* spent on the 20th (or the demo's last day), approved at a meeting two days before */
        at = moment(d, month, 20, 15) + k;
        date_format(date_from_days((long)(at / 86400) - 2), approved_on, sizeof(approved_on));
        snprintf(ref, sizeof(ref), "%s〔%d〕%d号",
                 o->kind == KIND_BRANCH ? "支委会决议" : "党委会纪要", month / 100, month % 100);
        in = (struct dues_expense_in){o->id,      kinds[kind], amount, notes[kind], "支部委员会",
                                      "集体研究", approved_on, ref,    key};
        if (o->kind != KIND_BRANCH) {
            in.approved_by = "党委会";
            in.approver_role = "党委书记主持";
        }
        clock_at(d, at);
        if ((rc = dues_expense(d->db, &in, 0, &out, e)) >= 0)
            d->sum->dues_expenses++;
        json_decref(out);
    }
    return rc;
}

/* Once in the demo, finance finds a confirmed cash payment booked to the wrong member: it is
 * reversed (a reversing journal entry), the member pays again and the month is confirmed
 * once more. The first late cash payment for month prev made in month is the one. */
static int correct_one(struct dd *d, int month, int prev, struct errbuf *e)
{
    struct dues_confirm_stats cs;
    long long pid = 0, member = 0, amount = 0;
    struct db_stmt *st;
    json_t *out = NULL;
    int rc, i;
    if ((rc = db_prepare(d->db,
                         "SELECT p.id, p.member_id, p.amount_fen FROM dues_payments p"
                         " JOIN dues_payment_items i ON i.payment_id = p.id"
                         " AND i.tenant_id = p.tenant_id WHERE p.kind ="
                         " 'collection' AND p.channel = 'cash' AND p.status = 'paid'"
                         " AND i.month = $1 AND i.kind = 'bill' AND p.paid_at >= $2"
                         " ORDER BY p.id LIMIT 1",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", (long long)prev, moment(d, month, 1, 0));
    if ((rc = db_step(st, e)) == 1) {
        pid = db_col_int(st, 0);
        member = db_col_int(st, 1);
        amount = db_col_int(st, 2);
    }
    db_done(st);
    if (rc <= 0 || (i = member_index(d->m, member)) < 0)
        return rc;
    clock_at(d, moment(d, month, 6, 9) + 1200);
    if ((rc = dues_payment_reverse(d->db, pid, "误将他人缴纳的党费记入该党员名下，冲销后重新收取",
                                   0, &out, e)) < 0)
        return rc;
    json_decref(out);
    add_pay(d, i, prev, amount, WAY_CASH, moment(d, month, 6, 9) + 2400);
    if ((rc = record(d, prev, e)) < 0)
        return rc;
    clock_at(d, moment(d, month, 6, 9) + 3000);
    return dues_confirm(d->db, prev, d->root, d->root_path, 0, &cs, e);
}

/* The end of month t-1, on the 6th of month t: the late payers, one-click confirmation of
 * the whole company. */
static int settle_last_month(struct dd *d, int t, struct errbuf *e)
{
    int month = demo_model_month(d->m, t), prev = month_add(month, -1);
    struct dues_confirm_stats cs;
    int rc;
    if ((rc = pay_late(d, t, e)) < 0)
        return rc;
    dues_clock_set(moment(d, month, 6, 9));
    if ((rc = dues_confirm(d->db, prev, d->root, d->root_path, 0, &cs, e)) >= 0 &&
        t == d->m->months - 2)
        rc = correct_one(d, month, prev, e);
    return rc < 0 ? rc : 0;
}

/* Closing month t-1 for every company at once, after their confirmations. */
static int close_last_month(struct dd *d, int t, struct errbuf *e)
{
    int month = demo_model_month(d->m, t), prev = month_add(month, -1);
    struct dues_close_stats ks;
    int rc;
    dues_clock_set(moment(d, month, 6, 10));
    if ((rc = dues_close_month(d->db, prev, &ks, e)) < 0)
        return rc;
    d->sum->dues_on_time += ks.on_time;
    d->sum->dues_late += ks.late;
    d->sum->dues_todos += ks.warnings + ks.cases;
    return 0;
}

/* The latest month: confirmed in two units of three, never in the unit of the demo's
 * finance login, so that `caiwu` finds a batch to confirm in one click. */
static int confirm_part(struct dd *d, struct errbuf *e)
{
    const struct demo_model *m = d->m;
    int month = demo_model_month(m, m->months - 1), n = 0, rc = 0;
    for (int k = 1; k < m->norgs && rc >= 0; k++) {
        char path[ORG_PATH_MAX];
        struct dues_confirm_stats cs;
        if (m->orgs[k].parent != 0 || m->orgs[k].kind != KIND_COMMITTEE || n++ % 3 == 0 ||
            k == m->unit)
            continue;
        dues_clock_set(d->limit);
        if ((rc = org_path(d->db, m->orgs[k].id, path, sizeof(path), e)) >= 0)
            rc = dues_confirm(d->db, month, m->orgs[k].id, path, 0, &cs, e);
    }
    if (rc >= 0)
        rc = db_query_int(d->db, e, &d->sum->dues_unconfirmed,
                          "SELECT COUNT(*) FROM dues_bills WHERE month = $1 AND status = 'paid'",
                          "i", (long long)month);
    return rc < 0 ? rc : 0;
}

/* The months of every company (n of them, one tenant each, the same months) side by side:
 * one generation and one closing a month for all, the rest company by company. */
static int run(struct dd *ds, int n, struct errbuf *e)
{
    struct dd *d = &ds[0];
    const struct demo_model *m = d->m;
    int rc = 0;
    for (int k = 0; k < n && rc >= 0; k++)
        if ((rc = org_path(d->db, ds[k].root, ds[k].root_path, sizeof(ds[k].root_path), e)) >= 0)
            rc = write_terms(&ds[k], e);
    if (rc < 0)
        return rc;
    for (int t = 0; t < m->months; t++) {
        int month = demo_model_month(m, t);
        struct dues_gen_stats gs;
        struct dues_pub_stats ps;
        dues_clock_set(moment(d, month, 1, 8));
        if ((rc = dues_generate(d->db, month, NULL, 0, &gs, e)) < 0)
            return rc;
        json_decref(gs.missing);
        d->sum->dues_bills += gs.liable;
        d->sum->dues_base_missing = gs.base_missing;
        for (int k = 0; k < n && rc >= 0; k++) {
            dues_clock_set(moment(d, month, 1, 9));
            if ((rc = dues_publish(d->db, month, ds[k].root, ds[k].root_path, 0, &ps, e)) >= 0 &&
                t > 0)
                rc = settle_last_month(&ds[k], t, e);
        }
        if (rc < 0 || (t > 0 && (rc = close_last_month(d, t, e)) < 0))
            return rc;
        for (int k = 0; k < n && rc >= 0; k++)
            if ((t > 0 && (month % 100 % 6 == 1 || t == m->months - 1) &&
                 (rc = remit_all(&ds[k], month, e)) < 0) ||
                ((month % 100 % 6 == 0 || t == m->months - 1) &&
                 (rc = spend(&ds[k], month, e)) < 0))
                return rc;
        for (int k = 0; k < n && rc >= 0; k++)
            rc = pay_month(&ds[k], t, e);
        if (rc < 0)
            return rc;
        /* the dues tables grow by a month's rows: plan for them while they are new (PostgreSQL) */
        if ((t == 0 || t == 2) &&
            (rc = db_analyze(d->db,
                             "dues_bills, dues_payments, dues_payment_items, ledger_entries,"
                             " ledger_postings, audit",
                             e)) < 0)
            return rc;
        demo_report(d->o, "dues", t + 1, m->months, d->sum->dues_bills);
    }
    for (int k = 0; k < n && rc >= 0; k++)
        rc = confirm_part(&ds[k], e);
    if (rc < 0)
        return rc;
    return db_query_int(d->db, e, &d->sum->dues_paid,
                        "SELECT COUNT(*) FROM dues_bills WHERE kind = 'regular'"
                        " AND status IN ('paid', 'confirmed')",
                        "");
}

int demo_dues_write(struct db *db, const struct demo_model *m, const struct demo_opts *o, int n,
                    struct demo_summary *sum, struct errbuf *e)
{
    struct dd *ds = calloc((size_t)n, sizeof(*ds));
    struct db *db2 = NULL;
    bool citus = false;
    int rc = ds ? 0 : errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (int k = 0; k < n && rc >= 0; k++) {
        struct dd *d = &ds[k];
        long long limit = time_of_date(m[k].today) + 18 * 3600, now = (long long)time(NULL);
        *d = (struct dd){
            db,   NULL, &m[k], &o[k], sum, limit < now ? limit : now, m[k].orgs[0].id, "",
            NULL, NULL, 0,     NULL,  0};
        d->late = calloc((size_t)m[k].nmembers, sizeof(*d->late));
        d->pays = calloc((size_t)m[k].nmembers, sizeof(*d->pays));
        d->payroll = calloc((size_t)m[k].nmembers, sizeof(*d->payroll));
        if (!d->late || !d->pays || !d->payroll)
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    /* half of the payments through a second connection (dues_pay.c), shared by the companies;
     * not on Citus, where a statement over several shards (a payment's bills are updated by
     * id) waits for the other connection's open transaction, which waits for this one */
    if (rc >= 0 && db_backend(db) == DB_POSTGRES && m[0].nmembers >= DEMO_SPLIT_MEMBERS &&
        (rc = db_citus_present(db, &citus, e)) >= 0 && !citus &&
        (rc = db_open(db_url(db), &db2, e)) >= 0) {
        db_pipeline(db2, true);
        for (int k = 0; k < n; k++)
            ds[k].db2 = db2;
    }
    if (rc >= 0)
        rc = run(ds, n, e);
    db_close(db2);
    dues_clock_set(0);
    for (int k = 0; ds && k < n; k++) {
        free(ds[k].late);
        free(ds[k].pays);
        free(ds[k].payroll);
    }
    free(ds);
    return rc;
}
