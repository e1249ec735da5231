#include "org/member_pii.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/parse.h"
#include "db/db.h"
#include "base/banned.h"

/* The ID card's check letter is stored upper case, so one number has one hash. */
static void normalize(const char *column, const char *plain, char *out, size_t n)
{
    snprintf(out, n, "%s", plain ? plain : "");
    if (strcmp(column, "id_card") == 0)
        for (char *p = out; *p; p++)
            *p = (char)toupper((unsigned char)*p);
}

static int seal_one(const char *column, const char *plain, char *sealed, char *hash,
                    struct errbuf *e)
{
    char v[80];
    int rc;
    normalize(column, plain, v, sizeof(v));
    if ((rc = pii_seal(column, v, sealed, e)) == 0)
        rc = pii_hash(column, v, hash, e);
    return rc;
}

int member_pii_seal(const char *phone, const char *id_card, struct member_pii *out,
                    struct errbuf *e)
{
    int rc = seal_one("phone", phone, out->phone, out->phone_hash, e);
    return rc < 0 ? rc : seal_one("id_card", id_card, out->id_card, out->id_card_hash, e);
}

int member_pii_show(const char *column, const char *stored, bool mask, char *out, size_t n,
                    struct errbuf *e)
{
    char plain[80];
    int rc = pii_open(column, stored, plain, sizeof(plain), e);
    if (rc < 0)
        return rc;
    if (!mask)
        snprintf(out, n, "%s", plain);
    else if (strcmp(column, "phone") == 0)
        mask_phone(plain, out, n);
    else
        mask_idcard(plain, out, n);
    return 0;
}

/* The member whose `column` hash is one of the plain value's hashes under the ring's keys,
 * other than `except`; emp_no (64 bytes) of it when asked. */
static int find(struct db *db, const char *column, const char *plain, long long except,
                long long *ret_id, char *emp_no, struct errbuf *e)
{
    char v[80], hashes[PII_MAX_KEYS][PII_HASH_LEN], sql[512];
    struct db_stmt *st;
    int n, rc, at;
    *ret_id = 0;
    normalize(column, plain, v, sizeof(v));
    if (!*v)
        return 0;
    if ((n = pii_hash_all(column, v, hashes, PII_MAX_KEYS, e)) < 0)
        return n;
    /* the SQL is built from constants only: the column is one of two names, then $2..$n+1 */
    at = snprintf(sql, sizeof(sql), "SELECT id, emp_no FROM members WHERE id <> $1 AND %s IN (",
                  strcmp(column, "phone") == 0 ? "phone_hash" : "id_card_hash");
    for (int i = 0; i < n; i++)
        at += snprintf(sql + at, sizeof(sql) - (size_t)at, "%s$%d", i ? ", " : "", i + 2);
    snprintf(sql + at, sizeof(sql) - (size_t)at, ") ORDER BY id LIMIT 1");
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, except);
    for (int i = 0; i < n; i++)
        db_bind_text(st, i + 2, hashes[i]);
    if ((rc = db_step(st, e)) == 1) {
        *ret_id = db_col_int(st, 0);
        if (emp_no)
            snprintf(emp_no, 64, "%s", db_col_text(st, 1));
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int member_pii_unique(struct db *db, const char *id_card, long long except, struct errbuf *e)
{
    long long other = 0;
    char emp_no[64] = "";
    int rc = find(db, "id_card", id_card, except, &other, emp_no, e);
    if (rc < 0 || !other)
        return rc;
    /* the number itself is not repeated in the message: it is what we protect */
    return errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "id_card", NULL,
                        "id_card: member '%s' already has this ID card number", emp_no);
}

#define MANY_CHUNK 100 /* hashes in one IN (...) list */

struct hashed {
    char hash[PII_HASH_LEN];
    size_t at; /* the number's index */
};

static int by_hash(const void *a, const void *b)
{
    const struct hashed *x = a, *y = b;
    int c = strcmp(x->hash, y->hash);
    return c ? c : x->at < y->at ? -1 : x->at > y->at;
}

/* Whether any stored member's ID card hash is one of h[0..n) (padded with the last): the first
 * such hash's index in h and the member's emp_no (64 bytes). */
