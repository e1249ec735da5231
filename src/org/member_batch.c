/* Members created many at once (member_create_batch in member.h): every check of
 * member_create, each read made for a hundred members at a time, then the rows written in bulk.
 * One by one, a member costs three reads that wait for the server (the organization's kind,
 * the ID card check, the insert's new id); on PostgreSQL each is a round trip, 30,000 of them
 * for a company of 10,000 members. */
#include "org/member.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "org/audit.h"
#include "org/member_pii.h"
#include "org/scope.h"
#include "base/banned.h"

#define CHUNK 100 /* keys in one IN (...) list */

struct org_row {
    long long id, tenant;
    char kind[16];
    char path[ORG_PATH_MAX];
    bool found;
};

static int by_id(const void *a, const void *b)
{
    const struct org_row *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static struct org_row *org_find(struct org_row *o, size_t n, long long id)
{
    struct org_row key = {.id = id};
    return bsearch(&key, o, n, sizeof(*o), by_id);
}

/* The members' organizations (distinct, sorted by id) read a hundred at a time. */
static int read_orgs(struct db *db, const struct member_in *m, size_t n, struct org_row **ret,
                     size_t *ret_n, struct errbuf *e)
{
    struct org_row *o = calloc(n ? n : 1, sizeof(*o));
    char *sql = db_sql_in("SELECT id, kind, path, tenant_id FROM orgs WHERE id", 1, CHUNK, "");
    size_t no = 0;
    int rc = 0;
    if (!o || !sql) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < n; k++)
        o[k].id = m[k].org_id;
    qsort(o, n, sizeof(*o), by_id);
    for (size_t k = 0; k < n; k++)
        if (no == 0 || o[no - 1].id != o[k].id)
            o[no++] = o[k];
    for (size_t i = 0; i < no && rc >= 0; i += CHUNK) {
        struct db_stmt *st;
        if ((rc = db_prepare(db, sql, &st, e)) < 0)
            break;
        for (size_t j = 0; j < CHUNK; j++)
            db_bind_int(st, (int)j + 1, o[i + j < no ? i + j : no - 1].id);
        while ((rc = db_step(st, e)) == 1) {
            struct org_row *r = org_find(o, no, db_col_int(st, 0));
            if (!r)
                continue;
            r->found = true;
            snprintf(r->kind, sizeof(r->kind), "%s", db_col_text(st, 1));
            snprintf(r->path, sizeof(r->path), "%s", db_col_text(st, 2));
            r->tenant = db_col_int(st, 3);
        }
        db_done(st);
    }
out:
    free(sql);
    if (rc < 0) {
        free(o);
        return rc;
    }
    *ret = o;
    *ret_n = no;
    return 0;
}

struct emp_at {
    const char *emp_no;
    size_t at;
};

static int by_emp(const void *a, const void *b)
{
    const struct emp_at *x = a, *y = b;
    int c = strcmp(x->emp_no, y->emp_no);
    return c ? c : x->at < y->at ? -1 : x->at > y->at;
}

/* An employee number the list holds twice or another member has: the first such member's
 * index in *ret_at and -ERR_CONFLICT; 0 when all are new. */
static int check_emp_nos(struct db *db, const struct member_in *m, size_t n, size_t *ret_at,
                         struct errbuf *e)
{
    struct emp_at *s = malloc((n ? n : 1) * sizeof(*s));
    char *sql = db_sql_in("SELECT emp_no FROM members WHERE emp_no", 1, CHUNK, "");
    size_t first = SIZE_MAX;
    int rc = 0;
    if (!s || !sql) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < n; k++)
        s[k] = (struct emp_at){m[k].emp_no, k};
    qsort(s, n, sizeof(*s), by_emp);
    for (size_t k = 1; k < n; k++)
        if (strcmp(s[k].emp_no, s[k - 1].emp_no) == 0 && s[k].at < first)
            first = s[k].at;
    for (size_t i = 0; i < n && rc >= 0; i += CHUNK) {
        struct db_stmt *st;
        if ((rc = db_prepare(db, sql, &st, e)) < 0)
            break;
        for (size_t j = 0; j < CHUNK; j++)
            db_bind_text(st, (int)j + 1, s[i + j < n ? i + j : n - 1].emp_no);
        while ((rc = db_step(st, e)) == 1) {
            /* the first of the list with this number: s is sorted by number, then index */
            const char *taken = db_col_text(st, 0);
            size_t lo = 0, hi = n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(s[mid].emp_no, taken) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < n && strcmp(s[lo].emp_no, taken) == 0 && s[lo].at < first)
                first = s[lo].at;
        }
        db_done(st);
    }
out:
    free(sql);
    free(s);
    if (rc < 0 || first == SIZE_MAX)
        return rc < 0 ? rc : 0;
    *ret_at = first;
    return member_emp_taken(m[first].emp_no, e);
}

/* Every check before anything is written: fields, organizations, employee and ID card
 * numbers. On an error, *ret_at is the member it concerns. */
