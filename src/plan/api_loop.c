/* HTTP handlers for watching plans and closing the loop: warnings, lagging organizations and
 * notifying them, to-dos, the inbox, rectification cases and their steps, webhooks. */
#include <stdio.h>
#include <string.h>

#include "base/month.h"
#include "base/xlsxwrite.h"
#include "db/db.h"
#include "notify/notify.h"
#include "plan/api.h"
#include "plan/internal.h"
#include "base/banned.h"

static const char *level_label(const char *level)
{
    return strcmp(level, "red") == 0      ? "红色预警"
           : strcmp(level, "yellow") == 0 ? "黄色预警"
           : strcmp(level, "not_met") == 0 ? "未达标"
                                          : level;
}

/* The open warnings as an .xlsx (预警清单). */
static const struct xlsx_col warning_cols[] = {
    {"预警级别", "level", 'l', 10, level_label}, {"组织", "org.name", 's', 24, NULL},
    {"任务编码", "task.code", 's', 12, NULL},    {"任务", "task.name", 's', 30, NULL},
    {"期间", "period", 's', 10, NULL},           {"完成率", "completion", 'n', 10, NULL},
    {"应完成", "expected", 'n', 10, NULL},       {"预警日期", "opened_on", 's', 12, NULL},
};

int api_plan_warnings(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org = 0;
    json_t *out;
    bool xlsx;
    int rc;
    if ((rc = req_format(r, &xlsx, e)) < 0 || (rc = plan_api_org(r, ROLE_STAFF, &org, path, e)) < 0 ||
        (rc = plan_warnings_json(r->db, path, req_query(r, "level"), &out, e)) < 0)
        return rc;
    return req_reply_list(r, xlsx, out, "预警清单", warning_cols,
                          sizeof(warning_cols) / sizeof(warning_cols[0]), e);
}

