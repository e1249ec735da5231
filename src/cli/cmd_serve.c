#include <stdio.h>
#include <sys/stat.h>

#include "base/log.h"
#include "cli/cli.h"
#include "db/db.h"
#include "http/server.h"
#include "jobs/jobs.h"
#include "base/banned.h"

int cmd_serve(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *listen = "127.0.0.1:8080", *web = NULL, *proxy = NULL,
               *read_url = NULL;
    long long threads = 0, jobs_every = 300, login_queue = 512, read_timeout = 30,
              per_ip = 64;
    bool no_jobs = false, no_cache = false;
    struct opt opts[] = {{"db", OPT_STR, &url, "database"},
                         {"db-read", OPT_STR, &read_url, "standby for reads that may lag"},
                         {"listen", OPT_STR, &listen, "address"},
                         {"threads", OPT_INT, &threads, "worker threads"},
                         {"web", OPT_STR, &web, "web app folder"},
                         {"no-jobs", OPT_FLAG, &no_jobs, "no background jobs"},
                         {"no-reply-cache", OPT_FLAG, &no_cache, "no reply cache"},
                         {"jobs-every", OPT_INT, &jobs_every, "seconds between job passes"},
                         {"login-queue", OPT_INT, &login_queue, "logins that may wait"},
                         {"read-timeout", OPT_INT, &read_timeout, "seconds a request may take"},
                         {"per-ip-connections", OPT_INT, &per_ip, "connections per address"},
                         {"trusted-proxy", OPT_STR, &proxy, "address of a TLS proxy"},
                         {0, 0, 0, 0}};
    struct server_opts so;
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    struct stat sb;
    int rc;
    if (cli_parse("serve", argc - 1, argv + 1, opts, NULL, 0, NULL) < 0)
        return 2;
    if (read_timeout < 1 || read_timeout > 3600 || per_ip < 0 || per_ip > 100000) {
        fprintf(stderr, "dangjian serve: --read-timeout must be 1 to 3600 seconds and "
                        "--per-ip-connections 0 (no cap) to 100000\n");
        return 2;
    }
    if (login_queue < 1 || login_queue > 100000) {
        fprintf(stderr, "dangjian serve: --login-queue must be 1 to 100000\n");
        return 2;
    }
    if (threads < 0 || threads > 64) {
        fprintf(stderr, "dangjian serve: --threads must be 1 to 64\n");
        return 2;
    }
    if (read_url && (!db_is_postgres_url(url) || !db_is_postgres_url(read_url))) {
        fprintf(stderr, "dangjian serve: --db-read needs PostgreSQL URLs for --db and --db-read\n");
        return 2;
    }
    /* check the schema once up front, so a wrong database fails at start, not per request */
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    db_close(db);
    if (!web && stat("web/dist/index.html", &sb) == 0)
        web = "web/dist";
    so.db_url = url;
    so.db_read_url = read_url;
    so.listen = listen;
    so.threads = threads ? (int)threads : 4;
    so.web_dir = web;
    so.no_reply_cache = no_cache;
    so.lane_queue = (int)login_queue;
    so.read_timeout = (int)read_timeout;
    so.per_ip_connections = (int)per_ip;
    so.trusted_proxy = proxy;
    if (!no_jobs && jobs_start(url, (int)jobs_every, &e) < 0)
        return cli_fail(&e);
    rc = server_run(&so, &e);
    jobs_stop();
    if (rc < 0)
        return cli_fail(&e);
    return 0;
}
