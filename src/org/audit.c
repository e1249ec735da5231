#include "org/audit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

/* The open batch of the calling thread (audit_batch_begin): its depth and the rows held
 * back. Each HTTP worker thread has its own database connection and runs one request at a
 * time, so the batch of a thread is the batch of its request. */
static _Thread_local struct {
    int depth;
    long held;
} batch;

/* The rows kept by audit_rows_begin, to be written in one bulk by audit_rows_end. */
struct kept {
    long long at, account_id, org_id, entity_id, tenant;
    char *action, *entity, *detail;
};
static _Thread_local struct {
    int depth;
    struct kept *rows;
    size_t n, cap;
} kept;

void audit_rows_begin(void)
{
    kept.depth++;
}

static void kept_free(void)
{
    for (size_t i = 0; i < kept.n; i++) {
        free(kept.rows[i].action);
        free(kept.rows[i].entity);
        free(kept.rows[i].detail);
    }
    free(kept.rows);
    kept.rows = NULL;
    kept.n = kept.cap = 0;
}

int audit_rows_end(struct db *db, int rc, struct errbuf *e)
{
    struct db_bulk *b = NULL;
    if (kept.depth > 0 && --kept.depth > 0)
        return rc; /* an outer scope writes them */
    if (rc >= 0 && kept.n)
        rc = db_bulk_open(db, "audit",
                          "at, account_id, org_id, action, entity, entity_id, detail, tenant_id",
                          NULL, &b, e);
    for (size_t i = 0; rc >= 0 && b && i < kept.n; i++) {
        const struct kept *k = &kept.rows[i];
        rc = db_bulk_row(b, e, "iIIttIti", k->at, k->account_id, k->org_id, k->action,
                         k->entity, k->entity_id, k->detail, k->tenant);
    }
    if (b)
        rc = db_bulk_end(b, rc, e);
    kept_free();
    return rc;
}

static int keep(long long account_id, long long org_id, const char *action, const char *entity,
                long long entity_id, char *detail, long long tenant, struct errbuf *e)
{
    if (kept.n == kept.cap) {
        size_t cap = kept.cap ? kept.cap * 2 : 256;
        struct kept *g = realloc(kept.rows, cap * sizeof(*g));
        if (!g) {
            free(detail);
            return errbuf_set(e, -ERR_NOMEM, "out of memory");
        }
        kept.rows = g;
        kept.cap = cap;
    }
    kept.rows[kept.n] = (struct kept){(long long)time(NULL), account_id, org_id, entity_id,
                                      tenant, strdup(action), strdup(entity), detail};
    if (!kept.rows[kept.n].action || !kept.rows[kept.n].entity) {
        free(kept.rows[kept.n].action);
        free(kept.rows[kept.n].entity);
        free(detail);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    kept.n++;
    return 0;
}

long audit_batch_begin(void)
{
    if (batch.depth++ == 0)
        batch.held = 0;
    return batch.held;
}

long audit_batch_end(long mark)
{
    if (batch.depth > 0)
        batch.depth--;
    return batch.held - mark;
}

void audit_change(json_t *detail, const char *field, json_t *from, json_t *to)
{
    if (!from)
        from = json_null();
    if (!to)
        to = json_null();
    if (json_equal(from, to)) {
        json_decref(from);
        json_decref(to);
        return;
    }
    json_object_set_new(detail, field, json_pack("{s:o, s:o}", "from", from, "to", to));
}

json_t *audit_diff(const json_t *before, const json_t *after)
{
    json_t *d = json_object(), *to;
    const char *field;
    json_object_foreach((json_t *)after, field, to)
    {
        audit_change(d, field, json_incref(json_object_get(before, field)), json_incref(to));
    }
    return d;
}

int audit_before(struct db *db, const char *sql, long long id, const char *types,
                 const char *const *names, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *o;
    int rc;
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        o = json_object();
        for (int i = 0; types[i]; i++)
            json_object_set_new(o, names[i],
                                db_col_null(st, i)   ? json_null()
                                : types[i] == 'i'    ? json_integer(db_col_int(st, i))
                                : types[i] == 'd'    ? json_real(db_col_double(st, i))
                                                     : json_string(db_col_text(st, i)));
        *ret = o;
    }
    db_done(st);
    return rc;
}

int audit_log(struct db *db, long long account_id, long long org_id, const char *action,
              const char *entity, long long entity_id, const json_t *detail, struct errbuf *e)
{
    char *text;
    long long tenant;
    int rc;
    if (batch.depth > 0) { /* the batch's one row sums this one up */
        batch.held++;
        return 0;
    }
    /* the row goes with the organization it concerns, else with the actor */
    if ((rc = org_id ? tenant_of_org(db, org_id, &tenant, e)
                     : tenant_of_account(db, account_id, &tenant, e)) < 0)
        return rc;
    text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (kept.depth > 0)
        return keep(account_id, org_id, action, entity, entity_id, text, tenant, e);
    rc = db_run(db, e,
                    "INSERT INTO audit(at, account_id, org_id, action, entity, entity_id, detail,"
                    " tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
                    "iIIttIti", (long long)time(NULL), account_id, org_id, action, entity,
                    entity_id, text, tenant);
    free(text);
    return rc < 0 ? rc : 0;
}

