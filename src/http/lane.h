/* The slow lane: a few low-priority threads for requests that burn CPU on purpose (the
 * argon2id check of a login), so that the event-loop workers never wait behind them. */
#ifndef HTTP_LANE_H
#define HTTP_LANE_H

#include "base/err.h"

/* Start threads (>= 1) at the given niceness (0..19) with room for queue_max waiting jobs.
 * Returns 0 or -ERR_INTERNAL. */
int lane_start(int threads, int nice, int queue_max, struct errbuf *e);
/* Queue fn(arg) to run on a lane thread. Returns 0, or -ERR_BUSY when queue_max jobs are
 * waiting already or the lane is stopping (fn is then not called). Any thread may call it. */
int lane_submit(void (*fn)(void *arg), void *arg);
/* Jobs waiting right now (for the 503's Retry-After). */
int lane_waiting(void);
/* Refuse new jobs, run the queued ones, join the threads. */
void lane_stop(void);

#endif
