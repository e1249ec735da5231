/* The rectification loop (整改闭环): open → notified → acknowledged → reported → verified →
 * closed, with reported → returned → reported. The transitions are a table: the action, the
 * state it leaves and enters, and which side takes it (the branch that must rectify, or the
 * committee above it that checks). Every step is recorded with who, when and the text, and
 * audited; an illegal step is refused before anything is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/month.h"
#include "db/db.h"
#include "inbox/todo.h"
#include "org/audit.h"
#include "plan/internal.h"
#include "plan/progress.h"
#include "base/banned.h"

enum case_state {
    ST_OPEN,
    ST_NOTIFIED,
    ST_ACKNOWLEDGED,
    ST_REPORTED,
    ST_RETURNED,
    ST_VERIFIED,
    ST_CLOSED,
    ST__COUNT
};

enum side { SIDE_NONE, SIDE_BRANCH, SIDE_SUPERIOR };

/* Each state: its name, label, who acts next and the to-do they get. */
static const struct state_info {
    const char *name, *label;
    enum side next;
    const char *todo;
} states[ST__COUNT] = {
    [ST_OPEN] = {"open", "待通知", SIDE_SUPERIOR, "通知整改"},
    [ST_NOTIFIED] = {"notified", "已通知", SIDE_BRANCH, "确认整改通知"},
    [ST_ACKNOWLEDGED] = {"acknowledged", "已确认", SIDE_BRANCH, "提交整改报告"},
    [ST_REPORTED] = {"reported", "已报告", SIDE_SUPERIOR, "审核整改报告"},
    [ST_RETURNED] = {"returned", "已退回", SIDE_BRANCH, "重新提交整改报告"},
    [ST_VERIFIED] = {"verified", "已审核", SIDE_SUPERIOR, "关闭整改事项"},
    [ST_CLOSED] = {"closed", "已关闭", SIDE_NONE, NULL},
};

static const struct transition {
    const char *action;
    enum case_state from, to;
    enum side side;
    int needs_text;
    const char *label;
} transitions[] = {
    {"notify", ST_OPEN, ST_NOTIFIED, SIDE_SUPERIOR, 0, "通知整改"},
    {"acknowledge", ST_NOTIFIED, ST_ACKNOWLEDGED, SIDE_BRANCH, 0, "确认整改"},
    {"report", ST_ACKNOWLEDGED, ST_REPORTED, SIDE_BRANCH, 1, "报告整改情况"},
    {"report", ST_RETURNED, ST_REPORTED, SIDE_BRANCH, 1, "重新报告整改情况"},
    {"verify", ST_REPORTED, ST_VERIFIED, SIDE_SUPERIOR, 0, "审核通过"},
    {"return", ST_REPORTED, ST_RETURNED, SIDE_SUPERIOR, 1, "退回重新整改"},
    {"close", ST_VERIFIED, ST_CLOSED, SIDE_SUPERIOR, 0, "关闭整改事项"},
};

#define NTRANSITIONS (sizeof(transitions) / sizeof(transitions[0]))

/* docs/PLANS.md: escalate after 3 days without acknowledgement, 15 days without a report. */
static const struct escalation {
    int bit, days;
    unsigned states; /* bit per enum case_state still waiting */
    const char *what;
} escalations[] = {
    {1, 3, 1u << ST_OPEN | 1u << ST_NOTIFIED, "超过3天未确认"},
    {2, 15, 1u << ST_OPEN | 1u << ST_NOTIFIED | 1u << ST_ACKNOWLEDGED, "超过15天未报告整改情况"},
};

static int state_parse(const char *s)
{
    for (int i = 0; i < ST__COUNT; i++)
        if (strcmp(states[i].name, s) == 0)
            return i;
    return -1;
}

/* What a case is, for the steps (its codes and paths are read by case_load only). */
struct case_row {
    long long id, task_id, org_id, superior_id, tenant;
    int state, opened_on, escalated;
    char period[16], role[16], task_name[256], org_name[256], org_code[64], sup_code[64];
    char org_path[ORG_PATH_MAX], sup_path[ORG_PATH_MAX];
};

