#include "org/account.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/secret.h"
#include "base/text.h"
#include "db/db.h"
#include "db/versions.h"
#include "org/audit.h"
#include "org/tenant.h"
#include "base/banned.h"

static int check_login(const char *login, struct errbuf *e)
{
    size_t n = login ? strlen(login) : 0;
    if (n == 0 || n > 64)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "login", login,
                             "login must be 1 to 64 characters"),
                errbuf_limit(e, 64));
    for (size_t i = 0; i < n; i++) {
        char c = login[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "login", login,
                                "invalid login '%s': use letters, digits and . _ - @", login);
    }
    return 0;
}

int account_check_password(const char *password, struct errbuf *e)
{
    size_t chars = password ? text_utf8_chars(password) : 0;
    if (chars < 8)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_SHORT, "password", NULL,
                             "password must be at least 8 characters"),
                errbuf_limit(e, 8));
    if (strlen(password) > 256)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "password", NULL,
                             "password is longer than 256 bytes"),
                errbuf_limit(e, 256));
    return 0;
}

int account_find(struct db *db, const char *login, long long *ret_id, struct errbuf *e)
{
    int rc = db_find_id(db, "SELECT id FROM accounts WHERE login = $1", login, "no account '%s'",
                        ret_id, e);
    return rc == -ERR_NOTFOUND ? errbuf_why(e, R_NOT_FOUND, "login", login) : rc;
}

/* A role row goes with its account (joined with it on the tenant), whatever tenant the
 * role's organization is in: a national account may hold a role in a province. */
static int grant(struct db *db, long long account_id, long long tenant, enum role role,
                 long long org_id, struct errbuf *e)
{
    int rc = db_queue(db, e,
                    "INSERT INTO account_roles(account_id, role, org_id, tenant_id)"
                    " VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    "itii", account_id, role_name(role), org_id, tenant);
    /* sessions of the account carry its roles: they must be read again */
    return rc < 0 ? rc : version_bump(db, TOPIC_SESSIONS, e);
}

int account_grant(struct db *db, long long account_id, enum role role, long long org_id,
                  struct errbuf *e)
{
    long long tenant;
    int rc = tenant_of_account(db, account_id, &tenant, e);
    return rc < 0 ? rc : grant(db, account_id, tenant, role, org_id, e);
}

int account_create(struct db *db, const struct account_new *a, long long actor,
                   long long *ret_id, struct errbuf *e)
{
    char hash[SECRET_PWHASH_LEN];
    long long id = 0, now = (long long)time(NULL), tenant;
    int rc;
    if ((rc = check_login(a->login, e)) < 0)
        return rc;
    /* the account goes with its organization (a member's is their branch), else its member */
    if ((rc = a->org_id || !a->member_id ? tenant_of_org(db, a->org_id, &tenant, e)
                                         : tenant_of_member(db, a->member_id, 0, &tenant, e)) < 0)
        return rc;
    if (a->password_hash) {
        snprintf(hash, sizeof(hash), "%s", a->password_hash);
    } else {
        if ((rc = account_check_password(a->password, e)) < 0)
            return rc;
        if ((rc = secret_password_hash(a->password, hash)) < 0)
            return errbuf_set(e, rc, "cannot hash password: out of memory");
    }
    if (a->id > 0) /* a one-row INSERT: queued when the caller pipelines */
        rc = db_run(db, e,
                    "INSERT INTO accounts(id, login, password_hash, display_name, member_id,"
                    " created_at, updated_at, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $6, $7)",
                    "itttIii", a->id, a->login, hash, a->display_name ? a->display_name : "",
                    a->member_id, now, tenant);
    else
        rc = db_query_int(db, e, &id,
                          "INSERT INTO accounts(login, password_hash, display_name, member_id,"
                          " created_at, updated_at, tenant_id) VALUES($1, $2, $3, $4, $5, $5, $6)"
                          " RETURNING id",
                          "tttIii", a->login, hash, a->display_name ? a->display_name : "",
                          a->member_id, now, tenant);
    if (a->id > 0)
        id = a->id;
    if (rc == -ERR_CONFLICT)
        return errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "login", a->login,
                            "account '%s' already exists", a->login);
    if (rc < 0)
        return rc;
    tenant_remember_account(db, id, tenant);
    if (a->role && (rc = grant(db, id, tenant, a->role, a->org_id, e)) < 0)
        return rc;
    if (!a->password_hash) {
        json_t *d = json_pack("{s:s, s:s}", "login", a->login, "role", role_name(a->role));
        rc = audit_log(db, actor, a->org_id, "create", "account", id, d, e);
        json_decref(d);
        if (rc < 0)
            return rc;
    }
    *ret_id = id;
    return 0;
}

