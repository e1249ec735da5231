/* The HTTP server: libmicrohttpd with a thread pool, one database connection per worker. */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include "base/err.h"

struct server_opts {
    const char *db_url;
    const char *db_read_url; /* a standby for the routes marked RT_STANDBY (NULL: none) */
    const char *listen; /* "127.0.0.1:8080" */
    int threads;
    const char *web_dir; /* built web app to serve at / (may be NULL) */
    int no_reply_cache;  /* answer cached routes afresh every time (benchmarks) */
    int lane_queue;      /* slow-lane requests (logins) that may wait; more get 503 */
    int read_timeout;    /* seconds: idle connections close; a request must arrive within it
                            (plus time for its body) */
    int per_ip_connections; /* open connections one address may hold (0: no cap) */
    const char *trusted_proxy; /* address of a TLS-terminating proxy whose X-Forwarded-For and
                                  X-Forwarded-Proto are believed (NULL: none) */
};

/* Serve until SIGINT or SIGTERM; return 0 after a clean shutdown. */
int server_run(const struct server_opts *o, struct errbuf *e);

#endif
