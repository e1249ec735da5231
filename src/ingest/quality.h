/* Completeness of the sources' data (docs/ARCHITECTURE.md, "Completeness and the gate"):
 * what each source declares it delivers, the data-quality view per source × organization ×
 * month, the admins' release of a month that is not complete, the gate the monthly jobs ask,
 * and the notice when a source goes quiet. */
#ifndef INGEST_QUALITY_H
#define INGEST_QUALITY_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;
struct auth;

/* A declaration as given: indicators is a JSON array of indicator codes; org_id 0 is the
 * root (the whole company); complete_day 1..28; cadence NULL is "monthly". */
struct quality_expect {
    const json_t *indicators;
    const char *cadence;
    long long org_id;
    long long complete_day;
};

/* Create or replace source_id's declaration, audited as actor (0: the command line), in the
 * caller's transaction. */
int quality_expect_set(struct db *db, long long source_id, const struct quality_expect *x,
                       long long actor, struct errbuf *e);
/* The declaration: {source_id, cadence, org: {id, code, name}, complete_day, indicators};
 * -ERR_NOTFOUND without one. */
int quality_expect_get(struct db *db, long long source_id, json_t **ret, struct errbuf *e);

/* Release month for the monthly jobs although it is not complete; audited. -ERR_INVALID when
 * the month is not over, -ERR_CONFLICT when it was released before. Caller's transaction. */
int quality_release(struct db *db, int month, const char *reason, long long actor,
                    struct errbuf *e);
/* Whether the monthly jobs may run month: 1 yes (complete, or released), 0 no (why: the
 * first source and organization missing, or "" ), negative on error. */
int quality_month_ready(struct db *db, int month, char *why, size_t n, struct errbuf *e);

/* The quality view of month for a (see the API): restricted to source_id and to the subtree
 * of org_path when not 0 / NULL; rejected rows (not tied to an organization) only when
 * all_orgs. */
int quality_view(struct db *db, int month, long long source_id, const char *org_path,
                 bool all_orgs, json_t **ret, struct errbuf *e);

/* The jobs' entry: tell the admins (inbox and webhook) about each source that went quiet,
 * once per quiet spell. */
int quality_job_quiet(struct db *db, struct errbuf *e);

#endif
