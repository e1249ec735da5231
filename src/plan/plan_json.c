/* The JSON views of plans and their tasks (plan.h). */
#include "plan/plan.h"

#include <stdio.h>
#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "org/scope.h"
#include "plan/grid.h"
#include "base/banned.h"

static json_t *task_from_row(struct db_stmt *st)
{
    char from[16];
    unsigned kinds = 0;
    json_t *list = json_array(), *t;
    date_format((int)db_col_int(st, 14), from, sizeof(from));
    plan_kinds_parse(db_col_text(st, 10), &kinds);
    for (unsigned bit = 1; bit <= KIND_GROUP; bit <<= 1)
        if (kinds & bit) {
            char one[64];
            plan_kinds_format(bit, one, sizeof(one));
            json_array_append_new(list, json_string(one));
        }
    t = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s?, s:s, s:f, s:s, s:{s:o, s:I, s:s, s:s, s:b},"
                  " s:f, s:s, s:s, s:s}",
                  "id", (json_int_t)db_col_int(st, 0), "plan_id", (json_int_t)db_col_int(st, 1),
                  "code", db_col_text(st, 2), "name", db_col_text(st, 3), "metric",
                  db_col_text(st, 4), "indicator", db_col_null(st, 5) ? NULL : db_col_text(st, 5),
                  "unit", db_col_text(st, 6), "target", db_col_double(st, 7), "freq",
                  db_col_text(st, 8), "applies_to", "kinds", list, "under_org_id",
                  (json_int_t)db_col_int(st, 11), "under_org_code", db_col_text(st, 12),
                  "under_org_name", db_col_text(st, 13), "with_groups", db_col_int(st, 9) != 0,
                  "weight", db_col_double(st, 15), "role", db_col_text(st, 16), "from", from,
                  "note", db_col_text(st, 17));
    return t;
}

#define TASK_COLS                                                                                  \
    "SELECT t.id, t.plan_id, t.code, t.name, t.metric, i.code, t.unit, t.target, t.freq,"          \
    " t.with_groups, t.kinds, t.under_id, u.code, u.name, t.from_day, t.weight, t.role, t.note"    \
    " FROM plan_tasks t JOIN orgs u ON u.id = t.under_id"                                          \
    " LEFT JOIN indicators i ON i.id = t.indicator_id"

int plan_task_json(struct db *db, long long task_id, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *t = NULL;
    int rc;
    if ((rc = db_prepare(db, TASK_COLS " WHERE t.id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, task_id);
    if ((rc = db_step(st, e)) == 1)
        t = task_from_row(st);
    db_done(st);
    if (rc < 0)
        return rc;
    if (!t)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "task_id", task_id,
                                "plan task %lld not found", task_id);
    *ret = t;
    return 0;
}

static json_t *plan_from_row(struct db_stmt *st)
{
    return json_pack("{s:I, s:{s:I, s:s, s:s, s:s}, s:I, s:s, s:I, s:I, s:I, s:I}", "id",
                     (json_int_t)db_col_int(st, 0), "org", "id", (json_int_t)db_col_int(st, 1),
                     "code", db_col_text(st, 2), "name", db_col_text(st, 3), "kind",
                     db_col_text(st, 4), "year", (json_int_t)db_col_int(st, 5), "name",
                     db_col_text(st, 6), "remind_days", (json_int_t)db_col_int(st, 7),
                     "tasks_count", (json_int_t)db_col_int(st, 8), "created_at",
                     (json_int_t)db_col_int(st, 9), "updated_at", (json_int_t)db_col_int(st, 10));
}

#define PLAN_COLS                                                                                  \
    "SELECT p.id, o.id, o.code, o.name, o.kind, p.year, p.name, p.remind_days,"                    \
    " (SELECT COUNT(*) FROM plan_tasks t WHERE t.plan_id = p.id AND t.tenant_id = p.tenant_id), p.created_at, p.updated_at"      \
    " FROM plans p JOIN orgs o ON o.id = p.org_id"

int plan_json(struct db *db, long long plan_id, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *p = NULL, *tasks = json_array();
    int rc;
    if ((rc = db_prepare(db, PLAN_COLS " WHERE p.id = $1", &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, plan_id);
    if ((rc = db_step(st, e)) == 1)
        p = plan_from_row(st);
    db_done(st);
    if (rc < 0)
        goto fail;
    if (!p) {
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "plan_id", plan_id,
                              "plan %lld not found", plan_id);
        goto fail;
    }
    if ((rc = db_prepare(db, TASK_COLS " WHERE t.plan_id = $1 ORDER BY t.id", &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, plan_id);
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(tasks, task_from_row(st));
    db_done(st);
    if (rc < 0)
        goto fail;
    json_object_set_new(p, "tasks", tasks);
    *ret = p;
    return 0;
fail:
    json_decref(p);
    json_decref(tasks);
    return rc;
}

int plan_list_json(struct db *db, const char *path, int year, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    char hi[ORG_PATH_MAX];
    json_t *items = json_array();
    int rc;
    /* the plans of the subtree, and those of the organizations above it (whose tasks apply
     * inside it) */
    scope_bounds(path, hi, sizeof(hi));
    if ((rc = db_prepare(db,
                         PLAN_COLS " WHERE ((o.path >= $1 AND o.path < $2) OR"
                                   " substr($1, 1, length(o.path)) = o.path)"
                                   " AND ($3 = 0 OR p.year = $3) ORDER BY p.year DESC, o.path",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "tti", path, hi, (long long)year);
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(items, plan_from_row(st));
    db_done(st);
    if (rc < 0)
        goto fail;
    *ret = items;
    return 0;
fail:
    json_decref(items);
    return rc;
}
