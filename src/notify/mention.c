/* The mobiles of the people a notice is for, to @-mention them: the recipients' accounts
 * (by login, as the notice payload names them) to their members' sealed phones, opened here
 * and only for the robot's message body; the generic JSON never carries them. */
#include <sodium.h>
#include <string.h>

#include "db/db.h"
#include "notify/notify.h"
#include "org/member_pii.h"
#include "base/banned.h"

int notify_mobiles(struct db *db, const json_t *payload, json_t **ret, struct errbuf *e)
{
    const json_t *people = json_object_get(payload, "recipients");
    json_t *out = json_array();
    struct db_stmt *st;
    int rc = 0;
    for (size_t i = 0; i < json_array_size(people) && rc >= 0; i++) {
        const char *login = json_string_value(json_object_get(json_array_get(people, i), "login"));
        char phone[80] = "";
        if (!login)
            continue;
        if ((rc = db_prepare(db,
                             "SELECT m.phone FROM accounts a JOIN members m ON m.id = a.member_id AND m.tenant_id = a.tenant_id"
                             " WHERE a.login = $1",
                             &st, e)) < 0)
            break;
        db_bind_text(st, 1, login);
        if ((rc = db_step(st, e)) == 1 && *db_col_text(st, 0))
            rc = member_pii_show("phone", db_col_text(st, 0), false, phone, sizeof(phone), e);
        db_done(st);
        if (rc >= 0 && phone[0])
            json_array_append_new(out, json_string(phone));
        sodium_memzero(phone, sizeof(phone));
    }
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    *ret = out;
    return 0;
}
