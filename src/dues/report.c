#include "dues/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "base/xlsxwrite.h"
#include "db/db.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

static const struct {
    const char *status, *label;
} statuses[] = {
    {"no_base", "缺少基数"}, {"exempt", "免交"},       {"unpaid", "未交"},
    {"paid", "已交待确认"},  {"confirmed", "已确认"}, {"reversed", "已冲销"},
};

const char *dues_status_label(const char *status)
{
    for (size_t i = 0; status && i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (strcmp(statuses[i].status, status) == 0)
            return statuses[i].label;
    return status ? status : "";
}

/* The counters of the collection report, in SELECT order after org_id, code, name. */
static const char *const counters[] = {"liable",    "billed",    "base_missing", "exempt",
                                       "published", "paid",      "confirmed",    "unpaid"};
static const char *const amounts[] = {"billed_fen", "paid_fen", "confirmed_fen", "unpaid_fen"};
#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))
#define NAMOUNTS (sizeof(amounts) / sizeof(amounts[0]))

int dues_collection(struct db *db, long long org_id, const char *path, int month,
                    bool show_amounts, json_t **ret, struct errbuf *e)
{
    char hi[ORG_PATH_MAX];
    json_t *orgs = json_array(), *totals = json_object();
    long long sum[NCOUNTERS + NAMOUNTS] = {0}, tenant = 0;
    struct db_stmt *st;
    char sql[2048];
    int rc;
    scope_bounds(path, hi, sizeof(hi));
    /* a subtree within one tenant names it: on Citus one tenant's shards are read */
    if ((rc = tenant_of_subtree(db, path, &tenant, e)) < 0)
        goto fail;
    snprintf(sql, sizeof(sql),
             "SELECT b.org_id, o.code, o.name, COUNT(*),"
             " SUM(CASE WHEN b.status <> 'no_base' THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN b.status = 'no_base' THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN b.status = 'exempt' THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN b.published_at IS NOT NULL THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN b.status IN ('paid', 'confirmed') THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN b.status = 'confirmed' THEN 1 ELSE 0 END),"
             " SUM(CASE WHEN b.status = 'unpaid' AND b.published_at IS NOT NULL THEN 1 ELSE 0 END),"
             " COALESCE(SUM(b.amount_fen), 0),"
             " SUM(CASE WHEN b.status IN ('paid', 'confirmed') THEN b.amount_fen ELSE 0 END),"
             " SUM(CASE WHEN b.status = 'confirmed' THEN b.amount_fen ELSE 0 END),"
             " SUM(CASE WHEN b.status = 'unpaid' AND b.published_at IS NOT NULL"
             " THEN b.amount_fen ELSE 0 END)"
             " FROM dues_bills b JOIN orgs o ON o.id = b.org_id WHERE o.path >= $1 AND o.path < $2"
             " AND b.month = $3 AND b.kind = 'regular'%s GROUP BY b.org_id, o.code, o.name, o.path"
             " ORDER BY o.path",
             tenant ? " AND b.tenant_id = $4" : "");
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        goto fail;
    db_bindv(st, "tti", path, hi, (long long)month);
    if (tenant)
        db_bind_int(st, 4, tenant);
    while ((rc = db_step(st, e)) == 1) {
        json_t *o = json_pack("{s:I, s:s, s:s}", "org_id", db_col_int(st, 0), "code",
                              db_col_text(st, 1), "name", db_col_text(st, 2));
        for (size_t i = 0; i < NCOUNTERS + (show_amounts ? NAMOUNTS : 0); i++) {
            long long v = db_col_int(st, 3 + (int)i);
            sum[i] += v;
            json_object_set_new(o, i < NCOUNTERS ? counters[i] : amounts[i - NCOUNTERS],
                                json_integer(v));
        }
        json_array_append_new(orgs, o);
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    for (size_t i = 0; i < NCOUNTERS + (show_amounts ? NAMOUNTS : 0); i++)
        json_object_set_new(totals, i < NCOUNTERS ? counters[i] : amounts[i - NCOUNTERS],
                            json_integer(sum[i]));
    *ret = json_pack("{s:I, s:i, s:b, s:o, s:o}", "org_id", (json_int_t)org_id, "month", month,
                     "amounts", show_amounts, "orgs", orgs, "totals", totals);
    return 0;
fail:
    json_decref(orgs);
    json_decref(totals);
    return rc;
}

/* ---- .xlsx */

/* The reports' columns (base/xlsxwrite.h says the types). */
static const struct xlsx_col collection_cols[] = {
    {"组织编码", "code", 's', 12, NULL},      {"组织名称", "name", 's', 28, NULL},
    {"应缴人数", "liable", 'i', 10, NULL},    {"已出账", "billed", 'i', 10, NULL},
    {"缺少基数", "base_missing", 'i', 10, NULL}, {"免交", "exempt", 'i', 8, NULL},
    {"已发布", "published", 'i', 10, NULL},  {"已交", "paid", 'i', 8, NULL},
    {"已确认", "confirmed", 'i', 10, NULL},  {"未交", "unpaid", 'i', 8, NULL},
    {"应缴金额（元）", "billed_fen", 'm', 14, NULL}, {"已交金额（元）", "paid_fen", 'm', 14, NULL},
    {"已确认金额（元）", "confirmed_fen", 'm', 16, NULL}, {"未交金额（元）", "unpaid_fen", 'm', 14, NULL},
};
static const struct xlsx_col arrears_cols[] = {
    {"工号", "emp_no", 's', 12, NULL},          {"姓名", "name", 's', 12, NULL},
    {"所在组织", "org_name", 's', 28, NULL},    {"连续未交月数", "consecutive", 'i', 14, NULL},
    {"起始月份", "from_month", 'i', 10, NULL},  {"未交月数合计", "unpaid_months", 'i', 14, NULL},
    {"欠缴金额（元）", "owed_fen", 'm', 14, NULL}, {"三个月提醒", "warning", 'b', 12, NULL},
    {"六个月待处理", "flagged", 'b', 14, NULL},
};
static const struct xlsx_col trial_cols[] = {
    {"科目代码", "account", 's', 22, NULL},     {"科目名称", "name", 's', 30, NULL},
    {"借方发生额（元）", "debit_fen", 'm', 18, NULL}, {"贷方发生额（元）", "credit_fen", 'm', 18, NULL},
    {"余额方向", "side", 's', 10, NULL},         {"余额（元）", "normal_balance_fen", 'm', 18, NULL},
};
static const struct xlsx_col statement_cols[] = {
    {"项目", "name", 's', 34, NULL},
    {"金额（元）", "amount_fen", 'm', 16, NULL},
};
static const struct xlsx_col history_cols[] = {
    {"月份", "month", 'i', 10, NULL},           {"类别", "kind", 's', 10, NULL},
    {"状态", "status", 'l', 12, dues_status_label},          {"计算基数（元）", "base_fen", 'm', 16, NULL},
    {"费率（基点）", "rate_bp", 'i', 12, NULL}, {"应缴金额（元）", "amount_fen", 'm', 14, NULL},
    {"缴费日期", "paid_at", 'd', 12, NULL},     {"按时交纳", "on_time", 'b', 10, NULL},
};

static const struct report {
    const char *which, *sheet, *rows_key;
    const struct xlsx_col *cols;
    size_t ncols;
} reports[] = {
    {"collection", "党费收缴情况", "orgs", collection_cols,
     sizeof(collection_cols) / sizeof(collection_cols[0])},
    {"arrears", "欠缴党费名单", "items", arrears_cols, sizeof(arrears_cols) / sizeof(arrears_cols[0])},
    {"trial_balance", "试算平衡表", "accounts", trial_cols, sizeof(trial_cols) / sizeof(trial_cols[0])},
    {"statement", "收支表", "lines", statement_cols,
     sizeof(statement_cols) / sizeof(statement_cols[0])},
    {"history", "党费缴纳记录", "bills", history_cols, sizeof(history_cols) / sizeof(history_cols[0])},
};

/* The statement's lines, flattened into rows of {name, amount_fen}. */
static json_t *statement_lines(const json_t *s)
{
    json_t *rows = json_array();
    json_array_extend(rows, json_object_get(s, "income"));
    json_array_append_new(rows, json_pack("{s:s, s:O}", "name", "收入合计", "amount_fen",
                                          json_object_get(s, "total_income_fen")));
    json_array_append_new(rows, json_pack("{s:s, s:O}", "name", "减：计提上缴上级党费",
                                          "amount_fen", json_object_get(s, "share_up_fen")));
    json_array_extend(rows, json_object_get(s, "expenses"));
    json_array_append_new(rows, json_pack("{s:s, s:O}", "name", "支出合计", "amount_fen",
                                          json_object_get(s, "total_expense_fen")));
    json_array_append_new(rows, json_pack("{s:s, s:O}", "name", "本期结余", "amount_fen",
                                          json_object_get(s, "surplus_fen")));
    json_array_append_new(rows, json_pack("{s:s, s:O}", "name", "代收大额自愿党费（全额上缴）",
                                          "amount_fen", json_object_get(s, "special_collected_fen")));
    return rows;
}

int dues_report_xlsx(const char *which, const json_t *report, char **ret, size_t *ret_len,
                     struct errbuf *e)
{
    const struct report *rp = NULL;
    json_t *rows;
    int rc;
    for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
        if (strcmp(reports[i].which, which) == 0)
            rp = &reports[i];
    if (!rp)
        return errbuf_set(e, -ERR_INTERNAL, "no workbook layout for '%s'", which);
    rows = strcmp(which, "statement") == 0 ? statement_lines(report)
                                           : json_incref(json_object_get(report, rp->rows_key));
    rc = xlsx_write_rows(rp->sheet, rp->cols, rp->ncols, rows, ret, ret_len, e);
    json_decref(rows);
    return rc;
}
