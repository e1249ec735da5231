/* The slow lane (see lane.h). libmicrohttpd's workers each run an event loop over many
 * connections: a 30 ms password hash on one of them stalls every connection it holds. Such a
 * request is suspended by the server, runs here, and is resumed with its reply. The threads
 * run at a higher niceness than the workers, so a storm of logins (10,000 members signing in
 * after a 9:00 notice) takes the CPU the rest of the server leaves, and portraits keep their
 * latency; the queue is bounded, and a login beyond it is told to come back (503) at once
 * rather than waiting without end. */
#include "http/lane.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "base/banned.h"

#define LANE_MAX_THREADS 16

struct job {
    void (*fn)(void *arg);
    void *arg;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static struct job *ring;
static int cap, head, count, stopping, nthreads, niceness;
static pthread_t threads[LANE_MAX_THREADS];

static void *lane_main(void *unused)
{
    (void)unused;
    /* Linux keeps a niceness per thread: only this one gives way */
    if (niceness > 0 && setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), niceness) != 0)
        log_error("lane: cannot lower the thread's priority");
    pthread_mutex_lock(&mu);
    for (;;) {
        struct job j;
        while (count == 0 && !stopping)
            pthread_cond_wait(&more, &mu);
        if (count == 0)
            break;
        j = ring[head];
        head = (head + 1) % cap;
        count--;
        pthread_mutex_unlock(&mu);
        j.fn(j.arg);
        pthread_mutex_lock(&mu);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

int lane_start(int n, int nice, int queue_max, struct errbuf *e)
{
    if (n < 1)
        n = 1;
    if (n > LANE_MAX_THREADS)
        n = LANE_MAX_THREADS;
    if (!(ring = calloc((size_t)queue_max, sizeof(*ring))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    cap = queue_max;
    head = count = stopping = 0;
    niceness = nice;
    for (nthreads = 0; nthreads < n; nthreads++)
        if (pthread_create(&threads[nthreads], NULL, lane_main, NULL) != 0) {
            lane_stop();
            return errbuf_set(e, -ERR_INTERNAL, "cannot start the slow lane's threads");
        }
    return 0;
}

int lane_submit(void (*fn)(void *arg), void *arg)
{
    int rc = 0;
    pthread_mutex_lock(&mu);
    if (!ring || stopping || count == cap) {
        rc = -ERR_BUSY;
    } else {
        ring[(head + count) % cap] = (struct job){fn, arg};
        count++;
        pthread_cond_signal(&more);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

int lane_waiting(void)
{
    int n;
    pthread_mutex_lock(&mu);
    n = count;
    pthread_mutex_unlock(&mu);
    return n;
}

void lane_stop(void)
{
    pthread_mutex_lock(&mu);
    stopping = 1;
    pthread_cond_broadcast(&more);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    nthreads = 0;
    free(ring);
    ring = NULL;
}
