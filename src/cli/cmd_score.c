#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "cli/cli.h"
#include "db/db.h"
#include "score/model.h"
#include "score/run.h"
#include "base/banned.h"

static void print_model(const struct score_model *m)
{
    printf("scoring model version %lld%s, in force from %d\n", m->version,
           m->active ? " (active)" : "", m->effective_month);
    if (m->note[0])
        printf("  %s\n", m->note);
    printf("  base %.4g, veto %d months with the index capped at %.4g, strengths/weaknesses at "
           "±%.4g\n\n  weights:",
           m->base, m->veto_months, m->veto_cap, m->gap);
    for (int d = 0; d < DIM_COUNT; d++)
        printf("%s%s %.4g", d ? ", " : " ", dim_label(d), m->weight[d]);
    printf("\n\n  %-22s %-8s %-22s %-8s %-28s %s\n", "indicator", "dim", "name", "cap",
           "points", "veto");
    for (int d = 0; d < DIM_COUNT; d++)
        for (size_t i = 0; i < m->nrules; i++) {
            const struct score_rule *r = &m->rules[i];
            char pts[64] = "", cap[16] = "-";
            size_t used = 0;
            if (r->dim != d)
                continue;
            if (r->mode == RULE_LINEAR)
                snprintf(pts, sizeof(pts), "%+.4g per %s", r->points, r->unit);
            else
                for (int k = 0; k < r->nmap && used < sizeof(pts); k++) {
                    int n = snprintf(pts + used, sizeof(pts) - used, "%s%g→%+g", k ? " " : "",
                                     r->map_value[k], r->map_points[k]);
                    if (n > 0)
                        used += (size_t)n;
                }
            if (r->has_cap)
                snprintf(cap, sizeof(cap), "%.4g", r->cap);
            printf("  %-22s %-8s %-22s %-8s %-28s %s\n", r->indicator, dim_name(d), r->name,
                   cap, pts, r->veto ? "veto" : "");
        }
}

int cmd_score(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *verb = NULL, *month_s = NULL, *from_s = NULL,
               *to_s = NULL, *tenant_s = NULL;
    long long version = 0, tenant = 0;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},          {"month", OPT_STR, &month_s, ""},
                         {"from", OPT_STR, &from_s, ""},     {"to", OPT_STR, &to_s, ""},
                         {"version", OPT_INT, &version, ""}, {"tenant", OPT_STR, &tenant_s, ""},
                         {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    int rc = 0, from = 0, to = 0;
    if (cli_parse("score", argc - 1, argv + 1, opts, &verb, 1, NULL) < 0)
        return 2;
    if (!verb || (strcmp(verb, "model") && strcmp(verb, "run"))) {
        fprintf(stderr, "dangjian score: expected model or run (see: dangjian help score)\n");
        return 2;
    }
    if (strcmp(verb, "run") == 0) {
        if (month_s && (from_s || to_s)) {
            fprintf(stderr, "dangjian score run: give --month, or --from and --to\n");
            return 2;
        }
        if (month_s)
            from_s = to_s = month_s;
        if (!from_s || !to_s) {
            fprintf(stderr, "dangjian score run: --month YYYYMM (or --from and --to) is required\n");
            return 2;
        }
        if (month_parse(from_s, &from) < 0 || month_parse(to_s, &to) < 0 || from > to) {
            fprintf(stderr, "dangjian score run: invalid month range '%s'..'%s' (YYYYMM)\n", from_s,
                    to_s);
            return 2;
        }
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if (strcmp(verb, "model") == 0) {
        struct score_model *m;
        if (score_model_load(db, version, &m, &e) < 0) {
            rc = cli_fail(&e);
        } else {
            print_model(m);
            score_model_free(m);
        }
    } else if (tenant_s && (rc = cli_tenant_arg(db, "score run", tenant_s, &tenant)) != 0) {
        /* said why */
    } else {
        /* in order: a veto carries into the months after it */
        for (int mo = from; mo <= to; mo = month_add(mo, 1)) {
            struct score_run_stats s;
            cli_warn_incomplete(db, mo);
            if (score_run_tenant_month(db, mo, tenant, 0, "manual", cli_tty(), &s, &e) < 0) {
                rc = cli_fail(&e);
                break;
            }
            printf("%d: run %lld, %ld members, %ld events, %ld organizations, model %lld, %.2f s%s\n",
                   s.month, s.run, s.members, s.events, s.orgs, s.version, s.seconds,
                   tenant ? " (one tenant)" : "");
            if (s.run > 1)
                printf("%d: %lld members changed, %lld events stored after the previous run\n",
                       s.month, s.changed, s.late);
        }
    }
    db_close(db);
    return rc;
}
