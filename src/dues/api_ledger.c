/* HTTP handlers: one-click confirmation, remittance, expenditure, the remittance share, the
 * ledger's reports, the collection report, arrears and to-dos. */
#include "dues/api.h"

#include <stdio.h>
#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "dues/arrears.h"
#include "dues/bill.h"
#include "dues/confirm.h"
#include "dues/ledger.h"
#include "dues/remit.h"
#include "dues/report.h"
#include "dues/settings.h"
#include "inbox/todo.h"
#include "org/scope.h"
#include "base/banned.h"

int api_dues_confirm(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    struct dues_confirm_stats s;
    long long org;
    int month, rc;
    if ((rc = dues_api_month(r, "month", true, 0, &month, e)) < 0 ||
        (rc = dues_api_org(r, ROLE_FINANCE, true, path, &org, e)) < 0 ||
        (rc = dues_confirm(r->db, month, org, path, r->auth.account_id, &s, e)) < 0)
        return rc;
    return req_reply_json(r, 200,
                          json_pack("{s:i, s:I, s:o, s:I, s:I, s:I, s:I}", "month", month, "org_id",
                                    (json_int_t)org, "batch_id",
                                    s.batch_id ? json_integer(s.batch_id) : json_null(),
                                    "confirmed", (json_int_t)s.bills, "amount_fen",
                                    (json_int_t)s.amount_fen, "entries", (json_int_t)s.orgs,
                                    "settled_from_credit", (json_int_t)s.credited));
}

int api_dues_remit(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    const char *key = NULL;
    long long org, amount = 0;
    json_t *out;
    int rc;
    if ((rc = dues_api_org(r, ROLE_FINANCE, true, path, &org, e)) < 0 ||
        (rc = req_int(r, "amount_fen", false, &amount, e)) < 0 ||
        (rc = req_str(r, "request_key", false, 64, &key, e)) < 0 ||
        (rc = dues_remit(r->db, org, amount, key, r->auth.account_id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, json_is_true(json_object_get(out, "duplicate")) ? 200 : 201, out);
}

int api_dues_expense(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    struct dues_expense_in in = {0};
    json_t *out;
    int rc;
    if ((rc = dues_api_org(r, ROLE_FINANCE, true, path, &in.org_id, e)) < 0 ||
        (rc = req_str(r, "kind", true, 32, &in.kind, e)) < 0 ||
        (rc = req_int(r, "amount_fen", true, &in.amount_fen, e)) < 0 ||
        (rc = req_str(r, "note", false, 200, &in.note, e)) < 0 ||
        (rc = req_str(r, "approved_by", true, 64, &in.approved_by, e)) < 0 ||
        (rc = req_str(r, "approver_role", true, 64, &in.approver_role, e)) < 0 ||
        (rc = req_str(r, "approved_on", true, 10, &in.approved_on, e)) < 0 ||
        (rc = req_str(r, "approval_ref", true, 100, &in.approval_ref, e)) < 0 ||
        (rc = req_str(r, "request_key", false, 64, &in.request_key, e)) < 0 ||
        (rc = dues_expense(r->db, &in, r->auth.account_id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, json_is_true(json_object_get(out, "duplicate")) ? 200 : 201, out);
}

/* The share is set by the committee above the organization (DUES.md): the caller must cover
 * the parent; the root's own share only an administrator of the root may set. */
int api_dues_share(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long id, parent = 0, bp = 0;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0)
        return rc;
    rc = db_query_int(r->db, e, &parent, "SELECT COALESCE(parent_id, 0) FROM orgs WHERE id = $1",
                      "i", id);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", id,
                                "organization %lld not found", id);
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_COMMITTEE | ROLE_FINANCE | ROLE_ADMIN,
                             parent ? parent : id, path, e)) < 0)
        return rc == -ERR_FORBIDDEN
                   ? errbuf_field_int(
                         e, -ERR_FORBIDDEN, R_NOT_ALLOWED, "org_id", id,
                         "the share of organization %lld is set by the committee above it", id)
                   : rc;
    if ((rc = req_int(r, "remit_share_bp", true, &bp, e)) < 0)
        return rc;
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    if ((rc = dues_share_set(r->db, id, bp, r->auth.account_id, e)) < 0) {
        db_rollback(r->db);
        return rc;
    }
    if ((rc = db_commit(r->db, e)) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:I, s:I}", "org_id", (json_int_t)id,
                                            "remit_share_bp", (json_int_t)bp));
}

static int subtree_flag(struct req *r, bool *ret, struct errbuf *e)
{
    long long v = 0;
    int rc = req_query_int(r, "subtree", 0, 0, 1, &v, e);
    *ret = v == 1;
    return rc;
}

