/* Plans and tasks: creation and edits with every field checked before anything is written,
 * and the default plan of the branch work rules (their JSON: plan_json.c; reported figures:
 * report.c). */
#include "plan/plan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "org/audit.h"
#include "org/org.h"
#include "org/scope.h"
#include "plan/grid.h"
#include "plan/internal.h"
#include "plan/period.h"
#include "org/tenant.h"
#include "base/banned.h"

/* The default plan (docs/PLANS.md, "The default plan"): the rhythm of
 * organization life in the 2018 branch work regulations, one task per row, for every branch.
 * Dues collection is the percent of the month's bills paid by month end, read from the dues
 * module (a figure the branch reports for months it has not generated). */
static const struct default_task {
    const char *code, *name, *metric, *indicator, *freq, *unit;
    bool with_groups;
    double target;
    const char *note;
} default_tasks[] = {
    {"congress", "支部党员大会", "count", "org.congress", "quarter", NULL, false, 1,
     "每季度至少召开一次"},
    {"committee_meeting", "支部委员会会议", "count", "org.committee_meeting", "month", NULL, false,
     1, "每月至少召开一次"},
    {"group_meeting", "党小组会", "count", "org.group_meeting", "month", NULL, true, 1,
     "设有党小组的支部，每月至少召开一次（按支部及其党小组合计）"},
    {"lecture", "党课", "count", "org.lecture", "quarter", NULL, false, 1, "每季度至少一次"},
    {"themeday", "主题党日", "count", "org.themeday", "month", NULL, false, 1, "每月相对固定一天"},
    {"life_meeting", "组织生活会", "count", "org.life_meeting", "year", NULL, false, 1,
     "每年至少召开一次"},
    {"review", "民主评议党员", "count", "org.review", "year", NULL, false, 1, "每年开展一次"},
    {"dues", "党费按时足额收缴", "dues", NULL, "month", "%", false, 100,
     "当月应交党费账单在月底前交纳的比例（%），取自党费模块；该月账单尚未生成时以支部填报数为准"},
};

static const char *const roles[] = {"secretary", "committee", "finance"};

static int check_role(const char *role, struct errbuf *e)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(role, roles[i]) == 0)
            return 0;
    return errbuf_field(
        e, -ERR_INVALID, R_INVALID_CHOICE, "role", role,
        "field 'role': '%s' is not a responsible role (secretary, committee, finance)", role);
}

static int check_code(const char *code, struct errbuf *e)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n > 32)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "code", code,
                             "field 'code' must be 1 to 32 characters"),
                errbuf_limit(e, 32));
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "code", code,
                                "field 'code': '%s' may hold only a-z, 0-9, '_', '.' and '-'",
                                code);
    }
    return 0;
}

int plan_check_text(const char *field, const char *s, size_t max, bool required,
                    struct errbuf *e)
{
    size_t n = s ? strlen(s) : 0;
    if (required && n == 0)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, field, NULL, "field '%s' is required",
                            field);
    if (n > max * 4)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, field, NULL,
                             "field '%s' is longer than %zu characters", field, max),
                errbuf_limit(e, (long long)max));
    return 0;
}

int plan_org_row(struct db *db, long long id, struct plan_org_row *o, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db, "SELECT kind, path, code, name FROM orgs WHERE id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        snprintf(o->kind, sizeof(o->kind), "%s", db_col_text(st, 0));
        snprintf(o->path, sizeof(o->path), "%s", db_col_text(st, 1));
        snprintf(o->code, sizeof(o->code), "%s", db_col_text(st, 2));
        snprintf(o->name, sizeof(o->name), "%s", db_col_text(st, 3));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    return rc == 1 ? 0
                   : errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", id,
                                      "organization %lld not found", id);
}

bool plan_in_subtree(const char *path, const char *root)
{
    return strncmp(path, root, strlen(root)) == 0;
}

int plan_audit(struct db *db, long long plan_id, const char *action, json_t *tasks,
               long long actor, struct errbuf *e)
{
    json_t *d = NULL;
    long long org;
    int rc = audit_before(db, "SELECT year, name, remind_days, org_id FROM plans WHERE id = $1",
                          plan_id, "itii",
                          (const char *const[]){"year", "name", "remind_days", "org_id"}, &d, e);
    if (rc == 0)
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "plan_id", plan_id,
                              "plan %lld not found", plan_id);
    if (rc < 0)
        return rc;
    org = json_integer_value(json_object_get(d, "org_id"));
    json_object_del(d, "org_id");
    if (tasks)
        json_object_set(d, "tasks", tasks);
    rc = audit_log(db, actor, org, action, "plan", plan_id, d, e);
    json_decref(d);
    return rc;
}

