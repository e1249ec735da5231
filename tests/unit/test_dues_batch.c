/* Payments and provider notices in batches (dues_payment_create_batch, dues_callback_apply_batch)
 * make the same checks, rows and quotes as one by one. */
#include "unit.h"

#include "dues_world.h"


/* Set in->amount_fen to what the module quotes for it. */
static void quote_in(struct world *w, struct dues_pay_in *in)
{
    struct errbuf e = ERRBUF_INIT;
    json_t *quote;
    must(dues_payment_quote(w->db, in, &quote, &e), &e, "quote");
    in->amount_fen = json_integer_value(json_object_get(quote, "total_fen"));
    json_decref(quote);
}

static void test_payments_and_notices_in_batches_settle_as_one_by_one(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    int jan[1] = {202401}, two[2] = {202401, 202402};
    struct dues_pay_in in[4] = {
        {w->members[0], jan, 1, 500, 0, "cash", "", "", false, 0, 0},
        {w->members[1], jan, 1, 0, 0, "wechat", NULL, NULL, true, 0, 0},
        {w->members[2], jan, 1, 0, 0, "alipay", NULL, NULL, true, 0, 0},
        {w->members[3], two, 2, 0, 0, "cash", "", "", false, 0, 0},
    };
    long long ids[4], bad_ids[2];
    json_t *notices, *replies = NULL;
    publish_all(w, 202401);
    for (int k = 0; k < 4; k++)
        quote_in(w, &in[k]);
    /* the same bill twice in one batch: refused as one by one, nothing written */
    {
        struct dues_pay_in twice[2] = {in[0], in[0]};
        long long before = q(w, "SELECT COUNT(*) FROM dues_payments WHERE id > $1", 0);
        must(db_begin(w->db, &e), &e, "begin");
        assert_int_equal(dues_payment_create_batch(w->db, twice, 2, bad_ids, &e), -ERR_CONFLICT);
        assert_non_null(strstr(e.msg, "payment 1"));
        db_rollback(w->db);
        assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_payments WHERE id > $1", 0), before);
        errbuf_clear(&e);
    }
    must(db_begin(w->db, &e), &e, "begin");
    must(dues_payment_create_batch(w->db, in, 4, ids, &e), &e, "batch");
    must(db_commit(w->db, &e), &e, "commit");
    /* collections are paid at once, with their voluntary and advance rows */
    assert_int_equal(q(w, "SELECT payment_id FROM dues_bills WHERE member_id = $1 AND month = 202401 AND kind = 'regular'", w->members[0]), ids[0]);
    assert_int_equal(q(w, "SELECT amount_fen FROM dues_bills WHERE payment_id = $1 AND kind = 'voluntary'", ids[0]), 500);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_bills WHERE payment_id = $1 AND kind = 'advance'", ids[3]), 1);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_bills WHERE member_id = $1 AND status = 'unpaid'", w->members[1]), 1);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_payment_items WHERE payment_id = $1", ids[3]), 2);
    /* notices: two payments settled, a notice sent again is a duplicate */
    notices = json_pack("[{s:s, s:I, s:I, s:s}, {s:s, s:I, s:I, s:s}, {s:s, s:I, s:I, s:s}]",
                        "provider_ref", "A", "payment_id", (json_int_t)ids[1], "amount_fen",
                        (json_int_t)in[1].amount_fen, "result", "success", "provider_ref", "B",
                        "payment_id", (json_int_t)ids[2], "amount_fen", (json_int_t)in[2].amount_fen,
                        "result", "failed", "provider_ref", "A", "payment_id", (json_int_t)ids[1],
                        "amount_fen", (json_int_t)in[1].amount_fen, "result", "success");
    must(db_begin(w->db, &e), &e, "begin");
    must(dues_callback_apply_batch(w->db, notices, &replies, &e), &e, "notices");
    must(db_commit(w->db, &e), &e, "commit");
    assert_int_equal(json_array_size(replies), 3);
    assert_true(json_is_true(json_object_get(json_array_get(replies, 2), "duplicate")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(replies, 1), "status")), "failed");
    json_decref(replies);
    assert_int_equal(q(w, "SELECT payment_id FROM dues_bills WHERE member_id = $1 AND month = 202401 AND kind = 'regular'", w->members[1]), ids[1]);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_payments WHERE id = $1 AND status = 'paid' AND provider_ref = 'A' AND paid_at IS NOT NULL", ids[1]), 1);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_payments WHERE id = $1 AND status = 'failed' AND paid_at IS NULL", ids[2]), 1);
    assert_int_equal(q(w, "SELECT COUNT(*) FROM dues_bills WHERE member_id = $1 AND status = 'unpaid'", w->members[2]), 1);
    /* a reference already used names another payment: the whole batch is refused */
    json_object_set_new(json_array_get(notices, 0), "payment_id", json_integer(ids[2]));
    must(db_begin(w->db, &e), &e, "begin");
    assert_int_equal(dues_callback_apply_batch(w->db, notices, &replies, &e), -ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "notice 0"));
    db_rollback(w->db);
    json_decref(notices);
    invariants(w, "batches");
}

