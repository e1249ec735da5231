/* Tests for src/ingest/event.c, batches: validation, member/organization resolution by month,
 * duplicates through the unique index on (source_id, key), all-or-nothing (ingest_fixture.h).
 * Dry runs, transactions, other connections, the members cache and API keys:
 * test_ingest_keys.c. */
#include "unit.h"

#include "ingest_fixture.h"

/* ---- batches ---- */

static void test_batch_stores_member_and_org_events(void **state)
{
    struct fix *f = *state;
    struct ingest_result res;
    struct errbuf e = ERRBUF_INIT;
    struct event_in ev[3];
    long long m_by_id = 0;
    ev[0] = mev("k1", "E1", 20240310);
    ev[0].value = 2.5;
    ev[0].detail = "{\"course\":\"党章\"}";
    ev[1] = mev("k2", NULL, 20240311); /* by member id */
    ev[1].member_id = f->m1;
    ev[1].indicator = "meeting.attend";
    ev[2] = oev("k3", "B1", 20240312);
    /* an empty batch is fine and stores nothing */
    assert_int_equal(batch(f->db, f->src, ev, 0, 0, &res, &e), 0);
    assert_int_equal(res.accepted + res.duplicate + res.rejected, 0);

    assert_int_equal(batch(f->db, f->src, ev, 3, 0, &res, &e), 0);
    assert_int_equal(res.accepted, 3);
    assert_int_equal(res.duplicate, 0);
    assert_int_equal(res.rejected, 0);
    assert_int_equal(res.nrejects, 0);
    assert_false(db_in_tx(f->db)); /* committed its own transaction */
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 3);
    assert_int_equal(event_org(f->db, f->src, "k1"), f->b1);
    assert_int_equal(event_member(f->db, f->src, "k1"), f->m1);
    assert_int_equal(event_col(f->db, f->src, "k1",
                               "SELECT indicator_id FROM events WHERE source_id = $1 AND key = $2"),
                     indicator_id(f->db, "study.hours"));
    assert_int_equal(
        event_col(f->db, f->src, "k1", "SELECT day FROM events WHERE source_id = $1 AND key = $2"),
        20240310);
    assert_int_equal(event_col(f->db, f->src, "k1",
                               "SELECT month FROM events WHERE source_id = $1 AND key = $2"),
                     202403);
    assert_int_equal(event_col(f->db, f->src, "k1",
                               "SELECT value * 10 FROM events WHERE source_id = $1 AND key = $2"),
                     25);
    assert_int_equal(event_col(f->db, f->src, "k1",
                               "SELECT COUNT(*) FROM events WHERE source_id = $1 AND key = $2"
                               " AND detail = '{\"course\":\"党章\"}'"),
                     1);
    m_by_id = event_member(f->db, f->src, "k2");
    assert_int_equal(m_by_id, f->m1);
    assert_int_equal(event_org(f->db, f->src, "k2"), f->b1);
    /* an organization event has no member */
    assert_int_equal(event_org(f->db, f->src, "k3"), f->b1);
    assert_int_equal(event_member(f->db, f->src, "k3"), 0);
    assert_int_equal(event_col(f->db, f->src, "k3",
                               "SELECT COUNT(*) FROM events WHERE source_id = $1 AND key = $2"
                               " AND member_id IS NULL AND detail IS NULL"),
                     1);
    /* one audit row for the batch that stored something (none for the empty one) */
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE action = 'ingest' AND"
                                  " entity = 'source' AND detail = '{\"accepted\":3,"
                                  "\"duplicate\":0}'"),
                     1);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE action = 'ingest'"), 1);
}

