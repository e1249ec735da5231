/* Who is told what: the accounts that answer for an organization, the in-app inbox, to-dos,
 * and the webhook delivery queued beside every notice. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "inbox/todo.h"
#include "org/audit.h"
#include "plan/internal.h"
#include "org/tenant.h"
#include "base/banned.h"

int idlist_add(struct idlist *l, long long id)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i] == id)
            return 0;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        long long *v = realloc(l->v, (size_t)cap * sizeof(*v));
        if (!v)
            return -ERR_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = id;
    return 0;
}

void idlist_release(struct idlist *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Add column 0 of every row of sql (bound to org_id, and role when not NULL) to out. */
static int collect(struct db *db, const char *sql, long long org_id, const char *role,
                   struct idlist *out, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, org_id);
    if (role)
        db_bind_text(st, 2, role);
    while ((rc = db_step(st, e)) == 1)
        if (idlist_add(out, db_col_int(st, 0)) < 0) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* ---- who answers for an organization, remembered for one daily check
 *
 * A check asks again and again who the secretary or the committee staff of the same
 * organizations are, what is above them, and whether any webhook is active: on PostgreSQL each answer was a
 * round trip (about 28,000 of them for a year of the demo). Inside plan_check's transaction
 * accounts, roles and the tree do not change, so the answers are kept until
 * plan_people_cache_end. */
#define PC_SLOTS 16384
#define PC_PREFETCH_ORGS (PC_SLOTS / 8) /* the most organizations read ahead */

struct pc_entry {
    long long org_id;
    const char *role; /* a constant of roles[]; NULL: an empty slot */
    long long *ids;
    int n;
};

static const char *const roles[] = {"secretary", "committee", "finance", "admin", "member"};

/* an organization's parent and kind, which the check walks up from every cell */
struct pc_org {
    long long id; /* 0: an empty slot */
    long long parent;
    char kind[24];
};

static _Thread_local struct people_cache {
    struct pc_entry slot[PC_SLOTS];
    struct pc_org org[PC_SLOTS];
    long long hooks; /* -1: not asked yet */
    bool full;       /* a slot could not be had: stop adding */
} *pc;

void plan_people_cache_begin(void)
{
    if (pc || !(pc = calloc(1, sizeof(*pc))))
        return;
    pc->hooks = -1;
}

void plan_people_cache_end(void)
{
    if (!pc)
        return;
    for (int i = 0; i < PC_SLOTS; i++)
        free(pc->slot[i].ids);
    free(pc);
    pc = NULL;
}

static const char *known_role(const char *role)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(roles[i], role) == 0)
            return roles[i];
    return NULL;
}

/* The slot of (org_id, role): the one holding it, else the empty one where it goes (NULL
 * when the table is full). */
static struct pc_entry *pc_slot(long long org_id, const char *role)
{
    unsigned long long h = (unsigned long long)org_id * 0x9e3779b97f4a7c15ULL + (uintptr_t)role;
    for (int probe = 0; probe < PC_SLOTS; probe++) {
        struct pc_entry *x = &pc->slot[(h + (unsigned)probe) % PC_SLOTS];
        if (!x->role || (x->org_id == org_id && x->role == role))
            return x;
    }
    return NULL;
}

static int people_at(struct db *db, long long org_id, const char *role, struct idlist *out,
                     struct errbuf *e);

int plan_people_at(struct db *db, long long org_id, const char *role, struct idlist *out,
                   struct errbuf *e)
{
    const char *r = pc ? known_role(role) : NULL;
    struct pc_entry *x = r ? pc_slot(org_id, r) : NULL;
    struct idlist mine = {NULL, 0, 0};
    int rc;
    if (x && x->role) {
        for (int i = 0; i < x->n; i++)
            if (idlist_add(out, x->ids[i]) < 0)
                return errbuf_set(e, -ERR_NOMEM, "out of memory");
        return 0;
    }
    if (!x || pc->full)
        return people_at(db, org_id, role, out, e);
    if ((rc = people_at(db, org_id, role, &mine, e)) < 0) {
        idlist_release(&mine);
        return rc;
    }
    for (int i = 0; i < mine.n && rc >= 0; i++)
        if (idlist_add(out, mine.v[i]) < 0)
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    x->org_id = org_id;
    x->role = r;
    x->ids = mine.v; /* the slot keeps the list */
    x->n = mine.n;
    return rc;
}

