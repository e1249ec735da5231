/* HTTP handlers of the finance clerk's screens (财务): the payroll import of income bases, the
 * remittances an organization made and received with what it owes upward now, and its
 * expenditures with their approval records. */
#include "dues/api.h"

#include "base/month.h"
#include "dues/base.h"
#include "dues/bill.h"
#include "dues/remit.h"
#include "org/api.h"
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
