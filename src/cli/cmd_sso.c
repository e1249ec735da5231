/* dangjian sso set|wecom|show|off: the single sign-on settings (OpenID Connect, 企业微信),
 * audited as the command line's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "org/audit.h"
#include "sso/oidc.h"
#include "sso/wecom.h"
#include "base/banned.h"

static int sso_set(struct db *db, struct sso_settings *s, const char *secret_env,
                   const char *create, struct errbuf *e)
{
    const char *secret = secret_env ? getenv(secret_env) : NULL;
    struct sso_settings old;
    json_t *detail;
    int rc, had;
    if (!s->issuer[0] || !s->client_id[0] || !s->redirect_uri[0] || !secret || !*secret)
        return errbuf_set(e, -ERR_INVALID,
                          "sso set needs --issuer, --client-id, "
                          "--redirect-uri and --client-secret-env VAR (set)");
    if (create && strcmp(create, "yes") && strcmp(create, "no"))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "create-accounts", create,
                            "--create-accounts is yes or no, not '%s'", create);
    s->create_accounts = create && strcmp(create, "yes") == 0;
    if (buf_addstr(&s->secret, secret) < 0)
        return errbuf_set(e, -ERR_TOOBIG, "the client secret is too long");
    if ((had = sso_settings_load(db, &old, e)) < 0) {
        sso_settings_release(&old);
        return had;
    }
    /* the secret is never written into the audit: only that it was set */
    detail = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "issuer", s->issuer, "client_id",
                       s->client_id, "redirect_uri", s->redirect_uri, "claim", s->claim,
                       "create_accounts", s->create_accounts, "replaced", had);
    if ((rc = db_begin(db, e)) == 0 && (rc = sso_settings_save(db, s, e)) == 0 &&
        (rc = audit_log(db, 0, 0, had ? "update" : "create", "sso_settings", 1, detail, e)) == 0)
        rc = db_commit(db, e);
    if (rc < 0)
        db_rollback(db);
    json_decref(detail);
    sso_settings_release(&old);
    return rc;
}

static int wecom_set(struct db *db, struct wecom_settings *s, const char *secret_env,
                     const char *create, struct errbuf *e)
{
    const char *secret = secret_env ? getenv(secret_env) : NULL;
    json_t *detail;
    long long had = 0;
    int rc;
    if (!secret || !*secret || !s->redirect_uri[0])
        return errbuf_set(e, -ERR_INVALID,
                          "sso wecom needs --corp-id, --agent-id, "
                          "--redirect-uri and --secret-env VAR (set)");
    if (create && strcmp(create, "yes") && strcmp(create, "no"))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "create-accounts", create,
                            "--create-accounts is yes or no, not '%s'", create);
    s->create_accounts = create && strcmp(create, "yes") == 0;
    if (buf_addstr(&s->secret, secret) < 0)
        return errbuf_set(e, -ERR_TOOBIG, "the secret is too long");
    if ((rc = db_query_int(db, e, &had, "SELECT COUNT(*) FROM wecom_settings", "")) < 0)
        return rc;
    detail = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "corp_id", s->corp_id, "agent_id",
                       s->agent_id, "redirect_uri", s->redirect_uri, "api_base", s->api_base,
                       "authorize_url", s->authorize_url, "create_accounts", s->create_accounts,
                       "replaced", had > 0);
    if ((rc = db_begin(db, e)) == 0 && (rc = wecom_settings_save(db, s, e)) == 0 &&
        (rc = audit_log(db, 0, 0, had ? "update" : "create", "wecom_settings", 1, detail, e)) == 0)
        rc = db_commit(db, e);
    if (rc < 0)
        db_rollback(db);
    json_decref(detail);
    return rc;
}

