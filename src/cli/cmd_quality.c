/* `dangjian source expect|quality|release`: completeness declarations, the data-quality view
 * and month releases (ingest/quality.h) from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "cli/cli.h"
#include "db/db.h"
#include "ingest/quality.h"
#include "ingest/source.h"
#include "base/banned.h"

/* --indicators a,b,c as a JSON array (new reference). */
static json_t *codes_of(const char *list)
{
    json_t *a = json_array();
    const char *p = list;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n)
            json_array_append_new(a, json_stringn(p, n));
        p = end ? end + 1 : NULL;
    }
    return a;
}

static int do_expect(struct db *db, long long id, const char *indicators, const char *org_code,
                     long long day, struct errbuf *e)
{
    struct quality_expect x = {NULL, "monthly", 0, day};
    json_t *codes = codes_of(indicators), *o;
    int rc = 0;
    x.indicators = codes;
    if (org_code && (rc = db_find_id(db, "SELECT id FROM orgs WHERE code = $1", org_code,
                                     "organization", &x.org_id, e)) < 0)
        goto out;
    if ((rc = db_begin(db, e)) < 0 || (rc = quality_expect_set(db, id, &x, 0, e)) < 0 ||
        (rc = db_commit(db, e)) < 0) {
        db_rollback(db);
        goto out;
    }
    if ((rc = quality_expect_get(db, id, &o, e)) >= 0) {
        char *text = json_dumps(o, JSON_COMPACT);
        printf("%s\n", text ? text : "");
        free(text);
        json_decref(o);
    }
out:
    json_decref(codes);
    return rc;
}

static void print_view(const json_t *v)
{
    const json_t *rel = json_object_get(v, "released");
    size_t i, j;
    printf("month %lld: %s%s%s\n", (long long)json_integer_value(json_object_get(v, "month")),
           json_is_true(json_object_get(v, "ready")) ? "ready" : "NOT complete",
           json_is_object(rel) ? ", released: " : "",
           json_is_object(rel) ? json_string_value(json_object_get(rel, "reason")) : "");
    for (i = 0; i < json_array_size(json_object_get(v, "sources")); i++) {
        const json_t *s = json_array_get(json_object_get(v, "sources"), i), *orgs,
                     *rej = json_object_get(s, "rejected");
        const json_t *lag = json_object_get(s, "lag_seconds");
        printf("source %s: complete by %s, %s, %lld organizations missing, %lld rejected, ",
               json_string_value(json_object_get(json_object_get(s, "source"), "code")),
               json_string_value(json_object_get(s, "complete_by")),
               json_is_true(json_object_get(s, "complete")) ? "complete" : "incomplete",
               (long long)json_integer_value(json_object_get(s, "orgs_missing")),
               (long long)json_integer_value(json_object_get(rej, "total")));
        if (json_is_integer(lag))
            printf("lag %lld s%s\n", (long long)json_integer_value(lag),
                   json_is_true(json_object_get(s, "quiet")) ? ", QUIET" : "");
        else
            printf("never heard from%s\n", json_is_true(json_object_get(s, "quiet")) ? ", QUIET" : "");
        orgs = json_object_get(s, "orgs");
        printf("  %-16s %8s %8s %6s\n", "org", "expected", "received", "late");
        for (j = 0; j < json_array_size(orgs); j++) {
            const json_t *o = json_array_get(orgs, j);
            printf("  %-16s %8lld %8lld %6lld\n",
                   json_string_value(json_object_get(json_object_get(o, "org"), "code")),
                   (long long)json_integer_value(json_object_get(o, "expected")),
                   (long long)json_integer_value(json_object_get(o, "received")),
                   (long long)json_integer_value(json_object_get(o, "late")));
        }
    }
}

int cmd_quality(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *pos[1] = {NULL}, *indicators = NULL, *org = NULL,
               *month_s = NULL, *reason = NULL, *verb = argv[1];
    long long day = 0, id = 0;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"indicators", OPT_STR, &indicators, ""},
                         {"org", OPT_STR, &org, ""},
                         {"complete-day", OPT_INT, &day, ""},
                         {"month", OPT_STR, &month_s, ""},
                         {"reason", OPT_STR, &reason, ""},
                         {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    int rc = 0, month = 0, n = 0;
    if (cli_parse(verb, argc - 2, argv + 2, opts, pos, 1, &n) < 0)
        return 2;
    if (strcmp(verb, "expect") == 0 && (!pos[0] || !indicators || !day)) {
        fprintf(stderr, "dangjian source expect CODE --indicators a,b --complete-day D [--org ORG]\n");
        return 2;
    }
    if (strcmp(verb, "expect") && (!month_s || month_parse(month_s, &month) < 0)) {
        fprintf(stderr, "dangjian source %s: --month YYYYMM is required\n", verb);
        return 2;
    }
    if (strcmp(verb, "release") == 0 && !reason) {
        fprintf(stderr, "dangjian source release: --reason is required\n");
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if (pos[0] && (rc = source_find(db, pos[0], &id, &e)) < 0) {
        rc = cli_fail(&e);
    } else if (strcmp(verb, "expect") == 0) {
        rc = do_expect(db, id, indicators, org, day, &e) < 0 ? cli_fail(&e) : 0;
    } else if (strcmp(verb, "release") == 0) {
        if (db_begin(db, &e) < 0 || quality_release(db, month, reason, 0, &e) < 0 ||
            db_commit(db, &e) < 0) {
            db_rollback(db);
            rc = cli_fail(&e);
        } else {
            printf("month %d released: %s\n", month, reason);
        }
    } else {
        json_t *v;
        if (quality_view(db, month, id, NULL, true, &v, &e) < 0) {
            rc = cli_fail(&e);
        } else {
            print_view(v);
            json_decref(v);
        }
    }
    db_close(db);
    return rc;
}

/* An operator's hand run of a monthly job on a month the gate would hold: allowed, said. */
void cli_warn_incomplete(struct db *db, int month)
{
    struct errbuf e = ERRBUF_INIT;
    char why[256];
    if (quality_month_ready(db, month, why, sizeof(why), &e) == 0)
        fprintf(stderr, "dangjian: warning: month %d is not complete (%s); running it anyway\n",
                month, why);
}
