/* The organization tree: committees, general branches, branches and party groups, each with
 * a materialized path ('/1/7/42/') so a subtree is one indexed range query. */
#ifndef ORG_ORG_H
#define ORG_ORG_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;

struct org_in {
    const char *code;
    const char *name;
    const char *kind; /* committee, general_branch, branch, group, or 党委/党总支/党支部/党小组 */
    long long parent_id;
    long long secretary_id; /* member id; 0 = none */
};

/* Canonical kind for an English or Chinese name, or NULL. */
const char *org_kind_parse(const char *s);
const char *org_kind_label(const char *kind);

int org_create(struct db *db, const struct org_in *o, long long actor, long long *ret_id,
               struct errbuf *e);
/* org_create for a tenant root (a provincial company, docs/SCALE.md "Tenants"): under a
 * parent it starts a new tenant, which its subtree's rows then carry. */
int org_create_tenant(struct db *db, const struct org_in *o, long long actor, long long *ret_id,
                      struct errbuf *e);
/* Change name, kind and/or secretary (NULL / -1 leave a field unchanged; secretary 0 clears). */
int org_update(struct db *db, long long id, const char *name, const char *kind,
               long long secretary_id, long long actor, struct errbuf *e);
/* Move id and its subtree under new_parent, keeping every path right. */
int org_move(struct db *db, long long id, long long new_parent, long long actor,
             struct errbuf *e);
int org_get(struct db *db, long long id, json_t **ret, struct errbuf *e);
int org_find_code(struct db *db, const char *code, long long *ret_id, struct errbuf *e);
/* The same for the command line: NULL, "" or "ROOT" name the root of the tree. */
int org_find_code_or_root(struct db *db, const char *code, long long *ret_id, struct errbuf *e);
int org_path(struct db *db, long long id, char *out, size_t n, struct errbuf *e);
/* Flat list of the subtree under path (ordered by path), with member counts. */
int org_subtree(struct db *db, const char *path, json_t **ret, struct errbuf *e);
/* The subtree as nested {..., children: [...]} objects. */
int org_tree(struct db *db, const char *path, json_t **ret, struct errbuf *e);

#endif
