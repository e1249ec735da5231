/* The baseline of the login benchmark: how many argon2id password checks per second this
 * machine does with every core busy and nothing else, at the parameters the server uses
 * (base/secret.c). A login can be no faster than one check; bench/logins.mjs prints the
 * server's logins per second beside this figure.
 *   bench-pwhash [--seconds S] [--threads N]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/secret.h"

static char hash[SECRET_PWHASH_LEN];
static double seconds = 5;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    long *n = arg;
    double end = now_s() + seconds;
    while (now_s() < end) {
        if (!secret_password_check(hash, "dangjian2024"))
            abort();
        (*n)++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long threads = sysconf(_SC_NPROCESSORS_ONLN), counts[64] = {0}, total = 0;
    pthread_t t[64];
    double start;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atol(argv[i + 1]);
    }
    if (threads < 1 || threads > 64 || seconds <= 0) {
        fprintf(stderr, "usage: bench-pwhash [--seconds S] [--threads 1..64]\n");
        return 2;
    }
    if (secret_init() < 0 || secret_password_hash("dangjian2024", hash) < 0)
        return 1;
    start = now_s();
    for (long i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, &counts[i]);
    for (long i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += counts[i];
    }
    printf("%.1f checks/s on %ld threads (%.1f ms each)\n", (double)total / (now_s() - start),
           threads, 1000.0 * (now_s() - start) * (double)threads / (double)total);
    return 0;
}
