/* The ledger property test's operations on the books (see ledger_ops.h): one-click
 * confirmation, reversal, remittance, an expense with its approval record, closing a month,
 * the verified bases. Header-only, for test_ledger_property.c. */
#ifndef TESTS_UNIT_LEDGER_OPS_BOOKS_H
#define TESTS_UNIT_LEDGER_OPS_BOOKS_H

#include "ledger_ops.h"

static void op_confirm(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_confirm_stats s = {0, 0, 0, 0, 0};
    long long bills, amount, credited;
    int r = pick(w, 100), org = pick(w, LM_ORGS), rc, want;
    int month = r < 50   ? w->M.cur
                : r < 75 ? month_back(w, 1)
                : r < 95 ? month_back(w, 2 + pick(w, 11))
                         : lm_month_add(w->M.cur, 1);
    snprintf(w->op, sizeof(w->op), "confirm %d under organization %d", month, org);
    rc = dues_confirm(w->db, month, w->M.orgs[org].id, w->M.orgs[org].path, 0, &s, &e);
    /* the model takes the batch's id from the code: ids are not figures to predict */
    want = lm_confirm(&w->M, month, org, rc == 0 ? s.batch_id : 0, &bills, &amount, &credited);
    expect_rc(w, kind, rc, want, &e);
    if (rc == 0) {
        expect_eq(w, "a batch made", s.batch_id != 0, bills != 0);
        expect_eq(w, "bills confirmed", s.bills, bills);
        expect_eq(w, "amount confirmed", s.amount_fen, amount);
        expect_eq(w, "bills settled from credit", s.credited, credited);
    }
}

static void op_reverse(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    json_t *out = NULL;
    int r = pick(w, 100), p = pick(w, w->M.npays), rc, want;
    long long id, entries = -1;
    const char *reason = r >= 90 && r < 95 ? "" : "错账冲销";
    for (int k = 0; k < 32 && w->M.npays && r < 82 && w->M.pays[p].status != LP_PAID; k++)
        p = pick(w, w->M.npays);
    id = w->M.npays && r < 95 ? w->M.pays[p].id : w->M.npays + 1000;
    snprintf(w->op, sizeof(w->op), "reverse payment %lld ('%s')", id, reason);
    want = lm_reverse(&w->M, id, *reason != '\0');
    rc = dues_payment_reverse(w->db, id, reason, 0, &out, &e);
    if (rc == 0)
        entries = json_integer_value(json_object_get(out, "reversing_entries"));
    json_decref(out);
    expect_rc(w, kind, rc, want, &e);
    if (rc == 0)
        expect_eq(w, "reversing entries", entries, w->M.entries);
}

/* A request key: none, a new one, one used before (by this or another organization), or an
 * empty one. which: 0 remittances, 1 expenses. */
static const char *request_key(struct world *w, int which, char *buf, size_t n)
{
    int r = pick(w, 100);
    if (r < 65)
        return NULL;
    if (r < 88 || !w->M.nkeys[which]) {
        snprintf(buf, n, "%s-%lld", which ? "EK" : "RK", w->step);
        return buf;
    }
    if (r < 97)
        return w->M.keys[which][pick(w, w->M.nkeys[which])].key;
    return "";
}

static void op_remit(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    char buf[40];
    int org = pick(w, LM_ORGS), r = pick(w, 100), rc, want;
    long long payable, amount, m_amount = 0, m_special = 0;
    const char *key = request_key(w, 0, buf, sizeof(buf));
    json_t *out = NULL;
    for (int k = 0; k < 6 && pick(w, 3) && !w->M.bal[org][LA_PAYABLE] && !w->M.bal[org][LA_SPECIAL];
         k++)
        org = pick(w, LM_ORGS); /* mostly one that owes something */
    payable = -w->M.bal[org][LA_PAYABLE];
    amount = r < 70   ? 0
             : r < 90 ? 1 + pick_ll(w, payable > 0 ? payable : 100)
                      : payable + 1 + pick(w, 1000);
    snprintf(w->op, sizeof(w->op),
             "remit %lld from organization %d (owing %lld, large voluntary %lld, bank %lld),"
             " key '%s'",
             amount, org, payable, -w->M.bal[org][LA_SPECIAL], w->M.bal[org][LA_BANK],
             key ? key : "(none)");
    want = lm_remit(&w->M, org, amount, key, &m_amount, &m_special);
    rc = dues_remit(w->db, w->M.orgs[org].id, amount, key, 0, &out, &e);
    bool dup = rc == 0 && json_is_true(json_object_get(out, "duplicate"));
    long long a = json_integer_value(json_object_get(out, "amount_fen"));
    long long s = json_integer_value(json_object_get(out, "special_fen"));
    json_decref(out); /* NULL after a refusal */
    expect_rc(w, kind, rc, want == 1 ? 0 : want, &e);
    if (rc == 0 && dup != (want == 1))
        prop_fail(w, "the reply's duplicate disagrees with the model (%d)", want);
    if (want == 0) {
        expect_eq(w, "amount remitted", a, m_amount);
        expect_eq(w, "large voluntary dues remitted", s, m_special);
    }
}

