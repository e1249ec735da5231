#include "dues/job.h"

#include <stdio.h>

#include "base/log.h"
#include "base/month.h"
#include "db/db.h"
#include "dues/arrears.h"
#include "dues/bill.h"
#include "base/banned.h"

/* The count sql_fmt gives for month ($1) with its %s the tenant's condition (tenant_id = $2)
 * when tenant is not 0. */
static int month_count(struct db *db, const char *sql_fmt, int month, long long tenant,
                       long long *ret, struct errbuf *e)
{
    char sql[512];
    snprintf(sql, sizeof(sql), sql_fmt, tenant ? " AND tenant_id = $2" : "");
    return tenant ? db_query_int(db, e, ret, sql, "ii", (long long)month, tenant)
                  : db_query_int(db, e, ret, sql, "i", (long long)month);
}

int dues_job_generate(struct db *db, long long tenant, struct errbuf *e)
{
    int cur = dues_current_month(), rc;
    long long members = 0;
    if ((rc = tenant ? db_query_int(db, e, &members,
                                    "SELECT COUNT(*) FROM (SELECT 1 FROM members"
                                    " WHERE status = 'active' AND tenant_id = $1 LIMIT 1) x",
                                    "i", tenant)
                     : db_query_int(db, e, &members,
                                    "SELECT COUNT(*) FROM (SELECT 1 FROM members"
                                    " WHERE status = 'active' LIMIT 1) x",
                                    "")) < 0 ||
        !members)
        return rc < 0 ? rc : 0;
    for (int month = month_add(cur, -1); month <= cur; month = month_add(month, 1)) {
        long long done = 0;
        struct dues_gen_stats s;
        if ((rc = month_count(db,
                              "SELECT COUNT(*) FROM dues_months WHERE month = $1%s"
                              " AND generated_at IS NOT NULL",
                              month, tenant, &done, e)) < 0)
            return rc;
        if (done)
            continue;
        if ((rc = tenant ? dues_generate_tenant(db, month, tenant, 0, &s, e)
                         : dues_generate(db, month, NULL, 0, &s, e)) < 0)
            return rc;
        log_info("jobs: dues %d generated%s%.0lld: %lld liable, %lld new bills, %lld base missing",
                 month, tenant ? ", tenant " : "", tenant, s.liable, s.created, s.base_missing);
        json_decref(s.missing);
    }
    return 0;
}

int dues_job_close(struct db *db, long long tenant, struct errbuf *e)
{
    int month = month_add(dues_current_month(), -1), rc;
    long long closed = 0, published = 0;
    struct dues_close_stats s;
    if ((rc = month_count(db,
                          "SELECT COUNT(*) FROM dues_months WHERE month = $1%s"
                          " AND closed_at IS NOT NULL",
                          month, tenant, &closed, e)) < 0 ||
        closed)
        return rc < 0 ? rc : 0;
    if ((rc = month_count(db,
                          "SELECT COUNT(*) FROM (SELECT 1 FROM dues_bills WHERE month = $1%s"
                          " AND kind = 'regular' AND published_at IS NOT NULL LIMIT 1) x",
                          month, tenant, &published, e)) < 0 ||
        !published)
        return rc < 0 ? rc : 0;
    if ((rc = tenant ? dues_close_tenant(db, month, tenant, &s, e)
                     : dues_close_month(db, month, &s, e)) < 0)
        return rc;
    log_info("jobs: dues %d closed%s%.0lld: %lld on time, %lld late, %lld warnings, %lld cases",
             month, tenant ? ", tenant " : "", tenant, s.on_time, s.late, s.warnings, s.cases);
    return 0;
}
