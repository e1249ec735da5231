/* HTTP handlers for plans, tasks and reported figures (progress, bulletins and the check on
 * demand: api_progress.c). Thin: read and check the request, check the caller's scope, call the domain, reply.
 * Writes run in one transaction: any error and nothing is changed. */
#include "plan/api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "org/audit.h"
#include "plan/grid.h"
#include "plan/internal.h"
#include "plan/plan.h"
#include "base/banned.h"

int plan_api_org(struct req *r, int mask, long long *ret_id, char *ret_path, struct errbuf *e)
{
    long long id = 0;
    int rc = req_query_int(r, "org_id", 0, 0, (long long)1 << 62, &id, e);
    if (rc < 0)
        return rc;
    for (int i = 0; i < r->auth.nroles && !id; i++)
        if (r->auth.roles[i].role & mask)
            id = r->auth.roles[i].org_id;
    if (!id)
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, NULL, NULL,
                            "your roles do not cover any organization here");
    if ((rc = auth_check_org(r->db, &r->auth, mask, id, ret_path, e)) < 0)
        return rc;
    *ret_id = id;
    return 0;
}

int plan_api_end(struct req *r, int rc, struct errbuf *e)
{
    if (rc < 0) {
        db_rollback(r->db);
        return rc;
    }
    return db_commit(r->db, e);
}

/* A plan is readable by staff whose roles cover its owner, and by staff inside the owner's
 * subtree (its tasks apply to them). */
static int check_read(struct req *r, const char *owner_path, const char *what, long long id,
                      struct errbuf *e)
{
    if (auth_covers(&r->auth, ROLE_STAFF, owner_path))
        return 0;
    for (int i = 0; i < r->auth.nroles; i++)
        if ((r->auth.roles[i].role & ROLE_STAFF) &&
            strncmp(r->auth.roles[i].org_path, owner_path, strlen(owner_path)) == 0)
            return 0;
    return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, NULL, id,
                            "%s %lld is outside your scope", what, id);
}

static int check_edit(struct req *r, const char *owner_path, const char *what, long long id,
                      struct errbuf *e)
{
    if (auth_covers(&r->auth, ROLE_ORG_ADMIN, owner_path))
        return 0;
    return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, NULL, id,
                            "%s %lld is outside the organizations you administer", what, id);
}

static int number(json_t *o, const char *key, bool required, double def, double *ret,
                  struct errbuf *e)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (required)
            return errbuf_field(e, -ERR_INVALID, R_REQUIRED, key, NULL, "field '%s' is required",
                                key);
        *ret = def;
        return 0;
    }
    if (!json_is_number(v))
        return errbuf_field(e, -ERR_INVALID, R_NOT_NUMBER, key, NULL, "field '%s' must be a number",
                            key);
    *ret = json_number_value(v);
    return 0;
}

static int string(json_t *o, const char *key, bool required, const char **ret, struct errbuf *e)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (required)
            return errbuf_field(e, -ERR_INVALID, R_REQUIRED, key, NULL, "field '%s' is required",
                                key);
        *ret = NULL;
        return 0;
    }
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return errbuf_field(e, -ERR_INVALID, R_NOT_STRING, key, NULL, "field '%s' must be a string",
                            key);
    *ret = json_string_value(v);
    return 0;
}

