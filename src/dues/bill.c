#include "dues/bill.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "dues/ledger.h"
#include "org/audit.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

/* The clock of the dues module: real time, or a fixed instant in unit tests. */
static long long fixed_now;

long long dues_now(void)
{
    return fixed_now ? fixed_now : (long long)time(NULL);
}

void dues_clock_set(long long t)
{
    fixed_now = t;
}

#ifdef DJ_UNITTEST
void dues_test_clock(long long t)
{
    dues_clock_set(t);
}
#endif

int dues_current_month(void)
{
    return month_of_time(dues_now());
}

/* ---- publication */

int dues_publish(struct db *db, int month, long long org_id, const char *path, long long actor,
                 struct dues_pub_stats *stats, struct errbuf *e)
{
    long long tenant;
    char hi[ORG_PATH_MAX];
    struct dues_pub_stats s = {0, 0, 0, 0, 0};
    struct db_stmt *st;
    long long exist = 0, now = dues_now();
    int rc, cur = dues_current_month();
    json_t *d;
    if (!month_valid(month))
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_MONTH, "month", month,
                                "invalid month %d: expected YYYYMM", month);
    scope_bounds(path, hi, sizeof(hi));
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    rc = db_query_int(db, e, &exist,
                      "SELECT COUNT(*) FROM dues_bills b JOIN orgs o ON o.id = b.org_id"
                      " WHERE b.month = $1 AND b.kind = 'regular' AND o.path >= $2 AND o.path < $3",
                      "itt", (long long)month, path, hi);
    if (rc >= 0 && exist == 0)
        rc = (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "month", NULL,
                           "no dues bills for %d under organization %lld: generate the month first",
                           month, org_id),
              errbuf_value_int(e, month), errbuf_state(e, "not_generated"));
    if (rc >= 0)
        rc = tenant_of_org(db, org_id, &tenant, e);
    if (rc >= 0)
        rc = db_query_int(db, e, &s.publication_id,
                          "INSERT INTO dues_publications(org_id, month, bills, amount_fen,"
                          " created_by, created_at, tenant_id) VALUES($1, $2, 0, 0, $3, $4, $5)"
                          " RETURNING id",
                          "iiIii", org_id, (long long)month, actor, now, tenant);
    if (rc >= 0)
        rc = db_run(db, e,
                    "UPDATE dues_bills SET published_at = $1, publication_id = $2"
                    " WHERE month = $3 AND kind = 'regular' AND published_at IS NULL"
                    " AND status IN ('unpaid', 'exempt')"
                    " AND org_id IN (SELECT id FROM orgs WHERE path >= $4 AND path < $5)",
                    "iiitt", now, s.publication_id, (long long)month, path, hi);
    if (rc < 0)
        goto fail;
    if (rc == 0) { /* published before: nothing new, nothing written */
        db_rollback(db);
        s.publication_id = 0;
        *stats = s;
        return 0;
    }
    /* one entry per organization: receivable +, income − */
    if ((rc = db_prepare(db,
                         "SELECT org_id, COUNT(*), COALESCE(SUM(amount_fen), 0) FROM dues_bills"
                         " WHERE month = $2 AND publication_id = $1 GROUP BY org_id ORDER BY org_id",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "ii", s.publication_id, (long long)month);
    {
        struct {
            long long org, amount;
        } *rows = NULL;
        long long *ids = NULL;
        size_t nrows = 0, cap = 0;
        while ((rc = db_step(st, e)) == 1) {
            if (nrows == cap) {
                void *p = realloc(rows, (cap = cap ? cap * 2 : 64) * sizeof(*rows));
                if (!p) {
                    rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                    break;
                }
                rows = p;
            }
            rows[nrows].org = db_col_int(st, 0);
            rows[nrows].amount = db_col_int(st, 2);
            s.bills += db_col_int(st, 1);
            s.amount_fen += rows[nrows].amount;
            nrows++;
        }
        db_done(st);
        if (rc >= 0 && nrows && !(ids = malloc(nrows * sizeof(*ids))))
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        if (rc >= 0) /* one round trip for the ids of all the entries */
            rc = db_reserve_ids(db, "ledger_entries", nrows, ids, e);
        for (size_t i = 0; rc >= 0 && i < nrows; i++) {
            char key[96];
            struct ledger_posting p[2] = {{rows[i].org, "dues_receivable", rows[i].amount},
                                          {rows[i].org, "dues_income", -rows[i].amount}};
            struct ledger_entry_in in = {rows[i].org, "publish", key, cur, 0, s.publication_id,
                                         "党费发布（应收党费）", actor};
            snprintf(key, sizeof(key), "publish:%lld:%lld", s.publication_id, rows[i].org);
            s.orgs++;
            if (rows[i].amount)
                rc = ledger_post_queued(db, ids[i], &in, p, 2, e);
        }
        free(rows);
        free(ids);
        if (rc < 0)
            goto fail;
    }
    if ((rc = db_run(db, e, "UPDATE dues_publications SET bills = $1, amount_fen = $2 WHERE id = $3",
                     "iii", s.bills, s.amount_fen, s.publication_id)) < 0)
        goto fail;
    /* members holding confirmed advances: settle the new bills from them */
    if ((rc = dues_apply_credit_all(
             db,
             "SELECT DISTINCT b.member_id FROM dues_bills b WHERE b.month = $2"
             " AND b.publication_id = $1 AND EXISTS (SELECT 1 FROM dues_bills a"
             " WHERE a.member_id = b.member_id AND a.tenant_id = b.tenant_id"
             " AND a.kind = 'advance' AND a.status = 'confirmed')",
             s.publication_id, month, &s.credited, e)) < 0)
        goto fail;
    d = json_pack("{s:i, s:I, s:I}", "month", month, "bills", (json_int_t)s.bills, "orgs",
                  (json_int_t)s.orgs);
    rc = audit_log(db, actor, org_id, "publish", "dues_month", month, d, e);
    json_decref(d);
    if (rc < 0 || (rc = db_commit(db, e)) < 0)
        goto fail;
    *stats = s;
    return 0;
fail:
    db_rollback(db);
    return rc;
}
