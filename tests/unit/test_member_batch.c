/* member_create_batch: the rows of member_create for each member of a roll, and the first bad
 * member of a roll named by its index, with nothing written. */
#include "org_world.h"

#include "org/member_pii.h"

#define CARD2 "110105198001010016"
#define CARD3 "110105197505050025"

struct roll {
    long long r, b, b2;
    struct member_in m[3];
};

static void roll_of_three(struct db *db, struct roll *x)
{
    x->r = org(db, "R", "committee", 0);
    x->b = org(db, "B", "branch", x->r);
    x->b2 = org(db, "B2", "branch", x->r);
    x->m[0] = person("E1", "张三", x->b);
    x->m[0].gender = "男";
    x->m[0].id_card = IDCARD;
    x->m[0].phone = "13812345678";
    x->m[1] = person("E2", "李四", x->b2);
    x->m[1].party_status = "预备党员";
    x->m[1].id_card = CARD2;
    x->m[2] = person("E3", "王五", x->b);
    x->m[2].birth_date = "1975-05-05";
    x->m[2].id_card = CARD3;
}

/* member_create_batch in a transaction of its own, as its callers run it */
static int batch(struct db *db, const struct member_in *m, size_t n, int month, long long actor,
                 long long *ids, struct errbuf *e)
{
    int rc = db_begin(db, e);
    if (rc >= 0 && (rc = member_create_batch(db, m, n, month, actor, ids, e)) >= 0)
        rc = db_commit(db, e);
    if (rc < 0)
        db_rollback(db);
    return rc;
}

/* The roll fails with code, and the message starts with prefix and holds part. */
static void roll_fails(struct db *db, const struct member_in *m, int code, const char *prefix,
                       const char *part)
{
    struct errbuf e = ERRBUF_INIT;
    long long ids[3] = {0, 0, 0}, before = count(db, "SELECT COUNT(*) FROM members");
    long long audits = count(db, "SELECT COUNT(*) FROM audit");
    assert_int_equal(batch(db, m, 3, 202401, 0, ids, &e), code);
    if (strncmp(e.msg, prefix, strlen(prefix)) != 0 || !strstr(e.msg, part))
        fail_msg("message '%s' should start with '%s' and hold '%s'", e.msg, prefix, part);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM members"), before);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM audit"), audits);
}

static void test_member_batch_writes_what_one_by_one_writes(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct roll x;
    long long ids[3] = {0, 0, 0};
    json_t *got;
    roll_of_three(f->db, &x);
    if (batch(f->db, x.m, 3, 202403, 7, ids, &e) < 0)
        fail_msg("batch: %s", e.msg);
    assert_true(ids[0] > 0 && ids[1] > ids[0] && ids[2] > ids[1]);
    /* each member as member_get shows it: canonical values, the organization's path */
    assert_int_equal(member_get(f->db, ids[1], false, &got, NULL, &e), 0);
    assert_string_equal(json_string_value(json_object_get(got, "emp_no")), "E2");
    assert_string_equal(json_string_value(json_object_get(got, "party_status")), "probationary");
    assert_string_equal(json_string_value(json_object_get(got, "id_card")), CARD2);
    json_decref(got);
    assert_string_equal(member_path_of(f->db, ids[1]), path_of(f->db, x.b2));
    assert_string_equal(text_i(f->db, "SELECT gender FROM members WHERE id = $1", ids[0]), "male");
    assert_string_equal(text_i(f->db, "SELECT birth_date FROM members WHERE id = $1", ids[2]),
                        "1975-05-05");
    /* sealed like member_create's: found by the ID card number, shown masked */
    assert_int_equal(member_get(f->db, ids[0], true, &got, NULL, &e), 0);
    assert_string_not_equal(json_string_value(json_object_get(got, "phone")), "13812345678");
    json_decref(got);
    long long found = 0;
    assert_int_equal(member_pii_find(f->db, "id_card", CARD3, &found, &e), 0);
    assert_int_equal(found, ids[2]);
    /* the history from the month, one audit row each by the actor, the cache told */
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM member_orgs WHERE from_month = 202403"
                                  " AND to_month IS NULL"),
                     3);
    assert_int_equal(count_i(f->db, "SELECT COUNT(*) FROM audit WHERE action = 'create' AND"
                                    " entity = 'member' AND account_id = $1",
                             7),
                     3);
    assert_int_equal(count(f->db, "SELECT version FROM data_versions WHERE topic = 'members'"), 1);
    /* one by one afterwards: the next id, the same checks against the batch's rows */
    struct member_in again = person("E3", "重复", x.b);
    long long id = -1;
    assert_int_equal(member_create(f->db, &again, 202403, 0, &id, &e), -ERR_CONFLICT);
    again.emp_no = "E4";
    again.id_card = CARD2;
    assert_int_equal(member_create(f->db, &again, 202403, 0, &id, &e), -ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "'E2'"));
}

