/* `dangjian demo`: a deterministic synthetic company party organization — committees,
 * branches, members, accounts, income bases and a year of business events — generated from a
 * seed through the domain APIs, so the data obeys every rule real data does. */
#ifndef DEMO_DEMO_H
#define DEMO_DEMO_H

#include <jansson.h>

#include "base/err.h"

struct db;

/* The one password every demo account shares (documented in the command's output). */
#define DEMO_PASSWORD "dangjian2024"
#define DEMO_SOURCE_CODE "demo"
#define DEMO_SOURCE_NAME "演示业务系统"
#define DEMO_API_KEY "demo-api-key-0123456789"
/* From this many members the demo's events and payments go two ways on PostgreSQL, through
 * a second connection in a thread (two sessions use two cores; SQLite has one writer at a
 * time). The tests' small PostgreSQL demo (300 members) takes that path and is compared with
 * SQLite's. */
#define DEMO_SPLIT_MEMBERS 200

/* Progress of one phase ("orgs", "members", "accounts", "bases", "events", "dues"): done of total
 * steps; items = rows written so far in the phase. */
struct demo_progress {
    const char *phase;
    long long done, total, items;
};

struct demo_province;

struct demo_opts {
    int orgs; /* committees + general branches + branches; party groups come on top */
    int members;
    int months; /* of events, ending with the current month */
    unsigned long long seed;
    int today; /* YYYYMMDD the demo ends on; 0 = today (UTC); never later than today */
    void (*progress)(const struct demo_progress *p, void *arg); /* may be NULL */
    void *progress_arg;
    /* provincial companies (tenants) of the seed's size each under a national root; 1 = the
     * single company of the seed, no national root */
    int tenants;
    const struct demo_province *province; /* set by demo_generate for each tenant */
};

#define DEMO_OPTS_INIT                                                                             \
    {                                                                                              \
        700, 10000, 12, 1, 0, NULL, NULL, 1, NULL                                                  \
    }

/* The phases of demo_generate, in order: orgs, members, accounts, bases, events, dues. */
#define DEMO_PHASES 6
const char *demo_phase_name(int i);

struct demo_summary {
    long long orgs, branches, groups, members, movers, accounts, bases, events;
    int first_month, last_month;
    /* dues: bills of all months, paid (of them), base missing (latest month), the events sent
     * at month end, arrears to-dos, paid but unconfirmed in the latest month, remittances and
     * expenditures; seconds the dues phase took */
    long long dues_bills, dues_paid, dues_base_missing, dues_on_time, dues_late, dues_todos;
    long long dues_unconfirmed, dues_remittances, dues_expenses;
    double dues_seconds;
    double phase_seconds[DEMO_PHASES]; /* wall time of each phase */
};

/* Check the option ranges; the message names the option. */
int demo_check_opts(const struct demo_opts *o, struct errbuf *e);
/* Fill an empty database (no organizations yet) with the demo; -ERR_CONFLICT otherwise. */
int demo_generate(struct db *db, const struct demo_opts *o, struct demo_summary *ret,
                  struct errbuf *e);
/* The named demo logins as a JSON array of {login, role, role_label, org_code, org_name,
 * note} (new reference), in the order they are introduced. */
int demo_accounts_list(struct db *db, json_t **ret, struct errbuf *e);

/* The login history of every account from first_month to today (YYYYMMDD): adoption growing
 * over the months, working days and hours more likely, a few mistyped passwords. Rows
 * written to *ret_rows. Own transaction. */
int demo_logins(struct db *db, unsigned long long seed, int first_month, int today,
                long long *ret_rows, struct errbuf *e);

#endif
