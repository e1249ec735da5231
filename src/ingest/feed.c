/* Feed settings and status (feed.h); the pull itself is in feed_pull.c. */
#include "ingest/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/month.h"
#include "base/pii.h"
#include "db/db.h"
#include "ingest/feed_http.h"
#include "ingest/feed_impl.h"
#include "ingest/feed_map.h"
#include "ingest/feed_sql.h"
#include "ingest/quarantine.h"
#include "org/audit.h"
#include "base/banned.h"

#define SECRET_COLUMN "feed_secret"
#define SECRET_CHUNK 60
#define URL_MAX 1024

/* Seal a secret of any length up to URL_MAX: the key ring seals values of at most 64 bytes,
 * so the text is sealed in pieces of 60, joined by spaces (base64url has none). */
static int seal(const char *plain, struct buf *out, struct errbuf *e)
{
    size_t len = strlen(plain);
    char piece[SECRET_CHUNK + 1], sealed[PII_SEALED_MAX];
    int rc = 0;
    for (size_t at = 0; at < len && rc >= 0; at += SECRET_CHUNK) {
        snprintf(piece, sizeof(piece), "%.*s", SECRET_CHUNK, plain + at);
        if ((rc = pii_seal(SECRET_COLUMN, piece, sealed, e)) < 0)
            break;
        if ((at && (rc = buf_addch(out, ' ')) < 0) || (rc = buf_addstr(out, sealed)) < 0)
            rc = errbuf_set(e, rc, "the sealed secret is too long");
    }
    memset(piece, 0, sizeof(piece));
    return rc < 0 ? rc : 0;
}

int feed_open_secret(const char *stored, char *out, size_t n, struct errbuf *e)
{
    char piece[PII_SEALED_MAX], plain[SECRET_CHUNK + 8];
    size_t at = 0;
    int rc = 0;
    out[0] = '\0';
    while (*stored && rc >= 0) {
        size_t len = strcspn(stored, " ");
        if (len >= sizeof(piece))
            return errbuf_set(e, -ERR_INTERNAL, "the feed's secret is damaged");
        memcpy(piece, stored, len);
        piece[len] = '\0';
        if ((rc = pii_open(SECRET_COLUMN, piece, plain, sizeof(plain), e)) < 0)
            break;
        at += (size_t)snprintf(out + at, at < n ? n - at : 0, "%s", plain);
        stored += len + (stored[len] == ' ');
    }
    memset(plain, 0, sizeof(plain));
    if (rc >= 0 && at >= n)
        rc = errbuf_set(e, -ERR_INTERNAL, "the feed's secret is too long");
    return rc;
}

void feed_scrub(char *msg, const char *url)
{
    /* the password of postgresql://user:PASSWORD@host: replaced by *** wherever it appears */
    const char *p = strstr(url, "://"), *at, *colon;
    char pw[256];
    if (!p || !(at = strchr(p + 3, '@')) || !(colon = memchr(p + 3, ':', (size_t)(at - p - 3))) ||
        at - colon - 1 <= 0 || at - colon - 1 >= (long)sizeof(pw))
        return;
    snprintf(pw, sizeof(pw), "%.*s", (int)(at - colon - 1), colon + 1);
    for (char *hit; (hit = strstr(msg, pw));) {
        size_t n = strlen(pw);
        memmove(hit + 3, hit + n, strlen(hit + n) + 1);
        memcpy(hit, "***", 3);
    }
    memset(pw, 0, sizeof(pw));
}

static int check_num(const char *field, long long v, long long min, long long max,
                     struct errbuf *e)
{
    if (v >= 0 && (v < min || v > max))
        return errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, field, NULL,
                            "'%s' must be %lld to %lld", field, min, max);
    return 0;
}

/* Check the members of an HTTP feed: its URL, its settings (stored text in *ret_http) and
 * that a credential is there when they call for one. */
