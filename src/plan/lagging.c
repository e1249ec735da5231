/* The warnings a subtree has open, and the lagging organizations a committee sees (their
 * worst open warning, who answers for them) and notifies in one action. The daily check that
 * opens the warnings is warning.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/month.h"
#include "db/db.h"
#include "inbox/todo.h"
#include "org/audit.h"
#include "plan/grid.h"
#include "plan/internal.h"
#include "plan/plan.h"
#include "base/banned.h"

#define WARN_COLS                                                                                  \
    "SELECT w.id, w.level, w.period, w.completion, w.expected, w.opened_on, w.case_id,"            \
    " t.id, t.code, t.name, o.id, o.code, o.name, o.kind"                                          \
    " FROM plan_warnings w JOIN plan_tasks t ON t.id = w.task_id AND t.tenant_id = w.tenant_id JOIN orgs o ON o.id = w.org_id"   \
    " LEFT JOIN plan_cases c ON c.id = w.case_id AND c.tenant_id = w.tenant_id"

/* Open: a warning not yet resolved; for not met, while its case is not closed. */
#define WARN_OPEN " w.resolved_on IS NULL AND (c.id IS NULL OR c.state <> 'closed')"

static json_t *warning_from_row(struct db_stmt *st)
{
    char day[16];
    json_t *w;
    date_format((int)db_col_int(st, 5), day, sizeof(day));
    w = json_pack("{s:I, s:s, s:s, s:f, s:f, s:s, s:{s:I, s:s, s:s}, s:{s:I, s:s, s:s, s:s}}", "id",
                  (json_int_t)db_col_int(st, 0), "level", db_col_text(st, 1), "period",
                  db_col_text(st, 2), "completion", db_col_double(st, 3), "expected",
                  db_col_double(st, 4), "opened_on", day, "task", "id",
                  (json_int_t)db_col_int(st, 7), "code", db_col_text(st, 8), "name",
                  db_col_text(st, 9), "org", "id", (json_int_t)db_col_int(st, 10), "code",
                  db_col_text(st, 11), "name", db_col_text(st, 12), "kind", db_col_text(st, 13));
    json_object_set_new(w, "case_id", db_col_null(st, 6) ? json_null() : json_integer(db_col_int(st, 6)));
    return w;
}

