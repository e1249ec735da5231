/* Accounts: logins with argon2id password hashes and roles bound to organization subtrees. */
#ifndef ORG_ACCOUNT_H
#define ORG_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"
#include "org/scope.h"

struct db;

struct account_new {
    const char *login;
    const char *password;
    const char *display_name; /* may be NULL */
    long long member_id;      /* 0 = none */
    enum role role;
    long long org_id;
    const char *password_hash; /* optional precomputed hash (bulk demo data) */
    long long id; /* 0, or an id from db_reserve_ids (bulk callers): the insert need not wait,
                   * and a login taken is reported by the next statement that waits */
};

int account_create(struct db *db, const struct account_new *a, long long actor,
                   long long *ret_id, struct errbuf *e);
int account_grant(struct db *db, long long account_id, enum role role, long long org_id,
                  struct errbuf *e);
int account_set_password(struct db *db, const char *login, const char *password,
                         long long actor, struct errbuf *e);
int account_set_disabled(struct db *db, const char *login, bool disabled, long long actor,
                         struct errbuf *e);
/* Check a login and password: 0 and *ret_id, -ERR_UNAUTH (wrong login or password, same
 * message for both), -ERR_FORBIDDEN (disabled). */
int account_authenticate(struct db *db, const char *login, const char *password,
                         long long *ret_id, struct errbuf *e);
/* All accounts with their roles, as a JSON array (new reference). */
int account_list(struct db *db, json_t **ret, struct errbuf *e);
int account_find(struct db *db, const char *login, long long *ret_id, struct errbuf *e);
/* Validate a new password (length); message says what is wrong. */
int account_check_password(const char *password, struct errbuf *e);

#endif