static int check_http(const struct feed_config *c, bool exists, bool secret_set,
                      char **ret_http, struct errbuf *e)
{
    struct feed_http *h = NULL;
    json_t *j;
    int rc;
    if (c->url)
        return errbuf_field(e, -ERR_INVALID, R_NOT_ALLOWED, "url", NULL,
                            "an HTTP feed's URL is its 'target'; its token or key is 'credential'");
    if (c->target && (rc = feed_http_check_url(c->target, e)) < 0)
        return rc;
    if (!c->http && exists)
        return 0;
    if ((rc = feed_http_parse(c->http, &h, e)) < 0)
        return rc;
    if (feed_http_needs_credential(h) && !secret_set && (!c->credential || !*c->credential)) {
        feed_http_free(h);
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "credential", NULL,
                            "'credential' is required for an HTTP feed with auth bearer or hmac");
    }
    j = feed_http_json(h);
    *ret_http = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    feed_http_free(h);
    return 0;
}

/* Check c (with what is stored for the members it leaves out: kind is the stored kind, or
 * NULL for a new feed; secret_set whether a secret is stored) and fill the mapping's stored
 * text, and an HTTP feed's settings. */
static int check(const struct feed_config *c, const char *stored_kind, bool secret_set,
                 char **ret_mapping, char **ret_http, struct errbuf *e)
{
    struct feed_map *m = NULL;
    const char *kind = c->kind ? c->kind : stored_kind;
    bool exists = stored_kind != NULL, sql, http;
    int rc;
    *ret_mapping = NULL;
    *ret_http = NULL;
    if (!kind || (strcmp(kind, "sql") != 0 && strcmp(kind, "folder") != 0 &&
                  strcmp(kind, "http") != 0))
        return errbuf_field(e, -ERR_INVALID, kind ? R_INVALID_CHOICE : R_REQUIRED, "kind", kind,
                            "'kind' must be 'sql', 'http' or 'folder'");
    sql = strcmp(kind, "sql") == 0;
    http = strcmp(kind, "http") == 0;
    /* a feed that changes kind keeps no secret of the old kind (feed_set clears it) and
     * names its new target */
    if (exists && strcmp(kind, stored_kind) != 0) {
        secret_set = false;
        if (!c->target)
            return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "target", NULL,
                                "'target' is required when the kind changes");
        if (http && !c->http)
            exists = false; /* the HTTP settings get their defaults, checked */
    }
    if (!http && (c->credential || c->http))
        return errbuf_field(e, -ERR_INVALID, R_NOT_ALLOWED, c->http ? "http" : "credential",
                            NULL, "'credential' and 'http' are for HTTP feeds only");
    if (sql && !exists && (!c->url || !*c->url))
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "url", NULL,
                            "'url' is required for a new SQL feed");
    if (c->url && strlen(c->url) > URL_MAX)
        return errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "url", NULL,
                            "'url' longer than %d bytes", URL_MAX);
    if (c->credential && strlen(c->credential) > URL_MAX)
        return errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "credential", NULL,
                            "'credential' longer than %d bytes", URL_MAX);
    if (!exists && !c->target)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "target", NULL, "'target' is required");
    if (http && (rc = check_http(c, exists, secret_set, ret_http, e)) < 0)
        return rc;
    if (!http && c->url && strncmp(c->url, "postgresql://", 13) != 0 &&
        strncmp(c->url, "postgres://", 11) != 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "url", NULL,
                            "'url' must be a postgresql:// URL");
    if (!http && c->target && (rc = sql ? feed_sql_check_target(c->target, e)
                                        : feed_folder_check(c->target, e)) < 0)
        return rc;
    if ((rc = check_num("every_seconds", c->every_seconds, 1, 7 * 86400, e)) < 0 ||
        (rc = check_num("page_size", c->page_size, 1, 5000, e)) < 0 ||
        (rc = check_num("window_months", c->window_months, 1, 240, e)) < 0)
        return rc;
    if (!exists && !c->mapping)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "mapping", NULL, "'mapping' is required");
    if (c->mapping) {
        json_t *j;
        if ((rc = feed_map_parse(c->mapping, &m, e)) < 0)
            return rc;
        j = feed_map_json(m);
        *ret_mapping = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(j);
        feed_map_free(m);
    }
    return 0;
}

