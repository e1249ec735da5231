/* HTTP handlers of the finance clerk's screens (财务): the payroll import of income bases, cash
 * and bank collections, reversal of a payment, the remittances an organization made and
 * received with what it owes upward now, and its expenditures with their approval records. */
#include "dues/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "dues/base.h"
#include "dues/bill.h"
#include "dues/payment.h"
#include "dues/remit.h"
#include "org/api.h"
#include "org/audit.h"
#include "org/scope.h"
#include "base/banned.h"

static int apply_bases(struct req *r, struct csv_table *t, bool dry, int from,
                       struct import_report *rep, struct errbuf *e)
{
    (void)from;
    return dues_import_bases(r->db, t, dry, r->auth.account_id, &r->auth, ROLE_FINANCE, rep, e);
}

/* The same import as `dangjian import bases`, as the other CSV imports: every row's member
 * inside the caller's finance subtree, ?dry_run=true to preview. */
int api_import_bases(struct req *r, struct errbuf *e)
{
    return api_import_run(r, "bases", false, apply_bases, e);
}

int api_dues_remittances(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org, year, page, size;
    json_t *out;
    int rc;
    if ((rc = dues_api_org(r, ROLE_FINANCE, false, path, &org, e)) < 0 ||
        (rc = req_query_int(r, "year", dues_current_month() / 100, 2008, 2100, &year, e)) < 0 ||
        (rc = req_page(r, 50, &page, &size, e)) < 0 ||
        (rc = dues_remittances_list(r->db, org, (int)year, page, size, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_dues_expenses(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org, page, size;
    int cur = dues_current_month(), from, to, rc;
    json_t *out;
    if ((rc = dues_api_org(r, ROLE_FINANCE, false, path, &org, e)) < 0 ||
        (rc = dues_api_month(r, "from", false, cur / 100 * 100 + 1, &from, e)) < 0 ||
        (rc = dues_api_month(r, "to", false, cur, &to, e)) < 0 ||
        (rc = req_page(r, 50, &page, &size, e)) < 0)
        return rc;
    if (from > to)
        return errbuf_field(e, -ERR_INVALID, R_MISMATCH, "from", NULL, "'from' is after 'to'");
    if ((rc = dues_expenses_list(r->db, org, from, to, page, size, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

/* ---- collections and reversal */

#define MAX_COLLECTIONS 20000 /* payments in one collection request */

/* One collection (cash, bank, payroll) as {member_id | emp_no, months, amount_fen, channel,
 * external_ref, payer, voluntary_fen}. */
static int collect_one(struct req *r, json_t *item, long long *ret_id, long long *ret_amount,
                       const char **ret_field, struct errbuf *e)
{
    struct dues_pay_in in = {0};
    int months[DUES_MAX_MONTHS];
    json_t *saved = r->json;
    const char *emp = NULL;
    char path[ORG_PATH_MAX];
    int rc;
    if (!json_is_object(item)) {
        *ret_field = "";
        return errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, NULL, NULL, "not an object");
    }
    r->json = item; /* reuse the typed field readers on the item */
    *ret_field = "member_id";
    if ((rc = req_int(r, "member_id", false, &in.member_id, e)) < 0 ||
        (rc = req_str(r, "emp_no", false, 32, &emp, e)) < 0)
        goto out;
    if (!in.member_id && emp &&
        db_query_int(r->db, NULL, &in.member_id, "SELECT id FROM members WHERE emp_no = $1", "t",
                     emp) <= 0) {
        rc = errbuf_field(e, -ERR_INVALID, R_UNKNOWN_MEMBER, "emp_no", emp,
                          "no member with emp_no '%s'", emp);
        goto out;
    }
    if (!in.member_id) {
        rc = errbuf_field(e, -ERR_INVALID, R_REQUIRED, "member_id", NULL,
                          "member_id or emp_no is required");
        goto out;
    }
    if ((rc = dues_api_member_path(r, in.member_id, path, e)) < 0) {
        rc = -ERR_INVALID;
        goto out;
    }
    if (!auth_covers(&r->auth, ROLE_FINANCE, path)) {
        rc = errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "member_id", in.member_id,
                              "member %lld is outside your scope", in.member_id);
        goto out;
    }
    *ret_field = "months";
    if ((rc = dues_api_read_months(r, in.member_id, months, &in.nmonths, e)) < 0)
        goto out;
    *ret_field = "amount_fen";
    if ((rc = req_int(r, "amount_fen", true, &in.amount_fen, e)) < 0 ||
        (rc = req_int(r, "voluntary_fen", false, &in.voluntary_fen, e)) < 0)
        goto out;
    *ret_field = "channel";
    if ((rc = req_str(r, "channel", true, 16, &in.channel, e)) < 0 ||
        (rc = req_str(r, "external_ref", false, 64, &in.external_ref, e)) < 0 ||
        (rc = req_str(r, "payer", false, 64, &in.payer, e)) < 0)
        goto out;
    in.months = months;
    in.actor = r->auth.account_id;
    *ret_field = "amount_fen";
    if ((rc = dues_payment_create(r->db, &in, ret_id, e)) < 0) {
        if (strncmp(e->msg, "months", 6) == 0)
            *ret_field = "months";
        else if (strncmp(e->msg, "channel", 7) == 0)
            *ret_field = "channel";
        goto out;
    }
    *ret_amount = in.amount_fen;
out:
    r->json = saved;
    return rc;
}

/* Finance records collections: all of them, or none when any is wrong (the reply lists each
 * bad item with its index, field and reason). */
int api_dues_collect(struct req *r, struct errbuf *e)
{
    json_t *items = json_object_get(r->json, "items"), *item, *ids;
    long long total = 0;
    long mark;
    size_t i, bad = 0;
    int rc, forbidden = 0;
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > MAX_COLLECTIONS)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_MANY, "items", NULL,
                             "field 'items' must be an array of 1 to %d collections",
                             MAX_COLLECTIONS),
                errbuf_limit(e, MAX_COLLECTIONS));
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    ids = json_array();
    mark = audit_batch_begin(); /* one row for the batch, below */
    json_array_foreach(items, i, item)
    {
        struct errbuf ie = ERRBUF_INIT;
        const char *field = "";
        long long id = 0, amount = 0;
        int r1 = collect_one(r, item, &id, &amount, &field, &ie);
        if (r1 == -ERR_FORBIDDEN)
            forbidden = 1;
        if (r1 < 0 && r1 != -ERR_INVALID && r1 != -ERR_CONFLICT && r1 != -ERR_FORBIDDEN &&
            r1 != -ERR_NOTFOUND) {
            rc = r1;
            *e = ie;
            break;
        }
        if (r1 < 0) {
            /* the item's reason, at its index, naming the field the problem is in */
            if (!ie.field[0])
                snprintf(ie.field, sizeof(ie.field), "%s", field);
            if (!ie.why)
                errbuf_why(&ie, R_INVALID_FORMAT, field, NULL);
            errbuf_index(&ie, (long long)i);
            if (bad++ < 100)
                req_error_detail(r, req_reason_item(&ie));
            continue;
        }
        total += amount;
        json_array_append_new(ids, json_integer(id));
    }
    audit_batch_end(mark);
    if (rc >= 0 && bad)
        rc = errbuf_set(e, forbidden ? -ERR_FORBIDDEN : -ERR_INVALID,
                        "%zu of %zu collections are wrong: nothing recorded", bad,
                        json_array_size(items));
    if (rc >= 0) {
        json_t *d = json_pack("{s:I, s:I, s:O}", "payments", (json_int_t)json_array_size(ids),
                              "amount_fen", (json_int_t)total, "ids", ids);
        rc = audit_log(r->db, r->auth.account_id, auth_home_org(&r->auth, ROLE_FINANCE),
                       "collect", "dues_payment", 0, d, e);
        json_decref(d);
    }
    if ((rc = dues_api_in_tx(r, rc, e)) < 0) {
        json_decref(ids);
        return rc;
    }
    return req_reply_json(r, 201, json_pack("{s:I, s:I, s:o}", "payments",
                                            (json_int_t)json_array_size(ids), "amount_fen",
                                            (json_int_t)total, "ids", ids));
}

int api_dues_reverse(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    const char *reason = NULL;
    long long id, member = 0;
    json_t *pay, *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = dues_payment_get(r->db, id, &pay, &member, e)) < 0)
        return rc;
    json_decref(pay);
    if ((rc = dues_api_member_path(r, member, path, e)) < 0)
        return rc;
    if (!auth_covers(&r->auth, ROLE_FINANCE, path))
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "payment_id", id,
                                "payment %lld is outside your scope", id);
    if ((rc = req_str(r, "reason", true, 200, &reason, e)) < 0 ||
        (rc = dues_payment_reverse(r->db, id, reason, r->auth.account_id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}
