#include "ingest/event.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/month.h"
#include "db/db.h"
#include "db/versions.h"
#include "ingest/prefetch.h"
#include "ingest/refs.h"
#include "org/audit.h"
#include "base/text.h"
#include "org/tenant.h"
#include "base/banned.h"

#define MAX_KEY 128
#define MAX_DETAIL 4096

struct indicator {
    long long id;
    char code[48];
    bool org_scope;
    double min, max;
};

struct resolved {
    long long member_id, org_id, indicator_id;
    int day, month;
};

struct ctx {
    struct db *db;
    struct indicator *ind;
    size_t nind;
    struct ingest_refs *refs; /* the members cache shared across batches */
    json_t *orgs;    /* org code → id */
    struct ingest_result *res;
    size_t last_rejected; /* index + 1 of the last row rejected */
    struct ingest_reject *row_first; /* partial batches: each row's first problem */
};

static void reject(struct ctx *c, size_t index, const char *field, enum reason why,
                   const char *value, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void fill_reject(struct ingest_reject *r, size_t index, const char *field,
                        enum reason why, const char *value)
{
    r->index = index;
    snprintf(r->field, sizeof(r->field), "%s", field);
    r->why = why;
    text_utf8_cut(value ? value : "", ERR_VALUE_CHARS, r->value, sizeof(r->value));
}

static void reject(struct ctx *c, size_t index, const char *field, enum reason why,
                   const char *value, const char *fmt, ...)
{
    struct ingest_result *res = c->res;
    va_list ap;
    /* a row counts once however many problems it has; each problem is listed */
    struct ingest_reject *r;
    if (c->last_rejected != index + 1) {
        res->rejected++;
        c->last_rejected = index + 1;
        if (c->row_first) { /* the row's first problem, for the quarantine */
            r = &c->row_first[index];
            fill_reject(r, index, field, why, value);
            va_start(ap, fmt);
            vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
            va_end(ap);
        }
    }
    if (res->nrejects >= INGEST_MAX_REJECTS)
        return;
    r = &res->rejects[res->nrejects++];
    fill_reject(r, index, field, why, value);
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
    va_end(ap);
}

static int load_indicators(struct ctx *c, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    size_t cap = 64;
    if (!(c->ind = calloc(cap, sizeof(*c->ind))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    if ((rc = db_prepare(c->db,
                         "SELECT id, code, scope, value_min, value_max FROM indicators ORDER BY id",
                         &st, e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1 && c->nind < cap) {
        struct indicator *ind = &c->ind[c->nind++];
        ind->id = db_col_int(st, 0);
        snprintf(ind->code, sizeof(ind->code), "%s", db_col_text(st, 1));
        ind->org_scope = strcmp(db_col_text(st, 2), "org") == 0;
        ind->min = db_col_double(st, 3);
        ind->max = db_col_double(st, 4);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

static const struct indicator *find_indicator(const struct ctx *c, const char *code)
{
    for (size_t i = 0; i < c->nind; i++)
        if (strcmp(c->ind[i].code, code) == 0)
            return &c->ind[i];
    return NULL;
}

/* Member by emp_no (or id when emp_no is NULL), through the shared cache. *ret is NULL
 * when there is no such member. */
static int find_member(struct ctx *c, const char *emp_no, long long member_id,
                       const struct member_ref **ret, struct errbuf *e)
{
    char idkey[48];
    const char *k;
    const struct member_ref *hit;
    struct member_ref ref = {0, 0, 0};
    struct db_stmt *st;
    int rc;
    /* ids and employee numbers in separate key spaces: "#1" may be an employee number */
    ingest_ref_key(idkey, sizeof(idkey), emp_no, member_id);
    k = idkey;
    if ((hit = refs_member_get(c->refs, k))) {
        *ret = hit->id ? hit : NULL;
        return 0;
    }
    rc = db_prepare(c->db,
                    emp_no ? "SELECT m.id, m.org_id, (SELECT MAX(from_month) FROM member_orgs mo"
                             " WHERE mo.member_id = m.id AND mo.tenant_id = m.tenant_id)"
                             " FROM members m WHERE m.emp_no = $1"
                           : "SELECT m.id, m.org_id, (SELECT MAX(from_month) FROM member_orgs mo"
                             " WHERE mo.member_id = m.id AND mo.tenant_id = m.tenant_id)"
                             " FROM members m WHERE m.id = $1",
                    &st, e);
    if (rc < 0)
        return rc;
    if (emp_no)
        db_bind_text(st, 1, emp_no);
    else
        db_bind_int(st, 1, member_id);
    if ((rc = db_step(st, e)) == 1) {
        ref.id = db_col_int(st, 0);
        ref.org_id = db_col_int(st, 1);
        ref.from_month = (int)db_col_int(st, 2);
    }
    db_done(st);
    if (rc < 0 || (rc = refs_member_put(c->refs, k, &ref, e)) < 0)
        return rc;
    hit = refs_member_get(c->refs, k);
    *ret = hit && hit->id ? hit : NULL;
    return 0;
}

/* The member's organization in month: the current one, or the history's for older months. */
static int member_org_in(struct ctx *c, const struct member_ref *m, int month, long long *ret,
                         struct errbuf *e)
{
    long long org = 0;
    int rc;
    if (month >= m->from_month) {
        *ret = m->org_id;
        return 0;
    }
    rc = db_query_int(c->db, e, &org,
                      "SELECT org_id FROM member_orgs WHERE member_id = $1 AND from_month <= $2"
                      " ORDER BY from_month DESC LIMIT 1",
                      "ii", m->id, (long long)month);
    if (rc < 0)
        return rc;
    if (rc == 0) /* before the first recorded month: the earliest organization */
        rc = db_query_int(c->db, e, &org,
                          "SELECT org_id FROM member_orgs WHERE member_id = $1"
                          " ORDER BY from_month LIMIT 1",
                          "i", m->id);
    if (rc < 0)
        return rc;
    *ret = org ? org : m->org_id;
    return 0;
}

static int find_org(struct ctx *c, const char *code, long long *ret, struct errbuf *e)
{
    json_t *v = json_object_get(c->orgs, code);
    long long id = 0;
    int rc;
    if (!v) {
        rc = db_query_int(c->db, e, &id, "SELECT id FROM orgs WHERE code = $1", "t", code);
        if (rc < 0)
            return rc;
        v = json_integer(rc ? id : 0);
        json_object_set_new(c->orgs, code, v);
    }
    *ret = json_integer_value(v);
    return 0;
}

/* Validate one event and resolve its references. Returns 0 (possibly rejected: counted in
 * res) or a database error. */
static int resolve(struct ctx *c, size_t i, const struct event_in *ev, int today,
                   struct resolved *out, struct errbuf *e)
{
    const struct indicator *ind;
    int rc;

    if (ev->bad_reason) {
        reject(c, i, ev->bad_field ? ev->bad_field : "", ev->bad_why, NULL, "%s", ev->bad_reason);
        return 0;
    }
    if (!ev->key || !*ev->key)
        reject(c, i, "key", R_REQUIRED, NULL, "missing key");
    else if (strlen(ev->key) > MAX_KEY)
        reject(c, i, "key", R_TOO_LONG, ev->key, "key longer than %d bytes", MAX_KEY);
    if (!ev->indicator || !*ev->indicator) {
        reject(c, i, "indicator", R_REQUIRED, NULL, "missing indicator");
        return 0;
    }
    if (!(ind = find_indicator(c, ev->indicator))) {
        reject(c, i, "indicator", R_UNKNOWN_INDICATOR, ev->indicator, "unknown indicator '%.60s'", ev->indicator);
        return 0;
    }
    out->indicator_id = ind->id;
    if (!ev->day)
        reject(c, i, "date", ev->date_text && *ev->date_text ? R_INVALID_DATE : R_REQUIRED,
               ev->date_text,
               ev->date_text && *ev->date_text ? "invalid date '%.40s'" : "missing date%.0s",
               ev->date_text ? ev->date_text : "");
    else if (ev->day > today)
        reject(c, i, "date", R_IN_FUTURE, ev->date_text, "date %d-%02d-%02d is in the future", ev->day / 10000,
               ev->day / 100 % 100, ev->day % 100);
    if (!isfinite(ev->value) || ev->value < ind->min || ev->value > ind->max)
        reject(c, i, "value", R_OUT_OF_RANGE, NULL, "value %g out of range %g..%g for '%s'", ev->value, ind->min,
               ind->max, ind->code);
    if (ev->detail && strlen(ev->detail) > MAX_DETAIL)
        reject(c, i, "detail", R_TOO_LONG, NULL, "detail longer than %d bytes", MAX_DETAIL);
    out->day = ev->day;
    out->month = ev->day / 100;

    if (ind->org_scope) {
        if (ev->emp_no || ev->member_id)
            reject(c, i, "emp_no", R_MISMATCH, ev->emp_no, "'%s' is an organization indicator: send org_code, not a member",
                   ind->code);
        else if (!ev->org_code || !*ev->org_code)
            reject(c, i, "org_code", R_REQUIRED, NULL, "missing org_code for organization indicator '%s'",
                   ind->code);
        else {
            if ((rc = find_org(c, ev->org_code, &out->org_id, e)) < 0)
                return rc;
            if (!out->org_id)
                reject(c, i, "org_code", R_UNKNOWN_ORG, ev->org_code, "unknown organization '%.60s'", ev->org_code);
        }
        out->member_id = 0;
    } else {
        const struct member_ref *m = NULL;
        if (ev->org_code && *ev->org_code && !ev->emp_no && !ev->member_id)
            reject(c, i, "emp_no", R_REQUIRED, NULL, "'%s' is a member indicator: send emp_no", ind->code);
        else if ((!ev->emp_no || !*ev->emp_no) && !ev->member_id)
            reject(c, i, "emp_no", R_REQUIRED, NULL, "missing emp_no");
        else if (ev->emp_no && strlen(ev->emp_no) > 32)
            reject(c, i, "emp_no", R_TOO_LONG, ev->emp_no, "emp_no longer than 32 characters");
        else {
            if ((rc = find_member(c, ev->emp_no && *ev->emp_no ? ev->emp_no : NULL,
                                  ev->member_id, &m, e)) < 0)
                return rc;
            if (!m && ev->emp_no && *ev->emp_no)
                reject(c, i, "emp_no", R_UNKNOWN_MEMBER, ev->emp_no, "unknown member '%.60s'", ev->emp_no);
            else if (!m)
                reject(c, i, "member_id", R_UNKNOWN_MEMBER, NULL, "unknown member %lld", ev->member_id);
        }
        if (m && c->last_rejected != i + 1) {
            out->member_id = m->id;
            if ((rc = member_org_in(c, m, out->month, &out->org_id, e)) < 0)
                return rc;
        }
    }
    return 0;
}

/* Whether row i of a partial batch was rejected. */
static bool row_rejected(const struct ingest_reject *row_first, size_t i)
{
    return row_first[i].reason[0] != '\0';
}

/* A dry run stores nothing: is this (source, key) stored already? 1 yes, 0 no, < 0 error. */
static int stored(struct db *db, long long source_id, const char *key, struct errbuf *e)
{
    long long one = 0;
    return db_query_int(db, e, &one, "SELECT 1 FROM events WHERE source_id = $1 AND key = $2",
                        "it", source_id, key);
}

/* Count what a dry run would store: keys not stored and not earlier in the batch. */
static int dry_run(struct db *db, long long source_id, const struct event_in *ev, size_t n,
                   struct ingest_result *res, struct errbuf *e)
{
    json_t *seen = json_object();
    int rc = 0;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        if ((rc = stored(db, source_id, ev[i].key, e)) < 0)
            break;
        if (rc == 1 || json_object_get(seen, ev[i].key)) {
            res->duplicate++;
        } else {
            res->accepted++;
            json_object_set_new(seen, ev[i].key, json_true());
        }
    }
    json_decref(seen);
    return rc < 0 ? rc : 0;
}

/* qsort has no context argument: the batch being sorted, per thread */
static _Thread_local const struct event_in *sort_ctx;

static int by_key(const void *a, const void *b)
{
    return strcmp(sort_ctx[*(const size_t *)a].key, sort_ctx[*(const size_t *)b].key);
}

static void sort_by_key(size_t *order, size_t n, const struct event_in *ev)
{
    if (n < 2)
        return;
    sort_ctx = ev;
    qsort(order, n, sizeof(*order), by_key);
    sort_ctx = NULL;
}

/* Store the batch: every row offered, the unique index on (source_id, key) skipping those
 * stored already (by anyone, committed or about to be: a concurrent batch with the same key
 * waits for that one's outcome) or earlier in the batch. */
static int store(struct db *db, long long source_id, const struct event_in *ev,
                 const struct resolved *rv, size_t n, struct ingest_result *res, struct errbuf *e)
{
    long long now = (long long)time(NULL), written = 0;
    struct db_bulk *b;
    int rc = db_bulk_open(db, "events",
                          "source_id, key, org_id, member_id, indicator_id, day, month, value,"
                          " detail, created_at, tenant_id",
                          "source_id, key, tenant_id", &b, e);
    size_t *order = n ? malloc(n * sizeof(*order)) : NULL;
    if (rc < 0 || (n && !order)) {
        if (rc >= 0)
            db_bulk_close(b, NULL, NULL);
        free(order);
        return rc < 0 ? rc : errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    /* in key order, as PostgreSQL takes them from its temporary table: index entries go in
     * one after another (SQLite), and both backends number the events alike */
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_by_key(order, n, ev);
    for (size_t k = 0; k < n && rc >= 0; k++) {
        size_t i = order[k];
        long long tenant;
        if ((rc = tenant_of_org(db, rv[i].org_id, &tenant, e)) >= 0)
            rc = db_bulk_row(b, e, "itiIiiidtii", source_id, ev[i].key, rv[i].org_id,
                             rv[i].member_id, rv[i].indicator_id, (long long)rv[i].day,
                             (long long)rv[i].month, ev[i].value, ev[i].detail, now, tenant);
    }
    free(order);
    if (rc < 0) {
        db_bulk_close(b, NULL, NULL);
        return rc;
    }
    if ((rc = db_bulk_close(b, &written, e)) < 0)
        return rc;
    res->accepted = (size_t)written;
    res->duplicate = n - (size_t)written;
    return 0;
}

/* A batch; with row_first, a partial one (ingest_batch_partial). */
static int batch(struct db *db, long long source_id, const struct event_in *ev, size_t n,
                 unsigned flags, struct ingest_result *res, struct ingest_reject *row_first,
                 struct errbuf *e)
{
    struct ctx c = {db, NULL, 0, NULL, json_object(), res, 0, row_first};
    long long version = 0;
    struct resolved *rv = NULL;
    struct event_in *good = NULL;
    int rc = 0, own_tx = 0, today = date_today();

    memset(res, 0, sizeof(*res));
    if (row_first && n)
        memset(row_first, 0, n * sizeof(*row_first));
    if (n && !(rv = calloc(n, sizeof(*rv)))) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    /* one transaction from the first look-up on: SQLite then takes its locks once per batch
     * instead of once per statement, and the batch is stored whole or not at all */
    if (!db_in_tx(db)) {
        if ((rc = db_begin(db, e)) < 0)
            goto out;
        own_tx = 1;
    }
    if ((rc = version_get_exact(db, TOPIC_MEMBERS, &version, e)) < 0 ||
        (rc = refs_acquire(db, version, &c.refs, e)) < 0 || (rc = load_indicators(&c, e)) < 0 ||
        (rc = ingest_prefetch_members(db, c.refs, ev, n, e)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if ((rc = resolve(&c, i, &ev[i], today, &rv[i], e)) < 0)
            goto out;
    refs_release(c.refs);
    c.refs = NULL;
    if (res->rejected && row_first) {
        size_t rejected = res->rejected, k = 0;
        /* keep the rows that passed, in order, and store only those */
        if (!(good = malloc(n * sizeof(*good)))) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            if (!row_rejected(row_first, i)) {
                good[k] = ev[i];
                rv[k++] = rv[i];
            }
        if ((rc = store(db, source_id, good, rv, k, res, e)) < 0)
            goto out;
        res->rejected = rejected;
        goto stored;
    }
    if (res->rejected) {
        rc = errbuf_set(e, -ERR_INVALID, "%zu of %zu events rejected: nothing stored",
                        res->rejected, n);
        goto out;
    }
    if (flags & INGEST_DRY_RUN) {
        rc = dry_run(db, source_id, ev, n, res, e);
        goto out;
    }
    if ((rc = store(db, source_id, ev, rv, n, res, e)) < 0)
        goto out;
stored:
    /* one audit row per batch that stored something: who sent how many */
    if (res->accepted) {
        json_t *d = json_pack("{s:I, s:I}", "accepted", (json_int_t)res->accepted, "duplicate",
                              (json_int_t)res->duplicate);
        rc = audit_log(db, 0, 0, "ingest", "source", source_id, d, e);
        json_decref(d);
        if (rc < 0)
            goto out;
    }
    if (own_tx) {
        rc = db_commit(db, e);
        own_tx = 0;
    }
out:
    if (own_tx)
        db_rollback(db);
    refs_release(c.refs);
    if (rc < 0 && rc != -ERR_INVALID)
        res->accepted = res->duplicate = 0;
    free(rv);
    free(good);
    free(c.ind);
    json_decref(c.orgs);
    return rc;
}

int ingest_batch(struct db *db, long long source_id, const struct event_in *ev, size_t n,
                 unsigned flags, struct ingest_result *res, struct errbuf *e)
{
    return batch(db, source_id, ev, n, flags, res, NULL, e);
}

int ingest_batch_partial(struct db *db, long long source_id, const struct event_in *ev,
                         size_t n, struct ingest_result *res, struct ingest_reject *row_first,
                         struct errbuf *e)
{
    return batch(db, source_id, ev, n, 0, res, row_first, e);
}
