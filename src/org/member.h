/* Party members: who they are, where they belong (with history by month), their status. */
#ifndef ORG_MEMBER_H
#define ORG_MEMBER_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;

/* Input for create and update; NULL fields are absent (update leaves them unchanged).
 * Enumerations accept the English value or the Chinese label (男, 正式党员, 在职, ...). */
struct member_in {
    const char *emp_no;
    const char *name;
    const char *gender;
    const char *birth_date;  /* YYYY-MM-DD */
    const char *joined_date; /* YYYY-MM-DD */
    const char *party_status;
    const char *category;
    const char *position;
    const char *phone;
    const char *id_card;
    const char *status;
    long long org_id; /* 0 = absent */
};

/* Check every present field; the message names the field. With `create`, required fields
 * (emp_no, name, org) must be present. Canonicalizes enumerations into `out`. */
int member_validate(const struct member_in *in, bool create, struct member_in *out,
                    struct errbuf *e);
/* Members belong to a branch: 0, or -ERR_INVALID naming org_id. */
int member_check_org(struct db *db, long long org_id, struct errbuf *e);
/* The same verdict for an organization whose kind was read already (NULL: no such one). */
int member_org_fits(long long org_id, const char *kind, struct errbuf *e);
/* The error for an employee number another member has: -ERR_CONFLICT naming emp_no. */
int member_emp_taken(const char *emp_no, struct errbuf *e);
/* Tell the processes that cache members (event ingestion) that members changed. */
int member_touch(struct db *db, struct errbuf *e);
/* Create a member in org_id from month `month` (YYYYMM; the history starts there). */
int member_create(struct db *db, const struct member_in *m, int month, long long actor,
                  long long *ret_id, struct errbuf *e);
/* Create n members at once (a company's roll, an HR feed's new hires), with the checks and
 * rows of member_create for each, read a hundred members at a time and written in bulk
 * (PostgreSQL: COPY) so that no member waits for the server alone (member_batch.c). The
 * first bad member is an error prefixed with its index and employee number, and nothing is
 * written. ids receives the new ids in order. Inside the caller's transaction. */
int member_create_batch(struct db *db, const struct member_in *in, size_t n, int month,
                        long long actor, long long *ids, struct errbuf *e);
/* Apply the present fields. A change of organization closes the history at the month before
 * `month` and opens the new organization from `month`. */
int member_update(struct db *db, long long id, const struct member_in *m, int month,
                  long long actor, struct errbuf *e);
/* One member as JSON; `mask` hides ID card and phone. Fills org path (256 bytes) if asked. */
int member_get(struct db *db, long long id, bool mask, json_t **ret, char *org_path,
               struct errbuf *e);

struct member_query {
    const char *path; /* subtree */
    const char *q;    /* name, or emp_no prefix */
    const char *status;
    long long page, page_size;
};
int member_list(struct db *db, const struct member_query *q, json_t **ret, struct errbuf *e);
int member_find_emp(struct db *db, const char *emp_no, long long *ret_id, struct errbuf *e);

#endif
