#include "ingest/event.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/month.h"
#include "db/db.h"
#include "db/versions.h"
#include "ingest/keyset.h"
#include "org/audit.h"
#include "base/text.h"
#include "base/banned.h"

#define MAX_KEY 128
#define MAX_DETAIL 4096

/* Fixed SipHash key: changing it would make old keys look new, so it never changes. */
static const unsigned char hash_key[crypto_shorthash_KEYBYTES] = "dangjian-events!";

long long ingest_key_hash(long long source_id, const char *key)
{
    unsigned char out[crypto_shorthash_BYTES], in[8 + MAX_KEY * 4];
    size_t klen = strlen(key);
    long long h;
    if (klen > sizeof(in) - 8)
        klen = sizeof(in) - 8;
    for (int i = 0; i < 8; i++)
        in[i] = (unsigned char)((unsigned long long)source_id >> (8 * i));
    memcpy(in + 8, key, klen);
    crypto_shorthash(out, in, 8 + klen, hash_key);
    memcpy(&h, out, sizeof(h));
    return h;
}

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
    struct keyset *ks; /* holds the members cache shared across batches */
    json_t *orgs;    /* org code → id */
    struct ingest_result *res;
    size_t last_rejected; /* index + 1 of the last row rejected */
};

static void reject(struct ctx *c, size_t index, const char *field, enum reason why,
                   const char *value, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void reject(struct ctx *c, size_t index, const char *field, enum reason why,
                   const char *value, const char *fmt, ...)
{
    struct ingest_result *res = c->res;
    va_list ap;
    /* a row counts once however many problems it has; each problem is listed */
    if (c->last_rejected != index + 1) {
        res->rejected++;
        c->last_rejected = index + 1;
    }
    if (res->nrejects >= INGEST_MAX_REJECTS)
        return;
    struct ingest_reject *r = &res->rejects[res->nrejects++];
    r->index = index;
    snprintf(r->field, sizeof(r->field), "%s", field);
    r->why = why;
    text_utf8_cut(value ? value : "", ERR_VALUE_CHARS, r->value, sizeof(r->value));
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
    if (emp_no) {
        snprintf(idkey, sizeof(idkey), "e%s", emp_no);
    } else {
        snprintf(idkey, sizeof(idkey), "#%lld", member_id);
    }
    k = idkey;
    if ((hit = keyset_member_get(c->ks, k))) {
        *ret = hit->id ? hit : NULL;
        return 0;
    }
    rc = db_prepare(c->db,
                    emp_no ? "SELECT m.id, m.org_id, (SELECT MAX(from_month) FROM member_orgs mo"
                             " WHERE mo.member_id = m.id) FROM members m WHERE m.emp_no = $1"
                           : "SELECT m.id, m.org_id, (SELECT MAX(from_month) FROM member_orgs mo"
                             " WHERE mo.member_id = m.id) FROM members m WHERE m.id = $1",
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
    if (rc < 0 || (rc = keyset_member_put(c->ks, k, &ref, e)) < 0)
        return rc;
    hit = keyset_member_get(c->ks, k);
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

struct match {
    struct db *db;
    long long source_id;
    const char *key;
};

/* keyset_match_fn: is stored event `id` the same (source, key)? */
static int same_key(void *ctx, long long id, struct errbuf *e)
{
    struct match *m = ctx;
    struct db_stmt *st;
    int rc, same = 0;
    if ((rc = db_prepare(m->db, "SELECT source_id, key FROM events WHERE id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1)
        same = db_col_int(st, 0) == m->source_id && strcmp(db_col_text(st, 1), m->key) == 0;
    db_done(st);
    return rc < 0 ? rc : same;
}

/* Rows per INSERT: one statement for many rows saves most of SQLite's per-statement cost. */
#define CHUNK 16
#define EVENT_COLS 10

/* "INSERT INTO events(...) VALUES(...), ..." for 1..CHUNK rows, built once. */
static char *insert_sql[CHUNK + 1];
static pthread_once_t insert_once = PTHREAD_ONCE_INIT;

static void build_insert_sql(void)
{
    for (int rows = 1; rows <= CHUNK; rows++) {
        struct buf b = BUF_INIT;
        buf_addstr(&b, "INSERT INTO events(source_id, key, org_id, member_id, indicator_id, day,"
                       " month, value, detail, created_at) VALUES");
        for (int r = 0; r < rows; r++) {
            buf_addstr(&b, r ? ", (" : " (");
            for (int c = 1; c <= EVENT_COLS; c++)
                buf_printf(&b, "%s$%d", c > 1 ? ", " : "", r * EVENT_COLS + c);
            buf_addch(&b, ')');
        }
        insert_sql[rows] = buf_detach(&b);
    }
}

/* Events waiting for the chunk's INSERT. */
struct pending {
    size_t n;
    size_t idx[CHUNK];
    long long hash[CHUNK];
};

/* Insert the pending events in one statement and teach the keyset their ids. A multi-row
 * INSERT gives consecutive ids in VALUES order: SQLite's next rowid is max + 1 per row, and
 * PostgreSQL draws the identity in order while this connection holds the append lock. */
static int flush(struct db *db, struct keyset *ks, long long source_id, const struct event_in *ev,
                 const struct resolved *rv, long long now, struct pending *p, struct errbuf *e)
{
    struct db_stmt *st;
    long long last = 0;
    int rc;
    if (!p->n)
        return 0;
    if ((rc = db_prepare(db, insert_sql[p->n], &st, e)) < 0)
        return rc;
    for (size_t k = 0; k < p->n; k++) {
        const struct event_in *x = &ev[p->idx[k]];
        const struct resolved *r = &rv[p->idx[k]];
        int b = (int)k * EVENT_COLS;
        db_bind_int(st, b + 1, source_id);
        db_bind_text(st, b + 2, x->key);
        db_bind_int(st, b + 3, r->org_id);
        if (r->member_id)
            db_bind_int(st, b + 4, r->member_id);
        else
            db_bind_null(st, b + 4);
        db_bind_int(st, b + 5, r->indicator_id);
        db_bind_int(st, b + 6, r->day);
        db_bind_int(st, b + 7, r->month);
        db_bind_double(st, b + 8, x->value);
        db_bind_text(st, b + 9, x->detail);
        db_bind_int(st, b + 10, now);
    }
    rc = db_step(st, e);
    db_done(st);
    if (rc < 0 || (rc = db_last_id(db, &last, e)) < 0)
        return rc;
    for (size_t k = 0; k < p->n; k++)
        if ((rc = keyset_add(ks, p->hash[k], last - (long long)(p->n - 1 - k), e)) < 0)
            return rc;
    p->n = 0;
    return 0;
}

/* Decide whether event i is new: not in the keyset (stored events) and not earlier in the
 * pending chunk. Returns 1 new, 0 duplicate, < 0 error. */
static int is_new(struct db *db, struct keyset *ks, long long source_id, const struct event_in *ev,
                  size_t i, long long h, const struct pending *p, struct errbuf *e)
{
    struct match m = {db, source_id, ev[i].key};
    int rc = keyset_contains(ks, h, same_key, &m, e);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    for (size_t k = 0; k < p->n; k++)
        if (p->hash[k] == h && strcmp(ev[p->idx[k]].key, ev[i].key) == 0)
            return 0;
    return 1;
}

int ingest_batch(struct db *db, long long source_id, const struct event_in *ev, size_t n,
                 unsigned flags, struct ingest_result *res, struct errbuf *e)
{
    struct ctx c = {db, NULL, 0, NULL, json_object(), res, 0};
    long long version = 0;
    struct resolved *rv = NULL;
    struct keyset *ks = NULL;
    struct pending pend = {0};
    json_t *dry_keys = json_object();
    int rc = 0, own_tx = 0, today = date_today();
    long long now = (long long)time(NULL);

    memset(res, 0, sizeof(*res));
    if (n && !(rv = calloc(n, sizeof(*rv)))) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    /* one transaction from the first look-up on: SQLite then takes its locks once per batch
     * instead of once per statement (a dry run rolls it back) */
    if (!db_in_tx(db)) {
        if ((rc = db_begin(db, e)) < 0)
            goto out;
        own_tx = 1;
    }
    if ((rc = db_lock_append(db, "events", e)) < 0 || (rc = keyset_acquire(db, &ks, e)) < 0 ||
        (rc = version_get_exact(db, TOPIC_MEMBERS, &version, e)) < 0 ||
        (rc = load_indicators(&c, e)) < 0)
        goto out;
    c.ks = ks;
    keyset_members_check(ks, version);
    for (size_t i = 0; i < n; i++)
        if ((rc = resolve(&c, i, &ev[i], today, &rv[i], e)) < 0)
            goto out;
    if (res->rejected) {
        rc = errbuf_set(e, -ERR_INVALID, "%zu of %zu events rejected: nothing stored",
                        res->rejected, n);
        goto out;
    }
    pthread_once(&insert_once, build_insert_sql);
    for (size_t i = 0; i < n; i++) {
        long long h = ingest_key_hash(source_id, ev[i].key);
        if ((rc = is_new(db, ks, source_id, ev, i, h, &pend, e)) < 0)
            goto out;
        /* a dry run stores nothing, so it remembers the batch's keys itself */
        if (rc == 1 && (flags & INGEST_DRY_RUN)) {
            if (json_object_get(dry_keys, ev[i].key))
                rc = 0;
            else
                json_object_set_new(dry_keys, ev[i].key, json_true());
        }
        if (rc == 0) {
            res->duplicate++;
            continue;
        }
        res->accepted++;
        if (flags & INGEST_DRY_RUN)
            continue;
        pend.idx[pend.n] = i;
        pend.hash[pend.n++] = h;
        if (pend.n == CHUNK && (rc = flush(db, ks, source_id, ev, rv, now, &pend, e)) < 0)
            goto out;
    }
    if ((rc = flush(db, ks, source_id, ev, rv, now, &pend, e)) < 0)
        goto out;
    /* one audit row per batch that stored something: who sent how many */
    if (res->accepted && !(flags & INGEST_DRY_RUN)) {
        json_t *d = json_pack("{s:I, s:I}", "accepted", (json_int_t)res->accepted, "duplicate",
                              (json_int_t)res->duplicate);
        rc = audit_log(db, 0, 0, "ingest", "source", source_id, d, e);
        json_decref(d);
        if (rc < 0)
            goto out;
    }
    if (own_tx && !(flags & INGEST_DRY_RUN)) {
        rc = db_commit(db, e);
        own_tx = 0;
    }
out:
    if (own_tx)
        db_rollback(db);
    keyset_release(ks, rc >= 0 || rc == -ERR_INVALID);
    if (rc < 0 && rc != -ERR_INVALID)
        res->accepted = res->duplicate = 0;
    free(rv);
    free(c.ind);
    json_decref(c.orgs);
    json_decref(dry_keys);
    return rc;
}
