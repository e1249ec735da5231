/* The rectification cases as JSON: one case with its steps, and the cases of a subtree (the
 * states and transitions behind them: loop.c). */
#include <stdio.h>
#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "plan/internal.h"
#include "base/banned.h"

static json_t *case_from_row(struct db_stmt *st)
{
    char opened[16];
    int state = plan_case_state_find(db_col_text(st, 10));
    json_t *next = plan_case_next_actions(state);
    date_format((int)db_col_int(st, 13), opened, sizeof(opened));
    return json_pack(
        "{s:I, s:{s:I, s:s, s:s}, s:{s:I, s:s, s:s}, s:{s:I, s:s, s:s}, s:s, s:s,"
        " s:s, s:f, s:s, s:b, s:{s:b, s:b}, s:s, s:s, s:o, s:s?, s:I}",
        "id", (json_int_t)db_col_int(st, 0), "task", "id", (json_int_t)db_col_int(st, 1), "code",
        db_col_text(st, 2), "name", db_col_text(st, 3), "org", "id", (json_int_t)db_col_int(st, 4),
        "code", db_col_text(st, 5), "name", db_col_text(st, 6), "superior", "id",
        (json_int_t)db_col_int(st, 7), "code", db_col_text(st, 8), "name", db_col_text(st, 9),
        "period", db_col_text(st, 11), "state", db_col_text(st, 10), "state_label",
        plan_case_state_label(state), "completion", db_col_double(st, 12), "opened_on",
        opened, "overdue", db_col_int(st, 14) != 0, "escalated", "acknowledge",
        (db_col_int(st, 15) & 1) != 0, "report", (db_col_int(st, 15) & 2) != 0, "report_text",
        db_col_text(st, 16), "attachment", db_col_text(st, 17), "actions", next, "next_side",
        plan_case_next_side(state), "updated_at", (json_int_t)db_col_int(st, 18));
}

#define CASE_COLS                                                                                  \
    "SELECT c.id, t.id, t.code, t.name, o.id, o.code, o.name, s.id, s.code, s.name, c.state,"      \
    " c.period, c.completion, c.opened_on, c.overdue, c.escalated, c.report_text, c.attachment,"   \
    " c.updated_at FROM plan_cases c JOIN plan_tasks t"                                            \
    " ON t.id = c.task_id AND t.tenant_id = c.tenant_id"                                           \
    " JOIN orgs o ON o.id = c.org_id JOIN orgs s ON s.id = c.superior_id"

int plan_case_json(struct db *db, long long case_id, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *c = NULL, *steps = json_array();
    int rc;
    if ((rc = db_prepare(db, CASE_COLS " WHERE c.id = $1", &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, case_id);
    if ((rc = db_step(st, e)) == 1)
        c = case_from_row(st);
    db_done(st);
    if (rc < 0)
        goto fail;
    if (!c) {
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "case_id", case_id,
                              "rectification case %lld not found", case_id);
        goto fail;
    }
    if ((rc = db_prepare(db,
                         "SELECT p.at, p.day, p.account_id, COALESCE(a.login, ''), p.action,"
                         " p.from_state, p.to_state, p.text FROM plan_case_steps p"
                         " LEFT JOIN accounts a ON a.id = p.account_id"
                         " AND a.tenant_id = p.tenant_id WHERE p.case_id = $1"
                         " ORDER BY p.id",
                         &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, case_id);
    while ((rc = db_step(st, e)) == 1) {
        char day[16];
        json_t *s;
        date_format((int)db_col_int(st, 1), day, sizeof(day));
        s = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "at", (json_int_t)db_col_int(st, 0), "day",
                      day, "action", db_col_text(st, 4), "from", db_col_text(st, 5), "to",
                      db_col_text(st, 6), "text", db_col_text(st, 7));
        json_object_set_new(s, "by",
                            db_col_null(st, 2)
                                ? json_null()
                                : json_pack("{s:I, s:s}", "id", (json_int_t)db_col_int(st, 2),
                                            "login", db_col_text(st, 3)));
        json_array_append_new(steps, s);
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    json_object_set_new(c, "steps", steps);
    *ret = c;
    return 0;
fail:
    json_decref(c);
    json_decref(steps);
    return rc;
}

int plan_cases_json(struct db *db, const char *path, const char *state, const char *period,
                    json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    char hi[ORG_PATH_MAX];
    json_t *items = json_array();
    int rc;
    if (state && *state && plan_case_state_find(state) < 0) {
        json_decref(items);
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "state", state,
                            "query parameter 'state': '%s' is not a case state (open, notified, "
                            "acknowledged, reported, returned, verified, closed)",
                            state);
    }
    scope_bounds(path, hi, sizeof(hi));
    if ((rc = db_prepare(db,
                         CASE_COLS
                         " WHERE o.path >= $1 AND o.path < $2 AND ($3 = '' OR c.state = $3)"
                         " AND ($4 = '' OR c.period = $4) ORDER BY c.id DESC LIMIT 1000",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "tttt", path, hi, state ? state : "", period ? period : "");
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(items, case_from_row(st));
    db_done(st);
    if (rc < 0)
        goto fail;
    *ret = json_pack("{s:o}", "items", items);
    return 0;
fail:
    json_decref(items);
    return rc;
}