static int show(struct db *db, struct errbuf *e)
{
    struct sso_settings s;
    struct wecom_settings w = {0};
    int rc = sso_settings_load(db, &s, e);
    if (rc == 0)
        printf("OpenID Connect   off\n");
    else if (rc > 0)
        printf(
            "issuer           %s\nclient id        %s\nredirect uri     %s\nclaim            %s\n"
            "create accounts  %s\nclient secret    (sealed, %zu characters)\n",
            s.issuer, s.client_id, s.redirect_uri, s.claim, s.create_accounts ? "yes" : "no",
            s.secret.len);
    sso_settings_release(&s);
    if (rc < 0 || (rc = wecom_settings_load(db, &w, e)) < 0)
        goto out;
    if (rc == 0)
        printf("WeCom            off\n");
    else
        printf(
            "WeCom corp id    %s\nWeCom agent id   %s\nWeCom redirect   %s\nWeCom API        %s\n"
            "WeCom login page %s\nWeCom accounts   %s\nWeCom secret     (sealed)\n",
            w.corp_id, w.agent_id, w.redirect_uri, w.api_base, w.authorize_url,
            w.create_accounts ? "yes" : "no");
    rc = 0;
out:
    wecom_settings_release(&w);
    return rc;
}

/* Remove one kind of settings, audited. */
static int turn_off(struct db *db, bool wecom, struct errbuf *e)
{
    int rc;
    if ((rc = db_begin(db, e)) == 0 &&
        (rc = wecom ? wecom_settings_clear(db, e) : sso_settings_clear(db, e)) == 0 &&
        (rc = audit_log(db, 0, 0, "delete", wecom ? "wecom_settings" : "sso_settings", 1, NULL,
                        e)) == 0)
        rc = db_commit(db, e);
    if (rc < 0)
        db_rollback(db);
    return rc;
}

int cmd_sso(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *verb = NULL, *issuer = "", *client = "", *redirect = "";
    const char *claim = "employee_number", *secret_env = NULL, *create = NULL;
    const char *corp = "", *agent = "", *api_base = WECOM_API, *authorize = WECOM_AUTHORIZE;
    bool wecom = false;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"issuer", OPT_STR, &issuer, ""},
                         {"client-id", OPT_STR, &client, ""},
                         {"client-secret-env", OPT_STR, &secret_env, ""},
                         {"secret-env", OPT_STR, &secret_env, ""},
                         {"redirect-uri", OPT_STR, &redirect, ""},
                         {"claim", OPT_STR, &claim, ""},
                         {"create-accounts", OPT_STR, &create, ""},
                         {"corp-id", OPT_STR, &corp, ""},
                         {"agent-id", OPT_STR, &agent, ""},
                         {"api-base", OPT_STR, &api_base, ""},
                         {"authorize-url", OPT_STR, &authorize, ""},
                         {"wecom", OPT_FLAG, &wecom, ""},
                         {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    struct sso_settings s;
    struct wecom_settings w;
    struct db *db;
    int rc = 0;
    if (cli_parse("sso", argc - 1, argv + 1, opts, &verb, 1, NULL) < 0)
        return 2;
    if (!verb || (strcmp(verb, "set") && strcmp(verb, "wecom") && strcmp(verb, "show") &&
                  strcmp(verb, "off"))) {
        fprintf(stderr,
                "dangjian sso: expected set, wecom, show or off (see: dangjian help sso)\n");
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    memset(&s, 0, sizeof(s));
    memset(&w, 0, sizeof(w));
    buf_init(&s.secret, 4096);
    buf_init(&w.secret, 4096);
    if (strcmp(verb, "set") == 0) {
        snprintf(s.issuer, sizeof(s.issuer), "%s", issuer);
        snprintf(s.client_id, sizeof(s.client_id), "%s", client);
        snprintf(s.redirect_uri, sizeof(s.redirect_uri), "%s", redirect);
        snprintf(s.claim, sizeof(s.claim), "%s", claim);
        rc = sso_set(db, &s, secret_env, create, &e);
    } else if (strcmp(verb, "wecom") == 0) {
        snprintf(w.corp_id, sizeof(w.corp_id), "%s", corp);
        snprintf(w.agent_id, sizeof(w.agent_id), "%s", agent);
        snprintf(w.redirect_uri, sizeof(w.redirect_uri), "%s", redirect);
        snprintf(w.api_base, sizeof(w.api_base), "%s", api_base);
        snprintf(w.authorize_url, sizeof(w.authorize_url), "%s", authorize);
        rc = wecom_set(db, &w, secret_env, create, &e);
    } else if (strcmp(verb, "off") == 0) {
        rc = turn_off(db, wecom, &e);
    } else {
        rc = show(db, &e);
    }
    if (rc < 0)
        rc = cli_fail(&e);
    sso_settings_release(&s);
    wecom_settings_release(&w);
    db_close(db);
    return rc;
}
