/* Tests for src/org/org.c: the tree of organizations (paths, depths, kinds that fit their
 * parent, moves of a subtree). Shared helpers: org_world.h. */
#include "org_world.h"

/* ---- the tree ---- */

static void test_tree_paths_and_depths_follow_parents(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    json_t *o = NULL;
    long long r = org(f->db, "R", "committee", 0);
    long long c = org(f->db, "C", "committee", r);
    long long g = org(f->db, "G", "general_branch", c);
    long long b = org(f->db, "B", "branch", g);
    long long p = org(f->db, "P", "group", b);
    assert_int_equal(r, 1);
    assert_int_equal(p, 5);
    assert_string_equal(path_of(f->db, r), "/1/");
    assert_string_equal(path_of(f->db, c), "/1/2/");
    assert_string_equal(path_of(f->db, g), "/1/2/3/");
    assert_string_equal(path_of(f->db, b), "/1/2/3/4/");
    assert_string_equal(path_of(f->db, p), "/1/2/3/4/5/");
    assert_int_equal(depth_of(f->db, r), 0);
    assert_int_equal(depth_of(f->db, c), 1);
    assert_int_equal(depth_of(f->db, g), 2);
    assert_int_equal(depth_of(f->db, b), 3);
    assert_int_equal(depth_of(f->db, p), 4);
    assert_int_equal(count_i(f->db, "SELECT parent_id FROM orgs WHERE id = $1", b), g);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM orgs WHERE id = 1 AND parent_id IS NULL"),
                     1);
    assert_int_equal(org_get(f->db, b, &o, &e), 0);
    assert_string_equal(json_string_value(json_object_get(o, "path")), "/1/2/3/4/");
    assert_string_equal(json_string_value(json_object_get(o, "kind_label")), "党支部");
    assert_int_equal(json_integer_value(json_object_get(o, "parent_id")), g);
    json_decref(o);
    o = NULL;
    assert_int_equal(org_get(f->db, r, &o, &e), 0);
    assert_true(json_is_null(json_object_get(o, "parent_id")));
    json_decref(o);
    assert_int_equal(org_get(f->db, 99, &o, &e), -ERR_NOTFOUND);
}

static void test_org_path_and_find_code(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    char path[ORG_PATH_MAX];
    long long id = -1;
    long long r = org(f->db, "R", "committee", 0);
    long long b = org(f->db, "B.1", "branch", r);
    assert_int_equal(org_path(f->db, b, path, sizeof(path), &e), 0);
    assert_string_equal(path, "/1/2/");
    assert_int_equal(org_path(f->db, 77, path, sizeof(path), &e), -ERR_NOTFOUND);
    assert_int_equal(org_find_code(f->db, "B.1", &id, &e), 0);
    assert_int_equal(id, b);
    id = -1;
    assert_int_equal(org_find_code(f->db, "b.1", &id, &e), -ERR_NOTFOUND);
    assert_int_equal(id, -1);
    assert_non_null(strstr(e.msg, "'b.1'"));
}

static void test_kind_names_in_english_and_chinese(void **state)
{
    (void)state;
    assert_string_equal(org_kind_parse("党委"), "committee");
    assert_string_equal(org_kind_parse("党委员会"), "committee");
    assert_string_equal(org_kind_parse("党总支"), "general_branch");
    assert_string_equal(org_kind_parse("支部"), "branch");
    assert_string_equal(org_kind_parse("党小组"), "group");
    assert_string_equal(org_kind_parse("group"), "group");
    assert_null(org_kind_parse("Group"));
    assert_null(org_kind_parse(""));
    assert_null(org_kind_parse(NULL));
    assert_string_equal(org_kind_label("general_branch"), "党总支");
    assert_string_equal(org_kind_label("nonsense"), "");
}

static void test_create_accepts_chinese_kind(void **state)
{
    struct fix *f = *state;
    long long r = org(f->db, "R", "党委", 0);
    long long b = org(f->db, "B", "党支部", r);
    assert_string_equal(text_i(f->db, "SELECT kind FROM orgs WHERE id = $1", r), "committee");
    assert_string_equal(text_i(f->db, "SELECT kind FROM orgs WHERE id = $1", b), "branch");
}

/* org_create for kind under parent: 0 or the negative error (checked to be -ERR_INVALID). */
static int place(struct db *db, const char *code, const char *kind, long long parent)
{
    struct errbuf e = ERRBUF_INIT;
    int rc = org_try(db, code, kind, parent, NULL, &e);
    if (rc < 0) {
        assert_int_equal(rc, -ERR_INVALID);
        assert_int_equal(e.code, -ERR_INVALID);
    }
    return rc;
}

