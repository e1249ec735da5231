/* What the demo's dues replay (dues.c) shares with its payments (dues_pay.c). */
#ifndef DEMO_DUES_IMPL_H
#define DEMO_DUES_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "demo/demo.h"
#include "demo/model.h"
#include "org/scope.h"

struct db;

enum way { WAY_ONLINE, WAY_PAYROLL, WAY_CASH, WAY_QUARTER };

struct pay {
    int member; /* index */
    int months[3];
    int nmonths;
    long long amount, voluntary, at, id;
    enum way way;
};

struct dd {
    struct db *db;
    struct db *db2;      /* a second connection for half of the payments (PostgreSQL), or NULL */
    const struct demo_model *m;
    const struct demo_opts *o;
    struct demo_summary *sum;
    long long limit;     /* the latest instant the clock may show: the demo's last day */
    long long root;      /* organization id */
    char root_path[ORG_PATH_MAX];
    bool *late;          /* per member: paid last month late (in cash this month) */
    struct pay *pays;    /* this month's payments */
    int npays;
    long long *payroll;  /* member ids whose dues the payroll office deducts this month */
    size_t npayroll;
};

/* Set the dues module's clock to t, but never past the demo's last day. */
void clock_at(const struct dd *d, long long t);
/* The moment of day d, hour h of month (YYYYMM), never after the demo's last day. */
long long moment(const struct dd *d, int month, int day, int hour);

/* A payment of member i for month to record. */
void add_pay(struct dd *d, int i, int month, long long amount, enum way way, long long at);
/* What each quarterly payer of the month is asked to pay: the module's quotes. */
int quote_quarters(struct dd *d, struct errbuf *e);
/* Record d->pays and the month's payroll deduction (dues_pay.c). */
int record(struct dd *d, int month, struct errbuf *e);

#endif