static void test_event_org_follows_member_history_across_moves(void **state)
{
    struct fix *f = *state;
    struct event_in first[1], ev[6];
    /* resolve E1 once before the moves, so the members cache holds the old organization */
    first[0] = mev("before", "E1", 20240201);
    assert_int_equal(ok_batch(f->db, f->src, first, 1, 0), ACC_DUP(1, 0));
    assert_int_equal(event_org(f->db, f->src, "before"), f->b1);
    /* E1: B1 from 2024-01, B2 from 2024-06, B1 again from 2024-09 */
    move_member(f->db, f->m1, f->b2, 202406);
    move_member(f->db, f->m1, f->b1, 202409);
    ev[0] = mev("mar", "E1", 20240315);
    ev[1] = mev("may-end", "E1", 20240531);
    ev[2] = mev("jun-first", "E1", 20240601);
    ev[3] = mev("aug", "E1", 20240815);
    ev[4] = mev("sep", "E1", 20240901);
    ev[5] = mev("pre-history", "E1", 20231201); /* before the first month: the first org */
    assert_int_equal(ok_batch(f->db, f->src, ev, 6, 0), ACC_DUP(6, 0));
    assert_int_equal(event_org(f->db, f->src, "mar"), f->b1);
    assert_int_equal(event_org(f->db, f->src, "may-end"), f->b1);
    assert_int_equal(event_org(f->db, f->src, "jun-first"), f->b2);
    assert_int_equal(event_org(f->db, f->src, "aug"), f->b2);
    assert_int_equal(event_org(f->db, f->src, "sep"), f->b1);
    assert_int_equal(event_org(f->db, f->src, "pre-history"), f->b1);
    /* the member is the same throughout */
    assert_int_equal(count(f->db, "SELECT COUNT(DISTINCT member_id) FROM events"), 1);
}

static void test_resent_batch_is_all_duplicates_and_stores_nothing(void **state)
{
    struct fix *f = *state;
    struct event_in ev[3];
    ev[0] = mev("r1", "E1", 20240101);
    ev[1] = mev("r2", "E1", 20240102);
    ev[2] = oev("r3", "B2", 20240103);
    assert_int_equal(ok_batch(f->db, f->src, ev, 3, 0), ACC_DUP(3, 0));
    ev[0].value = 7; /* a changed value under the same key is still the same event */
    assert_int_equal(ok_batch(f->db, f->src, ev, 3, 0), ACC_DUP(0, 3));
    assert_int_equal(ok_batch(f->db, f->src, ev, 3, 0), ACC_DUP(0, 3));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 3);
    assert_int_equal(count(f->db, "SELECT SUM(value) FROM events"), 3);
    /* a batch mixing old and new keys stores only the new */
    ev[1] = mev("r4", "E1", 20240104);
    assert_int_equal(ok_batch(f->db, f->src, ev, 3, 0), ACC_DUP(1, 2));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 4);
}

static void test_same_key_twice_in_one_batch_stores_once(void **state)
{
    struct fix *f = *state;
    struct event_in ev[3];
    ev[0] = mev("dup", "E1", 20240201);
    ev[0].value = 2;
    ev[1] = mev("other", "E1", 20240202);
    ev[2] = mev("dup", "E1", 20240203);
    ev[2].value = 5;
    assert_int_equal(ok_batch(f->db, f->src, ev, 3, 0), ACC_DUP(2, 1));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events WHERE key = 'dup'"), 1);
    /* the first one wins */
    assert_int_equal(count(f->db, "SELECT value FROM events WHERE key = 'dup'"), 2);
}

static void test_same_key_from_two_sources_is_stored_twice(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct event_in ev[1];
    long long src2 = 0;
    assert_int_equal(
        source_add_with_key(f->db, "study", "学习平台", "study-key-0123456789", &src2, &e), 0);
    ev[0] = mev("shared-key", "E1", 20240301);
    assert_int_equal(ok_batch(f->db, f->src, ev, 1, 0), ACC_DUP(1, 0));
    assert_int_equal(ok_batch(f->db, src2, ev, 1, 0), ACC_DUP(1, 0));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events WHERE key = 'shared-key'"), 2);
    assert_int_equal(count(f->db, "SELECT COUNT(DISTINCT source_id) FROM events"), 2);
    /* and each source then sees its own as a duplicate */
    assert_int_equal(ok_batch(f->db, src2, ev, 1, 0), ACC_DUP(0, 1));
    assert_int_equal(ok_batch(f->db, f->src, ev, 1, 0), ACC_DUP(0, 1));
}

static void test_one_bad_row_rejects_the_batch_and_stores_nothing(void **state)
{
    struct fix *f = *state;
    struct ingest_result res;
    struct errbuf e = ERRBUF_INIT;
    struct event_in ev[3];
    ev[0] = mev("g1", "E1", 20240101);
    ev[1] = mev("bad", "E1", 20240102);
    ev[1].indicator = "no.such";
    ev[2] = mev("g2", "E1", 20240103);
    assert_int_equal(batch(f->db, f->src, ev, 3, 0, &res, &e), -ERR_INVALID);
    assert_int_equal(e.code, -ERR_INVALID);
    assert_string_equal(e.msg, "1 of 3 events rejected: nothing stored");
    assert_int_equal(res.rejected, 1);
    assert_int_equal(res.accepted, 0);
    assert_int_equal(res.duplicate, 0);
    assert_int_equal(res.nrejects, 1);
    assert_int_equal(res.rejects[0].index, 1);
    assert_string_equal(res.rejects[0].field, "indicator");
    assert_string_equal(res.rejects[0].reason, "unknown indicator 'no.such'");
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 0);
    assert_false(db_in_tx(f->db));
    /* the good rows were not remembered as stored: sent alone they are new */
    ev[1] = ev[2];
    assert_int_equal(ok_batch(f->db, f->src, ev, 2, 0), ACC_DUP(2, 0));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 2);
}