static void test_create_refuses_kinds_that_do_not_fit_the_parent(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r, c, g, b, p;
    /* at the root only a committee */
    assert_int_equal(place(f->db, "r-gb", "general_branch", 0), -ERR_INVALID);
    assert_int_equal(place(f->db, "r-b", "branch", 0), -ERR_INVALID);
    assert_int_equal(place(f->db, "r-g", "group", 0), -ERR_INVALID);
    assert_int_equal(org_try(f->db, "r-b2", "branch", 0, NULL, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "needs a parent"));
    r = org(f->db, "R", "committee", 0);
    /* under a committee: committee, general branch, branch; not a group */
    assert_int_equal(place(f->db, "c-c", "committee", r), 0);
    assert_int_equal(place(f->db, "c-gb", "general_branch", r), 0);
    assert_int_equal(place(f->db, "c-b", "branch", r), 0);
    assert_int_equal(place(f->db, "c-g", "group", r), -ERR_INVALID);
    assert_int_equal(org_try(f->db, "c-g2", "group", r, NULL, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "cannot be placed under"));
    c = org(f->db, "C", "committee", r);
    g = org(f->db, "G", "general_branch", c);
    /* under a general branch: only a branch */
    assert_int_equal(place(f->db, "g-c", "committee", g), -ERR_INVALID);
    assert_int_equal(place(f->db, "g-gb", "general_branch", g), -ERR_INVALID);
    assert_int_equal(place(f->db, "g-g", "group", g), -ERR_INVALID);
    b = org(f->db, "B", "branch", g);
    /* under a branch: only a group */
    assert_int_equal(place(f->db, "b-c", "committee", b), -ERR_INVALID);
    assert_int_equal(place(f->db, "b-gb", "general_branch", b), -ERR_INVALID);
    assert_int_equal(place(f->db, "b-b", "branch", b), -ERR_INVALID);
    p = org(f->db, "P", "group", b);
    /* under a group: nothing */
    assert_int_equal(place(f->db, "p-b", "branch", p), -ERR_INVALID);
    assert_int_equal(place(f->db, "p-g", "group", p), -ERR_INVALID);
    assert_int_equal(place(f->db, "p-c", "committee", p), -ERR_INVALID);
    /* refusals leave nothing behind: R, C, G, B, P and the three accepted under R */
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM orgs"), 8);
}

static void test_create_refuses_bad_code_name_kind_parent_and_duplicates(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct org_in o = {"X", "", "committee", 0, 0};
    char longname[102 * 3 + 1];
    long long id = -1, r = org(f->db, "R", "committee", 0);
    assert_int_equal(place(f->db, "", "committee", 0), -ERR_INVALID);
    assert_int_equal(place(f->db, "a b", "committee", 0), -ERR_INVALID);
    assert_int_equal(place(f->db, "a'b", "committee", 0), -ERR_INVALID);
    assert_int_equal(place(f->db, "abcdefghijabcdefghijabcdefghijabc", "committee", 0),
                     -ERR_INVALID); /* 33 characters */
    assert_int_equal(place(f->db, "abcdefghijabcdefghijabcdefghijab", "committee", 0), 0);
    assert_int_equal(org_create(f->db, &o, 0, &id, &e), -ERR_INVALID); /* empty name */
    assert_int_equal(id, -1);
    /* the limit is 100 characters, not bytes: 100 Chinese characters are fine */
    longname[0] = '\0';
    for (int i = 0; i < 100; i++)
        memcpy(longname + 3 * i, "党", 4);
    o.code = "CN100";
    o.name = longname;
    assert_int_equal(org_create(f->db, &o, 0, &id, &e), 0);
    memcpy(longname + 300, "党", 4);
    o.code = "CN101";
    assert_int_equal(org_create(f->db, &o, 0, &id, &e), -ERR_INVALID);
    assert_int_equal(org_try(f->db, "K", "division", r, NULL, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "'division'"));
    assert_int_equal(org_try(f->db, "Q", "branch", 999, NULL, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "999"));
    assert_int_equal(org_try(f->db, "R", "committee", 0, NULL, &e), -ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "'R'"));
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM orgs WHERE code = 'R'"), 1);
}

