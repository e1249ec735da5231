#include "dues/arrears.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/month.h"
#include "db/db.h"
#include "dues/bill.h"
#include "inbox/todo.h"
#include "ingest/event.h"
#include "ingest/source.h"
#include "org/audit.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "plan/plan.h"
#include "base/banned.h"

#define WINDOW 24 /* months looked back for arrears */
#define EVENT_BATCH 5000

struct debtor {
    long long member_id, org_id, owed;
    int streak, unpaid, last_month, expect;
    bool broken;
    char emp_no[32], name[64], org_name[128];
};

static void finish(json_t *list, const struct debtor *d, int month, bool amounts)
{
    json_t *o;
    if (!d->member_id || d->unpaid == 0)
        return;
    o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:i, s:o, s:i, s:b, s:b}", "member_id",
                  (json_int_t)d->member_id, "emp_no", d->emp_no, "name", d->name, "org_id",
                  (json_int_t)d->org_id, "org_name", d->org_name, "consecutive", d->streak,
                  "from_month",
                  d->streak ? json_integer(month_add(month, 1 - d->streak)) : json_null(),
                  "unpaid_months", d->unpaid, "warning", d->streak >= DUES_WARN_MONTHS, "flagged",
                  d->streak >= DUES_CASE_MONTHS);
    if (amounts)
        json_object_set_new(o, "owed_fen", json_integer(d->owed));
    json_array_append_new(list, o);
}

#define BILLS_SQL                                                                                  \
    "SELECT b.member_id, m.emp_no, m.name, b.org_id, o.name, b.month, b.status,"                   \
    " COALESCE(b.amount_fen, 0) FROM dues_bills b JOIN orgs o ON o.id = b.org_id"                  \
    " JOIN members m ON m.id = b.member_id AND m.tenant_id = b.tenant_id"                          \
    " WHERE b.kind = 'regular' AND b.published_at IS NOT NULL AND b.month <= $1"                   \
    " AND b.month >= $2"
#define OWING_CHUNK 100 /* members whose bills one statement reads */

/* The debtors of a statement's rows (ordered by member, then month from the latest), carried
 * in *d from one statement to the next. */
static int read_bills(struct db_stmt *st, json_t *list, struct debtor *d, int month,
                      bool show_amounts, struct errbuf *e)
{
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        long long member = db_col_int(st, 0);
        int m = (int)db_col_int(st, 5);
        bool unpaid = strcmp(db_col_text(st, 6), "unpaid") == 0;
        if (member != d->member_id) {
            finish(list, d, month, show_amounts);
            memset(d, 0, sizeof(*d));
            d->member_id = member;
            d->org_id = db_col_int(st, 3);
            snprintf(d->emp_no, sizeof(d->emp_no), "%s", db_col_text(st, 1));
            snprintf(d->name, sizeof(d->name), "%s", db_col_text(st, 2));
            snprintf(d->org_name, sizeof(d->org_name), "%s", db_col_text(st, 4));
            d->expect = month;
        }
        /* the streak runs back from month through consecutive unpaid months */
        if (!d->broken && m == d->expect && unpaid) {
            d->streak++;
            d->expect = month_add(d->expect, -1);
        } else {
            d->broken = true;
        }
        if (unpaid) {
            d->unpaid++;
            d->owed += db_col_int(st, 7);
        }
    }
    db_done(st);
    return rc;
}

/* The members whose published bill of month is unpaid, in order. */
static int owing_members(struct db *db, int month, long long tenant, long long **ret, size_t *n,
                         struct errbuf *e)
{
#define OWING(tenant)                                                                              \
    "SELECT DISTINCT member_id FROM dues_bills WHERE month = $1 AND kind = 'regular'"              \
    " AND status = 'unpaid' AND published_at IS NOT NULL" tenant " ORDER BY member_id"
    struct db_stmt *st;
    long long *ids = NULL;
    size_t cap = 0;
    int rc;
    *n = 0;
    if ((rc = db_prepare(db, tenant ? OWING(" AND tenant_id = $2") : OWING(""), &st, e)) < 0)
        return rc;
#undef OWING
    db_bindv(st, "i", (long long)month);
    if (tenant)
        db_bind_int(st, 2, tenant);
    while ((rc = db_step(st, e)) == 1) {
        if (*n == cap) {
            long long *p = realloc(ids, (cap = cap ? cap * 2 : 256) * sizeof(*p));
            if (!p) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            ids = p;
        }
        ids[(*n)++] = db_col_int(st, 0);
    }
    db_done(st);
    if (rc < 0)
        free(ids);
    else
        *ret = ids;
    return rc;
}

