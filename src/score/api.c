/* HTTP handlers of the scoring module: the model and its versions, monthly runs, portraits
 * and leaderboards. Every score a reply carries is read from the stored results of a run;
 * nothing here computes one. */
#include "score/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "base/xlsxwrite.h"
#include "db/db.h"
#include "db/versions.h"
#include "org/audit.h"
#include "org/org.h"
#include "score/model.h"
#include "score/portrait.h"
#include "score/run.h"
#include "org/tenant.h"
#include "base/banned.h"

/* ---- the model */

int api_score_months(struct req *r, struct errbuf *e)
{
    json_t *items = json_array();
    struct db_stmt *st;
    int rc, now = month_of_time((long long)time(NULL));
    if ((rc = db_prepare(r->db,
                         "SELECT month, version, members, events, finished_at, run, reason,"
                         " scope FROM score_runs"
                         " ORDER BY month DESC",
                         &st, e)) < 0)
        goto fail;
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(
            items, json_pack("{s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:s, s:I}", "month",
                             db_col_int(st, 0), "complete", db_col_int(st, 0) < now, "version",
                             db_col_int(st, 1), "members", db_col_int(st, 2), "events",
                             db_col_int(st, 3), "finished_at", db_col_int(st, 4), "run",
                             db_col_int(st, 5), "reason", db_col_text(st, 6), "scope",
                             db_col_int(st, 7)));
    db_done(st);
    if (rc < 0)
        goto fail;
    return req_reply_json(r, 200, json_pack("{s:o}", "items", items));
fail:
    json_decref(items);
    return rc;
}

static int reply_model(struct req *r, int status, long long version, struct errbuf *e)
{
    struct score_model *m;
    int rc = score_model_load(r->db, version, &m, e);
    if (rc < 0)
        return rc;
    rc = req_reply_json(r, status, score_model_json(m));
    score_model_free(m);
    return rc;
}

int api_score_model(struct req *r, struct errbuf *e)
{
    return reply_model(r, 200, 0, e);
}

int api_score_models(struct req *r, struct errbuf *e)
{
    json_t *items = json_array();
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(
             r->db,
             "SELECT version, effective_month, active, note, created_at FROM score_models"
             " ORDER BY version",
             &st, e)) < 0)
        goto fail;
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(
            items, json_pack("{s:I, s:I, s:b, s:s, s:I}", "version", db_col_int(st, 0),
                             "effective_month", db_col_int(st, 1), "active", db_col_int(st, 2) != 0,
                             "note", db_col_text(st, 3), "created_at", db_col_int(st, 4)));
    db_done(st);
    if (rc < 0)
        goto fail;
    return req_reply_json(r, 200, json_pack("{s:o}", "items", items));
fail:
    json_decref(items);
    return rc;
}

/* The {version} path parameter: a positive integer, else 404 like an unknown version. */
static int param_version(struct req *r, long long *ret, struct errbuf *e)
{
    char *end;
    long long v = strtoll(r->nparams ? r->params[0] : "", &end, 10);
    if (!r->nparams || !r->params[0][0] || *end || v <= 0)
        return errbuf_field(e, -ERR_NOTFOUND, R_NOT_FOUND, "version",
                            r->nparams ? r->params[0] : "", "no scoring model version '%s'",
                            r->nparams ? r->params[0] : "");
    *ret = v;
    return 0;
}

int api_score_model_get(struct req *r, struct errbuf *e)
{
    long long version = 0;
    int rc = param_version(r, &version, e);
    return rc < 0 ? rc : reply_model(r, 200, version, e);
}

/* Validate the whole version before anything is written; store it inactive. */
int api_score_model_create(struct req *r, struct errbuf *e)
{
    struct score_model *m = NULL;
    int rc;
    if ((rc = score_model_from_json(r->db, r->json, &m, e)) < 0)
        return rc;
    if ((rc = db_begin(r->db, e)) < 0)
        goto out;
    if ((rc = score_model_create(r->db, m, r->auth.account_id, e)) < 0 ||
        (rc = db_commit(r->db, e)) < 0) {
        db_rollback(r->db);
        goto out;
    }
    rc = req_reply_json(r, 201, score_model_json(m));
out:
    score_model_free(m);
    return rc;
}

int api_score_model_activate(struct req *r, struct errbuf *e)
{
    long long version = 0;
    int rc;
    if ((rc = param_version(r, &version, e)) < 0 || (rc = db_begin(r->db, e)) < 0)
        return rc;
    if ((rc = score_model_activate(r->db, version, r->auth.account_id, e)) < 0 ||
        (rc = db_commit(r->db, e)) < 0) {
        db_rollback(r->db);
        return rc;
    }
    return reply_model(r, 200, version, e);
}

