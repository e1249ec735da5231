/* dangjian demo: generate the demo company into an empty database, or list its logins. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/month.h"
#include "cli/cli.h"
#include "score/run.h"
#include "plan/plan.h"
#include "db/db.h"
#include "demo/demo.h"
#include "org/tenant.h"
#include "base/banned.h"

/* One updating line per phase on a terminal. */
struct progress {
    const char *phase; /* the phase on the line now; NULL before the first */
    struct timespec start;
};

static double since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void draw(const struct demo_progress *p, void *arg)
{
    struct progress *pr = arg;
    int pct = p->total > 0 ? (int)(p->done * 100 / p->total) : 100;
    if (!pr->phase || strcmp(pr->phase, p->phase) != 0) {
        if (pr->phase)
            fputc('\n', stderr);
        pr->phase = p->phase;
        clock_gettime(CLOCK_MONOTONIC, &pr->start);
    }
    fprintf(stderr, "\r\033[K  %-9s %3d%%  %lld/%lld", p->phase, pct, p->done, p->total);
    if (strcmp(p->phase, "events") == 0)
        fprintf(stderr, "  %lld events", p->items);
    fprintf(stderr, "  %.1f s", since(&pr->start));
    fflush(stderr);
}

/* Columns a UTF-8 string takes on a terminal: CJK (3- and 4-byte sequences) take two. */
static int columns(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n += *p >= 0xE0 ? 2 : 1;
    return n;
}

static void cell(const char *s, int width)
{
    fputs(s, stdout);
    for (int n = columns(s); n < width; n++)
        fputc(' ', stdout);
}

static int print_accounts(struct db *db)
{
    struct errbuf e = ERRBUF_INIT;
    json_t *list, *a;
    size_t i;
    char role[96], org[256];
    if (demo_accounts_list(db, &list, &e) < 0)
        return cli_fail(&e);
    if (json_array_size(list) == 0) {
        json_decref(list);
        fprintf(stderr, "dangjian: no demo accounts here: the database was not made by "
                        "'dangjian demo'\n");
        return 1;
    }
    printf("演示账号 (demo logins) — all share the password %s; every member also logs in with\n"
           "their employee number (工号) and the same password.\n\n",
           DEMO_PASSWORD);
    printf("  ");
    cell("login", 12);
    cell("password", 14);
    cell("role", 24);
    printf("organization\n");
    json_array_foreach(list, i, a)
    {
        snprintf(role, sizeof(role), "%s %s", json_string_value(json_object_get(a, "role_label")),
                 json_string_value(json_object_get(a, "role")));
        snprintf(org, sizeof(org), "%s (%s)", json_string_value(json_object_get(a, "org_name")),
                 json_string_value(json_object_get(a, "org_code")));
        printf("  ");
        cell(json_string_value(json_object_get(a, "login")), 12);
        cell(DEMO_PASSWORD, 14);
        cell(role, 24);
        printf("%s\n", org);
    }
    printf("\n");
    json_array_foreach(list, i, a)
    {
        const char *note = json_string_value(json_object_get(a, "note"));
        if (note && *note)
            printf("  %-11s %s\n", json_string_value(json_object_get(a, "login")), note);
    }
    printf("\n业务系统接口 (events API): source '%s' %s, API key %s (header X-API-Key)\n",
           DEMO_SOURCE_CODE, DEMO_SOURCE_NAME, DEMO_API_KEY);
    json_decref(list);
    return 0;
}

static int clamp_int(long long v)
{
    return v < INT_MIN / 2 ? INT_MIN / 2 : v > INT_MAX / 2 ? INT_MAX / 2 : (int)v;
}

/* The organizations the default plans are made for: the root (0), or with several tenants
 * each provincial company (a plan's rows go with its tenant). */
static int plan_owners(struct db *db, int tenants, long long **ret, size_t *ret_n)
{
    struct errbuf e = ERRBUF_INIT;
    json_t *roots, *r;
    size_t i;
    if (tenants <= 1) {
        *ret = calloc(1, sizeof(**ret));
        *ret_n = 1;
        return *ret ? 0 : (fprintf(stderr, "dangjian: out of memory\n"), -1);
    }
    if (tenant_roots(db, &roots, &e) < 0)
        return cli_fail(&e), -1;
    *ret_n = json_array_size(roots);
    if (!(*ret = calloc(*ret_n + 1, sizeof(**ret)))) {
        json_decref(roots);
        fprintf(stderr, "dangjian: out of memory\n");
        return -1;
    }
    json_array_foreach(roots, i, r)
    {
        (*ret)[i] = json_integer_value(json_object_get(r, "org_id"));
    }
    json_decref(roots);
    return 0;
}

/* The default plan (量化计划) for every year the demo covers by half or more, counting from
 * the demo's first day, then one daily check so that progress, warnings and cases have
 * something to show. Before the months are scored: the check credits the periods met
 * (task.done events for the secretaries). */
static int demo_plans(struct db *db, const struct demo_summary *sum, int tenants)
{
    struct errbuf e = ERRBUF_INIT;
    struct plan_check_stats s;
    struct timespec start;
    long long *owners;
    size_t nowners;
    int years = 0;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (plan_owners(db, tenants, &owners, &nowners) < 0)
        return -1;
    for (int y = sum->first_month / 100; y <= sum->last_month / 100; y++) {
        int first = sum->first_month > y * 100 + 1 ? sum->first_month : y * 100 + 1;
        int last = sum->last_month < y * 100 + 12 ? sum->last_month : y * 100 + 12;
        long long plan;
        int added;
        if (month_diff(last, first) + 1 < 6)
            continue;
        for (size_t k = 0; k < nowners; k++)
            if (plan_defaults(db, owners[k], y, first * 100 + 1, 0, &plan, &added, &e) < 0) {
                free(owners);
                return cli_fail(&e), -1;
            }
        years++;
    }
    free(owners);
    if (plan_check(db, date_today(), 0, &s, &e) < 0)
        return cli_fail(&e), -1;
    printf("plans (量化计划) for %d year%s, checked: %ld warnings, %ld rectification cases in"
           " %.1f s\n\n",
           years, years == 1 ? "" : "s", s.warnings, s.cases, since(&start));
    return 0;
}

