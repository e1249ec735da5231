/* Bulletins (通报): for a committee and a period, the completion rate of every level below
 * it, the ranking of the organizations that carry tasks, the list of those that did not meet
 * a target with their responsible person and rectification case, and the change against the
 * period before. Built once as JSON; the printable HTML page and the .xlsx workbook are
 * renderings of that JSON, so all three always agree. All HTML text goes through html_text(). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "base/month.h"
#include "db/db.h"
#include "plan/grid.h"
#include "plan/plan.h"
#include "base/banned.h"

static double r4(double x)
{
    return round(x * 10000) / 10000;
}

static json_t *rate_json(double r)
{
    return r < 0 ? json_null() : json_real(r4(r));
}

struct case_key {
    int task, org, start;
    long long id;
    char state[16];
    int overdue;
};

static int cmp_case(const void *a, const void *b)
{
    const struct case_key *x = a, *y = b;
    if (x->task != y->task)
        return x->task < y->task ? -1 : 1;
    if (x->org != y->org)
        return x->org < y->org ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int load_cases(struct db *db, const struct plan_grid *g, struct case_key **ret, int *ret_n,
                      struct errbuf *e)
{
    struct db_stmt *st;
    struct case_key *v = NULL;
    int n = 0, cap = 0, rc;
    if ((rc = db_prepare(db,
                         "SELECT c.id, c.task_id, c.org_id, c.period, c.state, c.overdue"
                         " FROM plan_cases c JOIN plan_tasks t ON t.id = c.task_id AND t.tenant_id = c.tenant_id"
                         " JOIN plans p ON p.id = t.plan_id AND p.tenant_id = t.tenant_id WHERE p.year = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, g->year);
    while ((rc = db_step(st, e)) == 1) {
        struct plan_period p;
        int t = plan_grid_task(g, db_col_int(st, 1)), o = plan_grid_org(g, db_col_int(st, 2));
        if (t < 0 || o < 0 || plan_period_parse(db_col_text(st, 3), &p) < 0)
            continue;
        if (n == cap) {
            struct case_key *q = realloc(v, (size_t)(cap = cap ? cap * 2 : 256) * sizeof(*v));
            if (!q) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            v = q;
        }
        v[n] = (struct case_key){t, o, p.start, db_col_int(st, 0), "", (int)db_col_int(st, 5)};
        snprintf(v[n].state, sizeof(v[n].state), "%s", db_col_text(st, 4));
        n++;
    }
    db_done(st);
    if (rc < 0) {
        free(v);
        return rc;
    }
    if (n)
        qsort(v, (size_t)n, sizeof(*v), cmp_case);
    *ret = v;
    *ret_n = n;
    return 0;
}

struct ranked {
    int org;
    double rate;
};

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (fabs(x->rate - y->rate) > 1e-9)
        return x->rate > y->rate ? -1 : 1;
    return x->org - y->org; /* path order */
}

/* The rates of the period before P: from the same grid when it is in the same year, else
 * from that year's plans. prev_rate and prev_node are filled (-1 where nothing counts). */
static int previous_rates(struct db *db, const struct plan_grid *g, long long root_id,
                          const struct plan_period *prev, double *prev_rate, double *prev_node,
                          struct errbuf *e)
{
    int root = plan_grid_org(g, root_id), rc;
    int *n = malloc((size_t)g->norgs * sizeof(int));
    struct plan_grid *pg = NULL;
    if (!n)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->norgs; i++)
        prev_rate[i] = prev_node[i] = -1;
    if (prev->year == g->year) {
        plan_grid_rates(g, root, prev, prev_rate, prev_node, n);
        free(n);
        return 0;
    }
    if ((rc = plan_grid_load(db, prev->year, prev->end, false, &pg, e)) < 0) {
        free(n);
        return rc;
    }
    /* the same organizations, possibly in another order: map them by id */
    {
        double *r = malloc((size_t)pg->norgs * sizeof(double)),
               *nr = malloc((size_t)pg->norgs * sizeof(double));
        int *nn = malloc((size_t)pg->norgs * sizeof(int)), proot = plan_grid_org(pg, root_id);
        if (!r || !nr || !nn) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        } else if (proot >= 0) {
            plan_grid_rates(pg, proot, prev, r, nr, nn);
            for (int i = proot; i < pg->orgs[proot].end; i++) {
                int k = plan_grid_org(g, pg->orgs[i].id);
                if (k >= 0) {
                    prev_rate[k] = r[i];
                    prev_node[k] = nr[i];
                }
            }
        }
        free(r);
        free(nr);
        free(nn);
    }
    plan_grid_free(pg);
    free(n);
    return rc < 0 ? rc : 0;
}

