/* Which run a page shows, and what re-runs changed for a member (docs/SCORING.md, "Late
 * events and re-runs"). Read only from score_runs and score_changes. */
#include "score/portrait.h"

#include <stdlib.h>

#include "base/month.h"
#include "db/db.h"
#include "base/banned.h"

/* {"number", "reason", "finished_at"} of month's latest run: rankings, portraits and the
 * months list name the run they show. */
int portrait_run_json(struct db *db, int month, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    int rc = db_prepare(db, "SELECT run, reason, finished_at FROM score_runs WHERE month = $1",
                        &st, e);
    if (rc < 0)
        return rc;
    db_bind_int(st, 1, month);
    if ((rc = db_step(st, e)) == 1)
        *ret = json_pack("{s:I, s:s, s:I}", "number", (json_int_t)db_col_int(st, 0), "reason",
                         db_col_text(st, 1), "finished_at", (json_int_t)db_col_int(st, 2));
    db_done(st);
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_SCORED, "month", month,
                                "month %d was not scored", month);
    return rc < 0 ? rc : 0;
}

/* One change row as the portrait shows it. NULL on a stored column that does not parse. */
static json_t *change_json(struct db_stmt *st, struct errbuf *e)
{
    json_t *dims, *late, *o;
    if (portrait_json_column(db_col_text(st, 5), &dims, e) < 0)
        return NULL;
    if (portrait_json_column(db_col_text(st, 6), &late, e) < 0) {
        json_decref(dims);
        return NULL;
    }
    o = json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:s}", "month",
                  (json_int_t)db_col_int(st, 0), "run", (json_int_t)db_col_int(st, 1), "at",
                  (json_int_t)db_col_int(st, 2),
                  "old_index", db_col_null(st, 3) ? json_null() : json_real(db_col_double(st, 3)),
                  "new_index", db_col_null(st, 4) ? json_null() : json_real(db_col_double(st, 4)),
                  "dims", dims, "late", late, "late_events", (json_int_t)db_col_int(st, 7),
                  "reason", db_col_text(st, 8));
    return o;
}

/* The changes re-runs made to member_id's results in the PORTRAIT_LINE months ending at
 * month, newest first. The caller has checked the right to read the member. */
int portrait_member_changes(struct db *db, long long member_id, int month, json_t **ret,
                            struct errbuf *e)
{
    json_t *out = json_array();
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "SELECT c.month, c.run, l.finished_at, c.old_idx, c.new_idx, c.dims,"
                        " c.late, c.late_events, l.reason FROM score_changes c"
                        " JOIN score_run_log l ON l.month = c.month AND l.tenant_id = c.tenant_id AND l.run = c.run"
                        " WHERE c.member_id = $1 AND c.month >= $2 AND c.month <= $3"
                        " ORDER BY c.month DESC, c.run DESC",
                        &st, e);
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    db_bindv(st, "iii", member_id, (long long)month_add(month, -(PORTRAIT_LINE - 1)),
             (long long)month);
    while ((rc = db_step(st, e)) == 1) {
        json_t *c = change_json(st, e);
        if (!c) {
            rc = -ERR_INTERNAL;
            break;
        }
        json_array_append_new(out, c);
    }
    db_done(st);
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    *ret = out;
    return 0;
}
