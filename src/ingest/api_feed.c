/* HTTP handlers of feeds and the quarantine (admin only: the router checks the role). */
#include "ingest/api.h"

#include <string.h>

#include "db/db.h"
#include "ingest/feed.h"
#include "ingest/quarantine.h"
#include "org/audit.h"
#include "base/banned.h"

/* The source of the path's {id}: 0, or 404 when there is none. */
static int source_of(struct req *r, long long *ret, struct errbuf *e)
{
    long long one = 0;
    int rc;
    if ((rc = req_param_id(r, 0, ret, e)) < 0)
        return rc;
    if ((rc = db_query_int(r->db, e, &one, "SELECT 1 FROM sources WHERE id = $1", "i", *ret)) < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "source", *ret, "no source %lld",
                                *ret);
    return 0;
}

int api_feeds_list(struct req *r, struct errbuf *e)
{
    json_t *list;
    long long open = 0;
    int rc;
    if ((rc = feed_list(r->db, &list, e)) < 0)
        return rc;
    if ((rc = quarantine_open_count(r->db, 0, &open, e)) < 0) {
        json_decref(list);
        return rc;
    }
    return req_reply_json(r, 200, json_pack("{s:o, s:I}", "items", list, "quarantine_open",
                                            (json_int_t)open));
}

int api_feed_get(struct req *r, struct errbuf *e)
{
    long long id;
    json_t *o;
    int rc;
    if ((rc = source_of(r, &id, e)) < 0 || (rc = feed_status(r->db, id, &o, e)) < 0)
        return rc;
    return req_reply_json(r, 200, o);
}

/* An optional integer member: -1 when absent. */
static int opt_int(struct req *r, const char *key, long long *ret, struct errbuf *e)
{
    *ret = -1;
    return req_has(r, key) ? req_int(r, key, true, ret, e) : 0;
}

int api_feed_put(struct req *r, struct errbuf *e)
{
    struct feed_config c = {NULL, NULL, NULL, NULL, -1, -1, -1, -1, NULL, NULL};
    json_t *enabled = json_object_get(r->json, "enabled"), *o;
    long long id;
    int rc;
    if ((rc = source_of(r, &id, e)) < 0 || (rc = req_str(r, "kind", false, 16, &c.kind, e)) < 0 ||
        (rc = req_str(r, "url", false, 1024, &c.url, e)) < 0 ||
        (rc = req_str(r, "credential", false, 1024, &c.credential, e)) < 0 ||
        (rc = req_str(r, "target", false, 1000, &c.target, e)) < 0 ||
        (rc = opt_int(r, "every_seconds", &c.every_seconds, e)) < 0 ||
        (rc = opt_int(r, "page_size", &c.page_size, e)) < 0 ||
        (rc = opt_int(r, "window_months", &c.window_months, e)) < 0)
        return rc;
    if (enabled && !json_is_boolean(enabled))
        return errbuf_field(e, -ERR_INVALID, R_NOT_BOOLEAN, "enabled", NULL,
                            "field 'enabled' must be true or false");
    if (enabled)
        c.enabled = json_is_true(enabled);
    c.mapping = json_object_get(r->json, "mapping");
    c.http = json_object_get(r->json, "http");
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    if ((rc = feed_set(r->db, id, &c, r->auth.account_id, e)) < 0 ||
        (rc = db_commit(r->db, e)) < 0) {
        db_rollback(r->db);
        return rc;
    }
    if ((rc = feed_status(r->db, id, &o, e)) < 0)
        return rc;
    return req_reply_json(r, 200, o);
}

static json_t *stats_json(const struct feed_stats *s)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "pages", (json_int_t)s->pages,
                     "rows", (json_int_t)s->rows, "stored", (json_int_t)s->stored,
                     "duplicates", (json_int_t)s->duplicates, "quarantined",
                     (json_int_t)s->quarantined, "resolved", (json_int_t)s->resolved,
                     "seconds", s->seconds);
}

/* Pull now; a feed that fails replies 502 with the (scrubbed) error, which is also on the
 * feed's status. */
int api_feed_pull(struct req *r, struct errbuf *e)
{
    struct feed_stats s;
    json_t *d;
    long long id;
    int rc;
    if ((rc = source_of(r, &id, e)) < 0)
        return rc;
    rc = feed_pull(r->db, id, &s, e);
    d = stats_json(&s);
    if (rc >= 0)
        rc = audit_log(r->db, r->auth.account_id, 0, "feed_pull", "source", id, d, e);
    if (rc < 0) {
        json_decref(d);
        return rc;
    }
    return req_reply_json(r, 200, d);
}

int api_quarantine_list(struct req *r, struct errbuf *e)
{
    static const char *const statuses[] = {"open", "replayed", "resolved", "all"};
    const char *status = req_query(r, "status");
    long long id, page, size;
    json_t *o;
    int rc, ok = !status;
    for (size_t i = 0; status && i < sizeof(statuses) / sizeof(statuses[0]); i++)
        ok |= strcmp(status, statuses[i]) == 0;
    if (!ok)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "status", status,
                            "status must be open, replayed, resolved or all");
    if ((rc = source_of(r, &id, e)) < 0 || (rc = req_page(r, 50, &page, &size, e)) < 0 ||
        (rc = quarantine_list(r->db, id,
                              !status ? "open" : strcmp(status, "all") ? status : NULL, page,
                              size, &o, e)) < 0)
        return rc;
    return req_reply_json(r, 200, o);
}

int api_quarantine_replay(struct req *r, struct errbuf *e)
{
    struct feed_stats s;
    json_t *d;
    long long id;
    int rc;
    if ((rc = source_of(r, &id, e)) < 0 || (rc = quarantine_replay(r->db, id, &s, e)) < 0)
        return rc;
    d = stats_json(&s);
    if ((rc = audit_log(r->db, r->auth.account_id, 0, "quarantine_replay", "source", id, d,
                        e)) < 0) {
        json_decref(d);
        return rc;
    }
    return req_reply_json(r, 200, d);
}
