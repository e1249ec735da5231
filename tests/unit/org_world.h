/* What the organization tests share (test_org.c, test_member.c, test_account.c): a fresh
 * SQLite database per test, the tree and member helpers. Ids in a fresh database start at 1,
 * so the expected paths ('/1/2/3/') follow from the order of creation. */
#ifndef ORG_WORLD_H
#define ORG_WORLD_H

#include "unit.h"
#include "tmpdb.h"

#include <jansson.h>
#include <unistd.h>

#include "base/pii.h"
#include "base/month.h"
#include "base/secret.h"
#include "db/db.h"
#include "org/account.h"
#include "org/audit.h"
#include "org/member.h"
#include "org/org.h"
#include "org/scope.h"

/* A valid resident id-card number: the weighted sum of its first 17 digits is 167, and
 * 167 mod 11 = 2 selects 'X' from "10X98765432"; born 1949-12-31. */
#define IDCARD "11010519491231002X"

struct fix {
    char dir[256];
    char path[300];
    struct db *db;
};

static inline int group_setup(void **state)
{
    (void)state;
    return secret_init();
}

static inline int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    UNIT_TMPDB_OPEN(f, "org", true);
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    struct fix *f = *state;
    if (!f)
        return 0;
    UNIT_TMPDB_REMOVE(f);
    free(f);
    return 0;
}

static inline long long count(struct db *db, const char *sql)
{
    return unit_count(db, sql);
}

static inline long long count_i(struct db *db, const char *sql, long long a)
{
    struct errbuf e = ERRBUF_INIT;
    long long n = -1;
    if (db_query_int(db, &e, &n, sql, "i", a) < 0)
        fail_msg("%s: %s", sql, e.msg);
    return n;
}

/* Column 0 of the first row for one integer parameter, as text (static, overwritten). */
static inline const char *text_i(struct db *db, const char *sql, long long a)
{
    static char out[1024];
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    int rc;
    if (db_prepare(db, sql, &st, &e) < 0)
        fail_msg("%s: %s", sql, e.msg);
    db_bind_int(st, 1, a);
    rc = db_step(st, &e);
    snprintf(out, sizeof(out), "%s", rc == 1 ? db_col_text(st, 0) : "<no row>");
    db_done(st);
    if (rc < 0)
        fail_msg("%s: %s", sql, e.msg);
    return out;
}

static inline int org_try(struct db *db, const char *code, const char *kind, long long parent,
                   long long *ret, struct errbuf *e)
{
    struct org_in o = {code, code, kind, parent, 0};
    long long id = 0;
    int rc = org_create(db, &o, 0, &id, e);
    if (ret)
        *ret = id;
    return rc;
}

static inline long long org(struct db *db, const char *code, const char *kind, long long parent)
{
    struct errbuf e = ERRBUF_INIT;
    long long id = 0;
    if (org_try(db, code, kind, parent, &id, &e) < 0)
        fail_msg("org_create %s: %s", code, e.msg);
    return id;
}

static inline const char *path_of(struct db *db, long long id)
{
    return text_i(db, "SELECT path FROM orgs WHERE id = $1", id);
}

static inline long long depth_of(struct db *db, long long id)
{
    return count_i(db, "SELECT depth FROM orgs WHERE id = $1", id);
}

static inline const char *member_path_of(struct db *db, long long id)
{
    return text_i(db, "SELECT org_path FROM members WHERE id = $1", id);
}

static inline struct member_in person(const char *emp_no, const char *name, long long org_id)
{
    struct member_in m;
    memset(&m, 0, sizeof(m));
    m.emp_no = emp_no;
    m.name = name;
    m.org_id = org_id;
    return m;
}

static inline long long member(struct db *db, const char *emp_no, const char *name, long long org_id,
                        int month)
{
    struct member_in m = person(emp_no, name, org_id);
    struct errbuf e = ERRBUF_INIT;
    long long id = 0;
    if (member_create(db, &m, month, 0, &id, &e) < 0)
        fail_msg("member_create %s: %s", emp_no, e.msg);
    return id;
}

static inline void move_member(struct db *db, long long id, long long org_id, int month)
{
    struct member_in m;
    struct errbuf e = ERRBUF_INIT;
    memset(&m, 0, sizeof(m));
    m.org_id = org_id;
    if (member_update(db, id, &m, month, 0, &e) < 0)
        fail_msg("member_update %lld: %s", id, e.msg);
}

/* member_list remembers totals per thread keyed by the 'members' data version and the
 * query, not by database: each test that lists members starts its fresh database at a
 * version no other test uses, so an earlier test's totals cannot answer for it. */
static inline void own_members_version(struct db *db, long long v)
{
    struct errbuf e = ERRBUF_INIT;
    if (db_run(db, &e, "UPDATE data_versions SET version = $1 WHERE topic = 'members'", "i", v) < 0)
        fail_msg("%s", e.msg);
}

static inline void date_offset(int days, char *out, size_t n)
{
    date_format(date_from_days(date_to_days(date_today()) + days), out, n);
}

#endif