int plan_create(struct db *db, long long org_id, int year, const char *name, int remind_days,
                long long actor, long long *ret_id, struct errbuf *e)
{
    long long tenant;
    struct plan_org_row o;
    char defname[320];
    long long id = 0, now = (long long)time(NULL);
    int rc;
    if ((rc = plan_org_row(db, org_id, &o, e)) < 0)
        return rc;
    if (strcmp(o.kind, "committee") && strcmp(o.kind, "general_branch"))
        return errbuf_field(
            e, -ERR_INVALID, R_PLAN_NEEDS_COMMITTEE, "org_id", o.kind,
            "organization '%s' is a %s: plans belong to committees and general branches", o.code,
            o.kind);
    if (year < 2000 || year > 2100)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "year", NULL,
                             "field 'year': %d is not a year from 2000 to 2100", year),
                errbuf_value_int(e, year), errbuf_range(e, 2000, 2100));
    if (remind_days < 0 || remind_days > 60)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "remind_days", NULL,
                             "field 'remind_days' must be from 0 to 60"),
                errbuf_value_int(e, remind_days), errbuf_range(e, 0, 60));
    if (!name || !*name) {
        snprintf(defname, sizeof(defname), "%d年度%s量化计划", year, o.name);
        name = defname;
    } else if ((rc = plan_check_text("name", name, 100, true, e)) < 0) {
        return rc;
    }
    if ((rc = db_query_int(db, e, &id, "SELECT id FROM plans WHERE org_id = $1 AND year = $2", "ii",
                           org_id, (long long)year)) < 0)
        return rc;
    if (rc == 1)
        return errbuf_field_int(e, -ERR_CONFLICT, R_DUPLICATE, "year", year,
                                "organization '%s' already has a plan for %d (plan %lld)", o.code,
                                year, id);
    if ((rc = tenant_of_org(db, org_id, &tenant, e)) < 0 ||
        (rc = db_run(db, e,
                     "INSERT INTO plans(org_id, year, name, remind_days, created_by, created_at,"
                     " updated_at, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $6, $7)",
                     "iitiIii", org_id, (long long)year, name, (long long)remind_days, actor, now,
                     tenant)) < 0 ||
        (rc = db_last_id(db, &id, e)) < 0)
        return rc;
    if ((rc = plan_audit(db, id, "create", NULL, actor, e)) < 0)
        return rc;
    *ret_id = id;
    return 0;
}

int plan_update(struct db *db, long long plan_id, const char *name, int remind_days,
                long long actor, struct errbuf *e)
{
    static const char *const fields[] = {"name", "remind_days"};
    long long org = 0;
    json_t *before = NULL, *after, *detail;
    int rc;
    if ((rc = plan_owner(db, plan_id, &org, NULL, e)) < 0)
        return rc;
    if (name && (rc = plan_check_text("name", name, 100, true, e)) < 0)
        return rc;
    if (remind_days != -1 && (remind_days < 0 || remind_days > 60))
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "remind_days", NULL,
                             "field 'remind_days' must be from 0 to 60"),
                errbuf_value_int(e, remind_days), errbuf_range(e, 0, 60));
    if ((rc = audit_before(db, "SELECT name, remind_days FROM plans WHERE id = $1", plan_id,
                           "ti", fields, &before, e)) < 0)
        return rc;
    if ((rc = db_run(db, e,
                     "UPDATE plans SET name = COALESCE($2, name), remind_days = CASE WHEN $3 < 0"
                     " THEN remind_days ELSE $3 END, updated_at = $4 WHERE id = $1",
                     "itii", plan_id, name, (long long)remind_days, (long long)time(NULL))) < 0 ||
        (rc = audit_before(db, "SELECT name, remind_days FROM plans WHERE id = $1", plan_id,
                           "ti", fields, &after, e)) < 0) {
        json_decref(before);
        return rc;
    }
    detail = audit_diff(before, after);
    rc = audit_log(db, actor, org, "update", "plan", plan_id, detail, e);
    json_decref(detail);
    json_decref(before);
    json_decref(after);
    return rc;
}

