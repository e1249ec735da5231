/* HTTP handlers of the dues module. Amounts and incomes go only to the member they belong to
 * and to finance covering them; everyone else in scope sees statuses. */
#ifndef DUES_API_H
#define DUES_API_H

#include "http/req.h"

/* api.c: rules, bases, terms, bills, payments */
int api_dues_rules(struct req *r, struct errbuf *e);
int api_dues_bases(struct req *r, struct errbuf *e);
int api_dues_base_set(struct req *r, struct errbuf *e);
int api_dues_term_add(struct req *r, struct errbuf *e);
int api_dues_generate(struct req *r, struct errbuf *e);
int api_dues_publish(struct req *r, struct errbuf *e);
int api_dues_bills(struct req *r, struct errbuf *e);
int api_dues_member(struct req *r, struct errbuf *e);
int api_dues_quote(struct req *r, struct errbuf *e);
int api_dues_pay(struct req *r, struct errbuf *e);
int api_dues_payment_get(struct req *r, struct errbuf *e);
int api_dues_callback(struct req *r, struct errbuf *e);
int api_dues_notify_wechat(struct req *r, struct errbuf *e);
int api_dues_notify_alipay(struct req *r, struct errbuf *e);
int api_dues_payment_order(struct req *r, struct errbuf *e);
int api_dues_reconciliations(struct req *r, struct errbuf *e);
int api_dues_collect(struct req *r, struct errbuf *e);
int api_dues_reverse(struct req *r, struct errbuf *e);

/* api_ledger.c: confirmation, remittance, expenditure, ledger, reports, arrears, to-dos */
int api_dues_confirm(struct req *r, struct errbuf *e);
int api_dues_remit(struct req *r, struct errbuf *e);
int api_dues_expense(struct req *r, struct errbuf *e);
int api_dues_share(struct req *r, struct errbuf *e);
int api_dues_trial_balance(struct req *r, struct errbuf *e);
int api_dues_statement(struct req *r, struct errbuf *e);
int api_dues_entries(struct req *r, struct errbuf *e);
int api_dues_collection(struct req *r, struct errbuf *e);
int api_dues_arrears(struct req *r, struct errbuf *e);
int api_dues_todos(struct req *r, struct errbuf *e);
int api_dues_todo_done(struct req *r, struct errbuf *e);

/* api_finance.c: the income bases' CSV import, the lists of remittances and expenses */
int api_import_bases(struct req *r, struct errbuf *e);
int api_dues_remittances(struct req *r, struct errbuf *e);
int api_dues_expenses(struct req *r, struct errbuf *e);

/* Shared by the files (private to src/dues). */
int dues_api_org(struct req *r, int mask, bool from_body, char *path, long long *ret_id,
                 struct errbuf *e);
int dues_api_month(struct req *r, const char *key, bool from_body, int def, int *ret,
                   struct errbuf *e);
/* The organization path of member (unknown: R_UNKNOWN_MEMBER, 404). */
int dues_api_member_path(struct req *r, long long member, char *path, struct errbuf *e);
/* Commit the request's transaction, or roll it back when rc < 0. */
int dues_api_in_tx(struct req *r, int rc, struct errbuf *e);
/* months: [202401, "2024-02", ...] or bill_ids: [...] (member's own bills), at most
 * DUES_MAX_MONTHS. */
int dues_api_read_months(struct req *r, long long member, int *months, size_t *ret_n,
                         struct errbuf *e);
/* Reply with report (taken) as JSON, or as the .xlsx workbook which. */
int dues_api_reply(struct req *r, bool xlsx, const char *which, json_t *report, struct errbuf *e);

#endif