int feed_set(struct db *db, long long source_id, const struct feed_config *c, long long actor,
             struct errbuf *e)
{
    long long exists = 0, now = (long long)time(NULL);
    char *mapping = NULL, *http = NULL, kind[16] = "";
    const char *secret;
    bool secret_stored = false, kind_changed;
    struct buf sealed = BUF_INIT;
    json_t *detail = NULL;
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db, "SELECT kind, secret FROM feeds WHERE source_id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, source_id);
    if ((rc = db_step(st, e)) == 1) {
        exists = 1;
        snprintf(kind, sizeof(kind), "%s", db_col_text(st, 0));
        secret_stored = db_col_text(st, 1)[0] != '\0';
    }
    db_done(st);
    kind_changed = exists && c->kind && strcmp(c->kind, kind) != 0;
    if (rc < 0 || (rc = check(c, exists ? kind : NULL, exists && secret_stored, &mapping,
                              &http, e)) < 0)
        goto out;
    secret = c->url ? c->url : c->credential;
    if (secret && (rc = seal(secret, &sealed, e)) < 0)
        goto out;
    if (!exists)
        rc = db_run(db, e,
                    "INSERT INTO feeds(source_id, kind, secret, target, mapping, http, created_at,"
                    " updated_at) VALUES($1, $2, $3, $4, $5, $6, $7, $7)",
                    "ittttti", source_id, c->kind, secret ? buf_str(&sealed) : "", c->target,
                    mapping, http ? http : "", now);
    else
        /* a new kind keeps no secret of the old one: an SQL feed's URL is no HTTP token */
        rc = db_run(db, e,
                    "UPDATE feeds SET kind = COALESCE($2, kind), secret = COALESCE($3, secret),"
                    " target = COALESCE($4, target), mapping = COALESCE($5, mapping),"
                    " http = COALESCE($6, http), updated_at = $7, next_at = 0,"
                    " mark_time = CASE WHEN $8 = 1 THEN '' ELSE mark_time END,"
                    " mark_id = CASE WHEN $8 = 1 THEN '' ELSE mark_id END WHERE source_id = $1",
                    "itttttii", source_id, c->kind,
                    secret ? buf_str(&sealed) : kind_changed ? "" : NULL, c->target, mapping,
                    http, now, (long long)kind_changed);
    if (rc < 0)
        goto out;
    static const char *const nums[] = {"every_seconds", "page_size", "window_months", "enabled"};
    const long long vals[] = {c->every_seconds, c->page_size, c->window_months, c->enabled};
    static const char *const sql[] = {
        "UPDATE feeds SET every_seconds = $2 WHERE source_id = $1",
        "UPDATE feeds SET page_size = $2 WHERE source_id = $1",
        "UPDATE feeds SET window_months = $2 WHERE source_id = $1",
        "UPDATE feeds SET enabled = $2 WHERE source_id = $1",
    };
    /* the audit says what changed, never the secret: only that it was set */
    detail = json_pack("{s:b}", "secret_changed", secret != NULL);
    for (size_t i = 0; i < 4; i++) {
        if (vals[i] < 0)
            continue;
        if ((rc = db_run(db, e, sql[i], "ii", source_id, vals[i])) < 0)
            goto out;
        json_object_set_new(detail, nums[i], json_integer(vals[i]));
    }
    if (c->target)
        json_object_set_new(detail, "target", json_string(c->target));
    if (mapping)
        json_object_set_new(detail, "mapping", json_string(mapping));
    if (http)
        json_object_set_new(detail, "http", json_string(http));
    if (c->kind)
        json_object_set_new(detail, "kind", json_string(c->kind));
    rc = audit_log(db, actor, 0, exists ? "feed_update" : "feed_create", "source", source_id,
                   detail, e);
out:
    json_decref(detail);
    free(mapping);
    free(http);
    buf_release(&sealed);
    return rc < 0 ? rc : 0;
}

#define STATUS_SQL                                                                             \
    "SELECT f.source_id, s.code, s.name, f.kind, f.target, f.mapping, f.every_seconds,"        \
    " f.page_size, f.window_months, f.enabled, f.secret, f.mark_time, f.mark_id, f.rows_read,"  \
    " f.stored, f.duplicates, f.quarantined, f.last_try_at, f.last_ok_at, f.last_error,"        \
    " f.failures, f.next_at, (SELECT COUNT(*) FROM quarantine q WHERE q.source_id ="            \
    " f.source_id AND q.status = 'open'), f.http FROM feeds f JOIN sources s ON s.id = f.source_id"