int plan_owner(struct db *db, long long plan_id, long long *ret_org, char *ret_path,
               struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT p.org_id, o.path FROM plans p JOIN orgs o ON o.id = p.org_id"
                         " WHERE p.id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, plan_id);
    if ((rc = db_step(st, e)) == 1) {
        *ret_org = db_col_int(st, 0);
        if (ret_path)
            snprintf(ret_path, ORG_PATH_MAX, "%s", db_col_text(st, 1));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    return rc == 1 ? 0
                   : errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "plan_id", plan_id,
                                      "plan %lld not found", plan_id);
}

int plan_task_owner(struct db *db, long long task_id, long long *ret_plan, long long *ret_org,
                    char *ret_path, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT t.plan_id, p.org_id, o.path FROM plan_tasks t"
                         " JOIN plans p ON p.id = t.plan_id AND p.tenant_id = t.tenant_id JOIN orgs o ON o.id = p.org_id"
                         " WHERE t.id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, task_id);
    if ((rc = db_step(st, e)) == 1) {
        if (ret_plan)
            *ret_plan = db_col_int(st, 0);
        if (ret_org)
            *ret_org = db_col_int(st, 1);
        if (ret_path)
            snprintf(ret_path, ORG_PATH_MAX, "%s", db_col_text(st, 2));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    return rc == 1 ? 0
                   : errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "task_id", task_id,
                                      "plan task %lld not found", task_id);
}

/* The plan's owner and year, for adding tasks. */
static int plan_row(struct db *db, long long plan_id, long long *ret_org, int *ret_year,
                    struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db, "SELECT org_id, year FROM plans WHERE id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, plan_id);
    if ((rc = db_step(st, e)) == 1) {
        *ret_org = db_col_int(st, 0);
        *ret_year = (int)db_col_int(st, 1);
    }
    db_done(st);
    if (rc < 0)
        return rc;
    return rc == 1 ? 0
                   : errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "plan_id", plan_id,
                                      "plan %lld not found", plan_id);
}

