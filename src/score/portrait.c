/* What the portraits share: the month a request shows, the caller's own branch and unit, and
 * lines of stored values over the last twelve months. */
#include "score/portrait.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "org/tenant.h"
#include "db/versions.h"
#include "score/model.h"
#include "base/banned.h"

/* Every member portrait needs the model version of its month (names, caps, gap); loading one
 * costs three queries and some JSON parsing, more than the rest of the portrait. A stored
 * version never changes, so a thread keeps the few it has loaded; it drops them when the
 * scores change (a run or an activation) or it finds itself on another connection, and frees
 * them when it ends. */
#define MODEL_SLOTS 4

struct model_cache {
    const struct db *db;
    struct version_stamp stamp;
    struct score_model *m[MODEL_SLOTS];
    unsigned next;
};

static _Thread_local struct model_cache models;
static pthread_key_t models_key;
static pthread_once_t models_once = PTHREAD_ONCE_INIT;

static void models_drop(struct model_cache *c)
{
    for (int i = 0; i < MODEL_SLOTS; i++) {
        score_model_free(c->m[i]);
        c->m[i] = NULL;
    }
}

static void models_at_exit(void *p)
{
    models_drop(p);
}

static void models_key_create(void)
{
    pthread_key_create(&models_key, models_at_exit);
}

int portrait_model(struct db *db, long long version, const struct score_model **ret,
                   struct errbuf *e)
{
    struct version_stamp now;
    struct score_model *m;
    int rc = version_get(db, TOPIC_SCORES, &now, e);
    if (rc < 0)
        return rc;
    if (models.db != db || !version_equal(&models.stamp, &now)) {
        models_drop(&models);
        models.db = db;
        models.stamp = now;
    }
    for (int i = 0; i < MODEL_SLOTS; i++)
        if (models.m[i] && models.m[i]->version == version) {
            *ret = models.m[i];
            return 0;
        }
    if ((rc = score_model_load(db, version, &m, e)) < 0)
        return rc;
    pthread_once(&models_once, models_key_create);
    pthread_setspecific(models_key, &models);
    score_model_free(models.m[models.next % MODEL_SLOTS]);
    models.m[models.next++ % MODEL_SLOTS] = m;
    *ret = m;
    return 0;
}

/* A month not over yet (the demo, or an operator, may score it to look ahead) is never the
 * default: four days of a month read as a collapse of the index. It is shown only when no
 * month that is over has been scored. */
int portrait_latest_month(struct db *db, int *ret_month, struct errbuf *e)
{
    long long m = 0;
    int rc = db_query_int(db, e, &m,
                          "SELECT COALESCE(MAX(CASE WHEN month < $1 THEN month END), MAX(month))"
                          " FROM score_runs WHERE tenant_id = $2",
                          "ii", (long long)month_of_time((long long)time(NULL)),
                          (long long)TENANT_RUNS);
    if (rc < 0)
        return rc;
    if (rc == 0 || m == 0)
        return errbuf_field(e, -ERR_NOTFOUND, R_NOT_SCORED, "month", NULL,
                            "no month has been scored yet");
    *ret_month = (int)m;
    return 0;
}

/* A month given by the caller must be well formed (400) and scored (404); none given means
 * the latest scored month. */
int portrait_month(struct db *db, const char *param, int *ret_month, struct errbuf *e)
{
    long long found = 0;
    int month, rc;
    if (!param || !*param)
        return portrait_latest_month(db, ret_month, e);
    if (month_parse(param, &month) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, "month", param,
                            "invalid month '%.40s': use YYYYMM", param);
    rc = db_query_int(db, e, &found,
                      "SELECT month FROM score_runs WHERE month = $1 AND tenant_id = $2", "ii",
                      (long long)month, (long long)TENANT_RUNS);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_SCORED, "month", month,
                                "month %d has not been scored yet", month);
    *ret_month = month;
    return 0;
}

/* The unit committee of the organization at path, as the run defines it: the organization
 * directly under the root when it is a committee, else the root. Only for members not scored
 * in the month asked about; a scored member's unit is the stored one. */
