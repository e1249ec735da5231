/* The renderings of a bulletin's JSON (bulletin.c): a printable HTML page (all its text goes
 * through html_text()) and an .xlsx workbook (libxlsxwriter), so that the three agree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "base/buf.h"
#include "base/month.h"
#include "plan/plan.h"
#include "plan/progress.h"
#include "base/banned.h"

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
