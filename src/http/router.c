#include "http/router.h"

#include <string.h>

#include "http/auth.h"
#include "http/misc.h"
#include "org/api.h"
#include "ingest/api.h"
#include "score/api.h"
#include "base/banned.h"

/* Every endpoint of the API. Keep docs/openapi.json in step with this table. */
static const struct route routes[] = {
    {"GET", "/api/v1/health", api_health, AUTH_PUBLIC, 0, BODY_NONE, 0},
    {"GET", "/api/openapi.json", api_openapi, AUTH_PUBLIC, 0, BODY_NONE, 0},
    {"POST", "/api/v1/auth/login", api_login, AUTH_PUBLIC, 0, BODY_JSON, 0},
    {"POST", "/api/v1/auth/logout", api_logout, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
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
    {"POST", "/api/v1/members", api_member_create, AUTH_USER, ROLE_ORG_ADMIN | ROLE_SECRETARY,
     BODY_JSON, 0},
    {"PATCH", "/api/v1/members/{id}", api_member_update, AUTH_USER,
     ROLE_ORG_ADMIN | ROLE_SECRETARY, BODY_JSON, 0},

    {"POST", "/api/v1/events", api_events_post, AUTH_SOURCE, 0, BODY_EVENTS, 0},

    {"GET", "/api/v1/score/months", api_score_months, AUTH_USER, ROLE_ANY, BODY_NONE, 1},
    {"GET", "/api/v1/score/model", api_score_model, AUTH_USER, ROLE_ANY, BODY_NONE, 1},
    {"GET", "/api/v1/score/models", api_score_models, AUTH_USER, ROLE_ADMIN, BODY_NONE, 0},
    {"GET", "/api/v1/score/models/{version}", api_score_model_get, AUTH_USER, ROLE_ANY, BODY_NONE, 0},
    {"POST", "/api/v1/score/models", api_score_model_create, AUTH_USER, ROLE_ADMIN, BODY_JSON, 0},
    {"POST", "/api/v1/score/models/{version}/activate", api_score_model_activate, AUTH_USER,
     ROLE_ADMIN, BODY_NONE, 0},
    {"POST", "/api/v1/score/runs", api_score_run, AUTH_USER, ROLE_ADMIN, BODY_JSON, 0},
    {"GET", "/api/v1/portraits/members/{id}", api_portrait_member, AUTH_USER, ROLE_ANY, BODY_NONE,
     1},
    {"GET", "/api/v1/portraits/members/{id}/annual", api_portrait_member_annual, AUTH_USER,
     ROLE_ANY, BODY_NONE, 1},
    {"GET", "/api/v1/portraits/orgs/{id}", api_portrait_org, AUTH_USER, ROLE_ANY, BODY_NONE, 1},
    {"GET", "/api/v1/leaderboard", api_leaderboard, AUTH_USER, ROLE_ANY, BODY_NONE, 1},
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