int account_set_password(struct db *db, const char *login, const char *password,
                         long long actor, struct errbuf *e)
{
    char hash[SECRET_PWHASH_LEN];
    long long id;
    int rc;
    if ((rc = account_find(db, login, &id, e)) < 0 || (rc = account_check_password(password, e)) < 0)
        return rc;
    if ((rc = secret_password_hash(password, hash)) < 0)
        return errbuf_set(e, rc, "cannot hash password: out of memory");
    if ((rc = db_run(db, e, "UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3",
                     "tii", hash, (long long)time(NULL), id)) < 0)
        return rc;
    /* a new password ends every session of the account */
    if ((rc = db_run(db, e, "DELETE FROM sessions WHERE account_id = $1", "i", id)) < 0 ||
        (rc = version_bump(db, TOPIC_SESSIONS, e)) < 0)
        return rc;
    return audit_log(db, actor, 0, "passwd", "account", id, NULL, e);
}

int account_set_disabled(struct db *db, const char *login, bool disabled, long long actor,
                         struct errbuf *e)
{
    long long id;
    int rc;
    if ((rc = account_find(db, login, &id, e)) < 0)
        return rc;
    if ((rc = db_run(db, e, "UPDATE accounts SET disabled = $1, updated_at = $2 WHERE id = $3",
                     "iii", (long long)disabled, (long long)time(NULL), id)) < 0)
        return rc;
    if (disabled && (rc = db_run(db, e, "DELETE FROM sessions WHERE account_id = $1", "i", id)) < 0)
        return rc;
    if ((rc = version_bump(db, TOPIC_SESSIONS, e)) < 0)
        return rc;
    return audit_log(db, actor, 0, disabled ? "disable" : "enable", "account", id, NULL, e);
}

/* A hash to check against when the login is unknown, so that both cases cost the same and
 * timing does not tell which logins exist. */
static char dummy_hash[SECRET_PWHASH_LEN];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    char pw[48];
    secret_token(pw, sizeof(pw));
    if (secret_password_hash(pw, dummy_hash) < 0)
        dummy_hash[0] = '\0';
}

int account_authenticate(struct db *db, const char *login, const char *password,
                         long long *ret_id, struct errbuf *e)
{
    struct db_stmt *st;
    char hash[SECRET_PWHASH_LEN] = "";
    long long id = 0, disabled = 0;
    int rc;
    if ((rc = db_prepare(db, "SELECT id, password_hash, disabled FROM accounts WHERE login = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_text(st, 1, login);
    if ((rc = db_step(st, e)) == 1) {
        id = db_col_int(st, 0);
        snprintf(hash, sizeof(hash), "%s", db_col_text(st, 1));
        disabled = db_col_int(st, 2);
    }
    db_done(st);
    if (rc < 0)
        return rc;
    pthread_once(&dummy_once, make_dummy);
    if (!secret_password_check(id ? hash : dummy_hash, password) || !id)
        return errbuf_set(e, -ERR_UNAUTH, "wrong login or password");
    if (disabled)
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, "login", login,
                            "account '%s' is disabled", login);
    *ret_id = id;
    return 0;
}

int account_list(struct db *db, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *list = json_array(), *cur = NULL;
    long long cur_id = 0;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT a.id, a.login, a.display_name, a.disabled, r.role, o.code"
                         " FROM accounts a LEFT JOIN account_roles r ON r.account_id = a.id AND r.tenant_id = a.tenant_id"
                         " LEFT JOIN orgs o ON o.id = r.org_id ORDER BY a.id, r.role, o.code",
                         &st, e)) < 0) {
        json_decref(list);
        return rc;
    }
    while ((rc = db_step(st, e)) == 1) {
        if (!cur || db_col_int(st, 0) != cur_id) {
            cur_id = db_col_int(st, 0);
            cur = json_pack("{s:I, s:s, s:s, s:b, s:[]}", "id", cur_id, "login",
                            db_col_text(st, 1), "display_name", db_col_text(st, 2), "disabled",
                            (int)db_col_int(st, 3), "roles");
            json_array_append_new(list, cur);
        }
        if (!db_col_null(st, 4))
            json_array_append_new(json_object_get(cur, "roles"),
                                  json_pack("{s:s, s:s}", "role", db_col_text(st, 4), "org",
                                            db_col_text(st, 5)));
    }
    db_done(st);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *ret = list;
    return 0;
}
