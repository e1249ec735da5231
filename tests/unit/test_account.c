/* Tests for src/org/scope.c (roles bound to subtrees), account.c (logins and passwords) and
 * audit.c. Shared helpers: org_world.h. */
#include "org_world.h"

static void test_scope_bounds_end_just_after_the_subtree(void **state)
{
    char hi[ORG_PATH_MAX];
    (void)state;
    /* '0' is the byte after '/', so [path, hi) holds the path and everything below it */
    scope_bounds("/1/2/", hi, sizeof(hi));
    assert_string_equal(hi, "/1/20");
    scope_bounds("/", hi, sizeof(hi));
    assert_string_equal(hi, "0");
    assert_true(strcmp("/1/2/9/", "/1/20") < 0);
    assert_true(strcmp("/1/20/", "/1/20") > 0);
}

static struct auth auth_with(int n, const enum role *roles, const char *const *paths)
{
    struct auth a;
    memset(&a, 0, sizeof(a));
    a.account_id = 1;
    a.nroles = n;
    for (int i = 0; i < n; i++) {
        a.roles[i].role = roles[i];
        a.roles[i].org_id = i + 1;
        snprintf(a.roles[i].org_path, sizeof(a.roles[i].org_path), "%s", paths[i]);
    }
    return a;
}

static void test_auth_covers_subtree_by_prefix_and_role(void **state)
{
    static const enum role roles[] = {ROLE_SECRETARY, ROLE_COMMITTEE};
    static const char *const paths[] = {"/1/2/", "/1/7/"};
    struct auth a = auth_with(2, roles, paths);
    (void)state;
    assert_true(auth_covers(&a, ROLE_SECRETARY, "/1/2/"));
    assert_true(auth_covers(&a, ROLE_SECRETARY, "/1/2/3/"));
    assert_true(auth_covers(&a, ROLE_SECRETARY, "/1/2/3/4/"));
    assert_false(auth_covers(&a, ROLE_SECRETARY, "/1/"));     /* the parent */
    assert_false(auth_covers(&a, ROLE_SECRETARY, "/1/22/"));  /* a sibling sharing "/1/2" */
    assert_false(auth_covers(&a, ROLE_SECRETARY, "/1/7/"));   /* committee's, not secretary's */
    assert_false(auth_covers(&a, ROLE_COMMITTEE, "/1/2/3/")); /* secretary's, not committee's */
    assert_true(auth_covers(&a, ROLE_ORG_ADMIN, "/1/7/8/"));
    assert_true(auth_covers(&a, ROLE_STAFF, "/1/2/"));
    assert_true(auth_covers(&a, ROLE_STAFF, "/1/7/"));
    assert_false(auth_covers(&a, ROLE_MEMBER | ROLE_FINANCE, "/1/2/"));
    assert_true(auth_has_role(&a, ROLE_COMMITTEE));
    assert_true(auth_has_role(&a, ROLE_ANY));
    assert_false(auth_has_role(&a, ROLE_ADMIN | ROLE_MEMBER));
}

static void test_auth_with_no_roles_covers_nothing(void **state)
{
    struct auth a;
    (void)state;
    memset(&a, 0, sizeof(a));
    assert_false(auth_covers(&a, ROLE_ANY, "/1/"));
    assert_false(auth_has_role(&a, ROLE_ANY));
}

static void test_auth_check_org_inside_outside_and_unknown(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    char path[ORG_PATH_MAX] = "untouched";
    long long r = org(f->db, "R", "committee", 0);   /* /1/ */
    long long c = org(f->db, "C", "committee", r);   /* /1/2/ */
    long long b = org(f->db, "B", "branch", c);      /* /1/2/3/ */
    long long c2 = org(f->db, "C2", "committee", r); /* /1/4/ */
    long long b2 = org(f->db, "B2", "branch", c2);   /* /1/4/5/ */
    static const enum role roles[] = {ROLE_COMMITTEE};
    static const char *const paths[] = {"/1/2/"};
    struct auth a = auth_with(1, roles, paths);
    assert_int_equal(auth_check_org(f->db, &a, ROLE_COMMITTEE, b, path, &e), 0);
    assert_string_equal(path, "/1/2/3/");
    assert_int_equal(auth_check_org(f->db, &a, ROLE_COMMITTEE, c, NULL, &e), 0);
    snprintf(path, sizeof(path), "untouched");
    assert_int_equal(auth_check_org(f->db, &a, ROLE_COMMITTEE, b2, path, &e), -ERR_FORBIDDEN);
    assert_string_equal(path, "untouched");
    assert_int_equal(auth_check_org(f->db, &a, ROLE_COMMITTEE, r, path, &e), -ERR_FORBIDDEN);
    /* the right place but not the right role */
    assert_int_equal(auth_check_org(f->db, &a, ROLE_SECRETARY | ROLE_ADMIN, b, path, &e),
                     -ERR_FORBIDDEN);
    assert_int_equal(auth_check_org(f->db, &a, ROLE_COMMITTEE, 99, path, &e), -ERR_NOTFOUND);
    assert_int_equal(e.code, -ERR_NOTFOUND);
}

