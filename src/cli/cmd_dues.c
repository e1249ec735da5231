/* dangjian dues: the rules, monthly generation, publication, confirmation, closing a month,
 * settings, and a check that the books balance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "base/parse.h"
#include "cli/cli.h"
#include "db/db.h"
#include "dues/arrears.h"
#include "dues/bill.h"
#include "dues/confirm.h"
#include "dues/ledger.h"
#include "dues/rules.h"
#include "dues/settings.h"
#include "org/org.h"
#include "org/scope.h"
#include "base/banned.h"

static void yuan(long long fen, char *out, size_t n)
{
    fen_format(fen, out, n);
}

static int print_rules(struct db *db)
{
    struct errbuf e = ERRBUF_INIT;
    json_t *all, *v, *b;
    size_t i, j;
    if (dues_rules_all(db, &all, &e) < 0)
        return cli_fail(&e);
    json_array_foreach(all, i, v)
    {
        printf("党费标准 version %lld, in force from %lld (rounding: %s)\n  %s\n\n",
               (long long)json_integer_value(json_object_get(v, "version")),
               (long long)json_integer_value(json_object_get(v, "effective_month")),
               json_string_value(json_object_get(v, "rounding")),
               json_string_value(json_object_get(v, "name")));
        printf("  %-12s %4s  %-28s %-44s %s\n", "category", "band", "monthly base (yuan)", "dues",
               "");
        json_array_foreach(json_object_get(v, "bands"), j, b)
        {
            char lo[FEN_FORMAT_MAX], hi[FEN_FORMAT_MAX], range[64], dues[128];
            json_t *up = json_object_get(b, "upper_fen"), *rate = json_object_get(b, "rate_bp");
            yuan(json_integer_value(json_object_get(b, "lower_fen")), lo, sizeof(lo));
            if (json_is_null(up))
                snprintf(range, sizeof(range), "> %s", lo);
            else {
                yuan(json_integer_value(up), hi, sizeof(hi));
                snprintf(range, sizeof(range), "> %s and <= %s", lo, hi);
            }
            if (rate) {
                long long bp = json_integer_value(rate);
                snprintf(dues, sizeof(dues), "%lld.%02lld %% of the whole base", bp / 100, bp % 100);
            } else {
                char f[FEN_FORMAT_MAX], mn[FEN_FORMAT_MAX], mx[FEN_FORMAT_MAX];
                yuan(json_integer_value(json_object_get(b, "fixed_fen")), f, sizeof(f));
                yuan(json_integer_value(json_object_get(b, "min_fen")), mn, sizeof(mn));
                yuan(json_integer_value(json_object_get(b, "max_fen")), mx, sizeof(mx));
                snprintf(range, sizeof(range), "(no base)");
                if (strcmp(mn, mx) == 0)
                    snprintf(dues, sizeof(dues), "%s yuan a month", f);
                else
                    snprintf(dues, sizeof(dues), "%s yuan a month (per member %s to %s)", f, mn, mx);
            }
            printf("  %-12s %4lld  %-28s %-44s %s\n",
                   json_string_value(json_object_get(b, "category")),
                   (long long)json_integer_value(json_object_get(b, "band")), range, dues,
                   json_string_value(json_object_get(b, "category_label")));
        }
        printf("\n");
    }
    json_decref(all);
    return 0;
}

/* The organization named by --org CODE (default or ROOT: the root), with its path. */
static int org_arg(struct db *db, const char *code, long long *ret_id, char *path,
                   struct errbuf *e)
{
    int rc = org_find_code_or_root(db, code, ret_id, e);
    return rc < 0 ? rc : org_path(db, *ret_id, path, ORG_PATH_MAX, e);
}

static int need_month(const char *verb, const char *s, int *ret)
{
    if (!s) {
        fprintf(stderr, "dangjian dues %s: --month YYYYMM is required\n", verb);
        return -1;
    }
    if (month_parse(s, ret) < 0) {
        fprintf(stderr, "dangjian dues %s: invalid month '%s' (YYYYMM)\n", verb, s);
        return -1;
    }
    return 0;
}

