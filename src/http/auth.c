#include "http/auth.h"
#include "http/bodycheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "base/secret.h"
#include "base/text.h"
#include "base/xlsxread.h"
#include "db/db.h"
#include "db/versions.h"
#include "ingest/source.h"
#include "org/account.h"
#include "org/lockout.h"
#include "org/tenant.h"
#include "base/banned.h"

static const char *bearer_token(struct req *r)
{
    const char *h = req_header(r, "Authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0)
        return h + 7;
    return NULL;
}

/* Sessions a worker thread has checked, until they expire or sessions change anywhere
 * (logout, password, disabled account, roles: the 'sessions' data version). A request with
 * a known session then needs no database round trip to authenticate. */
#define SESSION_CACHE 64
static _Thread_local struct session_entry {
    char hash[SECRET_HEX_LEN];
    struct version_stamp stamp;
    long long expires_at;
    char csrf[72];
    struct auth auth;
} session_cache[SESSION_CACHE];

static struct session_entry *session_slot(const char *hash)
{
    unsigned h = 2166136261u;
    for (const char *p = hash; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return &session_cache[h % SESSION_CACHE];
}

static int load_session_db(struct req *r, const char *hash, long long tenant,
                           long long *ret_expires, struct errbuf *e);

/* The tenant a token names ("3.Qx..."), 0 when it names none (a token from before tenants
 * were put in front, or not one of ours). */
static long long token_tenant(const char *token)
{
    long long t = 0;
    int n = 0;
    for (; token[n] >= '0' && token[n] <= '9' && n < 18; n++)
        t = t * 10 + (token[n] - '0');
    return n > 0 && token[n] == '.' ? t : 0;
}

/* Load the session's account and roles into r->auth and r->csrf, from the thread's cache
 * or the database. 0 when valid, -ERR_UNAUTH otherwise. */
static int load_session(struct req *r, const char *token, struct errbuf *e)
{
    char hash[SECRET_HEX_LEN];
    struct session_entry *slot;
    struct version_stamp stamp;
    long long now = (long long)time(NULL), expires = 0;
    int rc;
    secret_hash_hex(token, hash);
    if ((rc = version_get(r->db, TOPIC_SESSIONS, &stamp, e)) < 0)
        return rc;
    slot = session_slot(hash);
    if (strcmp(slot->hash, hash) == 0 && version_equal(&slot->stamp, &stamp) &&
        slot->expires_at >= now) {
        r->auth = slot->auth;
        snprintf(r->csrf, sizeof(r->csrf), "%s", slot->csrf);
        return 0;
    }
    memset(&r->auth, 0, sizeof(r->auth));
    if ((rc = load_session_db(r, hash, token_tenant(token), &expires, e)) < 0)
        return rc;
    snprintf(slot->hash, sizeof(slot->hash), "%s", hash);
    slot->stamp = stamp;
    slot->expires_at = expires;
    snprintf(slot->csrf, sizeof(slot->csrf), "%s", r->csrf);
    slot->auth = r->auth;
    return 0;
}

static int load_session_db(struct req *r, const char *hash, long long tenant,
                           long long *ret_expires, struct errbuf *e)
{
#define SESSION_SQL                                                                          \
    "SELECT a.id, a.login, a.member_id, a.disabled, s.csrf, s.expires_at,"                   \
    " ar.role, ar.org_id, o.path, s.tenant_id"                                              \
    " FROM sessions s JOIN accounts a ON a.id = s.account_id AND a.tenant_id = s.tenant_id"  \
    " LEFT JOIN account_roles ar ON ar.account_id = a.id AND ar.tenant_id = a.tenant_id"     \
    " LEFT JOIN orgs o ON o.id = ar.org_id WHERE s.token_hash = $1"
    struct db_stmt *st;
    int rc, found = 0;
    long long now = (long long)time(NULL);
    /* with the token's tenant the statement goes to that tenant's shard alone (Citus) */
    if ((rc = db_prepare(r->db, tenant ? SESSION_SQL " AND s.tenant_id = $2" : SESSION_SQL, &st,
                         e)) < 0)
        return rc;
#undef SESSION_SQL
    if (tenant)
        db_bind_int(st, 2, tenant);
    db_bind_text(st, 1, hash);
    while ((rc = db_step(st, e)) == 1) {
        struct auth *a = &r->auth;
        enum role role;
        if (!found) {
            if (db_col_int(st, 3) || db_col_int(st, 5) < now)
                break;
            found = 1;
            *ret_expires = db_col_int(st, 5);
            a->account_id = db_col_int(st, 0);
            snprintf(a->login, sizeof(a->login), "%s", db_col_text(st, 1));
            a->member_id = db_col_int(st, 2);
            a->tenant = db_col_int(st, 9);
            snprintf(r->csrf, sizeof(r->csrf), "%s", db_col_text(st, 4));
        }
        if (!db_col_null(st, 6) && a->nroles < AUTH_MAX_ROLES &&
            role_parse(db_col_text(st, 6), &role) == 0) {
            struct role_binding *b = &a->roles[a->nroles++];
            b->role = role;
            b->org_id = db_col_int(st, 7);
            snprintf(b->org_path, sizeof(b->org_path), "%s", db_col_text(st, 8));
        }
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (!found)
        return errbuf_set(e, -ERR_UNAUTH, "session expired or invalid: please log in again");
    return 0;
}

static int authenticate_user(struct req *r, const struct route *rt, struct errbuf *e)
{
    const char *token = bearer_token(r);
    int via_cookie = 0, rc;
    if (!token) {
        token = req_cookie(r, SESSION_COOKIE);
        via_cookie = token != NULL;
    }
    if (!token || !*token)
        return errbuf_set(e, -ERR_UNAUTH, "not logged in");
    if ((rc = load_session(r, token, e)) < 0)
        return rc;
    /* a cookie travels by itself: writes must also prove they come from our pages */
    if (via_cookie && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        const char *sent = req_header(r, "X-CSRF-Token");
        if (!sent || !secret_equal(sent, r->csrf))
            return errbuf_set(e, -ERR_FORBIDDEN, "missing or wrong X-CSRF-Token header");
    }
    if (!auth_has_role(&r->auth, rt->roles))
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, NULL, NULL,
                            "your role may not use %s %s", r->method, rt->pattern);
    if ((rt->flags & RT_TOP) && !auth_at_top(&r->auth, rt->roles))
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, NULL, NULL,
                            "%s %s acts for the whole installation: your role must be held on "
                            "the root organization",
                            r->method, rt->pattern);
    r->authed = true;
    return 0;
}

static bool type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int parse_json_body(struct req *r, struct errbuf *e)
{
    json_error_t je;
    if (r->body.len == 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_JSON, NULL, NULL,
                            "request body is empty: expected JSON");
    if (!text_valid_utf8(r->body.data, r->body.len))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_JSON, NULL, NULL,
                            "request body is not valid UTF-8");
    r->json = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!r->json)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_JSON, NULL, NULL,
                            "invalid JSON at line %d, column %d: %s", je.line, je.column,
                            je.text);
    return 0;
}

