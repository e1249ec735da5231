#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "base/banned.h"

static int quiet, buffered;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char pending[16384];
static size_t npending;

static void flush_locked(void)
{
    if (npending) {
        fwrite(pending, 1, npending, stderr);
        fflush(stderr);
        npending = 0;
    }
}

void log_flush(void)
{
    pthread_mutex_lock(&lock);
    flush_locked();
    pthread_mutex_unlock(&lock);
}

void log_set_buffered(int on)
{
    if (!on)
        log_flush();
    buffered = on;
}

void log_set_quiet(int q)
{
    quiet = q;
}

static void vlog(const char *level, const char *fmt, va_list ap)
{
    char line[2049], stamp[32];
    struct timespec ts;
    struct tm tm;
    int n;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    n = snprintf(line, sizeof(line), "%s.%03ldZ %s ", stamp, ts.tv_nsec / 1000000, level);
    if (n > 0 && (size_t)n < sizeof(line) - 1)
        vsnprintf(line + n, sizeof(line) - 1 - (size_t)n, fmt, ap);
    n = (int)strnlen(line, sizeof(line) - 1);
    line[n++] = '\n';
    pthread_mutex_lock(&lock);
    if (buffered) {
        if (npending + (size_t)n > sizeof(pending))
            flush_locked();
        memcpy(pending + npending, line, (size_t)n);
        npending += (size_t)n;
    } else {
        /* one write per line: lines from threads never interleave */
        flush_locked();
        fwrite(line, 1, (size_t)n, stderr);
        fflush(stderr);
    }
    pthread_mutex_unlock(&lock);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    if (quiet)
        return;
    va_start(ap, fmt);
    vlog("info", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error", fmt, ap);
    va_end(ap);
}
