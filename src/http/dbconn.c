/* Per-thread database connections with reconnection and read routing (http/dbconn.h). */
#include "http/dbconn.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "db/db.h"
#include "base/banned.h"

#define MAX_DBS 512
/* after a failed connection attempt, requests answer 503 at once for this long instead of
 * each trying (and waiting for) a connection of its own */
#define RETRY_GAP_US 200000LL
/* after the standby failed, reads go to the primary for this long before it is tried again */
#define STANDBY_PAUSE_US 5000000LL
/* the table of recent writers: account ids hash into it; two accounts sharing a slot only
 * send each other's reads to the primary, never one to the standby too early */
#define WROTE_SLOTS 4096

/* Which of a thread's two connections. */
enum kind { PRIMARY, STANDBY };

static const char *urls[2];

/* every open connection, to close at shutdown; a dropped one leaves the list */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct db *open_dbs[MAX_DBS];
static int nopen;
static _Thread_local struct db *mine[2];
static _Thread_local long long mine_opened_us[2];

/* the outage of each kind: whether it is down (logged once), since when, when to try again,
 * when it last came back, and the last reason (under lock) */
static struct outage {
    atomic_int down;
    atomic_llong since_us, retry_at_us, back_us;
    char why[512];
} outages[2];

static atomic_llong wrote_at[WROTE_SLOTS];

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *kind_name(enum kind k)
{
    return k == PRIMARY ? "database" : "standby (reads that may lag)";
}

void dbconn_configure(const char *url, const char *read_url)
{
    urls[PRIMARY] = url;
    urls[STANDBY] = read_url && *read_url ? read_url : NULL;
}

/* The kind is down: log it when it was up, and hold new connection attempts back. */
static void went_down(enum kind k, const char *why, long long pause_us)
{
    struct outage *o = &outages[k];
    long long now = now_us();
    atomic_store(&o->retry_at_us, now + pause_us);
    pthread_mutex_lock(&lock);
    snprintf(o->why, sizeof(o->why), "%s", why);
    pthread_mutex_unlock(&lock);
    if (atomic_exchange(&o->down, 1) == 0) {
        atomic_store(&o->since_us, now);
        if (k == PRIMARY)
            log_error("database: %s: answering 503 until it is back", why);
        else
            log_error("standby: %s: reads go to the primary", why);
    }
}

static void came_back(enum kind k)
{
    struct outage *o = &outages[k];
    if (atomic_load(&o->down) && atomic_exchange(&o->down, 0) == 1) {
        atomic_store(&o->back_us, now_us());
        log_info("%s: back after %.1f s", kind_name(k),
                 (double)(now_us() - atomic_load(&o->since_us)) / 1e6);
    }
}

static void forget(struct db *db)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < nopen; i++) {
        if (open_dbs[i] == db) {
            open_dbs[i] = open_dbs[--nopen];
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}

/* Open this thread's connection of kind k; 0 or an error (e filled). */
static int open_kind(enum kind k, struct errbuf *e)
{
    struct outage *o = &outages[k];
    struct db *db = NULL;
    long long started = now_us();
    int rc;
    if (atomic_load(&o->down) && now_us() < atomic_load(&o->retry_at_us)) {
        pthread_mutex_lock(&lock);
        rc = errbuf_set(e, -ERR_UNAVAILABLE, "%s", o->why);
        pthread_mutex_unlock(&lock);
        return rc;
    }
    if ((rc = db_open(urls[k], &db, e)) == 0 && k == STANDBY)
        rc = db_exec(db, "SET application_name = 'dangjian-read'", e);
    if (rc < 0) {
        db_close(db);
        /* an attempt that began before another thread got through belongs to the outage that
         * just ended: the next request tries again, nothing is logged */
        if (atomic_load(&o->back_us) < started)
            went_down(k, e->msg, k == PRIMARY ? RETRY_GAP_US : STANDBY_PAUSE_US);
        return rc == -ERR_UNAVAILABLE ? rc : errbuf_set(e, -ERR_UNAVAILABLE, "%s", e->msg);
    }
    came_back(k);
    pthread_mutex_lock(&lock);
    if (nopen < MAX_DBS)
        open_dbs[nopen++] = db;
    pthread_mutex_unlock(&lock);
    mine[k] = db;
    mine_opened_us[k] = now_us();
    return 0;
}

/* A connection the server closed while this thread did not use it (a failover that other
 * threads have seen already): dropped quietly, so that the request opens a new one instead
 * of failing on it. */
static void drop_stale(enum kind k)
{
    if (mine[k] && db_lost(mine[k])) {
        forget(mine[k]);
        db_close(mine[k]);
        mine[k] = NULL;
    }
}

int dbconn_primary(struct db **ret, struct errbuf *e)
{
    int rc;
    drop_stale(PRIMARY);
    if (!mine[PRIMARY] && (rc = open_kind(PRIMARY, e)) < 0)
        return rc;
    *ret = mine[PRIMARY];
    return 0;
}

struct db *dbconn_read(void)
{
    struct errbuf e = ERRBUF_INIT;
    if (!urls[STANDBY])
        return NULL;
    drop_stale(STANDBY);
    if (!mine[STANDBY] && open_kind(STANDBY, &e) < 0)
        return NULL;
    return mine[STANDBY];
}

bool dbconn_after(struct db *db, int rc, const char *why)
{
    enum kind k;
    if (!db)
        return false;
    if (db == mine[PRIMARY])
        k = PRIMARY;
    else if (db == mine[STANDBY])
        k = STANDBY;
    else
        return false;
    if (!db_lost(db) && rc != -ERR_UNAVAILABLE)
        return false;
    /* the primary may be back at once (a new one after a failover): the next request tries;
     * a connection older than the last recovery was lost in the outage already logged */
    if (atomic_load(&outages[k].back_us) < mine_opened_us[k])
        went_down(k, why && *why ? why : "connection lost", k == PRIMARY ? 0 : STANDBY_PAUSE_US);
    forget(db);
    db_close(db);
    mine[k] = NULL;
    return true;
}

static atomic_llong *wrote_slot(long long account_id)
{
    unsigned long long h = (unsigned long long)account_id * 0x9E3779B97F4A7C15ull;
    return &wrote_at[(h >> 40) % WROTE_SLOTS];
}

void dbconn_wrote(long long account_id)
{
    if (account_id > 0 && urls[STANDBY])
        atomic_store(wrote_slot(account_id), now_us());
}

bool dbconn_wrote_recently(long long account_id)
{
    long long at;
    if (account_id <= 0)
        return false;
    at = atomic_load(wrote_slot(account_id));
    return at && now_us() - at < DBCONN_WROTE_SECONDS * 1000000LL;
}

void dbconn_close_all(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < nopen; i++)
        db_close(open_dbs[i]);
    nopen = 0;
    pthread_mutex_unlock(&lock);
}
