/* The pioneer-index model and the monthly run on small hand-computed cases. */
#include "unit.h"

#include <math.h>

#include "base/buf.h"
#include "base/secret.h"
#include "db/db.h"
#include "ingest/event.h"
#include "ingest/source.h"
#include "org/member.h"
#include "org/org.h"
#include "score/model.h"
#include "score/rerun.h"
#include "score/run.h"

struct world {
    struct db *db;
    long long root, unit, b1, b2, source;
};

static void must(int rc, const struct errbuf *e, const char *what)
{
    if (rc < 0)
        fail_msg("%s: %s", what, e->msg);
}

static long long add_member(struct world *w, const char *emp, long long branch)
{
    struct errbuf e = ERRBUF_INIT;
    struct member_in m = {0};
    long long id = 0;
    m.emp_no = emp;
    m.name = emp;
    m.org_id = branch;
    must(member_create(w->db, &m, 202403, 0, &id, &e), &e, "member_create");
    return id;
}

/* A company, one unit committee, two branches; a source. */
static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    struct errbuf e = ERRBUF_INIT;
    struct org_in root = {"R", "公司党委", "committee", 0, 0};
    assert_int_equal(secret_init(), 0);
    must(db_open(":memory:", &w->db, &e), &e, "open");
    must(db_migrate(w->db, &e), &e, "migrate");
    must(db_begin(w->db, &e), &e, "begin");
    must(org_create(w->db, &root, 0, &w->root, &e), &e, "root");
    struct org_in unit = {"U", "单位党委", "committee", w->root, 0};
    must(org_create(w->db, &unit, 0, &w->unit, &e), &e, "unit");
    struct org_in b1 = {"B1", "一支部", "branch", w->unit, 0};
    must(org_create(w->db, &b1, 0, &w->b1, &e), &e, "b1");
    struct org_in b2 = {"B2", "二支部", "branch", w->unit, 0};
    must(org_create(w->db, &b2, 0, &w->b2, &e), &e, "b2");
    must(source_add_with_key(w->db, "t", "测试", "test-key-0123456789", &w->source, &e), &e,
         "source");
    must(db_commit(w->db, &e), &e, "commit");
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    db_close(w->db);
    free(w);
    return 0;
}

static int key_no;

/* n events of one indicator for emp on day. */
static void events(struct world *w, const char *emp, const char *ind, int day, double value, int n)
{
    struct event_in ev[32];
    char keys[32][32];
    struct ingest_result res;
    struct errbuf e = ERRBUF_INIT;
    assert_true(n <= 32);
    memset(ev, 0, sizeof(ev));
    for (int i = 0; i < n; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", ++key_no);
        ev[i].key = keys[i];
        ev[i].emp_no = emp;
        ev[i].indicator = ind;
        ev[i].day = day;
        ev[i].value = value;
    }
    must(ingest_batch(w->db, w->source, ev, (size_t)n, 0, &res, &e), &e, "ingest");
    assert_int_equal(res.accepted, (size_t)n);
}

static void run(struct world *w, int month)
{
    struct errbuf e = ERRBUF_INIT;
    struct score_run_stats s;
    must(score_run_month(w->db, month, 0, false, &s, &e), &e, "score_run_month");
}

struct row {
    double dims[DIM_COUNT], index;
    long long org, rank_branch, rank_company, vetoed;
    double pct_branch;
};

static struct row score_of(struct world *w, int month, long long member)
{
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    struct row r;
    memset(&r, 0, sizeof(r));
    must(db_prepare(w->db,
                    "SELECT politics, theory, discipline, performance, honours, idx, org_id,"
                    " rank_branch, rank_company, vetoed, pct_branch FROM member_scores"
                    " WHERE month = $1 AND member_id = $2",
                    &st, &e),
         &e, "prepare");
    db_bindv(st, "ii", (long long)month, member);
    if (db_step(st, &e) != 1)
        fail_msg("no score for member %lld in %d", member, month);
    for (int d = 0; d < DIM_COUNT; d++)
        r.dims[d] = db_col_double(st, d);
    r.index = db_col_double(st, 5);
    r.org = db_col_int(st, 6);
    r.rank_branch = db_col_int(st, 7);
    r.rank_company = db_col_int(st, 8);
    r.vetoed = db_col_int(st, 9);
    r.pct_branch = db_col_double(st, 10);
    db_done(st);
    return r;
}

