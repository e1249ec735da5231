/* The identity provider as we know it: its discovery document and its key set, cached for
 * all threads under one mutex. An ID token signed with a kid we do not hold makes us fetch
 * the key set again (the provider rotated its keys), at most once per JWKS_MIN_GAP seconds
 * so forged kids cannot make us hammer the provider. */
#include "sso/oidc.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sso/fetch.h"
#include "sso/jose.h"
#include "base/banned.h"

#define DISCOVERY_TTL 3600
#define JWKS_MIN_GAP 2

static pthread_mutex_t provider_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char issuer[512];
    json_t *discovery; /* owned */
    long long discovered_at;
    json_t *keys; /* the "keys" array (owned) */
    long long keys_at;
} provider;

/* Fetch issuer's discovery document into the cache when it is absent or old. Under lock. */
static int discover(const char *issuer, long long now, struct errbuf *e)
{
    struct buf url;
    json_t *doc = NULL;
    long status = 0;
    const char *iss;
    int rc;
    if (provider.discovery && strcmp(provider.issuer, issuer) == 0 &&
        provider.discovered_at + DISCOVERY_TTL > now)
        return 0;
    buf_init(&url, 1024);
    if ((rc = buf_printf(&url, "%s%s.well-known/openid-configuration", issuer,
                         issuer[strlen(issuer) - 1] == '/' ? "" : "/")) < 0 ||
        (rc = sso_fetch_json(buf_str(&url), NULL, NULL, NULL, &doc, &status, e)) < 0)
        goto out;
    iss = json_string_value(json_object_get(doc, "issuer"));
    if (status != 200 || !iss || strcmp(iss, issuer) != 0 ||
        !json_is_string(json_object_get(doc, "authorization_endpoint")) ||
        !json_is_string(json_object_get(doc, "token_endpoint")) ||
        !json_is_string(json_object_get(doc, "jwks_uri"))) {
        rc = errbuf_set(e, -ERR_IO,
                        "the discovery document of '%s' is not usable (HTTP %ld,"
                        " issuer '%s')",
                        issuer, status, iss ? iss : "");
        goto out;
    }
    if (strcmp(provider.issuer, issuer) != 0) { /* another provider: its keys are not ours */
        json_decref(provider.keys);
        provider.keys = NULL;
        provider.keys_at = 0;
    }
    json_decref(provider.discovery);
    provider.discovery = doc;
    doc = NULL;
    provider.discovered_at = now;
    snprintf(provider.issuer, sizeof(provider.issuer), "%s", issuer);
out:
    json_decref(doc);
    buf_release(&url);
    return rc;
}

int oidc_endpoints(const char *issuer, char *authorize, size_t na, char *token, size_t nt,
                   struct errbuf *e)
{
    int rc;
    pthread_mutex_lock(&provider_lock);
    if ((rc = discover(issuer, (long long)time(NULL), e)) == 0) {
        snprintf(authorize, na, "%s",
                 json_string_value(json_object_get(provider.discovery, "authorization_endpoint")));
        snprintf(token, nt, "%s",
                 json_string_value(json_object_get(provider.discovery, "token_endpoint")));
    }
    pthread_mutex_unlock(&provider_lock);
    return rc;
}

/* Fetch the key set again. Under lock. */
static int fetch_keys(long long now, struct errbuf *e)
{
    const char *uri = json_string_value(json_object_get(provider.discovery, "jwks_uri"));
    json_t *doc = NULL, *keys;
    long status = 0;
    int rc;
    provider.keys_at = now; /* a failure also waits JWKS_MIN_GAP */
    if ((rc = sso_fetch_json(uri, NULL, NULL, NULL, &doc, &status, e)) < 0)
        return rc;
    keys = json_object_get(doc, "keys");
    if (status != 200 || !json_is_array(keys)) {
        json_decref(doc);
        return errbuf_set(e, -ERR_IO, "the key set at '%s' is not usable (HTTP %ld)", uri, status);
    }
    json_decref(provider.keys);
    provider.keys = json_incref(keys);
    json_decref(doc);
    return 0;
}

