/* Completeness declarations, month releases, the jobs' gate and quiet sources (quality.h). */
#include "ingest/quality.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/month.h"
#include "db/db.h"
#include "ingest/quality_impl.h"
#include "org/audit.h"
#include "org/scope.h"
#include "plan/plan.h"
#include "base/banned.h"

#define MAX_INDICATORS 50

long long quality_deadline(int month, int complete_day)
{
    return time_of_date(month_add(month, 1) * 100 + complete_day);
}

int quality_last_activity(struct db *db, long long source_id, long long *ret, struct errbuf *e)
{
    long long pulled = 0, received = 0;
    int rc;
    if ((rc = db_query_int(db, e, &pulled,
                           "SELECT COALESCE(MAX(last_ok_at), 0) FROM feeds WHERE source_id = $1",
                           "i", source_id)) < 0 ||
        (rc = db_query_int(db, e, &received,
                           "SELECT at FROM audit WHERE entity = 'source' AND entity_id = $1"
                           " AND action = 'ingest' ORDER BY at DESC LIMIT 1",
                           "i", source_id)) < 0)
        return rc;
    *ret = pulled > received ? pulled : received;
    return 0;
}

/* The organization a declaration covers: org_id, or the root for 0; a 400 for one that
 * does not exist (it is a field of the declaration, not the path). */
static int covered_org(struct db *db, long long org_id, long long *ret, struct errbuf *e)
{
    long long found = 0;
    int rc;
    if (org_id == 0)
        rc = db_query_int(db, e, &found,
                          "SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1", "");
    else
        rc = db_query_int(db, e, &found, "SELECT id FROM orgs WHERE id = $1", "i", org_id);
    if (rc < 0)
        return rc;
    if (!found)
        return errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", org_id,
                                "organization %lld not found", org_id);
    *ret = found;
    return 0;
}

/* Check the indicator codes; their ids go to ids (MAX_INDICATORS slots). */
static int check_indicators(struct db *db, const json_t *a, long long *ids, size_t *ret_n,
                            struct errbuf *e)
{
    size_t i, n;
    if (!a)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "indicators", NULL,
                            "field 'indicators' is required");
    if (!json_is_array(a))
        return errbuf_field(e, -ERR_INVALID, R_NOT_ARRAY, "indicators", NULL,
                            "field 'indicators' must be an array of indicator codes");
    if ((n = json_array_size(a)) == 0)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "indicators", NULL,
                            "field 'indicators' must name at least one indicator");
    if (n > MAX_INDICATORS) {
        errbuf_field(e, -ERR_INVALID, R_TOO_MANY, "indicators", NULL,
                     "at most %d indicators", MAX_INDICATORS);
        return errbuf_limit(e, MAX_INDICATORS);
    }
    for (i = 0; i < n; i++) {
        const char *code = json_string_value(json_array_get(a, i));
        long long id = 0;
        int rc;
        if (!code) {
            errbuf_field(e, -ERR_INVALID, R_NOT_STRING, "indicators", NULL,
                         "indicators[%zu] must be a string", i);
            return errbuf_index(e, (long long)i);
        }
        if ((rc = db_query_int(db, e, &id, "SELECT id FROM indicators WHERE code = $1", "t",
                               code)) < 0)
            return rc;
        if (!id) {
            errbuf_field(e, -ERR_INVALID, R_UNKNOWN_INDICATOR, "indicators", code,
                         "unknown indicator '%s'", code);
            return errbuf_index(e, (long long)i);
        }
        ids[i] = id;
    }
    *ret_n = n;
    return 0;
}

int quality_expect_set(struct db *db, long long source_id, const struct quality_expect *x,
                       long long actor, struct errbuf *e)
{
    long long ids[MAX_INDICATORS], org = 0, exists = 0, now = (long long)time(NULL);
    const char *cadence = x->cadence ? x->cadence : "monthly";
    json_t *detail;
    size_t n = 0;
    int rc;
    if (strcmp(cadence, "monthly") != 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "cadence", cadence,
                            "cadence must be monthly");
    if (x->complete_day < 1 || x->complete_day > 28) {
        errbuf_field_int(e, -ERR_INVALID, R_OUT_OF_RANGE, "complete_day", x->complete_day,
                         "complete_day must be a day 1 to 28 of the next month");
        return errbuf_range(e, 1, 28);
    }
    if ((rc = check_indicators(db, x->indicators, ids, &n, e)) < 0 ||
        (rc = covered_org(db, x->org_id, &org, e)) < 0 ||
        (rc = db_query_int(db, e, &exists,
                           "SELECT COUNT(*) FROM source_expectations WHERE source_id = $1", "i",
                           source_id)) < 0)
        return rc;
    if (exists)
        rc = db_run(db, e,
                    "UPDATE source_expectations SET cadence = $2, org_id = $3, complete_day = $4,"
                    " updated_at = $5 WHERE source_id = $1",
                    "itiii", source_id, cadence, org, x->complete_day, now);
    else
        rc = db_run(db, e,
                    "INSERT INTO source_expectations(source_id, cadence, org_id, complete_day,"
                    " created_at, updated_at) VALUES($1, $2, $3, $4, $5, $5)",
                    "itiii", source_id, cadence, org, x->complete_day, now);
    if (rc < 0 || (rc = db_run(db, e, "DELETE FROM source_expected_indicators WHERE source_id = $1",
                               "i", source_id)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = db_run(db, e,
                         "INSERT INTO source_expected_indicators(source_id, indicator_id)"
                         " VALUES($1, $2) ON CONFLICT DO NOTHING",
                         "ii", source_id, ids[i])) < 0)
            return rc;
    detail = json_pack("{s:s, s:I, s:I, s:O}", "cadence", cadence, "org_id", (json_int_t)org,
                       "complete_day", (json_int_t)x->complete_day, "indicators", x->indicators);
    rc = audit_log(db, actor, org, exists ? "expect_update" : "expect_create", "source",
                   source_id, detail, e);
    json_decref(detail);
    return rc < 0 ? rc : 0;
}