/* NDJSON: one JSON object per line, gathered into an array. */
static int parse_ndjson_body(struct req *r, struct errbuf *e)
{
    /* buf_str, not body.data: an empty body has no data (NULL), and NULL + 0 is undefined
     * behaviour in C (found by tests/fuzz/events, regress/events/empty-body) */
    const char *p = buf_str(&r->body), *end = p + r->body.len;
    int line = 0;
    if (!text_valid_utf8(r->body.data, r->body.len))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_JSON, NULL, NULL,
                            "request body is not valid UTF-8");
    r->json = json_array();
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        json_error_t je;
        json_t *v;
        line++;
        while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            if (!(v = json_loadb(p, len, JSON_REJECT_DUPLICATES, &je)))
                return errbuf_field(e, -ERR_INVALID, R_INVALID_JSON, NULL, NULL,
                                    "line %d: invalid JSON at column %d: %s", line, je.column,
                                    je.text);
            json_array_append_new(r->json, v);
        }
        p += len;
        while (p < end && *p != '\n')
            p++;
        p++;
    }
    return 0;
}

static int parse_body(struct req *r, const struct route *rt, struct errbuf *e)
{
    const char *ct = req_header(r, "Content-Type");
    if (rt->body == BODY_NONE || rt->body == BODY_RAW)
        return 0;
    if (rt->body == BODY_EVENTS && type_is(ct, "application/x-ndjson"))
        return parse_ndjson_body(r, e);
    if (rt->body == BODY_CSV) { /* a CSV file or an .xlsx workbook, told apart by content */
        if (!type_is(ct, "text/csv") && !type_is(ct, XLSX_MEDIA_TYPE))
            return errbuf_set(e, -ERR_MEDIA,
                              "expected Content-Type text/csv or " XLSX_MEDIA_TYPE ", got '%s'",
                              ct ? ct : "");
        if (r->body.len == 0)
            return errbuf_field(e, -ERR_INVALID, R_INVALID_CSV, NULL, NULL,
                                "request body is empty: expected a CSV or .xlsx file");
        return 0;
    }
    if (!type_is(ct, "application/json"))
        return errbuf_set(e, -ERR_MEDIA, "expected Content-Type application/json%s, got '%s'",
                          rt->body == BODY_EVENTS ? " or application/x-ndjson" : "",
                          ct ? ct : "");
    return parse_json_body(r, e);
}