/* The sign-ins of the demo year, for the dashboard's login figures (登录统计). */
static int demo_login_history(struct db *db, const struct demo_opts *o,
                              const struct demo_summary *sum)
{
    struct errbuf e = ERRBUF_INIT;
    struct timespec start;
    long long rows;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (demo_logins(db, o->seed, sum->first_month, o->today ? o->today : date_today(), &rows,
                    &e) < 0)
        return cli_fail(&e), -1;
    printf("sign-in history (登录记录): %lld sign-ins in %.1f s\n\n", rows, since(&start));
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB;
    long long orgs = 700, members = 10000, months = 12, seed = 1, tenants = 1;
    bool print_only = false;
    struct opt opts[] = {{"db", OPT_STR, &url, "database file or postgresql:// URL"},
                         {"orgs", OPT_INT, &orgs, "committees, general branches and branches"},
                         {"members", OPT_INT, &members, "party members"},
                         {"months", OPT_INT, &months, "months of events up to this one"},
                         {"seed", OPT_INT, &seed, "the same seed (and day) makes the same demo"},
                         {"tenants", OPT_INT, &tenants,
                          "provincial companies of this size each, under a national root"},
                         {"print-accounts", OPT_FLAG, &print_only, "only list the demo logins"},
                         {0, 0, 0, 0}};
    struct demo_opts o = DEMO_OPTS_INIT;
    struct demo_summary sum;
    struct progress pr = {NULL, {0, 0}};
    struct timespec start, all;
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    double plans_s, scores_s;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &all);
    if (cli_parse("demo", argc - 1, argv + 1, opts, NULL, 0, NULL) < 0)
        return 2;
    o.orgs = clamp_int(orgs);
    o.members = clamp_int(members);
    o.months = clamp_int(months);
    o.seed = (unsigned long long)seed;
    o.tenants = clamp_int(tenants);
    if (demo_check_opts(&o, &e) < 0) {
        fprintf(stderr, "dangjian demo: %s\n", e.msg);
        return 2;
    }
    if (print_only && !db_is_postgres_url(url) && access(url, F_OK) != 0) {
        fprintf(stderr, "dangjian: no database at '%s': run 'dangjian demo --db %s' first\n", url,
                url);
        return 1;
    }
    if (cli_open_db(url, true, &db) < 0)
        return 1;
    if (print_only) {
        rc = print_accounts(db);
        db_close(db);
        return rc;
    }
    if (cli_tty()) {
        o.progress = draw;
        o.progress_arg = &pr;
        fprintf(stderr, "generating the demo into %s (seed %lld)\n", url, seed);
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = demo_generate(db, &o, &sum, &e);
    if (pr.phase)
        fputc('\n', stderr);
    if (rc < 0) {
        db_close(db);
        return cli_fail(&e);
    }
    printf("demo written to %s in %.1f s: %lld organizations (%lld branches, %lld party groups),"
           " %lld members (%lld moved branch), %lld accounts, %lld income bases, %lld events"
           " from %d-%02d to %d-%02d\n\n",
           url, since(&start), sum.orgs, sum.branches, sum.groups, sum.members, sum.movers,
           sum.accounts, sum.bases, sum.events, sum.first_month / 100, sum.first_month % 100,
           sum.last_month / 100, sum.last_month % 100);
    printf("dues (党费) in %.1f s: %lld bills, %lld paid (%lld months closed on time, %lld late),"
           " %lld base missing, %lld arrears to-dos, %lld remittances, %lld expenditures;"
           " %d-%02d: %lld paid and not yet confirmed\n\n",
           sum.dues_seconds, sum.dues_bills, sum.dues_paid, sum.dues_on_time, sum.dues_late,
           sum.dues_base_missing, sum.dues_todos, sum.dues_remittances, sum.dues_expenses,
           sum.last_month / 100, sum.last_month % 100, sum.dues_unconfirmed);
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (demo_plans(db, &sum, o.tenants) < 0) {
        db_close(db);
        return 1;
    }
    plans_s = since(&start);
    db_profile_section("plans");
    /* score every demo month, in order, so that the portraits have something to show */
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int mo = sum.first_month; mo <= sum.last_month; mo = month_add(mo, 1)) {
        struct score_run_stats s;
        if (score_run_month(db, mo, 0, cli_tty(), &s, &e) < 0) {
            db_close(db);
            return cli_fail(&e);
        }
    }
    scores_s = since(&start);
    db_profile_section("scores");
    printf("scored %d months (先锋指数) in %.1f s\n\n",
           month_diff(sum.last_month, sum.first_month) + 1, scores_s);
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (demo_login_history(db, &o, &sum) < 0) {
        db_close(db);
        return 1;
    }
    /* one line per run for make bench, which sets the backends side by side */
    printf("timings (s):");
    for (int i = 0; i < DEMO_PHASES; i++)
        printf(" %s %.2f", demo_phase_name(i), sum.phase_seconds[i]);
    printf(" plans %.2f scores %.2f logins %.2f total %.2f\n\n", plans_s, scores_s,
           since(&start), since(&all));
    rc = print_accounts(db);
    db_close(db);
    return rc;
}
