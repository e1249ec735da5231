/* The fixture of the ingest tests (test_ingest.c, test_ingest_keys.c): a migrated SQLite file
 * per test with a source "hr", a committee R with branches B1 and B2 and a member E1 in B1
 * since 2024-01, and readers of the events stored. */
#ifndef TEST_INGEST_FIXTURE_H
#define TEST_INGEST_FIXTURE_H

#include "unit.h"
#include "tmpdb.h"

#include <stdint.h>
#include <unistd.h>

#include "base/month.h"
#include "base/secret.h"
#include "db/db.h"
#include "ingest/event.h"
#include "ingest/source.h"
#include "org/member.h"
#include "org/org.h"

#define HR_KEY "hr-key-0123456789abcdef"

struct fix {
    char dir[256];
    char path[300];
    struct db *db;
    long long src;       /* source "hr" */
    long long r, b1, b2; /* committee R (1) with branches B1 (2) and B2 (3) */
    long long m1;        /* E1 in B1 since 2024-01 */
};

static inline int group_setup(void **state)
{
    (void)state;
    return secret_init();
}

static inline long long make_org(struct db *db, const char *code, const char *kind, long long parent)
{
    struct org_in o = {code, code, kind, parent, 0};
    struct errbuf e = ERRBUF_INIT;
    long long id = 0;
    if (org_create(db, &o, 0, &id, &e) < 0)
        fail_msg("org_create %s: %s", code, e.msg);
    return id;
}

static inline long long make_member(struct db *db, const char *emp_no, long long org_id, int month)
{
    struct member_in m;
    struct errbuf e = ERRBUF_INIT;
    long long id = 0;
    memset(&m, 0, sizeof(m));
    m.emp_no = emp_no;
    m.name = emp_no;
    m.org_id = org_id;
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
        fail_msg("member_update: %s", e.msg);
}

static inline int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    struct errbuf e = ERRBUF_INIT;
    assert_non_null(f);
    UNIT_TMPDB_OPEN(f, "ingest", true);
    if (source_add_with_key(f->db, "hr", "人事系统", HR_KEY, &f->src, &e) < 0)
        fail_msg("source: %s", e.msg);
    f->r = make_org(f->db, "R", "committee", 0);
    f->b1 = make_org(f->db, "B1", "branch", f->r);
    f->b2 = make_org(f->db, "B2", "branch", f->r);
    f->m1 = make_member(f->db, "E1", f->b1, 202401);
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

/* Integer column `col` (a fixed SQL expression) of the event stored for (source, key);
 * -1 when there is none. */
static inline long long event_col(struct db *db, long long source_id, const char *key, const char *sql)
{
    struct errbuf e = ERRBUF_INIT;
    long long v = -1;
    int rc = db_query_int(db, &e, &v, sql, "it", source_id, key);
    if (rc < 0)
        fail_msg("%s: %s", sql, e.msg);
    return rc == 1 ? v : -1;
}

static inline long long event_org(struct db *db, long long source_id, const char *key)
{
    return event_col(db, source_id, key,
                     "SELECT org_id FROM events WHERE source_id = $1 AND key = $2");
}

static inline long long event_member(struct db *db, long long source_id, const char *key)
{
    return event_col(db, source_id, key,
                     "SELECT COALESCE(member_id, 0) FROM events WHERE source_id = $1 AND key = $2");
}

static inline long long indicator_id(struct db *db, const char *code)
{
    struct errbuf e = ERRBUF_INIT;
    long long id = -1;
    if (db_query_int(db, &e, &id, "SELECT id FROM indicators WHERE code = $1", "t", code) != 1)
        fail_msg("indicator %s: %s", code, e.msg);
    return id;
}

static inline struct event_in mev(const char *key, const char *emp_no, int day)
{
    struct event_in ev;
    memset(&ev, 0, sizeof(ev));
    ev.key = key;
    ev.emp_no = emp_no;
    ev.indicator = "study.hours";
    ev.day = day;
    ev.value = 1;
    return ev;
}

static inline struct event_in oev(const char *key, const char *org_code, int day)
{
    struct event_in ev;
    memset(&ev, 0, sizeof(ev));
    ev.key = key;
    ev.org_code = org_code;
    ev.indicator = "org.congress";
    ev.day = day;
    ev.value = 1;
    return ev;
}

/* ingest_batch into res; the return value is checked by the caller. */
static inline int batch(struct db *db, long long source_id, const struct event_in *ev, size_t n,
                 unsigned flags, struct ingest_result *res, struct errbuf *e)
{
    errbuf_clear(e);
    return ingest_batch(db, source_id, ev, n, flags, res, e);
}

/* A batch that must succeed; returns accepted * 1000 + duplicate for short asserts. */
static inline long long ok_batch(struct db *db, long long source_id, const struct event_in *ev, size_t n,
                          unsigned flags)
{
    static struct ingest_result res;
    struct errbuf e = ERRBUF_INIT;
    if (batch(db, source_id, ev, n, flags, &res, &e) != 0)
        fail_msg("ingest_batch: %s", e.msg);
    assert_int_equal(res.rejected, 0);
    assert_int_equal(res.accepted + res.duplicate, n);
    return (long long)res.accepted * 1000 + (long long)res.duplicate;
}

#define ACC_DUP(a, d) ((long long)(a)*1000 + (d))

#endif
