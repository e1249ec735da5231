/* What the benchmarks share: a monotonic clock, a deterministic random sequence, dying on an
 * error, and a company of members to attach events to. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdbool.h>

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

/* The scale benches (bench/scale.c): --db URL (PostgreSQL or a Citus coordinator instead of
 * a file in dir) and --tenants K (the 50 units as K tenants' companies; 0: none). */
extern const char *bench_scale_url;
extern int bench_scale_tenants;
/* `bench score-scale`: members × per events in one month, scored. */
int bench_score_scale(const char *dir, long members, int per);
/* `bench dues` (full: published, paid, confirmed) and `bench dues-scale`. */
int bench_dues(const char *dir, long members, bool full);

/* `bench xlsx`: a roster of 10,000 members as .xlsx and as CSV, imported (bench/xlsx.c). */
int bench_xlsx(const char *dir);

#endif
