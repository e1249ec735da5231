/* The member list of a subtree: filtered by name or employee number and status, paged, its
 * total counted once until members change. */
#include "org/member.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "db/db.h"
#include "db/versions.h"
#include "org/member_row.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

/* Totals for the member list, remembered per worker thread until members change (the
 * 'members' data version): paging through a large subtree then counts it once, not on
 * every page. */
#define COUNT_CACHE 32
struct count_key {
    unsigned db;                 /* hash of the database URL */
    struct version_stamp version;
    int variant;
    char path[ORG_PATH_MAX];
    char like[160];
    char status[24];
};
static _Thread_local struct {
    struct count_key key;
    long long total;
    int used;
} count_cache[COUNT_CACHE];
static _Thread_local unsigned count_next;

static int count_key_init(struct db *db, struct count_key *k, const char *path, int variant,
                          const char *like, const char *status, struct errbuf *e)
{
    int rc;
    memset(k, 0, sizeof(*k));
    for (const char *u = db_url(db); *u; u++)
        k->db = (k->db ^ (unsigned char)*u) * 16777619u;
    k->variant = variant;
    snprintf(k->path, sizeof(k->path), "%s", path);
    snprintf(k->like, sizeof(k->like), "%s", like);
    snprintf(k->status, sizeof(k->status), "%s", status ? status : "");
    rc = version_get(db, TOPIC_MEMBERS, &k->version, e);
    return rc < 0 ? rc : 0;
}

static bool count_cached(const struct count_key *k, long long *ret)
{
    for (int i = 0; i < COUNT_CACHE; i++)
        if (count_cache[i].used && memcmp(&count_cache[i].key, k, sizeof(*k)) == 0) {
            *ret = count_cache[i].total;
            return true;
        }
    return false;
}

static void count_store(const struct count_key *k, long long total)
{
    unsigned i = count_next++ % COUNT_CACHE;
    count_cache[i].key = *k;
    count_cache[i].total = total;
    count_cache[i].used = 1;
}

/* $1, $2 the subtree, then the name/number filter and the status when present. */
static void bind_filters(struct db_stmt *st, const char *path, const char *hi, const char *like,
                         const char *status)
{
    db_bindv(st, "tt", path, hi);
    if (*like)
        db_bind_text(st, 3, like);
    if (status)
        db_bind_text(st, *like ? 4 : 3, status);
}

int member_list(struct db *db, const struct member_query *q, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    char hi[ORG_PATH_MAX], like[160];
    json_t *items = json_array();
    long long total = 0;
    const char *status = NULL;
    int rc;
    if (q->status && *q->status && (rc = member_status_choose(q->status, &status, e)) < 0) {
        json_decref(items);
        return rc;
    }
    scope_bounds(q->path, hi, sizeof(hi));
    /* q matches a name anywhere or an employee number from its start */
    snprintf(like, sizeof(like), "%s", q->q ? q->q : "");
    for (char *p = like; *p; p++)
        if (*p == '%' || *p == '_')
            *p = ' ';
    /* one text per filter combination, so each gets a plan that walks members_path in
     * order; parameters are numbered without gaps (PostgreSQL needs a type for each); a scope
     * in one tenant names it (on Citus the list then reads that tenant's shards alone) */
#define MEMBER_SCOPE                                                                               \
    " FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.org_path >= $1 AND m.org_path < $2"
#define MEMBER_Q " AND (m.name LIKE '%' || $3 || '%' OR m.emp_no LIKE $3 || '%')"
#define COUNT_SCOPE " FROM members m WHERE m.org_path >= $1 AND m.org_path < $2"
    static const char *const filters[4] = {"", MEMBER_Q, " AND m.status = $3",
                                           MEMBER_Q " AND m.status = $4"};
    int variant = (*like ? 1 : 0) | (status ? 2 : 0), n = 3 + (*like ? 1 : 0) + (status ? 1 : 0);
    long long tenant = 0;
    struct count_key key;
    struct buf sql = BUF_INIT;
    if ((rc = tenant_of_subtree(db, q->path, &tenant, e)) < 0 ||
        (rc = count_key_init(db, &key, q->path, variant, like, status, e)) < 0)
        goto fail;
    if (!count_cached(&key, &total)) {
        if (buf_addstr(&sql, "SELECT COUNT(*)" COUNT_SCOPE) < 0 ||
            buf_addstr(&sql, filters[variant]) < 0 ||
            (tenant && buf_printf(&sql, " AND m.tenant_id = $%d", n) < 0))
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        else
            rc = db_prepare(db, buf_str(&sql), &st, e);
        buf_release(&sql);
        if (rc < 0)
            goto fail;
        bind_filters(st, q->path, hi, like, status);
        if (tenant)
            db_bind_int(st, n, tenant);
        if ((rc = db_step(st, e)) == 1)
            total = db_col_int(st, 0);
        db_done(st);
        if (rc < 0)
            goto fail;
        count_store(&key, total);
    }
    if (tenant)
        n++; /* the tenant is $n - 1, before the page's limit and offset */
    if (buf_addstr(&sql, "SELECT " MEMBER_COLS MEMBER_SCOPE) < 0 ||
        buf_addstr(&sql, filters[variant]) < 0 ||
        (tenant && buf_printf(&sql, " AND m.tenant_id = $%d", n - 1) < 0) ||
        buf_printf(&sql, " ORDER BY m.org_path, m.emp_no LIMIT $%d OFFSET $%d", n, n + 1) < 0)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    else
        rc = db_prepare(db, buf_str(&sql), &st, e);
    buf_release(&sql);
    if (rc < 0)
        goto fail;
    bind_filters(st, q->path, hi, like, status);
    if (tenant)
        db_bind_int(st, n - 1, tenant);
    db_bind_int(st, n, q->page_size);
    db_bind_int(st, n + 1, (q->page - 1) * q->page_size);
    while ((rc = db_step(st, e)) == 1) {
        json_t *o = member_row_json(st, true, e);
        if (!o) {
            rc = e->code ? e->code : -ERR_INTERNAL;
            break;
        }
        json_array_append_new(items, o);
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    *ret = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", total, "page", q->page,
                     "page_size", q->page_size);
    return 0;
fail:
    json_decref(items);
    return rc;
}