static void test_caps_limit_positive_totals_only(void **state)
{
    struct world *w = *state;
    long long a = add_member(w, "A", w->b1);
    events(w, "A", "meeting.attend", 20240305, 1, 5); /* 5 × 4 = 20, cap 16 */
    events(w, "A", "study.hours", 20240306, 12, 1);   /* 12 × 2 = 24, cap 20 */
    events(w, "A", "dues.late", 20240331, 1, 1);      /* −10, no cap */
    events(w, "A", "perf.rating", 20240320, 4, 1);    /* grade A: +20 */
    run(w, 202403);
    struct row r = score_of(w, 202403, a);
    assert_float_equal(r.dims[DIM_POLITICS], 76, 1e-9);
    assert_float_equal(r.dims[DIM_THEORY], 80, 1e-9);
    assert_float_equal(r.dims[DIM_DISCIPLINE], 50, 1e-9);
    assert_float_equal(r.dims[DIM_PERFORMANCE], 80, 1e-9);
    assert_float_equal(r.dims[DIM_HONOURS], 60, 1e-9);
    assert_float_equal(r.index, 69.2, 1e-9);
}

static void test_deductions_clamp_at_zero_and_hundred(void **state)
{
    struct world *w = *state;
    long long b = add_member(w, "B", w->b1);
    events(w, "B", "meeting.absent", 20240305, 1, 9); /* −72 → 60 − 72 clamps to 0 */
    events(w, "B", "honour.award", 20240310, 1, 1);   /* national award +40 */
    events(w, "B", "honour.commendation", 20240311, 1, 1); /* +5: 105 clamps to 100 */
    run(w, 202403);
    struct row r = score_of(w, 202403, b);
    assert_float_equal(r.dims[DIM_POLITICS], 0, 1e-9);
    assert_float_equal(r.dims[DIM_HONOURS], 100, 1e-9);
    assert_float_equal(r.index, 0.2 * (0 + 60 + 60 + 60 + 100), 1e-9);
}

static void test_equal_indexes_share_a_rank_and_the_next_skips(void **state)
{
    struct world *w = *state;
    long long a = add_member(w, "A", w->b1), c = add_member(w, "C", w->b1),
              d = add_member(w, "D", w->b1), x = add_member(w, "X", w->b1);
    events(w, "A", "study.hours", 20240306, 5, 1); /* theory 70 → 62 */
    events(w, "C", "volunteer.hours", 20240307, 10, 1); /* honours 70 → 62 */
    events(w, "D", "task.done", 20240308, 1, 1); /* +3 → 60.6 */
    events(w, "X", "meeting.attend", 20240309, 1, 4); /* +16 → 63.2 */
    run(w, 202403);
    assert_int_equal(score_of(w, 202403, x).rank_branch, 1);
    assert_int_equal(score_of(w, 202403, a).rank_branch, 2);
    assert_int_equal(score_of(w, 202403, c).rank_branch, 2);
    assert_int_equal(score_of(w, 202403, d).rank_branch, 4);
    /* percentile: share of the branch with a lower index */
    assert_float_equal(score_of(w, 202403, x).pct_branch, 0.75, 1e-9);
    assert_float_equal(score_of(w, 202403, a).pct_branch, 0.25, 1e-9);
    assert_float_equal(score_of(w, 202403, d).pct_branch, 0, 1e-9);
}

static void test_veto_zeroes_discipline_and_caps_index_for_following_months(void **state)
{
    struct world *w = *state;
    long long v = add_member(w, "V", w->b1);
    events(w, "V", "discipline.sanction", 20240315, 1, 1);
    events(w, "V", "dues.on_time", 20240331, 1, 1);
    run(w, 202403);
    struct row r = score_of(w, 202403, v);
    assert_int_equal(r.vetoed, 1);
    assert_float_equal(r.dims[DIM_DISCIPLINE], 0, 1e-9);
    assert_float_equal(r.index, 48, 1e-9);
    /* the next month: no sanction, but the veto holds: discipline 0 and the index capped */
    events(w, "V", "honour.award", 20240410, 1, 1);     /* honours 100 */
    events(w, "V", "perf.rating", 20240420, 4, 1);      /* performance 80 */
    events(w, "V", "study.hours", 20240405, 10, 1);     /* theory 80 */
    events(w, "V", "meeting.attend", 20240402, 1, 4);   /* politics 76 */
    run(w, 202404);
    r = score_of(w, 202404, v);
    assert_int_equal(r.vetoed, 1);
    assert_float_equal(r.dims[DIM_DISCIPLINE], 0, 1e-9);
    assert_float_equal(r.index, 60, 1e-9); /* 0.2 × 336 = 67.2, capped */
}

