/* 支部画像 and 党委画像: an organization's month over its whole subtree. Staff covering the
 * organization see everything; a member whose branch lies in the subtree sees the averages,
 * never another member's detail (a branch's top and bottom members are left out). Every read
 * of scores names the organization's tenant (one shard on Citus); only a committee with
 * provincial companies under it (the national root) reads its children across tenants. */
#include "score/portrait.h"

#include <stdio.h>
#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "org/tenant.h"
#include "score/model.h"
#include "base/banned.h"

/* Members listed at each end of a branch portrait. */
#define ENDS 5

struct orow {
    long long id, tenant;
    char kind[32];
    char path[ORG_PATH_MAX];
    json_t *org; /* {id, code, name, kind, parent_id} */
};

static int org_load(struct db *db, long long id, struct orow *o, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    memset(o, 0, sizeof(*o));
    if ((rc = db_prepare(db, "SELECT code, name, kind, path, parent_id FROM orgs WHERE id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        o->id = id;
        snprintf(o->kind, sizeof(o->kind), "%s", db_col_text(st, 2));
        snprintf(o->path, sizeof(o->path), "%s", db_col_text(st, 3));
        o->org = json_pack("{s:I, s:s, s:s, s:s}", "id", id, "code", db_col_text(st, 0), "name",
                           db_col_text(st, 1), "kind", o->kind);
        json_object_set_new(o->org, "parent_id",
                            db_col_null(st, 4) ? json_null() : json_integer(db_col_int(st, 4)));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", id,
                                "organization %lld not found", id);
    return tenant_of_org(db, id, &o->tenant, e);
}

static int under(const char *path, const char *top)
{
    return path[0] && strncmp(path, top, strlen(top)) == 0;
}

/* 1: everything, 0: averages only, or -ERR_FORBIDDEN. */
static int access_level(struct db *db, const struct auth *a, const struct orow *o, int month,
                        struct errbuf *e)
{
    struct portrait_home h;
    int rc;
    if (auth_covers(a, PORTRAIT_STAFF, o->path))
        return 1;
    if ((rc = portrait_home(db, a, month, &h, e)) < 0)
        return rc;
    if (h.member_id && (under(h.path, o->path) || under(h.now_path, o->path)))
        return 0;
    return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "org_id", o->id,
                            "organization %lld is outside your scope", o->id);
}

/* The common part: members, index, dims, hist, participation of the month. */
static int rollup(struct db *db, const struct orow *o, int month, json_t *out, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *hist = NULL, *part = NULL;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT members, politics, theory, discipline, performance, honours, idx,"
                         " hist, participation FROM org_scores WHERE month = $1 AND org_id = $2"
                         " AND tenant_id = $3",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "iii", (long long)month, o->id, o->tenant);
    if ((rc = db_step(st, e)) == 1 &&
        (rc = portrait_json_column(db_col_text(st, 7), &hist, e)) == 0 &&
        (rc = portrait_json_column(db_col_text(st, 8), &part, e)) == 0) {
        json_t *dims = json_object();
        for (int d = 0; d < DIM_COUNT; d++) {
            json_t *x = json_pack("{s:s}", "label", dim_label(d));
            json_object_set_new(x, "avg", json_real(db_col_double(st, 1 + d)));
            json_object_set_new(dims, dim_name(d), x);
        }
        json_object_set_new(out, "members", json_integer(db_col_int(st, 0)));
        json_object_set_new(out, "index", json_real(db_col_double(st, 6)));
        json_object_set_new(out, "dims", dims);
        json_object_set_new(out, "hist", hist);
        json_object_set_new(out, "participation", part);
        rc = 1;
    }
    db_done(st);
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_SCORED, "month", month,
                                "organization %lld has no scored members in %d", o->id, month);
    return rc < 0 ? rc : 0;
}

/* ENDS members from one end of the branch's ranking. */
static int ends(struct db *db, const char *sql, const struct orow *o, int month, json_t **ret,
                struct errbuf *e)
{
    json_t *list = json_array();
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db, sql, &st, e)) < 0) {
        json_decref(list);
        return rc;
    }
    db_bindv(st, "iiii", (long long)month, o->id, (long long)ENDS, o->tenant);
    while ((rc = db_step(st, e)) == 1) {
        json_t *m = json_pack("{s:I, s:s, s:I}", "member_id", db_col_int(st, 0), "name",
                              db_col_text(st, 1), "rank", db_col_int(st, 3));
        json_object_set_new(m, "index", json_real(db_col_double(st, 2)));
        json_array_append_new(list, m);
    }
    db_done(st);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *ret = list;
    return 0;
}