int plan_task_add(struct db *db, long long plan_id, const struct plan_task_in *in, int today,
                  long long actor, long long *ret_id, struct errbuf *e)
{
    long long tenant;
    struct plan_org_row owner, under;
    enum plan_metric metric;
    enum plan_freq freq;
    unsigned kinds = KIND_BRANCH;
    char kinds_text[64], unit[64] = "";
    const char *role = in->role ? in->role : "secretary";
    long long owner_id = 0, under_id, indicator_id = 0, id = 0, now = (long long)time(NULL);
    int year = 0, from_day = in->from_day, rc;
    json_t *detail;

    if ((rc = plan_row(db, plan_id, &owner_id, &year, e)) < 0 ||
        (rc = plan_org_row(db, owner_id, &owner, e)) < 0)
        return rc;
    if ((rc = check_code(in->code, e)) < 0 || (rc = plan_check_text("name", in->name, 100, true, e)) < 0 ||
        (rc = plan_check_text("note", in->note, 500, false, e)) < 0 ||
        (rc = plan_check_text("unit", in->unit, 16, false, e)) < 0)
        return rc;
    if (!in->metric || plan_metric_parse(in->metric, &metric) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "metric",
                            in->metric ? in->metric : "",
                            "field 'metric': '%s' is not one of count, sum, reported, dues",
                            in->metric ? in->metric : "");
    if (!in->freq || plan_freq_parse(in->freq, &freq) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "freq", in->freq ? in->freq : "",
                            "field 'freq': '%s' is not one of month, quarter, half, year",
                            in->freq ? in->freq : "");
    if (!isfinite(in->target) || in->target <= 0)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "target", NULL,
                             "field 'target' must be greater than 0, got %g", in->target),
                errbuf_min(e, 0));
    if (!isfinite(in->weight) || in->weight <= 0)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "weight", NULL,
                             "field 'weight' must be greater than 0, got %g", in->weight),
                errbuf_min(e, 0));
    if (in->kinds && plan_kinds_parse(in->kinds, &kinds) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "applies_to.kinds", in->kinds,
                            "field 'applies_to.kinds': '%s' is not a list of committee, "
                            "general_branch, branch, group",
                            in->kinds);
    if ((rc = check_role(role, e)) < 0)
        return rc;
    if (metric == METRIC_COUNT || metric == METRIC_SUM) {
        struct db_stmt *st;
        if (!in->indicator || !*in->indicator)
            return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "indicator", NULL,
                                "field 'indicator' is required for metric '%s'", in->metric);
        if ((rc = db_prepare(db, "SELECT id, unit FROM indicators WHERE code = $1", &st, e)) < 0)
            return rc;
        db_bind_text(st, 1, in->indicator);
        if ((rc = db_step(st, e)) == 1) {
            indicator_id = db_col_int(st, 0);
            snprintf(unit, sizeof(unit), "%s", db_col_text(st, 1));
        }
        db_done(st);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return errbuf_field(e, -ERR_INVALID, R_UNKNOWN_INDICATOR, "indicator", in->indicator,
                                "field 'indicator': unknown indicator '%s'", in->indicator);
    } else if (in->indicator) {
        return errbuf_field(e, -ERR_INVALID, R_MISMATCH, "indicator", in->indicator,
                            "field 'indicator' is only for the metrics count and sum, not '%s'",
                            in->metric);
    }
    if (in->unit)
        snprintf(unit, sizeof(unit), "%s", in->unit);
    under_id = in->under_id ? in->under_id : owner_id;
    if ((rc = plan_org_row(db, under_id, &under, e)) < 0)
        return rc == -ERR_NOTFOUND
                   ? errbuf_field_int(
                         e, -ERR_INVALID, R_UNKNOWN_ORG, "applies_to.under_org_id", under_id,
                         "field 'applies_to.under_org_id': organization %lld not found", under_id)
                   : rc;
    if (!plan_in_subtree(under.path, owner.path))
        return errbuf_field(
            e, -ERR_INVALID, R_OUTSIDE_SCOPE, "applies_to.under_org_id", under.code,
            "field 'applies_to.under_org_id': organization '%s' is outside the plan "
            "owner's subtree ('%s')",
            under.code, owner.code);
    if (from_day == 0)
        from_day = today / 10000 == year ? today : year * 10000 + 101;
    else if (from_day / 10000 != year || !date_valid(from_day / 10000, from_day / 100 % 100,
                                                       from_day % 100))
        return errbuf_field_int(e, -ERR_INVALID, R_OUT_OF_RANGE, "from", from_day,
                                "field 'from': %d is not a day of the plan's year %d", from_day,
                                year);
    if ((rc = db_query_int(db, e, &id, "SELECT id FROM plan_tasks WHERE plan_id = $1 AND code = $2",
                           "it", plan_id, in->code)) < 0)
        return rc;
    if (rc == 1)
        return errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "code", in->code,
                            "plan %lld already has a task '%s' (task %lld)", plan_id, in->code, id);
    plan_kinds_format(kinds, kinds_text, sizeof(kinds_text));
    /* a task goes with its plan, which it is joined with on the tenant */
    if ((rc = db_query_int(db, e, &tenant, "SELECT tenant_id FROM plans WHERE id = $1", "i",
                           plan_id)) < 0 ||
        (rc = db_run(db, e,
                     "INSERT INTO plan_tasks(plan_id, org_id, code, name, metric, indicator_id, unit,"
                     " target, freq, kinds, under_id, with_groups, weight, role, from_day, note,"
                     " created_by, created_at, updated_at, tenant_id) VALUES($1, $2, $3, $4, $5,"
                     " $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19)",
                     "iitttItdttiidtitIii", plan_id, owner_id, in->code, in->name,
                     plan_metric_name(metric), indicator_id, unit, in->target, plan_freq_name(freq),
                     kinds_text, under_id, (long long)in->with_groups, in->weight, role,
                     (long long)from_day, in->note ? in->note : "", actor, now, tenant)) < 0 ||
        (rc = db_last_id(db, &id, e)) < 0)
        return rc;
    detail = json_pack("{s:I, s:s, s:s, s:s, s:f, s:s, s:s, s:I, s:b, s:f, s:s, s:i}", "plan_id",
                       (json_int_t)plan_id, "code", in->code, "name", in->name, "metric",
                       plan_metric_name(metric), "target", in->target, "freq", plan_freq_name(freq),
                       "kinds", kinds_text, "under_id", (json_int_t)under_id, "with_groups",
                       in->with_groups, "weight", in->weight, "role", role, "from_day", from_day);
    rc = audit_log(db, actor, owner_id, "create", "plan_task", id, detail, e);
    json_decref(detail);
    if (rc < 0)
        return rc;
    if (ret_id)
        *ret_id = id;
    return 0;
}