static void test_member_who_moved_belongs_to_the_branch_of_each_month(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct member_in to = {0};
    long long m = add_member(w, "M", w->b1);
    events(w, "M", "study.hours", 20240310, 1, 1);
    to.org_id = w->b2;
    must(member_update(w->db, m, &to, 202404, 0, &e), &e, "move");
    events(w, "M", "study.hours", 20240410, 1, 1);
    run(w, 202403);
    run(w, 202404);
    assert_int_equal(score_of(w, 202403, m).org, w->b1);
    assert_int_equal(score_of(w, 202404, m).org, w->b2);
}

static char *dump(struct world *w, int month)
{
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    struct buf b = BUF_INIT;
    must(db_prepare(w->db,
                    "SELECT member_id, idx, politics, discipline, rank_company, contrib"
                    " FROM member_scores WHERE month = $1 ORDER BY member_id",
                    &st, &e),
         &e, "prepare");
    db_bind_int(st, 1, month);
    while (db_step(st, &e) == 1)
        buf_printf(&b, "%lld %.17g %.17g %.17g %lld %s\n", db_col_int(st, 0), db_col_double(st, 1),
                   db_col_double(st, 2), db_col_double(st, 3), db_col_int(st, 4),
                   db_col_text(st, 5));
    db_done(st);
    must(db_prepare(w->db, "SELECT org_id, idx, hist FROM org_scores WHERE month = $1 ORDER BY org_id",
                    &st, &e),
         &e, "prepare");
    db_bind_int(st, 1, month);
    while (db_step(st, &e) == 1)
        buf_printf(&b, "org %lld %.17g %s\n", db_col_int(st, 0), db_col_double(st, 1),
                   db_col_text(st, 2));
    db_done(st);
    return buf_detach(&b);
}

static void test_rerunning_a_month_gives_identical_results(void **state)
{
    struct world *w = *state;
    add_member(w, "A", w->b1);
    add_member(w, "B", w->b2);
    events(w, "A", "meeting.attend", 20240305, 1, 3);
    events(w, "B", "study.exam", 20240306, 87, 1);
    run(w, 202403);
    char *first = dump(w, 202403);
    run(w, 202403);
    char *second = dump(w, 202403);
    assert_string_equal(first, second);
    assert_true(strstr(first, "org ") != NULL);
    free(first);
    free(second);
}

static void test_rollups_average_the_subtree(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    double avg = 0;
    struct db_stmt *st;
    add_member(w, "A", w->b1);
    add_member(w, "B", w->b2);
    events(w, "A", "honour.award", 20240310, 1, 1); /* 68 */
    run(w, 202403);
    must(db_prepare(w->db, "SELECT idx, members FROM org_scores WHERE month = 202403 AND org_id = $1",
                    &st, &e),
         &e, "prepare");
    db_bind_int(st, 1, w->unit);
    assert_int_equal(db_step(st, &e), 1);
    avg = db_col_double(st, 0);
    assert_int_equal(db_col_int(st, 1), 2);
    db_done(st);
    assert_float_equal(avg, (68 + 60) / 2.0, 1e-9);
}

static void test_map_rule_and_linear_rule_points(void **state)
{
    struct score_rule grade = {0}, hours = {0};
    (void)state;
    grade.mode = RULE_MAP;
    grade.nmap = 2;
    grade.map_value[0] = 4;
    grade.map_points[0] = 15;
    grade.map_value[1] = 1;
    grade.map_points[1] = -30;
    assert_float_equal(score_rule_points(&grade, 4), 15, 1e-12);
    assert_float_equal(score_rule_points(&grade, 1), -30, 1e-12);
    assert_float_equal(score_rule_points(&grade, 3), 0, 1e-12); /* unmapped value scores nothing */
    hours.mode = RULE_LINEAR;
    hours.points = 2;
    hours.has_cap = true;
    hours.cap = 20;
    assert_float_equal(score_rule_points(&hours, 3.5), 7, 1e-12);
    assert_float_equal(score_rule_counted(&hours, 24), 20, 1e-12);
    assert_float_equal(score_rule_counted(&hours, -8), -8, 1e-12);
}

static void test_model_validation_rejects_bad_weights_and_caps(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct score_model *m;
    must(score_model_load(w->db, 0, &m, &e), &e, "load");
    assert_int_equal(score_model_validate(m, &e), 0);
    m->weight[DIM_HONOURS] = 0.3; /* sums to 1.1 */
    assert_int_equal(score_model_validate(m, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "sum to 1"));
    m->weight[DIM_HONOURS] = 0.2;
    m->rules[0].has_cap = true;
    m->rules[0].cap = -1;
    assert_int_equal(score_model_validate(m, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "cap"));
    score_model_free(m);
}

