/* What the benchmarks share (common.h). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "db/db.h"
#include "org/member.h"
#include "org/org.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long long rng = 0x9E3779B97F4A7C15ull;
unsigned long long bench_rand(void)
{
    unsigned long long z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int bench_die(const struct errbuf *e)
{
    fprintf(stderr, "bench: %s\n", e->msg);
    exit(1);
}

void bench_members(struct db *db, int members, char (*emp)[16])
{
    struct errbuf e = ERRBUF_INIT;
    long long root, branch = 0, id;
    char code[32], name[64];
    struct org_in o = {"B", "基准党委", "committee", 0, 0};
    if (db_begin(db, &e) < 0 || org_create(db, &o, 0, &root, &e) < 0)
        bench_die(&e);
    for (int i = 0; i < members; i++) {
        struct member_in m = {0};
        if (i % 20 == 0) {
            snprintf(code, sizeof(code), "B-%d", i / 20);
            snprintf(name, sizeof(name), "基准第%d党支部", i / 20);
            struct org_in b = {code, name, "branch", root, 0};
            if (org_create(db, &b, 0, &branch, &e) < 0)
                bench_die(&e);
        }
        snprintf(emp[i], sizeof(emp[i]), "E%07d", i);
        m.emp_no = emp[i];
        m.name = "张三";
        m.org_id = branch;
        if (member_create(db, &m, 202401, 0, &id, &e) < 0)
            bench_die(&e);
    }
    if (db_commit(db, &e) < 0)
        bench_die(&e);
}