/* The debtors among the bills of BILLS_SQL and more: sql binds the organizations' path from $3
 * (path) or the members of `AND b.member_id IN (...)` from $3 (ids, count of them), and then
 * the tenant when it is not 0 ($5 after a path, after the members else). */
static int bills_of(struct db *db, const char *sql, int month, const char *path, long long tenant,
                    const long long *ids, int count, json_t *list, struct debtor *d,
                    bool show_amounts, struct errbuf *e)
{
    char hi[ORG_PATH_MAX];
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st, e);
    if (rc < 0)
        return rc;
    db_bindv(st, "ii", (long long)month, (long long)month_add(month, 1 - WINDOW));
    if (path) {
        scope_bounds(path, hi, sizeof(hi));
        db_bind_text(st, 3, path);
        db_bind_text(st, 4, hi);
    }
    for (int i = 0; i < count; i++)
        db_bind_int(st, 3 + i, ids[i]);
    if (tenant)
        db_bind_int(st, path ? 5 : 3 + count, tenant);
    return read_bills(st, list, d, month, show_amounts, e);
}

/* The arrears list of the subtree at path, or with path NULL of every organization's members
 * (of tenant, when not 0) whose bill of month itself is unpaid (the only ones with a streak,
 * which is all that closing a month needs): their bills alone, a hundred members a statement,
 * instead of every member's (one statement joining the two was planned from the
 * organizations' side on PostgreSQL, its generic plan guessing five organizations in a path
 * range: every bill of the window read). A subtree in one tenant names it, so that Citus
 * reads that tenant's shards alone. */
static int arrears(struct db *db, const char *path, long long tenant, int month,
                   bool show_amounts, json_t **ret, struct errbuf *e)
{
#define ORDER " ORDER BY b.member_id, b.month DESC"
    bool owing_only = !path;
    json_t *list = json_array();
    struct debtor d;
    long long *owing = NULL;
    size_t nowing = 0;
    int rc = 0;
    memset(&d, 0, sizeof(d));
    if (!owing_only && (rc = tenant_of_subtree(db, path, &tenant, e)) >= 0)
        rc = bills_of(db,
                      tenant ? BILLS_SQL " AND o.path >= $3 AND o.path < $4 AND b.tenant_id = $5" ORDER
                             : BILLS_SQL " AND o.path >= $3 AND o.path < $4" ORDER,
                      month, path, tenant, NULL, 0, list, &d, show_amounts, e);
    else if (owing_only)
        rc = owing_members(db, month, tenant, &owing, &nowing, e);
    for (size_t at = 0; owing_only && rc >= 0 && at < nowing; at += OWING_CHUNK) {
        int count = (int)(nowing - at < OWING_CHUNK ? nowing - at : OWING_CHUNK);
        char tail[64];
        char *sql;
        if (tenant)
            snprintf(tail, sizeof(tail), " AND b.tenant_id = $%d" ORDER, 3 + count);
        else
            snprintf(tail, sizeof(tail), "%s", ORDER);
        sql = db_sql_in(BILLS_SQL " AND b.member_id", 3, count, tail);
        rc = sql ? bills_of(db, sql, month, NULL, tenant, owing + at, count, list, &d,
                            show_amounts, e)
                 : errbuf_set(e, -ERR_NOMEM, "out of memory");
        free(sql);
    }
#undef ORDER
    free(owing);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    finish(list, &d, month, show_amounts);
    *ret = json_pack("{s:i, s:b, s:o}", "month", month, "amounts", show_amounts, "items", list);
    return 0;
}