static void test_new_version_scores_from_its_month_and_old_months_keep_theirs(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct score_model *m;
    long long a = add_member(w, "A", w->b1);
    events(w, "A", "study.hours", 20240305, 5, 1);
    events(w, "A", "study.hours", 20240405, 5, 1);
    must(score_model_load(w->db, 0, &m, &e), &e, "load");
    m->weight[DIM_THEORY] = 0.6;
    m->weight[DIM_POLITICS] = m->weight[DIM_DISCIPLINE] = m->weight[DIM_PERFORMANCE] =
        m->weight[DIM_HONOURS] = 0.1;
    m->effective_month = 202404;
    must(score_model_create(w->db, m, 0, &e), &e, "create");
    must(score_model_activate(w->db, m->version, 0, &e), &e, "activate");
    run(w, 202403);
    run(w, 202404);
    assert_float_equal(score_of(w, 202403, a).index, 62, 1e-9);               /* version 1 */
    assert_float_equal(score_of(w, 202404, a).index, 0.6 * 70 + 0.4 * 60, 1e-9); /* new one */
    score_model_free(m);
}

/* Events stored after the month's run began are late: a re-run is the month's run 2, and
 * only the member whose result changed gets a change row with the delta and the source. */
static void test_rerun_after_late_events_records_only_changed_members(void **state)
{
    struct world *w = *state;
    struct errbuf e = ERRBUF_INIT;
    struct score_run_stats s;
    long long a = add_member(w, "A", w->b1), n = 0;
    add_member(w, "B", w->b2);
    char dims[128] = "", late[128] = "";
    struct db_stmt *st;
    events(w, "A", "study.hours", 20240305, 1, 1);
    events(w, "B", "meeting.attend", 20240305, 1, 4); /* politics at its cap of 16 */
    run(w, 202403);
    assert_int_equal(score_month_has_late(w->db, 202403, 0, &e), 0);
    events(w, "A", "study.hours", 20240307, 2, 1); /* theory +4: index +0.8 */
    events(w, "B", "meeting.attend", 20240306, 1, 1); /* capped: no change */
    /* the run and the events share the second here: move the first events and the run's
     * start back, so that the new events were stored after the run began */
    must(db_run(w->db, &e, "UPDATE events SET created_at = created_at - 10 WHERE day < 20240306",
                ""),
         &e, "early");
    must(db_run(w->db, &e, "UPDATE score_runs SET started_at = started_at - 5", ""), &e, "start");
    must(db_run(w->db, &e, "UPDATE score_run_log SET started_at = started_at - 5", ""), &e, "log");
    assert_int_equal(score_month_has_late(w->db, 202403, 0, &e), 1);
    must(score_run_month_why(w->db, 202403, 0, "late_events", false, &s, &e), &e, "re-run");
    assert_int_equal(s.run, 2);
    assert_int_equal(s.changed, 1);
    assert_int_equal(s.late, 2);
    assert_int_equal(score_month_has_late(w->db, 202403, 0, &e), 0);
    must(db_query_int(w->db, &e, &n, "SELECT COUNT(*) FROM score_run_log WHERE month = 202403",
                      ""),
         &e, "log");
    assert_int_equal(n, 2);
    must(db_prepare(w->db, "SELECT member_id, old_idx, new_idx, dims, late FROM score_changes",
                    &st, &e),
         &e, "changes");
    assert_int_equal(db_step(st, &e), 1);
    assert_int_equal(db_col_int(st, 0), a);
    assert_true(fabs(db_col_double(st, 2) - db_col_double(st, 1) - 0.8) < 1e-9);
    snprintf(dims, sizeof(dims), "%s", db_col_text(st, 3));
    snprintf(late, sizeof(late), "%s", db_col_text(st, 4));
    assert_int_equal(db_step(st, &e), 0);
    db_done(st);
    assert_string_equal(dims, "{\"theory\":4.0}");
    assert_string_equal(late, "[{\"source\":\"t\",\"name\":\"测试\",\"events\":1}]");
    /* an unknown reason is refused before anything runs */
    assert_int_equal(score_run_month_why(w->db, 202403, 0, "whim", false, &s, &e), -ERR_INVALID);
    assert_int_equal(e.why, R_INVALID_CHOICE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_rule_and_linear_rule_points),
        cmocka_unit_test_setup_teardown(test_caps_limit_positive_totals_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deductions_clamp_at_zero_and_hundred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equal_indexes_share_a_rank_and_the_next_skips, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_veto_zeroes_discipline_and_caps_index_for_following_months, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_who_moved_belongs_to_the_branch_of_each_month,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_rerunning_a_month_gives_identical_results, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollups_average_the_subtree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_validation_rejects_bad_weights_and_caps, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_new_version_scores_from_its_month_and_old_months_keep_theirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rerun_after_late_events_records_only_changed_members,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
