#include "db/versions.h"

#include <stdatomic.h>
#include <time.h>

#include "db/db.h"
#include "base/banned.h"

static const char *const names[TOPIC__COUNT] = {"members", "scores", "sessions"};
static atomic_llong local[TOPIC__COUNT];

/* What this thread last read, per connection: a server that reads through two connections
 * (the primary and a standby that may lag) must never compare a stamp read through one with
 * data read through the other, or a reply built from the standby's older rows could be kept
 * under the primary's newer stamp. Two slots: the thread's primary and read connections. */
#define SEEN_SLOTS 2
static _Thread_local struct seen {
    const struct db *db;
    long long value;
    struct timespec at;
    int valid;
} seen[SEEN_SLOTS][TOPIC__COUNT];
static _Thread_local int seen_next;

static struct seen *seen_of(const struct db *db, enum topic t)
{
    int i;
    for (i = 0; i < SEEN_SLOTS; i++)
        if (seen[i][t].db == db)
            return &seen[i][t];
    for (i = 0; i < SEEN_SLOTS; i++) /* a slot never used for this topic */
        if (!seen[i][t].db)
            break;
    if (i == SEEN_SLOTS)
        i = seen_next++ % SEEN_SLOTS;
    seen[i][t].db = db;
    seen[i][t].valid = 0;
    return &seen[i][t];
}

/* Once per topic and transaction: readers in other processes see only what is committed,
 * and one step of the version tells them as much as ten thousand. */
int version_bump(struct db *db, enum topic t, struct errbuf *e)
{
    int rc = 0;
    if (db_tx_first(db, 1u << t))
        rc = db_queue(db, e, "UPDATE data_versions SET version = version + 1 WHERE topic = $1",
                      "t", names[t]);
    if (rc < 0)
        return rc;
    atomic_fetch_add(&local[t], 1);
    return 0;
}

int version_get_exact(struct db *db, enum topic t, long long *ret, struct errbuf *e)
{
    int rc = db_query_int(db, e, ret, "SELECT version FROM data_versions WHERE topic = $1", "t",
                          names[t]);
    return rc < 0 ? rc : 0;
}

int version_get(struct db *db, enum topic t, struct version_stamp *ret, struct errbuf *e)
{
    struct timespec now;
    struct seen *sn = seen_of(db, t);
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!sn->valid || now.tv_sec - sn->at.tv_sec > 1 ||
        (now.tv_sec - sn->at.tv_sec) * 1000000000L + (now.tv_nsec - sn->at.tv_nsec) > 1000000000L) {
        int rc = version_get_exact(db, t, &sn->value, e);
        if (rc < 0) {
            sn->valid = 0;
            return rc;
        }
        sn->at = now;
        sn->valid = 1;
    }
    ret->db = sn->value;
    ret->local = atomic_load(&local[t]);
    return 0;
}

int version_equal(const struct version_stamp *a, const struct version_stamp *b)
{
    return a->db == b->db && a->local == b->local;
}
