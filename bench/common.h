/* What the benchmarks share: a monotonic clock, a deterministic random sequence, dying on an
 * error, and a company of members to attach events to. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include "base/err.h"

struct db;

/* Seconds on the monotonic clock. */
double bench_now(void);
/* The next number of a fixed pseudo-random sequence (splitmix64). */
unsigned long long bench_rand(void);
/* Print the error and exit(1). */
int bench_die(const struct errbuf *e);
/* members members under one committee, 20 per branch, employee numbers E0000000.. in emp. */
void bench_members(struct db *db, int members, char (*emp)[16]);

/* `bench xlsx`: a roster of 10,000 members as .xlsx and as CSV, imported (bench/xlsx.c). */
int bench_xlsx(const char *dir);

#endif