/* A task from JSON; kinds_buf holds the comma list the applies_to.kinds array becomes. */
static int task_from_json(json_t *o, struct plan_task_in *t, char *kinds_buf, size_t n,
                          struct errbuf *e)
{
    json_t *ap, *kinds;
    const char *from = NULL;
    int rc;
    memset(t, 0, sizeof(*t));
    if (!json_is_object(o))
        return errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, "tasks", NULL,
                            "a task must be a JSON object");
    if ((rc = string(o, "code", true, &t->code, e)) < 0 ||
        (rc = string(o, "name", true, &t->name, e)) < 0 ||
        (rc = string(o, "metric", true, &t->metric, e)) < 0 ||
        (rc = string(o, "indicator", false, &t->indicator, e)) < 0 ||
        (rc = string(o, "unit", false, &t->unit, e)) < 0 ||
        (rc = number(o, "target", true, 0, &t->target, e)) < 0 ||
        (rc = string(o, "freq", true, &t->freq, e)) < 0 ||
        (rc = number(o, "weight", false, 1, &t->weight, e)) < 0 ||
        (rc = string(o, "role", false, &t->role, e)) < 0 ||
        (rc = string(o, "from", false, &from, e)) < 0 ||
        (rc = string(o, "note", false, &t->note, e)) < 0)
        return rc;
    if (from && date_parse_iso(from, &t->from_day) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_DATE, "from", from,
                            "field 'from': '%.40s' is not a date (YYYY-MM-DD)", from);
    ap = json_object_get(o, "applies_to");
    if (ap && !json_is_null(ap)) {
        json_t *under = json_object_get(ap, "under_org_id"), *wg = json_object_get(ap, "with_groups");
        if (!json_is_object(ap))
            return errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, "applies_to", NULL,
                                "field 'applies_to' must be an object");
        kinds = json_object_get(ap, "kinds");
        if (kinds && !json_is_null(kinds)) {
            size_t i, used = 0;
            json_t *k;
            if (!json_is_array(kinds) || json_array_size(kinds) == 0)
                return errbuf_field(e, -ERR_INVALID, R_NOT_ARRAY, "applies_to.kinds", NULL,
                                    "field 'applies_to.kinds' must be a non-empty array of kinds");
            kinds_buf[0] = '\0';
            json_array_foreach(kinds, i, k)
            {
                int w;
                if (!json_is_string(k) || !plan_kind_bit(json_string_value(k)))
                    return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "applies_to.kinds", NULL,
                                        "field 'applies_to.kinds': expected committee, "
                                        "general_branch, branch or group");
                w = snprintf(kinds_buf + used, n - used, "%s%s", used ? "," : "",
                             json_string_value(k));
                if (w < 0 || (size_t)w >= n - used)
                    return errbuf_field(e, -ERR_INVALID, R_TOO_MANY, "applies_to.kinds", NULL,
                                        "field 'applies_to.kinds' is too long");
                used += (size_t)w;
            }
            t->kinds = kinds_buf;
        }
        if (under && !json_is_null(under)) {
            if (!json_is_integer(under) || json_integer_value(under) <= 0)
                return errbuf_field(e, -ERR_INVALID, R_NOT_INTEGER, "applies_to.under_org_id", NULL,
                                    "field 'applies_to.under_org_id' must be an organization id");
            t->under_id = json_integer_value(under);
        }
        if (wg && !json_is_null(wg)) {
            if (!json_is_boolean(wg))
                return errbuf_field(e, -ERR_INVALID, R_NOT_BOOLEAN, "applies_to.with_groups", NULL,
                                    "field 'applies_to.with_groups' must be true or false");
            t->with_groups = json_is_true(wg);
        }
    }
    return 0;
}

static int year_of(struct req *r, const char *key, bool required, int *ret, struct errbuf *e)
{
    long long y = 0;
    int rc = req_int(r, key, required, &y, e);
    if (rc < 0)
        return rc;
    if (y && (y < 2000 || y > 2100))
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, key, NULL,
                             "field '%s': %lld is not a year from 2000 to 2100", key, y),
                errbuf_value_int(e, y), errbuf_range(e, 2000, 2100));
    *ret = (int)y;
    return 0;
}

/* ---- plans */