static void test_role_names_parse_and_labels(void **state)
{
    static const enum role all[] = {ROLE_MEMBER, ROLE_SECRETARY, ROLE_COMMITTEE, ROLE_FINANCE,
                                    ROLE_ADMIN};
    enum role r = ROLE_MEMBER;
    (void)state;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        assert_int_equal(role_parse(role_name(all[i]), &r), 0);
        assert_int_equal(r, all[i]);
        assert_string_not_equal(role_label(all[i]), "");
    }
    assert_string_equal(role_name(ROLE_SECRETARY), "secretary");
    assert_string_equal(role_label(ROLE_SECRETARY), "支部书记");
    r = ROLE_ADMIN;
    assert_int_equal(role_parse("boss", &r), -ERR_INVALID);
    assert_int_equal(r, ROLE_ADMIN);
    assert_string_equal(role_name((enum role)(ROLE_ADMIN << 1)), "unknown");
}

/* ---- accounts ---- */

static long long account(struct db *db, const char *login, const char *password, long long org_id)
{
    struct account_new a = {login, password, "显示名", 0, ROLE_SECRETARY, org_id, NULL, 0};
    struct errbuf e = ERRBUF_INIT;
    long long id = 0;
    if (account_create(db, &a, 7, &id, &e) < 0)
        fail_msg("account_create %s: %s", login, e.msg);
    return id;
}

static void add_session(struct db *db, const char *token_hash, long long account_id)
{
    struct errbuf e = ERRBUF_INIT;
    if (db_run(db, &e,
               "INSERT INTO sessions(token_hash, account_id, csrf, created_at, expires_at)"
               " VALUES($1, $2, 'csrf', 0, 4102444800)",
               "ti", token_hash, account_id) < 0)
        fail_msg("%s", e.msg);
}

static void test_account_authenticate_same_answer_for_wrong_password_and_unknown_login(void **state)
{
    struct fix *f = *state;
    struct errbuf e1 = ERRBUF_INIT, e2 = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);
    long long id = account(f->db, "sec.one", "s3cret-pass", r), got = -1;
    assert_int_equal(account_authenticate(f->db, "sec.one", "s3cret-pass", &got, &e1), 0);
    assert_int_equal(got, id);
    got = -1;
    assert_int_equal(account_authenticate(f->db, "sec.one", "s3cret-pasS", &got, &e1), -ERR_UNAUTH);
    assert_int_equal(account_authenticate(f->db, "nobody", "s3cret-pass", &got, &e2), -ERR_UNAUTH);
    assert_int_equal(got, -1);
    assert_int_equal(e1.code, e2.code);
    assert_string_equal(e1.msg, e2.msg);
    assert_null(strstr(e2.msg, "nobody")); /* does not say which logins exist */
    /* logins are exact */
    assert_int_equal(account_authenticate(f->db, "SEC.ONE", "s3cret-pass", &got, &e2), -ERR_UNAUTH);
    /* the role is bound to the organization */
    assert_int_equal(count_i(f->db,
                             "SELECT COUNT(*) FROM account_roles WHERE account_id = $1"
                             " AND role = 'secretary' AND org_id = 1",
                             id),
                     1);
    /* the stored hash is not the password */
    assert_memory_equal(text_i(f->db, "SELECT password_hash FROM accounts WHERE id = $1", id),
                        "$argon2id$", 10);
}

static void test_account_disabled_is_forbidden_only_with_right_password(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);
    long long id = account(f->db, "fin", "money-money", r), got = -1;
    add_session(f->db, "h1", id);
    assert_int_equal(account_set_disabled(f->db, "fin", true, 0, &e), 0);
    assert_int_equal(account_authenticate(f->db, "fin", "money-money", &got, &e), -ERR_FORBIDDEN);
    assert_non_null(strstr(e.msg, "disabled"));
    assert_int_equal(got, -1);
    /* a wrong password does not tell that the account exists and is disabled */
    assert_int_equal(account_authenticate(f->db, "fin", "money-monex", &got, &e), -ERR_UNAUTH);
    /* disabling ended the session */
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM sessions"), 0);
    assert_int_equal(account_set_disabled(f->db, "fin", false, 0, &e), 0);
    assert_int_equal(account_authenticate(f->db, "fin", "money-money", &got, &e), 0);
    assert_int_equal(got, id);
    assert_int_equal(account_set_disabled(f->db, "ghost", true, 0, &e), -ERR_NOTFOUND);
}