int quality_expect_get(struct db *db, long long source_id, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *o = NULL, *codes;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT x.cadence, x.complete_day, o.id, o.code, o.name, s.code,"
                         " s.name FROM source_expectations x JOIN orgs o ON o.id = x.org_id"
                         " JOIN sources s ON s.id = x.source_id WHERE x.source_id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, source_id);
    if ((rc = db_step(st, e)) == 1)
        o = json_pack("{s:{s:I, s:s, s:s}, s:s, s:I, s:{s:I, s:s, s:s}}", "source", "id",
                      (json_int_t)source_id, "code", db_col_text(st, 5), "name",
                      db_col_text(st, 6),
                      "cadence", db_col_text(st, 0), "complete_day",
                      (json_int_t)db_col_int(st, 1), "org", "id", (json_int_t)db_col_int(st, 2),
                      "code", db_col_text(st, 3), "name", db_col_text(st, 4));
    db_done(st);
    if (rc < 0)
        return rc;
    if (!o)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "expectation", source_id,
                                "source %lld declares nothing", source_id);
    codes = json_array();
    if ((rc = db_prepare(db,
                         "SELECT i.code FROM source_expected_indicators x JOIN indicators i ON"
                         " i.id = x.indicator_id WHERE x.source_id = $1 ORDER BY i.code",
                         &st, e)) >= 0) {
        db_bind_int(st, 1, source_id);
        while ((rc = db_step(st, e)) == 1)
            json_array_append_new(codes, json_string(db_col_text(st, 0)));
        db_done(st);
    }
    json_object_set_new(o, "indicators", codes);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *ret = o;
    return 0;
}

int quality_release(struct db *db, int month, const char *reason, long long actor,
                    struct errbuf *e)
{
    long long exists = 0;
    json_t *detail;
    int rc;
    if (!month_valid(month))
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_MONTH, "month", month,
                                "invalid month %d (YYYYMM)", month);
    if (month >= month_of_time((long long)time(NULL)))
        return errbuf_field_int(e, -ERR_INVALID, R_NOT_OVER, "month", month,
                                "month %d is not over", month);
    if (!reason || !reason[0])
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "reason", NULL,
                            "a release needs a reason");
    if ((rc = db_query_int(db, e, &exists, "SELECT COUNT(*) FROM month_releases WHERE month = $1",
                           "i", (long long)month)) < 0)
        return rc;
    if (exists)
        return errbuf_field_int(e, -ERR_CONFLICT, R_DUPLICATE, "month", month,
                                "month %d was released before", month);
    if ((rc = db_run(db, e,
                     "INSERT INTO month_releases(month, reason, account_id, released_at)"
                     " VALUES($1, $2, $3, $4)",
                     "itii", (long long)month, reason, actor, (long long)time(NULL))) < 0)
        return rc;
    detail = json_pack("{s:i, s:s}", "month", month, "reason", reason);
    rc = audit_log(db, actor, 0, "release", "month", month, detail, e);
    json_decref(detail);
    return rc < 0 ? rc : 0;
}

int quality_source_missing(struct db *db, long long source_id, int month, long long *ret,
                           struct errbuf *e)
{
    /* organizations of the covered subtree with active members and no event of a declared
     * indicator from the source in the month */
    return db_query_int(
        db, e, ret,
        "SELECT COUNT(*) FROM source_expectations x JOIN orgs c ON c.id = x.org_id"
        " JOIN orgs o ON substr(o.path, 1, length(c.path)) = c.path"
        " WHERE x.source_id = $1"
        /* uncorrelated subqueries: Citus runs no correlated one under a reference table */
        " AND o.id IN (SELECT org_id FROM members WHERE status = 'active')"
        " AND o.id NOT IN (SELECT ev.org_id FROM events ev JOIN source_expected_indicators i ON"
        " i.source_id = ev.source_id AND i.indicator_id = ev.indicator_id WHERE"
        " ev.source_id = $1 AND ev.month = $2 AND ev.org_id IS NOT NULL)",
        "ii", source_id, (long long)month);
}

