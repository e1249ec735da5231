/* Tests for src/ingest: dry runs and the caller's transaction (event.c), inserts seen by other
 * connections and processes, refs.c (the members cache) and source.c (API keys); on the
 * fixture of ingest_fixture.h. */
#include "unit.h"

#include "ingest_fixture.h"

static void test_dry_run_stores_nothing_and_leaves_no_keys(void **state)
{
    struct fix *f = *state;
    struct event_in ev[2];
    ev[0] = mev("d1", "E1", 20240301);
    ev[1] = oev("d2", "B2", 20240302);
    assert_int_equal(ok_batch(f->db, f->src, ev, 2, INGEST_DRY_RUN), ACC_DUP(2, 0));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 0);
    assert_false(db_in_tx(f->db));
    /* nothing was remembered: the real run stores both */
    assert_int_equal(ok_batch(f->db, f->src, ev, 2, 0), ACC_DUP(2, 0));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 2);
    /* a dry run of stored events reports them as duplicates */
    assert_int_equal(ok_batch(f->db, f->src, ev, 2, INGEST_DRY_RUN), ACC_DUP(0, 2));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 2);
    /* only the real run left an audit row */
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE action = 'ingest'"), 1);
}

/* A dry run (an import's preview) must predict the real run: a key repeated inside one batch
 * is one accepted and one duplicate in both. */
static void test_dry_run_counts_repeated_key_as_duplicate(void **state)
{
    struct fix *f = *state;
    struct event_in ev[2];
    ev[0] = mev("twice", "E1", 20240301);
    ev[1] = mev("twice", "E1", 20240302);
    assert_int_equal(ok_batch(f->db, f->src, ev, 2, INGEST_DRY_RUN), ACC_DUP(1, 1));
    assert_int_equal(ok_batch(f->db, f->src, ev, 2, 0), ACC_DUP(1, 1));
}

static void test_rolled_back_caller_transaction_leaves_no_keys(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct db *other = NULL;
    char alias[320];
    struct event_in k0[1], k12[2], xy[2];
    k0[0] = mev("k0", "E1", 20240101);
    k12[0] = mev("k1", "E1", 20240102);
    k12[1] = oev("k2", "B1", 20240103);
    xy[0] = mev("x", "E1", 20240104);
    xy[1] = mev("y", "E1", 20240105);
    assert_int_equal(ok_batch(f->db, f->src, k0, 1, 0), ACC_DUP(1, 0)); /* event id 1 */

    /* the caller's transaction: ingest_batch stores into it and leaves it open */
    assert_int_equal(db_begin(f->db, &e), 0);
    assert_int_equal(ok_batch(f->db, f->src, k12, 2, 0), ACC_DUP(2, 0)); /* ids 2 and 3 */
    assert_true(db_in_tx(f->db));
    assert_int_equal(ok_batch(f->db, f->src, k12, 2, 0), ACC_DUP(0, 2)); /* seen inside */
    db_rollback(f->db);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 1);
    /* re-sent, the same events are stored */
    assert_int_equal(ok_batch(f->db, f->src, k12, 2, 0), ACC_DUP(2, 0));
    assert_int_equal(ok_batch(f->db, f->src, k12, 2, 0), ACC_DUP(0, 2));

    /* roll back ids 4 and 5, then let another process (its own duplicate check: the file
     * under another spelling) store other events under those very ids */
    assert_int_equal(db_begin(f->db, &e), 0);
    assert_int_equal(ok_batch(f->db, f->src, k0, 1, 0), ACC_DUP(0, 1));
    {
        struct event_in t[2] = {mev("t1", "E1", 20240106), mev("t2", "E1", 20240107)};
        assert_int_equal(ok_batch(f->db, f->src, t, 2, 0), ACC_DUP(2, 0));
    }
    db_rollback(f->db);
    snprintf(alias, sizeof(alias), "%s/./test.db", f->dir);
    assert_int_equal(db_open(alias, &other, &e), 0);
    assert_int_equal(ok_batch(other, f->src, xy, 2, 0), ACC_DUP(2, 0));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events WHERE id IN (4, 5) AND"
                                  " key IN ('x', 'y')"),
                     2);
    /* this process must notice that its newest known event is not what it remembers, and
     * learn x and y: otherwise it would store them a second time */
    assert_int_equal(ok_batch(f->db, f->src, xy, 2, 0), ACC_DUP(0, 2));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events WHERE key IN ('x', 'y')"), 2);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 5);
    db_close(other);
}

