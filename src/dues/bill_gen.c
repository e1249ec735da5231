/* Generating a month's dues bills (bill.h: dues_generate): each liable member's bill by the
 * published rules from the verified income base, many rows per statement. */
#include "dues/bill.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/month.h"
#include "db/db.h"
#include "dues/base.h"
#include "dues/rules.h"
#include "org/audit.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

#define MISSING_LISTED 100

/* ---- generation */

/* Rows per multi-row INSERT: one statement for many rows saves most of the per-statement
 * cost (the same reason as ingest's). $1..$3 are the month, the rules version and the time,
 * shared by every row; each row has 11 more (the db layer binds up to 160). */
#define CHUNK 14
#define BILL_COLS 11

static char *insert_sql[CHUNK + 1];
static pthread_once_t insert_once = PTHREAD_ONCE_INIT;

/* Upsert: a bill that exists stays as it is, except one whose base was missing and now is
 * not (the base arrived after the first run). */
static void build_insert_sql(void)
{
    for (int rows = 1; rows <= CHUNK; rows++) {
        struct buf b = BUF_INIT;
        buf_addstr(&b, "INSERT INTO dues_bills(member_id, org_id, category, party_status,"
                       " base_fen, band, rate_bp, term_id, amount_fen, status, tenant_id,"
                       " month, rule_version, created_at, kind, seq) VALUES");
        for (int r = 0; r < rows; r++) {
            buf_addstr(&b, r ? ", (" : " (");
            for (int c = 1; c <= BILL_COLS; c++)
                buf_printf(&b, "%s$%d", c > 1 ? ", " : "", 3 + r * BILL_COLS + c);
            buf_addstr(&b, ", $1, $2, $3, 'regular', 0)");
        }
        buf_addstr(&b, " ON CONFLICT (member_id, month, kind, seq, tenant_id) DO UPDATE SET"
                       " org_id = excluded.org_id, base_fen = excluded.base_fen,"
                       " rule_version = excluded.rule_version, band = excluded.band,"
                       " rate_bp = excluded.rate_bp, term_id = excluded.term_id,"
                       " amount_fen = excluded.amount_fen, status = excluded.status"
                       " WHERE dues_bills.status = 'no_base' AND excluded.status <> 'no_base'");
        insert_sql[rows] = buf_detach(&b);
    }
}

struct pending_bill {
    long long member_id, org_id, base_fen, term_id;
    char category[16], party_status[16];
    struct dues_calc c;
};

struct gen {
    struct db *db;
    int month;
    long long now;
    const struct dues_rules *rules;
    struct pending_bill rows[CHUNK]; /* bills to fill in (their base came), upserted */
    int n;
    struct db_bulk *fresh; /* the month's new bills: one bulk write (COPY on PostgreSQL) */
};

static const char *const bill_status[] = {"unpaid", "no_base", "exempt"}; /* by dues_calc */

/* A bill the member did not have: into the bulk write, which skips a key stored meanwhile
 * (a generation of the same month at the same moment stores the same bill). */
static int add_fresh(struct gen *g, const struct pending_bill *p, struct errbuf *e)
{
    long long tenant;
    int rc;
    if (!g->fresh &&
        (rc = db_bulk_open(g->db, "dues_bills",
                           "member_id, org_id, category, party_status, base_fen, band, rate_bp,"
                           " term_id, amount_fen, status, tenant_id, month, rule_version,"
                           " created_at, kind, seq",
                           "member_id, month, kind, seq, tenant_id", &g->fresh, e)) < 0)
        return rc;
    if ((rc = tenant_of_org(g->db, p->org_id, &tenant, e)) < 0)
        return rc;
    return db_bulk_row(g->fresh, e, "iittMIMIMtiiiiti", p->member_id, p->org_id, p->category,
                       p->party_status, p->base_fen, (long long)p->c.band,
                       (long long)p->c.rate_bp, p->term_id,
                       p->c.status == DUES_CALC_NO_BASE ? -1LL : p->c.amount_fen,
                       bill_status[p->c.status], tenant, (long long)g->month,
                       (long long)g->rules->version, g->now, "regular", 0LL);
}