int plan_warnings_json(struct db *db, const char *path, const char *level, json_t **ret,
                       struct errbuf *e)
{
    struct db_stmt *st;
    char hi[ORG_PATH_MAX];
    enum plan_level l;
    json_t *items = json_array();
    int rc;
    if (level && *level && (plan_level_parse(level, &l) < 0 || l == PLAN_GREEN)) {
        json_decref(items);
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "level", level,
                            "query parameter 'level': '%s' is not yellow, red or not_met", level);
    }
    scope_bounds(path, hi, sizeof(hi));
    if ((rc = db_prepare(db,
                         WARN_COLS " WHERE o.path >= $1 AND o.path < $2 AND" WARN_OPEN
                                   " AND ($3 = '' OR w.level = $3) ORDER BY o.path, w.id LIMIT 5000",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "ttt", path, hi, level ? level : "");
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(items, warning_from_row(st));
    db_done(st);
    if (rc < 0)
        goto fail;
    *ret = json_pack("{s:o}", "items", items);
    return 0;
fail:
    json_decref(items);
    return rc;
}

static int level_rank(const char *level)
{
    return strcmp(level, "not_met") == 0 ? 3 : strcmp(level, "red") == 0 ? 2 : 1;
}

/* The responsible person and accounts of an organization. */
static int responsible_json(struct db *db, long long org_id, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *accounts = json_array(), *r;
    const char *names[2] = {NULL, NULL};
    char secretary[256] = "";
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT m.name FROM orgs o JOIN members m ON m.id = o.secretary_id"
                         " WHERE o.id = $1",
                         &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, org_id);
    if ((rc = db_step(st, e)) == 1)
        snprintf(secretary, sizeof(secretary), "%s", db_col_text(st, 0));
    db_done(st);
    if (rc < 0)
        goto fail;
    if ((rc = db_prepare(db,
                         "SELECT a.id, a.login, a.display_name FROM account_roles r"
                         " JOIN accounts a ON a.id = r.account_id AND a.tenant_id = r.tenant_id WHERE r.org_id = $1"
                         " AND r.role = 'secretary' AND a.disabled = 0 ORDER BY a.login",
                         &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, org_id);
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(accounts, json_pack("{s:I, s:s, s:s}", "id",
                                                  (json_int_t)db_col_int(st, 0), "login",
                                                  db_col_text(st, 1), "name", db_col_text(st, 2)));
    db_done(st);
    if (rc < 0)
        goto fail;
    names[0] = secretary[0] ? secretary : NULL;
    if (!names[0] && json_array_size(accounts)) {
        json_t *a0 = json_array_get(accounts, 0);
        const char *n = json_string_value(json_object_get(a0, "name"));
        names[0] = n && *n ? n : json_string_value(json_object_get(a0, "login"));
    }
    r = json_pack("{s:s?, s:o}", "name", names[0], "accounts", accounts);
    *ret = r;
    return 0;
fail:
    json_decref(accounts);
    return rc;
}

int plan_lagging_json(struct db *db, long long root, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    char path[ORG_PATH_MAX], hi[ORG_PATH_MAX];
    json_t *items = json_array(), *cur = NULL;
    long long cur_org = 0;
    int rc;
    if ((rc = db_prepare(db, "SELECT path FROM orgs WHERE id = $1", &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, root);
    rc = db_step(st, e);
    if (rc == 1)
        snprintf(path, sizeof(path), "%s", db_col_text(st, 0));
    db_done(st);
    if (rc <= 0) {
        if (rc == 0)
            rc = errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", root,
                                  "organization %lld not found", root);
        goto fail;
    }
    scope_bounds(path, hi, sizeof(hi));
    if ((rc = db_prepare(db,
                         WARN_COLS " WHERE o.path >= $1 AND o.path < $2 AND o.id <> $3 AND" WARN_OPEN
                                   " ORDER BY o.path, w.id",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "tti", path, hi, root);
    while ((rc = db_step(st, e)) == 1) {
        long long org = db_col_int(st, 10);
        json_t *w = warning_from_row(st);
        if (org != cur_org) {
            cur = json_pack("{s:O, s:s, s:[]}", "org", json_object_get(w, "org"), "level",
                            db_col_text(st, 1), "warnings");
            json_array_append_new(items, cur);
            cur_org = org;
        }
        if (level_rank(db_col_text(st, 1)) >
            level_rank(json_string_value(json_object_get(cur, "level"))))
            json_object_set_new(cur, "level", json_string(db_col_text(st, 1)));
        json_object_del(w, "org");
        json_array_append_new(json_object_get(cur, "warnings"), w);
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i), *resp;
        long long org = json_integer_value(json_object_get(json_object_get(it, "org"), "id"));
        if ((rc = responsible_json(db, org, &resp, e)) < 0)
            goto fail;
        json_object_set_new(it, "responsible", resp);
    }
    *ret = json_pack("{s:o}", "items", items);
    return 0;
fail:
    json_decref(items);
    return rc;
}

int plan_lagging_notify(struct db *db, const struct auth *a, long long root, const char *text,
                        int today, json_t **ret, struct errbuf *e)
{
    json_t *lag = NULL, *items;
    long notices = 0, cases = 0, mark;
    int rc;
    if ((rc = plan_lagging_json(db, root, &lag, e)) < 0)
        return rc;
    mark = audit_batch_begin(); /* the cases notified are in the one row's counts */
    items = json_object_get(lag, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i), *ws = json_object_get(it, "warnings"), *org;
        struct idlist to = IDLIST_INIT;
        struct buf body = BUF_INIT;
        char title[512];
        long long org_id;
        org = json_object_get(it, "org");
        org_id = json_integer_value(json_object_get(org, "id"));
        snprintf(title, sizeof(title), "【督办】%s：%zu 项任务滞后，请尽快落实",
                 json_string_value(json_object_get(org, "name")), json_array_size(ws));
        if (text && *text)
            buf_printf(&body, "%s\n", text);
        for (size_t k = 0; k < json_array_size(ws); k++) {
            json_t *w = json_array_get(ws, k);
            enum plan_level l = PLAN_YELLOW;
            plan_level_parse(json_string_value(json_object_get(w, "level")), &l);
            buf_printf(&body, "%s %s：%s，完成 %.0f%%\n",
                       json_string_value(json_object_get(json_object_get(w, "task"), "name")),
                       json_string_value(json_object_get(w, "period")), plan_level_label(l),
                       json_real_value(json_object_get(w, "completion")) * 100);
        }
        struct plan_notice n = {"lagging", org_id, title, buf_str(&body), 0, 0, NULL};
        if ((rc = plan_people_at(db, org_id, "secretary", &to, e)) >= 0 &&
            (rc = plan_notice_send(db, &n, &to, e)) >= 0)
            notices += rc;
        idlist_release(&to);
        buf_release(&body);
        if (rc < 0)
            goto out;
        /* cases nobody has been told of yet: the committee tells them now */
        for (size_t k = 0; k < json_array_size(ws); k++) {
            json_t *cid = json_object_get(json_array_get(ws, k), "case_id");
            long long state_open = 0;
            if (!json_is_integer(cid))
                continue;
            if ((rc = db_query_int(db, e, &state_open,
                                   "SELECT COUNT(*) FROM plan_cases WHERE id = $1 AND state = 'open'",
                                   "i", (long long)json_integer_value(cid))) < 0)
                goto out;
            if (state_open) {
                char opath[ORG_PATH_MAX], spath[ORG_PATH_MAX];
                if ((rc = plan_case_paths(db, json_integer_value(cid), opath, spath, e)) < 0)
                    goto out;
                if (!auth_covers(a, ROLE_COMMITTEE | ROLE_ADMIN, spath))
                    continue;
                if ((rc = plan_case_act(db, a, json_integer_value(cid), "notify", text, NULL, today,
                                        e)) < 0)
                    goto out;
                cases++;
            }
        }
    }
    rc = 0;
out:
    audit_batch_end(mark);
    if (rc >= 0) {
        json_t *d = json_pack("{s:I, s:I, s:I}", "orgs", (json_int_t)json_array_size(items),
                              "notices", (json_int_t)notices, "cases", (json_int_t)cases);
        rc = audit_log(db, a->account_id, root, "notify_lagging", "plan", 0, d, e);
        json_decref(d);
    }
    if (rc >= 0)
        *ret = json_pack("{s:I, s:I, s:I, s:O}", "orgs", (json_int_t)json_array_size(items),
                         "notices", (json_int_t)notices, "cases_notified", (json_int_t)cases,
                         "items", items);
    json_decref(lag);
    return rc;
}