int api_plan_lagging(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org = 0;
    json_t *out;
    int rc;
    if ((rc = plan_api_org(r, ROLE_ORG_ADMIN, &org, path, e)) < 0 ||
        (rc = plan_lagging_json(r->db, org, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_plan_lagging_notify(struct req *r, struct errbuf *e)
{
    const char *text = NULL;
    long long org = 0;
    json_t *out = NULL;
    int rc;
    if ((rc = req_int(r, "org_id", true, &org, e)) < 0 ||
        (rc = req_str(r, "text", false, 500, &text, e)) < 0)
        return rc;
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_ORG_ADMIN, org, NULL, e)) < 0)
        return rc == -ERR_NOTFOUND
                   ? errbuf_field_int(e, -ERR_INVALID, R_UNKNOWN_ORG, "org_id", org,
                                      "field 'org_id': organization %lld not found", org)
                   : rc;
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    rc = plan_lagging_notify(r->db, &r->auth, org, text, date_today(), &out, e);
    if ((rc = plan_api_end(r, rc, e)) < 0) {
        json_decref(out);
        return rc;
    }
    return req_reply_json(r, 200, out);
}

int api_plan_todos(struct req *r, struct errbuf *e)
{
    json_t *out;
    int rc = plan_todos_json(r->db, &r->auth, &out, e);
    return rc < 0 ? rc : req_reply_json(r, 200, out);
}

int api_plan_inbox(struct req *r, struct errbuf *e)
{
    long long unread = 0, limit = 50, before = 0;
    json_t *out;
    int rc;
    if ((rc = req_query_int(r, "unread", 0, 0, 1, &unread, e)) < 0 ||
        (rc = req_query_int(r, "limit", 50, 1, 200, &limit, e)) < 0 ||
        (rc = req_query_int(r, "before", 0, 0, (long long)1 << 62, &before, e)) < 0 ||
        (rc = plan_inbox_json(r->db, r->auth.account_id, unread != 0, (int)limit, before, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_plan_inbox_read(struct req *r, struct errbuf *e)
{
    long long id;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = db_begin(r->db, e)) < 0)
        return rc;
    rc = plan_inbox_read(r->db, r->auth.account_id, id, e);
    if ((rc = plan_api_end(r, rc, e)) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "read", 1));
}

int api_plan_cases(struct req *r, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    long long org = 0;
    json_t *out;
    int rc;
    if ((rc = plan_api_org(r, ROLE_STAFF, &org, path, e)) < 0 ||
        (rc = plan_cases_json(r->db, path, req_query(r, "state"), req_query(r, "period"), &out,
                              e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

/* Staff of the case's organization or of the committee above may read it. */
static int case_scope(struct req *r, long long id, struct errbuf *e)
{
    char opath[ORG_PATH_MAX], spath[ORG_PATH_MAX];
    int rc = plan_case_paths(r->db, id, opath, spath, e);
    if (rc < 0)
        return rc;
    if (!auth_covers(&r->auth, ROLE_STAFF, opath) && !auth_covers(&r->auth, ROLE_STAFF, spath))
        return errbuf_field_int(e, -ERR_FORBIDDEN, R_OUTSIDE_SCOPE, "case_id", id,
                                "rectification case %lld is outside your scope", id);
    return 0;
}

int api_plan_case_get(struct req *r, struct errbuf *e)
{
    long long id;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = case_scope(r, id, e)) < 0 ||
        (rc = plan_case_json(r->db, id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_plan_case_act(struct req *r, struct errbuf *e)
{
    const char *action = NULL, *text = NULL, *attachment = NULL;
    long long id;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = case_scope(r, id, e)) < 0 ||
        (rc = req_str(r, "action", true, 32, &action, e)) < 0 ||
        (rc = req_str(r, "text", false, 2000, &text, e)) < 0 ||
        (rc = req_str(r, "attachment", false, 500, &attachment, e)) < 0 ||
        (rc = db_begin(r->db, e)) < 0)
        return rc;
    rc = plan_case_act(r->db, &r->auth, id, action, text, attachment, date_today(), e);
    if ((rc = plan_api_end(r, rc, e)) < 0 || (rc = plan_case_json(r->db, id, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_plan_webhooks(struct req *r, struct errbuf *e)
{
    json_t *out;
    int rc = plan_webhooks_json(r->db, &out, e);
    return rc < 0 ? rc : req_reply_json(r, 200, out);
}

int api_plan_webhook_create(struct req *r, struct errbuf *e)
{
    const char *url = NULL, *secret = NULL, *kind = NULL;
    long long retry = 60, max = 6, id = 0, max_bytes = 0;
    int rc;
    if ((rc = req_str(r, "kind", false, 40, &kind, e)) < 0 ||
        (rc = req_int(r, "max_bytes", false, &max_bytes, e)) < 0 ||
        (rc = req_str(r, "url", true, 2000, &url, e)) < 0 ||
        (rc = req_str(r, "secret", false, 256, &secret, e)) < 0 ||
        (rc = req_int(r, "retry_seconds", false, &retry, e)) < 0 ||
        (rc = req_int(r, "max_attempts", false, &max, e)) < 0)
        return rc;
    if (retry < 1 || retry > 86400 || max < 1 || max > 20)
        return errbuf_field(
            e, -ERR_INVALID, R_OUT_OF_RANGE, "retry_seconds", NULL,
            "field 'retry_seconds' must be from 1 to 86400 and 'max_attempts' from 1 to 20");
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    if (!kind)
        kind = "generic";
    rc = plan_webhook_create(r->db, kind, url, secret, (int)retry, (int)max, max_bytes,
                             r->auth.account_id, &id, e);
    if ((rc = plan_api_end(r, rc, e)) < 0)
        return rc;
    return req_reply_json(r, 201, json_pack("{s:I, s:s, s:o, s:b, s:I, s:I}", "id",
                                            (json_int_t)id, "kind", kind, "url",
                                            notify_url_json(url), "active", 1, "retry_seconds",
                                            (json_int_t)retry, "max_attempts", (json_int_t)max));
}

int api_plan_deliveries(struct req *r, struct errbuf *e)
{
    long long id, limit = 50;
    json_t *out;
    int rc;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 ||
        (rc = req_query_int(r, "limit", 50, 1, 500, &limit, e)) < 0 ||
        (rc = plan_deliveries_json(r->db, id, (int)limit, &out, e)) < 0)
        return rc;
    return req_reply_json(r, 200, out);
}

int api_plan_webhook_update(struct req *r, struct errbuf *e)
{
    const json_t *active = json_object_get(r->json, "active");
    long long id;
    json_t *out;
    int rc;
    const char *s = NULL;
    long long n = 0;
    /* typed reads first: a wrong type is a 400 naming the field before anything is read */
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = req_str(r, "kind", false, 40, &s, e)) < 0 ||
        (rc = req_str(r, "url", false, 2000, &s, e)) < 0 ||
        (rc = req_str(r, "secret", false, 256, &s, e)) < 0 ||
        (rc = req_int(r, "retry_seconds", false, &n, e)) < 0 ||
        (rc = req_int(r, "max_attempts", false, &n, e)) < 0 ||
        (rc = req_int(r, "max_bytes", false, &n, e)) < 0)
        return rc;
    if (active && !json_is_boolean(active))
        return errbuf_field(e, -ERR_INVALID, R_NOT_BOOLEAN, "active", NULL,
                            "field 'active' must be true or false");
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    rc = plan_webhook_update(r->db, id, r->json, r->auth.account_id, e);
    if ((rc = plan_api_end(r, rc, e)) < 0 || (rc = plan_webhooks_json(r->db, &out, e)) < 0)
        return rc;
    for (size_t i = 0; i < json_array_size(json_object_get(out, "items")); i++) {
        json_t *w = json_array_get(json_object_get(out, "items"), i);
        if (json_integer_value(json_object_get(w, "id")) == id) {
            json_incref(w);
            json_decref(out);
            return req_reply_json(r, 200, w);
        }
    }
    json_decref(out);
    return errbuf_set(e, -ERR_INTERNAL, "webhook %lld vanished", id);
}

int api_plan_webhook_test(struct req *r, struct errbuf *e)
{
    long long id, after = 0;
    int rc, delivered = 0;
    if ((rc = req_param_id(r, 0, &id, e)) < 0 || (rc = db_begin(r->db, e)) < 0)
        return rc;
    rc = plan_webhook_test(r->db, id, &r->auth, &after, e);
    /* queued and audited in one transaction; sent after it, like the jobs thread sends */
    if ((rc = plan_api_end(r, rc, e)) < 0 ||
        (rc = plan_webhook_send_now(r->db, id, after, &delivered, e)) < 0)
        return rc;
    return req_reply_json(r, 200, json_pack("{s:I, s:i}", "after", (json_int_t)after,
                                            "delivered", delivered));
}
