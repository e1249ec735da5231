#include "http/router.h"

#include <string.h>

#include "http/auth.h"
#include "http/misc.h"
#include "org/api.h"
#include "ingest/api.h"
#include "score/api.h"
#include "plan/api.h"
#include "dues/api.h"
#include "inbox/api.h"
#include "stats/api.h"
#include "sso/api.h"
#include "sso/wecom.h"
#include "base/banned.h"

/* Every endpoint of the API. Keep docs/openapi.json in step with this table, and the list of
 * RT_STANDBY routes in docs/ARCHITECTURE.md ("Reads from the standby"). */
static const struct route routes[] = {
    {"GET", "/api/v1/health", api_health, AUTH_PUBLIC, 0, BODY_NONE, 0},
    {"GET", "/api/openapi.json", api_openapi, AUTH_PUBLIC, 0, BODY_NONE, 0},
    {"POST", "/api/v1/auth/login", api_login, AUTH_PUBLIC, 0, BODY_JSON, RT_SLOW},
    {"POST", "/api/v1/auth/logout", api_logout, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"GET", "/api/v1/auth/sso", api_sso_config, AUTH_PUBLIC, 0, BODY_NONE, 0},
    {"GET", "/api/v1/auth/oidc/start", api_oidc_start, AUTH_PUBLIC, 0, BODY_NONE, RT_WRITES},
    {"GET", "/api/v1/auth/oidc/callback", api_oidc_callback, AUTH_PUBLIC, 0, BODY_NONE,
     RT_WRITES},
    {"GET", "/api/v1/auth/wecom/start", api_wecom_start, AUTH_PUBLIC, 0, BODY_NONE, RT_WRITES},
    {"GET", "/api/v1/auth/wecom/callback", api_wecom_callback, AUTH_PUBLIC, 0, BODY_NONE,
     RT_WRITES},
    {"POST", "/api/v1/accounts/unlock", api_account_unlock, AUTH_USER, ROLE_ADMIN, BODY_JSON, 0},
    {"GET", "/api/v1/audit", api_audit, AUTH_USER, ROLE_ORG_ADMIN, BODY_NONE, 0},
    {"GET", "/api/v1/me", api_me, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"GET", "/api/v1/indicators", api_indicators, AUTH_USER, ROLE_ANY, BODY_NONE, 0},

    {"GET", "/api/v1/orgs/tree", api_org_tree, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"GET", "/api/v1/orgs/{id}", api_org_get, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"GET", "/api/v1/orgs/{id}/subtree", api_org_subtree, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"POST", "/api/v1/orgs", api_org_create, AUTH_USER, ROLE_ORG_ADMIN, BODY_JSON, 0},
    {"PATCH", "/api/v1/orgs/{id}", api_org_update, AUTH_USER, ROLE_ORG_ADMIN, BODY_JSON, 0},
    {"POST", "/api/v1/orgs/{id}/move", api_org_move, AUTH_USER, ROLE_ORG_ADMIN, BODY_JSON, 0},

    {"GET", "/api/v1/members", api_member_list, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"GET", "/api/v1/members/{id}", api_member_get, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"GET", "/api/v1/members/{id}/personal", api_member_personal, AUTH_USER,
     ROLE_MEMBER | ROLE_SECRETARY | ROLE_ORG_ADMIN, BODY_NONE, 0},
    {"POST", "/api/v1/members", api_member_create, AUTH_USER, ROLE_ORG_ADMIN | ROLE_SECRETARY,
     BODY_JSON, 0},
    {"PATCH", "/api/v1/members/{id}", api_member_update, AUTH_USER,
     ROLE_ORG_ADMIN | ROLE_SECRETARY, BODY_JSON, 0},

    {"POST", "/api/v1/import/orgs", api_import_orgs, AUTH_USER, ROLE_ORG_ADMIN, BODY_CSV, 0},
    {"POST", "/api/v1/import/members", api_import_members, AUTH_USER,
     ROLE_ORG_ADMIN | ROLE_SECRETARY, BODY_CSV, 0},
    {"POST", "/api/v1/import/bases", api_import_bases, AUTH_USER, ROLE_FINANCE, BODY_CSV, 0},
    {"POST", "/api/v1/events", api_events_post, AUTH_SOURCE, 0, BODY_EVENTS, 0},
    {"GET", "/api/v1/feeds", api_feeds_list, AUTH_USER, ROLE_ADMIN, BODY_NONE, RT_TOP},
    {"GET", "/api/v1/feeds/quality", api_feeds_quality, AUTH_USER, ROLE_ORG_ADMIN, BODY_NONE, 0},
    {"GET", "/api/v1/sources/{id}/expect", api_expect_get, AUTH_USER, ROLE_ADMIN, BODY_NONE,
     RT_TOP},
    {"PUT", "/api/v1/sources/{id}/expect", api_expect_put, AUTH_USER, ROLE_ADMIN, BODY_JSON,
     RT_TOP},
    {"POST", "/api/v1/months/{month}/release", api_month_release, AUTH_USER, ROLE_ADMIN,
     BODY_JSON, RT_TOP},
    {"GET", "/api/v1/sources/{id}/feed", api_feed_get, AUTH_USER, ROLE_ADMIN, BODY_NONE, RT_TOP},
    {"PUT", "/api/v1/sources/{id}/feed", api_feed_put, AUTH_USER, ROLE_ADMIN, BODY_JSON, RT_TOP},
    {"POST", "/api/v1/sources/{id}/feed/pull", api_feed_pull, AUTH_USER, ROLE_ADMIN, BODY_NONE,
     RT_TOP},
    {"GET", "/api/v1/sources/{id}/quarantine", api_quarantine_list, AUTH_USER, ROLE_ADMIN,
     BODY_NONE, RT_TOP},
    {"POST", "/api/v1/sources/{id}/quarantine/replay", api_quarantine_replay, AUTH_USER,
     ROLE_ADMIN, BODY_NONE, RT_TOP},

    {"GET", "/api/v1/score/months", api_score_months, AUTH_USER, ROLE_ANY, BODY_NONE,
     RT_CACHED | RT_STANDBY},
    {"GET", "/api/v1/score/model", api_score_model, AUTH_USER, ROLE_ANY, BODY_NONE, RT_CACHED},
    {"GET", "/api/v1/score/models", api_score_models, AUTH_USER, ROLE_ADMIN, BODY_NONE, RT_TOP},
    {"GET", "/api/v1/score/models/{version}", api_score_model_get, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"POST", "/api/v1/score/models", api_score_model_create, AUTH_USER, ROLE_ADMIN, BODY_JSON,
     RT_TOP},
    {"POST", "/api/v1/score/models/{version}/activate", api_score_model_activate, AUTH_USER,
     ROLE_ADMIN, BODY_NONE, RT_TOP},
    {"POST", "/api/v1/score/runs", api_score_run, AUTH_USER, ROLE_ADMIN, BODY_JSON, RT_TOP},
    {"GET", "/api/v1/portraits/members/{id}", api_portrait_member, AUTH_USER, ROLE_ANY, BODY_NONE,
     RT_CACHED | RT_STANDBY},
    {"GET", "/api/v1/portraits/members/{id}/annual", api_portrait_member_annual, AUTH_USER,
     ROLE_ANY, BODY_NONE, RT_CACHED | RT_STANDBY},
    {"GET", "/api/v1/portraits/orgs/{id}", api_portrait_org, AUTH_USER, ROLE_ANY, BODY_NONE,
     RT_CACHED | RT_STANDBY},
    {"GET", "/api/v1/leaderboard", api_leaderboard, AUTH_USER, ROLE_ANY, BODY_NONE,
     RT_CACHED | RT_STANDBY},
    {"GET", "/api/v1/orgs/{id}/ranking", api_ranking_get, AUTH_USER, ROLE_STAFF, BODY_NONE,
     RT_STANDBY},
    {"PUT", "/api/v1/orgs/{id}/ranking", api_ranking_set, AUTH_USER, ROLE_ORG_ADMIN, BODY_JSON, 0},
    {"GET", "/api/v1/stats/logins", api_stats_logins, AUTH_USER, ROLE_STAFF, BODY_NONE,
     RT_STANDBY},
    {"GET", "/api/v1/national/provinces", api_national_provinces, AUTH_USER, ROLE_ORG_ADMIN,
     BODY_NONE, RT_STANDBY | RT_TOP},
    /* quantified plans (量化计划): literal paths before the {id} patterns that would take them */
    {"GET", "/api/v1/plans", api_plan_list, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"POST", "/api/v1/plans", api_plan_create, AUTH_USER, ROLE_ORG_ADMIN, BODY_JSON, 0},
    {"POST", "/api/v1/plans/defaults", api_plan_defaults, AUTH_USER, ROLE_ORG_ADMIN, BODY_JSON, 0},
    {"GET", "/api/v1/plans/progress", api_plan_progress, AUTH_USER, ROLE_STAFF, BODY_NONE,
     RT_STANDBY},
    {"POST", "/api/v1/plans/reports", api_plan_report, AUTH_USER, ROLE_STAFF, BODY_JSON, 0},
    {"GET", "/api/v1/plans/bulletin", api_plan_bulletin, AUTH_USER, ROLE_STAFF, BODY_NONE,
     RT_STANDBY},
    {"POST", "/api/v1/plans/check", api_plan_check, AUTH_USER, ROLE_ADMIN, BODY_JSON, RT_TOP},
    {"GET", "/api/v1/plans/warnings", api_plan_warnings, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"GET", "/api/v1/plans/lagging", api_plan_lagging, AUTH_USER, ROLE_ORG_ADMIN, BODY_NONE, 0},
    {"POST", "/api/v1/plans/lagging/notify", api_plan_lagging_notify, AUTH_USER, ROLE_ORG_ADMIN,
     BODY_JSON, 0},
    {"GET", "/api/v1/todos", api_todos, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"POST", "/api/v1/todos/{id}/done", api_todo_done, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"GET", "/api/v1/plans/todos", api_plan_todos, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"GET", "/api/v1/plans/inbox", api_plan_inbox, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"POST", "/api/v1/plans/inbox/{id}/read", api_plan_inbox_read, AUTH_USER, ROLE_ANY, BODY_NONE,
     0},
    {"GET", "/api/v1/plans/cases", api_plan_cases, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"GET", "/api/v1/plans/cases/{id}", api_plan_case_get, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"POST", "/api/v1/plans/cases/{id}/transitions", api_plan_case_act, AUTH_USER,
     ROLE_SECRETARY | ROLE_COMMITTEE | ROLE_ADMIN, BODY_JSON, 0},
    {"GET", "/api/v1/plans/webhooks", api_plan_webhooks, AUTH_USER, ROLE_ADMIN, BODY_NONE, RT_TOP},
    {"POST", "/api/v1/plans/webhooks", api_plan_webhook_create, AUTH_USER, ROLE_ADMIN, BODY_JSON,
     RT_TOP},
    {"GET", "/api/v1/plans/webhooks/{id}/deliveries", api_plan_deliveries, AUTH_USER, ROLE_ADMIN,
     BODY_NONE, RT_TOP},
    {"PATCH", "/api/v1/plans/webhooks/{id}", api_plan_webhook_update, AUTH_USER, ROLE_ADMIN,
     BODY_JSON, RT_TOP},
    {"POST", "/api/v1/plans/webhooks/{id}/test", api_plan_webhook_test, AUTH_USER, ROLE_ADMIN,
     BODY_NONE, RT_TOP},
    {"GET", "/api/v1/plans/tasks/{id}", api_plan_task_get, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"PATCH", "/api/v1/plans/tasks/{id}", api_plan_task_update, AUTH_USER, ROLE_ORG_ADMIN,
     BODY_JSON, 0},
    {"GET", "/api/v1/plans/{id}", api_plan_get, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"PATCH", "/api/v1/plans/{id}", api_plan_update, AUTH_USER, ROLE_ORG_ADMIN, BODY_JSON, 0},
    {"POST", "/api/v1/plans/{id}/tasks", api_plan_task_add, AUTH_USER, ROLE_ORG_ADMIN, BODY_JSON,
     0},
    /* party dues (党费): literal paths before the {id} patterns that would take them */
    {"GET", "/api/v1/dues/rules", api_dues_rules, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"GET", "/api/v1/dues/bases", api_dues_bases, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"POST", "/api/v1/dues/bases", api_dues_base_set, AUTH_USER, ROLE_FINANCE, BODY_JSON, 0},
    {"POST", "/api/v1/dues/terms", api_dues_term_add, AUTH_USER, ROLE_FINANCE | ROLE_COMMITTEE,
     BODY_JSON, 0},
    {"POST", "/api/v1/dues/generate", api_dues_generate, AUTH_USER, ROLE_FINANCE | ROLE_ADMIN,
     BODY_JSON, 0},
    {"POST", "/api/v1/dues/publish", api_dues_publish, AUTH_USER, ROLE_SECRETARY | ROLE_FINANCE,
     BODY_JSON, 0},
    {"GET", "/api/v1/dues/bills", api_dues_bills, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"GET", "/api/v1/dues/members/{id}", api_dues_member, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"GET", "/api/v1/dues/quote", api_dues_quote, AUTH_USER, ROLE_MEMBER, BODY_NONE, 0},
    {"POST", "/api/v1/dues/payments", api_dues_pay, AUTH_USER, ROLE_MEMBER, BODY_JSON, 0},
    {"POST", "/api/v1/dues/payments/callback", api_dues_callback, AUTH_PUBLIC, 0, BODY_JSON, 0},
    {"POST", "/api/v1/dues/payments/notify/wechat", api_dues_notify_wechat, AUTH_PUBLIC, 0,
     BODY_RAW, 0},
    {"POST", "/api/v1/dues/payments/notify/alipay", api_dues_notify_alipay, AUTH_PUBLIC, 0,
     BODY_RAW, 0},
    {"GET", "/api/v1/dues/payments/{id}", api_dues_payment_get, AUTH_USER,
     ROLE_MEMBER | ROLE_FINANCE, BODY_NONE, 0},
    {"POST", "/api/v1/dues/payments/{id}/order", api_dues_payment_order, AUTH_USER, ROLE_MEMBER,
     BODY_NONE, 0},
    {"POST", "/api/v1/dues/payments/{id}/reverse", api_dues_reverse, AUTH_USER, ROLE_FINANCE,
     BODY_JSON, 0},
    {"POST", "/api/v1/dues/collections", api_dues_collect, AUTH_USER, ROLE_FINANCE, BODY_JSON, 0},
    {"POST", "/api/v1/dues/confirm", api_dues_confirm, AUTH_USER, ROLE_FINANCE, BODY_JSON, 0},
    {"GET", "/api/v1/dues/remittances", api_dues_remittances, AUTH_USER, ROLE_FINANCE, BODY_NONE,
     0},
    {"POST", "/api/v1/dues/remittances", api_dues_remit, AUTH_USER, ROLE_FINANCE, BODY_JSON, 0},
    {"GET", "/api/v1/dues/expenses", api_dues_expenses, AUTH_USER, ROLE_FINANCE, BODY_NONE, 0},
    {"POST", "/api/v1/dues/expenses", api_dues_expense, AUTH_USER, ROLE_FINANCE, BODY_JSON, 0},
    {"PUT", "/api/v1/dues/orgs/{id}/share", api_dues_share, AUTH_USER,
     ROLE_COMMITTEE | ROLE_FINANCE | ROLE_ADMIN, BODY_JSON, 0},
    {"GET", "/api/v1/dues/reports/collection", api_dues_collection, AUTH_USER, ROLE_STAFF,
     BODY_NONE, RT_STANDBY},
    {"GET", "/api/v1/dues/arrears", api_dues_arrears, AUTH_USER, ROLE_STAFF, BODY_NONE,
     RT_STANDBY},
    {"GET", "/api/v1/dues/ledger/trial-balance", api_dues_trial_balance, AUTH_USER, ROLE_FINANCE,
     BODY_NONE, RT_STANDBY},
    {"GET", "/api/v1/dues/ledger/statement", api_dues_statement, AUTH_USER, ROLE_FINANCE,
     BODY_NONE, RT_STANDBY},
    {"GET", "/api/v1/dues/ledger/entries", api_dues_entries, AUTH_USER, ROLE_FINANCE, BODY_NONE,
     0},
    {"GET", "/api/v1/dues/reconciliations", api_dues_reconciliations, AUTH_USER, ROLE_FINANCE,
     BODY_NONE, 0},
    {"GET", "/api/v1/dues/todos", api_dues_todos, AUTH_USER, ROLE_STAFF, BODY_NONE, 0},
    {"POST", "/api/v1/dues/todos/{id}/done", api_dues_todo_done, AUTH_USER, ROLE_STAFF, BODY_NONE,
     0},
};

/* Compare one path against a pattern segment by segment; {x} matches one non-empty segment. */
static int match(const char *pattern, const char *path, struct req *r)
{
    int np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *end = strchr(s, '/');
            size_t len = end ? (size_t)(end - s) : strlen(s);
            if (len == 0 || np >= 4 || len >= sizeof(r->params[0]))
                return 0;
            memcpy(r->params[np], s, len);
            r->params[np++][len] = '\0';
            s += len;
            p = strchr(p, '}');
            if (!p)
                return 0;
            p++;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    if (*p || *s)
        return 0;
    r->nparams = np;
    return 1;
}

int router_match(struct req *r, const struct route **ret, struct errbuf *e)
{
    int path_found = 0;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (!match(routes[i].pattern, r->path, r))
            continue;
        path_found = 1;
        if (strcmp(routes[i].method, r->method) == 0) {
            *ret = &routes[i];
            return 0;
        }
    }
    if (path_found)
        return errbuf_set(e, -ERR_METHOD, "method %s not allowed on '%s'", r->method, r->path);
    return errbuf_set(e, -ERR_NOTFOUND, "no such endpoint '%s'", r->path);
}