static int check_all(struct db *db, const struct member_in *in, struct member_in *m, size_t n,
                     struct org_row **ret_o, size_t *ret_no, size_t *ret_at, struct errbuf *e)
{
    const char **cards;
    int rc;
    for (size_t k = 0; k < n; k++)
        if ((rc = member_validate(&in[k], true, &m[k], e)) < 0) {
            *ret_at = k;
            return rc;
        }
    if ((rc = read_orgs(db, m, n, ret_o, ret_no, e)) < 0)
        return rc;
    for (size_t k = 0; k < n; k++) {
        struct org_row *o = org_find(*ret_o, *ret_no, m[k].org_id);
        if ((rc = member_org_fits(m[k].org_id, o && o->found ? o->kind : NULL, e)) < 0) {
            *ret_at = k;
            return rc;
        }
    }
    if ((rc = check_emp_nos(db, m, n, ret_at, e)) < 0)
        return rc;
    if (!(cards = malloc((n ? n : 1) * sizeof(*cards))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        cards[k] = m[k].id_card;
    rc = member_pii_unique_many(db, cards, n, ret_at, e);
    free(cards);
    return rc;
}

/* The rows: members, their month history, one audit row each. */
static int write_all(struct db *db, const struct member_in *m, size_t n, struct org_row *o,
                     size_t no, int month, long long actor, const long long *ids,
                     struct errbuf *e)
{
    struct db_bulk *bm = NULL, *bh = NULL;
    long long now = (long long)time(NULL);
    int rc;
    if ((rc = db_bulk_open(db, "members",
                           "id, org_id, org_path, emp_no, name, gender, birth_date, joined_date,"
                           " party_status, category, position, phone, id_card, status,"
                           " created_at, updated_at, phone_hash, id_card_hash, tenant_id",
                           NULL, &bm, e)) < 0)
        return rc;
    for (size_t k = 0; k < n && rc >= 0; k++) {
        const struct member_in *x = &m[k];
        const struct org_row *r = org_find(o, no, x->org_id);
        struct member_pii pii;
        if ((rc = member_pii_seal(x->phone, x->id_card, &pii, e)) < 0)
            break;
        rc = db_bulk_row(bm, e, "iittttttttttttiitti", ids[k], x->org_id, r->path, x->emp_no,
                         x->name, x->gender ? x->gender : "",
                         x->birth_date && *x->birth_date ? x->birth_date : NULL,
                         x->joined_date && *x->joined_date ? x->joined_date : NULL,
                         x->party_status ? x->party_status : "full",
                         x->category ? x->category : "in_service", x->position ? x->position : "",
                         pii.phone, pii.id_card, x->status ? x->status : "active", now, now,
                         pii.phone_hash, pii.id_card_hash, r->tenant);
    }
    if ((rc = db_bulk_end(bm, rc, e)) < 0 ||
        (rc = db_bulk_open(db, "member_orgs", "member_id, org_id, from_month, tenant_id", NULL,
                           &bh, e)) < 0)
        return rc;
    for (size_t k = 0; k < n && rc >= 0; k++)
        rc = db_bulk_row(bh, e, "iiii", ids[k], m[k].org_id, (long long)month,
                         org_find(o, no, m[k].org_id)->tenant);
    if ((rc = db_bulk_end(bh, rc, e)) < 0 ||
        (rc = member_touch(db, e)) < 0)
        return rc;
    audit_rows_begin();
    for (size_t k = 0; k < n && rc >= 0; k++) {
        json_t *d = json_pack("{s:s, s:s, s:I}", "emp_no", m[k].emp_no, "name", m[k].name,
                              "org_id", (json_int_t)m[k].org_id);
        rc = audit_log(db, actor, m[k].org_id, "create", "member", ids[k], d, e);
        json_decref(d);
    }
    rc = audit_rows_end(db, rc, e);
    return rc < 0 ? rc : 0;
}

int member_create_batch(struct db *db, const struct member_in *in, size_t n, int month,
                        long long actor, long long *ids, struct errbuf *e)
{
    struct member_in *m;
    struct org_row *o = NULL;
    size_t no = 0, at = SIZE_MAX;
    int rc;
    if (n == 0)
        return 0;
    if (!(m = calloc(n, sizeof(*m))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    /* the look-ups planned for the table as it is now, not as it was when first asked */
    if ((rc = db_plan_each(db, true, e)) < 0) {
        free(m);
        return rc;
    }
    if ((rc = check_all(db, in, m, n, &o, &no, &at, e)) < 0) {
        if (at != SIZE_MAX)
            errbuf_prefix(e, "member %zu ('%s')", at, in[at].emp_no ? in[at].emp_no : "");
    } else if ((rc = db_reserve_ids(db, "members", n, ids, e)) >= 0) {
        rc = write_all(db, m, n, o, no, month, actor, ids, e);
    }
    if (rc >= 0)
        rc = db_plan_each(db, false, e);
    free(o);
    free(m);
    return rc < 0 ? rc : 0;
}
