/* Figures reported by an organization for a task counted from reports (metric 'reported', or
 * 'dues' before the month's bills exist): checked against the task's frequency, year and
 * organizations, stored once per task × organization × period (a second report replaces the
 * first) and audited. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "org/audit.h"
#include "plan/grid.h"
#include "plan/internal.h"
#include "plan/period.h"
#include "plan/plan.h"
#include "base/banned.h"

int plan_report(struct db *db, long long task_id, long long org_id, const char *period,
                double value, const char *evidence, const char *attachment, int today,
                long long actor, struct errbuf *e)
{
    long long tenant;
    struct db_stmt *st;
    struct plan_period p;
    struct plan_org_row o, under;
    char metric[16] = "", freq_s[16] = "", kinds_s[80] = "", name[PLAN_PERIOD_MAX];
    long long under_id = 0, with_groups = 0, has_groups = 0;
    int year = 0, rc;
    enum plan_freq freq = PLAN_MONTH;
    unsigned kinds = 0;
    json_t *detail;
    if ((rc = db_prepare(db,
                         "SELECT t.metric, t.freq, t.kinds, t.under_id, t.with_groups, p.year"
                         " FROM plan_tasks t JOIN plans p ON p.id = t.plan_id AND p.tenant_id = t.tenant_id WHERE t.id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, task_id);
    if ((rc = db_step(st, e)) == 1) {
        snprintf(metric, sizeof(metric), "%s", db_col_text(st, 0));
        snprintf(freq_s, sizeof(freq_s), "%s", db_col_text(st, 1));
        snprintf(kinds_s, sizeof(kinds_s), "%s", db_col_text(st, 2));
        under_id = db_col_int(st, 3);
        with_groups = db_col_int(st, 4);
        year = (int)db_col_int(st, 5);
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "task_id", task_id,
                                "plan task %lld not found", task_id);
    if (strcmp(metric, "reported") && strcmp(metric, "dues"))
        return (errbuf_field(
                    e, -ERR_INVALID, R_WRONG_STATE, "task_id", NULL,
                    "task %lld is counted from events (metric '%s'): figures cannot be reported",
                    task_id, metric),
                errbuf_value_int(e, task_id), errbuf_state(e, "counted"));
    plan_freq_parse(freq_s, &freq);
    plan_kinds_parse(kinds_s, &kinds);
    if ((rc = plan_org_row(db, org_id, &o, e)) < 0 || (rc = plan_org_row(db, under_id, &under, e)) < 0)
        return rc == -ERR_NOTFOUND
                   ? errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", org_id,
                                      "field 'org_id': organization %lld not found", org_id)
                   : rc;
    if (with_groups && (rc = db_query_int(db, e, &has_groups,
                                          "SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND kind = 'group'",
                                          "i", org_id)) < 0)
        return rc;
    if (!plan_in_subtree(o.path, under.path) || !(plan_kind_bit(o.kind) & kinds) ||
        (with_groups && !has_groups))
        return errbuf_field(e, -ERR_INVALID, R_MISMATCH, "org_id", o.code,
                            "field 'org_id': task %lld does not apply to organization '%s'",
                            task_id, o.code);
    if (!period || plan_period_parse(period, &p) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_PERIOD, "period", period,
                            "field 'period': '%s' is not a period (2024-03, 2024Q1, 2024H1, 2024)",
                            period ? period : "");
    if (p.freq != freq) {
        struct plan_period first, last;
        char a[PLAN_PERIOD_MAX], b[PLAN_PERIOD_MAX];
        plan_period_make(freq, year, 1, &first);
        plan_period_make(freq, year, plan_freq_count(freq), &last);
        plan_period_name(&first, a, sizeof(a));
        plan_period_name(&last, b, sizeof(b));
        return errbuf_field(
            e, -ERR_INVALID, R_MISMATCH, "period", period,
            "field 'period': '%s' does not fit the task's frequency '%s' (use %s%s%s)", period,
            freq_s, a, strcmp(a, b) ? " to " : "", strcmp(a, b) ? b : "");
    }
    if (p.year != year)
        return errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "period", period,
                            "field 'period': '%s' is not in the plan's year %d", period, year);
    if (p.start > today)
        return errbuf_field(e, -ERR_INVALID, R_IN_FUTURE, "period", period,
                            "field 'period': '%s' has not begun yet", period);
    if (!isfinite(value) || value < 0)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "value", NULL,
                             "field 'value' must be 0 or more, got %g", value),
                errbuf_min(e, 0));
    if ((rc = plan_check_text("evidence", evidence, 2000, true, e)) < 0 ||
        (rc = plan_check_text("attachment", attachment, 500, false, e)) < 0)
        return rc;
    plan_period_name(&p, name, sizeof(name));
    /* a report goes with its task (joined with it on the tenant) */
    if ((rc = db_query_int(db, e, &tenant, "SELECT tenant_id FROM plan_tasks WHERE id = $1", "i",
                           task_id)) < 0 ||
        (rc = db_run(db, e,
                     "INSERT INTO plan_reports(task_id, org_id, period, value, evidence, attachment,"
                     " reported_by, reported_at, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8,"
                     " $9) ON CONFLICT (task_id, org_id, period, tenant_id) DO UPDATE SET"
                     " value = excluded.value, evidence = excluded.evidence,"
                     " attachment = excluded.attachment, reported_by = excluded.reported_by,"
                     " reported_at = excluded.reported_at",
                     "iitdttIii", task_id, org_id, name, value, evidence,
                     attachment ? attachment : "", actor, (long long)time(NULL), tenant)) < 0)
        return rc;
    detail = json_pack("{s:I, s:s, s:f, s:s}", "task_id", (json_int_t)task_id, "period", name,
                       "value", value, "evidence", evidence);
    rc = audit_log(db, actor, org_id, "report", "plan_report", task_id, detail, e);
    json_decref(detail);
    return rc;
}
