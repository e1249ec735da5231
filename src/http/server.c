/* libmicrohttpd glue: accumulate the body, dispatch through the router, send the reply,
 * log one line per request. Nothing outside http/ sees libmicrohttpd. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "db/db.h"
#include "http/auth.h"
#include "http/cache.h"
#include "http/dbconn.h"
#include "http/lane.h"
#include "http/router.h"
#include "http/static.h"
#include "base/jsontext.h"
#include "base/banned.h"

#define MAX_BODY (16 * 1024 * 1024)
/* the slow lane (logins): how far its threads step back behind the workers */
#define LANE_NICE 10
/* a node behind the database down (a Citus worker): its cause is logged at most this often */
#define NODE_LOG_GAP_US 10000000LL

enum lane_state { LANE_NO, LANE_QUEUED, LANE_DONE };

struct req_state {
    struct req r;
    long long start_us;
    int too_big;
    char ip[64];
    /* the route, matched once before the request runs here or on the slow lane */
    const struct route *rt;
    int match_rc;
    struct errbuf match_e;
    enum lane_state lane;
    long long announced;  /* Content-Length, 0 when none */
    int standby;          /* read through the standby connection (--db-read) */
    int node_down;        /* failed for want of a node behind the database (a Citus worker) */
    const char *aborted;  /* why the server dropped the connection, for the log */
};

static const struct server_opts *opts;

/* How long a request may take to arrive: the read timeout, plus time for its announced body
 * at a slow phone's 16 KiB/s. A client dripping a byte now and then is cut off here, since
 * libmicrohttpd's own timeout only counts idle time. */
