/* HTTP handlers for accounts: an administrator unlocks a person's failed sign-ins. */
#include "org/api.h"

#include "db/db.h"
#include "org/lockout.h"
#include "org/scope.h"
#include "base/banned.h"

/* POST /api/v1/accounts/unlock {"login"}: an administrator whose subtree holds the account
 * (its member's organization, else its first role's) clears the failures of its person at
 * every address; the unlock is audited. */
int api_account_unlock(struct req *r, struct errbuf *e)
{
    const char *login;
    long long org = 0;
    int rc;
    if ((rc = req_str(r, "login", true, 64, &login, e)) < 0 ||
        (rc = db_query_int(r->db, e, &org,
                           "SELECT COALESCE(m.org_id, (SELECT MIN(ar.org_id) FROM account_roles ar"
                           " WHERE ar.account_id = a.id AND ar.tenant_id = a.tenant_id), 0) FROM accounts a"
                           " LEFT JOIN members m ON m.id = a.member_id AND m.tenant_id = a.tenant_id WHERE a.login = $1",
                           "t", login)) < 0)
        return rc;
    if (!org)
        return errbuf_field(e, -ERR_NOTFOUND, R_NOT_FOUND, "login", login, "no account '%s'",
                            login);
    if ((rc = auth_check_org(r->db, &r->auth, ROLE_ADMIN, org, NULL, e)) < 0)
        return rc;
    if ((rc = db_begin(r->db, e)) < 0)
        return rc;
    if ((rc = lockout_unlock(r->db, login, org, r->auth.account_id, e)) < 0 ||
        (rc = db_commit(r->db, e)) < 0) {
        db_rollback(r->db);
        return rc;
    }
    return req_reply_json(r, 200, json_pack("{s:s, s:b}", "login", login, "unlocked", 1));
}