static json_t *change_json(double now, double before)
{
    return now < 0 || before < 0 ? json_null() : json_real(r4(now - before));
}

int plan_bulletin(struct db *db, long long org_id, const char *period, int as_of, json_t **ret,
                  struct errbuf *e)
{
    struct plan_period P, prev;
    struct plan_grid *g = NULL;
    struct case_key *cases = NULL;
    struct ranked *rk = NULL;
    double *rate = NULL, *node = NULL, *prate = NULL, *pnode = NULL;
    int *nn = NULL, ncases = 0, nrk = 0, root, today = date_today(), rc;
    char pname[PLAN_PERIOD_MAX], prevname[PLAN_PERIOD_MAX], day[16];
    json_t *out = NULL, *levels, *ranking, *not_met;
    long open_cases = 0;

    if (!period || plan_period_parse(period, &P) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_PERIOD, "period", period,
                            "period '%s' is not a period (2024-03, 2024Q1, 2024H1, 2024)",
                            period ? period : "");
    if (P.start > today)
        return errbuf_field(e, -ERR_INVALID, R_IN_FUTURE, "period", period,
                            "period '%s' has not begun yet", period);
    if (!as_of)
        as_of = P.end < today ? P.end : today;
    if (as_of < P.start || as_of > P.end)
        return errbuf_field_int(e, -ERR_INVALID, R_MISMATCH, "as_of", as_of,
                                "as_of %d is not inside the period '%s'", as_of, period);
    plan_period_name(&P, pname, sizeof(pname));
    plan_period_prev(&P, &prev);
    plan_period_name(&prev, prevname, sizeof(prevname));
    if ((rc = plan_grid_load(db, P.year, as_of, true, &g, e)) < 0)
        return rc;
    if ((root = plan_grid_org(g, org_id)) < 0) {
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", org_id,
                              "organization %lld not found", org_id);
        goto out;
    }
    if (g->orgs[root].kind & (KIND_BRANCH | KIND_GROUP)) {
        rc = errbuf_field(e, -ERR_INVALID, R_BULLETIN_NEEDS_COMMITTEE, "org_id", g->orgs[root].code,
                          "organization '%s' is a branch: bulletins are made for committees and "
                          "general branches",
                          g->orgs[root].code);
        goto out;
    }
    rate = malloc((size_t)g->norgs * sizeof(double));
    node = malloc((size_t)g->norgs * sizeof(double));
    prate = malloc((size_t)g->norgs * sizeof(double));
    pnode = malloc((size_t)g->norgs * sizeof(double));
    nn = malloc((size_t)g->norgs * sizeof(int));
    rk = malloc((size_t)g->norgs * sizeof(*rk));
    if (!rate || !node || !prate || !pnode || !nn || !rk) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    plan_grid_rates(g, root, &P, rate, node, nn);
    if ((rc = previous_rates(db, g, org_id, &prev, prate, pnode, e)) < 0 ||
        (rc = load_cases(db, g, &cases, &ncases, e)) < 0)
        goto out;

    date_format(as_of, day, sizeof(day));
    out = json_pack("{s:o, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o}", "org", plan_grid_org_json(&g->orgs[root]),
                    "period", pname, "period_label", "", "previous_period", prevname, "as_of", day,
                    "generated_at", (json_int_t)time(NULL), "rate", rate_json(node[root]),
                    "previous_rate", rate_json(pnode[root]), "change",
                    change_json(node[root], pnode[root]));
    {
        char label[64];
        static const char *const quarter[] = {"", "一", "二", "三", "四"};
        if (P.freq == PLAN_MONTH)
            snprintf(label, sizeof(label), "%d年%d月", P.year, P.index);
        else if (P.freq == PLAN_QUARTER)
            snprintf(label, sizeof(label), "%d年第%s季度", P.year, quarter[P.index]);
        else if (P.freq == PLAN_HALF)
            snprintf(label, sizeof(label), "%d年%s半年", P.year, P.index == 1 ? "上" : "下");
        else
            snprintf(label, sizeof(label), "%d年度", P.year);
        json_object_set_new(out, "period_label", json_string(label));
    }

    /* every level below the committee, in tree order */
    levels = json_array();
    for (int i = root; i < g->orgs[root].end; i++) {
        int depth = 0;
        json_t *l;
        if (nn[i] == 0 || g->orgs[i].kind == KIND_GROUP)
            continue;
        for (int a = i; a != root && a >= 0; a = g->orgs[a].parent)
            depth++;
        l = json_pack("{s:o, s:I, s:i, s:o, s:i, s:o, s:o}", "org", plan_grid_org_json(&g->orgs[i]),
                      "parent_id", (json_int_t)g->orgs[i].parent_id, "depth", depth, "rate",
                      rate_json(node[i]), "orgs", nn[i], "previous_rate", rate_json(pnode[i]),
                      "change", change_json(node[i], pnode[i]));
        json_array_append_new(levels, l);
    }
    json_object_set_new(out, "levels", levels);

    /* the ranking of the organizations that carry tasks */
    for (int i = root + 1; i < g->orgs[root].end; i++)
        if (rate[i] >= 0)
            rk[nrk++] = (struct ranked){i, rate[i]};
    qsort(rk, (size_t)nrk, sizeof(*rk), cmp_ranked);
    ranking = json_array();
    for (int k = 0, rank = 1; k < nrk; k++) {
        const struct plan_org *o = &g->orgs[rk[k].org];
        int p = o->parent;
        if (k > 0 && fabs(rk[k].rate - rk[k - 1].rate) > 1e-9)
            rank = k + 1;
        json_array_append_new(
            ranking, json_pack("{s:i, s:o, s:{s:s, s:s}, s:o, s:o, s:o, s:s}", "rank", rank, "org",
                               plan_grid_org_json(o), "parent", "code", p >= 0 ? g->orgs[p].code : "",
                               "name", p >= 0 ? g->orgs[p].name : "", "rate",
                               rate_json(rk[k].rate), "previous_rate",
                               rate_json(prate[rk[k].org]), "change",
                               change_json(rk[k].rate, prate[rk[k].org]), "responsible",
                               o->responsible));
    }
    json_object_set_new(out, "ranking", ranking);

    /* periods inside P that have reached their end by as_of and were not met */
    not_met = json_array();
    for (int i = root; i < g->orgs[root].end; i++)
        for (int t = 0; t < g->ntasks; t++) {
            const struct plan_task *task = &g->tasks[t];
            if (!plan_grid_applies(g, t, i) || task->freq > P.freq)
                continue;
            for (int k = 1; k <= plan_freq_count(task->freq); k++) {
                struct plan_period p;
                struct plan_cell c;
                struct case_key key = {t, i, 0, 0, "", 0}, *hit;
                char name[PLAN_PERIOD_MAX];
                json_t *row;
                plan_period_make(task->freq, P.year, k, &p);
                if (!plan_period_within(&p, &P) || p.end > as_of ||
                    !plan_grid_counts(g, t, i, &p, as_of))
                    continue;
                plan_grid_cell(g, t, i, &p, as_of, &c);
                if (c.completion >= 1 - 1e-9)
                    continue;
                plan_period_name(&p, name, sizeof(name));
                key.start = p.start;
                hit = ncases ? bsearch(&key, cases, (size_t)ncases, sizeof(key), cmp_case) : NULL;
                row = json_pack("{s:o, s:{s:I, s:s, s:s, s:s}, s:s, s:f, s:f, s:f, s:s}", "org",
                                plan_grid_org_json(&g->orgs[i]), "task", "id", (json_int_t)task->id, "code",
                                task->code, "name", task->name, "unit", task->unit, "period",
                                name, "actual", c.actual, "target", task->target, "completion",
                                r4(c.completion), "responsible", g->orgs[i].responsible);
                json_object_set_new(row, "case",
                                    hit ? json_pack("{s:I, s:s, s:b}", "id", (json_int_t)hit->id,
                                                    "state", hit->state, "overdue",
                                                    hit->overdue != 0)
                                        : json_null());
                if (hit && strcmp(hit->state, "closed") != 0)
                    open_cases++;
                json_array_append_new(not_met, row);
            }
        }
    json_object_set_new(out, "not_met", not_met);
    json_object_set_new(out, "open_cases", json_integer(open_cases));
    *ret = out;
    out = NULL;
    rc = 0;
