/* `dangjian source feed|pull|status|quarantine|replay`: the pull connectors (ingest/feed.h)
 * from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "ingest/feed.h"
#include "ingest/quarantine.h"
#include "ingest/source.h"
#include "base/banned.h"

/* The settings of `source feed`. */
struct feed_args {
    const char *kind, *target, *map, *http, *url_env;
    long long every, page, window;
    bool enable, disable;
};

/* The secret comes from the environment: an SQL feed's URL (DANGJIAN_FEED_URL), an HTTP
 * feed's token or key (DANGJIAN_FEED_CREDENTIAL), or the variable --url-env names. */
static int do_feed(struct db *db, long long id, const struct feed_args *a, struct errbuf *e)
{
    struct feed_config c = {a->kind, NULL, a->target, NULL, a->every, a->page, a->window, -1,
                            NULL, NULL};
    const char *secret = NULL, *kind = a->kind;
    json_error_t je;
    json_t *mapping = NULL, *http = NULL, *old = NULL;
    int rc;
    if (!kind) { /* a new feed reads a table unless told otherwise */
        if ((rc = feed_status(db, id, &old, e)) == -ERR_NOTFOUND)
            kind = c.kind = "sql";
        else if (rc < 0)
            return rc;
        else
            kind = json_string_value(json_object_get(old, "kind"));
        errbuf_clear(e);
    }
    if (a->url_env && !(secret = getenv(a->url_env))) {
        json_decref(old);
        return errbuf_set(e, -ERR_INVALID, "the environment has no variable '%s'", a->url_env);
    }
    if (!a->url_env)
        secret = getenv(kind && strcmp(kind, "http") == 0 ? "DANGJIAN_FEED_CREDENTIAL"
                                                          : "DANGJIAN_FEED_URL");
    if (kind && strcmp(kind, "http") == 0)
        c.credential = secret;
    else if (!kind || strcmp(kind, "folder") != 0)
        c.url = secret;
    json_decref(old);
    if (a->map && !(mapping = json_loads(a->map, 0, &je)))
        return errbuf_set(e, -ERR_INVALID, "--map: not JSON: %s", je.text);
    if (a->http && !(http = json_loads(a->http, 0, &je))) {
        json_decref(mapping);
        return errbuf_set(e, -ERR_INVALID, "--http: not JSON: %s", je.text);
    }
    c.mapping = mapping;
    c.http = http;
    c.enabled = a->enable ? 1 : a->disable ? 0 : -1;
    if ((rc = db_begin(db, e)) < 0 || (rc = feed_set(db, id, &c, 0, e)) < 0 ||
        (rc = db_commit(db, e)) < 0)
        db_rollback(db);
    json_decref(mapping);
    json_decref(http);
    return rc;
}

static void print_status(json_t *s)
{
    json_t *wm = json_object_get(s, "watermark");
    printf("%s: %s %s, every %llds, state %s, %lld rows read, %lld stored, %lld duplicates,"
           " %lld quarantined (%lld open)\n",
           json_string_value(json_object_get(s, "code")),
           json_string_value(json_object_get(s, "kind")),
           json_string_value(json_object_get(s, "target")),
           (long long)json_integer_value(json_object_get(s, "every_seconds")),
           json_string_value(json_object_get(s, "state")),
           (long long)json_integer_value(json_object_get(s, "rows_read")),
           (long long)json_integer_value(json_object_get(s, "stored")),
           (long long)json_integer_value(json_object_get(s, "duplicates")),
           (long long)json_integer_value(json_object_get(s, "quarantined")),
           (long long)json_integer_value(json_object_get(s, "quarantine_open")));
    if (json_is_object(wm))
        printf("  watermark: %s / %s\n", json_string_value(json_object_get(wm, "updated_at")),
               json_string_value(json_object_get(wm, "id")));
    if (json_string_length(json_object_get(s, "last_error")))
        printf("  last error (%lld in a row): %s\n",
               (long long)json_integer_value(json_object_get(s, "failures")),
               json_string_value(json_object_get(s, "last_error")));
}