static void test_other_connections_and_processes_see_inserts(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct db *same = NULL, *other = NULL;
    char alias[320];
    struct event_in k12[2], k3[1], k34[2], k4[1];
    k12[0] = mev("k1", "E1", 20240101);
    k12[1] = mev("k2", "E1", 20240102);
    k3[0] = mev("k3", "E1", 20240103);
    k34[0] = k3[0];
    k34[1] = mev("k4", "E1", 20240104);
    k4[0] = k34[1];
    /* a second connection with the same path shares this process's duplicate check; the
     * same file under another spelling gets its own, as another process would */
    snprintf(alias, sizeof(alias), "%s/./test.db", f->dir);
    assert_int_equal(db_open(f->path, &same, &e), 0);
    assert_int_equal(db_open(alias, &other, &e), 0);

    assert_int_equal(ok_batch(f->db, f->src, k12, 2, 0), ACC_DUP(2, 0));
    assert_int_equal(ok_batch(same, f->src, k12, 2, 0), ACC_DUP(0, 2));
    assert_int_equal(ok_batch(other, f->src, k12, 2, 0), ACC_DUP(0, 2));
    /* the "other process" stores k3; the first connection must see it */
    assert_int_equal(ok_batch(other, f->src, k3, 1, 0), ACC_DUP(1, 0));
    assert_int_equal(ok_batch(f->db, f->src, k3, 1, 0), ACC_DUP(0, 1));
    assert_int_equal(ok_batch(same, f->src, k34, 2, 0), ACC_DUP(1, 1));
    assert_int_equal(ok_batch(other, f->src, k4, 1, 0), ACC_DUP(0, 1));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 4);
    assert_int_equal(count(f->db, "SELECT COUNT(DISTINCT key) FROM events"), 4);
    db_close(same);
    db_close(other);
}

/* BUG (src/ingest/event.c, find_member(), around lines 118-131): the members cache shared
 * across batches (refs_member_get/put) holds lookups by emp_no and lookups by member id,
 * the latter under the key "#<id>", in one namespace; and emp_no may itself be "#<digits>"
 * (member_validate refuses only spaces). An event naming member_id 1 caches member 1 under
 * "#1"; an event with emp_no "#1" then resolves to member 1 instead of the member whose
 * emp_no is "#1", and is stored against the wrong member and branch. The two kinds of
 * lookup need distinct key spaces (a prefix no emp_no can have, or two maps). */
static void test_member_id_lookup_and_hash_emp_no_share_a_cache_key(void **state)
{
    struct fix *f = *state;
    struct event_in ev[2];
    long long hash_one = make_member(f->db, "#1", f->b2, 202401); /* id 2, in B2 */
    char idkey[32];
    snprintf(idkey, sizeof(idkey), "#%lld", f->m1);
    assert_string_equal(idkey, "#1");
    ev[0] = mev("by-id", NULL, 20240301);
    ev[0].member_id = f->m1;
    ev[1] = mev("by-emp-no", "#1", 20240302);
    assert_int_equal(ok_batch(f->db, f->src, ev, 2, 0), ACC_DUP(2, 0));
    assert_int_equal(event_member(f->db, f->src, "by-id"), f->m1);
    assert_int_equal(event_member(f->db, f->src, "by-emp-no"), hash_one);
    assert_int_equal(event_org(f->db, f->src, "by-emp-no"), f->b2);
}