out:
    json_decref(out);
    free(rate);
    free(node);
    free(prate);
    free(pnode);
    free(nn);
    free(rk);
    free(cases);
    plan_grid_free(g);
    return rc;
}

/* ---- renderings */

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char *state_label(const char *state)
{
    static const char *const map[][2] = {
        {"open", "待通知"},     {"notified", "已通知"}, {"acknowledged", "已确认"},
        {"reported", "已报告"}, {"returned", "已退回"}, {"verified", "已审核"},
        {"closed", "已关闭"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], state) == 0)
            return map[i][1];
    return state;
}

static const char *kind_label(const char *kind)
{
    static const char *const map[][2] = {
        {"committee", "党委"}, {"general_branch", "党总支"}, {"branch", "党支部"}, {"group", "党小组"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], kind) == 0)
            return map[i][1];
    return kind;
}

/* "83.3%" or "—" for null; a change as "+3.3" percentage points. */
static void pct(const json_t *v, char *out, size_t n)
{
    if (json_is_number(v))
        snprintf(out, n, "%.1f%%", json_number_value(v) * 100);
    else
        snprintf(out, n, "—");
}

static void points(const json_t *v, char *out, size_t n)
{
    if (json_is_number(v))
        snprintf(out, n, "%+.1f", json_number_value(v) * 100);
    else
        snprintf(out, n, "—");
}

