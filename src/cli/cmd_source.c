#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "ingest/source.h"
#include "base/banned.h"

int cmd_source(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *code = NULL, *name = NULL, *verb = NULL;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"code", OPT_STR, &code, ""},
                         {"name", OPT_STR, &name, ""},
                         {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    int rc = 0;
    static const char *const feed_verbs[] = {"feed", "pull", "status", "quarantine", "replay"};
    for (size_t i = 0; argc > 1 && i < sizeof(feed_verbs) / sizeof(feed_verbs[0]); i++)
        if (strcmp(argv[1], feed_verbs[i]) == 0)
            return cmd_feed(argc, argv);
    static const char *const quality_verbs[] = {"expect", "quality", "release"};
    for (size_t i = 0; argc > 1 && i < sizeof(quality_verbs) / sizeof(quality_verbs[0]); i++)
        if (strcmp(argv[1], quality_verbs[i]) == 0)
            return cmd_quality(argc, argv);
    if (cli_parse("source", argc - 1, argv + 1, opts, &verb, 1, NULL) < 0)
        return 2;
    if (!verb || (strcmp(verb, "add") && strcmp(verb, "list"))) {
        fprintf(stderr, "dangjian source: expected add, list, feed, pull, status, quarantine, replay, expect, quality or release (see: dangjian help source)\n");
        return 2;
    }
    if (strcmp(verb, "add") == 0 && (!code || !name)) {
        fprintf(stderr, "dangjian source add: --code and --name are required\n");
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if (strcmp(verb, "add") == 0) {
        char key[96];
        long long id;
        if ((rc = db_begin(db, &e)) < 0 || (rc = source_add(db, code, name, key, sizeof(key), &id, &e)) < 0 ||
            (rc = db_commit(db, &e)) < 0) {
            db_rollback(db);
            rc = cli_fail(&e);
        } else {
            printf("source '%s' created (id %lld)\nAPI key (shown once, send it as X-API-Key): %s\n",
                   code, id, key);
        }
    } else {
        json_t *list, *s;
        size_t i;
        if (source_list(db, &list, &e) < 0) {
            rc = cli_fail(&e);
        } else {
            printf("%-4s %-16s %-10s %-10s %s\n", "id", "code", "key", "events", "name");
            for (i = 0; i < json_array_size(list); i++) {
                s = json_array_get(list, i);
                printf("%-4lld %-16s %-10s %-10lld %s\n",
                       (long long)json_integer_value(json_object_get(s, "id")),
                       json_string_value(json_object_get(s, "code")),
                       json_string_value(json_object_get(s, "key_prefix")),
                       (long long)json_integer_value(json_object_get(s, "events")),
                       json_string_value(json_object_get(s, "name")));
            }
            json_decref(list);
        }
    }
    db_close(db);
    return rc;
}
