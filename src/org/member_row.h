/* What member.c and member_list.c share: the columns of a member's row and its JSON. */
#ifndef ORG_MEMBER_ROW_H
#define ORG_MEMBER_ROW_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db_stmt;

/* The columns member_row_json reads, of members m joined with their organization o. */
#define MEMBER_COLS                                                                                \
    "m.id, m.emp_no, m.name, m.gender, m.birth_date, m.joined_date, m.party_status, m.category,"  \
    " m.position, m.phone, m.id_card, m.status, m.org_id, o.code, o.name, o.path"

/* One row of MEMBER_COLS as JSON: NULL when its personal data does not open (e says why). */
json_t *member_row_json(struct db_stmt *st, bool mask, struct errbuf *e);
/* A member status by its value or its Chinese label(s): *ret the value, or a clear error on
 * field 'status'. */
int member_status_choose(const char *s, const char **ret, struct errbuf *e);

#endif
