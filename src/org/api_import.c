/* CSV imports over HTTP (the console's 导入 with a preview): the same all-or-nothing imports
 * as `dangjian import`, limited to the caller's subtree, with ?dry_run=true to see every
 * error before anything is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csvread.h"
#include "base/month.h"
#include "org/api.h"
#include "org/import.h"
#include "org/scope.h"
#include "base/banned.h"

static int query_bool(struct req *r, const char *key, bool *ret, struct errbuf *e)
{
    const char *v = req_query(r, key);
    *ret = false;
    if (!v || !*v || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        return 0;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *ret = true;
        return 0;
    }
    return errbuf_field(e, -ERR_INVALID, R_NOT_BOOLEAN, key, v,
                        "query parameter '%s' must be true or false, not '%.20s'", key, v);
}

/* The report: 200 with the counts, or 400 listing the first IMPORT_MAX_ERRORS errors (row
 * and column in each). */
static int reply(struct req *r, const char *kind, bool dry, const struct csv_table *t,
                 const struct import_report *rep, int rc, struct errbuf *e)
{
    if (rc == -ERR_INVALID && rep->nerrors) {
        for (size_t i = 0; i < rep->nerrors && i < IMPORT_MAX_ERRORS; i++)
            req_error_detail(r, req_reason_item(&rep->errors[i]));
        return rc; /* the message counts the errors and rows */
    }
    if (rc < 0)
        return rc;
    (void)e;
    return req_reply_json(r, 200,
                          json_pack("{s:s, s:b, s:s, s:I, s:I, s:I}", "kind", kind, "dry_run", dry,
                                    "encoding", csv_table_encoding(t), "rows",
                                    (json_int_t)rep->rows, "created", (json_int_t)rep->created,
                                    "updated", (json_int_t)rep->updated));
}

/* The import of kind: ?dry_run, and ?from=YYYYMM where the kind takes it (members), the
 * body as a CSV table or an .xlsx workbook (by its content; ?sheet names a sheet), apply() with the caller as scope, then the report. Every kind of
 * import over HTTP goes through here (the dues module's income bases too). */
int api_import_run(struct req *r, const char *kind, bool takes_from,
                   int (*apply)(struct req *r, struct csv_table *t, bool dry_run, int from_month,
                                struct import_report *rep, struct errbuf *e),
                   struct errbuf *e)
{
    struct csv_table *t = NULL;
    struct import_report *rep = NULL;
    const char *from_text = req_query(r, "from");
    int from = 0, rc;
    bool dry;
    if ((rc = query_bool(r, "dry_run", &dry, e)) < 0)
        return rc;
    if (from_text && !takes_from)
        return errbuf_field(e, -ERR_INVALID, R_UNKNOWN_FIELD, "from", from_text,
                            "query parameter 'from' applies to members only");
    if (from_text && *from_text && month_parse(from_text, &from) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, "from", from_text,
                            "query parameter 'from': expected YYYYMM, got '%.20s'", from_text);
    if ((rc = csv_table_parse_sheet(r->body.data, r->body.len, req_query(r, "sheet"), &t, e)) < 0)
        return rc;
    if (!(rep = calloc(1, sizeof(*rep)))) {
        csv_table_free(t);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    rc = reply(r, kind, dry, t, rep, apply(r, t, dry, from, rep, e), e);
    free(rep);
    csv_table_free(t);
    return rc;
}

static int apply_orgs(struct req *r, struct csv_table *t, bool dry, int from,
                      struct import_report *rep, struct errbuf *e)
{
    (void)from;
    return import_orgs(r->db, t, dry, r->auth.account_id, &r->auth, ROLE_ORG_ADMIN, rep, e);
}

static int apply_members(struct req *r, struct csv_table *t, bool dry, int from,
                         struct import_report *rep, struct errbuf *e)
{
    return import_members(r->db, t, dry, from, r->auth.account_id, &r->auth,
                          ROLE_ORG_ADMIN | ROLE_SECRETARY, rep, e);
}

int api_import_orgs(struct req *r, struct errbuf *e)
{
    return api_import_run(r, "orgs", false, apply_orgs, e);
}

int api_import_members(struct req *r, struct errbuf *e)
{
    return api_import_run(r, "members", true, apply_members, e);
}
