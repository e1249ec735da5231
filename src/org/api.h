/* HTTP handlers for organizations and members. */
#ifndef ORG_API_H
#define ORG_API_H

#include "http/req.h"

int api_org_tree(struct req *r, struct errbuf *e);
int api_org_get(struct req *r, struct errbuf *e);
int api_org_subtree(struct req *r, struct errbuf *e);
int api_org_create(struct req *r, struct errbuf *e);
int api_org_update(struct req *r, struct errbuf *e);
int api_org_move(struct req *r, struct errbuf *e);
int api_member_list(struct req *r, struct errbuf *e);
int api_member_get(struct req *r, struct errbuf *e);
int api_member_personal(struct req *r, struct errbuf *e);
int api_member_create(struct req *r, struct errbuf *e);
int api_member_update(struct req *r, struct errbuf *e);
int api_import_orgs(struct req *r, struct errbuf *e);
int api_import_members(struct req *r, struct errbuf *e);
int api_account_unlock(struct req *r, struct errbuf *e);
int api_audit(struct req *r, struct errbuf *e);

struct csv_table;
struct import_report;
/* POST /api/v1/import/{kind} for any kind: ?dry_run=true previews, ?from=YYYYMM only where
 * takes_from; apply() imports the body's table with the caller as scope; the reply is the
 * counts, or 400 with every bad row in the details. */
int api_import_run(struct req *r, const char *kind, bool takes_from,
                   int (*apply)(struct req *r, struct csv_table *t, bool dry_run, int from_month,
                                struct import_report *rep, struct errbuf *e),
                   struct errbuf *e);

#endif
