/* The audit log: who changed what and when. Written in the same transaction as the change. */
#ifndef ORG_AUDIT_H
#define ORG_AUDIT_H

#include <jansson.h>

#include "base/err.h"

struct db;

/* Record action ("create", "update", "delete", "move", ...) on entity/entity_id by account_id
 * (0 = the command line). detail may be NULL; it is not consumed. */
int audit_log(struct db *db, long long account_id, long long org_id, const char *action,
              const char *entity, long long entity_id, const json_t *detail, struct errbuf *e);

#endif