int cmd_dues(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *pos[3] = {0}, *month_s = NULL, *org_code = NULL,
               *tenant_s = NULL;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"month", OPT_STR, &month_s, ""},
                         {"org", OPT_STR, &org_code, ""},
                         {"tenant", OPT_STR, &tenant_s, ""},
                         {0, 0, 0, 0}};
    static const char *const verbs[] = {"rules", "generate", "publish", "confirm",
                                        "close", "setting",  "check"};
    struct errbuf e = ERRBUF_INIT;
    char path[ORG_PATH_MAX], a[FEN_FORMAT_MAX];
    struct db *db = NULL;
    long long org = 0;
    int npos = 0, month = 0, rc = 1;
    size_t v;
    if (argc > 1 && (strcmp(argv[1], "provider") == 0 || strcmp(argv[1], "query-pending") == 0 ||
                     strcmp(argv[1], "reconcile") == 0))
        return cmd_dues_pay(argc, argv);
    if (cli_parse("dues", argc - 1, argv + 1, opts, pos, 3, &npos) < 0)
        return 2;
    for (v = 0; npos && v < sizeof(verbs) / sizeof(verbs[0]); v++)
        if (strcmp(verbs[v], pos[0]) == 0)
            break;
    if (!npos || v == sizeof(verbs) / sizeof(verbs[0])) {
        fprintf(stderr, "dangjian dues: expected rules, generate, publish, confirm, close, setting"
                        " or check (see: dangjian help dues)\n");
        return 2;
    }
    if ((strcmp(pos[0], "setting") == 0 && (npos < 2 || npos > 3)) ||
        (strcmp(pos[0], "setting") != 0 && npos > 1)) {
        fprintf(stderr, "dangjian dues: unexpected arguments (see: dangjian help dues)\n");
        return 2;
    }
    if (strcmp(pos[0], "rules") && strcmp(pos[0], "setting") && strcmp(pos[0], "check") &&
        need_month(pos[0], month_s, &month) < 0)
        return 2;
    if (tenant_s && ((strcmp(pos[0], "generate") != 0 && strcmp(pos[0], "close") != 0) ||
                     org_code)) {
        fprintf(stderr, "dangjian dues: --tenant is for 'generate' and 'close', without --org\n");
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if (strcmp(pos[0], "rules") == 0) {
        rc = print_rules(db);
    } else if (strcmp(pos[0], "generate") == 0) {
        struct dues_gen_stats s;
        long long tenant = 0;
        size_t i;
        json_t *m;
        if (tenant_s && (rc = cli_tenant_arg(db, "dues generate", tenant_s, &tenant)) != 0)
            goto out;
        if ((org_code && org_arg(db, org_code, &org, path, &e) < 0) ||
            (tenant ? dues_generate_tenant(db, month, tenant, 0, &s, &e)
                    : dues_generate(db, month, org_code ? path : NULL, 0, &s, &e)) < 0)
            goto fail;
        yuan(s.amount_fen, a, sizeof(a));
        printf("dues %d (rules version %d): %lld members liable, %lld new bills, %lld filled in,"
               " %lld base missing, %lld exempt; %s yuan billed in all\n",
               month, s.rule_version, s.liable, s.created, s.filled, s.base_missing, s.exempt, a);
        json_array_foreach(s.missing, i, m)
        {
            printf("  base missing: %s %s\n", json_string_value(json_object_get(m, "emp_no")),
                   json_string_value(json_object_get(m, "name")));
        }
        if (s.base_missing > (long long)json_array_size(s.missing))
            printf("  ... and %lld more without a base\n",
                   s.base_missing - (long long)json_array_size(s.missing));
        json_decref(s.missing);
        rc = 0;
    } else if (strcmp(pos[0], "publish") == 0) {
        struct dues_pub_stats s;
        if (org_arg(db, org_code, &org, path, &e) < 0 ||
            dues_publish(db, month, org, path, 0, &s, &e) < 0)
            goto fail;
        yuan(s.amount_fen, a, sizeof(a));
        printf("dues %d published: %lld bills (%s yuan) in %lld organizations, %lld settled from"
               " advance payments\n",
               month, s.bills, a, s.orgs, s.credited);
        rc = 0;
    } else if (strcmp(pos[0], "confirm") == 0) {
        struct dues_confirm_stats s;
        if (org_arg(db, org_code, &org, path, &e) < 0 ||
            dues_confirm(db, month, org, path, 0, &s, &e) < 0)
            goto fail;
        yuan(s.amount_fen, a, sizeof(a));
        printf("dues %d confirmed: %lld bills and payments (%s yuan), %lld journal entries\n",
               month, s.bills, a, s.orgs);
        rc = 0;
    } else if (strcmp(pos[0], "close") == 0) {
        struct dues_close_stats s;
        long long tenant = 0;
        if (tenant_s && (rc = cli_tenant_arg(db, "dues close", tenant_s, &tenant)) != 0)
            goto out;
        cli_warn_incomplete(db, month);
        if ((tenant ? dues_close_tenant(db, month, tenant, &s, &e)
                    : dues_close_month(db, month, &s, &e)) < 0)
            goto fail;
        printf("dues %d closed: %lld on time, %lld late (%lld already sent by another system),"
               " %lld arrears warnings, %lld six-month cases\n",
               month, s.on_time, s.late, s.skipped, s.warnings, s.cases);
        rc = 0;
    } else if (strcmp(pos[0], "setting") == 0) {
        char value[300];
        if (npos == 3) {
            if ((rc = db_begin(db, &e)) < 0 || (rc = dues_setting_set(db, pos[1], pos[2], &e)) < 0 ||
                (rc = db_commit(db, &e)) < 0) {
                db_rollback(db);
                goto fail;
            }
            printf("%s set\n", pos[1]);
        } else {
            if ((rc = dues_setting_get(db, pos[1], value, sizeof(value), &e)) < 0)
                goto fail;
            /* the provider's key is a secret: say whether it is set, never print it */
            if (strcmp(pos[1], "callback_key") == 0)
                printf("%s\n", rc ? "set" : "not set");
            else
                printf("%s\n", rc ? value : "(default)");
        }
        rc = 0;
    } else {
        long long bad = 0, total = 0;
        if (ledger_check(db, &bad, &total, &e) < 0)
            goto fail;
        printf("ledger: %lld unbalanced entries, all postings sum to %lld fen\n", bad, total);
        rc = bad || total ? 1 : 0;
    }
out:
    db_close(db);
    return rc;
fail:
    db_close(db);
    return cli_fail(&e);
}
