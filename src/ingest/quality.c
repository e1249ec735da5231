/* The data-quality view per source × organization × month (quality.h). */
#include "ingest/quality.h"

#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "ingest/quality_impl.h"
#include "org/scope.h"
#include "org/tenant.h"
#include "base/banned.h"

/* Per organization of the covered subtree that has active members (within org_path when
 * given): expected members, events received, late ones, members with data. A subtree in one
 * tenant names it, so that Citus reads that tenant's shards of members and events alone. */
static int org_rows(struct db *db, long long source_id, int month, long long deadline,
                    const char *org_path, json_t *out, long long *ret_missing,
                    struct errbuf *e)
{
#define ORG_ROWS(tenant)                                                                           \
    "SELECT o.id, o.code, o.name, mc.n, COALESCE(ev.n, 0), COALESCE(ev.late, 0),"                  \
    " COALESCE(ev.members, 0)"                                                                     \
    " FROM source_expectations x JOIN orgs c ON c.id = x.org_id"                                   \
    " JOIN orgs o ON substr(o.path, 1, length(c.path)) = c.path"                                   \
    /* the organizations with active members, and how many: a grouped subquery, not a          \
     * correlated one (Citus runs none under a reference table) */                              \
    " JOIN (SELECT org_id, COUNT(*) AS n FROM members WHERE status = 'active'" tenant            \
    " GROUP BY org_id) mc ON mc.org_id = o.id"                                                     \
    /* the source's month counted per organization in one pass (events_source_month) */       \
    " LEFT JOIN (SELECT org_id, COUNT(*) AS n,"                                                    \
    " SUM(CASE WHEN created_at > $3 THEN 1 ELSE 0 END) AS late,"                                   \
    " COUNT(DISTINCT member_id) AS members FROM events"                                            \
    " WHERE source_id = $1 AND month = $2" tenant " AND indicator_id IN (SELECT indicator_id"     \
    " FROM source_expected_indicators WHERE source_id = $1) GROUP BY org_id) ev"                   \
    " ON ev.org_id = o.id"                                                                         \
    " WHERE x.source_id = $1 AND o.path >= $4 AND o.path < $5 ORDER BY o.path"
    char hi[ORG_PATH_MAX];
    struct db_stmt *st;
    long long tenant = 0;
    int rc;
    scope_bounds(org_path ? org_path : "/", hi, sizeof(hi));
    if ((org_path && (rc = tenant_of_subtree(db, org_path, &tenant, e)) < 0) ||
        (rc = db_prepare(db, tenant ? ORG_ROWS(" AND tenant_id = $6") : ORG_ROWS(""), &st, e)) <
            0)
        return rc;
#undef ORG_ROWS
    db_bindv(st, "iiitt", source_id, (long long)month, deadline, org_path ? org_path : "/", hi);
    if (tenant)
        db_bind_int(st, 6, tenant);
    *ret_missing = 0;
    while ((rc = db_step(st, e)) == 1) {
        long long received = db_col_int(st, 4);
        if (!received)
            ++*ret_missing;
        json_array_append_new(
            out, json_pack("{s:{s:I, s:s, s:s}, s:I, s:I, s:I, s:I, s:b}", "org", "id",
                           (json_int_t)db_col_int(st, 0), "code", db_col_text(st, 1), "name",
                           db_col_text(st, 2), "expected", (json_int_t)db_col_int(st, 3),
                           "received", (json_int_t)received, "late",
                           (json_int_t)db_col_int(st, 5), "members_with_data",
                           (json_int_t)db_col_int(st, 6), "has_data", received > 0));
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* The source's rows quarantined for month: {total, reasons: {code: count}}. */
static int rejected_json(struct db *db, long long source_id, int month, json_t **ret,
                         struct errbuf *e)
{
    struct db_stmt *st;
    json_t *reasons = json_object();
    long long total = 0;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT reason, COUNT(*) FROM quarantine WHERE source_id = $1 AND"
                         " month = $2 GROUP BY reason ORDER BY reason",
                         &st, e)) < 0) {
        json_decref(reasons);
        return rc;
    }
    db_bindv(st, "ii", source_id, (long long)month);
    while ((rc = db_step(st, e)) == 1) {
        total += db_col_int(st, 1);
        json_object_set_new(reasons, db_col_text(st, 0), json_integer(db_col_int(st, 1)));
    }
    db_done(st);
    if (rc < 0) {
        json_decref(reasons);
        return rc;
    }
    *ret = json_pack("{s:I, s:o}", "total", (json_int_t)total, "reasons", reasons);
    return 0;
}

