#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "base/banned.h"

static int quiet;

void log_set_quiet(int q)
{
    quiet = q;
}

static void vlog(const char *level, const char *fmt, va_list ap)
{
    char line[2048], stamp[32];
    struct timespec ts;
    struct tm tm;
    int n;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    n = snprintf(line, sizeof(line), "%s.%03ldZ %s ", stamp, ts.tv_nsec / 1000000, level);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    /* one fputs per line: stdio locks the stream, so lines from threads never interleave */
    flockfile(stderr);
    fputs(line, stderr);
    fputc('\n', stderr);
    funlockfile(stderr);
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
