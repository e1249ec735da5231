/* dangjian dues provider set|show NAME, dues query-pending and dues reconcile: the payment
 * providers of online dues (dues/provider.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "base/month.h"
#include "dues/provider.h"
#include "dues/reconcile.h"
#include "dues/wxpay.h"
#include "base/banned.h"

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static int provider_cmd(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *pos[3] = {0}, *mchid = NULL, *appid = NULL, *serial = NULL,
               *key = NULL, *pserial = NULL, *pcert = NULL, *v3 = NULL, *base = NULL,
               *notify = NULL, *alipub = NULL;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"mchid", OPT_STR, &mchid, "the merchant id"},
                         {"appid", OPT_STR, &appid, "the app id the orders are for"},
                         {"serial", OPT_STR, &serial, "the merchant certificate's serial"},
                         {"key-file", OPT_STR, &key, "the merchant private key (PEM, 0600)"},
                         {"platform-serial", OPT_STR, &pserial, "the platform key's serial"},
                         {"platform-cert-file", OPT_STR, &pcert, "platform certificate or key"},
                         {"apiv3-key-file", OPT_STR, &v3, "the API v3 key (0600)"},
                         {"alipay-public-key-file", OPT_STR, &alipub, "Alipay's public key"},
                         {"base-url", OPT_STR, &base, "where the provider is"},
                         {"notify-url", OPT_STR, &notify, "our public notification URL"},
                         {0, 0, 0, 0}};
    struct dues_provider_conf c = {0};
    const struct dues_provider *p;
    struct errbuf e = ERRBUF_INIT;
    struct db *db = NULL;
    int npos = 0, rc;
    if (cli_parse("dues provider", argc - 2, argv + 2, opts, pos, 3, &npos) < 0)
        return 2;
    if (npos != 2 || (strcmp(pos[0], "set") && strcmp(pos[0], "show")) ||
        !(p = dues_provider_find(pos[1])) || strcmp(pos[1], "generic") == 0) {
        fprintf(stderr,
                "dangjian dues provider: expected set|show wechat|alipay (see: dangjian help"
                " dues)\n");
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if (strcmp(pos[0], "show") == 0) {
        if ((rc = dues_provider_load(db, pos[1], &c, &e)) < 0)
            goto fail;
        /* paths and ids only: the keys stay in their files */
        printf("%s: mchid %s, appid %s, serial %s, key file %s, platform serial %s, platform"
               " key %s, API v3 key file %s, base %s, notify %s\n",
               c.name, c.merchant_id, c.app_id, c.serial_no, c.key_file, c.platform_serial,
               c.platform_key_file, c.secret_file, c.base_url, c.notify_url);
        db_close(db);
        return 0;
    }
    copy(c.name, sizeof(c.name), pos[1]);
    /* Alipay names the merchant by its app id */
    copy(c.merchant_id, sizeof(c.merchant_id), strcmp(pos[1], "alipay") == 0 ? appid : mchid);
    copy(c.app_id, sizeof(c.app_id), appid);
    copy(c.serial_no, sizeof(c.serial_no), serial);
    copy(c.key_file, sizeof(c.key_file), key);
    copy(c.platform_serial, sizeof(c.platform_serial), pserial);
    copy(c.platform_key_file, sizeof(c.platform_key_file), alipub ? alipub : pcert);
    copy(c.secret_file, sizeof(c.secret_file), v3);
    copy(c.base_url, sizeof(c.base_url), base ? base : p->default_base_url);
    copy(c.notify_url, sizeof(c.notify_url), notify);
    if ((rc = dues_provider_save(db, &c, &e)) < 0)
        goto fail;
    printf("payment provider %s set\n", c.name);
    db_close(db);
    return 0;
fail:
    db_close(db);
    return cli_fail(&e);
}

static int query_pending_cmd(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *provider = "wechat";
    long long minutes = 10, limit = 500, asked = 0, settled = 0;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"provider", OPT_STR, &provider, "wechat"},
                         {"minutes", OPT_INT, &minutes, "older than this (default 10)"},
                         {"limit", OPT_INT, &limit, "at most this many (default 500)"},
                         {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    struct db *db = NULL;
    int npos = 0;
    if (cli_parse("dues query-pending", argc - 2, argv + 2, opts, NULL, 0, &npos) < 0)
        return 2;
    if (minutes < 0 || limit <= 0) {
        fprintf(stderr, "dangjian dues query-pending: --minutes >= 0, --limit > 0\n");
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if (dues_provider_query_pending(db, provider, minutes * 60, 0, limit, &asked, &settled, &e) < 0) {
        db_close(db);
        return cli_fail(&e);
    }
    printf("%s: %lld pending payments asked, %lld settled\n", provider, asked, settled);
    db_close(db);
    return 0;
}

static int reconcile_cmd(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *provider = "wechat", *date = NULL;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"provider", OPT_STR, &provider, "wechat or alipay"},
                         {"date", OPT_STR, &date, "the statement's day, YYYY-MM-DD"},
                         {0, 0, 0, 0}};
    struct dues_recon_stats s;
    struct errbuf e = ERRBUF_INIT;
    struct db *db = NULL;
    int npos = 0, ymd = 0;
    if (cli_parse("dues reconcile", argc - 2, argv + 2, opts, NULL, 0, &npos) < 0)
        return 2;
    if (!date || date_parse_iso(date, &ymd) < 0) {
        fprintf(stderr, "dangjian dues reconcile: --date YYYY-MM-DD is required\n");
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if (dues_reconcile(db, provider, ymd, &s, &e) < 0) {
        db_close(db);
        return cli_fail(&e);
    }
    printf("%s %s reconciled: %lld matched, %lld settled, %lld missing, %lld extra,"
           " %lld mismatch\n",
           provider, date, s.matched, s.settled, s.missing, s.extra, s.mismatch);
    db_close(db);
    return 0;
}

int cmd_dues_pay(int argc, char **argv)
{
    if (strcmp(argv[1], "provider") == 0)
        return provider_cmd(argc, argv);
    if (strcmp(argv[1], "reconcile") == 0)
        return reconcile_cmd(argc, argv);
    return query_pending_cmd(argc, argv);
}
