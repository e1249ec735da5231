#include <stdio.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "db/db.h"
#include "base/banned.h"

int cmd_init(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB;
    long long until = db_latest_version();
    bool citus = false;
    struct opt opts[] = {{"db", OPT_STR, &url, "database"},
                         {"until", OPT_INT, &until, "apply the migrations up to this version only"},
                         {"citus", OPT_FLAG, &citus,
                          "distribute the tables on Citus (found by itself on a coordinator)"},
                         {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    int rc, before = 0, placed = 0, migrated;
    if (cli_parse("init", argc - 1, argv + 1, opts, NULL, 0, NULL) < 0)
        return 2;
    if (!db_is_postgres_url(url) && url == (const char *)CLI_DEFAULT_DB)
        mkdir("var", 0755);
    if ((rc = db_open(url, &db, &e)) < 0)
        return cli_fail(&e);
    if ((rc = db_schema_version(db, &before, &e)) < 0 ||
        (rc = db_migrate_until(db, (int)until, &e)) < 0) {
        db_close(db);
        return cli_fail(&e);
    }
    migrated = rc;
    /* on a Citus coordinator, after the migrations: the tables per src/db/distribution.txt */
    if (!citus && (rc = db_citus_present(db, &citus, &e)) < 0) {
        db_close(db);
        return cli_fail(&e);
    }
    if (citus) {
        if (db_backend(db) != DB_POSTGRES) {
            db_close(db);
            fprintf(stderr, "dangjian init: --citus needs a PostgreSQL URL\n");
            return 2;
        }
        char nodes[512];
        struct errbuf ne = ERRBUF_INIT;
        if ((rc = db_citus_distribute(db, &placed, &e)) < 0) {
            db_close(db);
            return cli_fail(&e);
        }
        /* a check, not a condition: a Citus without run_command_on_all_nodes is noted */
        if ((rc = db_citus_unsafe_nodes(db, nodes, sizeof(nodes), &ne)) < 0)
            fprintf(stderr, "dangjian init: note: the nodes' synchronous_commit was not checked: %s\n",
                    ne.msg);
        if (rc > 0)
            fprintf(stderr,
                    "dangjian init: warning: Citus node(s) %s commit without waiting for their"
                    " WAL (synchronous_commit off): moving shards (a rebalance) may lose writes"
                    " acknowledged during a move's last moment; set synchronous_commit = on on"
                    " every node (docs/OPERATIONS.md)\n",
                    nodes);
    }
    if (cli_attach_keys(db, url, true) < 0) {
        db_close(db);
        return 1;
    }
    if (migrated == 0)
        printf("database %s is up to date (schema version %d)\n", url, before);
    else
        printf("database %s migrated from schema version %d to %d (%d migrations)\n", url, before,
               until < db_latest_version() ? (int)until : db_latest_version(), migrated);
    if (citus)
        printf("citus: %d tables placed now (reference or distributed by tenant_id)\n", placed);
    db_close(db);
    return 0;
}