int auth_prepare(struct req *r, const struct route *rt, struct errbuf *e)
{
    int rc = 0;
    if (rt->auth == AUTH_USER)
        rc = authenticate_user(r, rt, e);
    else if (rt->auth == AUTH_SOURCE) {
        const char *key = req_header(r, "X-API-Key");
        if (!key || !*key)
            return errbuf_set(e, -ERR_UNAUTH, "missing X-API-Key header");
        rc = source_authenticate(r->db, key, &r->auth.source_id, e);
    }
    if (rc < 0 || (rc = parse_body(r, rt, e)) < 0)
        return rc;
    /* event batches name their bad rows themselves (ingest/api.c), one detail per row */
    return rt->body == BODY_JSON ? bodycheck_request(r, rt->pattern, e) : 0;
}

/* One sign-in attempt into the logins table (the lockout counts its failures), with how it
 * was made: "password" or "oidc". */
void auth_record_login(struct req *r, const char *login, const char *subject,
                       long long account_id, int ok, const char *reason, const char *method)
{
    long long now = (long long)time(NULL), org = 0, tenant = TENANT_FIRST;
    if (account_id && tenant_of_account(r->db, account_id, &tenant, NULL) < 0)
        tenant = TENANT_FIRST;
    if (account_id)
        db_query_int(r->db, NULL, &org,
                     "SELECT COALESCE(m.org_id, MIN(ar.org_id)) FROM accounts a"
                     " LEFT JOIN members m ON m.id = a.member_id AND m.tenant_id = a.tenant_id"
                     " LEFT JOIN account_roles ar ON ar.account_id = a.id AND ar.tenant_id = a.tenant_id WHERE a.id = $1"
                     " GROUP BY m.org_id",
                     "i", account_id);
    db_run(r->db, NULL,
           "INSERT INTO logins(at, month, login, account_id, org_id, ip, ok, reason, subject,"
           " method, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
           "iitIItittti", now, (long long)month_of_time(now), login,
           account_id, org, r->ip, (long long)ok, reason, subject, method, tenant);
}

/* The caller's account: identity, member record, roles with their organizations. */
static json_t *me_json(struct req *r, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *me, *roles = json_array();
    int rc;
    me = json_pack("{s:I, s:s, s:n, s:o}", "id", r->auth.account_id, "login", r->auth.login,
                   "member", "roles", roles);
    if ((rc = db_prepare(r->db,
                         "SELECT ar.role, o.id, o.code, o.name, o.kind,"
                         " CASE WHEN o.parent_id IS NULL THEN 1 ELSE 0 END FROM account_roles ar"
                         " JOIN orgs o ON o.id = ar.org_id WHERE ar.account_id = $1"
                         " AND ar.tenant_id = $2 ORDER BY o.path, ar.role",
                         &st, e)) < 0)
        goto fail;
    /* the session's tenant named: one shard on Citus */
    db_bindv(st, "ii", r->auth.account_id, r->auth.tenant);
    while ((rc = db_step(st, e)) == 1) {
        enum role role = ROLE_MEMBER;
        role_parse(db_col_text(st, 0), &role);
        json_array_append_new(roles, json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:b}", "role",
                                               db_col_text(st, 0), "label", role_label(role),
                                               "org_id", db_col_int(st, 1), "org_code",
                                               db_col_text(st, 2), "org_name", db_col_text(st, 3),
                                               "org_kind", db_col_text(st, 4), "org_top",
                                               (int)db_col_int(st, 5)));
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    if ((rc = db_prepare(r->db,
                         "SELECT a.display_name, m.id, m.name, m.emp_no, m.org_id, o.name"
                         " FROM accounts a LEFT JOIN members m ON m.id = a.member_id AND m.tenant_id = a.tenant_id"
                         " LEFT JOIN orgs o ON o.id = m.org_id WHERE a.id = $1 AND a.tenant_id = $2",
                         &st, e)) < 0)
        goto fail;
    db_bindv(st, "ii", r->auth.account_id, r->auth.tenant);
    if ((rc = db_step(st, e)) == 1) {
        json_object_set_new(me, "display_name", json_string(db_col_text(st, 0)));
        if (!db_col_null(st, 1))
            json_object_set_new(me, "member",
                                json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", db_col_int(st, 1),
                                          "name", db_col_text(st, 2), "emp_no",
                                          db_col_text(st, 3), "org_id", db_col_int(st, 4),
                                          "org_name", db_col_text(st, 5)));
    }
    db_done(st);
    if (rc < 0)
        goto fail;
    return me;
