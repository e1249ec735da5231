/* 企业微信 (WeCom) OAuth web login: the browser signs in at WeCom, comes back with a code, and
 * the server asks WeCom whose it is (gettoken with the app's secret, then getuserinfo: code →
 * userid). The userid is the member's employee number. */
#ifndef SSO_WECOM_H
#define SSO_WECOM_H

#include <stdbool.h>

#include "base/buf.h"
#include "http/req.h"

struct db;

struct wecom_settings {
    char corp_id[128];
    char agent_id[64];
    char redirect_uri[512];
    char api_base[256];      /* default WECOM_API */
    char authorize_url[256]; /* default WECOM_AUTHORIZE */
    bool create_accounts;
    struct buf secret; /* opened; wiped by wecom_settings_release */
};

#define WECOM_API "https://qyapi.weixin.qq.com"
#define WECOM_AUTHORIZE "https://login.work.weixin.qq.com/wwlogin/sso/login"

/* 1 and ret filled when configured, 0 when not, < 0 on error. */
int wecom_settings_load(struct db *db, struct wecom_settings *ret, struct errbuf *e);
void wecom_settings_release(struct wecom_settings *s);
int wecom_settings_save(struct db *db, const struct wecom_settings *s, struct errbuf *e);
int wecom_settings_clear(struct db *db, struct errbuf *e);

int api_wecom_start(struct req *r, struct errbuf *e);
int api_wecom_callback(struct req *r, struct errbuf *e);

#endif