static void test_source_authenticate_right_wrong_and_disabled_keys(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    char hash[SECRET_HEX_LEN];
    long long id = -1;
    assert_int_equal(source_authenticate(f->db, HR_KEY, &id, &e), 0);
    assert_int_equal(id, f->src);
    id = -1;
    assert_int_equal(source_authenticate(f->db, HR_KEY "x", &id, &e), -ERR_UNAUTH);
    assert_int_equal(source_authenticate(f->db, "", &id, &e), -ERR_UNAUTH);
    assert_int_equal(id, -1);
    /* only the hash and an 8-character prefix are stored */
    secret_hash_hex(HR_KEY, hash);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM sources WHERE key_hash = '" HR_KEY "'"), 0);
    {
        long long n = -1;
        assert_int_equal(db_query_int(f->db, &e, &n,
                                      "SELECT COUNT(*) FROM sources WHERE key_hash = $1 AND"
                                      " key_prefix = 'hr-key-0'",
                                      "t", hash),
                         1);
        assert_int_equal(n, 1);
    }
    assert_int_equal(
        db_run(f->db, &e, "UPDATE sources SET disabled = 1 WHERE id = $1", "i", f->src), 1);
    assert_int_equal(source_authenticate(f->db, HR_KEY, &id, &e), -ERR_UNAUTH);
    assert_string_equal(e.msg, "unknown or disabled API key");
    assert_int_equal(id, -1);
}

static void test_source_add_generates_a_working_key_and_checks_input(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    char key1[64], key2[64];
    long long id1 = -1, id2 = -1, got = -1;
    assert_int_equal(source_add(f->db, "oa", "办公系统", key1, sizeof(key1), &id1, &e), 0);
    assert_int_equal(source_add(f->db, "erp", "ERP", key2, sizeof(key2), &id2, &e), 0);
    assert_memory_equal(key1, "dj_", 3);
    assert_int_equal(strlen(key1), 3 + 43);
    assert_string_not_equal(key1, key2);
    assert_int_equal(source_authenticate(f->db, key1, &got, &e), 0);
    assert_int_equal(got, id1);
    assert_int_equal(source_authenticate(f->db, key2, &got, &e), 0);
    assert_int_equal(got, id2);
    assert_int_equal(source_find(f->db, "erp", &got, &e), 0);
    assert_int_equal(got, id2);
    assert_int_equal(source_find(f->db, "crm", &got, &e), -ERR_NOTFOUND);
    /* codes: a-z 0-9 _ -, 1..32; a name; keys of 16 characters or more; unique */
    assert_int_equal(source_add_with_key(f->db, "HR2", "x", "0123456789abcdef", &got, &e),
                     -ERR_INVALID);
    assert_int_equal(source_add_with_key(f->db, "", "x", "0123456789abcdef", &got, &e),
                     -ERR_INVALID);
    assert_int_equal(source_add_with_key(f->db, "a.b", "x", "0123456789abcdef", &got, &e),
                     -ERR_INVALID);
    assert_int_equal(source_add_with_key(f->db, "ok", "", "0123456789abcdef", &got, &e),
                     -ERR_INVALID);
    assert_int_equal(source_add_with_key(f->db, "ok", "x", "0123456789abcde", &got, &e),
                     -ERR_INVALID); /* 15 */
    assert_int_equal(source_add_with_key(f->db, "hr", "x", "0123456789abcdef", &got, &e),
                     -ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "'hr'"));
    assert_int_equal(source_add_with_key(f->db, "ok", "x", "0123456789abcdef", &got, &e), 0);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM sources"), 4);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_dry_run_stores_nothing_and_leaves_no_keys),
        T(test_dry_run_counts_repeated_key_as_duplicate),
        T(test_rolled_back_caller_transaction_leaves_no_keys),
        T(test_other_connections_and_processes_see_inserts),
        T(test_member_id_lookup_and_hash_emp_no_share_a_cache_key),
        T(test_source_authenticate_right_wrong_and_disabled_keys),
        T(test_source_add_generates_a_working_key_and_checks_input),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