static long long upload_budget_us(long long announced)
{
    return (long long)opts->read_timeout * 1000000 + announced / 16384 * 1000000;
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void error_reply(struct req *r, int code, const struct errbuf *e)
{
    json_t *err = json_pack("{s:s, s:s}", "code", err_name(code), "message",
                            e->msg[0] ? e->msg : err_name(code));
    json_t *body;
    /* a handler that itemized the problems knows best; else the reason of the one error */
    if (!r->err_details)
        req_error_detail(r, req_reason_item(e));
    if (r->err_details)
        json_object_set_new(err, "details", r->err_details);
    r->err_details = NULL;
    body = json_pack("{s:o}", "error", err);
    if (r->err_extra) {
        json_object_update(body, r->err_extra);
        json_decref(r->err_extra);
        r->err_extra = NULL;
    }
    json_decref(r->reply);
    free(r->raw);
    free(r->location);
    r->raw = NULL;
    r->location = NULL;
    r->reply = body;
    r->status = err_http_status(code);
}

/* GET requests only read: one snapshot for the whole request, so SQLite takes its locks
 * once rather than for every statement (measured: most of a small request's syscalls). */
static int read_begin(struct req *r, struct errbuf *e)
{
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return 0;
    return db_read_begin(r->db, e);
}

static int is_api(const char *path)
{
    return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
}

/* Forget what a failed attempt left in the reply, before the request runs again. */
static void reply_reset(struct req *r)
{
    json_decref(r->reply);
    json_decref(r->err_details);
    json_decref(r->err_extra);
    free(r->raw);
    free(r->location);
    r->reply = r->err_details = r->err_extra = NULL;
    r->raw = NULL;
    r->location = NULL;
    r->status = 200;
}

/* Run the route's handler on r->db: the reply cache, one read snapshot for GET, and no
 * transaction left open. */
static int run_handler(struct req *r, const struct route *rt, struct errbuf *e)
{
    int cached = (rt->flags & RT_CACHED) && !opts->no_reply_cache, rc;
    if (cached && reply_cache_get(r))
        return 0;
    if ((rc = (rt->flags & RT_WRITES) ? 0 : read_begin(r, e)) == 0 && (rc = rt->fn(r, e)) == 0 &&
        cached)
        reply_cache_put(r);
    if (db_in_tx(r->db)) {
        log_error("%s %s left a transaction open: rolled back", r->method, r->path);
        db_rollback(r->db);
        if (rc == 0)
            rc = errbuf_set(e, -ERR_INTERNAL, "internal error");
    }
    db_read_end(r->db);
    return rc;
}

/* Whether the request failed because the database could not reach a node behind it (a Citus
 * worker holding the rows): then the connection is fine and stays, and the request answers
 * 503 with the reason node_unavailable whatever error the handler made of it (a handler may
 * have wrapped it); the cause is logged now and then, not for every request. */
static bool node_down(struct req_state *s, struct db *primary, struct db *standby, int rc,
                      struct errbuf *e)
{
    static atomic_llong logged_us;
    long long now = now_us(), last = atomic_load(&logged_us);
    bool down = db_node_down(primary); /* both flags taken: none is left for the next request */
    if (!(db_node_down(standby) || down) ||
        (rc != -ERR_UNAVAILABLE && err_http_status(rc) < 500))
        return false;
    if (now - last >= NODE_LOG_GAP_US && atomic_compare_exchange_strong(&logged_us, &last, now))
        log_error("%s %s: a database node is unreachable, answering 503: %s", s->r.method,
                  s->r.path, e->msg);
    s->node_down = 1;
    return true;
}

/* Authenticate on the primary, then run the handler: a route marked RT_STANDBY reads from the
 * standby unless the caller wrote in the last seconds (they must see their own writes) or no
 * standby answers; a read the standby fails runs again on the primary, and while the primary
 * is away (failing over) the standby answers such a read whole, sessions included. A lost
 * connection is dropped (the next request opens another, which finds the new primary after a
 * failover) and the request answered 503 unavailable at once. */
static int run_api(struct req_state *s, struct errbuf *e)
{
    struct req *r = &s->r;
    const struct route *rt = s->rt;
    struct db *primary = NULL, *standby = NULL;
    bool may_lag = rt->flags & RT_STANDBY;
    int rc = dbconn_primary(&primary, e);
    if (rc < 0 && (!may_lag || !(standby = dbconn_read())))
        return rc;
    if (rc < 0) {
        errbuf_clear(e);
        primary = NULL;
    }
    db_node_down(primary ? primary : standby); /* nothing left from an earlier request */
    r->db = primary ? primary : standby;
    if ((rc = auth_prepare(r, rt, e)) == 0) {
        if (primary && may_lag && !dbconn_wrote_recently(r->auth.account_id))
            standby = dbconn_read();
        r->db = standby ? standby : primary;
        s->standby = standby != NULL;
        rc = run_handler(r, rt, e);
        if (standby && primary && dbconn_after(standby, rc, e->msg)) {
            /* the standby went away under the read: the primary answers it */
            reply_reset(r);
            errbuf_clear(e);
            s->standby = 0;
            standby = NULL;
            r->db = primary;
            rc = run_handler(r, rt, e);
        }
        /* a session's write (signing in writes too, but nothing a lagging read shows) */
        if (rt->auth == AUTH_USER && strcmp(r->method, "GET") != 0 &&
            strcmp(r->method, "HEAD") != 0)
            dbconn_wrote(r->auth.account_id);
    }
    r->db = NULL;
    if (node_down(s, primary, standby, rc, e))
        return -ERR_UNAVAILABLE;
    if (!primary) {
        dbconn_after(standby, rc, e->msg);
        return rc;
    }
    if (dbconn_after(primary, rc, e->msg) && rc != -ERR_UNAVAILABLE)
        rc = errbuf_set(e, -ERR_UNAVAILABLE, "database connection lost: %s", e->msg);
    return rc;
}

static void dispatch(struct req_state *s)
{
    struct req *r = &s->r;
    struct errbuf e = s->match_e;
    int rc = s->match_rc;

    if (s->too_big)
        rc = errbuf_set(&e, -ERR_TOOBIG, "request body is larger than %d bytes", MAX_BODY);
    else if (!is_api(r->path))
        rc = static_serve(r, opts->web_dir, &e);
    else if (rc == 0)
        rc = run_api(s, &e);
    if (rc < 0) {
        if (rc == -ERR_UNAVAILABLE && s->node_down) {
            /* the cause is logged now and then (node_down), not told to every client */
            errbuf_field(&e, rc, R_NODE_UNAVAILABLE, NULL, NULL,
                         "a database node holding this data cannot be reached: "
                         "try again in a few seconds");
            r->retry_after = DBCONN_RETRY_AFTER;
        } else if (rc == -ERR_UNAVAILABLE) {
            /* the cause is logged once per outage (http/dbconn.c), not told to every client */
            errbuf_set(&e, rc,
                       "the database is unavailable (restarting or failing over): "
                       "try again in a few seconds");
            r->retry_after = DBCONN_RETRY_AFTER;
        } else if (err_http_status(rc) >= 500)
            log_error("%s %s: %s", r->method, r->path, e.msg);
        error_reply(r, rc, &e);
    }
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char *text = NULL;
    size_t len = 0;
    const char *type = "application/json; charset=utf-8";

    if (r->raw) {
        text = r->raw;
        len = r->raw_len;
        type = r->raw_type;
        r->raw = NULL;
    } else if (r->reply) {
        /* twelve significant digits: scores need no more, and printing 17 is slow */
        text = json_text(r->reply, &len);
    }
    if (!text) {
        text = strdup("");
        len = 0;
        if (r->status != 204 && r->status != 304)
            type = "text/plain";
    }
    resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        return MHD_NO;
    if (len || (r->status != 204 && r->status != 304))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (r->etag[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                            r->cache_control ? r->cache_control : "no-store");
    if (r->content_encoding)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, r->content_encoding);
    /* the web app's files come gzipped or not by Accept-Encoding: caches must keep both */
    if (strncmp(r->path, "/api/", 5) != 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (r->retry_after > 0) {
        char secs[16];
        snprintf(secs, sizeof(secs), "%d", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    }
    if (r->set_cookie[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
    if (r->location)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
    ret = MHD_queue_response(c, (unsigned)(r->status ? r->status : 200), resp);
    MHD_destroy_response(resp);
    return ret;
}

/* A request through the trusted proxy: the client is the last address the proxy appended to
 * X-Forwarded-For (earlier ones are the client's own claims), and X-Forwarded-Proto says
 * whether it came over TLS, which puts Secure on the session cookie. */
static void from_proxy(struct MHD_Connection *c, struct req_state *s)
{
    const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
    const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
    if (xff) {
        const char *last = strrchr(xff, ',');
        size_t n;
        last = last ? last + 1 : xff;
        last += strspn(last, " \t");
        n = strcspn(last, " \t");
        if (n > 0 && n < sizeof(s->ip))
            snprintf(s->ip, sizeof(s->ip), "%.*s", (int)n, last);
    }
    s->r.secure = proto && strcasecmp(proto, "https") == 0;
}

/* A slow route's request, on a lane thread: the whole dispatch, then back to libmicrohttpd. */
static void run_on_lane(void *arg)
{
    struct req_state *s = arg;
    dispatch(s);
    s->lane = LANE_DONE;
    MHD_resume_connection(s->r.conn);
}

/* The lane's queue is full: come back in a few seconds. */
static void busy_reply(struct req *r)
{
    struct errbuf e = ERRBUF_INIT;
    int waiting = lane_waiting();
    errbuf_set(&e, -ERR_BUSY, "%d sign-ins are waiting: try again in a few seconds", waiting);
    error_reply(r, -ERR_BUSY, &e);
    r->retry_after = 2 + waiting / 100;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct req_state *s = *con_cls;
    (void)cls;
    (void)version;
    if (!s) {
        const union MHD_ConnectionInfo *ci;
        const char *cl;
        if (!(s = calloc(1, sizeof(*s))))
            return MHD_NO;
        s->start_us = now_us();
        s->r.method = method;
        s->r.path = url;
        s->r.conn = c;
        s->r.status = 200;
        buf_init(&s->r.body, MAX_BODY);
        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, s->ip,
                      sizeof(s->ip));
        else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
                      s->ip, sizeof(s->ip));
        s->r.ip = s->ip;
        if (opts->trusted_proxy && strcmp(s->ip, opts->trusted_proxy) == 0)
            from_proxy(c, s);
        cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        s->announced = cl ? strtoll(cl, NULL, 10) : 0;
        /* refused unread: the body is never buffered, only let through so that the client
         * can read its 413 */
        s->too_big = s->announced > MAX_BODY;
        *con_cls = s;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!s->too_big && buf_add(&s->r.body, upload, *upload_size) < 0)
            s->too_big = 1;
        /* a body dripping in slower than the connection's budget is dropped, nothing was
         * dispatched; an over-cap body gets only the read timeout to pass through */
        if (now_us() - s->start_us > upload_budget_us(s->too_big ? 0 : s->announced)) {
            s->aborted = s->too_big ? "body over the cap" : "body too slow";
            return MHD_NO;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (s->lane == LANE_DONE)
        return send_reply(c, &s->r);
    if (!s->too_big && is_api(url))
        s->match_rc = router_match(&s->r, &s->rt, &s->match_e);
    if (s->match_rc == 0 && s->rt && (s->rt->flags & RT_SLOW)) {
        /* run on the slow lane; MHD calls us again once it resumes the connection */
        s->lane = LANE_QUEUED;
        MHD_suspend_connection(c);
        if (lane_submit(run_on_lane, s) < 0) {
            busy_reply(&s->r);
            s->lane = LANE_DONE;
            MHD_resume_connection(c);
        }
        return MHD_YES;
    }
    dispatch(s);
    return send_reply(c, &s->r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req_state *s = *con_cls;
    static const char *const why[] = {
        [MHD_REQUEST_TERMINATED_WITH_ERROR] = "error",
        [MHD_REQUEST_TERMINATED_TIMEOUT_REACHED] = "idle timeout",
        [MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN] = "shutdown",
        [MHD_REQUEST_TERMINATED_READ_ERROR] = "client closed",
        [MHD_REQUEST_TERMINATED_CLIENT_ABORT] = "client closed",
    };
    (void)cls;
    (void)c;
    if (!s)
        return;
    /* a request that never got its reply out is logged as aborted, not with the status it
     * would have had */
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        log_info("%s %s aborted (%s) %lldus", s->r.method, s->r.path,
                 s->aborted ? s->aborted
                 : (size_t)toe < sizeof(why) / sizeof(why[0]) && why[toe] ? why[toe]
                                                                             : "unknown",
                 now_us() - s->start_us);
    else
        log_info("%s %s %d %lldus%s", s->r.method, s->r.path, s->r.status, now_us() - s->start_us,
                 s->standby ? " standby" : "");
    buf_release(&s->r.body);
    json_decref(s->r.json);
    json_decref(s->r.reply);
    json_decref(s->r.err_details);
    json_decref(s->r.err_extra);
    free(s->r.raw);
    free(s->r.location);
    free(s);
    *con_cls = NULL;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    log_error("http: %s", msg);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, struct errbuf *e)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    long port;
    char *end;
    if (!colon || (size_t)(colon - listen) >= sizeof(host))
        return errbuf_set(e, -ERR_INVALID, "invalid --listen '%s': expected HOST:PORT", listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535)
        return errbuf_set(e, -ERR_INVALID, "invalid port in --listen '%s'", listen);
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)port);
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return errbuf_set(e, -ERR_INVALID, "invalid address in --listen '%s'", listen);
    return 0;
}

/* url for the log: a password in it ("postgresql://user:secret@host/db") shown as "***". */
static const char *redact(const char *url, char *out, size_t size)
{
    const char *scheme = strstr(url, "://"), *at, *colon;
    snprintf(out, size, "%s", url);
    if (!scheme)
        return out;
    at = strchr(scheme + 3, '@');
    colon = strchr(scheme + 3, ':');
    if (at && colon && colon < at && (size_t)(at - url) < size)
        snprintf(out + (colon + 1 - url), size - (size_t)(colon + 1 - url), "***%s", at);
    return out;
}

int server_run(const struct server_opts *o, struct errbuf *e)
{
    char url_shown[512], read_shown[512];
    struct sockaddr_in sa;
    struct MHD_Daemon *d;
    sigset_t set;
    int sig = 0, rc, listen_fd;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if ((rc = parse_listen(o->listen, &sa, e)) < 0)
        return rc;
    opts = o;
    dbconn_configure(o->db_url, o->db_read_url);
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags |= MHD_USE_EPOLL;
    /* workers inherit a mask with the stop signals blocked; this thread waits for them */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* one lane thread per core, niced so that the workers come first */
    if ((rc = lane_start(cpus > 0 ? (int)cpus : 1, LANE_NICE, o->lane_queue > 0 ? o->lane_queue : 512, e)) < 0)
        return rc;
    d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER,
                         on_mhd_error, NULL, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
                         (unsigned)(o->threads > 0 ? o->threads : 2),
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->read_timeout,
                         MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                         (unsigned)o->per_ip_connections, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
                         MHD_OPTION_END);
    if (!d) {
        rc = errbuf_set(e, -ERR_IO, "cannot listen on %s: %s", o->listen, strerror(errno));
        lane_stop();
        return rc;
    }
    log_info("dangjian serving http://%s/ (%d threads, database %s%s%s)", o->listen,
             o->threads > 0 ? o->threads : 2, redact(o->db_url, url_shown, sizeof(url_shown)),
             o->db_read_url ? ", reads that may lag from " : "",
             o->db_read_url ? redact(o->db_read_url, read_shown, sizeof(read_shown)) : "");
    /* wait for a stop signal, writing out the buffered request log five times a second */
    log_set_buffered(1);
    while (sig != SIGINT && sig != SIGTERM) {
        struct timespec tick = {0, 200 * 1000 * 1000};
        sig = sigtimedwait(&set, NULL, &tick);
        log_flush();
    }
    log_set_buffered(0);
    log_info("signal %d: shutting down", sig);
    /* stop taking connections, finish the lane's queue (its connections resume), then stop */
    listen_fd = MHD_quiesce_daemon(d);
    lane_stop();
    MHD_stop_daemon(d);
    if (listen_fd >= 0)
        close(listen_fd);
    dbconn_close_all();
    log_info("stopped");
    return 0;
}
