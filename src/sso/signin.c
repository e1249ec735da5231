/* What every way of single sign-on shares: the state of a sign-in in flight, kept in
 * sso_states until its callback takes it once, and signing in the member an identity
 * provider vouched for with the session a password sign-in makes. */
#include "sso/signin.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/httpc.h"
#include "base/log.h"
#include "base/secret.h"
#include "db/db.h"
#include "http/auth.h"
#include "org/account.h"
#include "org/lockout.h"
#include "sso/fetch.h"
#include "base/banned.h"

/* A new state (random, 43 characters) for nonce and verifier (either may be ""); the
 * database keeps only its hash. States older than SSO_STATE_TTL are swept here. */
int sso_state_new(struct req *r, const char *nonce, const char *verifier, char state[48],
                  struct errbuf *e)
{
    char hash[SECRET_HEX_LEN];
    long long now = (long long)time(NULL);
    int rc;
    secret_token(state, 48);
    secret_hash_hex(state, hash);
    db_run(r->db, NULL, "DELETE FROM sso_states WHERE created_at < $1", "i", now - SSO_STATE_TTL);
    rc = db_run(r->db, e,
                "INSERT INTO sso_states(state_hash, nonce, verifier, created_at)"
                " VALUES($1, $2, $3, $4)",
                "ttti", hash, nonce, verifier, now);
    return rc < 0 ? rc : 0;
}

/* Take the sign-in's state: its nonce and verifier, then the row is gone (single use). */
static int sso_state_take(struct req *r, const char *state, char nonce[64], char verifier[64],
                          struct errbuf *e)
{
    char hash[SECRET_HEX_LEN];
    struct db_stmt *st;
    long long created = 0;
    int rc;
    secret_hash_hex(state, hash);
    if ((rc = db_prepare(r->db,
                         "DELETE FROM sso_states WHERE state_hash = $1"
                         " RETURNING nonce, verifier, created_at",
                         &st, e)) < 0)
        return rc;
    db_bind_text(st, 1, hash);
    if ((rc = db_step(st, e)) == 1) {
        snprintf(nonce, 64, "%s", db_col_text(st, 0));
        snprintf(verifier, 64, "%s", db_col_text(st, 1));
        created = db_col_int(st, 2);
        while ((rc = db_step(st, e)) == 1)
            ;
        if (rc == 0)
            rc = 1;
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field(e, -ERR_UNAUTH, R_NOT_FOUND, "state", NULL,
                            "unknown or already used sign-in state: start the sign-in again");
    if (created + SSO_STATE_TTL < (long long)time(NULL)) {
        errbuf_field(e, -ERR_UNAUTH, R_WRONG_STATE, "state", NULL,
                     "the sign-in took longer than %d minutes: start it again", SSO_STATE_TTL / 60);
        return errbuf_state(e, "expired");
    }
    return 0;
}

int sso_redirect(struct req *r, const char *base, const char *const *pairs, struct errbuf *e)
{
    struct buf url;
    char sep = strchr(base, '?') ? '&' : '?';
    int rc;
    buf_init(&url, 4096);
    rc = buf_addstr(&url, base);
    for (size_t i = 0; rc == 0 && pairs[i] && pairs[i + 1]; i += 2, sep = '&')
        if ((rc = buf_printf(&url, "%c%s=", sep, pairs[i])) == 0)
            rc = httpc_urlencode(&url, pairs[i + 1]);
    if (rc < 0) {
        buf_release(&url);
        return errbuf_set(e, -ERR_TOOBIG, "the sign-in address is too long");
    }
    r->location = buf_detach(&url);
    r->status = 302;
    return 0;
}

int sso_callback_end(struct req *r, int rc, struct errbuf *e)
{
    const char *accept = req_header(r, "Accept"), *why;
    char where[128];
    if (rc >= 0 || !accept || !strstr(accept, "text/html"))
        return rc;
    /* a person in a browser: the login page says what went wrong, in their language; the
     * details stay in the log and in the sign-ins */
    why = reason_name(e->why);
    snprintf(where, sizeof(where), "/login?sso_error=%s", why ? why : err_name(rc));
    log_info("single sign-on refused: %s", e->msg);
    free(r->location);
    if (!(r->location = strdup(where)))
        return rc;
    r->status = 302;
    return 0;
}

/* A callback's first steps: the state (required) taken once, then the provider's refusal
 * (an OAuth `error` parameter) and the code (required); *ret_code points into the query. */
int sso_callback_begin(struct req *r, char nonce[64], char verifier[64], const char **ret_code,
                       struct errbuf *e)
{
    const char *state = req_query(r, "state"), *code = req_query(r, "code");
    const char *failure = req_query(r, "error");
    int rc;
    if (!state || !*state)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "state", NULL, "state is required");
    if ((rc = sso_state_take(r, state, nonce, verifier, e)) < 0)
        return rc;
    if (failure)
        return errbuf_field(e, -ERR_UNAUTH, R_NOT_ALLOWED, "error", failure,
                            "the identity provider did not sign you in: '%s'", failure);
    if (!code || !*code)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "code", NULL, "code is required");
    *ret_code = code;
    return 0;
}