/* One status object from a STATUS_SQL row. */
static json_t *status_row(struct db_stmt *st, long long now)
{
    long long ok = db_col_int(st, 18), failures = db_col_int(st, 20);
    json_t *mapping = json_loads(db_col_text(st, 5), 0, NULL);
    const char *state = !db_col_int(st, 9) ? "disabled"
                        : failures       ? "failing"
                        : ok             ? "ok"
                                         : "never";
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I,"
        " s:I, s:I, s:s, s:s}",
        "source_id", db_col_int(st, 0), "code", db_col_text(st, 1), "name", db_col_text(st, 2),
        "kind", db_col_text(st, 3), "target", db_col_text(st, 4), "mapping",
        mapping ? mapping : json_object(), "every_seconds", db_col_int(st, 6), "page_size",
        db_col_int(st, 7), "window_months", db_col_int(st, 8), "enabled",
        (int)db_col_int(st, 9), "secret_set", db_col_text(st, 10)[0] != '\0', "rows_read",
        db_col_int(st, 13), "stored", db_col_int(st, 14), "duplicates", db_col_int(st, 15),
        "quarantined", db_col_int(st, 16), "quarantine_open", db_col_int(st, 22), "failures",
        failures, "next_at", db_col_int(st, 21), "last_try_at", db_col_int(st, 17), "last_error",
        db_col_text(st, 19), "state", state);
    if (strcmp(db_col_text(st, 3), "http") == 0) {
        struct feed_http *h = NULL;
        json_t *spec = json_loads(db_col_text(st, 23), 0, NULL);
        struct errbuf pe = ERRBUF_INIT;
        if (feed_http_parse(spec, &h, &pe) >= 0) {
            json_object_set_new(o, "http", feed_http_json(h));
            feed_http_free(h);
        }
        json_decref(spec);
    }
    json_object_set_new(o, "last_ok_at", ok ? json_integer(ok) : json_null());
    json_object_set_new(o, "lag_seconds", ok ? json_integer(now - ok) : json_null());
    json_object_set_new(o, "watermark",
                        db_col_text(st, 11)[0] || db_col_text(st, 12)[0]
                            ? json_pack("{s:s, s:s}", "updated_at", db_col_text(st, 11), "id",
                                        db_col_text(st, 12))
                            : json_null());
    return o;
}

int feed_status(struct db *db, long long source_id, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *o = NULL;
    int rc;
    if ((rc = db_prepare(db, STATUS_SQL " WHERE f.source_id = $1", &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, source_id);
    if ((rc = db_step(st, e)) == 1)
        o = status_row(st, (long long)time(NULL));
    db_done(st);
    if (rc < 0)
        return rc;
    if (!o)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "feed", source_id,
                                "source %lld has no feed", source_id);
    *ret = o;
    return 0;
}

int feed_list(struct db *db, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *list = json_array();
    long long now = (long long)time(NULL);
    int rc;
    if ((rc = db_prepare(db, STATUS_SQL " ORDER BY s.code", &st, e)) < 0) {
        json_decref(list);
        return rc;
    }
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(list, status_row(st, now));
    db_done(st);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *ret = list;
    return 0;
}

int feed_load_map(struct db *db, long long source_id, struct feed_map **ret_map,
                  int *ret_min_month, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *spec = NULL;
    long long window = 24;
    int rc;
    if ((rc = db_prepare(db, "SELECT mapping, window_months FROM feeds WHERE source_id = $1", &st,
                         e)) < 0)
        return rc;
    db_bind_int(st, 1, source_id);
    if ((rc = db_step(st, e)) == 1) {
        spec = json_loads(db_col_text(st, 0), 0, NULL);
        window = db_col_int(st, 1);
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "feed", source_id,
                                "source %lld has no feed", source_id);
    rc = feed_map_parse(spec, ret_map, e);
    json_decref(spec);
    if (rc < 0)
        return rc;
    /* the window: this month and the window_months - 1 before it */
    *ret_min_month = month_add(month_of_time(time(NULL)), -(int)(window - 1));
    return 0;
}