/* A copy of the key with kid (new reference) or NULL. Under lock. */
static json_t *find_key(const char *kid)
{
    size_t i;
    json_t *k;
    json_array_foreach(provider.keys, i, k)
    {
        const char *id = json_string_value(json_object_get(k, "kid"));
        if ((id ? id : "")[0] == '\0' ? kid[0] == '\0' : strcmp(id, kid) == 0)
            return json_deep_copy(k);
    }
    return NULL;
}

/* The verification key for t (new reference), fetching the key set once more when kid is
 * unknown and the last fetch is not too recent. */
static int key_for(const char *issuer, const struct jwt *t, json_t **ret, struct errbuf *e)
{
    long long now = (long long)time(NULL);
    json_t *k = NULL;
    int rc;
    pthread_mutex_lock(&provider_lock);
    if ((rc = discover(issuer, now, e)) < 0)
        goto out;
    if (!provider.keys && (rc = fetch_keys(now, e)) < 0)
        goto out;
    if (!(k = find_key(t->kid)) && provider.keys_at + JWKS_MIN_GAP <= now &&
        (rc = fetch_keys(now, e)) < 0)
        goto out;
    if (!k && !(k = find_key(t->kid)))
        rc = errbuf_field(e, -ERR_UNAUTH, R_NOT_FOUND, "kid", t->kid,
                          "the identity provider has no key '%s'", t->kid);
out:
    pthread_mutex_unlock(&provider_lock);
    if (rc == 0)
        *ret = k;
    return rc;
}

static bool aud_has(const json_t *aud, const char *client_id)
{
    size_t i;
    json_t *a;
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), client_id) == 0;
    json_array_foreach(aud, i, a) if (json_is_string(a) &&
                                      strcmp(json_string_value(a), client_id) == 0) return true;
    return false;
}

static int check_claims(const struct sso_settings *s, const json_t *c, const char *nonce,
                        long long now, struct errbuf *e)
{
    const char *iss = json_string_value(json_object_get(c, "iss"));
    const char *azp = json_string_value(json_object_get(c, "azp"));
    const char *got = json_string_value(json_object_get(c, "nonce"));
    const json_t *aud = json_object_get(c, "aud"), *exp = json_object_get(c, "exp");
    const json_t *iat = json_object_get(c, "iat");
    if (!iss || strcmp(iss, s->issuer) != 0)
        return errbuf_field(e, -ERR_UNAUTH, R_MISMATCH, "iss", iss ? iss : "",
                            "the ID token was issued by '%s', not by '%s'", iss ? iss : "",
                            s->issuer);
    if (!aud_has(aud, s->client_id) || (json_is_array(aud) && json_array_size(aud) > 1 && !azp))
        return errbuf_field(e, -ERR_UNAUTH, R_MISMATCH, "aud", NULL,
                            "the ID token is not meant for client '%s'", s->client_id);
    if (azp && strcmp(azp, s->client_id) != 0)
        return errbuf_field(e, -ERR_UNAUTH, R_MISMATCH, "azp", azp,
                            "the ID token was requested by '%s', not by '%s'", azp, s->client_id);
    if (!json_is_integer(exp) || json_integer_value(exp) + OIDC_SKEW < now) {
        errbuf_field(e, -ERR_UNAUTH, R_WRONG_STATE, "exp", NULL, "the ID token has expired");
        return errbuf_state(e, "expired");
    }
    if (!json_is_integer(iat) || json_integer_value(iat) > now + OIDC_SKEW)
        return errbuf_field(e, -ERR_UNAUTH, R_IN_FUTURE, "iat", NULL,
                            "the ID token was issued in the future");
    if (!got || strcmp(got, nonce) != 0)
        return errbuf_field(e, -ERR_UNAUTH, R_MISMATCH, "nonce", NULL,
                            "the ID token's nonce is not the one of this sign-in");
    return 0;
}

int oidc_verify(const struct sso_settings *s, const char *id_token, const char *nonce,
                long long now, json_t **ret, struct errbuf *e)
{
    struct jwt t;
    json_t *key = NULL;
    int rc;
    if ((rc = jwt_parse(id_token, &t, e)) < 0 || (rc = key_for(s->issuer, &t, &key, e)) < 0 ||
        (rc = jwt_verify(&t, key, e)) < 0 || (rc = check_claims(s, t.claims, nonce, now, e)) < 0)
        goto out;
    *ret = json_incref(t.claims);
out:
    json_decref(key);
    jwt_release(&t);
    return rc;
}