#define ORG_LINE_SQL                                                                               \
    "SELECT month, idx FROM org_scores WHERE org_id = $1 AND month >= $2 AND month <= $3"         \
    " AND tenant_id = $4"

static int branch_parts(struct db *db, const struct orow *o, int month, int full, json_t *out,
                        struct errbuf *e)
{
    json_t *top = NULL, *bottom = NULL, *bline = NULL, *cline = NULL;
    long long unit = 0;
    int rc;
    if (full &&
        ((rc = ends(db,
                    "SELECT ms.member_id, m.name, ms.idx, ms.rank_branch FROM member_scores ms"
                    " JOIN members m ON m.id = ms.member_id AND m.tenant_id = ms.tenant_id"
                    " WHERE ms.month = $1 AND ms.org_id = $2 AND ms.tenant_id = $4"
                    " ORDER BY ms.rank_branch, ms.member_id LIMIT $3",
                    o, month, &top, e)) < 0 ||
         (rc = ends(db,
                    "SELECT ms.member_id, m.name, ms.idx, ms.rank_branch FROM member_scores ms"
                    " JOIN members m ON m.id = ms.member_id AND m.tenant_id = ms.tenant_id"
                    " WHERE ms.month = $1 AND ms.org_id = $2 AND ms.tenant_id = $4"
                    " ORDER BY ms.rank_branch DESC, ms.member_id LIMIT $3",
                    o, month, &bottom, e)) < 0))
        goto fail;
    /* the unit committee the branch's members were ranked in that month */
    if ((rc = db_query_int(db, e, &unit,
                           "SELECT unit_id FROM member_scores WHERE month = $1 AND org_id = $2"
                           " AND tenant_id = $3 LIMIT 1",
                           "iii", (long long)month, o->id, o->tenant)) < 0 ||
        (rc = portrait_line(db, ORG_LINE_SQL, o->id, o->tenant, month, &bline, e)) < 0 ||
        (rc = portrait_line(db, ORG_LINE_SQL, unit, o->tenant, month, &cline, e)) < 0)
        goto fail;
    if (full) {
        json_object_set_new(out, "top", top);
        json_object_set_new(out, "bottom", bottom);
    }
    json_object_set_new(out, "line",
                        json_pack("{s:o, s:o, s:o}", "months",
                                  portrait_months(month, PORTRAIT_LINE), "branch", bline,
                                  "committee", cline));
    return 0;
fail:
    json_decref(top);
    json_decref(bottom);
    json_decref(bline);
    return rc;
}

/* Direct sub-organizations with scores this month (the heatmap), their trends and the
 * organization's own line. */