static int unit_of_path(struct db *db, const char *path, long long *ret_unit, struct errbuf *e)
{
    long long ids[2] = {0, 0}, kind_ok = 0;
    const char *p = path;
    int n = 0, rc;
    while (*p == '/' && p[1] && n < 2) {
        char *end;
        ids[n++] = strtoll(p + 1, &end, 10);
        p = end;
    }
    if (n < 2) {
        *ret_unit = ids[0];
        return 0;
    }
    rc = db_query_int(db, e, &kind_ok, "SELECT 1 FROM orgs WHERE id = $1 AND kind = 'committee'",
                      "i", ids[1]);
    if (rc < 0)
        return rc;
    *ret_unit = rc ? ids[1] : ids[0];
    return 0;
}

/* Fill ret with where the calling member stands in month (see portrait.h). */
int portrait_home(struct db *db, const struct auth *a, int month, struct portrait_home *ret,
                  struct errbuf *e)
{
    struct portrait_home h;
    struct db_stmt *st;
    int rc;
    memset(&h, 0, sizeof(h));
    if (!a->member_id) {
        *ret = h;
        return 0;
    }
    h.member_id = a->member_id;
    if ((rc = db_prepare(db,
                         "SELECT m.org_id, o.path FROM members m JOIN orgs o ON o.id = m.org_id"
                         " WHERE m.id = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, a->member_id);
    if ((rc = db_step(st, e)) == 1) {
        h.org_id = db_col_int(st, 0);
        snprintf(h.now_path, sizeof(h.now_path), "%s", db_col_text(st, 1));
        snprintf(h.path, sizeof(h.path), "%s", db_col_text(st, 1));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if ((rc = db_prepare(
             db,
             "SELECT ms.org_id, ms.unit_id, o.path FROM member_scores ms"
             " JOIN orgs o ON o.id = ms.org_id WHERE ms.month = $1 AND ms.member_id = $2",
             &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", (long long)month, a->member_id);
    if ((rc = db_step(st, e)) == 1) {
        h.scored = 1;
        h.org_id = db_col_int(st, 0);
        h.unit_id = db_col_int(st, 1);
        snprintf(h.path, sizeof(h.path), "%s", db_col_text(st, 2));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (!h.scored && h.path[0] && (rc = unit_of_path(db, h.path, &h.unit_id, e)) < 0)
        return rc;
    *ret = h;
    return 0;
}

json_t *portrait_months(int month, int n)
{
    json_t *a = json_array();
    for (int i = n - 1; i >= 0; i--)
        json_array_append_new(a, json_integer(month_add(month, -i)));
    return a;
}

int portrait_line(struct db *db, const char *sql, long long id, long long tenant, int month,
                  json_t **ret, struct errbuf *e)
{
    int first = month_add(month, -(PORTRAIT_LINE - 1)), rc;
    json_t *line = json_array();
    struct db_stmt *st;
    for (int i = 0; i < PORTRAIT_LINE; i++)
        json_array_append_new(line, json_null());
    if ((rc = db_prepare(db, sql, &st, e)) < 0) {
        json_decref(line);
        return rc;
    }
    db_bindv(st, "iiii", id, (long long)first, (long long)month, tenant);
    while ((rc = db_step(st, e)) == 1) {
        int at = month_diff((int)db_col_int(st, 0), first);
        if (at >= 0 && at < PORTRAIT_LINE && !db_col_null(st, 1))
            json_array_set_new(line, (size_t)at, json_real(db_col_double(st, 1)));
    }
    db_done(st);
    if (rc < 0) {
        json_decref(line);
        return rc;
    }
    *ret = line;
    return 0;
}

int portrait_json_column(const char *text, json_t **ret, struct errbuf *e)
{
    json_error_t je;
    json_t *v = json_loads(text ? text : "", 0, &je);
    if (!v)
        return errbuf_set(e, -ERR_INTERNAL, "stored score data does not parse: %s", je.text);
    *ret = v;
    return 0;
}
