/* Failed sign-ins and the limits on them. Failures count against the person (whatever alias
 * was typed) together with the address they came from, so a stranger's wrong passwords slow
 * down and lock out only that stranger's address, never the owner elsewhere; an address that
 * fails across many accounts is locked as a whole. Every lock is audited; an administrator
 * can unlock a person. */
#ifndef ORG_LOCKOUT_H
#define ORG_LOCKOUT_H

#include "base/err.h"

struct db;

#define LOCKOUT_SUBJECT_MAX 80

/* The person behind a typed login: "m:<member id>" for an account of a member, "a:<id>" for
 * another account, "l:<login>" when no account has that login. */
int lockout_subject(struct db *db, const char *login, char subject[LOCKOUT_SUBJECT_MAX],
                    struct errbuf *e);
/* May subject try a password from ip at now? 0, or -ERR_RATE with how long to wait in e. */
int lockout_check(struct db *db, const char *subject, const char *ip, long long now,
                  struct errbuf *e);
/* After a failure was recorded: audit a lock when this failure reached one. */
int lockout_after_failure(struct db *db, const char *subject, const char *ip, long long now,
                          struct errbuf *e);
/* Clear the person's failures (every address) from now on, audited as done by actor for the
 * account's organization org_id (0: none). */
int lockout_unlock(struct db *db, const char *login, long long org_id, long long actor,
                   struct errbuf *e);

#endif