static void date_text(char *buf, size_t n, int ymd)
{
    snprintf(buf, n, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
}

static void op_expense(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    char kbuf[40], on[16];
    int org = pick(w, LM_ORGS), r = pick(w, 100), a = pick(w, 100),
        k = pick(w, 20) ? pick(w, 5) : -1;
    int rc, want, day = w->M.today % 100;
    long long bank = w->M.bal[org][LA_BANK];
    json_t *out = NULL;
    struct dues_expense_in in = {w->M.orgs[org].id,
                                 k < 0 ? "gambling" : lm_expense_kind[k],
                                 0,
                                 "党课教材",
                                 "王书记",
                                 "支部委员会",
                                 on,
                                 "支委会决议〔2024〕1号",
                                 request_key(w, 1, kbuf, sizeof(kbuf))};
    long long up = -w->M.bal[org][LA_PAYABLE] - w->M.bal[org][LA_SPECIAL]; /* owed upward */
    for (int o = 0; o < LM_ORGS && r >= 58 && r < 70 && !(up > 0 && bank > up); o++) {
        org = o; /* leave an organization that owes upward just enough, or a fen less */
        bank = w->M.bal[o][LA_BANK];
        up = -w->M.bal[o][LA_PAYABLE] - w->M.bal[o][LA_SPECIAL];
        in.org_id = w->M.orgs[o].id;
    }
    in.amount_fen = r < 50   ? 1 + pick_ll(w, bank > 0 ? bank : 100)
                    : r < 58 ? bank /* all of it */
                    : r < 70 ? (bank > up && up > 0 ? bank - up + pick(w, 2) : bank)
                    : r < 85 ? bank + 1 + pick(w, 1000)
                    : r < 90 ? 0
                             : 1 + pick(w, 5000);
    date_text(on, sizeof(on), pick(w, 2) ? w->M.today : w->M.today - day + 1);
    if (a >= 90 && a < 94) /* the approval record without one of its parts */
        *(a == 90   ? &in.approved_by
          : a == 91 ? &in.approver_role
                    : &in.approval_ref) = a == 93 ? NULL : "";
    else if (a >= 94 && a < 97) /* approved tomorrow */
        date_text(on, sizeof(on),
                  day < month_days(w->M.cur) ? w->M.today + 1
                                             : lm_month_add(w->M.cur, 1) * 100 + 1);
    else if (a >= 97)
        snprintf(on, sizeof(on), "%d-13-01", w->M.cur / 100);
    snprintf(w->op, sizeof(w->op),
             "expense of %lld on %s by organization %d approved on %s (%d),"
             " key '%s'",
             in.amount_fen, in.kind, org, on, a, in.request_key ? in.request_key : "");
    want = lm_expense(&w->M, org, k, in.amount_fen, a < 90, in.request_key);
    rc = dues_expense(w->db, &in, 0, &out, &e);
    if (rc == 0 && json_is_true(json_object_get(out, "duplicate")) != (want == 1)) {
        json_decref(out);
        prop_fail(w, "the reply's duplicate disagrees with the model (%d)", want);
    }
    json_decref(out);
    expect_rc(w, kind, rc, want == 1 ? 0 : want, &e);
}

static void op_close(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_close_stats s = {0, 0, 0, 0, 0};
    long long on_time, late;
    int r = pick(w, 100), rc, want;
    int month = r < 60 ? month_back(w, 1) : r < 90 ? month_back(w, 2 + pick(w, 3)) : w->M.cur;
    snprintf(w->op, sizeof(w->op), "close %d", month);
    want = lm_close(&w->M, month, &on_time, &late);
    rc = dues_close_month(w->db, month, &s, &e);
    expect_rc(w, kind, rc, want, &e);
    if (rc == 0) {
        expect_eq(w, "bills on time", s.on_time, on_time);
        expect_eq(w, "bills late", s.late, late);
        expect_eq(w, "members skipped", s.skipped, 0);
    }
}

static int set_base(struct world *w, int member, int year, int from, long long fen)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_base_in in = {w->M.members[member].id, year, from, fen, "财务核定"};
    int rc;
    must_ok(w, db_begin(w->db, &e), &e, "begin");
    if ((rc = dues_base_set(w->db, &in, 0, &e)) < 0)
        db_rollback(w->db);
    else
        must_ok(w, db_commit(w->db, &e), &e, "commit");
    return rc;
}

/* A member's verified base changes (a raise from some month, next year's), or a bad one. */
static void op_base(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    int member = pick(w, LM_MEMBERS), r = pick(w, 100), year = w->M.cur / 100 + (r >= 80);
    int from = year * 100 + 1 + pick(w, 12), want;
    long long fen = random_base(w);
    if (r >= 90) { /* no income, not a salary, a month of another year */
        int bad = pick(w, 3);
        fen = bad == 0 ? 0 : bad == 1 ? LM_MAX_BASE + 1 : fen;
        from = bad == 2 ? (year + 1) * 100 + 1 : from;
    }
    snprintf(w->op, sizeof(w->op), "base of member %d for %d from %d: %lld fen", member, year, from,
             fen);
    want = lm_base_set(&w->M, member, year, from, fen);
    expect_rc(w, kind, set_base(w, member, year, from, fen), want, &e);
}

/* January: payroll's verified bases of the year, for most members (年初核定). */
static void op_year_bases(struct world *w, int kind)
{
    struct errbuf e = ERRBUF_INIT;
    int year = w->M.cur / 100;
    snprintf(w->op, sizeof(w->op), "verify the bases of %d", year);
    for (int i = 0; i < LM_MEMBERS; i++) {
        long long fen = random_base(w);
        if (!lm_rated(w->M.members[i].category) || pick(w, 6) == 0)
            continue;
        expect_rc(w, kind, set_base(w, i, year, 0, fen), lm_base_set(&w->M, i, year, 0, fen), &e);
    }
}

#endif
