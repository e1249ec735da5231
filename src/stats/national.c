/* National roll-ups (全国汇总): for each provincial company (tenant root), the month's dues
 * collection rate, average pioneer index and plan completion. One GROUP BY tenant_id per
 * measure over the distributed table that holds it, so that on Citus each worker aggregates
 * its own tenants' shards and the coordinator only merges a row per tenant. */
#include "stats/national.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "org/tenant.h"
#include "stats/api.h"
#include "base/banned.h"

/* One measure: a statement grouped by tenant_id (column 0), its parameters (the month, the
 * first and last day of the month's year up to its end), the object it fills in each
 * province, the names of its columns 1.. and how to read them. */
struct measure {
    const char *key;
    const char *sql;
    const char *types;             /* of the parameters: 'm' month, 'f' first day, 'l' last day */
    const char *const cols[5];     /* NULL-terminated */
    const char *col_types;         /* 'i' integer, 'd' real (NULL when SQL NULL) */
    const char *num, *den;         /* the rate: num / den of these columns (NULL den: none) */
};

static const struct measure measures[] = {
    /* dues: what the month's regular bills ask and what was paid of it, by amount */
    {"dues",
     "SELECT tenant_id, COUNT(*),"
     " SUM(CASE WHEN status IN ('paid', 'confirmed') THEN 1 ELSE 0 END),"
     " COALESCE(SUM(CASE WHEN status IN ('unpaid', 'paid', 'confirmed') THEN amount_fen"
     " ELSE 0 END), 0),"
     " COALESCE(SUM(CASE WHEN status IN ('paid', 'confirmed') THEN amount_fen ELSE 0 END), 0)"
     " FROM dues_bills WHERE month = $1 AND kind = 'regular' GROUP BY tenant_id",
     "m",
     {"bills", "paid", "liable_fen", "paid_fen"},
     "iiii",
     "paid_fen",
     "liable_fen"},
    /* the pioneer index: the month's scored members */
    {"index", "SELECT tenant_id, COUNT(*), AVG(idx) FROM member_scores WHERE month = $1"
              " GROUP BY tenant_id",
     "m", {"members", "average", NULL}, "id", NULL, NULL},
    /* plans: the cells (task, organization, period) whose period ended in the month's year up
     * to the month's end, and those met */
    {"plans",
     "SELECT tenant_id, COUNT(*), SUM(CASE WHEN completion >= 0.999999 THEN 1 ELSE 0 END)"
     " FROM plan_status WHERE end_day >= $1 AND end_day <= $2 GROUP BY tenant_id",
     "fl",
     {"cells", "met", NULL},
     "ii",
     "met",
     "cells"},
};

/* Fill measure x into the province objects (by tenant, in provinces' "tenant_id"). */
static int run_measure(struct db *db, const struct measure *x, int month, json_t *provinces,
                       struct errbuf *e)
{
    long long first = month / 100 * 10000 + 101, last = month * 100 + month_days(month);
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db, x->sql, &st, e)) < 0)
        return rc;
    for (int i = 0; x->types[i]; i++)
        db_bind_int(st, i + 1, x->types[i] == 'm' ? month : x->types[i] == 'f' ? first : last);
    while ((rc = db_step(st, e)) == 1) {
        long long tenant = db_col_int(st, 0);
        json_t *p, *o;
        size_t k;
        json_array_foreach(provinces, k, p)
        {
            if (json_integer_value(json_object_get(p, "tenant_id")) != tenant)
                continue;
            o = json_object_get(p, x->key);
            for (int c = 0; x->cols[c]; c++)
                json_object_set_new(o, x->cols[c],
                                    db_col_null(st, c + 1) ? json_null()
                                    : x->col_types[c] == 'd'
                                        ? json_real(db_col_double(st, c + 1))
                                        : json_integer(db_col_int(st, c + 1)));
        }
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* The measure's rate from its columns: null when nothing was due. */
static void set_rate(json_t *o, const struct measure *x)
{
    double den, num;
    if (!x->den)
        return;
    den = json_number_value(json_object_get(o, x->den));
    num = json_number_value(json_object_get(o, x->num));
    json_object_set_new(o, "rate", den > 0 ? json_real(num / den) : json_null());
}

int stats_national(struct db *db, int month, json_t **ret, struct errbuf *e)
{
    json_t *provinces, *p;
    size_t k;
    int rc;
    if ((rc = tenant_roots(db, &provinces, e)) < 0)
        return rc;
    json_array_foreach(provinces, k, p)
    {
        for (size_t i = 0; i < sizeof(measures) / sizeof(measures[0]); i++) {
            json_t *o = json_object();
            for (int c = 0; measures[i].cols[c]; c++)
                json_object_set_new(o, measures[i].cols[c],
                                    measures[i].col_types[c] == 'd' ? json_null()
                                                                    : json_integer(0));
            json_object_set_new(p, measures[i].key, o);
        }
    }
    for (size_t i = 0; i < sizeof(measures) / sizeof(measures[0]) && rc >= 0; i++)
        rc = run_measure(db, &measures[i], month, provinces, e);
    if (rc < 0) {
        json_decref(provinces);
        return rc;
    }
    json_array_foreach(provinces, k, p)
    {
        for (size_t i = 0; i < sizeof(measures) / sizeof(measures[0]); i++)
            set_rate(json_object_get(p, measures[i].key), &measures[i]);
    }
    *ret = json_pack("{s:I, s:o}", "month", (json_int_t)month, "provinces", provinces);
    return 0;
}

int api_national_provinces(struct req *r, struct errbuf *e)
{
    const char *ms = req_query(r, "month");
    int month = month_of_time((long long)time(NULL)), rc;
    json_t *out;
    /* the national role, admin or committee on the root: the route's RT_TOP */
    if (ms && month_parse(ms, &month) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, "month", ms,
                            "query parameter 'month': expected YYYYMM, got '%s'", ms);
    if ((rc = stats_national(r->db, month, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}