static void bind_opt(struct db_stmt *st, int k, bool present, long long v)
{
    if (present)
        db_bind_int(st, k, v);
    else
        db_bind_null(st, k);
}

static int flush(struct gen *g, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if (!g->n)
        return 0;
    if ((rc = db_prepare(g->db, insert_sql[g->n], &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, g->month);
    db_bind_int(st, 2, g->rules->version);
    db_bind_int(st, 3, g->now);
    for (int r = 0; r < g->n; r++) {
        const struct pending_bill *p = &g->rows[r];
        int k = 3 + r * BILL_COLS;
        long long tenant;
        if ((rc = tenant_of_org(g->db, p->org_id, &tenant, e)) < 0) {
            db_done(st);
            g->n = 0;
            return rc;
        }
        db_bind_int(st, k + 11, tenant);
        db_bind_int(st, k + 1, p->member_id);
        db_bind_int(st, k + 2, p->org_id);
        db_bind_text(st, k + 3, p->category);
        db_bind_text(st, k + 4, p->party_status);
        bind_opt(st, k + 5, p->base_fen >= 0, p->base_fen);
        bind_opt(st, k + 6, p->c.band != 0, p->c.band);
        bind_opt(st, k + 7, p->c.rate_bp >= 0, p->c.rate_bp);
        bind_opt(st, k + 8, p->term_id != 0, p->term_id);
        bind_opt(st, k + 9, p->c.status != DUES_CALC_NO_BASE, p->c.amount_fen);
        db_bind_text(st, k + 10, bill_status[p->c.status]);
    }
    rc = db_send(st, e); /* nothing read back: with pipelining, no wait for each chunk */
    db_done(st);
    g->n = 0;
    return rc < 0 ? rc : 0;
}

/* Per-member data loaded before the members are read, sorted by member id. */
struct base_row {
    long long member_id, fen;
};
struct term_row {
    long long member_id, id, amount_fen;
    enum dues_term_kind kind;
};
struct bill_row {
    long long member_id;
    bool no_base;
};

struct arr {
    void *v;
    size_t n, cap, size;
};

static void *arr_push(struct arr *a)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        void *v = realloc(a->v, cap * a->size);
        if (!v)
            return NULL;
        a->v = v;
        a->cap = cap;
    }
    return (char *)a->v + a->size * a->n++;
}

/* Run a query whose rows (ordered by member id) fill arr through fill(); a later row for the
 * same member replaces the earlier one (the base or term with the latest start wins). sql is a
 * format whose %s takes the tenant's condition (tenant_id = $3) when tenant is not 0. */
