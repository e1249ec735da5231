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
#include "sso/fetch.h"
#include "sso/oidc.h"
#include "sso/signin.h"
#include "base/banned.h"

int api_sso_config(struct req *r, struct errbuf *e)
{
    long long oidc = 0, wecom = 0;
    int rc;
    if ((rc = db_query_int(r->db, e, &oidc, "SELECT COUNT(*) FROM sso_settings", "")) < 0 ||
        (rc = db_query_int(r->db, e, &wecom, "SELECT COUNT(*) FROM wecom_settings", "")) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:b, s:b}", "oidc", oidc > 0, "wecom", wecom > 0));
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
    int rc;
    if ((rc = sso_settings_load(r->db, &s, e)) <= 0) {
        rc = rc < 0 ? rc : not_configured(e);
        goto out;
    }
    if ((rc = oidc_endpoints(s.issuer, authorize, sizeof(authorize), token_ep, sizeof(token_ep),
                             e)) < 0)
        goto out;
    secret_token(nonce, sizeof(nonce));
    secret_token(verifier, sizeof(verifier));
    pkce_challenge(verifier, challenge);
    if ((rc = sso_state_new(r, nonce, verifier, state, e)) < 0)
        goto out;
    rc = sso_redirect(r, authorize,
                      (const char *const[]){"response_type", "code", "scope", "openid", "client_id",
                                            s.client_id, "redirect_uri", s.redirect_uri, "state",
                                            state, "nonce", nonce, "code_challenge", challenge,
                                            "code_challenge_method", "S256", NULL},
                      e);
out:
    sso_settings_release(&s);
    return rc < 0 ? rc : 0;
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
    if ((rc = oidc_endpoints(s->issuer, authorize, sizeof(authorize), token_ep, sizeof(token_ep),
                             e)) < 0)
        goto out;
    if (buf_addstr(&form, "grant_type=authorization_code&code=") < 0 ||
        sso_urlencode(&form, code) < 0 || buf_addstr(&form, "&redirect_uri=") < 0 ||
        sso_urlencode(&form, s->redirect_uri) < 0 ||
        buf_printf(&form, "&code_verifier=%s", verifier) < 0) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = sso_fetch_json(token_ep, buf_str(&form), s->client_id, buf_str(&s->secret), &reply,
                             &status, e)) < 0)
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
    const char *code = NULL;
    char nonce[64] = "", verifier[64] = "", emp_no[128] = "";
    struct sso_settings s;
    json_t *id_token = NULL, *claims = NULL;
    int rc;
    if ((rc = sso_settings_load(r->db, &s, e)) <= 0) {
        rc = rc < 0 ? rc : not_configured(e);
        goto out;
    }
    if ((rc = sso_callback_begin(r, nonce, verifier, &code, e)) < 0 ||
        (rc = exchange(&s, code, verifier, &id_token, e)) < 0 ||
        (rc = oidc_verify(&s, json_string_value(id_token), nonce, (long long)time(NULL), &claims,
                          e)) < 0)
        goto out;
    if (claim_text(claims, s.claim, emp_no, sizeof(emp_no)) < 0) {
        rc = errbuf_field(e, -ERR_FORBIDDEN, R_REQUIRED, s.claim, NULL,
                          "the ID token has no claim '%s' with an employee number", s.claim);
        goto out;
    }
    rc = sso_sign_in(r, emp_no, s.claim, s.create_accounts, "oidc", e);
out:
    json_decref(id_token);
    json_decref(claims);
    sso_settings_release(&s);
    sodium_memzero(verifier, sizeof(verifier));
    return sso_callback_end(r, rc < 0 ? rc : 0, e);
}
