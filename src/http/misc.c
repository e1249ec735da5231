#include "http/misc.h"

#include "db/db.h"
#include "base/banned.h"

extern const char openapi_json[];
extern const unsigned long openapi_json_len;

int api_health(struct req *r, struct errbuf *e)
{
    long long one = 0;
    int rc = db_query_int(r->db, e, &one, "SELECT 1", "");
    if (rc < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

int api_openapi(struct req *r, struct errbuf *e)
{
    (void)e;
    return req_reply_raw(r, 200, "application/json", openapi_json, openapi_json_len);
}

int api_indicators(struct req *r, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *list = json_array();
    int rc;
    if ((rc = db_prepare(r->db,
                         "SELECT code, dimension, scope, name, unit FROM indicators ORDER BY id",
                         &st, e)) < 0) {
        json_decref(list);
        return rc;
    }
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "code",
                                              db_col_text(st, 0), "dimension", db_col_text(st, 1),
                                              "scope", db_col_text(st, 2), "name",
                                              db_col_text(st, 3), "unit", db_col_text(st, 4)));
    db_done(st);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    return req_reply_json(r, 200, json_pack("{s:o}", "items", list));
}
