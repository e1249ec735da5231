/* Members of a batch of events read at once: before a batch is resolved event by event, the
 * employee numbers and member ids it names that the members cache does not hold yet are read
 * a hundred at a time (on PostgreSQL each look-up alone is a round trip; a batch from a
 * business system names thousands of members), and put in the cache, "no such member"
 * included, so that resolving finds every one there. */
#include "ingest/prefetch.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "ingest/refs.h"
#include "base/banned.h"

#define CHUNK 100 /* keys in one IN (...) list; short chunks padded with the last key */

/* The cache key of an employee number or a member id (as find_member makes them). */
void ingest_ref_key(char *buf, size_t n, const char *emp_no, long long member_id)
{
    if (emp_no)
        snprintf(buf, n, "e%s", emp_no);
    else
        snprintf(buf, n, "#%lld", member_id);
}

static char *chunk_sql(bool by_emp_no)
{
#define HEAD                                                                                       \
    "SELECT m.emp_no, m.id, m.org_id, (SELECT MAX(from_month) FROM member_orgs mo"                 \
    " WHERE mo.member_id = m.id AND mo.tenant_id = m.tenant_id) FROM members m WHERE "
    return db_sql_in(by_emp_no ? HEAD "m.emp_no" : HEAD "m.id", 1, CHUNK, "");
#undef HEAD
}

/* Read one chunk of keys (events' indexes in idx) and cache what came back; then the keys
 * that did not come back as "no such member". */
static int read_chunk(struct db *db, struct ingest_refs *refs, const char *sql, bool by_emp_no,
                      const struct event_in *ev, const size_t *idx, size_t n, struct errbuf *e)
{
    struct db_stmt *st;
    char key[48];
    int rc;
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        return rc;
    for (size_t i = 0; i < CHUNK; i++) {
        const struct event_in *x = &ev[idx[i < n ? i : n - 1]];
        if (by_emp_no)
            db_bind_text(st, (int)i + 1, x->emp_no);
        else
            db_bind_int(st, (int)i + 1, x->member_id);
    }
    while ((rc = db_step(st, e)) == 1) {
        struct member_ref ref = {db_col_int(st, 1), db_col_int(st, 2), (int)db_col_int(st, 3)};
        ingest_ref_key(key, sizeof(key), by_emp_no ? db_col_text(st, 0) : NULL, ref.id);
        if ((rc = refs_member_put(refs, key, &ref, e)) < 0)
            break;
    }
    db_done(st);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        const struct event_in *x = &ev[idx[i]];
        struct member_ref none = {0, 0, 0};
        ingest_ref_key(key, sizeof(key), by_emp_no ? x->emp_no : NULL, x->member_id);
        if (!refs_member_get(refs, key))
            rc = refs_member_put(refs, key, &none, e);
    }
    return rc < 0 ? rc : 0;
}

int ingest_prefetch_members(struct db *db, struct ingest_refs *refs, const struct event_in *ev,
                            size_t n, struct errbuf *e)
{
    size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
    json_t *seen = json_object();
    int rc = 0;
    if (!idx || !seen)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (int by_emp_no = 1; rc >= 0 && by_emp_no >= 0; by_emp_no--) {
        char key[48], *sql = NULL;
        size_t m = 0;
        /* the keys of this kind the cache does not hold, each once */
        for (size_t i = 0; i < n; i++) {
            const struct event_in *x = &ev[i];
            bool has_emp = x->emp_no && *x->emp_no;
            if (by_emp_no ? !has_emp || strlen(x->emp_no) > 32 : has_emp || x->member_id <= 0)
                continue; /* another kind, or too long to be an employee number */
            ingest_ref_key(key, sizeof(key), by_emp_no ? x->emp_no : NULL, x->member_id);
            if (refs_member_get(refs, key) || json_object_get(seen, key))
                continue;
            json_object_set_new(seen, key, json_true());
            idx[m++] = i;
        }
        if (m && !(sql = chunk_sql(by_emp_no)))
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        for (size_t j = 0; rc >= 0 && j < m; j += CHUNK)
            rc = read_chunk(db, refs, sql, by_emp_no, ev, idx + j, m - j < CHUNK ? m - j : CHUNK,
                            e);
        free(sql);
    }
    json_decref(seen);
    free(idx);
    return rc;
}
