/* Sign-in limits (see lockout.h). Within a 15-minute window:
 *   - per person and address: from the 3rd failure a wait of 2^(n-3) s (at most 60 s)
 *     between tries, and from the 10th that address is locked for the person for the rest
 *     of the window;
 *   - per address: 50 failures across any accounts lock the address.
 * Nothing locks a person everywhere: that would let anyone who knows a login (the admin's
 * included) lock its owner out with ten wrong passwords. Brute force across many addresses
 * is held back by the per-address limits and the cost of argon2id. */
#include "org/lockout.h"

#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "db/db.h"
#include "org/audit.h"
#include "org/tenant.h"
#include "base/banned.h"

#define WINDOW (15 * 60)
#define SLOW 3
#define LOCK 10
#define LOCK_IP 50

int lockout_subject(struct db *db, const char *login, char subject[LOCKOUT_SUBJECT_MAX],
                    struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    snprintf(subject, LOCKOUT_SUBJECT_MAX, "l:%.60s", login);
    if ((rc = db_prepare(db, "SELECT id, member_id FROM accounts WHERE login = $1", &st, e)) < 0)
        return rc;
    db_bind_text(st, 1, login);
    if ((rc = db_step(st, e)) == 1) {
        if (!db_col_null(st, 1))
            snprintf(subject, LOCKOUT_SUBJECT_MAX, "m:%lld", db_col_int(st, 1));
        else
            snprintf(subject, LOCKOUT_SUBJECT_MAX, "a:%lld", db_col_int(st, 0));
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* The window of subject starts after its last unlock when that is later (instants are whole
 * seconds: failures in the second of the unlock are cleared with it). */
static int window_start(struct db *db, const char *subject, long long now, long long *ret,
                        struct errbuf *e)
{
    long long unlocked = 0;
    int rc = db_query_int(db, e, &unlocked,
                          "SELECT COALESCE(MAX(at), 0) FROM login_unlocks WHERE subject = $1", "t",
                          subject);
    *ret = unlocked >= now - WINDOW ? unlocked + 1 : now - WINDOW;
    return rc;
}

/* Failures since since: of subject from ip (subject non-NULL), or of anyone from ip. */
static int failures(struct db *db, const char *subject, const char *ip, long long since,
                    long long *ret_n, long long *ret_last, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if (subject) {
        if ((rc = db_prepare(db,
                             "SELECT COUNT(*), COALESCE(MAX(at), 0) FROM logins"
                             " WHERE subject = $1 AND ip = $2 AND at >= $3 AND ok = 0",
                             &st, e)) < 0)
            return rc;
        db_bindv(st, "tti", subject, ip, since);
    } else {
        if ((rc = db_prepare(db,
                             "SELECT COUNT(*), COALESCE(MAX(at), 0) FROM logins"
                             " WHERE ip = $1 AND at >= $2 AND ok = 0",
                             &st, e)) < 0)
            return rc;
        db_bindv(st, "ti", ip, since);
    }
    *ret_n = *ret_last = 0;
    if ((rc = db_step(st, e)) == 1) {
        *ret_n = db_col_int(st, 0);
        *ret_last = db_col_int(st, 1);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int lockout_check(struct db *db, const char *subject, const char *ip, long long now,
                  struct errbuf *e)
{
    long long since, n, last, n_ip, last_ip, wait;
    int rc;
    if ((rc = window_start(db, subject, now, &since, e)) < 0 ||
        (rc = failures(db, subject, ip, since, &n, &last, e)) < 0 ||
        (rc = failures(db, NULL, ip, now - WINDOW, &n_ip, &last_ip, e)) < 0)
        return rc;
    if (n >= LOCK || n_ip >= LOCK_IP)
        return errbuf_set(e, -ERR_RATE,
                          "too many failed logins from this address: try again "
                          "in %lld minutes",
                          (WINDOW - (now - (n >= LOCK ? last : last_ip)) + 59) / 60);
    if (n >= SLOW) {
        wait = 1LL << (n - SLOW < 6 ? n - SLOW : 6);
        if (wait > 60)
            wait = 60;
        if (now - last < wait)
            return errbuf_set(e, -ERR_RATE, "too many failed logins: wait %lld seconds",
                              wait - (now - last));
    }
    return 0;
}

int lockout_after_failure(struct db *db, const char *subject, const char *ip, long long now,
                          struct errbuf *e)
{
    long long since, n, n_ip, last;
    json_t *d;
    int rc;
    if ((rc = window_start(db, subject, now, &since, e)) < 0 ||
        (rc = failures(db, subject, ip, since, &n, &last, e)) < 0 ||
        (rc = failures(db, NULL, ip, now - WINDOW, &n_ip, &last, e)) < 0)
        return rc;
    if (n != LOCK && n_ip != LOCK_IP)
        return 0;
    d = json_pack("{s:s, s:s, s:s, s:I}", "subject", subject, "ip", ip, "scope",
                  n == LOCK ? "person at address" : "address", "minutes",
                  (json_int_t)(WINDOW / 60));
    rc = audit_log(db, 0, 0, "lock", "login", 0, d, e);
    json_decref(d);
    return rc;
}

int lockout_unlock(struct db *db, const char *login, long long org_id, long long actor,
                   struct errbuf *e)
{
    char subject[LOCKOUT_SUBJECT_MAX];
    long long tenant;
    json_t *d;
    int rc;
    if ((rc = lockout_subject(db, login, subject, e)) < 0)
        return rc;
    if (subject[0] == 'l')
        return errbuf_field(e, -ERR_NOTFOUND, R_NOT_FOUND, "login", login, "no account '%s'",
                            login);
    if ((rc = tenant_of_org(db, org_id, &tenant, e)) < 0 ||
        (rc = db_run(db, e,
                     "INSERT INTO login_unlocks(subject, at, account_id, tenant_id)"
                     " VALUES($1, $2, $3, $4)",
                     "tiii", subject, (long long)time(NULL), actor, tenant)) < 0)
        return rc;
    d = json_pack("{s:s, s:s}", "login", login, "subject", subject);
    rc = audit_log(db, actor, org_id, "unlock", "login", 0, d, e);
    json_decref(d);
    return rc;
}