int api_plan_list(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org = 0, year = 0;
    json_t *items;
    int rc;
    if ((rc = plan_api_org(r, ROLE_STAFF, &org, path, e)) < 0 ||
        (rc = req_query_int(r, "year", 0, 0, 2100, &year, e)) < 0 ||
        (rc = plan_list_json(r->db, path, (int)year, &items, e)) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int api_plan_create(struct req *r, struct errbuf *e)
{
    const char *name = NULL;
    long long org = 0, remind = 5, id = 0;
    int year = 0, rc;
    long mark;
    json_t *tasks, *codes, *out;
    if ((rc = req_int(r, "org_id", true, &org, e)) < 0 ||
        (rc = year_of(r, "year", true, &year, e)) < 0 ||
        (rc = req_str(r, "name", false, 100, &name, e)) < 0 ||
        (rc = req_int(r, "remind_days", false, &remind, e)) < 0)
        return rc;
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_ORG_ADMIN, org, NULL, e)) < 0)
        return rc == -ERR_NOTFOUND
                   ? errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", org,
                                      "field 'org_id': organization %lld not found", org)
                   : rc;
    tasks = json_object_get(r->json, "tasks");
    if (tasks && !json_is_null(tasks) && !json_is_array(tasks))
        return errbuf_field(e, -ERR_INVALID, R_NOT_ARRAY, "tasks", NULL,
                            "field 'tasks' must be an array");
    if (remind < 0 || remind > 60)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "remind_days", NULL,
                             "field 'remind_days' must be from 0 to 60"),
                errbuf_range(e, 0, 60));
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    /* one audit row for the plan and its tasks */
    mark = audit_batch_begin();
    codes = json_array();
    rc = plan_create(r->db, org, year, name, (int)remind, r->auth.account_id, &id, e);
    for (size_t i = 0; rc >= 0 && i < json_array_size(tasks); i++) {
        struct plan_task_in t;
        char kinds[80];
        if ((rc = task_from_json(json_array_get(tasks, i), &t, kinds, sizeof(kinds), e)) < 0 ||
            (rc = plan_task_add(r->db, id, &t, date_today(), r->auth.account_id, NULL, e)) < 0)
            errbuf_prefix(e, "tasks[%zu]", i);
        else
            json_array_append_new(codes, json_string(t.code));
    }
    audit_batch_end(mark);
    if (rc >= 0)
        rc = plan_audit(r->db, id, "create", codes, r->auth.account_id, e);
    json_decref(codes);
    if ((rc = plan_api_end(r, rc, e)) < 0 || (rc = plan_json(r->db, id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 201, out);
}

int api_plan_defaults(struct req *r, struct errbuf *e)
{
    const char *from = NULL;
    long long org = 0, plan = 0;
    int year = 0, from_day = 0, added = 0, rc;
    json_t *out;
    if ((rc = req_int(r, "org_id", true, &org, e)) < 0 ||
        (rc = year_of(r, "year", true, &year, e)) < 0 ||
        (rc = req_str(r, "from", false, 10, &from, e)) < 0)
        return rc;
    if (from && date_parse_iso(from, &from_day) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_DATE, "from", from,
                            "field 'from': '%s' is not a date (YYYY-MM-DD)", from);
    if (from_day && from_day / 10000 != year)
        return errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "from", from,
                            "field 'from': %s is not in %d", from, year);
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_ORG_ADMIN, org, NULL, e)) < 0)
        return rc == -ERR_NOTFOUND
                   ? errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", org,
                                      "field 'org_id': organization %lld not found", org)
                   : rc;
    if ((rc = plan_defaults(r->db, org, year, from_day, r->auth.account_id, &plan, &added, e)) < 0 ||
        (rc = plan_json(r->db, plan, &out, e)) < 0)
        return rc;
    json_object_set_new(out, "added", json_integer(added));
    return req_reply_json(r, 200, out);
}

