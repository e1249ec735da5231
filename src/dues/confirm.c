#include "dues/confirm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/month.h"
#include "db/db.h"
#include "dues/bill.h"
#include "dues/rules.h"
#include "org/audit.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

int dues_bill_postings(const char *kind, bool via_credit, long long amount_fen,
                       long long share_fen, long long org_id, struct ledger_posting *out)
{
    int n = 0;
    if (strcmp(kind, "advance") == 0) {
        out[n++] = (struct ledger_posting){org_id, "bank", amount_fen};
        out[n++] = (struct ledger_posting){org_id, "dues_prepaid", -amount_fen};
        return n;
    }
    if (strcmp(kind, "voluntary") == 0 && amount_fen >= DUES_SPECIAL_FEN) {
        out[n++] = (struct ledger_posting){org_id, "bank", amount_fen};
        out[n++] = (struct ledger_posting){org_id, "special_remit", -amount_fen};
        return n;
    }
    if (strcmp(kind, "voluntary") == 0) {
        out[n++] = (struct ledger_posting){org_id, "bank", amount_fen};
        out[n++] = (struct ledger_posting){org_id, "dues_income", -amount_fen};
    } else {
        out[n++] = (struct ledger_posting){org_id, via_credit ? "dues_prepaid" : "bank", amount_fen};
        out[n++] = (struct ledger_posting){org_id, "dues_receivable", -amount_fen};
    }
    out[n++] = (struct ledger_posting){org_id, "dues_income", share_fen};
    out[n++] = (struct ledger_posting){org_id, "remit_payable", -share_fen};
    return n;
}

/* The same bills marked in the batch, summed per organization and kind of posting. */
struct org_sum {
    long long org;
    long long bank_regular, credit_regular, voluntary, special, advance, share;
};

static int post_batch(struct db *db, long long batch, int month, long long actor,
                      struct dues_confirm_stats *s, struct errbuf *e)
{
    struct db_stmt *st;
    struct org_sum *sums = NULL;
    long long *ids = NULL; /* the entries' ids, reserved at once */
    size_t n = 0, cap = 0;
    const char *pause = getenv("DJ_DUES_CONFIRM_PAUSE_MS");
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT org_id, kind, via_credit,"
                         " CASE WHEN amount_fen >= $2 THEN 1 ELSE 0 END, COUNT(*),"
                         " SUM(amount_fen), SUM(share_fen) FROM dues_bills"
                         " WHERE month = $3 AND batch_id = $1"
                         " GROUP BY org_id, kind, via_credit, CASE WHEN amount_fen >= $2 THEN 1 ELSE 0 END"
                         " ORDER BY org_id",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "iii", batch, (long long)DUES_SPECIAL_FEN, (long long)month);
    while ((rc = db_step(st, e)) == 1) {
        const char *kind = db_col_text(st, 1);
        long long org = db_col_int(st, 0), amount = db_col_int(st, 5);
        struct org_sum *o;
        if (!n || sums[n - 1].org != org) {
            if (n == cap) {
                void *p = realloc(sums, (cap = cap ? cap * 2 : 64) * sizeof(*sums));
                if (!p) {
                    rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                    break;
                }
                sums = p;
            }
            memset(&sums[n], 0, sizeof(sums[n]));
            sums[n++].org = org;
        }
        o = &sums[n - 1];
        s->bills += db_col_int(st, 4);
        s->amount_fen += amount;
        o->share += db_col_int(st, 6);
        if (strcmp(kind, "advance") == 0)
            o->advance += amount;
        else if (strcmp(kind, "voluntary") == 0 && db_col_int(st, 3))
            o->special += amount;
        else if (strcmp(kind, "voluntary") == 0)
            o->voluntary += amount;
        else if (db_col_int(st, 2))
            o->credit_regular += amount;
        else
            o->bank_regular += amount;
    }
    db_done(st);
    if (rc >= 0 && n && !(ids = malloc(n * sizeof(*ids))))
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    if (rc >= 0)
        rc = db_reserve_ids(db, "ledger_entries", n, ids, e);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        const struct org_sum *o = &sums[i];
        char key[96];
        struct ledger_posting p[] = {
            {o->org, "bank", o->bank_regular + o->voluntary + o->special + o->advance},
            {o->org, "dues_prepaid", o->credit_regular},
            {o->org, "dues_receivable", -(o->bank_regular + o->credit_regular)},
            {o->org, "dues_income", -o->voluntary},
            {o->org, "special_remit", -o->special},
            {o->org, "dues_prepaid", -o->advance},
            {o->org, "dues_income", o->share},
            {o->org, "remit_payable", -o->share},
        };
        struct ledger_entry_in in = {o->org, "confirm", key, dues_current_month(), 0, batch,
                                     "党费确认（一键确认）", actor};
        snprintf(key, sizeof(key), "confirm:%lld:%lld", batch, o->org);
        rc = ledger_post_queued(db, ids[i], &in, p, sizeof(p) / sizeof(p[0]), e);
        s->orgs++;
        /* the crash test (tests/api/dues.test.mjs) kills the server here, in the middle of
         * the batch's writes, and then finds all or none of it booked */
        if (pause && i == n / 2)
            usleep((useconds_t)atoi(pause) * 1000);
    }
    free(sums);
    free(ids);
    return rc < 0 ? rc : 0;
}