/* The one door for text into HTML: & < > " ' become entities, everything else is copied. */
static int html_text(struct buf *b, const char *s)
{
    static const char *const entity[256] = {
        ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;"};
    int rc = 0;
    for (; *s && rc == 0; s++) {
        const char *x = entity[(unsigned char)*s];
        rc = x ? buf_addstr(b, x) : buf_addch(b, *s);
    }
    return rc;
}

/* One table row: each cell's text escaped. */
static int html_row(struct buf *b, const char *tag, const char *const *cells, int n)
{
    int rc = buf_addstr(b, "<tr>");
    for (int i = 0; i < n && rc == 0; i++) {
        if ((rc = buf_printf(b, "<%s>", tag)) == 0 && (rc = html_text(b, cells[i])) == 0)
            rc = buf_printf(b, "</%s>", tag);
    }
    return rc ? rc : buf_addstr(b, "</tr>\n");
}

int plan_bulletin_html(const json_t *bl, struct buf *b, struct errbuf *e)
{
    const json_t *org = json_object_get(bl, "org"), *v;
    char rate[32], prev[32], chg[32], title[512], buf1[32], buf2[32], buf3[32];
    size_t i;
    int rc = 0; /* non-zero once any append failed (out of memory or past the maximum) */
    pct(json_object_get(bl, "rate"), rate, sizeof(rate));
    pct(json_object_get(bl, "previous_rate"), prev, sizeof(prev));
    points(json_object_get(bl, "change"), chg, sizeof(chg));
    snprintf(title, sizeof(title), "%s%s量化计划执行情况通报", str(org, "name"),
             str(bl, "period_label"));
    rc |= buf_addstr(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                        "<title>");
    rc |= html_text(b, title);
    rc |= buf_addstr(
        b, "</title>\n<style>\n"
           "body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;margin:2em;color:#222}\n"
           "h1{font-size:1.5em;text-align:center;color:#b71c1c}h2{font-size:1.15em;margin-top:1.6em}\n"
           "table{border-collapse:collapse;width:100%;font-size:.9em}\n"
           "th,td{border:1px solid #999;padding:.3em .5em;text-align:left}th{background:#f3e5e5}\n"
           "td.n{text-align:right}.meta{text-align:center;color:#555}\n"
           "@media print{body{margin:0}h2{page-break-after:avoid}tr{page-break-inside:avoid}}\n"
           "</style>\n</head>\n<body>\n<h1>");
    rc |= html_text(b, title);
    rc |= buf_addstr(b, "</h1>\n<p class=\"meta\">");
    {
        char meta[256];
        snprintf(meta, sizeof(meta), "统计截至 %s；完成率 %s（上期 %s，变化 %s 个百分点）；未关闭整改事项 %lld 项",
                 str(bl, "as_of"), rate, prev, chg,
                 (long long)json_integer_value(json_object_get(bl, "open_cases")));
        rc |= html_text(b, meta);
    }
    rc |= buf_addstr(b, "</p>\n<h2>一、各级完成率</h2>\n<table>\n");
    {
        const char *h[] = {"组织", "类型", "完成率", "上期", "变化（百分点）", "统计组织数"};
        rc |= html_row(b, "th", h, 6);
    }
    json_array_foreach(json_object_get(bl, "levels"), i, v)
    {
        const json_t *o = json_object_get(v, "org");
        char name[320], n[16];
        int depth = (int)json_integer_value(json_object_get(v, "depth"));
        snprintf(name, sizeof(name), "%*s%s", depth * 2, "", str(o, "name"));
        pct(json_object_get(v, "rate"), buf1, sizeof(buf1));
        pct(json_object_get(v, "previous_rate"), buf2, sizeof(buf2));
        points(json_object_get(v, "change"), buf3, sizeof(buf3));
        snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(json_object_get(v, "orgs")));
        const char *c[] = {name, kind_label(str(o, "kind")), buf1, buf2, buf3, n};
        rc |= html_row(b, "td", c, 6);
    }
    rc |= buf_addstr(b, "</table>\n<h2>二、完成率排名</h2>\n<table>\n");
    {
        const char *h[] = {"排名", "组织", "上级组织", "完成率", "上期", "变化（百分点）", "负责人"};
        rc |= html_row(b, "th", h, 7);
    }
    json_array_foreach(json_object_get(bl, "ranking"), i, v)
    {
        char rank[16];
        snprintf(rank, sizeof(rank), "%lld", (long long)json_integer_value(json_object_get(v, "rank")));
        pct(json_object_get(v, "rate"), buf1, sizeof(buf1));
        pct(json_object_get(v, "previous_rate"), buf2, sizeof(buf2));
        points(json_object_get(v, "change"), buf3, sizeof(buf3));
        const char *c[] = {rank, str(json_object_get(v, "org"), "name"),
                           str(json_object_get(v, "parent"), "name"), buf1, buf2, buf3,
                           str(v, "responsible")};
        rc |= html_row(b, "td", c, 7);
    }
    rc |= buf_addstr(b, "</table>\n<h2>三、未达标名单</h2>\n<table>\n");
    {
        const char *h[] = {"组织", "任务", "周期", "实际/目标", "完成率", "负责人", "整改事项"};
        rc |= html_row(b, "th", h, 7);
    }
    json_array_foreach(json_object_get(bl, "not_met"), i, v)
    {
        const json_t *c = json_object_get(v, "case");
        char fig[64], cs[96];
        char fa[32], ft[32];
        snprintf(fig, sizeof(fig), "%s/%s",
                 plan_figure(json_number_value(json_object_get(v, "actual")), fa, sizeof(fa)),
                 plan_figure(json_number_value(json_object_get(v, "target")), ft, sizeof(ft)));
        pct(json_object_get(v, "completion"), buf1, sizeof(buf1));
        if (json_is_object(c))
            snprintf(cs, sizeof(cs), "#%lld %s%s", (long long)json_integer_value(json_object_get(c, "id")),
                     state_label(str(c, "state")),
                     json_is_true(json_object_get(c, "overdue")) ? "（逾期）" : "");
        else
            snprintf(cs, sizeof(cs), "—");
        const char *cells[] = {str(json_object_get(v, "org"), "name"),
                               str(json_object_get(v, "task"), "name"), str(v, "period"), fig, buf1,
                               str(v, "responsible"), cs};
        rc |= html_row(b, "td", cells, 7);
    }
    rc |= buf_addstr(b, "</table>\n</body>\n</html>\n");
    return rc ? errbuf_set(e, -ERR_NOMEM, "out of memory") : 0;
}

