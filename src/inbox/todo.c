/* The to-dos of every domain in one table: raising, closing, listing (see todo.h). */
#include "inbox/todo.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/month.h"
#include "db/db.h"
#include "org/audit.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

/* One statement (a round trip on PostgreSQL for each of the thousands a check raises): a to-do
 * without a dedupe key of its own goes in unless the same item is open for the same account;
 * one with a key, unless the key was used (ON CONFLICT). Parameters are cast: an INSERT from
 * a SELECT gives them no types of its own on PostgreSQL. Whether a row went in is read from
 * RETURNING: Citus reports an INSERT ... SELECT's rows selected as its count, stored or not. */
#define TODO_INSERT                                                                                \
    "INSERT INTO todos(domain, kind, account_id, org_id, member_id, title, task_id, case_id,"     \
    " period, due_day, from_month, months, dedupe, created_at, tenant_id)"                        \
    " SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT), CAST($4 AS BIGINT),"         \
    " CAST($5 AS BIGINT), CAST($6 AS TEXT), CAST($7 AS BIGINT), CAST($8 AS BIGINT),"              \
    " CAST($9 AS TEXT), CAST($10 AS BIGINT), CAST($11 AS BIGINT), CAST($12 AS BIGINT),"           \
    " CAST($13 AS TEXT), CAST($14 AS BIGINT), CAST($15 AS BIGINT)"                                \
    " WHERE CAST($13 AS TEXT) IS NOT NULL OR NOT EXISTS (SELECT 1 FROM todos o"                   \
    " WHERE COALESCE(o.account_id, 0) = COALESCE(CAST($3 AS BIGINT), 0)"                          \
    " AND o.kind = CAST($2 AS TEXT) AND o.done_at IS NULL"                                        \
    " AND COALESCE(o.task_id, 0) = COALESCE(CAST($7 AS BIGINT), 0)"                               \
    " AND COALESCE(o.case_id, 0) = COALESCE(CAST($8 AS BIGINT), 0)"                               \
    " AND o.org_id = CAST($4 AS BIGINT)"                                                          \
    " AND COALESCE(o.period, '') = COALESCE(CAST($9 AS TEXT), '')"                                \
    " AND o.title = CAST($6 AS TEXT))"                                                            \
    " ON CONFLICT (dedupe, tenant_id) DO NOTHING"
#define TODO_ARGS(t, now, tenant)                                                                  \
    "ttIiItIItIIItii", (t)->domain, (t)->kind, (t)->account_id, (t)->org_id, (t)->member_id,      \
        (t)->title, (t)->task_id, (t)->case_id, (t)->period, (long long)(t)->due_day,              \
        (long long)(t)->from_month, (long long)(t)->months, (t)->dedupe, (now), (tenant)

int todo_raise(struct db *db, const struct todo *t, struct errbuf *e)
{
    long long now = t->created_at ? t->created_at : (long long)time(NULL), one = 0, tenant;
    /* the tenant of the organization the to-do is about (a constant: Citus routes by it) */
    int rc = tenant_of_org(db, t->org_id, &tenant, e);
    if (rc < 0)
        return rc;
    rc = db_query_int(db, e, &one, TODO_INSERT " RETURNING 1", TODO_ARGS(t, now, tenant));
    return rc < 0 ? rc : rc == 1; /* a row returned: added (Citus counts rows selected) */
}

int todo_raise_queued(struct db *db, const struct todo *t, struct errbuf *e)
{
    long long now = t->created_at ? t->created_at : (long long)time(NULL), tenant;
    int rc = tenant_of_org(db, t->org_id, &tenant, e);
    if (rc < 0)
        return rc;
    rc = db_queue(db, e, TODO_INSERT, TODO_ARGS(t, now, tenant));
    return rc < 0 ? rc : 0;
}

int todo_done_case(struct db *db, long long case_id, struct errbuf *e)
{
    int rc = db_queue(db, e,
                      "UPDATE todos SET done_at = $2 WHERE case_id = $1 AND domain = 'plan'"
                      " AND done_at IS NULL",
                      "ii", case_id, (long long)time(NULL));
    return rc < 0 ? rc : 0;
}