static int load(struct db *db, const char *sql, long long p1, long long p2, long long tenant,
                struct arr *a, void (*fill)(struct db_stmt *st, void *row), struct errbuf *e)
{
    struct db_stmt *st;
    char text[512];
    int rc;
    snprintf(text, sizeof(text), sql, tenant ? " AND tenant_id = $3" : "");
    if ((rc = db_prepare(db, text, &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", p1, p2);
    if (tenant)
        db_bind_int(st, 3, tenant);
    while ((rc = db_step(st, e)) == 1) {
        long long id = db_col_int(st, 0);
        void *row;
        if (a->n && *(long long *)((char *)a->v + a->size * (a->n - 1)) == id)
            row = (char *)a->v + a->size * (a->n - 1);
        else if (!(row = arr_push(a))) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        fill(st, row);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

static void fill_base(struct db_stmt *st, void *row)
{
    struct base_row *b = row;
    b->member_id = db_col_int(st, 0);
    b->fen = db_col_int(st, 1);
}

static void fill_term(struct db_stmt *st, void *row)
{
    struct term_row *t = row;
    t->member_id = db_col_int(st, 0);
    t->id = db_col_int(st, 1);
    t->amount_fen = db_col_int(st, 3);
    if (dues_term_kind_parse(db_col_text(st, 2), &t->kind) < 0)
        t->kind = DUES_TERM_NONE;
}

static void fill_bill(struct db_stmt *st, void *row)
{
    struct bill_row *b = row;
    b->member_id = db_col_int(st, 0);
    b->no_base = db_col_int(st, 1) != 0;
}

/* Advance cursor *i over a sorted array to member id; the row when present, else NULL. */
static void *seek(const struct arr *a, size_t *i, long long id)
{
    while (*i < a->n && *(long long *)((char *)a->v + a->size * *i) < id)
        (*i)++;
    if (*i < a->n && *(long long *)((char *)a->v + a->size * *i) == id)
        return (char *)a->v + a->size * *i;
    return NULL;
}

static int joined_month(const char *date)
{
    int y, m;
    if (strlen(date) < 7 || sscanf(date, "%4d-%2d", &y, &m) != 2)
        return 0;
    return y * 100 + m;
}

/* Whom a generation is for: the subtree at path, else one tenant, else (both 0) everyone. */
struct gen_scope {
    const char *path;
    long long tenant;
};

static int month_totals(struct db *db, int month, const struct gen_scope *sc,
                        struct dues_gen_stats *s, struct errbuf *e)
{
    static const char *const sql[2] = {
        "SELECT SUM(CASE WHEN status = 'no_base' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN status = 'exempt' THEN 1 ELSE 0 END), COALESCE(SUM(amount_fen), 0)"
        " FROM dues_bills WHERE month = $1 AND kind = 'regular' AND $2 = '' AND $3 = ''%s",
        "SELECT SUM(CASE WHEN b.status = 'no_base' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN b.status = 'exempt' THEN 1 ELSE 0 END), COALESCE(SUM(b.amount_fen), 0)"
        " FROM dues_bills b JOIN orgs o ON o.id = b.org_id WHERE b.month = $1"
        " AND b.kind = 'regular' AND o.path >= $2 AND o.path < $3%s",
    };
    char hi[ORG_PATH_MAX] = "", text[512];
    struct db_stmt *st;
    int rc;
    if (sc->path)
        scope_bounds(sc->path, hi, sizeof(hi));
    snprintf(text, sizeof(text), sql[sc->path != NULL],
             sc->tenant ? " AND tenant_id = $4" : "");
    if ((rc = db_prepare(db, text, &st, e)) < 0)
        return rc;
    db_bindv(st, "itt", (long long)month, sc->path ? sc->path : "", hi);
    if (sc->tenant)
        db_bind_int(st, 4, sc->tenant);
    if ((rc = db_step(st, e)) == 1) {
        s->base_missing = db_col_int(st, 0);
        s->exempt = db_col_int(st, 1);
        s->amount_fen = db_col_int(st, 2);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

static int generate(struct db *db, int month, const struct gen_scope *sc, long long actor,
                    struct dues_gen_stats *s, struct dues_rules *rules, struct errbuf *e)
{
    static const char *const members_sql[2] = {
        "SELECT m.id, mo.org_id, m.category, m.party_status, COALESCE(m.joined_date, ''),"
        " m.emp_no, m.name FROM member_orgs mo JOIN members m ON m.id = mo.member_id"
        " AND m.tenant_id = mo.tenant_id"
        " WHERE mo.from_month <= $1 AND (mo.to_month IS NULL OR mo.to_month >= $1)"
        " AND m.status = 'active' AND $2 = '' AND $3 = ''%s ORDER BY m.id",
        "SELECT m.id, mo.org_id, m.category, m.party_status, COALESCE(m.joined_date, ''),"
        " m.emp_no, m.name FROM member_orgs mo JOIN members m ON m.id = mo.member_id"
        " AND m.tenant_id = mo.tenant_id"
        " JOIN orgs o ON o.id = mo.org_id WHERE mo.from_month <= $1"
        " AND (mo.to_month IS NULL OR mo.to_month >= $1) AND m.status = 'active'"
        " AND o.path >= $2 AND o.path < $3%s ORDER BY m.id",
    };
    const char *path = sc->path;
    char text[1024];
    struct arr bases = {NULL, 0, 0, sizeof(struct base_row)};
    struct arr terms = {NULL, 0, 0, sizeof(struct term_row)};
    struct arr bills = {NULL, 0, 0, sizeof(struct bill_row)};
    struct gen g = {db, month, dues_now(), rules, {{0}}, 0, NULL};
    char hi[ORG_PATH_MAX] = "";
    size_t bi = 0, ti = 0, xi = 0;
    long long last = 0, org = 0;
    struct db_stmt *st;
    json_t *d;
    int rc;

    if (path)
        scope_bounds(path, hi, sizeof(hi));
    /* every read names the tenant when there is one: on Citus its shards alone are read */
    if ((rc = load(db,
                   "SELECT member_id, monthly_fen FROM income_bases WHERE year = $1"
                   " AND from_month <= $2%s ORDER BY member_id, from_month",
                   month / 100, month, sc->tenant, &bases, fill_base, e)) < 0 ||
        (rc = load(db,
                   "SELECT member_id, id, kind, amount_fen FROM dues_terms WHERE from_month <= $1"
                   " AND (to_month IS NULL OR to_month >= $2)%s ORDER BY member_id, from_month, id",
                   month, month, sc->tenant, &terms, fill_term, e)) < 0 ||
        (rc = load(db,
                   "SELECT member_id, CASE WHEN status = 'no_base' THEN 1 ELSE 0 END"
                   " FROM dues_bills WHERE month = $1 AND kind = 'regular' AND seq = $2%s"
                   " ORDER BY member_id",
                   month, 0, sc->tenant, &bills, fill_bill, e)) < 0)
        goto out;
    snprintf(text, sizeof(text), members_sql[path != NULL],
             sc->tenant ? " AND mo.tenant_id = $4" : "");
    if ((rc = db_prepare(db, text, &st, e)) < 0)
        goto out;
    db_bindv(st, "itt", (long long)month, path ? path : "", hi);
    if (sc->tenant)
        db_bind_int(st, 4, sc->tenant);
    while ((rc = db_step(st, e)) == 1) {
        long long id = db_col_int(st, 0);
        const char *category = db_col_text(st, 2);
        const struct base_row *b;
        const struct term_row *t;
        const struct bill_row *x;
        struct pending_bill *p;
        struct dues_term term = {DUES_TERM_NONE, 0, 0};
        int joined = joined_month(db_col_text(st, 4));
        if (id == last || (joined && joined > month))
            continue; /* not a member yet: liable from the month accepted */
        last = id;
        s->liable++;
        b = seek(&bases, &bi, id);
        t = seek(&terms, &ti, id);
        x = seek(&bills, &xi, id);
        if (t)
            term = (struct dues_term){t->kind, t->id, t->amount_fen};
        p = &g.rows[g.n];
        memset(p, 0, sizeof(*p));
        if ((rc = dues_calc(rules, category, b ? b->fen : -1, t ? &term : NULL, &p->c, e)) < 0) {
            errbuf_prefix(e, "member %lld", id);
            break;
        }
        if (p->c.status == DUES_CALC_NO_BASE && json_array_size(s->missing) < MISSING_LISTED)
            json_array_append_new(s->missing,
                                  json_pack("{s:I, s:s, s:s, s:I}", "member_id", (json_int_t)id,
                                            "emp_no", db_col_text(st, 5), "name",
                                            db_col_text(st, 6), "org_id", db_col_int(st, 1)));
        if (x && (!x->no_base || p->c.status == DUES_CALC_NO_BASE))
            continue; /* billed before, and nothing to fill in */
        p->member_id = id;
        p->org_id = db_col_int(st, 1);
        p->base_fen = b ? b->fen : -1;
        p->term_id = t ? t->id : 0;
        snprintf(p->category, sizeof(p->category), "%s", category);
        snprintf(p->party_status, sizeof(p->party_status), "%s", db_col_text(st, 3));
        if (!x) {
            s->created++;
            if ((rc = add_fresh(&g, p, e)) < 0)
                break;
            continue;
        }
        s->filled++;
        if (++g.n == CHUNK && (rc = flush(&g, e)) < 0)
            break;
    }
    db_done(st);
    if (g.fresh) { /* closed before anything reads the month's bills */
        rc = db_bulk_end(g.fresh, rc, e);
        g.fresh = NULL;
    }
    if (rc < 0 || (rc = flush(&g, e)) < 0 || (rc = month_totals(db, month, sc, s, e)) < 0)
        goto out;
    /* the month generated: for everyone (kept in the first tenant), or for one tenant */
    if (!path && (rc = db_run(db, e,
                              "INSERT INTO dues_months(month, generated_at, bills, tenant_id)"
                              " VALUES($1, $2, $3, $4) ON CONFLICT (month, tenant_id) DO UPDATE"
                              " SET generated_at = excluded.generated_at, bills = excluded.bills",
                              "iiii", (long long)month, g.now, s->liable,
                              sc->tenant ? sc->tenant : (long long)TENANT_FIRST)) < 0)
        goto out;
    d = json_pack("{s:i, s:s, s:I, s:I, s:I, s:I}", "month", month, "scope", path ? path : "/",
                  "created", (json_int_t)s->created, "filled", (json_int_t)s->filled,
                  "base_missing", (json_int_t)s->base_missing, "tenant", (json_int_t)sc->tenant);
    /* the row belongs to the organization generated for (the tenant's root for a tenant, none
     * for the whole company) */
    rc = path         ? db_query_int(db, e, &org, "SELECT id FROM orgs WHERE path = $1", "t", path)
         : sc->tenant ? tenant_root_id(db, sc->tenant, &org, e)
                      : 0;
    if (rc >= 0)
        rc = audit_log(db, actor, org, "generate", "dues_month", month, d, e);
    json_decref(d);
out:
    free(bases.v);
    free(terms.v);
    free(bills.v);
    return rc < 0 ? rc : 0;
}

static int gen_month(struct db *db, int month, const struct gen_scope *sc, long long actor,
                     struct dues_gen_stats *stats, struct errbuf *e);

int dues_generate(struct db *db, int month, const char *path, long long actor,
                  struct dues_gen_stats *stats, struct errbuf *e)
{
    struct gen_scope sc = {path, 0};
    return gen_month(db, month, &sc, actor, stats, e);
}

int dues_generate_tenant(struct db *db, int month, long long tenant, long long actor,
                         struct dues_gen_stats *stats, struct errbuf *e)
{
    struct gen_scope sc = {NULL, tenant};
    int rc = tenant_check(db, tenant, e);
    return rc < 0 ? rc : gen_month(db, month, &sc, actor, stats, e);
}

static int gen_month(struct db *db, int month, const struct gen_scope *sc, long long actor,
                     struct dues_gen_stats *stats, struct errbuf *e)
{
    struct dues_rules rules;
    struct dues_gen_stats s;
    int rc;
    memset(&s, 0, sizeof(s));
    pthread_once(&insert_once, build_insert_sql);
    if (!month_valid(month))
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_MONTH, "month", month,
                                "invalid month %d: expected YYYYMM", month);
    if (month > dues_current_month())
        return errbuf_field_int(e, -ERR_INVALID, R_IN_FUTURE, "month", month,
                                "month %d has not begun: dues are billed from their month on (pay "
                                "ahead instead)",
                                month);
    if ((rc = dues_rules_for_month(db, month, &rules, e)) < 0)
        return rc;
    s.rule_version = rules.version;
    s.missing = json_array();
    if ((rc = db_begin(db, e)) < 0)
        goto fail;
    if ((rc = generate(db, month, sc, actor, &s, &rules, e)) < 0) {
        db_rollback(db);
        goto fail;
    }
    if ((rc = db_commit(db, e)) < 0)
        goto fail;
    *stats = s;
    return 0;
fail:
    json_decref(s.missing);
    return rc;
}