/* ---- .xlsx */

struct sheet {
    lxw_worksheet *ws;
    double width[16];
};

/* Columns a string takes in a spreadsheet: CJK characters (3- and 4-byte UTF-8) two. */
static double text_width(const char *s)
{
    double n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n += *p >= 0xE0 ? 2 : 1;
    return n;
}

static void grow(struct sheet *sh, int col, double w)
{
    if (col < 16 && w > sh->width[col])
        sh->width[col] = w;
}

static void put_str(struct sheet *sh, int row, int col, const char *s, lxw_format *f)
{
    worksheet_write_string(sh->ws, (lxw_row_t)row, (lxw_col_t)col, s, f);
    grow(sh, col, text_width(s));
}

/* A number; shown: how wide its formatted form is. Null JSON writes an empty cell. */
static void put_num(struct sheet *sh, int row, int col, const json_t *v, lxw_format *f)
{
    if (!json_is_number(v)) {
        worksheet_write_blank(sh->ws, (lxw_row_t)row, (lxw_col_t)col, f);
        return;
    }
    worksheet_write_number(sh->ws, (lxw_row_t)row, (lxw_col_t)col, json_number_value(v), f);
    grow(sh, col, 8);
}

static void header(struct sheet *sh, const char *const *names, int n, lxw_format *f)
{
    for (int c = 0; c < n; c++)
        put_str(sh, 0, c, names[c], f);
    worksheet_freeze_panes(sh->ws, 1, 0);
}