static int case_load(struct db *db, long long id, struct case_row *c, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc =
             db_prepare(db,
                        "SELECT c.state, c.task_id, c.org_id, c.superior_id, c.period, t.role,"
                        " t.name, o.name, o.code, o.path, s.code, s.path, c.opened_on, c.escalated,"
                        " c.tenant_id FROM plan_cases c JOIN plan_tasks t"
                        " ON t.id = c.task_id AND t.tenant_id = c.tenant_id"
                        " JOIN orgs o ON o.id = c.org_id JOIN orgs s ON s.id = c.superior_id"
                        " WHERE c.id = $1",
                        &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, id);
    if ((rc = db_step(st, e)) == 1) {
        c->id = id;
        c->state = state_parse(db_col_text(st, 0));
        c->task_id = db_col_int(st, 1);
        c->org_id = db_col_int(st, 2);
        c->superior_id = db_col_int(st, 3);
        snprintf(c->period, sizeof(c->period), "%s", db_col_text(st, 4));
        snprintf(c->role, sizeof(c->role), "%s", db_col_text(st, 5));
        snprintf(c->task_name, sizeof(c->task_name), "%s", db_col_text(st, 6));
        snprintf(c->org_name, sizeof(c->org_name), "%s", db_col_text(st, 7));
        snprintf(c->org_code, sizeof(c->org_code), "%s", db_col_text(st, 8));
        snprintf(c->org_path, sizeof(c->org_path), "%s", db_col_text(st, 9));
        snprintf(c->sup_code, sizeof(c->sup_code), "%s", db_col_text(st, 10));
        snprintf(c->sup_path, sizeof(c->sup_path), "%s", db_col_text(st, 11));
        c->opened_on = (int)db_col_int(st, 12);
        c->escalated = (int)db_col_int(st, 13);
        c->tenant = db_col_int(st, 14);
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0 || c->state < 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "case_id", id,
                                "rectification case %lld not found", id);
    return 0;
}

int plan_case_paths(struct db *db, long long case_id, char *org_path, char *superior_path,
                    struct errbuf *e)
{
    struct case_row c;
    int rc = case_load(db, case_id, &c, e);
    if (rc < 0)
        return rc;
    memcpy(org_path, c.org_path, ORG_PATH_MAX);
    memcpy(superior_path, c.sup_path, ORG_PATH_MAX);
    return 0;
}

static int step_record(struct db *db, const struct case_row *c, long long actor, int today,
                       const char *action, int from, int to, const char *text, struct errbuf *e)
{
    json_t *detail;
    /* a step goes with its case, and a case with its plan (see plan_case_open) */
    int rc = db_run(db, e,
                    "INSERT INTO plan_case_steps(case_id, org_id, at, day, account_id, action,"
                    " from_state, to_state, text, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7,"
                    " $8, $9, $10)",
                    "iiiiItttti", c->id, c->org_id, (long long)time(NULL), (long long)today, actor,
                    action, from >= 0 ? states[from].name : "", states[to].name, text ? text : "",
                    c->tenant);
    if (rc < 0)
        return rc;
    detail = json_pack("{s:{s:s?, s:s}, s:s, s:s, s:I}", "state", "from",
                       from >= 0 ? states[from].name : NULL, "to", states[to].name, "text",
                       text ? text : "", "period", c->period, "task_id", (json_int_t)c->task_id);
    rc = audit_log(db, actor, c->org_id, action, "plan_case", c->id, detail, e);
    json_decref(detail);
    return rc;
}

/* The accounts on one side of a case. */
static int side_people(struct db *db, const struct case_row *c, enum side side, struct idlist *out,
                       struct errbuf *e)
{
    int rc = 0;
    if (side == SIDE_BRANCH) {
        rc = plan_people_at(db, c->org_id, c->role, out, e);
        if (rc >= 0 && strcmp(c->role, "secretary") != 0)
            rc = plan_people_at(db, c->org_id, "secretary", out, e);
    } else if (side == SIDE_SUPERIOR) {
        rc = plan_people_committee(db, c->superior_id, out, e);
    }
    return rc;
}

