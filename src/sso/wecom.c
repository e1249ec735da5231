#include "sso/wecom.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "notify/notify.h"
#include "sso/fetch.h"
#include "sso/signin.h"
#include "base/banned.h"

int wecom_settings_load(struct db *db, struct wecom_settings *ret, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    memset(ret, 0, sizeof(*ret));
    buf_init(&ret->secret, 4096);
    if ((rc = db_prepare(db,
                         "SELECT corp_id, agent_id, secret, redirect_uri, api_base, authorize_url,"
                         " create_accounts FROM wecom_settings WHERE id = 1",
                         &st, e)) < 0)
        return rc;
    if ((rc = db_step(st, e)) == 1) {
        snprintf(ret->corp_id, sizeof(ret->corp_id), "%s", db_col_text(st, 0));
        snprintf(ret->agent_id, sizeof(ret->agent_id), "%s", db_col_text(st, 1));
        snprintf(ret->redirect_uri, sizeof(ret->redirect_uri), "%s", db_col_text(st, 3));
        snprintf(ret->api_base, sizeof(ret->api_base), "%s", db_col_text(st, 4));
        snprintf(ret->authorize_url, sizeof(ret->authorize_url), "%s", db_col_text(st, 5));
        ret->create_accounts = db_col_int(st, 6) != 0;
        if (notify_secret_open(db_col_text(st, 2), &ret->secret, e) < 0)
            rc = e ? e->code : -ERR_INTERNAL;
    }
    db_done(st);
    return rc;
}

void wecom_settings_release(struct wecom_settings *s)
{
    if (!s)
        return;
    if (s->secret.data)
        sodium_memzero(s->secret.data, s->secret.len);
    buf_release(&s->secret);
}

int wecom_settings_save(struct db *db, const struct wecom_settings *s, struct errbuf *e)
{
    struct buf sealed;
    int rc;
    const struct {
        const char *field, *url;
    } urls[] = {{"redirect_uri", s->redirect_uri},
                {"api_base", s->api_base},
                {"authorize_url", s->authorize_url}};
    if (!s->corp_id[0] || !s->agent_id[0])
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, s->corp_id[0] ? "agent_id" : "corp_id",
                            NULL, "%s is required", s->corp_id[0] ? "agent_id" : "corp_id");
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
        if (strncmp(urls[i].url, "https://", 8) != 0 && strncmp(urls[i].url, "http://", 7) != 0)
            return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, urls[i].field, urls[i].url,
                                "%s '%s' is not an http(s) URL", urls[i].field, urls[i].url);
    buf_init(&sealed, 16384);
    if ((rc = notify_secret_seal(buf_str(&s->secret), &sealed, e)) == 0)
        rc = db_run(db, e,
                    "INSERT INTO wecom_settings(id, corp_id, agent_id, secret, redirect_uri,"
                    " api_base, authorize_url, create_accounts, updated_at)"
                    " VALUES(1, $1, $2, $3, $4, $5, $6, $7, $8)"
                    " ON CONFLICT (id) DO UPDATE SET corp_id = excluded.corp_id,"
                    " agent_id = excluded.agent_id, secret = excluded.secret,"
                    " redirect_uri = excluded.redirect_uri, api_base = excluded.api_base,"
                    " authorize_url = excluded.authorize_url,"
                    " create_accounts = excluded.create_accounts, updated_at = excluded.updated_at",
                    "ttttttii", s->corp_id, s->agent_id, buf_str(&sealed), s->redirect_uri,
                    s->api_base, s->authorize_url, (long long)s->create_accounts,
                    (long long)time(NULL));
    buf_release(&sealed);
    return rc < 0 ? rc : 0;
}

int wecom_settings_clear(struct db *db, struct errbuf *e)
{
    int rc = db_run(db, e, "DELETE FROM wecom_settings", "");
    return rc < 0 ? rc : 0;
}

static int not_configured(struct errbuf *e)
{
    return errbuf_field(e, -ERR_NOTFOUND, R_NOT_FOUND, "wecom", NULL,
                        "WeCom login is not configured (dangjian sso wecom)");
}

int api_wecom_start(struct req *r, struct errbuf *e)
{
    struct wecom_settings s;
    char state[48];
    int rc;
    if ((rc = wecom_settings_load(r->db, &s, e)) <= 0) {
        rc = rc < 0 ? rc : not_configured(e);
        goto out;
    }
    if ((rc = sso_state_new(r, "", "", state, e)) < 0)
        goto out;
    /* the web login page (扫码 or the WeCom app), which comes back to redirect_uri */
    rc = sso_redirect(r, s.authorize_url,
                      (const char *const[]){"login_type", "CorpApp", "appid", s.corp_id, "agentid",
                                            s.agent_id, "redirect_uri", s.redirect_uri, "state",
                                            state, NULL},
                      e);
out:
    wecom_settings_release(&s);
    return rc < 0 ? rc : 0;
}

/* The app's access_token, shared by all threads until shortly before WeCom lets it expire
 * (WeCom limits how often gettoken may be called). */
static pthread_mutex_t token_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char key[512]; /* api_base + corp_id + agent_id: whose token it is */
    char token[600];
    long long until;
} cached;

static void token_forget(void)
{
    pthread_mutex_lock(&token_lock);
    cached.until = 0;
    pthread_mutex_unlock(&token_lock);
}