static int committee_parts(struct db *db, const struct orow *o, int month, json_t *out,
                           struct errbuf *e)
{
    json_t *children = json_array(), *series = json_array(), *line = NULL;
    int first = month_add(month, -(PORTRAIT_LINE - 1));
    /* [1]: the children are all in the organization's tenant ($3); [0]: some are provincial
     * companies, each in a tenant of its own */
    static const char *const children_sql[2] = {
        "SELECT o.id, o.code, o.name, o.kind, os.members, os.idx, os.politics, os.theory,"
        " os.discipline, os.performance, os.honours FROM orgs o JOIN org_scores os"
        " ON os.org_id = o.id AND os.month = $1 AND os.tenant_id = o.tenant_id"
        " WHERE o.parent_id = $2 AND $3 > 0 ORDER BY o.code",
        "SELECT o.id, o.code, o.name, o.kind, os.members, os.idx, os.politics, os.theory,"
        " os.discipline, os.performance, os.honours FROM orgs o JOIN org_scores os"
        " ON os.org_id = o.id AND os.month = $1 AND os.tenant_id = $3"
        " WHERE o.parent_id = $2 ORDER BY o.code",
    };
    static const char *const trends_sql[2] = {
        "SELECT os.org_id, os.month, os.idx FROM org_scores os JOIN orgs o ON o.id = os.org_id"
        " AND o.tenant_id = os.tenant_id WHERE o.parent_id = $1 AND os.month >= $2"
        " AND os.month <= $3 AND $4 > 0",
        "SELECT os.org_id, os.month, os.idx FROM org_scores os JOIN orgs o ON o.id = os.org_id"
        " WHERE o.parent_id = $1 AND os.month >= $2 AND os.month <= $3 AND os.tenant_id = $4",
    };
    long long foreign = 0;
    struct db_stmt *st;
    int rc, own;
    if ((rc = db_query_int(db, e, &foreign,
                           "SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND tenant_id <> $2",
                           "ii", o->id, o->tenant)) < 0)
        goto fail;
    own = foreign == 0;
    if ((rc = db_prepare(db, children_sql[own], &st, e)) < 0)
        goto fail;
    db_bindv(st, "iii", (long long)month, o->id, o->tenant);
    while ((rc = db_step(st, e)) == 1) {
        json_t *c = json_pack("{s:I, s:s, s:s, s:s, s:I}", "org_id", db_col_int(st, 0), "code",
                              db_col_text(st, 1), "name", db_col_text(st, 2), "kind",
                              db_col_text(st, 3), "members", db_col_int(st, 4));
        json_t *dims = json_object(), *idx = json_array();
        json_object_set_new(c, "index", json_real(db_col_double(st, 5)));
        for (int d = 0; d < DIM_COUNT; d++)
            json_object_set_new(dims, dim_name(d), json_real(db_col_double(st, 6 + d)));
        json_object_set_new(c, "dims", dims);
        json_array_append_new(children, c);
        for (int i = 0; i < PORTRAIT_LINE; i++)
            json_array_append_new(idx, json_null());
        json_array_append_new(series, json_pack("{s:I, s:s, s:o}", "org_id", db_col_int(st, 0),
                                                "name", db_col_text(st, 2), "index", idx));
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    if ((rc = db_prepare(db, trends_sql[own], &st, e)) < 0)
        goto fail;
    db_bindv(st, "iiii", o->id, (long long)first, (long long)month, o->tenant);
    while ((rc = db_step(st, e)) == 1) {
        long long id = db_col_int(st, 0);
        int at = month_diff((int)db_col_int(st, 1), first);
        size_t i;
        json_t *s;
        json_array_foreach(series, i, s)
        {
            if (json_integer_value(json_object_get(s, "org_id")) == id && at >= 0 &&
                at < PORTRAIT_LINE)
                json_array_set_new(json_object_get(s, "index"), (size_t)at,
                                   json_real(db_col_double(st, 2)));
        }
    }
    db_done(st);
    if (rc < 0 || (rc = portrait_line(db, ORG_LINE_SQL, o->id, o->tenant, month, &line, e)) < 0)
        goto fail;
    json_object_set_new(out, "children", children);
    json_object_set_new(
        out, "trends",
        json_pack("{s:o, s:o}", "months", portrait_months(month, PORTRAIT_LINE), "series", series));
    json_object_set_new(
        out, "line",
        json_pack("{s:o, s:o}", "months", portrait_months(month, PORTRAIT_LINE), "org", line));
    return 0;
fail:
    json_decref(children);
    json_decref(series);
    return rc;
}

int portrait_org(struct db *db, const struct auth *a, long long org_id, int month, json_t **ret,
                 struct errbuf *e)
{
    struct orow o;
    json_t *out = NULL, *run = NULL;
    int rc, full;
    if ((rc = org_load(db, org_id, &o, e)) < 0)
        return rc;
    if (strcmp(o.kind, "group") == 0) {
        rc = errbuf_field(e, -ERR_INVALID, R_WRONG_ORG_KIND, "org_id", "group",
                          "organization %lld is a party group: groups have no portrait, ask for"
                          " its branch",
                          org_id);
        goto out;
    }
    if ((rc = full = access_level(db, a, &o, month, e)) < 0)
        goto out;
    if ((rc = portrait_run_of_org(db, month, org_id, &run, e)) < 0)
        goto out;
    /* run: the month's run the portrait shows */
    out = json_pack("{s:O, s:s, s:i, s:o}", "org", o.org, "kind", o.kind, "month", month, "run", run);
    if ((rc = rollup(db, &o, month, out, e)) < 0 ||
        (rc = strcmp(o.kind, "branch") == 0 ? branch_parts(db, &o, month, full, out, e)
                                            : committee_parts(db, &o, month, out, e)) < 0)
        goto out;
    *ret = out;
    out = NULL;
out:
    json_decref(out);
    json_decref(o.org);
    return rc < 0 ? rc : 0;
}