int todo_done_cell(struct db *db, long long task_id, long long org_id, const char *period,
                   struct errbuf *e)
{
    int rc = db_queue(db, e,
                      "UPDATE todos SET done_at = $4 WHERE task_id = $1 AND org_id = $2"
                      " AND period = $3 AND domain = 'plan' AND kind = 'warning'"
                      " AND done_at IS NULL",
                      "iiti", task_id, org_id, period, (long long)time(NULL));
    return rc < 0 ? rc : 0;
}

/* The subtrees of a's staff bindings, none inside another, into paths (at most
 * AUTH_MAX_ROLES); only (when not NULL) keeps the part under that one path. */
static int staff_paths(const struct auth *a, const char *only, const char **paths)
{
    int n = 0;
    if (only) {
        paths[0] = only;
        return 1;
    }
    for (int i = 0; i < a->nroles; i++) {
        const char *p = a->roles[i].org_path;
        bool inside = false;
        if (!(a->roles[i].role & ROLE_STAFF))
            continue;
        for (int j = 0; j < a->nroles && !inside; j++) {
            const char *q = a->roles[j].org_path;
            size_t lq = strlen(q);
            if (j == i || !(a->roles[j].role & ROLE_STAFF) || strncmp(p, q, lq) != 0)
                continue;
            inside = strlen(p) > lq || j < i; /* strictly inside, or the same seen before */
        }
        if (!inside)
            paths[n++] = p;
    }
    return n;
}

static json_t *int_or_null(struct db_stmt *st, int col)
{
    return db_col_null(st, col) ? json_null() : json_integer(db_col_int(st, col));
}

static json_t *item(struct db_stmt *st, bool can_done)
{
    char day[16];
    long long due = db_col_null(st, 13) ? 0 : db_col_int(st, 13);
    json_t *t = json_pack("{s:I, s:s, s:s, s:s, s:{s:I, s:s, s:s}, s:I, s:s, s:I, s:b, s:b}", "id",
                          (json_int_t)db_col_int(st, 0), "domain", db_col_text(st, 1), "kind",
                          db_col_text(st, 2), "title", db_col_text(st, 3), "org", "id",
                          (json_int_t)db_col_int(st, 4), "code", db_col_text(st, 5), "name",
                          db_col_text(st, 6), "org_id", (json_int_t)db_col_int(st, 4), "org_name",
                          db_col_text(st, 6), "created_at", (json_int_t)db_col_int(st, 16), "done",
                          !db_col_null(st, 17), "can_done", can_done);
    if (due)
        date_format((int)due, day, sizeof(day));
    json_object_set_new(t, "member_id", int_or_null(st, 8));
    json_object_set_new(t, "task_id", int_or_null(st, 10));
    json_object_set_new(t, "case_id", int_or_null(st, 11));
    json_object_set_new(t, "period",
                        db_col_null(st, 12) ? json_null() : json_string(db_col_text(st, 12)));
    json_object_set_new(t, "due", due ? json_string(day) : json_null());
    json_object_set_new(t, "from_month", int_or_null(st, 14));
    json_object_set_new(t, "months", int_or_null(st, 15));
    json_object_set_new(t, "done_at", int_or_null(st, 17));
    return t;
}

/* The query text is built from fixed pieces only (one subtree range per staff path); every
 * value is bound. */