static void fit(struct sheet *sh, int n)
{
    for (int c = 0; c < n; c++) {
        double w = sh->width[c] + 2;
        worksheet_set_column(sh->ws, (lxw_col_t)c, (lxw_col_t)c, w > 60 ? 60 : w, NULL);
    }
}

int plan_bulletin_xlsx(const json_t *bl, const char *path, struct errbuf *e)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_format *head, *pctf, *chgf;
    struct sheet rank = {0}, miss = {0}, lev = {0};
    const json_t *v, *org = json_object_get(bl, "org");
    char title[512];
    size_t i;
    lxw_error err;
    if (!wb)
        return errbuf_set(e, -ERR_IO, "cannot create '%s'", path);
    snprintf(title, sizeof(title), "%s%s量化计划执行情况通报", str(org, "name"),
             str(bl, "period_label"));
    {
        lxw_doc_properties props = {0};
        props.title = title;
        props.author = "dangjian";
        workbook_set_properties(wb, &props);
    }
    head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xF3E5E5);
    format_set_border(head, LXW_BORDER_THIN);
    pctf = workbook_add_format(wb);
    format_set_num_format(pctf, "0.0%");
    chgf = workbook_add_format(wb);
    format_set_num_format(chgf, "+0.0%;-0.0%;0.0%");

    rank.ws = workbook_add_worksheet(wb, "完成率排名");
    miss.ws = workbook_add_worksheet(wb, "未达标名单");
    lev.ws = workbook_add_worksheet(wb, "各级完成率");
    {
        const char *h[] = {"排名", "组织名称", "组织编码", "上级组织", "完成率", "上期完成率",
                           "变化", "负责人"};
        header(&rank, h, 8, head);
    }
    json_array_foreach(json_object_get(bl, "ranking"), i, v)
    {
        int r = (int)i + 1;
        const json_t *o = json_object_get(v, "org");
        worksheet_write_number(rank.ws, (lxw_row_t)r, 0,
                               (double)json_integer_value(json_object_get(v, "rank")), NULL);
        put_str(&rank, r, 1, str(o, "name"), NULL);
        put_str(&rank, r, 2, str(o, "code"), NULL);
        put_str(&rank, r, 3, str(json_object_get(v, "parent"), "name"), NULL);
        put_num(&rank, r, 4, json_object_get(v, "rate"), pctf);
        put_num(&rank, r, 5, json_object_get(v, "previous_rate"), pctf);
        put_num(&rank, r, 6, json_object_get(v, "change"), chgf);
        put_str(&rank, r, 7, str(v, "responsible"), NULL);
    }
    fit(&rank, 8);
    {
        const char *h[] = {"组织名称", "组织编码", "任务", "周期", "实际", "目标", "完成率",
                           "负责人", "整改事项", "整改状态"};
        header(&miss, h, 10, head);
    }
    json_array_foreach(json_object_get(bl, "not_met"), i, v)
    {
        int r = (int)i + 1;
        const json_t *o = json_object_get(v, "org"), *c = json_object_get(v, "case");
        put_str(&miss, r, 0, str(o, "name"), NULL);
        put_str(&miss, r, 1, str(o, "code"), NULL);
        put_str(&miss, r, 2, str(json_object_get(v, "task"), "name"), NULL);
        put_str(&miss, r, 3, str(v, "period"), NULL);
        put_num(&miss, r, 4, json_object_get(v, "actual"), NULL);
        put_num(&miss, r, 5, json_object_get(v, "target"), NULL);
        put_num(&miss, r, 6, json_object_get(v, "completion"), pctf);
        put_str(&miss, r, 7, str(v, "responsible"), NULL);
        if (json_is_object(c)) {
            char id[32], st[64];
            snprintf(id, sizeof(id), "#%lld", (long long)json_integer_value(json_object_get(c, "id")));
            snprintf(st, sizeof(st), "%s%s", state_label(str(c, "state")),
                     json_is_true(json_object_get(c, "overdue")) ? "（逾期）" : "");
            put_str(&miss, r, 8, id, NULL);
            put_str(&miss, r, 9, st, NULL);
        }
    }
    fit(&miss, 10);
    {
        const char *h[] = {"组织名称", "组织编码", "类型", "层级", "完成率", "上期完成率", "变化",
                           "统计组织数"};
        header(&lev, h, 8, head);
    }
    json_array_foreach(json_object_get(bl, "levels"), i, v)
    {
        int r = (int)i + 1;
        const json_t *o = json_object_get(v, "org");
        char name[320];
        int depth = (int)json_integer_value(json_object_get(v, "depth"));
        snprintf(name, sizeof(name), "%*s%s", depth * 2, "", str(o, "name"));
        put_str(&lev, r, 0, name, NULL);
        put_str(&lev, r, 1, str(o, "code"), NULL);
        put_str(&lev, r, 2, kind_label(str(o, "kind")), NULL);
        put_num(&lev, r, 3, json_object_get(v, "depth"), NULL);
        put_num(&lev, r, 4, json_object_get(v, "rate"), pctf);
        put_num(&lev, r, 5, json_object_get(v, "previous_rate"), pctf);
        put_num(&lev, r, 6, json_object_get(v, "change"), chgf);
        put_num(&lev, r, 7, json_object_get(v, "orgs"), NULL);
    }
    fit(&lev, 8);
    if ((err = workbook_close(wb)) != LXW_NO_ERROR)
        return errbuf_set(e, -ERR_IO, "cannot write '%s': %s", path, lxw_strerror(err));
    return 0;
}
