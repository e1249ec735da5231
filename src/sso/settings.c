/* The single sign-on settings: one row, the client secret sealed at rest. */
#include "sso/oidc.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "notify/notify.h"
#include "base/banned.h"

int sso_settings_load(struct db *db, struct sso_settings *ret, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    memset(ret, 0, sizeof(*ret));
    buf_init(&ret->secret, 4096);
    if ((rc = db_prepare(db,
                         "SELECT issuer, client_id, client_secret, redirect_uri, claim,"
                         " create_accounts FROM sso_settings WHERE id = 1",
                         &st, e)) < 0)
        return rc;
    if ((rc = db_step(st, e)) == 1) {
        snprintf(ret->issuer, sizeof(ret->issuer), "%s", db_col_text(st, 0));
        snprintf(ret->client_id, sizeof(ret->client_id), "%s", db_col_text(st, 1));
        snprintf(ret->redirect_uri, sizeof(ret->redirect_uri), "%s", db_col_text(st, 3));
        snprintf(ret->claim, sizeof(ret->claim), "%s", db_col_text(st, 4));
        ret->create_accounts = db_col_int(st, 5) != 0;
        if (notify_secret_open(db_col_text(st, 2), &ret->secret, e) < 0)
            rc = e ? e->code : -ERR_INTERNAL;
    }
    db_done(st);
    return rc;
}

void sso_settings_release(struct sso_settings *s)
{
    if (!s)
        return;
    if (s->secret.data)
        sodium_memzero(s->secret.data, s->secret.len);
    buf_release(&s->secret);
}

static int check_url(const char *field, const char *url, struct errbuf *e)
{
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, field, url,
                            "%s '%s' is not an http(s) URL", field, url);
    if (strlen(url) >= 500) {
        errbuf_field(e, -ERR_INVALID, R_TOO_LONG, field, url, "%s is too long", field);
        return errbuf_limit(e, 499);
    }
    return 0;
}

int sso_settings_save(struct db *db, const struct sso_settings *s, struct errbuf *e)
{
    struct buf sealed;
    int rc;
    if ((rc = check_url("issuer", s->issuer, e)) < 0 ||
        (rc = check_url("redirect_uri", s->redirect_uri, e)) < 0)
        return rc;
    if (!s->client_id[0])
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "client_id", NULL,
                            "client_id is required");
    if (!s->claim[0] || strspn(s->claim, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789_:.-") != strlen(s->claim))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "claim", s->claim,
                            "claim '%s' is not a claim name", s->claim);
    buf_init(&sealed, 16384);
    if ((rc = notify_secret_seal(buf_str(&s->secret), &sealed, e)) == 0)
        rc = db_run(db, e,
                    "INSERT INTO sso_settings(id, issuer, client_id, client_secret, redirect_uri,"
                    " claim, create_accounts, updated_at) VALUES(1, $1, $2, $3, $4, $5, $6, $7)"
                    " ON CONFLICT (id) DO UPDATE SET issuer = excluded.issuer,"
                    " client_id = excluded.client_id, client_secret = excluded.client_secret,"
                    " redirect_uri = excluded.redirect_uri, claim = excluded.claim,"
                    " create_accounts = excluded.create_accounts,"
                    " updated_at = excluded.updated_at",
                    "tttttii", s->issuer, s->client_id, buf_str(&sealed), s->redirect_uri, s->claim,
                    (long long)s->create_accounts, (long long)time(NULL));
    buf_release(&sealed);
    return rc < 0 ? rc : 0;
}

int sso_settings_clear(struct db *db, struct errbuf *e)
{
    int rc = db_run(db, e, "DELETE FROM sso_settings", "");
    return rc < 0 ? rc : 0;
}