/* After a case entered state st: the old to-dos are done; whoever acts next gets a to-do and
 * a notice (title, body). */
static int hand_over(struct db *db, const struct case_row *c, int st, const char *kind,
                     const char *title, const char *body, struct errbuf *e)
{
    struct idlist to = IDLIST_INIT;
    char todo[1024];
    int rc;
    if ((rc = todo_done_case(db, c->id, e)) < 0)
        return rc;
    if (states[st].next == SIDE_NONE)
        return 0;
    if ((rc = side_people(db, c, states[st].next, &to, e)) < 0)
        goto out;
    snprintf(todo, sizeof(todo), "%s：%s %s %s（整改事项 #%lld）", states[st].todo, c->org_name,
             c->task_name, c->period, c->id);
    if ((rc = plan_todo_add(db, &to, c->org_id, "case", todo, c->task_id, c->id, c->period, 0, e)) <
        0)
        goto out;
    if (title) {
        struct plan_notice n = {kind, c->org_id, title, body, c->task_id, c->id, c->period};
        rc = plan_notice_send(db, &n, &to, e);
    }
out:
    idlist_release(&to);
    return rc < 0 ? rc : 0;
}

static int set_state(struct db *db, long long id, int from, int to, const char *report,
                     const char *attachment, struct errbuf *e)
{
    int rc =
        db_run(db, e,
               "UPDATE plan_cases SET state = $3, updated_at = $4,"
               " report_text = COALESCE($5, report_text), attachment = COALESCE($6, attachment)"
               " WHERE id = $1 AND state = $2",
               "ittitt", id, states[from].name, states[to].name, (long long)time(NULL), report,
               attachment);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "case_id", NULL,
                             "rectification case %lld changed meanwhile: try again", id),
                errbuf_value_int(e, id), errbuf_state(e, "changed"));
    return 0;
}

/* After case c was made (state open, or notified when the branch has someone to tell): its
 * steps, the branch's to-dos and notice, the committee's notice, the warning's link. Nothing
 * here waits for the server but the cached look-ups of who is who. */
static int case_opened(struct db *db, const struct case_row *c, const struct plan_case_open *o,
                       const struct idlist *to, int today, struct errbuf *e)
{
    struct idlist sup = IDLIST_INIT;
    char title[1024], body[1024], fa[32], ft[32];
    int rc;
    snprintf(body, sizeof(body), "%s %s 完成 %s/%s（%.0f%%），未达标", o->task_name, o->period,
             plan_figure(o->actual, fa, sizeof(fa)), plan_figure(o->target, ft, sizeof(ft)),
             o->completion * 100);
    if ((rc = step_record(db, c, 0, today, "open", -1, ST_OPEN, body, e)) < 0)
        return rc;
    if (to->n) {
        snprintf(title, sizeof(title), "【未达标】%s · %s %s：请确认并整改（整改事项 #%lld）",
                 o->org_name, o->task_name, o->period, c->id);
        if ((rc = step_record(db, c, 0, today, "notify", ST_OPEN, ST_NOTIFIED, "系统自动通知",
                              e)) < 0 ||
            (rc = hand_over(db, c, ST_NOTIFIED, "not_met", title, body, e)) < 0)
            return rc;
    } else if ((rc = hand_over(db, c, ST_OPEN, NULL, NULL, NULL, e)) < 0) {
        return rc;
    }
    /* the committee above is informed */
    snprintf(title, sizeof(title), "【未达标通报】%s · %s %s（整改事项 #%lld）", o->org_name,
             o->task_name, o->period, c->id);
    if ((rc = plan_people_committee(db, o->superior_id, &sup, e)) >= 0) {
        struct plan_notice n = {"not_met", o->org_id, title, body, o->task_id, c->id, o->period};
        rc = plan_notice_send(db, &n, &sup, e);
    }
    idlist_release(&sup);
    if (rc < 0)
        return rc;
    return db_queue(db, e,
                    "UPDATE plan_warnings SET case_id = $4 WHERE task_id = $1 AND org_id = $2"
                    " AND period = $3 AND level = 'not_met'",
                    "iiti", o->task_id, o->org_id, o->period, c->id);
}