fail:
    json_decref(me);
    return NULL;
}

/* Open a session for account id after a successful sign-in by method: its row, the login
 * recorded, the HttpOnly cookie set on r; token and csrf (48 bytes each) for the reply. */
int auth_open_session(struct req *r, long long id, const char *login, const char *subject,
                      const char *method, char token[AUTH_TOKEN_MAX], char csrf[AUTH_CSRF_MAX],
                      struct errbuf *e)
{
    char hash[SECRET_HEX_LEN], random[48];
    long long now = (long long)time(NULL), tenant;
    int rc;
    if ((rc = tenant_of_account(r->db, id, &tenant, e)) < 0)
        return rc;
    secret_token(random, sizeof(random));
    snprintf(token, AUTH_TOKEN_MAX, "%lld.%s", tenant, random);
    secret_token(csrf, AUTH_CSRF_MAX);
    secret_hash_hex(token, hash);
    if ((rc = db_run(r->db, e,
                     "INSERT INTO sessions(token_hash, account_id, csrf, created_at, expires_at, ip,"
                     " tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7)",
                     "titiiti", hash, id, csrf, now, now + SESSION_TTL, r->ip, tenant)) < 0)
        return rc;
    /* expired sessions of this account go now, so the table does not grow without bound */
    db_run(r->db, NULL, "DELETE FROM sessions WHERE account_id = $1 AND expires_at < $2", "ii", id,
           now);
    auth_record_login(r, login, subject, id, 1, "", method);
    snprintf(r->set_cookie, sizeof(r->set_cookie),
             SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", token,
             SESSION_TTL, r->secure ? "; Secure" : "");
    return 0;
}

int api_login(struct req *r, struct errbuf *e)
{
    const char *login, *password;
    char token[AUTH_TOKEN_MAX], csrf[AUTH_CSRF_MAX], subject[LOCKOUT_SUBJECT_MAX];
    long long id = 0, now = (long long)time(NULL);
    json_t *me;
    int rc;
    if ((rc = req_str(r, "login", true, 64, &login, e)) < 0 ||
        (rc = req_str(r, "password", true, 256, &password, e)) < 0)
        return rc;
    /* the limits belong to the person and the address, whatever alias was typed */
    if ((rc = lockout_subject(r->db, login, subject, e)) < 0 ||
        (rc = lockout_check(r->db, subject, r->ip, now, e)) < 0)
        return rc;
    if ((rc = account_authenticate(r->db, login, password, &id, e)) < 0) {
        auth_record_login(r, login, subject, id, 0, e->msg, "password");
        lockout_after_failure(r->db, subject, r->ip, now, NULL);
        return rc;
    }
    if ((rc = auth_open_session(r, id, login, subject, "password", token, csrf, e)) < 0 ||
        (rc = load_session(r, token, e)) < 0)
        return rc;
    if (!(me = me_json(r, e)))
        return e->code ? e->code : -ERR_INTERNAL;
    return req_reply_json(r, 200,
                          json_pack("{s:s, s:s, s:I, s:o}", "token", token, "csrf_token", csrf,
                                    "expires_at", now + SESSION_TTL, "account", me));
}

int api_logout(struct req *r, struct errbuf *e)
{
    const char *token = bearer_token(r);
    char hash[SECRET_HEX_LEN];
    long long tenant;
    int rc;
    if (!token)
        token = req_cookie(r, SESSION_COOKIE);
    secret_hash_hex(token ? token : "", hash);
    tenant = token ? token_tenant(token) : 0;
    if ((rc = tenant ? db_run(r->db, e,
                              "DELETE FROM sessions WHERE token_hash = $1 AND tenant_id = $2",
                              "ti", hash, tenant)
                     : db_run(r->db, e, "DELETE FROM sessions WHERE token_hash = $1", "t",
                              hash)) < 0 ||
        (rc = version_bump(r->db, TOPIC_SESSIONS, e)) < 0)
        return rc;
    snprintf(r->set_cookie, sizeof(r->set_cookie),
             SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
             r->secure ? "; Secure" : "");
    return req_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

int api_me(struct req *r, struct errbuf *e)
{
    json_t *me = me_json(r, e);
    if (!me)
        return e->code ? e->code : -ERR_INTERNAL;
    /* the web app reads its CSRF token here after a reload (the cookie is HttpOnly) */
    json_object_set_new(me, "csrf_token", json_string(r->csrf));
    return req_reply_json(r, 200, me);
}