int dues_arrears_list(struct db *db, const char *path, int month, bool show_amounts, json_t **ret,
                      struct errbuf *e)
{
    return arrears(db, path, 0, month, show_amounts, ret, e);
}

/* ---- the end of a month */

static int dues_source(struct db *db, long long *ret, struct errbuf *e)
{
    char key[96];
    int rc = source_find(db, "dues", ret, e);
    if (rc != -ERR_NOTFOUND)
        return rc;
    errbuf_clear(e);
    /* an internal source: nobody sends with its key, so it is not kept */
    return source_add(db, "dues", "党费系统（内部）", key, sizeof(key), ret, e);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

struct sink {
    struct db *db;
    long long source;
    struct event_in ev[EVENT_BATCH];
    char keys[EVENT_BATCH][64];
    size_t n;
    struct ingest_result res;
};

static int flush(struct sink *s, struct errbuf *e)
{
    int rc;
    if (!s->n)
        return 0;
    rc = ingest_batch(s->db, s->source, s->ev, s->n, 0, &s->res, e);
    if (rc == -ERR_INVALID && s->res.nrejects)
        rc = errbuf_set(e, -ERR_INTERNAL, "dues event '%s' rejected: %s: %s",
                        s->ev[s->res.rejects[0].index].key, s->res.rejects[0].field,
                        s->res.rejects[0].reason);
    s->n = 0;
    return rc;
}

/* The month's on-time and late events of the published bills (of tenant, when not 0). */
static int send_events(struct db *db, int month, long long tenant, struct dues_close_stats *cs,
                       struct errbuf *e)
{
#define SENT(tenant)                                                                               \
    "SELECT DISTINCT ev.member_id FROM events ev JOIN indicators i ON i.id = ev.indicator_id"       \
    " WHERE ev.month = $1 AND i.code IN ('dues.on_time', 'dues.late') AND ev.source_id <> $2"      \
    " AND ev.member_id IS NOT NULL" tenant
#define BILLS(tenant)                                                                              \
    "SELECT member_id, paid_at FROM dues_bills WHERE month = $1 AND kind = 'regular'"              \
    " AND published_at IS NOT NULL AND status IN ('unpaid', 'paid', 'confirmed')"                 \
    " AND amount_fen > 0" tenant " ORDER BY member_id"
    struct sink *s = calloc(1, sizeof(*s));
    long long *skip = NULL;
    size_t nskip = 0, cap = 0;
    struct db_stmt *st;
    int rc, first = month * 100 + 1, last = month * 100 + month_days(month);
    if (!s)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    s->db = db;
    if ((rc = dues_source(db, &s->source, e)) < 0 ||
        (rc = db_prepare(db, tenant ? SENT(" AND ev.tenant_id = $3") : SENT(""), &st, e)) < 0)
        goto out;
    db_bindv(st, "ii", (long long)month, s->source);
    if (tenant)
        db_bind_int(st, 3, tenant);
    while ((rc = db_step(st, e)) == 1) {
        if (nskip == cap) {
            long long *p = realloc(skip, (cap = cap ? cap * 2 : 256) * sizeof(*p));
            if (!p) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            skip = p;
        }
        skip[nskip++] = db_col_int(st, 0);
    }
    db_done(st);
    if (rc < 0)
        goto out;
    if (nskip) /* qsort and bsearch take no NULL array, even empty */
        qsort(skip, nskip, sizeof(*skip), cmp_ll);
    if ((rc = db_prepare(db, tenant ? BILLS(" AND tenant_id = $2") : BILLS(""), &st, e)) < 0)
        goto out;
    db_bind_int(st, 1, month);
    if (tenant)
        db_bind_int(st, 2, tenant);
    while ((rc = db_step(st, e)) == 1) {
        long long member = db_col_int(st, 0);
        bool ok = !db_col_null(st, 1) && month_of_time(db_col_int(st, 1)) <= month;
        struct event_in *ev;
        int day = ok ? date_of_time(db_col_int(st, 1)) : last;
        if (nskip && bsearch(&member, skip, nskip, sizeof(*skip), cmp_ll)) {
            cs->skipped++;
            continue;
        }
        if (day < first)
            day = first; /* paid ahead: on time from the month's first day */
        ev = &s->ev[s->n];
        memset(ev, 0, sizeof(*ev));
        snprintf(s->keys[s->n], sizeof(s->keys[0]), "dues-%lld-%d-%s", member, month,
                 ok ? "on_time" : "late");
        ev->key = s->keys[s->n];
        ev->member_id = member;
        ev->indicator = ok ? "dues.on_time" : "dues.late";
        ev->day = day;
        ev->value = 1;
        s->n++;
        if (ok)
            cs->on_time++;
        else
            cs->late++;
        if (s->n == EVENT_BATCH) {
            /* the statement stays open while the batch is stored: SQLite reads on */
            if ((rc = flush(s, e)) < 0)
                break;
        }
    }
    db_done(st);
    if (rc >= 0)
        rc = flush(s, e);
out:
    free(skip);
    free(s);
    return rc < 0 ? rc : 0;
#undef SENT
#undef BILLS
}

/* One notice per branch for the to-dos the close raised now: to its secretaries' inbox and,
 * through the one outbox, to the branch's messenger robots (kind "dues", 党费提醒), the
 * secretaries @-mentioned. lines: {org_id: [line, ...]}. */
static int notify_branches(struct db *db, int month, json_t *lines, struct errbuf *e)
{
    const char *org;
    json_t *list;
    int rc = 0;
    json_object_foreach(lines, org, list)
    {
        struct buf title = BUF_INIT, body = BUF_INIT;
        size_t i;
        json_t *line;
        buf_printf(&title, "%d年%d月关账：%zu名党员连续3个月以上未交纳党费", month / 100,
                   month % 100, json_array_size(list));
        json_array_foreach(list, i, line) buf_printf(&body, "%s\n", json_string_value(line));
        buf_addstr(&body, "请及时提醒并了解情况；满六个月的请支部研究处理（系统不会自动除名）。"
                          "详见待办。");
        if (!title.data || !body.data)
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        else
            rc = plan_notice_secretaries(db, "dues", strtoll(org, NULL, 10), buf_str(&title),
                                         buf_str(&body), e);
        buf_release(&title);
        buf_release(&body);
        if (rc < 0)
            break;
    }
    return rc < 0 ? rc : 0;
}

static int raise_todos(struct db *db, int month, long long tenant, struct dues_close_stats *cs,
                       struct errbuf *e)
{
    json_t *list = NULL, *d, *lines = json_object();
    size_t i;
    long long now = dues_now();
    int rc = arrears(db, NULL, tenant, month, false, &list, e);
    if (rc < 0) {
        json_decref(lines);
        return rc;
    }
    json_array_foreach(json_object_get(list, "items"), i, d)
    {
        int streak = (int)json_integer_value(json_object_get(d, "consecutive"));
        int from = (int)json_integer_value(json_object_get(d, "from_month"));
        long long member = json_integer_value(json_object_get(d, "member_id"));
        long long org = json_integer_value(json_object_get(d, "org_id"));
        const char *name = json_string_value(json_object_get(d, "name"));
        const char *emp = json_string_value(json_object_get(d, "emp_no"));
        char text[512], dedupe[64], key[24], line[256];
        /* to the branch's staff (no one account): whoever covers the organization acts */
        struct todo t = {"dues", NULL, 0, org,  member, text,   0,
                         0,      NULL, 0, from, streak, dedupe, now};
        int warned, flagged = 0;
        if (streak < DUES_WARN_MONTHS)
            continue;
        snprintf(text, sizeof(text),
                 "党员%s（工号%s）自%d年%d月起已连续%d个月未交纳党费，请及时提醒并了解情况", name,
                 emp, from / 100, from % 100, streak);
        snprintf(dedupe, sizeof(dedupe), "warn:%lld:%d", member, from);
        t.kind = "arrears_warning";
        if ((rc = warned = todo_raise(db, &t, e)) < 0)
            break;
        cs->warnings += warned;
        if (streak >= DUES_CASE_MONTHS) {
            snprintf(text, sizeof(text),
                     "党员%s（工号%s）自%d年%d月起已连续%d个月未交纳党费。党章第九条：无正当理由"
                     "连续六个月不交纳党费的，视为自行脱党。请支部研究处理（系统不会自动除名）",
                     name, emp, from / 100, from % 100, streak);
            snprintf(dedupe, sizeof(dedupe), "case:%lld:%d", member, from);
            t.kind = "arrears_case";
            if ((rc = flagged = todo_raise(db, &t, e)) < 0)
                break;
            cs->cases += flagged;
        }
        if (!warned && !flagged) /* told at an earlier close */
            continue;
        snprintf(line, sizeof(line), "%s（工号%s）自%d年%d月起连续%d个月%s", name, emp, from / 100,
                 from % 100, streak, streak >= DUES_CASE_MONTHS ? "，已满六个月" : "");
        snprintf(key, sizeof(key), "%lld", org);
        if (!json_object_get(lines, key))
            json_object_set_new(lines, key, json_array());
        json_array_append_new(json_object_get(lines, key), json_string(line));
    }
    json_decref(list);
    if (rc >= 0)
        rc = notify_branches(db, month, lines, e);
    json_decref(lines);
    return rc < 0 ? rc : 0;
}

/* The month closed for tenant (0: everyone): on PostgreSQL a row per tenant in dues_months
 * (everyone's in the first tenant), on SQLite one row per month. The audit row belongs to the
 * tenant's root. */
static int close_month(struct db *db, int month, long long tenant, struct dues_close_stats *stats,
                       struct errbuf *e)
{
    struct dues_close_stats cs = {0, 0, 0, 0, 0};
    long long root = 0;
    json_t *d;
    int rc;
    if (!month_valid(month))
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_MONTH, "month", month,
                                "invalid month %d: expected YYYYMM", month);
    if (month >= dues_current_month())
        return errbuf_field_int(e, -ERR_INVALID, R_NOT_OVER, "month", month,
                                "month %d is not over yet", month);
    if (tenant && (rc = tenant_root_id(db, tenant, &root, e)) < 0)
        return rc;
    if ((rc = db_begin(db, e)) < 0)
        return rc;
    if ((rc = send_events(db, month, tenant, &cs, e)) < 0 ||
        (rc = raise_todos(db, month, tenant, &cs, e)) < 0 ||
        (rc = db_run(db, e,
                     "INSERT INTO dues_months(month, closed_at, tenant_id) VALUES($1, $2, $3)"
                     " ON CONFLICT (month, tenant_id) DO UPDATE SET closed_at = excluded.closed_at",
                     "iii", (long long)month, dues_now(),
                     tenant ? tenant : (long long)TENANT_FIRST)) < 0)
        goto fail;
    d = json_pack("{s:I, s:I, s:I, s:I}", "on_time", (json_int_t)cs.on_time, "late",
                  (json_int_t)cs.late, "warnings", (json_int_t)cs.warnings, "cases",
                  (json_int_t)cs.cases);
    if (tenant)
        json_object_set_new(d, "tenant", json_integer(tenant));
    rc = audit_log(db, 0, root, "close", "dues_month", month, d, e);
    json_decref(d);
    if (rc < 0 || (rc = db_commit(db, e)) < 0)
        goto fail;
    *stats = cs;
    return 0;
fail:
    db_rollback(db);
    return rc;
}

int dues_close_month(struct db *db, int month, struct dues_close_stats *stats, struct errbuf *e)
{
    return close_month(db, month, 0, stats, e);
}

int dues_close_tenant(struct db *db, int month, long long tenant, struct dues_close_stats *stats,
                      struct errbuf *e)
{
    int rc = tenant_check(db, tenant, e);
    return rc < 0 ? rc : close_month(db, month, tenant, stats, e);
}
