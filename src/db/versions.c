#include "db/versions.h"

#include <stdatomic.h>
#include <time.h>

#include "db/db.h"
#include "base/banned.h"

static const char *const names[TOPIC__COUNT] = {"members", "scores", "sessions"};
static atomic_llong local[TOPIC__COUNT];

static _Thread_local struct {
    long long value;
    struct timespec at;
    int valid;
} seen[TOPIC__COUNT];

int version_bump(struct db *db, enum topic t, struct errbuf *e)
{
    int rc = db_queue(db, e, "UPDATE data_versions SET version = version + 1 WHERE topic = $1",
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
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!seen[t].valid || now.tv_sec - seen[t].at.tv_sec > 1 ||
        (now.tv_sec - seen[t].at.tv_sec) * 1000000000L + (now.tv_nsec - seen[t].at.tv_nsec) >
            1000000000L) {
        int rc = version_get_exact(db, t, &seen[t].value, e);
        if (rc < 0)
            return rc;
        seen[t].at = now;
        seen[t].valid = 1;
    }
    ret->db = seen[t].value;
    ret->local = atomic_load(&local[t]);
    return 0;
}

int version_equal(const struct version_stamp *a, const struct version_stamp *b)
{
    return a->db == b->db && a->local == b->local;
}
