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
int api_member_create(struct req *r, struct errbuf *e);
int api_member_update(struct req *r, struct errbuf *e);
int api_import_orgs(struct req *r, struct errbuf *e);
int api_import_members(struct req *r, struct errbuf *e);

#endif