static void test_account_set_password_ends_sessions(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);
    long long id = account(f->db, "adm", "first-password", r), other, got = -1;
    struct account_new o = {"other", NULL, NULL, 0, 0, 0, "$argon2id$precomputed", 0};
    assert_int_equal(account_create(f->db, &o, 0, &other, &e), 0);
    add_session(f->db, "h1", id);
    add_session(f->db, "h2", id);
    add_session(f->db, "h3", other);
    assert_int_equal(account_set_password(f->db, "adm", "short", 0, &e), -ERR_INVALID);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM sessions"), 3);
    assert_int_equal(account_set_password(f->db, "adm", "second-password", 0, &e), 0);
    /* only that account's sessions end */
    assert_int_equal(count_i(f->db, "SELECT COUNT(*) FROM sessions WHERE account_id = $1", id), 0);
    assert_int_equal(count_i(f->db, "SELECT COUNT(*) FROM sessions WHERE account_id = $1", other),
                     1);
    assert_int_equal(account_authenticate(f->db, "adm", "first-password", &got, &e), -ERR_UNAUTH);
    assert_int_equal(account_authenticate(f->db, "adm", "second-password", &got, &e), 0);
    assert_int_equal(got, id);
    assert_int_equal(count_i(f->db,
                             "SELECT COUNT(*) FROM audit WHERE action = 'passwd' AND"
                             " entity = 'account' AND entity_id = $1",
                             id),
                     1);
    assert_int_equal(account_set_password(f->db, "ghost", "second-password", 0, &e), -ERR_NOTFOUND);
}

static void test_account_create_refuses_bad_login_password_and_duplicates(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0), id = -1;
    struct account_new a = {"a b", "long-enough", NULL, 0, ROLE_ADMIN, r, "$argon2id$x", 0};
    char login65[66];
    assert_int_equal(account_create(f->db, &a, 0, &id, &e), -ERR_INVALID);
    a.login = "";
    assert_int_equal(account_create(f->db, &a, 0, &id, &e), -ERR_INVALID);
    memset(login65, 'a', 65);
    login65[65] = '\0';
    a.login = login65;
    assert_int_equal(account_create(f->db, &a, 0, &id, &e), -ERR_INVALID);
    a.login = "x@example.org";
    a.password_hash = NULL;
    a.password = "1234567"; /* 7 characters */
    assert_int_equal(account_create(f->db, &a, 0, &id, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "at least 8"));
    assert_int_equal(id, -1);
    assert_int_equal(account_check_password("12345678", &e), 0);
    assert_int_equal(account_check_password("密码密码密码密码", &e), 0); /* 8 characters */
    assert_int_equal(account_check_password("密码密码密码密", &e), -ERR_INVALID);
    assert_int_equal(account_check_password(NULL, &e), -ERR_INVALID);
    a.password_hash = "$argon2id$x";
    assert_int_equal(account_create(f->db, &a, 0, &id, &e), 0);
    assert_int_equal(account_create(f->db, &a, 0, &id, &e), -ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "'x@example.org'"));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM accounts"), 1);
    assert_int_equal(account_find(f->db, "x@example.org", &id, &e), 0);
    assert_int_equal(account_find(f->db, "y@example.org", &id, &e), -ERR_NOTFOUND);
}

/* ---- audit ---- */

static const char *audit_detail(struct db *db, const char *action, const char *entity,
                                long long entity_id)
{
    static char out[512];
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    int rc;
    assert_int_equal(db_prepare(db,
                                "SELECT detail FROM audit WHERE action = $1 AND entity = $2"
                                " AND entity_id = $3 ORDER BY id DESC",
                                &st, &e),
                     0);
    db_bindv(st, "tti", action, entity, entity_id);
    rc = db_step(st, &e);
    snprintf(out, sizeof(out), "%s", rc == 1 ? db_col_text(st, 0) : "<no row>");
    db_done(st);
    return out;
}