int plan_task_update(struct db *db, long long task_id, const char *name, double target,
                     double weight, const char *role, const char *note, long long actor,
                     struct errbuf *e)
{
    static const char *const sql = "SELECT name, target, weight, role, note FROM plan_tasks"
                                   " WHERE id = $1";
    static const char *const fields[] = {"name", "target", "weight", "role", "note"};
    long long org = 0;
    json_t *before = NULL, *after = NULL, *detail;
    int rc;
    if ((rc = plan_task_owner(db, task_id, NULL, &org, NULL, e)) < 0)
        return rc;
    if ((name && (rc = plan_check_text("name", name, 100, true, e)) < 0) ||
        (note && (rc = plan_check_text("note", note, 500, false, e)) < 0) ||
        (role && (rc = check_role(role, e)) < 0))
        return rc;
    if (!isnan(target) && (!isfinite(target) || target <= 0))
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "target", NULL,
                             "field 'target' must be greater than 0, got %g", target),
                errbuf_min(e, 0));
    if (!isnan(weight) && (!isfinite(weight) || weight <= 0))
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "weight", NULL,
                             "field 'weight' must be greater than 0, got %g", weight),
                errbuf_min(e, 0));
    if ((rc = audit_before(db, sql, task_id, "tddtt", fields, &before, e)) < 0 ||
        (rc = db_run(db, e,
                     "UPDATE plan_tasks SET name = COALESCE($2, name), role = COALESCE($3, role),"
                     " note = COALESCE($4, note), updated_at = $5 WHERE id = $1",
                     "ittti", task_id, name, role, note, (long long)time(NULL))) < 0)
        goto out;
    /* the doubles bind separately: NaN means "keep" */
    if (!isnan(target) &&
        (rc = db_run(db, e, "UPDATE plan_tasks SET target = $2 WHERE id = $1", "id", task_id,
                     target)) < 0)
        goto out;
    if (!isnan(weight) &&
        (rc = db_run(db, e, "UPDATE plan_tasks SET weight = $2 WHERE id = $1", "id", task_id,
                     weight)) < 0)
        goto out;
    if ((rc = audit_before(db, sql, task_id, "tddtt", fields, &after, e)) < 0)
        goto out;
    detail = audit_diff(before, after);
    rc = audit_log(db, actor, org, "update", "plan_task", task_id, detail, e);
    json_decref(detail);
out:
    json_decref(before);
    json_decref(after);
    return rc;
}

int plan_defaults(struct db *db, long long org_id, int year, int from_day, long long actor,
                  long long *ret_plan, int *ret_added, struct errbuf *e)
{
    long long plan_id = 0;
    json_t *codes = json_array();
    long mark;
    int added = 0, rc;
    if ((rc = db_begin(db, e)) < 0) {
        json_decref(codes);
        return rc;
    }
    mark = audit_batch_begin(); /* one row for the plan and its tasks */
    if (!org_id && (rc = org_find_code_or_root(db, NULL, &org_id, e)) < 0)
        goto out;
    if ((rc = db_query_int(db, e, &plan_id, "SELECT id FROM plans WHERE org_id = $1 AND year = $2",
                           "ii", org_id, (long long)year)) < 0)
        goto out;
    if (rc == 0 && (rc = plan_create(db, org_id, year, NULL, 5, actor, &plan_id, e)) < 0)
        goto out;
    for (size_t i = 0; i < sizeof(default_tasks) / sizeof(default_tasks[0]); i++) {
        const struct default_task *d = &default_tasks[i];
        struct plan_task_in t = {0};
        long long have = 0;
        if ((rc = db_query_int(db, e, &have,
                               "SELECT id FROM plan_tasks WHERE plan_id = $1 AND code = $2", "it",
                               plan_id, d->code)) < 0)
            goto out;
        if (rc == 1)
            continue;
        t.code = d->code;
        t.name = d->name;
        t.metric = d->metric;
        t.indicator = d->indicator;
        t.unit = d->unit;
        t.freq = d->freq;
        t.kinds = "branch";
        t.with_groups = d->with_groups;
        t.target = d->target;
        t.weight = 1;
        t.note = d->note;
        t.from_day = from_day ? from_day : year * 10000 + 101;
        if ((rc = plan_task_add(db, plan_id, &t, 0, actor, NULL, e)) < 0)
            goto out;
        json_array_append_new(codes, json_string(d->code));
        added++;
    }
out:
    audit_batch_end(mark);
    /* a second run that adds nothing changes nothing and leaves no row */
    if (rc >= 0 && (!added || (rc = plan_audit(db, plan_id, "defaults", codes, actor, e)) >= 0))
        rc = db_commit(db, e);
    json_decref(codes);
    if (rc < 0) {
        db_rollback(db);
        return rc;
    }
    *ret_plan = plan_id;
    *ret_added = added;
    return 0;
}