static void test_move_rewrites_subtree_paths_depths_and_member_paths(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);      /* 1 /1/ */
    long long c = org(f->db, "C", "committee", r);      /* 2 /1/2/ */
    long long g = org(f->db, "G", "general_branch", c); /* 3 /1/2/3/ */
    long long b = org(f->db, "B", "branch", g);         /* 4 /1/2/3/4/ */
    long long p = org(f->db, "P", "group", b);          /* 5 /1/2/3/4/5/ */
    long long b2 = org(f->db, "B2", "branch", r);       /* 6 /1/6/ */
    long long m1 = member(f->db, "E1", "甲", b, 202401);
    long long m2 = member(f->db, "E2", "乙", b, 202401);
    long long m3 = member(f->db, "E3", "丙", b2, 202401);

    /* up one level: G from under C to under R */
    assert_int_equal(org_move(f->db, g, r, 0, &e), 0);
    assert_string_equal(path_of(f->db, g), "/1/3/");
    assert_string_equal(path_of(f->db, b), "/1/3/4/");
    assert_string_equal(path_of(f->db, p), "/1/3/4/5/");
    assert_int_equal(depth_of(f->db, g), 1);
    assert_int_equal(depth_of(f->db, b), 2);
    assert_int_equal(depth_of(f->db, p), 3);
    assert_int_equal(count_i(f->db, "SELECT parent_id FROM orgs WHERE id = $1", g), r);
    assert_int_equal(count_i(f->db, "SELECT parent_id FROM orgs WHERE id = $1", b), g);
    assert_string_equal(member_path_of(f->db, m1), "/1/3/4/");
    assert_string_equal(member_path_of(f->db, m2), "/1/3/4/");
    /* the rest is untouched */
    assert_string_equal(path_of(f->db, c), "/1/2/");
    assert_string_equal(path_of(f->db, b2), "/1/6/");
    assert_string_equal(member_path_of(f->db, m3), "/1/6/");
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM orgs WHERE path LIKE '/1/2/3/%'"), 0);

    /* and down again: back under C */
    assert_int_equal(org_move(f->db, g, c, 0, &e), 0);
    assert_string_equal(path_of(f->db, p), "/1/2/3/4/5/");
    assert_int_equal(depth_of(f->db, g), 2);
    assert_int_equal(depth_of(f->db, p), 4);
    assert_string_equal(member_path_of(f->db, m1), "/1/2/3/4/");
    /* every member's path is its organization's path */
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM members m JOIN orgs o ON o.id = m.org_id"
                                  " WHERE m.org_path <> o.path"),
                     0);
}

static void test_move_leaves_sibling_with_longer_id_alone(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0), two = 0, three = 0, twenty = 0, b21, b22, m;
    char code[16];
    /* committees 2..20 under R: /1/2/ and /1/20/ share the text prefix "/1/2" */
    for (int i = 2; i <= 20; i++) {
        snprintf(code, sizeof(code), "C%d", i);
        long long id = org(f->db, code, "committee", r);
        assert_int_equal(id, i);
        if (i == 2)
            two = id;
        else if (i == 3)
            three = id;
        else if (i == 20)
            twenty = id;
    }
    b21 = org(f->db, "B21", "branch", two);
    b22 = org(f->db, "B22", "branch", twenty);
    m = member(f->db, "E22", "丁", b22, 202401);
    assert_string_equal(path_of(f->db, b22), "/1/20/22/");
    assert_int_equal(org_move(f->db, two, three, 0, &e), 0);
    assert_string_equal(path_of(f->db, two), "/1/3/2/");
    assert_string_equal(path_of(f->db, b21), "/1/3/2/21/");
    assert_string_equal(path_of(f->db, twenty), "/1/20/");
    assert_string_equal(path_of(f->db, b22), "/1/20/22/");
    assert_string_equal(member_path_of(f->db, m), "/1/20/22/");
}

static void test_move_refuses_own_subtree_misfits_and_unknowns(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);      /* /1/ */
    long long c = org(f->db, "C", "committee", r);      /* /1/2/ */
    long long d = org(f->db, "D", "committee", c);      /* /1/2/3/ */
    long long g = org(f->db, "G", "general_branch", d); /* /1/2/3/4/ */
    long long b = org(f->db, "B", "branch", r);         /* /1/5/ */
    long long p = org(f->db, "P", "group", b);          /* /1/5/6/ */
    /* committees may nest, so only the subtree rule refuses these */
    assert_int_equal(org_move(f->db, c, d, 0, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "own sub-organization"));
    assert_int_equal(org_move(f->db, c, c, 0, &e), -ERR_INVALID);
    assert_int_equal(org_move(f->db, c, g, 0, &e), -ERR_INVALID);
    /* kinds must fit the new parent */
    assert_int_equal(org_move(f->db, g, b, 0, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "cannot be placed under"));
    assert_int_equal(org_move(f->db, b, p, 0, &e), -ERR_INVALID);
    assert_int_equal(org_move(f->db, p, g, 0, &e), -ERR_INVALID);
    /* unknown organizations */
    assert_int_equal(org_move(f->db, 99, r, 0, &e), -ERR_NOTFOUND);
    assert_int_equal(org_move(f->db, c, 99, 0, &e), -ERR_INVALID);
    /* nothing moved */
    assert_string_equal(path_of(f->db, c), "/1/2/");
    assert_string_equal(path_of(f->db, d), "/1/2/3/");
    assert_string_equal(path_of(f->db, g), "/1/2/3/4/");
    assert_string_equal(path_of(f->db, p), "/1/5/6/");
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM audit WHERE action = 'move'"), 0);
}

