/* The small dues world the ledger and batch tests share: a company committee, two unit
 * committees, four branches and 30 members with incomes from 2024 (member 7 has none), the
 * clock in January 2024, and the checks that must hold after any operation. */
#ifndef DUES_WORLD_H
#define DUES_WORLD_H

#include "unit.h"

#include "base/month.h"
#include "base/secret.h"
#include "db/db.h"
#include "dues/arrears.h"
#include "dues/base.h"
#include "dues/bill.h"
#include "dues/confirm.h"
#include "dues/ledger.h"
#include "dues/payment.h"
#include "dues/payroll.h"
#include "dues/remit.h"
#include "dues/settings.h"
#include "org/member.h"
#include "org/org.h"

#define NMEMBERS 30

static inline void must(int rc, const struct errbuf *e, const char *what)
{
    if (rc < 0)
        fail_msg("%s: %s", what, e->msg);
}

static inline long long at(int m, int day)
{
    return (long long)date_to_days(m * 100 + day) * 86400 + 12 * 3600;
}

struct world {
    struct db *db;
    long long root, unit[2], branch[4], members[NMEMBERS];
    char path_root[64], path_unit[2][64], path_branch[4][64];
};

static inline int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    struct errbuf e = ERRBUF_INIT;
    static const char *const cats[] = {"in_service", "in_service", "in_service", "retired",
                                       "farmer",     "student"};
    struct org_in root = {"R", "公司党委", "committee", 0, 0};
    assert_int_equal(secret_init(), 0);
    dues_test_clock(at(202401, 10));
    must(db_open(":memory:", &w->db, &e), &e, "open");
    must(db_migrate(w->db, &e), &e, "migrate");
    must(db_begin(w->db, &e), &e, "begin");
    must(org_create(w->db, &root, 0, &w->root, &e), &e, "root");
    for (int u = 0; u < 2; u++) {
        char code[16];
        snprintf(code, sizeof(code), "U%d", u);
        struct org_in o = {code, "单位党委", "committee", w->root, 0};
        must(org_create(w->db, &o, 0, &w->unit[u], &e), &e, "unit");
    }
    for (int b = 0; b < 4; b++) {
        char code[16];
        snprintf(code, sizeof(code), "B%d", b);
        struct org_in o = {code, "支部", "branch", w->unit[b / 2], 0};
        must(org_create(w->db, &o, 0, &w->branch[b], &e), &e, "branch");
    }
    for (int i = 0; i < NMEMBERS; i++) {
        char emp[16];
        struct member_in m = {0};
        snprintf(emp, sizeof(emp), "M%02d", i);
        m.emp_no = emp;
        m.name = emp;
        m.org_id = w->branch[i % 4];
        m.category = cats[i % 6];
        must(member_create(w->db, &m, 202401, 0, &w->members[i], &e), &e, "member");
        if (i % 6 < 4 && i != 7) { /* member 7 never gets a base */
            struct dues_base_in b = {w->members[i], 2024, 0, 150000 + 97003LL * i, "测试"};
            must(dues_base_set(w->db, &b, 0, &e), &e, "base");
        }
    }
    must(db_commit(w->db, &e), &e, "commit");
    must(org_path(w->db, w->root, w->path_root, 64, &e), &e, "path");
    for (int u = 0; u < 2; u++)
        must(org_path(w->db, w->unit[u], w->path_unit[u], 64, &e), &e, "path");
    for (int b = 0; b < 4; b++)
        must(org_path(w->db, w->branch[b], w->path_branch[b], 64, &e), &e, "path");
    *state = w;
    return 0;
}

static inline int teardown(void **state)
{
    struct world *w = *state;
    dues_test_clock(0);
    db_close(w->db);
    free(w);
    return 0;
}

static inline long long q(struct world *w, const char *sql, long long a)
{
    struct errbuf e = ERRBUF_INIT;
    long long v = 0;
    must(db_query_int(w->db, &e, &v, sql, "i", a), &e, sql);
    return v;
}

static inline long long bal(struct world *w, long long org, const char *account)
{
    struct errbuf e = ERRBUF_INIT;
    long long v = 0;
    must(ledger_balance(w->db, org, account, &v, &e), &e, "balance");
    return v;
}

/* Everything that must hold after any operation. */
static inline void invariants(struct world *w, const char *after)
{
    struct errbuf e = ERRBUF_INIT;
    long long bad = -1, total = -1, orgs[7];
    json_t *tb;
    int n = 0;
    must(ledger_check(w->db, &bad, &total, &e), &e, "check");
    if (bad || total)
        fail_msg("after %s: %lld unbalanced entries, postings sum to %lld", after, bad, total);
    must(ledger_trial_balance(w->db, w->root, w->path_root, true, 0, &tb, &e), &e, "trial");
    if (json_integer_value(json_object_get(tb, "balance_fen")) != 0 ||
        json_integer_value(json_object_get(tb, "total_debit_fen")) !=
            json_integer_value(json_object_get(tb, "total_credit_fen")))
        fail_msg("after %s: the trial balance does not sum to zero", after);
    json_decref(tb);
    orgs[n++] = w->root;
    for (int u = 0; u < 2; u++)
        orgs[n++] = w->unit[u];
    for (int b = 0; b < 4; b++)
        orgs[n++] = w->branch[b];
    for (int i = 0; i < n; i++) {
        long long owed = q(w,
                           "SELECT COALESCE(SUM(amount_fen), 0) FROM dues_bills WHERE org_id = $1"
                           " AND kind = 'regular' AND published_at IS NOT NULL"
                           " AND status IN ('unpaid', 'paid')",
                           orgs[i]);
        if (bal(w, orgs[i], "dues_receivable") != owed)
            fail_msg("after %s: org %lld receivable %lld, bills owed %lld", after, orgs[i],
                     bal(w, orgs[i], "dues_receivable"), owed);
        if (bal(w, orgs[i], "bank") < 0)
            fail_msg("after %s: org %lld bank below zero", after, orgs[i]);
    }
    {
        long long prepaid = 0, adv, used;
        for (int i = 0; i < n; i++)
            prepaid += bal(w, orgs[i], "dues_prepaid");
        adv = q(w, "SELECT COALESCE(SUM(amount_fen), 0) FROM dues_bills WHERE kind = 'advance'"
                   " AND status = 'confirmed' AND $1 = 1", 1);
        used = q(w, "SELECT COALESCE(SUM(amount_fen), 0) FROM dues_bills WHERE kind = 'regular'"
                    " AND via_credit = 1 AND status = 'confirmed' AND $1 = 1", 1);
        if (prepaid != used - adv)
            fail_msg("after %s: prepaid %lld, advances %lld, used %lld", after, prepaid, adv, used);
    }
}


static inline void publish_all(struct world *w, int month)
{
    struct errbuf e = ERRBUF_INIT;
    struct dues_gen_stats g;
    struct dues_pub_stats s;
    must(dues_generate(w->db, month, NULL, 0, &g, &e), &e, "generate");
    json_decref(g.missing);
    must(dues_publish(w->db, month, w->root, w->path_root, 0, &s, &e), &e, "publish");
}

#endif
