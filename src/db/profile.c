/* The statement profile (DJ_DB_PROFILE=1): for every SQL text, how many times it ran, its
 * rows and the time spent in the database calls (db_step, db_exec, bulk writes), printed to
 * stderr at exit, the costliest first (the first 40, or N with DJ_DB_PROFILE=N). Off by default; when off a call costs one branch.
 * Several threads may record at once: one mutex guards the table. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db_impl.h"
#include "base/banned.h"

#define PROFILE_SLOTS 1024

struct entry {
    char *sql;
    unsigned hash;
    long long calls, ns;
};

static struct entry table[PROFILE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int enabled;

static int by_time(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

/* Print the statements recorded since the last section (the costliest first, the first 40
 * or N with DJ_DB_PROFILE=N) under `title`, then forget them. Called with the lock held. */
static void dump_locked(const char *title)
{
    const char *v = getenv("DJ_DB_PROFILE");
    static struct entry rows[PROFILE_SLOTS];
    long long total = 0;
    int n = 0, limit = v && atoi(v) > 1 ? atoi(v) : 40; /* DJ_DB_PROFILE=N: the first N */
    for (int i = 0; i < PROFILE_SLOTS; i++)
        if (table[i].sql) {
            total += table[i].ns;
            rows[n++] = table[i];
        }
    qsort(rows, (size_t)n, sizeof(rows[0]), by_time);
    fprintf(stderr, "db profile%s%s: %.3f s in the database calls, %d statements\n",
            title ? " of " : "", title ? title : "", total / 1e9, n);
    fprintf(stderr, "%10s %10s %9s  %s\n", "seconds", "calls", "us/call", "sql");
    for (int i = 0; i < n && i < limit; i++)
        fprintf(stderr, "%10.3f %10lld %9.1f  %.150s\n", rows[i].ns / 1e9, rows[i].calls,
                rows[i].ns / 1e3 / (double)rows[i].calls, rows[i].sql);
    for (int i = 0; i < PROFILE_SLOTS; i++)
        free(table[i].sql);
    memset(table, 0, sizeof(table));
}

static void dump(void)
{
    pthread_mutex_lock(&lock);
    dump_locked(NULL);
    pthread_mutex_unlock(&lock);
}

/* With the profile on, print what ran since the last section as the section `title` (the
 * demo's steps, one by one) and start counting afresh; nothing when the profile is off. */
void db_profile_section(const char *title)
{
    if (!db_profile_on())
        return;
    pthread_mutex_lock(&lock);
    dump_locked(title);
    pthread_mutex_unlock(&lock);
}

static void setup(void)
{
    const char *v = getenv("DJ_DB_PROFILE");
    enabled = v && *v && strcmp(v, "0") != 0;
    if (enabled)
        atexit(dump);
}

bool db_profile_on(void)
{
    pthread_once(&once, setup);
    return enabled;
}

long long db_profile_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Add ns spent on sql (one call when calls is 1). The text is copied on first sight. */
void db_profile_add(const char *sql, long long ns, long long calls)
{
    unsigned h = 2166136261u;
    for (const char *s = sql; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    pthread_mutex_lock(&lock);
    for (unsigned i = 0; i < PROFILE_SLOTS; i++) {
        struct entry *x = &table[(h + i) % PROFILE_SLOTS];
        if (!x->sql) {
            if (!(x->sql = strdup(sql)))
                break;
            x->hash = h;
        } else if (x->hash != h || strcmp(x->sql, sql) != 0) {
            continue;
        }
        x->calls += calls;
        x->ns += ns;
        break;
    }
    pthread_mutex_unlock(&lock);
}