/* The account of the member whose employee number is emp_no; created when the settings
 * allow it and the member has none. */
static int member_account(struct req *r, const char *emp_no, const char *field, bool create,
                          long long *ret_id, char *login, size_t nlogin, struct errbuf *e)
{
    struct db_stmt *st;
    long long member = 0, org = 0, id = 0, disabled = 0;
    int rc;
    if ((rc = db_prepare(r->db,
                         "SELECT m.id, m.org_id, a.id, a.login, a.disabled FROM members m"
                         " LEFT JOIN accounts a ON a.member_id = m.id AND a.tenant_id = m.tenant_id WHERE m.emp_no = $1"
                         " ORDER BY CASE WHEN a.login = m.emp_no THEN 0 ELSE 1 END, a.id",
                         &st, e)) < 0)
        return rc;
    db_bind_text(st, 1, emp_no);
    if ((rc = db_step(st, e)) == 1) {
        member = db_col_int(st, 0);
        org = db_col_int(st, 1);
        id = db_col_int(st, 2);
        snprintf(login, nlogin, "%s", db_col_text(st, 3));
        disabled = db_col_int(st, 4);
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (!member)
        return errbuf_field(e, -ERR_FORBIDDEN, R_UNKNOWN_MEMBER, field, emp_no,
                            "no member has the employee number '%s' the identity provider"
                            " sent",
                            emp_no);
    if (disabled) {
        errbuf_field(e, -ERR_FORBIDDEN, R_WRONG_STATE, "account", login, "account '%s' is disabled",
                     login);
        return errbuf_state(e, "disabled");
    }
    if (!id) {
        char password[48];
        struct account_new a = {
            .login = emp_no, .member_id = member, .role = ROLE_MEMBER, .org_id = org};
        if (!create)
            return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, "account", emp_no,
                                "member '%s' has no account, and single sign-on may not"
                                " create one (--create-accounts yes)",
                                emp_no);
        /* nobody knows this password: the account signs in through the provider */
        secret_token(password, sizeof(password));
        a.password = password;
        rc = account_create(r->db, &a, 0, &id, e);
        sodium_memzero(password, sizeof(password));
        if (rc < 0)
            return rc;
        snprintf(login, nlogin, "%s", emp_no);
    }
    *ret_id = id;
    return 0;
}

int sso_sign_in(struct req *r, const char *emp_no, const char *field, bool create,
                const char *method, struct errbuf *e)
{
    char login[128] = "", subject[LOCKOUT_SUBJECT_MAX] = "", token[AUTH_TOKEN_MAX],
                                 csrf[AUTH_CSRF_MAX];
    long long id = 0;
    int rc;
    if ((rc = member_account(r, emp_no, field, create, &id, login, sizeof(login), e)) < 0) {
        if (lockout_subject(r->db, emp_no, subject, NULL) == 0)
            auth_record_login(r, emp_no, subject, 0, 0, e->msg, method);
        return rc;
    }
    /* a person locked out after failed passwords stays locked whichever way they come */
    if ((rc = lockout_subject(r->db, login, subject, e)) < 0 ||
        (rc = lockout_check(r->db, subject, r->ip, (long long)time(NULL), e)) < 0 ||
        (rc = auth_open_session(r, id, login, subject, method, token, csrf, e)) < 0)
        return rc;
    /* the web app asks /me there and goes home */
    if (!(r->location = strdup("/login?sso=done")))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    r->status = 302;
    return 0;
}