/* One source's entry of the view. */
static int source_json(struct db *db, long long source_id, int day, long long since, int month,
                       const char *org_path, bool all_orgs, json_t **ret, struct errbuf *e)
{
    long long last = 0, missing = 0, all_missing = 0, now = (long long)time(NULL),
              deadline = quality_deadline(month, day);
    json_t *o = NULL, *orgs = json_array(), *rejected = NULL;
    char due[16];
    int rc, complete;
    if ((rc = quality_expect_get(db, source_id, &o, e)) < 0)
        goto fail;
    if ((rc = quality_last_activity(db, source_id, &last, e)) < 0 ||
        (rc = org_rows(db, source_id, month, deadline, org_path, orgs, &missing, e)) < 0 ||
        (rc = complete = quality_source_complete(db, source_id, day, month, &all_missing, e)) < 0)
        goto fail;
    if (all_orgs && (rc = rejected_json(db, source_id, month, &rejected, e)) < 0)
        goto fail;
    date_format(month_add(month, 1) * 100 + day, due, sizeof(due));
    json_object_set_new(o, "complete_by", json_string(due));
    json_object_set_new(o, "complete", json_boolean(complete));
    json_object_set_new(o, "orgs_missing", json_integer(all_missing));
    json_object_set_new(o, "last_ok_at", last ? json_integer(last) : json_null());
    json_object_set_new(o, "lag_seconds", last ? json_integer(now - last) : json_null());
    /* as the quiet check counts: silence since the last sign of life or the declaration */
    json_object_set_new(o, "quiet", json_boolean(now - (last > since ? last : since) >
                                                  QUALITY_QUIET_SECONDS(day)));
    json_object_set_new(o, "rejected", rejected ? rejected : json_null());
    json_object_set_new(o, "orgs", orgs);
    *ret = o;
    return 0;
fail:
    json_decref(o);
    json_decref(orgs);
    return rc;
}

int quality_view(struct db *db, int month, long long source_id, const char *org_path,
                 bool all_orgs, json_t **ret, struct errbuf *e)
{
    struct quality_decl *d = NULL;
    struct db_stmt *st;
    json_t *sources = json_array(), *release = json_null();
    char why[256];
    size_t n = 0;
    int rc, ready;
    if ((rc = quality_decls(db, source_id, &d, &n, e)) < 0)
        goto out;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        json_t *one;
        if ((rc = source_json(db, d[i].id, (int)d[i].day, d[i].since, month, org_path, all_orgs,
                              &one, e)) >= 0)
            json_array_append_new(sources, one);
    }
    if (rc < 0 || (rc = db_prepare(db,
                                   "SELECT r.reason, r.released_at, a.login FROM month_releases r"
                                   " LEFT JOIN accounts a ON a.id = r.account_id AND a.tenant_id = r.tenant_id WHERE r.month = $1",
                                   &st, e)) < 0)
        goto out;
    db_bind_int(st, 1, month);
    if ((rc = db_step(st, e)) == 1) {
        json_decref(release);
        release = json_pack("{s:s, s:I, s:s?}", "reason", db_col_text(st, 0), "at",
                            (json_int_t)db_col_int(st, 1), "by",
                            db_col_null(st, 2) ? NULL : db_col_text(st, 2));
    }
    db_done(st);
    if (rc < 0 || (rc = ready = quality_month_ready(db, month, why, sizeof(why), e)) < 0)
        goto out;
    *ret = json_pack("{s:i, s:b, s:O, s:O}", "month", month, "ready", ready, "released",
                     release, "sources", sources);
    rc = 0;
out:
    quality_decls_free(d, n);
    json_decref(sources);
    json_decref(release);
    return rc;
}