/* WeCom's own answer: errcode 0, else an error naming errcode and errmsg. */
static int wecom_reply(const char *what, const json_t *reply, long status, struct errbuf *e)
{
    json_int_t code = json_integer_value(json_object_get(reply, "errcode"));
    const char *msg = json_string_value(json_object_get(reply, "errmsg"));
    if (status == 200 && code == 0)
        return 0;
    return errbuf_set(e, -ERR_IO, "WeCom %s failed: errcode %lld, %s (HTTP %ld)", what,
                      (long long)code, msg ? msg : "", status);
}

static int access_token(const struct wecom_settings *s, char *out, size_t n, struct errbuf *e)
{
    char key[512];
    long long now = (long long)time(NULL);
    json_t *reply = NULL;
    struct buf url;
    long status = 0;
    int rc = 0;
    snprintf(key, sizeof(key), "%s|%s|%s", s->api_base, s->corp_id, s->agent_id);
    pthread_mutex_lock(&token_lock);
    if (strcmp(cached.key, key) == 0 && cached.until > now) {
        snprintf(out, n, "%s", cached.token);
        pthread_mutex_unlock(&token_lock);
        return 0;
    }
    buf_init(&url, 4096);
    if (buf_printf(&url, "%s/cgi-bin/gettoken?corpid=", s->api_base) < 0 ||
        sso_urlencode(&url, s->corp_id) < 0 || buf_addstr(&url, "&corpsecret=") < 0 ||
        sso_urlencode(&url, buf_str(&s->secret)) < 0) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = sso_fetch_json(buf_str(&url), NULL, NULL, NULL, &reply, &status, e)) < 0 ||
        (rc = wecom_reply("gettoken", reply, status, e)) < 0)
        goto out;
    if (!json_is_string(json_object_get(reply, "access_token"))) {
        rc = errbuf_set(e, -ERR_IO, "WeCom gettoken answered no access_token");
        goto out;
    }
    snprintf(cached.key, sizeof(cached.key), "%s", key);
    snprintf(cached.token, sizeof(cached.token), "%s",
             json_string_value(json_object_get(reply, "access_token")));
    /* five minutes early: a token about to expire is not handed out */
    cached.until = now + json_integer_value(json_object_get(reply, "expires_in")) - 300;
    snprintf(out, n, "%s", cached.token);
out:
    pthread_mutex_unlock(&token_lock);
    json_decref(reply);
    if (url.data)
        sodium_memzero(url.data, url.len); /* it held the secret */
    buf_release(&url);
    return rc;
}

/* code → userid. A token WeCom no longer takes (42001 expired, 40014 invalid) is fetched
 * anew once. */
static int userid_of(const struct wecom_settings *s, const char *code, char *out, size_t n,
                     struct errbuf *e)
{
    char token[600];
    for (int attempt = 0;; attempt++) {
        json_t *reply = NULL;
        struct buf url;
        long status = 0;
        json_int_t errcode;
        const char *uid;
        int rc;
        if ((rc = access_token(s, token, sizeof(token), e)) < 0)
            return rc;
        buf_init(&url, 4096);
        if (buf_printf(&url, "%s/cgi-bin/auth/getuserinfo?access_token=", s->api_base) < 0 ||
            sso_urlencode(&url, token) < 0 || buf_addstr(&url, "&code=") < 0 ||
            sso_urlencode(&url, code) < 0)
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        else
            rc = sso_fetch_json(buf_str(&url), NULL, NULL, NULL, &reply, &status, e);
        buf_release(&url);
        if (rc < 0)
            return rc;
        errcode = json_integer_value(json_object_get(reply, "errcode"));
        if ((errcode == 42001 || errcode == 40014) && attempt == 0) {
            json_decref(reply);
            token_forget();
            continue;
        }
        uid = json_string_value(json_object_get(reply, "userid"));
        if (errcode == 40029) /* invalid code: used, expired or made up */
            rc = errbuf_field(e, -ERR_UNAUTH, R_MISMATCH, "code", NULL,
                              "WeCom did not take the code (errcode 40029): sign in again");
        else if ((rc = wecom_reply("getuserinfo", reply, status, e)) == 0 && (!uid || !*uid))
            /* someone outside the corp (an openid only) */
            rc = errbuf_field(e, -ERR_FORBIDDEN, R_UNKNOWN_MEMBER, "userid", NULL,
                              "the WeCom user is not a member of the enterprise");
        else if (rc == 0)
            snprintf(out, n, "%s", uid);
        json_decref(reply);
        return rc;
    }
}

int api_wecom_callback(struct req *r, struct errbuf *e)
{
    const char *code = NULL;
    char nonce[64], verifier[64], userid[128] = "";
    struct wecom_settings s;
    int rc;
    if ((rc = wecom_settings_load(r->db, &s, e)) <= 0) {
        rc = rc < 0 ? rc : not_configured(e);
        goto out;
    }
    if ((rc = sso_callback_begin(r, nonce, verifier, &code, e)) < 0 ||
        (rc = userid_of(&s, code, userid, sizeof(userid), e)) < 0)
        goto out;
    rc = sso_sign_in(r, userid, "userid", s.create_accounts, "wecom", e);
out:
    wecom_settings_release(&s);
    return sso_callback_end(r, rc < 0 ? rc : 0, e);
}