static int many_chunk(struct db *db, const char *sql, const struct hashed *h, size_t n,
                      size_t *ret_hit, char *emp_no, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    *ret_hit = SIZE_MAX;
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        return rc;
    for (size_t i = 0; i < MANY_CHUNK; i++)
        db_bind_text(st, (int)i + 1, h[i < n ? i : n - 1].hash);
    while ((rc = db_step(st, e)) == 1)
        for (size_t i = 0; i < n; i++)
            if (strcmp(h[i].hash, db_col_text(st, 0)) == 0 && (*ret_hit == SIZE_MAX || h[i].at < h[*ret_hit].at)) {
                *ret_hit = i;
                snprintf(emp_no, 64, "%s", db_col_text(st, 1));
            }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int member_pii_unique_many(struct db *db, const char *const *id_cards, size_t n, size_t *ret_at,
                           struct errbuf *e)
{
    char v[80], hashes[PII_MAX_KEYS][PII_HASH_LEN], emp_no[64] = "", *sql = NULL;
    struct hashed *h = NULL;
    size_t nh = 0, first = SIZE_MAX, twin = 0, hit;
    int rc = 0, nk;
    for (size_t k = 0; k < n && rc >= 0; k++) {
        normalize("id_card", id_cards[k], v, sizeof(v));
        if (!*v)
            continue;
        if ((rc = nk = pii_hash_all("id_card", v, hashes, PII_MAX_KEYS, e)) < 0)
            break;
        struct hashed *g = realloc(h, (nh + (size_t)nk) * sizeof(*h));
        if (!g) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            break;
        }
        h = g;
        for (int i = 0; i < nk; i++, nh++) {
            memcpy(h[nh].hash, hashes[i], PII_HASH_LEN);
            h[nh].at = k;
        }
    }
    if (rc >= 0 && nh) {
        /* the same number twice in the list: the later one is the error */
        qsort(h, nh, sizeof(*h), by_hash);
        for (size_t i = 1; i < nh; i++)
            if (strcmp(h[i].hash, h[i - 1].hash) == 0 && h[i].at != h[i - 1].at &&
                h[i].at < first) {
                first = h[i].at;
                twin = h[i - 1].at;
            }
        if (!(sql = db_sql_in("SELECT id_card_hash, emp_no FROM members WHERE id_card_hash", 1,
                              MANY_CHUNK, "")))
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        for (size_t i = 0; rc >= 0 && i < nh; i += MANY_CHUNK) {
            size_t c = nh - i < MANY_CHUNK ? nh - i : MANY_CHUNK;
            char who[64];
            if ((rc = many_chunk(db, sql, h + i, c, &hit, who, e)) >= 0 && hit != SIZE_MAX &&
                h[i + hit].at <= first) {
                first = h[i + hit].at;
                twin = SIZE_MAX;
                memcpy(emp_no, who, sizeof(emp_no));
            }
        }
    }
    free(sql);
    free(h);
    if (rc < 0 || first == SIZE_MAX)
        return rc < 0 ? rc : 0;
    *ret_at = first;
    /* the number itself is not repeated in the message: it is what we protect */
    if (twin != SIZE_MAX)
        return errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "id_card", NULL,
                            "id_card: the same ID card number as member %zu of the list", twin);
    return errbuf_field(e, -ERR_CONFLICT, R_DUPLICATE, "id_card", NULL,
                        "id_card: member '%s' already has this ID card number", emp_no);
}

int member_pii_find(struct db *db, const char *column, const char *plain, long long *ret_id,
                    struct errbuf *e)
{
    return find(db, column, plain, 0, ret_id, NULL, e);
}

/* The ring's sealing key's id. */
static int sealing_key(char id[PII_KEY_ID_LEN], struct errbuf *e)
{
    struct pii_key_info keys[PII_MAX_KEYS];
    int n = pii_keys(keys, PII_MAX_KEYS, e);
    if (n <= 0)
        return n < 0 ? n : errbuf_set(e, -ERR_INTERNAL, "the key ring holds no key");
    memcpy(id, keys[n - 1].id, PII_KEY_ID_LEN);
    return 0;
}