int quality_source_complete(struct db *db, long long source_id, int complete_day, int month,
                            long long *ret_missing, struct errbuf *e)
{
    long long last = 0, deadline = quality_deadline(month, complete_day);
    int rc;
    if ((rc = quality_source_missing(db, source_id, month, ret_missing, e)) < 0)
        return rc;
    if (*ret_missing == 0)
        return 1;
    /* past its deadline a source that spoke since has said all it has for the month */
    if ((long long)time(NULL) < deadline ||
        (rc = quality_last_activity(db, source_id, &last, e)) < 0)
        return rc < 0 ? rc : 0;
    return last >= deadline;
}

int quality_decls(struct db *db, long long source_id, struct quality_decl **ret, size_t *ret_n,
                  struct errbuf *e)
{
    struct quality_decl *v = NULL;
    size_t n = 0, cap = 0;
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT x.source_id, x.complete_day, x.org_id, x.updated_at,"
                         " x.quiet_noticed_at, s.code, s.name FROM source_expectations x"
                         " JOIN sources s ON s.id = x.source_id WHERE $1 = 0 OR x.source_id = $1"
                         " ORDER BY s.code",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, source_id);
    while ((rc = db_step(st, e)) == 1) {
        if (n == cap) {
            struct quality_decl *w = realloc(v, (cap = cap ? cap * 2 : 8) * sizeof(*v));
            if (!w) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            v = w;
        }
        v[n] = (struct quality_decl){db_col_int(st, 0), db_col_int(st, 1), db_col_int(st, 2),
                                     db_col_int(st, 3), db_col_int(st, 4),
                                     strdup(db_col_text(st, 5)), strdup(db_col_text(st, 6))};
        if (!v[n++].code || !v[n - 1].name) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
    }
    db_done(st);
    if (rc < 0) {
        quality_decls_free(v, n);
        return rc;
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

void quality_decls_free(struct quality_decl *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(d[i].code);
        free(d[i].name);
    }
    free(d);
}

int quality_month_ready(struct db *db, int month, char *why, size_t n, struct errbuf *e)
{
    struct quality_decl *d = NULL;
    long long released = 0;
    size_t k = 0;
    int rc, ready = 1;
    if (why && n)
        why[0] = '\0';
    if ((rc = db_query_int(db, e, &released, "SELECT COUNT(*) FROM month_releases WHERE month = $1",
                           "i", (long long)month)) < 0)
        return rc;
    if (released)
        return 1;
    if ((rc = quality_decls(db, 0, &d, &k, e)) < 0)
        return rc;
    for (size_t i = 0; i < k && ready; i++) {
        long long missing = 0;
        if ((rc = quality_source_complete(db, d[i].id, (int)d[i].day, month, &missing, e)) < 0)
            break;
        if (rc == 0) {
            ready = 0;
            if (why && n)
                snprintf(why, n, "source %s has no data for %lld organizations", d[i].code,
                         missing);
        }
    }
    quality_decls_free(d, k);
    return rc < 0 ? rc : ready;
}

/* Tell the admins that d went quiet (silent since spoke), and remember it: one transaction. */
static int notice_quiet(struct db *db, const struct quality_decl *d, long long spoke,
                        long long now, struct errbuf *e)
{
    struct buf title = BUF_INIT, body = BUF_INIT;
    int rc;
    buf_init(&title, 4096);
    buf_init(&body, 4096);
    if (buf_printf(&title, "数据源“%s”已%lld天没有数据", d->name, (now - spoke) / 86400) < 0 ||
        buf_printf(&body, "source %s: no successful pull or event since %lld", d->code,
                   spoke) < 0) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = db_begin(db, e)) < 0)
        goto out;
    if ((rc = plan_notice_admins(db, "source_quiet", d->org, buf_str(&title), buf_str(&body),
                                 e)) < 0 ||
        (rc = db_run(db, e,
                     "UPDATE source_expectations SET quiet_noticed_at = $2 WHERE source_id = $1",
                     "ii", d->id, now)) < 0 ||
        (rc = db_commit(db, e)) < 0)
        db_rollback(db);
out:
    buf_release(&title);
    buf_release(&body);
    return rc < 0 ? rc : 0;
}

int quality_job_quiet(struct db *db, struct errbuf *e)
{
    struct quality_decl *d = NULL;
    long long now = (long long)time(NULL);
    size_t k = 0;
    int rc;
    if ((rc = quality_decls(db, 0, &d, &k, e)) < 0)
        return rc;
    for (size_t i = 0; i < k && rc >= 0; i++) {
        long long last = 0, spoke;
        if ((rc = quality_last_activity(db, d[i].id, &last, e)) < 0)
            break;
        /* silence counts from the last pull or event, or from the declaration; a spell is
         * told once: the next notice needs the source to have spoken since this one */
        spoke = last > d[i].since ? last : d[i].since;
        if (now - spoke <= QUALITY_QUIET_SECONDS(d[i].day) || d[i].noticed >= spoke)
            continue;
        if ((rc = notice_quiet(db, &d[i], spoke, now, e)) >= 0)
            log_info("jobs: source %s quiet since %lld: admins told", d[i].code, spoke);
    }
    quality_decls_free(d, k);
    return rc < 0 ? rc : 0;
}