/* Which of o[0, n) have a case already (one read; n <= OPEN_CHUNK). */
static int cases_known(struct db *db, const struct plan_case_open *o, size_t n, bool *known,
                       struct errbuf *e)
{
    struct buf sql = BUF_INIT;
    struct db_stmt *st;
    int rc;
    buf_addstr(&sql, "SELECT task_id, org_id, period FROM plan_cases WHERE");
    for (size_t i = 0; i < n; i++)
        buf_printf(&sql, "%s(task_id = $%zu AND org_id = $%zu AND period = $%zu)", i ? " OR " : " ",
                   3 * i + 1, 3 * i + 2, 3 * i + 3);
    rc = db_prepare(db, buf_str(&sql), &st, e);
    buf_release(&sql);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        known[i] = false;
        db_bind_int(st, (int)(3 * i + 1), o[i].task_id);
        db_bind_int(st, (int)(3 * i + 2), o[i].org_id);
        db_bind_text(st, (int)(3 * i + 3), o[i].period);
    }
    while ((rc = db_step(st, e)) == 1)
        for (size_t i = 0; i < n; i++)
            if (o[i].task_id == db_col_int(st, 0) && o[i].org_id == db_col_int(st, 1) &&
                strcmp(o[i].period, db_col_text(st, 2)) == 0)
                known[i] = true;
    db_done(st);
    return rc;
}

#define OPEN_CHUNK (DB_PARAMS_MAX / 3) /* cases looked up in one read */

int plan_cases_open(struct db *db, const struct plan_case_open *o, size_t n, int today,
                    long long *opened, struct errbuf *e)
{
    long long now = (long long)time(NULL);
    int rc = 0;
    *opened = 0;
    for (size_t at = 0; rc >= 0 && at < n; at += OPEN_CHUNK) {
        size_t m = n - at < OPEN_CHUNK ? n - at : OPEN_CHUNK, fresh = 0, k = 0;
        bool known[OPEN_CHUNK];
        long long ids[OPEN_CHUNK];
        /* two round trips a chunk: which cases are there, and ids for the others */
        if ((rc = cases_known(db, o + at, m, known, e)) < 0)
            break;
        for (size_t i = 0; i < m; i++)
            fresh += !known[i];
        if ((rc = db_reserve_ids(db, "plan_cases", fresh, ids, e)) < 0)
            break;
        for (size_t i = 0; rc >= 0 && i < m; i++) {
            const struct plan_case_open *x = &o[at + i];
            struct idlist to = IDLIST_INIT;
            struct case_row c;
            if (known[i])
                continue;
            c = (struct case_row){ids[k++],  x->task_id, x->org_id, x->superior_id,
                                  x->tenant, ST_OPEN,    today,     0,
                                  "",        "",         "",        "",
                                  "",        "",         "",        ""};
            snprintf(c.period, sizeof(c.period), "%s", x->period);
            snprintf(c.role, sizeof(c.role), "%s", x->role);
            snprintf(c.task_name, sizeof(c.task_name), "%s", x->task_name);
            snprintf(c.org_name, sizeof(c.org_name), "%s", x->org_name);
            /* notified at once when the branch has someone to tell; else the committee does it */
            if ((rc = side_people(db, &c, SIDE_BRANCH, &to, e)) >= 0)
                rc = db_queue(db, e,
                              "INSERT INTO plan_cases(id, task_id, org_id, period, superior_id,"
                              " state, completion, opened_on, opened_at, updated_at, tenant_id)"
                              " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
                              "iiititdiii", c.id, c.task_id, c.org_id, c.period, c.superior_id,
                              states[to.n ? ST_NOTIFIED : ST_OPEN].name, x->completion,
                              (long long)today, now, c.tenant);
            if (rc >= 0 && (rc = case_opened(db, &c, x, &to, today, e)) >= 0)
                ++*opened;
            idlist_release(&to);
        }
    }
    return rc < 0 ? rc : 0;
}

