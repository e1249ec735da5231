#include "org/audit.h"

#include <stdlib.h>
#include <time.h>

#include "db/db.h"
#include "base/banned.h"

int audit_log(struct db *db, long long account_id, long long org_id, const char *action,
              const char *entity, long long entity_id, const json_t *detail, struct errbuf *e)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    int rc = db_run(db, e,
                    "INSERT INTO audit(at, account_id, org_id, action, entity, entity_id, detail)"
                    " VALUES($1, $2, $3, $4, $5, $6, $7)",
                    "iIIttIt", (long long)time(NULL), account_id, org_id, action, entity,
                    entity_id, text);
    free(text);
    return rc < 0 ? rc : 0;
}