struct want_reject {
    size_t index;
    const char *field, *reason;
};

static void test_rejected_counts_rows_not_problems(void **state)
{
    struct fix *f = *state;
    struct ingest_result res;
    struct errbuf e = ERRBUF_INIT;
    struct event_in ev[9], many[150];
    char tomorrow[16], longkey[130];
    int tday = date_from_days(date_to_days(date_today()) + 1);
    date_format(tday, tomorrow, sizeof(tomorrow));
    memset(longkey, 'k', 129);
    longkey[129] = '\0';
    /* row 0: three problems at once */
    ev[0] = mev(NULL, "E1", 0);
    ev[0].date_text = "31/02/2024";
    ev[0].value = 99; /* study.hours allows 0..24 */
    ev[1] = mev("fine", "E1", 20240105);
    ev[2] = mev("nobody", "NOBODY", 20240105);
    ev[3] = oev("org-with-member", "B1", 20240105);
    ev[3].emp_no = "E1";
    ev[4] = mev("member-with-org", NULL, 20240105);
    ev[4].org_code = "B1";
    ev[5] = mev("future", "E1", tday);
    ev[6] = mev("typed", "E1", 20240105);
    ev[6].bad_field = "value";
    ev[6].bad_reason = "value must be a number";
    ev[7] = oev("no-org", "NOPE", 20240105);
    ev[8] = mev(longkey, "E1", 20240105);
    assert_int_equal(batch(f->db, f->src, ev, 9, 0, &res, &e), -ERR_INVALID);
    assert_string_equal(e.msg, "8 of 9 events rejected: nothing stored");
    assert_int_equal(res.rejected, 8); /* every row but row 1 */
    {
        char future[80];
        const struct want_reject want[] = {
            {0, "key", "missing key"},
            {0, "date", "invalid date '31/02/2024'"},
            {0, "value", "value 99 out of range 0..24 for 'study.hours'"},
            {2, "emp_no", "unknown member 'NOBODY'"},
            {3, "emp_no",
             "'org.congress' is an organization indicator: send org_code, not a "
             "member"},
            {4, "emp_no", "'study.hours' is a member indicator: send emp_no"},
            {5, "date", future},
            {6, "value", "value must be a number"},
            {7, "org_code", "unknown organization 'NOPE'"},
            {8, "key", "key longer than 128 bytes"},
        };
        snprintf(future, sizeof(future), "date %s is in the future", tomorrow);
        assert_int_equal(res.nrejects, sizeof(want) / sizeof(want[0]));
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
            assert_int_equal(res.rejects[i].index, want[i].index);
            assert_string_equal(res.rejects[i].field, want[i].field);
            assert_string_equal(res.rejects[i].reason, want[i].reason);
        }
    }
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM events"), 0);

    /* 150 bad rows: all counted, the first 100 described */
    for (size_t i = 0; i < 150; i++) {
        many[i] = mev("m", "E1", 20240105);
        many[i].indicator = "no.such";
    }
    assert_int_equal(batch(f->db, f->src, many, 150, 0, &res, &e), -ERR_INVALID);
    assert_int_equal(res.rejected, 150);
    assert_int_equal(res.nrejects, INGEST_MAX_REJECTS);
    assert_int_equal(res.rejects[INGEST_MAX_REJECTS - 1].index, INGEST_MAX_REJECTS - 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    /* each T() that ingests uses one of the process's 16 duplicate-check sets (see top) */
    const struct CMUnitTest tests[] = {
        T(test_batch_stores_member_and_org_events),
        T(test_event_org_follows_member_history_across_moves),
        T(test_resent_batch_is_all_duplicates_and_stores_nothing),
        T(test_same_key_twice_in_one_batch_stores_once),
        T(test_same_key_from_two_sources_is_stored_twice),
        T(test_one_bad_row_rejects_the_batch_and_stores_nothing),
        T(test_rejected_counts_rows_not_problems),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
