/* HTTP handlers for a subtree's progress over a period, its bulletin (JSON, HTML or .xlsx) and
 * the daily check on demand. */
#include "plan/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/month.h"
#include "db/db.h"
#include "plan/grid.h"
#include "plan/internal.h"
#include "plan/plan.h"
#include "base/banned.h"

/* ?period= (default: this year) and ?as_of= (default: the period's end or today). */
static int period_args(struct req *r, struct plan_period *P, int *as_of, struct errbuf *e)
{
    const char *ps = req_query(r, "period"), *as = req_query(r, "as_of");
    int today = date_today();
    if (ps && *ps) {
        if (plan_period_parse(ps, P) < 0)
            return errbuf_field(
                e, -ERR_INVALID, R_INVALID_PERIOD, "period", ps,
                "query parameter 'period': '%.40s' is not a period (2024-03, 2024Q1, "
                "2024H1, 2024)",
                ps);
    } else {
        plan_period_make(PLAN_YEAR, today / 10000, 1, P);
    }
    *as_of = 0;
    if (as && *as && date_parse_iso(as, as_of) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_DATE, "as_of", as,
                            "query parameter 'as_of': '%.40s' is not a date (YYYY-MM-DD)", as);
    if (*as_of && (*as_of < P->start || *as_of > P->end))
        return errbuf_field(e, -ERR_INVALID, R_MISMATCH, "as_of", as,
                            "query parameter 'as_of': %s is not inside the period", as);
    if (P->start > today)
        return errbuf_field(e, -ERR_INVALID, R_IN_FUTURE, "period", NULL,
                            "the period has not begun yet");
    if (!*as_of)
        *as_of = P->end < today ? P->end : today;
    return 0;
}

/* Progress of an organization's subtree over a period: the rate at every level, every
 * organization that carries tasks, and (for such an organization itself) each task by period. */
static int progress_json(struct plan_grid *g, int root, const struct plan_period *P, json_t **ret,
                         struct errbuf *e)
{
    double *rate = malloc((size_t)g->norgs * sizeof(double)),
           *node = malloc((size_t)g->norgs * sizeof(double));
    int *nn = malloc((size_t)g->norgs * sizeof(int));
    char pname[PLAN_PERIOD_MAX], day[16];
    json_t *out, *levels = json_array(), *orgs = json_array(), *tasks = json_array();
    if (!rate || !node || !nn) {
        free(rate);
        free(node);
        free(nn);
        json_decref(levels);
        json_decref(orgs);
        json_decref(tasks);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    plan_grid_rates(g, root, P, rate, node, nn);
    for (int i = root; i < g->orgs[root].end; i++) {
        int depth = 0;
        if (nn[i] && g->orgs[i].kind != KIND_GROUP) {
            for (int a = i; a != root && a >= 0; a = g->orgs[a].parent)
                depth++;
            json_array_append_new(levels, json_pack("{s:o, s:I, s:i, s:f, s:i}", "org",
                                                    plan_grid_org_json(&g->orgs[i]), "parent_id",
                                                    (json_int_t)g->orgs[i].parent_id, "depth", depth,
                                                    "rate", node[i], "orgs", nn[i]));
        }
        if (rate[i] >= 0)
            json_array_append_new(orgs, json_pack("{s:o, s:f}", "org", plan_grid_org_json(&g->orgs[i]),
                                                  "rate", rate[i]));
    }
    for (int t = 0; t < g->ntasks; t++) {
        const struct plan_task *k = &g->tasks[t];
        json_t *periods;
        double tr;
        if (!plan_grid_applies(g, t, root) || (tr = plan_grid_task_rate(g, t, root, P)) < 0)
            continue;
        periods = json_array();
        for (int i = 1; i <= plan_freq_count(k->freq); i++) {
            struct plan_period p;
            struct plan_cell c;
            char name[PLAN_PERIOD_MAX];
            plan_period_make(k->freq, g->year, i, &p);
            if (!plan_period_within(&p, P) || !plan_grid_counts(g, t, root, &p, g->as_of))
                continue;
            plan_grid_cell(g, t, root, &p, g->as_of, &c);
            plan_period_name(&p, name, sizeof(name));
            json_array_append_new(periods,
                                  json_pack("{s:s, s:f, s:f, s:f, s:f, s:s, s:i}", "period", name,
                                            "actual", c.actual, "target", k->target, "completion",
                                            c.completion, "expected", c.expected, "level",
                                            plan_level_name(c.level), "days_left", c.days_left));
        }
        json_array_append_new(tasks, json_pack("{s:{s:I, s:s, s:s, s:s, s:s, s:f, s:s}, s:f, s:o}",
                                               "task", "id", (json_int_t)k->id, "code", k->code,
                                               "name", k->name, "freq", plan_freq_name(k->freq),
                                               "unit", k->unit, "weight", k->weight, "metric",
                                               plan_metric_name(k->metric), "rate", tr, "periods",
                                               periods));
    }
    plan_period_name(P, pname, sizeof(pname));
    date_format(g->as_of, day, sizeof(day));
    out = json_pack("{s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "org", plan_grid_org_json(&g->orgs[root]),
                    "period", pname, "as_of", day, "rate",
                    node[root] >= 0 ? json_real(node[root]) : json_null(), "levels", levels,
                    "orgs", orgs, "tasks", tasks);
    free(rate);
    free(node);
    free(nn);
    *ret = out;
    return 0;
}

int api_plan_progress(struct req *r, struct errbuf *e)
{
    struct plan_period P;
    struct plan_grid *g = NULL;
    char path[ORG_PATH_MAX];
    long long org = 0;
    int as_of, root, rc;
    json_t *out = NULL;
    if ((rc = plan_api_org(r, ROLE_STAFF, &org, path, e)) < 0 ||
        (rc = period_args(r, &P, &as_of, e)) < 0 ||
        (rc = plan_grid_load_scope(r->db, P.year, as_of, false, path, &g, e)) < 0)
        return rc;
    root = plan_grid_org(g, org);
    if (root < 0)
        rc = errbuf_field_int(e, -ERR_NOTFOUND, R_UNKNOWN_ORG, "org_id", org,
                              "organization %lld not found", org);
    else
        rc = progress_json(g, root, &P, &out, e);
    plan_grid_free(g);
    return rc < 0 ? rc : req_reply_json(r, 200, out);
}

static int read_file(const char *path, struct buf *out, struct errbuf *e)
{
    FILE *f = fopen(path, "rb");
    char chunk[16384];
    size_t n;
    if (!f)
        return errbuf_set(e, -ERR_IO, "cannot read '%s'", path);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_add(out, chunk, n) < 0) {
            fclose(f);
            return errbuf_set(e, -ERR_NOMEM, "out of memory");
        }
    fclose(f);
    return 0;
}