int api_dues_trial_balance(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org;
    int to = 0, rc;
    bool subtree, xlsx;
    json_t *out;
    if ((rc = dues_api_org(r, ROLE_FINANCE, false, path, &org, e)) < 0 ||
        (rc = subtree_flag(r, &subtree, e)) < 0 || (rc = req_format(r, &xlsx, e)) < 0)
        return rc;
    if (req_query(r, "to") && (rc = dues_api_month(r, "to", false, 0, &to, e)) < 0)
        return rc;
    if ((rc = ledger_trial_balance(r->db, org, path, subtree, to, &out, e)) < 0)
        return rc;
    return dues_api_reply(r, xlsx, "trial_balance", out, e);
}

int api_dues_statement(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org;
    int cur = dues_current_month(), from, to, rc;
    bool subtree, xlsx;
    json_t *out;
    if ((rc = dues_api_org(r, ROLE_FINANCE, false, path, &org, e)) < 0 ||
        (rc = subtree_flag(r, &subtree, e)) < 0 || (rc = req_format(r, &xlsx, e)) < 0 ||
        (rc = dues_api_month(r, "from", false, cur / 100 * 100 + 1, &from, e)) < 0 ||
        (rc = dues_api_month(r, "to", false, cur, &to, e)) < 0)
        return rc;
    if (from > to)
        return errbuf_field(e, -ERR_INVALID, R_MISMATCH, "from", NULL, "'from' is after 'to'");
    if ((rc = ledger_statement(r->db, org, path, subtree, from, to, &out, e)) < 0)
        return rc;
    return dues_api_reply(r, xlsx, "statement", out, e);
}

int api_dues_entries(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org, page, size;
    int month = 0, rc;
    json_t *out;
    if ((rc = dues_api_org(r, ROLE_FINANCE, false, path, &org, e)) < 0 ||
        (rc = req_page(r, 50, &page, &size, e)) < 0)
        return rc;
    if (req_query(r, "month") && (rc = dues_api_month(r, "month", false, 0, &month, e)) < 0)
        return rc;
    if ((rc = ledger_entries(r->db, org, month, page, size, &out, e)) < 0)
        return rc;
    json_object_set_new(out, "org_id", json_integer(org));
    return req_reply_json(r, 200, out);
}

int api_dues_collection(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org;
    int month, rc;
    bool xlsx;
    json_t *out;
    if ((rc = dues_api_org(r, ROLE_STAFF, false, path, &org, e)) < 0 ||
        (rc = dues_api_month(r, "month", false, dues_current_month(), &month, e)) < 0 ||
        (rc = req_format(r, &xlsx, e)) < 0 ||
        (rc = dues_collection(r->db, org, path, month, auth_covers(&r->auth, ROLE_FINANCE, path),
                              &out, e)) < 0)
        return rc;
    return dues_api_reply(r, xlsx, "collection", out, e);
}

int api_dues_arrears(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org;
    int month, rc;
    bool xlsx;
    json_t *out;
    /* arrears are months that are over: by default up to last month */
    if ((rc = dues_api_org(r, ROLE_STAFF, false, path, &org, e)) < 0 ||
        (rc = dues_api_month(r, "month", false, month_add(dues_current_month(), -1), &month, e)) < 0 ||
        (rc = req_format(r, &xlsx, e)) < 0 ||
        (rc = dues_arrears_list(r->db, path, month, auth_covers(&r->auth, ROLE_FINANCE, path), &out,
                                e)) < 0)
        return rc;
    json_object_set_new(out, "org_id", json_integer(org));
    return dues_api_reply(r, xlsx, "arrears", out, e);
}

/* The dues to-dos of one organization's subtree: a filter over the one inbox (GET /api/v1/todos),
 * kept with its own shape (text beside title). */
int api_dues_todos(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org, all = 0;
    json_t *out, *t;
    size_t i;
    int rc;
    struct todo_filter f = {"dues", false, false, true, path};
    if ((rc = dues_api_org(r, ROLE_STAFF, false, path, &org, e)) < 0 ||
        (rc = req_query_int(r, "all", 0, 0, 1, &all, e)) < 0)
        return rc;
    f.history = all == 1;
    if ((rc = todo_list_json(r->db, &r->auth, &f, &out, e)) < 0)
        return rc;
    json_array_foreach(json_object_get(out, "items"), i, t)
        json_object_set(t, "text", json_object_get(t, "title"));
    return req_reply_json(r, 200, out);
}

int api_dues_todo_done(struct req *r, struct errbuf *e)
{
    long long id;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = todo_done(r->db, &r->auth, "dues", id, e)) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "done", 1));
}
