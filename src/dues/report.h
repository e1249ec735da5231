/* Dues reports: a subtree's collection status for a month, and every report as an .xlsx
 * workbook (Chinese headers, frozen header row) for Excel and WPS. */
#ifndef DUES_REPORT_H
#define DUES_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct db;

/* Per organization of the subtree under path: liable, billed, base missing, exempt,
 * published, paid, confirmed, unpaid; the amounts with show_amounts; and totals. */
int dues_collection(struct db *db, long long org_id, const char *path, int month,
                    bool show_amounts, json_t **ret, struct errbuf *e);

/* The reports as .xlsx: which is "collection", "arrears", "trial_balance", "statement" or
 * "history" and report is the JSON the API returns for it. *ret is malloc'd. */
int dues_report_xlsx(const char *which, const json_t *report, char **ret, size_t *ret_len,
                     struct errbuf *e);
/* Chinese label of a bill status (未交, 已交待确认, ...). */
const char *dues_status_label(const char *status);

#endif
