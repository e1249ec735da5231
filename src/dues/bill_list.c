/* The bills of a month as the console lists them, and a member's history (bill.h). */
#include "dues/bill.h"

#include <stdio.h>
#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "dues/base.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

static json_t *int_or_null(struct db_stmt *st, int col)
{
    return db_col_null(st, col) ? json_null() : json_integer(db_col_int(st, col));
}

/* A bill's figures from six columns from col on: amount, base, band, rate, rule version,
 * category (shown to the member and to finance only). */
static void set_amounts(json_t *o, struct db_stmt *st, int col)
{
    json_object_set_new(o, "amount_fen", int_or_null(st, col));
    json_object_set_new(o, "base_fen", int_or_null(st, col + 1));
    json_object_set_new(o, "band", int_or_null(st, col + 2));
    json_object_set_new(o, "rate_bp", int_or_null(st, col + 3));
    json_object_set_new(o, "rule_version", int_or_null(st, col + 4));
    json_object_set_new(o, "category", json_string(db_col_text(st, col + 5)));
}

static bool on_time(struct db_stmt *st, int paid_col, int month)
{
    return !db_col_null(st, paid_col) && month_of_time(db_col_int(st, paid_col)) <= month;
}

int dues_bills_list(struct db *db, const char *path, int month, const char *status,
                    bool show_amounts, long long page, long long page_size, json_t **ret,
                    struct errbuf *e)
{
    char hi[ORG_PATH_MAX];
    json_t *items = json_array();
    struct db_stmt *st;
    long long total = 0, tenant = 0;
    int rc;
    scope_bounds(path, hi, sizeof(hi));
#define WHERE(tenant)                                                                      \
    " WHERE o.path >= $1 AND o.path < $2 AND b.month = $3 AND b.kind = 'regular'"          \
    " AND ($4 = '' OR b.status = $4)" tenant
    /* in one tenant: named, so that Citus reads its shards alone */
    if ((rc = tenant_of_subtree(db, path, &tenant, e)) < 0)
        goto fail;
    rc = tenant ? db_query_int(db, e, &total,
                               "SELECT COUNT(*) FROM dues_bills b JOIN orgs o ON o.id = b.org_id"
                               WHERE(" AND b.tenant_id = $5"),
                               "ttiti", path, hi, (long long)month, status ? status : "", tenant)
                : db_query_int(db, e, &total,
                               "SELECT COUNT(*) FROM dues_bills b JOIN orgs o ON o.id = b.org_id"
                               WHERE(""),
                               "ttit", path, hi, (long long)month, status ? status : "");
#define PAGE(tenant)                                                                       \
    "SELECT b.id, b.member_id, m.emp_no, m.name, b.org_id, o.name, b.status,"              \
    " b.published_at, b.paid_at, b.confirmed_at, b.amount_fen, b.base_fen,"               \
    " b.band, b.rate_bp, b.rule_version, b.category, b.party_status,"                      \
    " b.via_credit FROM dues_bills b JOIN orgs o ON o.id = b.org_id"                       \
    " JOIN members m ON m.id = b.member_id AND m.tenant_id = b.tenant_id" WHERE(tenant)    \
    " ORDER BY o.path, m.emp_no LIMIT $5 OFFSET $6"
    if (rc < 0 ||
        (rc = db_prepare(db, tenant ? PAGE(" AND b.tenant_id = $7") : PAGE(""), &st, e)) < 0)
        goto fail;
#undef PAGE
#undef WHERE
    db_bindv(st, "ttitii", path, hi, (long long)month, status ? status : "", page_size,
             (page - 1) * page_size);
    if (tenant)
        db_bind_int(st, 7, tenant);
    while ((rc = db_step(st, e)) == 1) {
        json_t *o = json_pack("{s:I, s:i, s:I, s:s, s:s, s:I, s:s, s:s, s:b, s:o, s:b, s:s}", "id",
                              db_col_int(st, 0), "month", month, "member_id", db_col_int(st, 1),
                              "emp_no", db_col_text(st, 2), "name", db_col_text(st, 3), "org_id",
                              db_col_int(st, 4), "org_name", db_col_text(st, 5), "status",
                              db_col_text(st, 6), "published", !db_col_null(st, 7), "paid_at",
                              int_or_null(st, 8), "on_time", on_time(st, 8, month),
                              "party_status", db_col_text(st, 16));
        if (show_amounts) {
            set_amounts(o, st, 10);
            json_object_set_new(o, "confirmed_at", int_or_null(st, 9));
            json_object_set_new(o, "via_credit", json_boolean(db_col_int(st, 17)));
        }
        json_array_append_new(items, o);
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    *ret = json_pack("{s:i, s:b, s:o, s:I, s:I, s:I}", "month", month, "amounts", show_amounts,
                     "items", items, "total", (json_int_t)total, "page", (json_int_t)page,
                     "page_size", (json_int_t)page_size);
    return 0;
fail:
    json_decref(items);
    return rc;
}

int dues_member_history(struct db *db, long long member_id, int from, int to,
                        bool show_amounts, json_t **ret, struct errbuf *e)
{
    json_t *bills = json_array(), *pays = NULL, *bases = NULL, *out;
    struct db_stmt *st;
    long long credit = 0;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT id, month, kind, org_id, status, published_at, paid_at,"
                         " confirmed_at, amount_fen, base_fen, band, rate_bp, rule_version,"
                         " category, payment_id, via_credit FROM dues_bills WHERE member_id = $1"
                         " AND month >= $2 AND month <= $3 AND (kind = 'regular' OR $4 = 1)"
                         " ORDER BY month DESC, kind DESC, seq",
                         &st, e)) < 0)
        goto fail;
    /* other kinds (voluntary, advance) are amounts in themselves: the member and finance */
    db_bindv(st, "iiii", member_id, (long long)from, (long long)to, (long long)show_amounts);
    while ((rc = db_step(st, e)) == 1) {
        int month = (int)db_col_int(st, 1);
        json_t *o = json_pack("{s:I, s:i, s:s, s:I, s:s, s:b, s:o, s:b}", "id", db_col_int(st, 0),
                              "month", month, "kind", db_col_text(st, 2), "org_id",
                              db_col_int(st, 3), "status", db_col_text(st, 4), "published",
                              !db_col_null(st, 5), "paid_at", int_or_null(st, 6), "on_time",
                              on_time(st, 6, month));
        if (show_amounts) {
            json_object_set_new(o, "confirmed_at", int_or_null(st, 7));
            set_amounts(o, st, 8);
            json_object_set_new(o, "payment_id", int_or_null(st, 14));
            json_object_set_new(o, "via_credit", json_boolean(db_col_int(st, 15)));
        }
        json_array_append_new(bills, o);
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    out = json_pack("{s:I, s:i, s:i, s:b, s:o}", "member_id", (json_int_t)member_id, "from", from,
                    "to", to, "amounts", show_amounts, "bills", bills);
    bills = NULL;
    if (!show_amounts) {
        *ret = out;
        return 0;
    }
    pays = json_array();
    if ((rc = db_prepare(db,
                         "SELECT id, kind, channel, external_ref, amount_fen, status, payer,"
                         " created_at, paid_at FROM dues_payments WHERE member_id = $1"
                         " ORDER BY id DESC LIMIT 100",
                         &st, e)) < 0)
        goto fail_out;
    db_bind_int(st, 1, member_id);
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(
            pays, json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:o}", "id",
                            db_col_int(st, 0), "kind", db_col_text(st, 1), "channel",
                            db_col_text(st, 2), "external_ref", db_col_text(st, 3), "amount_fen",
                            db_col_int(st, 4), "status", db_col_text(st, 5), "payer",
                            db_col_text(st, 6), "created_at", db_col_int(st, 7), "paid_at",
                            int_or_null(st, 8)));
    db_done(st);
    if (rc < 0 || (rc = dues_member_credit(db, member_id, &credit, e)) < 0 ||
        (rc = dues_bases_of_member(db, member_id, &bases, e)) < 0)
        goto fail_out;
    json_object_set_new(out, "payments", pays);
    json_object_set_new(out, "credit_fen", json_integer(credit));
    json_object_set_new(out, "bases", bases);
    *ret = out;
    return 0;
fail_out:
    json_decref(pays);
    json_decref(out);
    return rc;
fail:
    json_decref(bills);
    return rc;
}