/* Mark month's paid rows of the subtree in the batch, kinds as given, with the upward share
 * of each (none for advances, none for voluntary payments that go up in full, none at the
 * root). Returns the rows marked. */
static int mark(struct db *db, long long batch, int month, const char *path, const char *hi,
                const char *kinds, long long now, int half_up, struct errbuf *e)
{
    return db_run(db, e,
                  "UPDATE dues_bills SET status = 'confirmed', batch_id = $1, confirmed_at = $2,"
                  " share_fen = CASE WHEN kind = 'advance' OR (kind = 'voluntary' AND amount_fen >= $7)"
                  " OR (SELECT parent_id FROM orgs WHERE orgs.id = dues_bills.org_id) IS NULL THEN 0"
                  " ELSE (amount_fen * COALESCE((SELECT remit_share_bp FROM dues_org_settings s"
                  " WHERE s.org_id = dues_bills.org_id AND s.tenant_id = dues_bills.tenant_id), $8)"
                  " + $9) / 10000 END"
                  " WHERE month = $3 AND status = 'paid' AND (kind = $6 OR ($6 = '' AND kind <> 'advance'))"
                  " AND org_id IN (SELECT id FROM orgs WHERE path >= $4 AND path < $5)",
                  "iiittti" "ii", batch, now, (long long)month, path, hi, kinds,
                  (long long)DUES_SPECIAL_FEN, 5000LL, half_up ? 5000LL : 0LL);
}

int dues_confirm(struct db *db, int month, long long org_id, const char *path, long long actor,
                 struct dues_confirm_stats *stats, struct errbuf *e)
{
    long long tenant;
    struct dues_confirm_stats s = {0, 0, 0, 0, 0};
    struct dues_rules rules;
    char hi[ORG_PATH_MAX];
    long long published = 0, now = dues_now();
    int rc, marked;
    json_t *d;
    if (!month_valid(month))
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_MONTH, "month", month,
                                "invalid month %d: expected YYYYMM", month);
    if ((rc = dues_rules_for_month(db, month, &rules, e)) < 0)
        return rc;
    scope_bounds(path, hi, sizeof(hi));
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    rc = db_query_int(db, e, &published,
                      "SELECT COUNT(*) FROM dues_bills b JOIN orgs o ON o.id = b.org_id"
                      " WHERE b.month = $1 AND b.kind = 'regular' AND b.published_at IS NOT NULL"
                      " AND o.path >= $2 AND o.path < $3",
                      "itt", (long long)month, path, hi);
    if (rc >= 0 && !published)
        rc = (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "month", NULL,
                           "the dues of %d are not published under organization %lld: publish them "
                           "before confirming",
                           month, org_id),
              errbuf_value_int(e, month), errbuf_state(e, "unpublished"));
    if (rc >= 0)
        rc = tenant_of_org(db, org_id, &tenant, e);
    if (rc >= 0)
        rc = db_query_int(db, e, &s.batch_id,
                          "INSERT INTO dues_batches(org_id, month, bills, amount_fen, created_by,"
                          " created_at, tenant_id) VALUES($1, $2, 0, 0, $3, $4, $5) RETURNING id",
                          "iiIii", org_id, (long long)month, actor, now, tenant);
    if (rc < 0)
        goto fail;
    /* advances first: their credit may settle bills of this month, confirmed with the rest */
    if ((marked = rc = mark(db, s.batch_id, month, path, hi, "advance", now,
                            rules.rounding == DUES_ROUND_HALF_UP, e)) < 0)
        goto fail;
    if (marked &&
        (rc = dues_apply_credit_all(db,
                                    "SELECT DISTINCT member_id FROM dues_bills"
                                    " WHERE month = $2 AND batch_id = $1",
                                    s.batch_id, month, &s.credited, e)) < 0)
        goto fail;
    if ((rc = mark(db, s.batch_id, month, path, hi, "", now,
                   rules.rounding == DUES_ROUND_HALF_UP, e)) < 0)
        goto fail;
    if (rc + marked == 0) { /* nothing paid and unconfirmed: a second click does nothing */
        db_rollback(db);
        s.batch_id = 0;
        *stats = s;
        return 0;
    }
    if ((rc = post_batch(db, s.batch_id, month, actor, &s, e)) < 0 ||
        (rc = db_run(db, e, "UPDATE dues_batches SET bills = $1, amount_fen = $2 WHERE id = $3",
                     "iii", s.bills, s.amount_fen, s.batch_id)) < 0)
        goto fail;
    d = json_pack("{s:i, s:I, s:I, s:I}", "month", month, "batch", (json_int_t)s.batch_id,
                  "bills", (json_int_t)s.bills, "orgs", (json_int_t)s.orgs);
    rc = audit_log(db, actor, org_id, "confirm", "dues_batch", s.batch_id, d, e);
    json_decref(d);
    if (rc < 0 || (rc = db_commit(db, e)) < 0)
        goto fail;
    *stats = s;
    return 0;
fail:
    db_rollback(db);
    return rc;
}