static void test_audit_rows_for_create_update_and_move(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct org_in o = {"R", "Root", "committee", 0, 0};
    long long r = 0, c, b, b2, m;
    assert_int_equal(org_create(f->db, &o, 42, &r, &e), 0);
    assert_string_equal(audit_detail(f->db, "create", "org", r),
                        "{\"code\":\"R\",\"kind\":\"committee\",\"name\":\"Root\"}");
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE account_id = 42 AND"
                                  " org_id = 1 AND at > 0"),
                     1);
    c = org(f->db, "C", "committee", r);
    b = org(f->db, "B", "branch", c);
    b2 = org(f->db, "B2", "branch", r);
    assert_int_equal(org_update(f->db, b, "New", NULL, -1, 0, &e), 0);
    assert_string_equal(audit_detail(f->db, "update", "org", b), "{\"name\":{\"from\":\"B\",\"to\":\"New\"}}");
    /* actor 0 (the command line) is stored as no account */
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE action = 'update' AND"
                                  " account_id IS NULL"),
                     1);
    assert_int_equal(org_move(f->db, b, r, 0, &e), 0);
    assert_string_equal(audit_detail(f->db, "move", "org", b),
                        "{\"parent_id\":{\"from\":2,\"to\":1}}");
    m = member(f->db, "E1", "Zhang", b, 202401);
    assert_string_equal(audit_detail(f->db, "create", "member", m),
                        "{\"emp_no\":\"E1\",\"name\":\"Zhang\",\"org_id\":3}");
    move_member(f->db, m, b2, 202402);
    assert_string_equal(audit_detail(f->db, "update", "member", m),
                        "{\"org_id\":{\"from\":3,\"to\":4}}");
    assert_int_equal(count_i(f->db,
                             "SELECT org_id FROM audit WHERE action = 'update' AND"
                             " entity = 'member' AND entity_id = $1",
                             m),
                     b2);
    assert_int_equal(audit_log(f->db, 5, 0, "delete", "thing", 0, NULL, &e), 0);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE entity = 'thing' AND"
                                  " org_id IS NULL AND entity_id IS NULL AND detail IS NULL"),
                     1);
}

/* An update's detail holds the changed fields only, as from/to; a phone or ID card only
 * masked, and still seen to change when only its hidden digits do. */
static void test_audit_update_detail_is_before_and_after_masked(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0), b = org(f->db, "B", "branch", r);
    long long m = member(f->db, "E1", "Zhang", b, 202401);
    struct member_in in;
    memset(&in, 0, sizeof(in));
    in.phone = "13912345678";
    in.name = "Zhang";
    assert_int_equal(member_update(f->db, m, &in, 202401, 7, &e), 0);
    assert_string_equal(audit_detail(f->db, "update", "member", m),
                        "{\"phone\":{\"from\":\"\",\"to\":\"139****5678\"}}");
    in.phone = "13900005678"; /* the hidden digits only */
    in.name = NULL;
    assert_int_equal(member_update(f->db, m, &in, 202401, 7, &e), 0);
    assert_string_equal(audit_detail(f->db, "update", "member", m),
                        "{\"phone\":{\"from\":\"139****5678\",\"to\":\"139****5678\"}}");
}

/* Inside a batch audit_log() writes nothing and counts; batches nest; after the outermost
 * end rows are written again. */
static void test_audit_batch_holds_rows_back_and_nests(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long outer = audit_batch_begin(), inner;
    assert_int_equal(audit_log(f->db, 1, 0, "create", "thing", 1, NULL, &e), 0);
    inner = audit_batch_begin();
    assert_int_equal(audit_log(f->db, 1, 0, "create", "thing", 2, NULL, &e), 0);
    assert_int_equal(audit_log(f->db, 1, 0, "create", "thing", 3, NULL, &e), 0);
    assert_int_equal(audit_batch_end(inner), 2);
    assert_int_equal(audit_log(f->db, 1, 0, "sum", "thing", 0, NULL, &e), 0);
    assert_int_equal(audit_batch_end(outer), 4);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE entity = 'thing'"), 0);
    assert_int_equal(audit_log(f->db, 1, 0, "sum", "thing", 0, NULL, &e), 0);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE entity = 'thing'"), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_bounds_end_just_after_the_subtree),
        cmocka_unit_test(test_auth_covers_subtree_by_prefix_and_role),
        cmocka_unit_test(test_auth_with_no_roles_covers_nothing),
        T(test_auth_check_org_inside_outside_and_unknown),
        cmocka_unit_test(test_role_names_parse_and_labels),
        T(test_account_authenticate_same_answer_for_wrong_password_and_unknown_login),
        T(test_account_disabled_is_forbidden_only_with_right_password),
        T(test_account_set_password_ends_sessions),
        T(test_account_create_refuses_bad_login_password_and_duplicates),
        T(test_audit_rows_for_create_update_and_move),
        T(test_audit_update_detail_is_before_and_after_masked),
        T(test_audit_batch_holds_rows_back_and_nests),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