static int do_quarantine(struct db *db, long long id, const char *status, struct errbuf *e)
{
    json_t *list, *items;
    int rc;
    if ((rc = quarantine_list(db, id, status, 1, 200, &list, e)) < 0)
        return rc;
    items = json_object_get(list, "items");
    printf("%lld rows\n", (long long)json_integer_value(json_object_get(list, "total")));
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *q = json_array_get(items, i);
        char *raw = json_dumps(json_object_get(q, "raw"), JSON_COMPACT | JSON_SORT_KEYS);
        printf("%-8s %-20s %-18s %s  %s\n", json_string_value(json_object_get(q, "status")),
               json_string_value(json_object_get(q, "row_key")),
               json_string_value(json_object_get(q, "reason")),
               json_string_value(json_object_get(q, "message")), raw ? raw : "");
        free(raw);
    }
    json_decref(list);
    return 0;
}

int cmd_feed(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *status = "open", *pos[2] = {NULL, NULL};
    struct feed_args a = {NULL, NULL, NULL, NULL, NULL, -1, -1, -1, false, false};
    long long id = 0;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"kind", OPT_STR, &a.kind, ""},
                         {"target", OPT_STR, &a.target, ""},
                         {"map", OPT_STR, &a.map, ""},
                         {"http", OPT_STR, &a.http, ""},
                         {"url-env", OPT_STR, &a.url_env, ""},
                         {"every", OPT_INT, &a.every, ""},
                         {"page", OPT_INT, &a.page, ""},
                         {"window", OPT_INT, &a.window, ""},
                         {"enable", OPT_FLAG, &a.enable, ""},
                         {"disable", OPT_FLAG, &a.disable, ""},
                         {"status", OPT_STR, &status, ""},
                         {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    int rc = 0, npos = 0;
    if (cli_parse("source", argc - 1, argv + 1, opts, pos, 2, &npos) < 0)
        return 2;
    if (npos < 2 && strcmp(pos[0], "status") != 0) {
        fprintf(stderr, "dangjian source %s: expected a source code\n", pos[0]);
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    db_pipeline(db, true);
    if (pos[1] && (rc = source_find(db, pos[1], &id, &e)) < 0)
        goto out;
    if (strcmp(pos[0], "feed") == 0) {
        if ((rc = do_feed(db, id, &a, &e)) >= 0)
            printf("feed of source '%s' saved\n", pos[1]);
    } else if (strcmp(pos[0], "pull") == 0) {
        struct feed_stats s;
        rc = feed_pull(db, id, &s, &e);
        printf("source '%s': %ld pages, %ld rows, %ld stored, %ld duplicates, %ld quarantined,"
               " %ld left the quarantine in %.2f s\n",
               pos[1], s.pages, s.rows, s.stored, s.duplicates, s.quarantined, s.resolved,
               s.seconds);
    } else if (strcmp(pos[0], "status") == 0) {
        json_t *list = NULL;
        if (id)
            rc = feed_status(db, id, &list, &e);
        else
            rc = feed_list(db, &list, &e);
        for (size_t i = 0; rc >= 0 && i < (id ? 1 : json_array_size(list)); i++)
            print_status(id ? list : json_array_get(list, i));
        json_decref(list);
    } else if (strcmp(pos[0], "quarantine") == 0) {
        rc = do_quarantine(db, id, strcmp(status, "all") ? status : NULL, &e);
    } else {
        struct feed_stats s;
        if ((rc = quarantine_replay(db, id, &s, &e)) >= 0)
            printf("source '%s': %ld rows replayed, %ld stored, %ld still quarantined\n", pos[1],
                   s.rows, s.resolved, s.quarantined);
    }
out:
    if (rc < 0)
        rc = cli_fail(&e);
    db_close(db);
    return rc;
}