int todo_list_json(struct db *db, const struct auth *a, const struct todo_filter *f, json_t **ret,
                   struct errbuf *e)
{
    const char *paths[AUTH_MAX_ROLES];
    char hi[AUTH_MAX_ROLES][ORG_PATH_MAX];
    int npaths = f->staff ? staff_paths(a, f->path, paths) : 0;
    struct buf sql = BUF_INIT;
    struct db_stmt *st = NULL;
    json_t *items = json_array();
    const char *bound[AUTH_MAX_ROLES];
    long long tenant = 0;
    int rc, k = 4;
    /* every binding of the caller in one tenant (a province's staff and members): the to-dos
     * are that tenant's, named so that Citus reads its shards alone */
    for (int i = 0; i < a->nroles; i++)
        bound[i] = a->roles[i].org_path;
    if ((rc = tenant_of_scopes(db, bound, a->nroles, &tenant, e)) < 0) {
        json_decref(items);
        return rc;
    }
    if (tenant != a->tenant)
        tenant = 0;
    buf_init(&sql, 8192);
    rc =
        buf_addstr(&sql, "SELECT t.id, t.domain, t.kind, t.title, t.org_id, o.code, o.name, o.path,"
                         " t.member_id, t.account_id, t.task_id, t.case_id, t.period, t.due_day,"
                         " t.from_month, t.months, t.created_at, t.done_at FROM todos t"
                         " JOIN orgs o ON o.id = t.org_id WHERE ($1 = '' OR t.domain = $1)"
                         " AND ($2 = 1 OR t.done_at IS NULL) AND (t.account_id = $3");
    for (int i = 0; rc >= 0 && i < npaths; i++, k += 2)
        rc = buf_printf(&sql, " OR (t.account_id IS NULL AND o.path >= $%d AND o.path < $%d)", k,
                        k + 1);
    if (rc >= 0)
        rc = buf_addch(&sql, ')');
    if (rc >= 0 && tenant)
        rc = buf_printf(&sql, " AND t.tenant_id = $%d", k);
    if (rc >= 0)
        rc = buf_addstr(&sql, " ORDER BY CASE WHEN t.done_at IS NULL THEN 0 ELSE 1 END,"
                              " CASE WHEN t.done_at IS NULL THEN t.id ELSE -t.id END LIMIT 500");
    if (rc < 0) {
        rc = errbuf_set(e, -ERR_NOMEM, "to-do query too long");
        goto out;
    }
    if ((rc = db_prepare(db, buf_str(&sql), &st, e)) < 0)
        goto out;
    db_bindv(st, "tii", f->domain ? f->domain : "", (long long)f->history,
             f->mine ? a->account_id : -1LL);
    for (int i = 0; i < npaths; i++) {
        scope_bounds(paths[i], hi[i], sizeof(hi[i]));
        db_bind_text(st, 4 + 2 * i, paths[i]);
        db_bind_text(st, 5 + 2 * i, hi[i]);
    }
    if (tenant)
        db_bind_int(st, k, tenant);
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(items, item(st, db_col_null(st, 9) && db_col_null(st, 17)));
    db_done(st);
out:
    buf_release(&sql);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *ret = json_pack("{s:o}", "items", items);
    return 0;
}

int todo_done(struct db *db, const struct auth *a, const char *domain, long long id,
              struct errbuf *e)
{
    struct db_stmt *st;
    char path[ORG_PATH_MAX] = "";
    long long org = 0, to = 0;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT t.org_id, COALESCE(t.account_id, 0), o.path FROM todos t"
                         " JOIN orgs o ON o.id = t.org_id WHERE t.id = $1"
                         " AND ($2 = '' OR t.domain = $2)",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "it", id, domain ? domain : "");
    if ((rc = db_step(st, e)) == 1) {
        org = db_col_int(st, 0);
        to = db_col_int(st, 1);
        snprintf(path, sizeof(path), "%s", db_col_text(st, 2));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0 || (to && to != a->account_id))
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "todo_id", id,
                                "to-do %lld not found", id);
    if (to) /* the plans' own: the task's figure or the case's next step closes it */
        return errbuf_field_int(e, -ERR_CONFLICT, R_WRONG_STATE, "todo_id", id,
                                "to-do %lld closes by itself when its task or case moves on", id);
    if (!auth_covers(a, ROLE_STAFF, path))
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "todo_id", id,
                                "to-do %lld is outside your scope", id);
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    rc = db_run(db, e,
                "UPDATE todos SET done_at = $2, done_by = $3 WHERE id = $1 AND done_at IS NULL",
                "iiI", id, (long long)time(NULL), a->account_id);
    if (rc > 0) { /* a to-do already done changes nothing and leaves no row */
        json_t *d = json_pack("{s:{s:b, s:b}}", "done", "from", 0, "to", 1);
        rc = audit_log(db, a->account_id, org, "done", "dues_todo", id, d, e);
        json_decref(d);
    }
    if (rc < 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, e);
}