int plan_case_escalate(struct db *db, int today, long long tenant, struct errbuf *e)
{
#define DUE(tenant)                                                                                \
    "SELECT id FROM plan_cases WHERE state IN ('open', 'notified', 'acknowledged')"                \
    " AND escalated < 3 AND opened_on < $1" tenant " ORDER BY id"
    struct db_stmt *st;
    long long *ids = NULL;
    int n = 0, cap = 0, done = 0, rc;
    if ((rc = db_prepare(db, tenant ? DUE(" AND tenant_id = $2") : DUE(""), &st, e)) < 0)
        return rc;
#undef DUE
    db_bind_int(st, 1, (long long)today);
    if (tenant)
        db_bind_int(st, 2, tenant);
    while ((rc = db_step(st, e)) == 1) {
        if (n == cap) {
            long long *v = realloc(ids, (size_t)(cap = cap ? cap * 2 : 64) * sizeof(*ids));
            if (!v) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            ids = v;
        }
        ids[n++] = db_col_int(st, 0);
    }
    db_done(st);
    for (int i = 0; rc >= 0 && i < n; i++) {
        struct case_row c;
        long days;
        if ((rc = case_load(db, ids[i], &c, e)) < 0)
            break;
        days = date_to_days(today) - date_to_days(c.opened_on);
        for (size_t k = 0; rc >= 0 && k < sizeof(escalations) / sizeof(escalations[0]); k++) {
            const struct escalation *x = &escalations[k];
            struct idlist sup = IDLIST_INIT;
            char title[1024], body[1024];
            if ((c.escalated & x->bit) || !(x->states & (1u << c.state)) || days <= x->days)
                continue;
            c.escalated |= x->bit;
            snprintf(body, sizeof(body), "%s %s %s：%s，已标记逾期并上报", c.org_name, c.task_name,
                     c.period, x->what);
            snprintf(title, sizeof(title), "【逾期督办】%s · %s %s（整改事项 #%lld）", c.org_name,
                     c.task_name, c.period, c.id);
            struct plan_notice note = {"escalation", c.org_id, title,   body,
                                       c.task_id,    c.id,     c.period};
            if ((rc = db_run(db, e,
                             "UPDATE plan_cases SET escalated = $2, overdue = 1, updated_at = $3"
                             " WHERE id = $1",
                             "iii", c.id, (long long)c.escalated, (long long)time(NULL))) < 0 ||
                (rc = step_record(db, &c, 0, today, "escalate", c.state, c.state, body, e)) < 0 ||
                (rc = plan_people_committee(db, c.superior_id, &sup, e)) < 0 ||
                (rc = plan_notice_send(db, &note, &sup, e)) < 0) {
                idlist_release(&sup);
                break;
            }
            idlist_release(&sup);
            done++;
        }
    }
    free(ids);
    return rc < 0 ? rc : done;
}

static bool side_allows(const struct auth *a, const struct case_row *c, enum side side)
{
    enum role r = ROLE_SECRETARY;
    if (side == SIDE_SUPERIOR)
        return auth_covers(a, ROLE_COMMITTEE | ROLE_ADMIN, c->sup_path);
    role_parse(c->role, &r);
    return auth_covers(a, ROLE_SECRETARY | (int)r, c->org_path);
}

static void action_list(char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NTRANSITIONS; i++) {
        int w;
        if (i && strcmp(transitions[i].action, transitions[i - 1].action) == 0)
            continue;
        w = snprintf(out + used, n - used, "%s%s", used ? ", " : "", transitions[i].action);
        if (w < 0 || (size_t)w >= n - used)
            return;
        used += (size_t)w;
    }
}