int api_score_run(struct req *r, struct errbuf *e)
{
    struct score_run_stats s;
    long long month = 0;
    json_t *out;
    int rc;
    if ((rc = req_int(r, "month", true, &month, e)) < 0)
        return rc;
    if (month < 0 || month > 999999 || !month_valid((int)month))
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_MONTH, "month", month,
                                "field 'month': invalid month %lld: use YYYYMM", month);
    if ((rc = score_run_month_why(r->db, (int)month, r->auth.account_id, "manual", false, &s, e)) < 0)
        return rc;
    out = json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "month", s.month, "version",
                    (json_int_t)s.version, "members", (json_int_t)s.members, "events",
                    (json_int_t)s.events, "orgs", (json_int_t)s.orgs, "run", (json_int_t)s.run,
                    "changed", (json_int_t)s.changed, "late_events", (json_int_t)s.late);
    json_object_set_new(out, "seconds", json_real(s.seconds));
    return req_reply_json(r, 200, out);
}

/* ---- portraits */

int api_portrait_member(struct req *r, struct errbuf *e)
{
    long long id;
    int month, rc;
    json_t *out;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = portrait_month(r->db, req_query(r, "month"), &month, e)) < 0 ||
        (rc = portrait_member(r->db, &r->auth, id, month, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_portrait_member_annual(struct req *r, struct errbuf *e)
{
    const char *s = req_query(r, "year");
    long long id;
    int year = 0, rc;
    json_t *out;
    if ((rc = req_param_id(r, 0, &id, e)) < 0)
        return rc;
    if (s && *s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (strlen(s) != 4 || *end || v < 1900 || v > 2999)
            return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "year", s,
                                "invalid year '%.40s': use YYYY", s);
        year = (int)v;
    }
    if ((rc = portrait_member_annual(r->db, &r->auth, id, year, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_portrait_org(struct req *r, struct errbuf *e)
{
    long long id;
    int month, rc;
    json_t *out;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = portrait_month(r->db, req_query(r, "month"), &month, e)) < 0 ||
        (rc = portrait_org(r->db, &r->auth, id, month, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

/* ---- leaderboards */

enum { BOARD_BRANCH, BOARD_UNIT, BOARD_COMPANY };

/* One ranking per scope: how many are in it (the stored rollup's count), and a page of it in
 * rank order. Branch and unit take ($1 month, $2 org, $3 limit, $4 offset); the company
 * takes its tenant for $2 (a provincial company ranks its own members only). */
static const struct board {
    const char *scope;
    const char *count_sql;
    const char *items_sql;
} boards[] = {
    [BOARD_BRANCH] = {"branch", "SELECT members FROM org_scores WHERE month = $1 AND org_id = $2",
                      "SELECT ms.rank_branch, ms.member_id, m.name, o.name, ms.idx"
                      " FROM member_scores ms JOIN members m ON m.id = ms.member_id AND m.tenant_id = ms.tenant_id"
                      " JOIN orgs o ON o.id = ms.org_id WHERE ms.month = $1 AND ms.org_id = $2"
                      " ORDER BY ms.rank_branch, ms.member_id LIMIT $3 OFFSET $4"},
    [BOARD_UNIT] = {"unit", "SELECT members FROM org_scores WHERE month = $1 AND org_id = $2",
                    "SELECT ms.rank_unit, ms.member_id, m.name, o.name, ms.idx"
                    " FROM member_scores ms JOIN members m ON m.id = ms.member_id AND m.tenant_id = ms.tenant_id"
                    " JOIN orgs o ON o.id = ms.org_id WHERE ms.month = $1 AND ms.unit_id = $2"
                    " ORDER BY ms.rank_unit, ms.member_id LIMIT $3 OFFSET $4"},
    [BOARD_COMPANY] = {"company",
                       "SELECT COUNT(*) FROM member_scores WHERE month = $1 AND tenant_id = $2",
                       "SELECT ms.rank_company, ms.member_id, m.name, o.name, ms.idx"
                       " FROM member_scores ms JOIN members m ON m.id = ms.member_id AND m.tenant_id = ms.tenant_id"
                       " JOIN orgs o ON o.id = ms.org_id WHERE ms.month = $1 AND ms.tenant_id = $2"
                       " ORDER BY ms.rank_company, ms.member_id LIMIT $3 OFFSET $4"},
};

static const char *const visibilities[] = {"self", "top10", "full"};

/* The ranking setting of the unit committee, else of the root, else 'self'. */
static int visibility_of(struct db *db, long long unit, long long root, const char **ret,
                         struct errbuf *e)
{
    const long long ids[2] = {unit, root};
    *ret = visibilities[0];
    for (int i = 0; i < 2; i++) {
        struct db_stmt *st;
        int rc, found = 0;
        if ((rc = db_prepare(db, "SELECT visibility FROM ranking_settings WHERE org_id = $1", &st,
                             e)) < 0)
            return rc;
        db_bind_int(st, 1, ids[i]);
        if ((rc = db_step(st, e)) == 1)
            for (size_t k = 0; k < sizeof(visibilities) / sizeof(visibilities[0]); k++)
                if (strcmp(db_col_text(st, 0), visibilities[k]) == 0) {
                    *ret = visibilities[k];
                    found = 1;
                }
        db_done(st);
        if (rc < 0)
            return rc;
        if (found)
            return 0;
    }
    return 0;
}

/* The caller's own rank in the board, or null when not scored in it. */
static int me_json(struct db *db, long long member_id, int month, int b, long long org_id,
                   long long total, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    *ret = json_null();
    if (!member_id)
        return 0;
    if ((rc = db_prepare(
             db,
             "SELECT org_id, unit_id, rank_branch, rank_unit, rank_company, pct_branch,"
             " pct_unit, pct_company FROM member_scores WHERE month = $1 AND member_id = $2",
             &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", (long long)month, member_id);
    if ((rc = db_step(st, e)) == 1 &&
        (b == BOARD_COMPANY || db_col_int(st, b == BOARD_BRANCH ? 0 : 1) == org_id)) {
        json_decref(*ret);
        *ret = json_pack("{s:I, s:I}", "rank", db_col_int(st, 2 + b), "of", total);
        json_object_set_new(*ret, "percentile", json_real(db_col_double(st, 5 + b)));
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

static int board_items(struct db *db, int b, int month, long long org_id, long long limit,
                       long long offset, json_t **ret, struct errbuf *e)
{
    json_t *items = json_array();
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db, boards[b].items_sql, &st, e)) < 0) {
        json_decref(items);
        return rc;
    }
    db_bindv(st, "iiii", (long long)month, org_id, limit, offset);
    while ((rc = db_step(st, e)) == 1) {
        json_t *it = json_pack("{s:I, s:I, s:s, s:s}", "rank", db_col_int(st, 0), "member_id",
                               db_col_int(st, 1), "name", db_col_text(st, 2), "org_name",
                               db_col_text(st, 3));
        json_object_set_new(it, "index", json_real(db_col_double(st, 4)));
        json_array_append_new(items, it);
    }
    db_done(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *ret = items;
    return 0;
}

/* Is org (kind, depth) what scope b ranks within? */
static int check_scope_org(int b, long long id, const char *kind, long long depth, struct errbuf *e)
{
    if (b == BOARD_BRANCH && strcmp(kind, "branch") != 0)
        return errbuf_field(e, -ERR_INVALID, R_WRONG_ORG_KIND, "org_id", kind,
                            "organization %lld is a %s, not a branch", id, kind);
    if (b == BOARD_UNIT && (strcmp(kind, "committee") != 0 || depth > 1))
        return errbuf_field_int(e, -ERR_INVALID, R_WRONG_ORG_KIND, "org_id", id,
                                "organization %lld is not a unit committee", id);
    if (b == BOARD_COMPANY && depth != 0)
        return errbuf_field_int(
            e, -ERR_INVALID, R_WRONG_ORG_KIND, "org_id", id,
            "scope 'company' ranks the whole company: organization %lld is not its root (the "
            "root of a tenant)",
            id);
    return 0;
}

/* An organization's kind, depth below the root of its tenant (0 for a provincial company
 * under a national root, as for the root of a single-company tree), path and tenant. The
 * tenant's root is its shallowest organization (orgs is a reference table: one node answers). */
#define ORG_IN_TENANT_SQL                                                                          \
    "SELECT o.kind, o.depth - (SELECT MIN(t.depth) FROM orgs t WHERE t.tenant_id = o.tenant_id),"  \
    " o.path, o.tenant_id FROM orgs o WHERE o.id = $1"

/* The caller's company: the root of the tenant of their branch (home, a member's), else of
 * their first role's organization. */
static int own_company(struct req *r, long long home, long long *ret, struct errbuf *e)
{
    if (!home)
        home = auth_home_org(&r->auth, ROLE_ANY);
    return home ? tenant_root_of(r->db, home, ret, e) : org_find_code_or_root(r->db, NULL, ret, e);
}

/* The leaderboard as an .xlsx (排行榜): what the caller may see of it, as in the JSON. */
static const struct xlsx_col board_cols[] = {
    {"名次", "rank", 'i', 8, NULL},
    {"姓名", "name", 's', 12, NULL},
    {"所在组织", "org_name", 's', 28, NULL},
    {"先锋指数", "index", 'n', 12, NULL},
};

int api_leaderboard(struct req *r, struct errbuf *e)
{
    const char *scope = req_query(r, "scope"), *vis = "full";
    struct portrait_home h;
    long long org_id = 0, root = 0, page, size, total = 0, depth = 0, tenant = 0;
    char kind[32] = "", path[ORG_PATH_MAX] = "";
    json_t *items = NULL, *me = NULL, *run = NULL;
    struct db_stmt *st;
    bool xlsx;
    int b = BOARD_BRANCH, month, rc;
    if (scope && *scope) {
        for (b = 0; b < (int)(sizeof(boards) / sizeof(boards[0])); b++)
            if (strcmp(scope, boards[b].scope) == 0)
                break;
        if (b == (int)(sizeof(boards) / sizeof(boards[0])))
            return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "scope", scope,
                                "query parameter 'scope': use branch, unit or company, not '%.40s'",
                                scope);
    }
    if ((rc = req_format(r, &xlsx, e)) < 0 ||
        (rc = portrait_month(r->db, req_query(r, "month"), &month, e)) < 0 ||
        (rc = req_query_int(r, "page", 1, 1, 1000000, &page, e)) < 0 ||
        (rc = req_query_int(r, "page_size", 20, 1, 100, &size, e)) < 0 ||
        (rc = req_query_int(r, "org_id", 0, 1, (long long)1 << 62, &org_id, e)) < 0 ||
        (rc = portrait_home(r->db, &r->auth, month, &h, e)) < 0 ||
        (rc = own_company(r, h.org_id, &root, e)) < 0)
        return rc;
    if (!org_id)
        org_id = b == BOARD_COMPANY ? root : b == BOARD_BRANCH ? h.org_id : h.unit_id;
    if (!org_id)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "org_id", NULL,
                            "query parameter 'org_id' is required: you have no %s of your own",
                            boards[b].scope);
    if ((rc = db_prepare(r->db, ORG_IN_TENANT_SQL, &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, org_id);
    if ((rc = db_step(st, e)) == 1) {
        snprintf(kind, sizeof(kind), "%s", db_col_text(st, 0));
        depth = db_col_int(st, 1);
        snprintf(path, sizeof(path), "%s", db_col_text(st, 2));
        tenant = db_col_int(st, 3);
    }
    db_done(st);
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", org_id,
                                "organization %lld not found", org_id);
    if (rc < 0 || (rc = check_scope_org(b, org_id, kind, depth, e)) < 0)
        return rc;
    /* staff see the list of what they cover; a member only their own branch, unit or the
     * company, as far as the committee's ranking setting allows */
    if (!auth_covers(&r->auth, PORTRAIT_STAFF, path)) {
        if (!h.member_id || (b == BOARD_BRANCH && org_id != h.org_id) ||
            (b == BOARD_UNIT && org_id != h.unit_id) || (b == BOARD_COMPANY && org_id != root))
            return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "org_id", org_id,
                                    "the %s ranking of organization %lld is outside your scope",
                                    boards[b].scope, org_id);
        if ((rc = visibility_of(r->db, h.unit_id, root, &vis, e)) < 0)
            return rc;
    }
    if (xlsx) /* the whole board (still as far as the caller may see it) */
        page = 1, size = XLSX_EXPORT_MAX_ROWS;
    if (strcmp(vis, "top10") == 0)
        page = 1, size = 10;
    if (b == BOARD_COMPANY) /* the company's ranking is its tenant's */
        rc = db_query_int(r->db, e, &total, boards[b].count_sql, "ii", (long long)month,
                          tenant);
    else if (b == BOARD_UNIT && depth == 0) /* the root as a unit: its rollup is everyone */
        rc = db_query_int(r->db, e, &total,
                          "SELECT COUNT(*) FROM member_scores WHERE month = $1 AND unit_id = $2",
                          "ii", (long long)month, org_id);
    else
        rc = db_query_int(r->db, e, &total, boards[b].count_sql, "ii", (long long)month, org_id);
    if (rc < 0 || (rc = portrait_run_of_org(r->db, month, org_id, &run, e)) < 0)
        return rc;
    if ((rc = me_json(r->db, h.member_id, month, b, org_id, total, &me, e)) < 0) {
        json_decref(run);
        return rc;
    }
    if (strcmp(vis, "self") == 0)
        items = json_array();
    else if ((rc = board_items(r->db, b, month, b == BOARD_COMPANY ? tenant : org_id, size,
                               (page - 1) * size, &items, e)) < 0) {
        json_decref(me);
        json_decref(run);
        return rc;
    }
    /* run: which run of the month the ranking shows (第2次计算) */
    return req_reply_list(r, xlsx,
                          json_pack("{s:s, s:I, s:i, s:o, s:s, s:I, s:I, s:I, s:o, s:o}", "scope",
                                    boards[b].scope, "org_id", org_id, "month", month, "run", run,
                                    "visibility", vis, "total", total, "page", page, "page_size",
                                    size, "items", items, "me", me),
                          "排行榜", board_cols, sizeof(board_cols) / sizeof(board_cols[0]), e);
}

/* ---- the ranking setting of a committee (SCORING.md: "Rankings are a setting") */

/* A unit committee or the root, inside a role in mask: its depth; errors otherwise. */
static int ranking_org(struct req *r, int mask, long long *ret_id, long long *ret_root,
                       struct errbuf *e)
{
    char kind[32] = "";
    long long id, depth = -1;
    struct db_stmt *st;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = auth_check_org(r->db, &r->auth, mask, id, NULL, e)) < 0 ||
        (rc = tenant_root_of(r->db, id, ret_root, e)) < 0 ||
        (rc = db_prepare(r->db, ORG_IN_TENANT_SQL, &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        snprintf(kind, sizeof(kind), "%s", db_col_text(st, 0));
        depth = db_col_int(st, 1);
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (strcmp(kind, "committee") != 0 || depth > 1)
        return errbuf_field_int(e, -ERR_INVALID, R_WRONG_ORG_KIND, "org_id", id,
                                "organization %lld is not the company or a unit committee: rankings"
                                " are set per committee",
                                id);
    *ret_id = id;
    return 0;
}

static int reply_ranking(struct req *r, long long id, long long root, struct errbuf *e)
{
    const char *eff;
    long long own = 0;
    int rc = db_query_int(r->db, e, &own, "SELECT COUNT(*) FROM ranking_settings WHERE org_id = $1",
                          "i", id);
    if (rc < 0 || (rc = visibility_of(r->db, id, root, &eff, e)) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:I, s:s, s:b}", "org_id", (json_int_t)id,
                                            "visibility", eff, "inherited", own == 0));
}

int api_ranking_get(struct req *r, struct errbuf *e)
{
    long long id, root;
    int rc = ranking_org(r, ROLE_STAFF, &id, &root, e);
    return rc < 0 ? rc : reply_ranking(r, id, root, e);
}

int api_ranking_set(struct req *r, struct errbuf *e)
{
    long long tenant;
    const char *vis = NULL, *was;
    long long id, root;
    size_t k;
    json_t *d;
    int rc;
    if ((rc = ranking_org(r, ROLE_ORG_ADMIN, &id, &root, e)) < 0 ||
        (rc = req_str(r, "visibility", true, 10, &vis, e)) < 0)
        return rc;
    for (k = 0; k < sizeof(visibilities) / sizeof(visibilities[0]); k++)
        if (strcmp(vis, visibilities[k]) == 0)
            break;
    if (k == sizeof(visibilities) / sizeof(visibilities[0]))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "visibility", vis,
                            "field 'visibility': use self, top10 or full, not '%.20s'", vis);
    /* the cached leaderboards were built under the old setting: bump 'scores' with it */
    d = json_object();
    if ((rc = db_begin(r->db, e)) < 0)
        goto out;
    if ((rc = visibility_of(r->db, id, root, &was, e)) < 0) {
        db_rollback(r->db);
        goto out;
    }
    audit_change(d, "visibility", json_string(was), json_string(vis));
    if ((rc = tenant_of_org(r->db, id, &tenant, e)) < 0 ||
        (rc = db_run(r->db, e,
                     "INSERT INTO ranking_settings(org_id, visibility, tenant_id) VALUES($1, $2, $3)"
                     " ON CONFLICT (org_id, tenant_id) DO UPDATE SET visibility = excluded.visibility",
                     "iti", id, vis, tenant)) < 0 ||
        (rc = version_bump(r->db, TOPIC_SCORES, e)) < 0 ||
        (rc = audit_log(r->db, r->auth.account_id, id, "set_ranking", "org", id, d, e)) < 0 ||
        (rc = db_commit(r->db, e)) < 0) {
        db_rollback(r->db);
        goto out;
    }
    rc = reply_ranking(r, id, root, e);
out:
    json_decref(d);
    return rc;
}