/* Paying ahead in a batch quotes from the bases, terms and rules it read for all its members
 * at once: the same amounts as a quote asked alone, with a later base, a term that begins
 * ahead, an overlapping later term, a term that ended, and members with and without bases. */
static void test_batch_quotes_ahead_match_single_quotes(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    int months[5] = {202402, 202403, 202404, 202405, 202406};
    struct dues_term_in terms[] = {
        {w->members[4], "fixed", 60, 202403, 0, "支部委员会", "2024-01-05", NULL},
        {w->members[4], "fixed", 90, 202405, 202405, "支部委员会", "2024-01-05", NULL},
        {w->members[0], "reduced", 800, 202402, 202403, "支部委员会", "2024-01-05", NULL},
        {w->members[2], "reduced", 500, 202301, 202312, "支部委员会", "2023-01-05", NULL},
    };
    struct dues_base_in later = {w->members[3], 2025, 0, 987654, "测试"};
    struct dues_pay_in in[6];
    long long ids[6], id;
    size_t n = 0;
    must(db_begin(w->db, &e), &e, "begin");
    for (size_t k = 0; k < sizeof(terms) / sizeof(terms[0]); k++)
        must(dues_term_add(w->db, &terms[k], 0, &id, &e), &e, "term");
    must(dues_base_set(w->db, &later, 0, &e), &e, "base");
    must(db_commit(w->db, &e), &e, "commit");
    /* members 0-3 and 6 have bases, 4 is a farmer with fixed terms (5, a student, has none) */
    for (int i = 0; i < 7; i++) {
        if (i == 5)
            continue;
        in[n] = (struct dues_pay_in){w->members[i], months, 5, 0, 0, "cash", "", "", false, 0, 0};
        quote_in(w, &in[n]);
        assert_true(in[n].amount_fen > 0);
        n++;
    }
    must(db_begin(w->db, &e), &e, "begin");
    must(dues_payment_create_batch(w->db, in, n, ids, &e), &e, "batch");
    must(db_commit(w->db, &e), &e, "commit");
    for (size_t k = 0; k < n; k++)
        assert_int_equal(q(w, "SELECT amount_fen FROM dues_payments WHERE id = $1", ids[k]),
                         in[k].amount_fen);
    assert_int_equal(q(w, "SELECT COALESCE(SUM(amount_fen), 0) FROM dues_payment_items WHERE payment_id = $1"
                          " AND month = 202405", ids[4]), 90);
    assert_int_equal(q(w, "SELECT COALESCE(SUM(amount_fen), 0) FROM dues_payment_items WHERE payment_id = $1"
                          " AND month = 202406", ids[4]), 60);
    invariants(w, "batch quotes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_payments_and_notices_in_batches_settle_as_one_by_one,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_quotes_ahead_match_single_quotes, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