/* Append the rows (org_id, account id) of st, ordered by organization, to each organization's
 * entry for role (the entries of orgs[], n of them, in the same order). */
static int prefetch_rows(struct db_stmt *st, struct pc_entry **ent, const long long *orgs,
                         int n, struct errbuf *e)
{
    int rc, k = 0;
    while ((rc = db_step(st, e)) == 1) {
        long long org = db_col_int(st, 0);
        struct idlist l;
        while (k < n && orgs[k] < org)
            k++;
        if (k == n || orgs[k] != org)
            continue;
        l = (struct idlist){ent[k]->ids, ent[k]->n, ent[k]->n};
        if (idlist_add(&l, db_col_int(st, 1)) < 0) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        ent[k]->ids = l.v;
        ent[k]->n = l.n;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int plan_people_prefetch(struct db *db, struct errbuf *e)
{
    static const char *const ahead[] = {"secretary", "committee"};
    struct db_stmt *st;
    long long *orgs = NULL;
    struct pc_entry **ent = NULL;
    int n = 0, rc;
    if (!pc || pc->full)
        return 0;
    if ((rc = db_prepare(db, "SELECT id FROM orgs ORDER BY id", &st, e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1 && n <= PC_PREFETCH_ORGS) {
        long long *v = n % 256 ? orgs : realloc(orgs, ((size_t)n + 256) * sizeof(*orgs));
        if (!v) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        orgs = v;
        orgs[n++] = db_col_int(st, 0);
    }
    db_done(st);
    if (rc < 0 || n > PC_PREFETCH_ORGS) /* too many to read ahead: asked one by one */
        goto out;
    if (!(ent = calloc(n ? (size_t)n : 1, sizeof(*ent)))) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t r = 0; rc >= 0 && r < sizeof(ahead) / sizeof(ahead[0]); r++) {
        const char *role = known_role(ahead[r]);
        for (int k = 0; k < n; k++) {
            if (!(ent[k] = pc_slot(orgs[k], role)) || ent[k]->role) {
                /* no room, or asked already: the role one by one, as if not read ahead */
                while (k-- > 0)
                    ent[k]->role = NULL;
                goto out;
            }
            *ent[k] = (struct pc_entry){orgs[k], role, NULL, 0};
        }
        /* as people_at: the role's holders, then for a secretary the accounts of the member
         * who is the organization's secretary */
        if ((rc = db_prepare(db,
                             "SELECT r.org_id, a.id FROM account_roles r JOIN accounts a"
                             " ON a.id = r.account_id AND a.tenant_id = r.tenant_id"
                             " WHERE r.role = $1 AND a.disabled = 0 ORDER BY r.org_id, a.id",
                             &st, e)) < 0)
            break;
        db_bind_text(st, 1, role);
        if ((rc = prefetch_rows(st, ent, orgs, n, e)) < 0 || strcmp(role, "secretary") != 0)
            continue;
        if ((rc = db_prepare(db,
                             "SELECT o.id, a.id FROM orgs o JOIN accounts a"
                             " ON a.member_id = o.secretary_id WHERE a.disabled = 0"
                             " ORDER BY o.id, a.id",
                             &st, e)) >= 0)
            rc = prefetch_rows(st, ent, orgs, n, e);
    }
out:
    free(ent);
    free(orgs);
    return rc < 0 ? rc : 0;
}

static int people_at(struct db *db, long long org_id, const char *role, struct idlist *out,
                     struct errbuf *e)
{
    int rc = collect(db,
                     "SELECT a.id FROM account_roles r JOIN accounts a ON a.id = r.account_id AND a.tenant_id = r.tenant_id"
                     " WHERE r.org_id = $1 AND r.role = $2 AND a.disabled = 0 ORDER BY a.id",
                     org_id, role, out, e);
    if (rc < 0 || strcmp(role, "secretary") != 0)
        return rc;
    return collect(db,
                   "SELECT a.id FROM orgs o JOIN accounts a ON a.member_id = o.secretary_id"
                   " WHERE o.id = $1 AND a.disabled = 0 ORDER BY a.id",
                   org_id, NULL, out, e);
}

/* The parent and kind of an organization (remembered during a check, like the people). */
static int parent_of(struct db *db, long long id, long long *ret_parent, char *kind, size_t n,
                     struct errbuf *e)
{
    struct pc_org *x = NULL;
    struct db_stmt *st;
    int rc;
    for (int probe = 0; pc && probe < PC_SLOTS; probe++) {
        x = &pc->org[((unsigned long long)id * 0x9e3779b97f4a7c15ULL + (unsigned)probe) % PC_SLOTS];
        if (x->id == id) {
            *ret_parent = x->parent;
            snprintf(kind, n, "%s", x->kind);
            return 0;
        }
        if (!x->id)
            break;
        x = NULL;
    }
    if ((rc = db_prepare(db, "SELECT COALESCE(parent_id, 0), kind FROM orgs WHERE id = $1", &st,
                         e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    *ret_parent = 0;
    if ((rc = db_step(st, e)) == 1) {
        *ret_parent = db_col_int(st, 0);
        snprintf(kind, n, "%s", db_col_text(st, 1));
        if (x) {
            x->id = id;
            x->parent = *ret_parent;
            snprintf(x->kind, sizeof(x->kind), "%s", db_col_text(st, 1));
        }
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int plan_superior_of(struct db *db, long long org_id, long long *ret, struct errbuf *e)
{
    long long id = org_id, parent = 0;
    char kind[24] = "";
    int rc;
    *ret = 0;
    if ((rc = parent_of(db, id, &parent, kind, sizeof(kind), e)) < 0)
        return rc;
    for (id = parent; id; id = parent) {
        if ((rc = parent_of(db, id, &parent, kind, sizeof(kind), e)) < 0)
            return rc;
        if (strcmp(kind, "committee") == 0) {
            *ret = id;
            return 0;
        }
    }
    return 0;
}

int plan_people_committee(struct db *db, long long committee_id, struct idlist *out,
                          struct errbuf *e)
{
    long long id = committee_id, parent = 0;
    char kind[24];
    int rc;
    while (id && out->n == 0) {
        if ((rc = plan_people_at(db, id, "committee", out, e)) < 0 ||
            (rc = parent_of(db, id, &parent, kind, sizeof(kind), e)) < 0)
            return rc;
        id = parent;
    }
    return 0;
}

/* The webhook payload of a notice: what a messenger needs to show and route it. */
static int notice_payload(struct db *db, const struct plan_notice *n, const struct idlist *to,
                          json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *p, *people = json_array();
    int rc;
    p = json_pack("{s:s, s:s, s:s, s:s, s:I}", "event", "", "kind", n->kind, "title", n->title,
                  "text", n->body ? n->body : "", "created_at", (json_int_t)time(NULL));
    if (n->period)
        json_object_set_new(p, "period", json_string(n->period));
    if (n->task_id)
        json_object_set_new(p, "task_id", json_integer(n->task_id));
    if (n->case_id)
        json_object_set_new(p, "case_id", json_integer(n->case_id));
    if ((rc = db_prepare(db, "SELECT id, code, name FROM orgs WHERE id = $1", &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, n->org_id);
    if ((rc = db_step(st, e)) == 1)
        json_object_set_new(p, "org", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)db_col_int(st, 0),
                                                "code", db_col_text(st, 1), "name", db_col_text(st, 2)));
    db_done(st);
    if (rc < 0)
        goto fail;
    for (int i = 0; i < to->n; i++) {
        if ((rc = db_prepare(db, "SELECT login, display_name FROM accounts WHERE id = $1", &st,
                             e)) < 0)
            goto fail;
        db_bind_int(st, 1, to->v[i]);
        if ((rc = db_step(st, e)) == 1)
            json_array_append_new(people, json_pack("{s:s, s:s}", "login", db_col_text(st, 0),
                                                    "name", db_col_text(st, 1)));
        db_done(st);
        if (rc < 0)
            goto fail;
    }
    json_object_set_new(p, "recipients", people);
    *ret = p;
    return 0;
fail:
    json_decref(people);
    json_decref(p);
    return rc;
}

int plan_notice_send(struct db *db, const struct plan_notice *n, const struct idlist *to,
                     struct errbuf *e)
{
    long long now = (long long)time(NULL), hooks = 0;
    char event[64];
    json_t *payload;
    int rc;
    long long tenant;
    if ((rc = tenant_of_org(db, n->org_id, &tenant, e)) < 0)
        return rc;
    for (int i = 0; i < to->n; i++)
        if ((rc = db_run(db, e,
                         "INSERT INTO plan_notices(account_id, org_id, kind, title, body, task_id,"
                         " case_id, period, created_at, tenant_id) VALUES($1, $2, $3, $4, $5, $6,"
                         " $7, $8, $9, $10)",
                         "iitttIItii", to->v[i], n->org_id, n->kind, n->title,
                         n->body ? n->body : "", n->task_id, n->case_id, n->period, now,
                         tenant)) < 0)
            return rc;
    if (pc && pc->hooks >= 0)
        hooks = pc->hooks;
    else if ((rc = db_query_int(db, e, &hooks, "SELECT COUNT(*) FROM plan_webhooks WHERE active = 1",
                                "")) < 0)
        return rc;
    if (pc)
        pc->hooks = hooks;
    if (!hooks)
        return to->n;
    snprintf(event, sizeof(event), "plan.%s", n->kind);
    if ((rc = notice_payload(db, n, to, &payload, e)) < 0)
        return rc;
    json_object_set_new(payload, "event", json_string(event));
    rc = plan_webhook_enqueue(db, event, n->org_id, payload, e);
    json_decref(payload);
    return rc < 0 ? rc : to->n;
}

/* Other modules' notices to the administrators (a source gone quiet): the same inbox and
 * webhook path as the plans' notices, so there is one inbox. */
int plan_notice_admins(struct db *db, const char *kind, long long org_id, const char *title,
                       const char *body, struct errbuf *e)
{
    struct plan_notice n = {kind, org_id, title, body, 0, 0, NULL};
    struct idlist to = IDLIST_INIT;
    int rc = collect(db,
                     "SELECT DISTINCT a.id FROM account_roles r JOIN accounts a ON a.id ="
                     " r.account_id AND a.tenant_id = r.tenant_id WHERE r.org_id > $1 AND r.role = 'admin' AND a.disabled = 0"
                     " ORDER BY a.id",
                     0, NULL, &to, e);
    if (rc >= 0)
        rc = plan_notice_send(db, &n, &to, e);
    idlist_release(&to);
    return rc;
}

int plan_notice_secretaries(struct db *db, const char *kind, long long org_id,
                            const char *title, const char *body, struct errbuf *e)
{
    struct plan_notice n = {kind, org_id, title, body, 0, 0, NULL};
    struct idlist to = IDLIST_INIT;
    int rc = plan_people_at(db, org_id, "secretary", &to, e);
    if (rc >= 0)
        rc = plan_notice_send(db, &n, &to, e);
    idlist_release(&to);
    return rc;
}

/* A to-do for every account in to (none twice for the same open item: src/inbox/todo.c). */
int plan_todo_add(struct db *db, const struct idlist *to, long long org_id, const char *kind,
                  const char *title, long long task_id, long long case_id, const char *period,
                  int due_day, struct errbuf *e)
{
    struct todo t = {"plan", kind, 0, org_id, 0, title, task_id, case_id, period, due_day, 0, 0,
                     NULL, 0};
    for (int i = 0; i < to->n; i++) {
        int rc;
        t.account_id = to->v[i];
        if ((rc = todo_raise_queued(db, &t, e)) < 0)
            return rc;
    }
    return 0;
}

/* ---- reading them */

int plan_inbox_json(struct db *db, long long account_id, bool unread_only, int limit,
                    long long before, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *items = json_array();
    long long unread = 0;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT n.id, n.kind, n.title, n.body, n.org_id, o.code, o.name, n.task_id,"
                         " n.case_id, n.period, n.created_at, n.read_at FROM plan_notices n"
                         " JOIN orgs o ON o.id = n.org_id WHERE n.account_id = $1"
                         " AND ($2 = 0 OR n.read_at IS NULL) AND ($3 = 0 OR n.id < $3)"
                         " ORDER BY n.id DESC LIMIT $4",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "iiii", account_id, (long long)unread_only, before, (long long)limit);
    while ((rc = db_step(st, e)) == 1) {
        json_t *n = json_pack("{s:I, s:s, s:s, s:s, s:{s:I, s:s, s:s}, s:I, s:b}", "id",
                              (json_int_t)db_col_int(st, 0), "kind", db_col_text(st, 1), "title",
                              db_col_text(st, 2), "body", db_col_text(st, 3), "org", "id",
                              (json_int_t)db_col_int(st, 4), "code", db_col_text(st, 5), "name",
                              db_col_text(st, 6), "created_at", (json_int_t)db_col_int(st, 10),
                              "read", !db_col_null(st, 11));
        json_object_set_new(n, "task_id", db_col_null(st, 7) ? json_null() : json_integer(db_col_int(st, 7)));
        json_object_set_new(n, "case_id", db_col_null(st, 8) ? json_null() : json_integer(db_col_int(st, 8)));
        json_object_set_new(n, "period", db_col_null(st, 9) ? json_null() : json_string(db_col_text(st, 9)));
        json_array_append_new(items, n);
    }
    db_done(st);
    if (rc < 0 || (rc = db_query_int(db, e, &unread,
                                     "SELECT COUNT(*) FROM plan_notices WHERE account_id = $1"
                                     " AND read_at IS NULL",
                                     "i", account_id)) < 0)
        goto fail;
    *ret = json_pack("{s:o, s:I}", "items", items, "unread", (json_int_t)unread);
    return 0;
fail:
    json_decref(items);
    return rc;
}

int plan_inbox_read(struct db *db, long long account_id, long long notice_id, struct errbuf *e)
{
    long long org = 0;
    json_t *d;
    int rc = db_query_int(db, e, &org,
                          "SELECT org_id FROM plan_notices WHERE id = $1 AND account_id = $2", "ii",
                          notice_id, account_id);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "notice_id", notice_id,
                                "notice %lld not found in your inbox", notice_id);
    rc = db_run(db, e,
                "UPDATE plan_notices SET read_at = $3 WHERE id = $1 AND account_id = $2"
                " AND read_at IS NULL",
                "iii", notice_id, account_id, (long long)time(NULL));
    if (rc <= 0) /* already read: nothing changed, nothing to audit */
        return rc < 0 ? rc : 0;
    d = json_pack("{s:{s:b, s:b}}", "read", "from", 0, "to", 1);
    rc = audit_log(db, account_id, org, "read", "plan_notice", notice_id, d, e);
    json_decref(d);
    return rc;
}

static json_t *day_or_null(long long ymd)
{
    char s[16];
    if (!ymd)
        return json_null();
    date_format((int)ymd, s, sizeof(s));
    return json_string(s);
}

/* The open tasks of the organizations the caller is secretary of (as of the last check). */
int plan_open_tasks_json(struct db *db, const struct auth *a, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *tasks = json_array();
    int rc = 0;
    for (int i = 0; i < a->nroles; i++) {
        if (a->roles[i].role != ROLE_SECRETARY)
            continue;
        if ((rc = db_prepare(db,
                             "SELECT s.task_id, t.code, t.name, s.period, s.actual, t.target,"
                             " s.completion, s.expected, s.level, s.end_day, o.id, o.code, o.name"
                             " FROM plan_status s JOIN plan_tasks t ON t.id = s.task_id AND t.tenant_id = s.tenant_id"
                             " JOIN orgs o ON o.id = s.org_id WHERE s.org_id = $1 AND s.closed = 0"
                             " AND s.completion < 1 ORDER BY s.end_day, t.id",
                             &st, e)) < 0)
            goto fail;
        db_bind_int(st, 1, a->roles[i].org_id);
        while ((rc = db_step(st, e)) == 1)
            json_array_append_new(
                tasks, json_pack("{s:{s:I, s:s, s:s}, s:{s:I, s:s, s:s}, s:s, s:f, s:f, s:f, s:f,"
                                 " s:s, s:o}",
                                 "task", "id", (json_int_t)db_col_int(st, 0), "code",
                                 db_col_text(st, 1), "name", db_col_text(st, 2), "org", "id",
                                 (json_int_t)db_col_int(st, 10), "code", db_col_text(st, 11),
                                 "name", db_col_text(st, 12), "period", db_col_text(st, 3),
                                 "actual", db_col_double(st, 4), "target", db_col_double(st, 5),
                                 "completion", db_col_double(st, 6), "expected",
                                 db_col_double(st, 7), "level", db_col_text(st, 8), "end",
                                 day_or_null(db_col_int(st, 9))));
        db_done(st);
        if (rc < 0)
            goto fail;
    }
    *ret = tasks;
    return 0;
fail:
    json_decref(tasks);
    return rc;
}

/* The plans' to-dos addressed to the caller and their open tasks (GET /api/v1/plans/todos). */
int plan_todos_json(struct db *db, const struct auth *a, json_t **ret, struct errbuf *e)
{
    struct todo_filter f = {"plan", false, true, false, NULL};
    json_t *tasks = NULL, *out = NULL;
    int rc = todo_list_json(db, a, &f, &out, e);
    if (rc < 0 || (rc = plan_open_tasks_json(db, a, &tasks, e)) < 0) {
        json_decref(out);
        return rc;
    }
    json_object_set_new(out, "open_tasks", tasks);
    *ret = out;
    return 0;
}
