/* The OpenID Connect authorization code flow with PKCE, done by the server: /start keeps a
 * state, a nonce and a code verifier and sends the browser to the identity provider;
 * /callback consumes the state (once: a replayed callback finds nothing), exchanges the code,
 * verifies the ID token (sso/provider.c), maps the configured claim to a member's employee
 * number and opens the same session a password sign-in does. */
#include "sso/api.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/secret.h"
#include "db/db.h"
#include "http/auth.h"
#include "org/account.h"
#include "org/lockout.h"
#include "sso/fetch.h"
#include "sso/oidc.h"
#include "base/banned.h"

int api_sso_config(struct req *r, struct errbuf *e)
{
    long long n = 0;
    int rc;
    if ((rc = db_query_int(r->db, e, &n, "SELECT COUNT(*) FROM sso_settings", "")) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:b}", "oidc", n > 0));
}

static int not_configured(struct errbuf *e)
{
    return errbuf_field(e, -ERR_NOTFOUND, R_NOT_FOUND, "sso", NULL,
                        "single sign-on is not configured (dangjian sso set)");
}

/* base64url(SHA-256(verifier)): the PKCE S256 challenge (RFC 7636). */
static void pkce_challenge(const char *verifier, char out[48])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
    sodium_bin2base64(out, 48, h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int api_oidc_start(struct req *r, struct errbuf *e)
{
    struct sso_settings s;
    char authorize[512], token_ep[512], state[48], nonce[48], verifier[48], challenge[48];
    char hash[SECRET_HEX_LEN];
    long long now = (long long)time(NULL);
    struct buf url;
    int rc;
    buf_init(&url, 4096);
    if ((rc = sso_settings_load(r->db, &s, e)) <= 0) {
        rc = rc < 0 ? rc : not_configured(e);
        goto out;
    }
    if ((rc = oidc_endpoints(s.issuer, authorize, sizeof(authorize), token_ep, sizeof(token_ep),
                             e)) < 0)
        goto out;
    secret_token(state, sizeof(state));
    secret_token(nonce, sizeof(nonce));
    secret_token(verifier, sizeof(verifier));
    pkce_challenge(verifier, challenge);
    secret_hash_hex(state, hash);
    db_run(r->db, NULL, "DELETE FROM sso_states WHERE created_at < $1", "i",
           now - OIDC_STATE_TTL);
    if ((rc = db_run(r->db, e,
                     "INSERT INTO sso_states(state_hash, nonce, verifier, created_at)"
                     " VALUES($1, $2, $3, $4)",
                     "ttti", hash, nonce, verifier, now)) < 0)
        goto out;
    if (buf_printf(&url, "%s%cresponse_type=code&scope=openid&client_id=", authorize,
                   strchr(authorize, '?') ? '&' : '?') < 0 ||
        sso_urlencode(&url, s.client_id) < 0 || buf_addstr(&url, "&redirect_uri=") < 0 ||
        sso_urlencode(&url, s.redirect_uri) < 0 ||
        buf_printf(&url, "&state=%s&nonce=%s&code_challenge=%s&code_challenge_method=S256",
                   state, nonce, challenge) < 0) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    r->location = buf_detach(&url);
    r->status = 302;
out:
    buf_release(&url);
    sso_settings_release(&s);
    return rc < 0 ? rc : 0;
}

/* Take the sign-in's state: its nonce and verifier, then the row is gone. */
static int take_state(struct req *r, const char *state, char nonce[64], char verifier[64],
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
    if (created + OIDC_STATE_TTL < (long long)time(NULL)) {
        errbuf_field(e, -ERR_UNAUTH, R_WRONG_STATE, "state", NULL,
                     "the sign-in took longer than %d minutes: start it again",
                     OIDC_STATE_TTL / 60);
        return errbuf_state(e, "expired");
    }
    return 0;
}

/* The code for tokens at the token endpoint; the ID token into *ret (new reference). */
static int exchange(const struct sso_settings *s, const char *code, const char *verifier,
                    json_t **ret, struct errbuf *e)
{
    char authorize[512], token_ep[512];
    struct buf form;
    json_t *reply = NULL, *id;
    long status = 0;
    int rc;
    buf_init(&form, 8192);
    if ((rc = oidc_endpoints(s->issuer, authorize, sizeof(authorize), token_ep,
                             sizeof(token_ep), e)) < 0)
        goto out;
    if (buf_addstr(&form, "grant_type=authorization_code&code=") < 0 ||
        sso_urlencode(&form, code) < 0 || buf_addstr(&form, "&redirect_uri=") < 0 ||
        sso_urlencode(&form, s->redirect_uri) < 0 ||
        buf_printf(&form, "&code_verifier=%s", verifier) < 0) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = sso_fetch_json(token_ep, buf_str(&form), s->client_id, buf_str(&s->secret),
                             &reply, &status, e)) < 0)
        goto out;
    id = json_object_get(reply, "id_token");
    if (status != 200 || !json_is_string(id)) {
        const char *err = json_string_value(json_object_get(reply, "error"));
        rc = errbuf_field(e, -ERR_UNAUTH, R_MISMATCH, "code", NULL,
                          "the identity provider refused the code (HTTP %ld, %s)", status,
                          err ? err : "no id_token");
        goto out;
    }
    *ret = json_incref(id);