int api_plan_get(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long id, org;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = plan_owner(r->db, id, &org, path, e)) < 0 ||
        (rc = check_read(r, path, "plan", id, e)) < 0 || (rc = plan_json(r->db, id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_plan_update(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    const char *name = NULL;
    long long id, org, remind = -1;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = plan_owner(r->db, id, &org, path, e)) < 0 ||
        (rc = check_edit(r, path, "plan", id, e)) < 0 || (rc = req_str(r, "name", false, 100, &name, e)) < 0 ||
        (rc = req_int(r, "remind_days", false, &remind, e)) < 0)
        return rc;
    if (req_has(r, "remind_days") && (remind < 0 || remind > 60))
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "remind_days", NULL,
                             "field 'remind_days' must be from 0 to 60"),
                errbuf_range(e, 0, 60));
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    rc = plan_update(r->db, id, name, (int)remind, r->auth.account_id, e);
    if ((rc = plan_api_end(r, rc, e)) < 0 || (rc = plan_json(r->db, id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_plan_task_add(struct req *r, struct errbuf *e)
{
    struct plan_task_in t;
    char path[ORG_PATH_MAX], kinds[80];
    long long id, org, task = 0;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = plan_owner(r->db, id, &org, path, e)) < 0 ||
        (rc = check_edit(r, path, "plan", id, e)) < 0 ||
        (rc = task_from_json(r->json, &t, kinds, sizeof(kinds), e)) < 0 ||
        (rc = db_begin(r->db, e)) < 0)
        return rc;
    rc = plan_task_add(r->db, id, &t, date_today(), r->auth.account_id, &task, e);
    if ((rc = plan_api_end(r, rc, e)) < 0 || (rc = plan_task_json(r->db, task, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 201, out);
}

int api_plan_task_get(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long id;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = plan_task_owner(r->db, id, NULL, NULL, path, e)) < 0 ||
        (rc = check_read(r, path, "plan task", id, e)) < 0 ||
        (rc = plan_task_json(r->db, id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_plan_task_update(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    const char *name = NULL, *role = NULL, *note = NULL;
    double target = NAN, weight = NAN;
    long long id;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = plan_task_owner(r->db, id, NULL, NULL, path, e)) < 0 ||
        (rc = check_edit(r, path, "plan task", id, e)) < 0)
        return rc;
    if ((rc = string(r->json, "name", false, &name, e)) < 0 ||
        (rc = string(r->json, "role", false, &role, e)) < 0 ||
        (rc = string(r->json, "note", false, &note, e)) < 0 ||
        (rc = number(r->json, "target", false, NAN, &target, e)) < 0 ||
        (rc = number(r->json, "weight", false, NAN, &weight, e)) < 0 ||
        (rc = db_begin(r->db, e)) < 0)
        return rc;
    rc = plan_task_update(r->db, id, name, target, weight, role, note, r->auth.account_id, e);
    if ((rc = plan_api_end(r, rc, e)) < 0 || (rc = plan_task_json(r->db, id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_plan_report(struct req *r, struct errbuf *e)
{
    const char *period = NULL, *evidence = NULL, *attachment = NULL;
    long long task = 0, org = 0;
    double value = 0;
    int rc;
    if ((rc = req_int(r, "task_id", true, &task, e)) < 0 ||
        (rc = req_int(r, "org_id", true, &org, e)) < 0 ||
        (rc = req_str(r, "period", true, 16, &period, e)) < 0 ||
        (rc = number(r->json, "value", true, 0, &value, e)) < 0 ||
        (rc = req_str(r, "evidence", true, 2000, &evidence, e)) < 0 ||
        (rc = req_str(r, "attachment", false, 500, &attachment, e)) < 0)
        return rc;
    /* the branch answers for its own figures; the committees above may correct them */
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_STAFF, org, NULL, e)) < 0)
        return rc == -ERR_NOTFOUND
                   ? errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", org,
                                      "field 'org_id': organization %lld not found", org)
                   : rc;
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    rc = plan_report(r->db, task, org, period, value, evidence, attachment, date_today(),
                     r->auth.account_id, e);
    if ((rc = plan_api_end(r, rc, e)) < 0)
        return rc;
    return req_reply_json(r, 201,
                          json_pack("{s:I, s:I, s:s, s:f, s:s}", "task_id", (json_int_t)task,
                                    "org_id", (json_int_t)org, "period", period, "value", value,
                                    "evidence", evidence));
}
