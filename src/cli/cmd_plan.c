/* dangjian plan: the default plan for a year, the daily check on demand, bulletins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "cli/cli.h"
#include "db/db.h"
#include "org/org.h"
#include "plan/plan.h"
#include "base/banned.h"


static int day_arg(const char *cmd, const char *opt, const char *s, int *ret)
{
    if (s && date_parse_iso(s, ret) < 0) {
        fprintf(stderr, "dangjian plan %s: --%s needs a date YYYY-MM-DD, got '%s'\n", cmd, opt, s);
        return -1;
    }
    return 0;
}

static int defaults(struct db *db, const char *org_code, long long year, const char *from_s)
{
    struct errbuf e = ERRBUF_INIT;
    long long org = 0, plan = 0;
    int from = 0, added = 0;
    if (year < 2000 || year > 2100) {
        fprintf(stderr, "dangjian plan defaults: --year YYYY (2000 to 2100) is required\n");
        return 2;
    }
    if (day_arg("defaults", "from", from_s, &from) < 0)
        return 2;
    if (from && from / 10000 != year) {
        fprintf(stderr, "dangjian plan defaults: --from %s is not in %lld\n", from_s, year);
        return 2;
    }
    if (org_find_code_or_root(db, org_code, &org, &e) < 0 ||
        plan_defaults(db, org, (int)year, from, 0, &plan, &added, &e) < 0)
        return cli_fail(&e);
    printf("plan %lld for %lld: %d default task%s added%s\n", plan, year, added,
           added == 1 ? "" : "s", added ? "" : " (it already had them all)");
    return 0;
}

static int check(struct db *db, const char *today_s, const char *tenant_s, bool no_deliver)
{
    struct errbuf e = ERRBUF_INIT;
    struct plan_check_stats s;
    long long tenant = 0;
    int today = date_today(), ok = 0, failed = 0, rc;
    if (day_arg("check", "today", today_s, &today) < 0)
        return 2;
    if (tenant_s && (rc = cli_tenant_arg(db, "plan check", tenant_s, &tenant)) != 0)
        return rc;
    if ((tenant ? plan_check_tenant(db, today, tenant, &s, &e) : plan_check(db, today, 0, &s, &e)) <
        0)
        return cli_fail(&e);
    printf("checked %d: %ld cells, %ld periods closed, %ld warnings opened, %ld resolved,"
           " %ld reminders, %ld notices, %ld cases opened, %ld escalated in %.2f s\n",
           today, s.cells, s.closed, s.warnings, s.resolved, s.reminders, s.notices, s.cases,
           s.escalated, s.seconds);
    if (no_deliver)
        return 0;
    if (plan_deliver_due(db, (long long)time(NULL), &ok, &failed, &e) < 0)
        return cli_fail(&e);
    if (ok || failed)
        printf("webhook deliveries: %d delivered, %d failed for good\n", ok, failed);
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int bulletin(struct db *db, const char *org_code, const char *period, const char *out,
                    const char *as_of_s)
{
    struct errbuf e = ERRBUF_INIT;
    long long org = 0;
    int as_of = 0, rc = 0;
    json_t *b;
    if (!org_code || !period || !out) {
        fprintf(stderr, "dangjian plan bulletin: --org CODE, --period PERIOD and --out FILE are"
                        " required\n");
        return 2;
    }
    if (!ends_with(out, ".xlsx") && !ends_with(out, ".html") && !ends_with(out, ".json")) {
        fprintf(stderr, "dangjian plan bulletin: --out must end in .xlsx, .html or .json\n");
        return 2;
    }
    if (day_arg("bulletin", "as-of", as_of_s, &as_of) < 0)
        return 2;
    if (org_find_code_or_root(db, org_code, &org, &e) < 0 || plan_bulletin(db, org, period, as_of, &b, &e) < 0)
        return cli_fail(&e);
    if (ends_with(out, ".xlsx")) {
        rc = plan_bulletin_xlsx(b, out, &e);
    } else {
        struct buf text = BUF_INIT;
        FILE *f;
        if (ends_with(out, ".html")) {
            rc = plan_bulletin_html(b, &text, &e);
        } else {
            char *s = json_dumps(b, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
            rc = s ? buf_addstr(&text, s) : -ERR_NOMEM;
            free(s);
            if (rc < 0)
                errbuf_set(&e, rc, "out of memory");
        }
        if (rc >= 0 && (!(f = fopen(out, "wb")) || fwrite(buf_str(&text), 1, text.len, f) != text.len ||
                        fclose(f) != 0))
            rc = errbuf_set(&e, -ERR_IO, "cannot write '%s'", out);
        buf_release(&text);
    }
    if (rc >= 0)
        printf("bulletin %s of %s written to %s: %zu organizations ranked, %zu not met\n",
               json_string_value(json_object_get(b, "period")), org_code, out,
               json_array_size(json_object_get(b, "ranking")),
               json_array_size(json_object_get(b, "not_met")));
    json_decref(b);
    return rc < 0 ? cli_fail(&e) : 0;
}

int cmd_plan(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *verb = NULL, *org = NULL, *from = NULL, *today = NULL,
               *period = NULL, *out = NULL, *as_of = NULL, *tenant = NULL;
    long long year = 0;
    bool no_deliver = false;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"year", OPT_INT, &year, ""},
                         {"org", OPT_STR, &org, ""},
                         {"from", OPT_STR, &from, ""},
                         {"today", OPT_STR, &today, ""},
                         {"no-deliver", OPT_FLAG, &no_deliver, ""},
                         {"period", OPT_STR, &period, ""},
                         {"out", OPT_STR, &out, ""},
                         {"as-of", OPT_STR, &as_of, ""},
                         {"tenant", OPT_STR, &tenant, ""},
                         {0, 0, 0, 0}};
    struct db *db;
    int rc;
    if (cli_parse("plan", argc - 1, argv + 1, opts, &verb, 1, NULL) < 0)
        return 2;
    if (!verb || (strcmp(verb, "defaults") && strcmp(verb, "check") && strcmp(verb, "bulletin"))) {
        fprintf(stderr, "dangjian plan: expected defaults, check or bulletin (see: dangjian help plan)\n");
        return 2;
    }
    if (tenant && strcmp(verb, "check") != 0) {
        fprintf(stderr, "dangjian plan: --tenant is for 'check'\n");
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if (strcmp(verb, "defaults") == 0)
        rc = defaults(db, org, year, from);
    else if (strcmp(verb, "check") == 0)
        rc = check(db, today, tenant, no_deliver);
    else
        rc = bulletin(db, org, period, out, as_of);
    db_close(db);
    return rc;
}