int member_pii_attach(struct db *db, bool create, struct errbuf *e)
{
    struct pii_key_info keys[PII_MAX_KEYS];
    struct db_stmt *st;
    long long registered = 0;
    int rc, n;
    if ((rc = db_query_int(db, e, &registered, "SELECT COUNT(*) FROM pii_keys", "")) < 0 ||
        (rc = pii_load(create && registered == 0, e)) < 0 ||
        (n = rc = pii_keys(keys, PII_MAX_KEYS, e)) < 0)
        return rc;
    /* a key the database knows, that the ring lacks, and that may still seal values */
    if ((rc = db_prepare(db, "SELECT key_id FROM pii_keys WHERE retired_at IS NULL ORDER BY key_id",
                         &st, e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        const char *id = db_col_text(st, 0);
        bool found = false;
        for (int i = 0; i < n && !found; i++)
            found = strcmp(keys[i].id, id) == 0;
        if (!found) {
            rc = errbuf_set(e, -ERR_INVALID,
                            "personal data of this database is sealed with key %s, which the key "
                            "ring %s lacks: restore the key file kept apart from the database "
                            "(DANGJIAN_KEY_FILE names where it is)",
                            id, *pii_key_file() ? pii_key_file() : "DANGJIAN_PII_KEY");
            break;
        }
    }
    db_done(st);
    if (rc < 0)
        return rc;
    for (int i = 0; i < n; i++) {
        if ((rc = db_prepare(db, "SELECT check_value FROM pii_keys WHERE key_id = $1", &st, e)) < 0)
            return rc;
        db_bind_text(st, 1, keys[i].id);
        if ((rc = db_step(st, e)) == 1 && strcmp(db_col_text(st, 0), keys[i].check) != 0)
            rc = errbuf_set(e, -ERR_INVALID,
                            "key %s of the key ring %s is not the key %s this database was "
                            "sealed with",
                            keys[i].id, pii_key_file(), keys[i].id);
        db_done(st);
        if (rc < 0)
            return rc;
        if (rc == 0 && (rc = db_run(db, e,
                                    "INSERT INTO pii_keys(key_id, check_value, added_at)"
                                    " VALUES($1, $2, $3) ON CONFLICT (key_id) DO NOTHING",
                                    "tti", keys[i].id, keys[i].check,
                                    (long long)time(NULL))) < 0)
            return rc;
    }
    if (create && (rc = member_pii_reseal(db, 500, e)) < 0)
        return rc;
    return 0;
}

/* One batch of rows after *last not sealed with key `cur`: sealed again in one transaction.
 * Returns the rows changed; *more says whether a full batch was read. */
static int reseal_batch(struct db *db, const char *cur, int batch, long long *last, bool *more,
                        struct errbuf *e)
{
    char sealed[PII_KEY_ID_LEN + 8], hashed[PII_KEY_ID_LEN + 4];
    struct row {
        long long id;
        char phone[PII_SEALED_MAX], id_card[PII_SEALED_MAX];
    } *rows;
    struct db_stmt *st;
    int rc, n = 0, changed = 0;
    if (batch < 1 || batch > 10000)
        batch = 500;
    if (!(rows = calloc((size_t)batch, sizeof(*rows))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    snprintf(sealed, sizeof(sealed), "pii1.%s.%%", cur);
    snprintf(hashed, sizeof(hashed), "%s.%%", cur);
    if ((rc = db_prepare(db,
                         "SELECT id, phone, id_card FROM members WHERE id > $1 AND NOT ("
                         " ((phone = '' AND phone_hash = '') OR"
                         "  (phone LIKE $2 AND phone_hash LIKE $3)) AND"
                         " ((id_card = '' AND id_card_hash = '') OR"
                         "  (id_card LIKE $2 AND id_card_hash LIKE $3)))"
                         " ORDER BY id LIMIT $4",
                         &st, e)) < 0)
        goto out;
    db_bindv(st, "itti", *last, sealed, hashed, (long long)batch);
    while ((rc = db_step(st, e)) == 1 && n < batch) {
        rows[n].id = db_col_int(st, 0);
        snprintf(rows[n].phone, sizeof(rows[n].phone), "%s", db_col_text(st, 1));
        snprintf(rows[n].id_card, sizeof(rows[n].id_card), "%s", db_col_text(st, 2));
        n++;
    }
    db_done(st);
    if (rc < 0)
        goto out;
    *more = n == batch;
    rc = 0;
    if (n == 0)
        goto out;
    *last = rows[n - 1].id;
    if ((rc = db_begin(db, e)) < 0)
        goto out;
    for (int i = 0; i < n && rc >= 0; i++) {
        char phone[80], id_card[80];
        struct member_pii p;
        if ((rc = pii_open("phone", rows[i].phone, phone, sizeof(phone), e)) < 0 ||
            (rc = pii_open("id_card", rows[i].id_card, id_card, sizeof(id_card), e)) < 0 ||
            (rc = member_pii_seal(phone, id_card, &p, e)) < 0)
            break;
        /* only if nobody changed the row since it was read: theirs is sealed anew next pass */
        rc = db_run(db, e,
                    "UPDATE members SET phone = $1, phone_hash = $2, id_card = $3,"
                    " id_card_hash = $4 WHERE id = $5 AND phone = $6 AND id_card = $7",
                    "ttttitt", p.phone, p.phone_hash, p.id_card, p.id_card_hash, rows[i].id,
                    rows[i].phone, rows[i].id_card);
        changed += rc > 0;
    }
    if (rc < 0)
        db_rollback(db);
    else if ((rc = db_commit(db, e)) == 0)
        rc = changed;
out:
    free(rows);
    return rc;
}

int member_pii_reseal(struct db *db, int batch, struct errbuf *e)
{
    char cur[PII_KEY_ID_LEN];
    long long last = 0;
    bool more = true;
    int rc, total = 0;
    if ((rc = sealing_key(cur, e)) < 0)
        return rc;
    while (more) {
        if ((rc = reseal_batch(db, cur, batch, &last, &more, e)) < 0)
            return rc;
        total += rc;
    }
    return total;
}

int member_pii_rotate(struct db *db, char id[PII_KEY_ID_LEN], struct errbuf *e)
{
    int rc = pii_add_key(id, e);
    return rc < 0 ? rc : member_pii_attach(db, false, e);
}

int member_pii_usage(struct db *db, struct member_pii_use *out, int max, struct errbuf *e)
{
    struct pii_key_info ring[PII_MAX_KEYS];
    struct db_stmt *st;
    int rc, n = 0, nring = pii_keys(ring, PII_MAX_KEYS, e);
    if (nring < 0)
        return nring;
    if ((rc = db_prepare(db, "SELECT key_id, retired_at FROM pii_keys ORDER BY added_at, key_id",
                         &st, e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1 && n < max) {
        memset(&out[n], 0, sizeof(out[n]));
        snprintf(out[n].id, sizeof(out[n].id), "%s", db_col_text(st, 0));
        out[n].retired = !db_col_null(st, 1);
        for (int i = 0; i < nring; i++)
            out[n].in_ring |= strcmp(ring[i].id, out[n].id) == 0;
        n++;
    }
    db_done(st);
    if (rc < 0)
        return rc;
    /* the ring's keys in its order (the sealing one last), after those it no longer holds */
    for (int i = 0, k = 0; i < nring; i++)
        for (int j = k; j < n; j++)
            if (strcmp(out[j].id, ring[i].id) == 0) {
                struct member_pii_use t = out[j];
                memmove(&out[k + 1], &out[k], (size_t)(j - k) * sizeof(out[0]));
                out[k++] = t;
                break;
            }
    for (int i = 0, k = 0; i < n; i++)
        if (!out[i].in_ring) {
            struct member_pii_use t = out[i];
            memmove(&out[k + 1], &out[k], (size_t)(i - k) * sizeof(out[0]));
            out[k++] = t;
        }
    /* values and hashes that name each key (the hash counts: a value is only done when both
     * are under the new key) */
    for (int i = 0; i < n; i++) {
        char sealed[PII_KEY_ID_LEN + 8], hashed[PII_KEY_ID_LEN + 4];
        snprintf(sealed, sizeof(sealed), "pii1.%s.%%", out[i].id);
        snprintf(hashed, sizeof(hashed), "%s.%%", out[i].id);
        if ((rc = db_query_int(db, e, &out[i].values,
                               "SELECT (SELECT COUNT(*) FROM members WHERE phone LIKE $1)"
                               " + (SELECT COUNT(*) FROM members WHERE id_card LIKE $1)"
                               " + (SELECT COUNT(*) FROM members WHERE phone_hash LIKE $2)"
                               " + (SELECT COUNT(*) FROM members WHERE id_card_hash LIKE $2)",
                               "tt", sealed, hashed)) < 0)
            return rc;
    }
    return n;
}

int member_pii_retire(struct db *db, const char *id, struct errbuf *e)
{
    struct member_pii_use use[PII_MAX_KEYS * 2];
    int n = member_pii_usage(db, use, PII_MAX_KEYS * 2, e), rc;
    char cur[PII_KEY_ID_LEN];
    if (n < 0)
        return n;
    if ((rc = sealing_key(cur, e)) < 0)
        return rc;
    if (strcmp(cur, id) == 0)
        return errbuf_set(e, -ERR_INVALID, "key %s seals new values: rotate first", id);
    for (int i = 0; i < n; i++) {
        if (strcmp(use[i].id, id) != 0)
            continue;
        if (use[i].values > 0)
            return errbuf_set(e, -ERR_INVALID,
                              "key %s still seals %lld values: 'dangjian keys reseal' first", id,
                              use[i].values);
        if ((rc = db_run(db, e, "UPDATE pii_keys SET retired_at = $1 WHERE key_id = $2", "it",
                         (long long)time(NULL), id)) < 0)
            return rc;
        return use[i].in_ring ? pii_remove_key(id, e) : 0;
    }
    return errbuf_set(e, -ERR_NOTFOUND, "no key %s in this database", id);
}