static void test_member_batch_names_the_first_bad_member(void **state)
{
    struct fix *f = *state;
    struct roll x;
    struct member_in m[3];
    roll_of_three(f->db, &x);
    member(f->db, "E9", "赵六", x.b, 202401);
    /* a field: the validation's message after the member's index and number */
    memcpy(m, x.m, sizeof(m)), m[1].birth_date = "1980-02-30";
    roll_fails(f->db, m, -ERR_INVALID, "member 1 ('E2')", "birth_date");
    /* organizations: not a branch, none */
    memcpy(m, x.m, sizeof(m)), m[2].org_id = x.r;
    roll_fails(f->db, m, -ERR_INVALID, "member 2 ('E3')", "branch");
    memcpy(m, x.m, sizeof(m)), m[0].org_id = 999;
    roll_fails(f->db, m, -ERR_INVALID, "member 0 ('E1')", "not found");
    /* employee numbers: twice in the roll (the later one), another member's */
    memcpy(m, x.m, sizeof(m)), m[2].emp_no = "E1";
    roll_fails(f->db, m, -ERR_CONFLICT, "member 2 ('E1')", "already exists");
    memcpy(m, x.m, sizeof(m)), m[1].emp_no = "E9";
    roll_fails(f->db, m, -ERR_CONFLICT, "member 1 ('E9')", "already exists");
    /* ID card numbers: twice in the roll (lower case is the same number), another member's */
    memcpy(m, x.m, sizeof(m)), m[2].id_card = "11010519491231002x";
    roll_fails(f->db, m, -ERR_CONFLICT, "member 2 ('E3')", "member 0 of the list");
    struct member_in held = person("E8", "孙七", x.b);
    struct errbuf e = ERRBUF_INIT;
    long long id;
    held.id_card = CARD3;
    assert_int_equal(member_create(f->db, &held, 202401, 0, &id, &e), 0);
    roll_fails(f->db, x.m, -ERR_CONFLICT, "member 2 ('E3')", "member 'E8' already has");
    /* the number itself never stands in the message */
    assert_int_equal(batch(f->db, x.m, 3, 202401, 0, (long long[3]){0}, &e),
                     -ERR_CONFLICT);
    assert_null(strstr(e.msg, CARD3));
}

/* The audit rows a batch keeps are written once, by the outermost scope, or dropped with the
 * batch's error. */
static void test_audit_rows_kept_then_written_once(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0), before;
    assert_int_equal(db_begin(f->db, &e), 0);
    before = count(f->db, "SELECT COUNT(*) FROM audit");
    audit_rows_begin();
    audit_rows_begin();
    assert_int_equal(audit_log(f->db, 0, r, "create", "thing", 1, NULL, &e), 0);
    assert_int_equal(audit_rows_end(f->db, 0, &e), 0);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit"), before);
    assert_int_equal(audit_log(f->db, 0, r, "create", "thing", 2, NULL, &e), 0);
    assert_int_equal(audit_rows_end(f->db, 0, &e), 0);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE entity = 'thing'"), 2);
    audit_rows_begin();
    assert_int_equal(audit_log(f->db, 0, r, "create", "thing", 3, NULL, &e), 0);
    assert_int_equal(audit_rows_end(f->db, -ERR_INVALID, &e), -ERR_INVALID);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE entity = 'thing'"), 2);
    /* after the scopes, a row goes at once again */
    assert_int_equal(audit_log(f->db, 0, r, "create", "thing", 4, NULL, &e), 0);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE entity = 'thing'"), 3);
    assert_int_equal(db_commit(f->db, &e), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_member_batch_writes_what_one_by_one_writes),
        T(test_member_batch_names_the_first_bad_member),
        T(test_audit_rows_kept_then_written_once),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