int api_plan_bulletin(struct req *r, struct errbuf *e)
{
    struct plan_period P;
    char path[ORG_PATH_MAX], name[PLAN_PERIOD_MAX];
    const char *format = req_query(r, "format");
    long long org = 0;
    int as_of, rc;
    json_t *b;
    if (!format || !*format)
        format = "json";
    if (strcmp(format, "json") && strcmp(format, "html") && strcmp(format, "xlsx"))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "format", format,
                            "query parameter 'format': '%.20s' is not json, html or xlsx", format);
    if ((rc = plan_api_org(r, ROLE_STAFF, &org, path, e)) < 0 ||
        (rc = period_args(r, &P, &as_of, e)) < 0)
        return rc;
    plan_period_name(&P, name, sizeof(name));
    if ((rc = plan_bulletin(r->db, org, name, as_of, &b, e)) < 0)
        return rc;
    if (strcmp(format, "json") == 0)
        return req_reply_json(r, 200, b);
    if (strcmp(format, "html") == 0) {
        struct buf html = BUF_INIT;
        if ((rc = plan_bulletin_html(b, &html, e)) >= 0)
            rc = req_reply_raw(r, 200, "text/html; charset=utf-8", buf_str(&html), html.len);
        buf_release(&html);
        json_decref(b);
        return rc;
    }
    {
        const char *tmp = getenv("TMPDIR");
        char file[512];
        struct buf x = BUF_INIT;
        int fd;
        snprintf(file, sizeof(file), "%s/dj-bulletin-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if ((fd = mkstemp(file)) < 0) {
            json_decref(b);
            return errbuf_set(e, -ERR_IO, "cannot create a temporary file in '%s'",
                              tmp && *tmp ? tmp : "/tmp");
        }
        close(fd);
        if ((rc = plan_bulletin_xlsx(b, file, e)) >= 0 && (rc = read_file(file, &x, e)) >= 0)
            rc = req_reply_raw(r, 200,
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               buf_str(&x), x.len);
        unlink(file);
        buf_release(&x);
        json_decref(b);
        return rc;
    }
}

int api_plan_check(struct req *r, struct errbuf *e)
{
    struct plan_check_stats s;
    const char *today_s = NULL;
    int today = date_today(), rc;
    json_t *out;
    if ((rc = req_str(r, "today", false, 10, &today_s, e)) < 0)
        return rc;
    if (today_s && date_parse_iso(today_s, &today) < 0)
        return errbuf_field(e, -ERR_INVALID, R_INVALID_DATE, "today", today_s,
                            "field 'today': '%s' is not a date (YYYY-MM-DD)", today_s);
    if ((rc = plan_check(r->db, today, r->auth.account_id, &s, e)) < 0)
        return rc;
    out = json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "day", s.day, "cells",
                    (json_int_t)s.cells, "closed", (json_int_t)s.closed, "warnings",
                    (json_int_t)s.warnings, "notices", (json_int_t)s.notices, "cases",
                    (json_int_t)s.cases, "escalated", (json_int_t)s.escalated, "reminders",
                    (json_int_t)s.reminders, "resolved", (json_int_t)s.resolved);
    json_object_set_new(out, "seconds", json_real(s.seconds));
    return req_reply_json(r, 200, out);
}