static void test_update_kind_blocked_when_children_do_not_fit(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);
    long long c = org(f->db, "C", "committee", r);
    long long g = org(f->db, "G", "general_branch", c);
    long long b = org(f->db, "B", "branch", c);
    long long p = org(f->db, "P", "group", b);
    long long c2 = org(f->db, "C2", "committee", r);
    long long b6 = org(f->db, "B6", "branch", c2);
    org(f->db, "BG", "branch", g);
    /* B's parent would take a general branch, but B's group would then be misplaced */
    assert_int_equal(org_update(f->db, b, NULL, "general_branch", -1, 0, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "do not fit"));
    /* a committee with a general branch below cannot become a general branch */
    assert_int_equal(org_update(f->db, c, NULL, "general_branch", -1, 0, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "do not fit"));
    /* nor a group: a group's parent is a branch, and B's is a committee */
    assert_int_equal(org_update(f->db, b, NULL, "group", -1, 0, &e), -ERR_INVALID);
    /* the organization's own parent still decides too */
    assert_int_equal(org_update(f->db, r, NULL, "branch", -1, 0, &e), -ERR_INVALID);
    assert_int_equal(org_update(f->db, p, NULL, "branch", -1, 0, &e), -ERR_INVALID);
    assert_int_equal(org_update(f->db, b, NULL, "花", -1, 0, &e), -ERR_INVALID);
    assert_int_equal(org_update(f->db, 99, NULL, "branch", -1, 0, &e), -ERR_NOTFOUND);
    assert_string_equal(text_i(f->db, "SELECT kind FROM orgs WHERE id = $1", b), "branch");
    assert_string_equal(text_i(f->db, "SELECT kind FROM orgs WHERE id = $1", c), "committee");
    /* changes that fit go through: a committee with only branches becomes a general branch,
     * a general branch under a committee with a branch becomes a committee */
    assert_int_equal(org_update(f->db, c2, NULL, "党总支", -1, 0, &e), 0);
    assert_string_equal(text_i(f->db, "SELECT kind FROM orgs WHERE id = $1", c2), "general_branch");
    assert_int_equal(org_update(f->db, g, NULL, "committee", -1, 0, &e), 0);
    assert_string_equal(text_i(f->db, "SELECT kind FROM orgs WHERE id = $1", g), "committee");
    /* B6 is now under a general branch: it cannot become a group */
    assert_int_equal(org_update(f->db, b6, NULL, "group", -1, 0, &e), -ERR_INVALID);
}

static void test_update_name_and_secretary_within_subtree(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);
    long long g = org(f->db, "G", "general_branch", r);
    long long b = org(f->db, "B", "branch", g);
    long long b2 = org(f->db, "B2", "branch", r);
    long long m = member(f->db, "E1", "甲", b, 202401);
    assert_int_equal(org_update(f->db, b, "第一支部", NULL, -1, 0, &e), 0);
    assert_string_equal(text_i(f->db, "SELECT name FROM orgs WHERE id = $1", b), "第一支部");
    assert_int_equal(org_update(f->db, b, "", NULL, -1, 0, &e), -ERR_INVALID);
    /* a secretary must belong to the organization or to one below it */
    assert_int_equal(org_update(f->db, b, NULL, NULL, m, 0, &e), 0);
    assert_int_equal(count_i(f->db, "SELECT secretary_id FROM orgs WHERE id = $1", b), m);
    assert_int_equal(org_update(f->db, g, NULL, NULL, m, 0, &e), 0);
    assert_int_equal(org_update(f->db, b2, NULL, NULL, m, 0, &e), -ERR_INVALID);
    assert_int_equal(
        count(f->db, "SELECT COUNT(*) FROM orgs WHERE id = 4 AND secretary_id IS NULL"), 1);
    /* 0 clears */
    assert_int_equal(org_update(f->db, b, NULL, NULL, 0, 0, &e), 0);
    assert_int_equal(
        count(f->db, "SELECT COUNT(*) FROM orgs WHERE id = 3 AND secretary_id IS NULL"), 1);
}

/* ---- members ---- */

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_tree_paths_and_depths_follow_parents),
        T(test_org_path_and_find_code),
        cmocka_unit_test(test_kind_names_in_english_and_chinese),
        T(test_create_accepts_chinese_kind),
        T(test_create_refuses_kinds_that_do_not_fit_the_parent),
        T(test_create_refuses_bad_code_name_kind_parent_and_duplicates),
        T(test_move_rewrites_subtree_paths_depths_and_member_paths),
        T(test_move_leaves_sibling_with_longer_id_alone),
        T(test_move_refuses_own_subtree_misfits_and_unknowns),
        T(test_update_kind_blocked_when_children_do_not_fit),
        T(test_update_name_and_secretary_within_subtree),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