out:
    json_decref(reply);
    buf_release(&form);
    return rc;
}

/* The account of the member whose employee number is emp_no; created when the settings
 * allow it and the member has none. */
static int member_account(struct req *r, const struct sso_settings *s, const char *emp_no,
                          long long *ret_id, char *login, size_t nlogin, struct errbuf *e)
{
    struct db_stmt *st;
    long long member = 0, org = 0, id = 0, disabled = 0;
    int rc;
    if ((rc = db_prepare(r->db,
                         "SELECT m.id, m.org_id, a.id, a.login, a.disabled FROM members m"
                         " LEFT JOIN accounts a ON a.member_id = m.id WHERE m.emp_no = $1"
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
        return errbuf_field(e, -ERR_FORBIDDEN, R_UNKNOWN_MEMBER, s->claim, emp_no,
                            "no member has the employee number '%s' the identity provider"
                            " sent", emp_no);
    if (disabled) {
        errbuf_field(e, -ERR_FORBIDDEN, R_WRONG_STATE, "account", login,
                     "account '%s' is disabled", login);
        return errbuf_state(e, "disabled");
    }
    if (!id) {
        char password[48];
        struct account_new a = {.login = emp_no, .member_id = member, .role = ROLE_MEMBER,
                                .org_id = org};
        if (!s->create_accounts)
            return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, "account", emp_no,
                                "member '%s' has no account, and single sign-on may not"
                                " create one (dangjian sso set --create-accounts yes)",
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

static int claim_text(const json_t *claims, const char *name, char *out, size_t n)
{
    const json_t *v = json_object_get(claims, name);
    if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < n)
        snprintf(out, n, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else
        return -1;
    return 0;
}

int api_oidc_callback(struct req *r, struct errbuf *e)
{
    const char *code = req_query(r, "code"), *state = req_query(r, "state");
    const char *failure = req_query(r, "error");
    char nonce[64] = "", verifier[64] = "", emp_no[128] = "", login[128] = "";
    char subject[LOCKOUT_SUBJECT_MAX] = "", token[48], csrf[48];
    struct sso_settings s;
    json_t *id_token = NULL, *claims = NULL;
    long long id = 0, now = (long long)time(NULL);
    int rc;
    if ((rc = sso_settings_load(r->db, &s, e)) <= 0) {
        rc = rc < 0 ? rc : not_configured(e);
        goto out;
    }
    if (!state || !*state) {
        rc = errbuf_field(e, -ERR_INVALID, R_REQUIRED, "state", NULL, "state is required");
        goto out;
    }
    if ((rc = take_state(r, state, nonce, verifier, e)) < 0)
        goto out;
    if (failure) {
        rc = errbuf_field(e, -ERR_UNAUTH, R_NOT_ALLOWED, "error", failure,
                          "the identity provider did not sign you in: '%s'", failure);
        goto out;
    }
    if (!code || !*code) {
        rc = errbuf_field(e, -ERR_INVALID, R_REQUIRED, "code", NULL, "code is required");
        goto out;
    }
    if ((rc = exchange(&s, code, verifier, &id_token, e)) < 0 ||
        (rc = oidc_verify(&s, json_string_value(id_token), nonce, now, &claims, e)) < 0)
        goto out;
    if (claim_text(claims, s.claim, emp_no, sizeof(emp_no)) < 0) {
        rc = errbuf_field(e, -ERR_FORBIDDEN, R_REQUIRED, s.claim, NULL,
                          "the ID token has no claim '%s' with an employee number", s.claim);
        goto out;
    }
    if ((rc = member_account(r, &s, emp_no, &id, login, sizeof(login), e)) < 0) {
        if (lockout_subject(r->db, emp_no, subject, NULL) == 0)
            auth_record_login(r, emp_no, subject, 0, 0, e->msg, "oidc");
        goto out;
    }
    /* a person locked out after failed passwords stays locked whichever way they come */
    if ((rc = lockout_subject(r->db, login, subject, e)) < 0 ||
        (rc = lockout_check(r->db, subject, r->ip, now, e)) < 0)
        goto out;
    if ((rc = auth_open_session(r, id, login, subject, "oidc", token, csrf, e)) < 0)
        goto out;
    if (!(r->location = strdup("/login?sso=done"))) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    r->status = 302;
out:
    json_decref(id_token);
    json_decref(claims);
    sso_settings_release(&s);
    sodium_memzero(verifier, sizeof(verifier));
    return rc < 0 ? rc : 0;
}