/* The WHERE clause every audit listing shares; its parameters are $1..$9 in this order. */
#define AUDIT_WHERE                                                                        \
    " FROM audit a LEFT JOIN orgs o ON o.id = a.org_id"                                    \
    " LEFT JOIN accounts ac ON ac.id = a.account_id AND ac.tenant_id = a.tenant_id"        \
    " WHERE ((o.path >= $1 AND o.path < $2) OR ($3 = 1 AND o.id IS NULL))"                 \
    " AND ($4 = 0 OR a.account_id = $4) AND ($5 = '' OR a.entity = $5)"                    \
    " AND ($6 = '' OR a.action = $6) AND ($7 = 0 OR a.entity_id = $7)"                    \
    " AND a.at >= $8 AND a.at < $9"

static void bind_query(struct db_stmt *st, const struct audit_query *q, const char *hi)
{
    db_bindv(st, "ttiittiii", q->path, hi, (long long)q->all_orgs, q->actor,
             q->entity ? q->entity : "", q->action ? q->action : "", q->entity_id, q->from,
             q->to ? q->to : (1LL << 62));
}

int audit_list(struct db *db, const struct audit_query *q, json_t **ret, struct errbuf *e)
{
    char hi[ORG_PATH_MAX + 8];
    struct db_stmt *st;
    long long total = 0;
    json_t *items;
    int rc;
    long long tenant = 0;
    scope_bounds(q->path, hi, sizeof(hi));
    /* a scope in one tenant is named: on Citus the listing reads that tenant's shards */
    if ((rc = tenant_of_subtree(db, q->path, &tenant, e)) < 0 ||
        (rc = db_prepare(db,
                         tenant ? "SELECT COUNT(*)" AUDIT_WHERE " AND a.tenant_id = $10"
                                : "SELECT COUNT(*)" AUDIT_WHERE,
                         &st, e)) < 0)
        return rc;
    bind_query(st, q, hi);
    if (tenant)
        db_bind_int(st, 10, tenant);
    if ((rc = db_step(st, e)) == 1)
        total = db_col_int(st, 0);
    db_done(st);
    if (rc < 0)
        return rc;
#define AUDIT_PAGE(tenant)                                                                 \
    "SELECT a.id, a.at, a.account_id, ac.login, a.org_id, o.code, o.name,"                 \
    " a.action, a.entity, a.entity_id, a.detail,"                                          \
    " COALESCE(NULLIF(ac.display_name, ''), (SELECT m.name FROM members m"                 \
    "  WHERE m.id = ac.member_id AND m.tenant_id = ac.tenant_id), '')" AUDIT_WHERE tenant  \
    " ORDER BY a.id DESC LIMIT $10 OFFSET $11"
    if ((rc = db_prepare(db, tenant ? AUDIT_PAGE(" AND a.tenant_id = $12") : AUDIT_PAGE(""), &st,
                         e)) < 0)
        return rc;
#undef AUDIT_PAGE
    bind_query(st, q, hi);
    db_bind_int(st, 10, q->page_size);
    db_bind_int(st, 11, (q->page - 1) * q->page_size);
    if (tenant)
        db_bind_int(st, 12, tenant);
    items = json_array();
    while ((rc = db_step(st, e)) == 1) {
        json_t *detail = NULL;
        if (!db_col_null(st, 10))
            detail = json_loads(db_col_text(st, 10), 0, NULL);
        json_array_append_new(
            items,
            json_pack("{s:I, s:I, s:o, s:o, s:s, s:s, s:o, s:o}", "id", db_col_int(st, 0), "at",
                      db_col_int(st, 1),
                      "actor", db_col_null(st, 2) ? json_null()
                                                  : json_pack("{s:I, s:s?, s:s}", "id",
                                                              db_col_int(st, 2), "login",
                                                              db_col_text(st, 3), "name",
                                                              db_col_text(st, 11)),
                      "org", db_col_null(st, 4) || db_col_null(st, 5)
                                 ? json_null()
                                 : json_pack("{s:I, s:s, s:s}", "id", db_col_int(st, 4),
                                             "code", db_col_text(st, 5), "name",
                                             db_col_text(st, 6)),
                      "action", db_col_text(st, 7), "entity", db_col_text(st, 8), "entity_id",
                      db_col_null(st, 9) ? json_null() : json_integer(db_col_int(st, 9)),
                      "detail", detail ? detail : json_null()));
    }
    db_done(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *ret = json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)total, "page",
                     (json_int_t)q->page, "page_size", (json_int_t)q->page_size, "items", items);
    return 0;
}