int plan_case_act(struct db *db, const struct auth *a, long long case_id, const char *action,
                  const char *text, const char *attachment, int today, struct errbuf *e)
{
    const struct transition *named = NULL, *t = NULL;
    struct case_row c;
    char title[1024], need[256] = "";
    int rc;
    if ((rc = case_load(db, case_id, &c, e)) < 0)
        return rc;
    for (size_t i = 0; i < NTRANSITIONS; i++) {
        if (!action || strcmp(transitions[i].action, action) != 0)
            continue;
        named = &transitions[i];
        if ((int)transitions[i].from == c.state)
            t = &transitions[i];
        else
            snprintf(need + strlen(need), sizeof(need) - strlen(need), "%s'%s'",
                     need[0] ? " or " : "", states[transitions[i].from].name);
    }
    if (!named) {
        char list[128];
        action_list(list, sizeof(list));
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "action", action,
                            "field 'action': unknown action '%s' (%s)", action ? action : "", list);
    }
    if (!side_allows(a, &c, named->side))
        return errbuf_field(e, -ERR_FORBIDDEN, R_NOT_ALLOWED, "action", action,
                            named->side == SIDE_BRANCH
                                ? "only the secretary of '%s' may %s rectification case %lld"
                                : "only the committee above ('%s') may %s rectification case %lld",
                            named->side == SIDE_BRANCH ? c.org_code : c.sup_code, action, case_id);
    if (!t)
        return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "action", action,
                             "cannot %s rectification case %lld: it is '%s' (%s needs %s)", action,
                             case_id, states[c.state].name, action, need),
                errbuf_state(e, states[c.state].name));
    if (t->needs_text && (!text || !*text))
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "text", NULL,
                            "field 'text' is required to %s", action);
    if (text && strlen(text) > 8000)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "text", NULL,
                             "field 'text' is longer than 2000 characters"),
                errbuf_limit(e, 2000));
    if (attachment && strlen(attachment) > 2000)
        return (errbuf_field(e, -ERR_INVALID, R_TOO_LONG, "attachment", NULL,
                             "field 'attachment' is longer than 500 characters"),
                errbuf_limit(e, 500));
    if ((rc = set_state(db, c.id, t->from, t->to, t->to == ST_REPORTED ? text : NULL,
                        t->to == ST_REPORTED ? (attachment ? attachment : "") : NULL, e)) < 0 ||
        (rc = step_record(db, &c, a->account_id, today, t->action, t->from, t->to, text, e)) < 0)
        return rc;
    if (t->to == ST_CLOSED &&
        (rc = db_run(db, e, "UPDATE plan_warnings SET resolved_on = $2 WHERE case_id = $1", "ii",
                     c.id, (long long)today)) < 0)
        return rc;
    snprintf(title, sizeof(title), "【整改】%s · %s %s：%s（整改事项 #%lld）", c.org_name,
             c.task_name, c.period, t->label, c.id);
    return hand_over(db, &c, t->to, "case", title, text, e);
}

/* ---- what the JSON of a case (loop_json.c) says of its state */

int plan_case_state_find(const char *name)
{
    return name ? state_parse(name) : -1;
}

const char *plan_case_state_label(int state)
{
    return state >= 0 && state < ST__COUNT ? states[state].label : "";
}

const char *plan_case_next_side(int state)
{
    if (state < 0 || state >= ST__COUNT || states[state].next == SIDE_NONE)
        return NULL;
    return states[state].next == SIDE_BRANCH ? "branch" : "superior";
}

json_t *plan_case_next_actions(int state)
{
    json_t *next = json_array();
    for (size_t i = 0; state >= 0 && i < NTRANSITIONS; i++)
        if ((int)transitions[i].from == state)
            json_array_append_new(next, json_string(transitions[i].action));
    return next;
}
