/* Tests for src/org: org.c (the tree), member.c (members and their month history),
 * scope.c (roles bound to subtrees), account.c (logins) and audit.c. Each test builds what
 * it needs in a fresh SQLite file; ids in a fresh database start at 1, so the expected
 * paths ('/1/2/3/') follow from the order of creation. */
#include "unit.h"

#include <jansson.h>
#include <unistd.h>

#include "base/pii.h"
#include "base/month.h"
#include "base/secret.h"
#include "db/db.h"
#include "org/account.h"
#include "org/audit.h"
#include "org/member.h"
#include "org/org.h"
#include "org/scope.h"

/* A valid resident id-card number: the weighted sum of its first 17 digits is 167, and
 * 167 mod 11 = 2 selects 'X' from "10X98765432"; born 1949-12-31. */
#define IDCARD "11010519491231002X"

struct fix {
    char dir[256];
    char path[300];
    struct db *db;
};

static int group_setup(void **state)
{
    (void)state;
    return secret_init();
}

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    struct errbuf e = ERRBUF_INIT;
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "%s/dj-test-org.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    if (db_open(f->path, &f->db, &e) < 0 || db_migrate(f->db, &e) < 0)
        fail_msg("open: %s", e.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    if (!f)
        return 0;
    db_close(f->db);
    unit_remove_db(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static long long count(struct db *db, const char *sql)
{
    struct errbuf e = ERRBUF_INIT;
    long long n = -1;
    if (db_query_int(db, &e, &n, sql, "") < 0)
        fail_msg("%s: %s", sql, e.msg);
    return n;
}

static long long count_i(struct db *db, const char *sql, long long a)
{
    struct errbuf e = ERRBUF_INIT;
    long long n = -1;
    if (db_query_int(db, &e, &n, sql, "i", a) < 0)
        fail_msg("%s: %s", sql, e.msg);
    return n;
}

/* Column 0 of the first row for one integer parameter, as text (static, overwritten). */
static const char *text_i(struct db *db, const char *sql, long long a)
{
    static char out[1024];
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    int rc;
    if (db_prepare(db, sql, &st, &e) < 0)
        fail_msg("%s: %s", sql, e.msg);
    db_bind_int(st, 1, a);
    rc = db_step(st, &e);
    snprintf(out, sizeof(out), "%s", rc == 1 ? db_col_text(st, 0) : "<no row>");
    db_done(st);
    if (rc < 0)
        fail_msg("%s: %s", sql, e.msg);
    return out;
}

static int org_try(struct db *db, const char *code, const char *kind, long long parent,
                   long long *ret, struct errbuf *e)
{
    struct org_in o = {code, code, kind, parent, 0};
    long long id = 0;
    int rc = org_create(db, &o, 0, &id, e);
    if (ret)
        *ret = id;
    return rc;
}

static long long org(struct db *db, const char *code, const char *kind, long long parent)
{
    struct errbuf e = ERRBUF_INIT;
    long long id = 0;
    if (org_try(db, code, kind, parent, &id, &e) < 0)
        fail_msg("org_create %s: %s", code, e.msg);
    return id;
}

static const char *path_of(struct db *db, long long id)
{
    return text_i(db, "SELECT path FROM orgs WHERE id = $1", id);
}

static long long depth_of(struct db *db, long long id)
{
    return count_i(db, "SELECT depth FROM orgs WHERE id = $1", id);
}

static const char *member_path_of(struct db *db, long long id)
{
    return text_i(db, "SELECT org_path FROM members WHERE id = $1", id);
}

static struct member_in person(const char *emp_no, const char *name, long long org_id)
{
    struct member_in m;
    memset(&m, 0, sizeof(m));
    m.emp_no = emp_no;
    m.name = name;
    m.org_id = org_id;
    return m;
}

static long long member(struct db *db, const char *emp_no, const char *name, long long org_id,
                        int month)
{
    struct member_in m = person(emp_no, name, org_id);
    struct errbuf e = ERRBUF_INIT;
    long long id = 0;
    if (member_create(db, &m, month, 0, &id, &e) < 0)
        fail_msg("member_create %s: %s", emp_no, e.msg);
    return id;
}

static void move_member(struct db *db, long long id, long long org_id, int month)
{
    struct member_in m;
    struct errbuf e = ERRBUF_INIT;
    memset(&m, 0, sizeof(m));
    m.org_id = org_id;
    if (member_update(db, id, &m, month, 0, &e) < 0)
        fail_msg("member_update %lld: %s", id, e.msg);
}

/* member_list remembers totals per thread keyed by the 'members' data version and the
 * query, not by database: each test that lists members starts its fresh database at a
 * version no other test uses, so an earlier test's totals cannot answer for it. */
static void own_members_version(struct db *db, long long v)
{
    struct errbuf e = ERRBUF_INIT;
    if (db_run(db, &e, "UPDATE data_versions SET version = $1 WHERE topic = 'members'", "i", v) < 0)
        fail_msg("%s", e.msg);
}

static void date_offset(int days, char *out, size_t n)
{
    date_format(date_from_days(date_to_days(date_today()) + days), out, n);
}

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

static void test_member_validate_canonicalizes_chinese_labels(void **state)
{
    struct member_in in = person("E1", "张三", 3), out;
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    in.gender = "男";
    in.party_status = "正式党员";
    in.category = "在职";
    in.status = "正常";
    assert_int_equal(member_validate(&in, true, &out, &e), 0);
    assert_string_equal(out.gender, "male");
    assert_string_equal(out.party_status, "full");
    assert_string_equal(out.category, "in_service");
    assert_string_equal(out.status, "active");
    assert_string_equal(out.emp_no, "E1");
    in.gender = "女";
    in.party_status = "预备党员";
    in.category = "离退休";
    in.status = "转出";
    assert_int_equal(member_validate(&in, true, &out, &e), 0);
    assert_string_equal(out.gender, "female");
    assert_string_equal(out.party_status, "probationary");
    assert_string_equal(out.category, "retired");
    assert_string_equal(out.status, "transferred_out");
    /* English values and the short forms pass too */
    in.gender = "M";
    in.party_status = "预备";
    in.category = "student";
    in.status = "deceased";
    assert_int_equal(member_validate(&in, true, &out, &e), 0);
    assert_string_equal(out.gender, "male");
    assert_string_equal(out.party_status, "probationary");
    assert_string_equal(out.category, "student");
    assert_string_equal(out.status, "deceased");
    /* an empty gender means unknown */
    in.gender = "";
    assert_int_equal(member_validate(&in, true, &out, &e), 0);
    assert_string_equal(out.gender, "");
}

/* member_validate on one changed field of a valid member: 0, or the message (static). */
static const char *invalid(const struct member_in *in, bool create)
{
    static struct errbuf e;
    struct member_in out;
    errbuf_clear(&e);
    if (member_validate(in, create, &out, &e) == 0)
        return NULL;
    assert_int_equal(e.code, -ERR_INVALID);
    return e.msg;
}

static void assert_starts(const char *msg, const char *prefix)
{
    if (!msg)
        fail_msg("accepted; expected an error starting '%s'", prefix);
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("'%s' does not start with '%s'", msg, prefix);
}

static void test_member_validate_rejects_bad_values_naming_the_field(void **state)
{
    struct member_in base = person("E1", "张三", 3), in;
    char tomorrow[16], today[16], name51[51 * 3 + 1];
    (void)state;
    date_offset(1, tomorrow, sizeof(tomorrow));
    date_offset(0, today, sizeof(today));

    in = base, in.id_card = "110105194912310021"; /* check character should be X */
    assert_starts(invalid(&in, true), "id_card: ");
    in = base, in.id_card = "11010519491231002"; /* 17 characters */
    assert_starts(invalid(&in, true), "id_card: ");
    in = base, in.id_card = "11010519491331002X"; /* month 13 */
    assert_starts(invalid(&in, true), "id_card: ");
    in = base, in.id_card = IDCARD;
    assert_null(invalid(&in, true));
    in = base, in.id_card = "11010519491231002x"; /* lower-case x is the same */
    assert_null(invalid(&in, true));

    in = base, in.phone = "12812345678"; /* second digit 2 */
    assert_starts(invalid(&in, true), "phone: ");
    in = base, in.phone = "1381234567"; /* 10 digits */
    assert_starts(invalid(&in, true), "phone: ");
    in = base, in.phone = "138-1234-5678";
    assert_starts(invalid(&in, true), "phone: ");
    in = base, in.phone = "13812345678";
    assert_null(invalid(&in, true));

    in = base, in.gender = "X";
    assert_starts(invalid(&in, true), "gender: invalid value 'X' (use 男, 女)");
    in = base, in.party_status = "";
    assert_starts(invalid(&in, true), "party_status: ");
    in = base, in.category = "worker";
    assert_starts(invalid(&in, true), "category: ");
    in = base, in.status = "gone";
    assert_starts(invalid(&in, true), "status: ");

    in = base, in.birth_date = "1990/01/01";
    assert_starts(invalid(&in, true), "birth_date: invalid date '1990/01/01'");
    in = base, in.birth_date = "1990-02-30";
    assert_starts(invalid(&in, true), "birth_date: ");
    in = base, in.birth_date = tomorrow;
    assert_starts(invalid(&in, true), "birth_date: ");
    assert_non_null(strstr(invalid(&in, true), "in the future"));
    in = base, in.joined_date = tomorrow;
    assert_starts(invalid(&in, true), "joined_date: ");
    in = base, in.joined_date = today; /* today is not the future */
    assert_null(invalid(&in, true));
    in = base, in.birth_date = ""; /* empty dates mean unknown */
    assert_null(invalid(&in, true));

    in = base, in.emp_no = "E 1";
    assert_starts(invalid(&in, true), "emp_no: must not contain spaces");
    in = base, in.emp_no = "E\t1";
    assert_starts(invalid(&in, true), "emp_no: ");
    in = base, in.emp_no = "123456789012345678901234567890123"; /* 33 */
    assert_starts(invalid(&in, true), "emp_no: longer than 32");
    /* name: 50 characters (not bytes) at most */
    name51[0] = '\0';
    for (int i = 0; i < 50; i++)
        memcpy(name51 + 3 * i, "张", 4);
    in = base, in.name = name51;
    assert_null(invalid(&in, true));
    memcpy(name51 + 150, "张", 4);
    assert_starts(invalid(&in, true), "name: longer than 50");
}

static void test_member_validate_create_requires_emp_no_name_and_org(void **state)
{
    struct member_in base = person("E1", "张三", 3), in;
    (void)state;
    in = base, in.emp_no = NULL;
    assert_starts(invalid(&in, true), "emp_no: required");
    in = base, in.emp_no = "";
    assert_starts(invalid(&in, true), "emp_no: required");
    in = base, in.name = NULL;
    assert_starts(invalid(&in, true), "name: required");
    in = base, in.name = "";
    assert_starts(invalid(&in, true), "name: required");
    in = base, in.org_id = 0;
    assert_starts(invalid(&in, true), "org_id: required");
    /* an update may leave all of them out */
    memset(&in, 0, sizeof(in));
    assert_null(invalid(&in, false));
}

static void test_member_create_only_into_a_branch(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);
    long long g = org(f->db, "G", "general_branch", r);
    long long b = org(f->db, "B", "branch", g);
    long long p = org(f->db, "P", "group", b);
    long long id = -1;
    struct member_in m = person("E1", "张三", r);
    m.gender = "男";
    m.phone = "13812345678";
    m.id_card = IDCARD;
    m.birth_date = "1949-12-31";
    assert_int_equal(member_create(f->db, &m, 202401, 0, &id, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "branch"));
    m.org_id = g;
    assert_int_equal(member_create(f->db, &m, 202401, 0, &id, &e), -ERR_INVALID);
    m.org_id = p;
    assert_int_equal(member_create(f->db, &m, 202401, 0, &id, &e), -ERR_INVALID);
    m.org_id = 99;
    assert_int_equal(member_create(f->db, &m, 202401, 0, &id, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "not found"));
    assert_int_equal(id, -1);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM members"), 0);
    m.org_id = b;
    assert_int_equal(member_create(f->db, &m, 202403, 0, &id, &e), 0);
    assert_int_equal(id, 1);
    assert_string_equal(member_path_of(f->db, id), "/1/2/3/");
    assert_string_equal(text_i(f->db, "SELECT gender FROM members WHERE id = $1", id), "male");
    /* defaults for what was left out */
    assert_string_equal(text_i(f->db,
                               "SELECT party_status || ',' || category || ',' || status"
                               " FROM members WHERE id = $1",
                               id),
                        "full,in_service,active");
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM members WHERE joined_date IS NULL"), 1);
    /* history starts in the given month, open-ended */
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM member_orgs WHERE member_id = 1 AND"
                                  " org_id = 3 AND from_month = 202403 AND to_month IS NULL"),
                     1);
    /* ingestion's member cache is told */
    assert_int_equal(count(f->db, "SELECT version FROM data_versions WHERE topic = 'members'"), 1);
}

static void test_member_create_duplicate_emp_no_is_conflict(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);
    long long b = org(f->db, "B", "branch", r);
    long long b2 = org(f->db, "B2", "branch", r);
    long long id = -1;
    struct member_in m = person("E1", "另一个", b2);
    member(f->db, "E1", "张三", b, 202401);
    assert_int_equal(member_create(f->db, &m, 202401, 0, &id, &e), -ERR_CONFLICT);
    assert_string_equal(e.msg, "emp_no: member 'E1' already exists");
    assert_int_equal(id, -1);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM members"), 1);
    assert_int_equal(count(f->db, "SELECT COUNT(*) FROM member_orgs"), 1);
}

/* The member's history rows as "org:from-to," text, oldest first ("-" for open). */
static const char *history(struct db *db, long long member_id)
{
    return text_i(db,
                  "SELECT group_concat(org_id || ':' || from_month || '-' ||"
                  " COALESCE(to_month, ''), ',') FROM (SELECT * FROM member_orgs"
                  " WHERE member_id = $1 ORDER BY from_month)",
                  member_id);
}

static void test_member_moves_keep_month_history(void **state)
{
    struct fix *f = *state;
    long long r = org(f->db, "R", "committee", 0); /* 1 */
    long long b1 = org(f->db, "B1", "branch", r);  /* 2 */
    long long b2 = org(f->db, "B2", "branch", r);  /* 3 */
    long long b3 = org(f->db, "B3", "branch", r);  /* 4 */
    long long m = member(f->db, "E1", "张三", b1, 202401);
    assert_string_equal(history(f->db, m), "2:202401-");
    /* moving in May closes B1 at April */
    move_member(f->db, m, b2, 202405);
    assert_string_equal(history(f->db, m), "2:202401-202404,3:202405-");
    assert_int_equal(count_i(f->db, "SELECT org_id FROM members WHERE id = $1", m), b2);
    assert_string_equal(member_path_of(f->db, m), "/1/3/");
    /* moving again in the same month: still one row for May, now B3 */
    move_member(f->db, m, b3, 202405);
    assert_string_equal(history(f->db, m), "2:202401-202404,4:202405-");
    assert_string_equal(member_path_of(f->db, m), "/1/4/");
    /* "moving" to where the member already is changes nothing */
    move_member(f->db, m, b3, 202407);
    assert_string_equal(history(f->db, m), "2:202401-202404,4:202405-");
    /* a later month across the year end closes May's row at December */
    move_member(f->db, m, b1, 202501);
    assert_string_equal(history(f->db, m), "2:202401-202404,4:202405-202412,2:202501-");
    assert_string_equal(member_path_of(f->db, m), "/1/2/");
    /* members may only move into branches */
    {
        struct member_in in;
        struct errbuf e = ERRBUF_INIT;
        memset(&in, 0, sizeof(in));
        in.org_id = r;
        assert_int_equal(member_update(f->db, m, &in, 202503, 0, &e), -ERR_INVALID);
        assert_int_equal(count_i(f->db, "SELECT org_id FROM members WHERE id = $1", m), b1);
    }
}

static void test_member_update_fields_and_errors(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);
    long long b = org(f->db, "B", "branch", r);
    long long m = member(f->db, "E1", "张三", b, 202401);
    struct member_in in;
    json_t *o = NULL;
    char path[ORG_PATH_MAX];
    member(f->db, "E2", "李四", b, 202401);
    memset(&in, 0, sizeof(in));
    in.name = "张三丰";
    in.gender = "女";
    in.phone = "13912345678";
    in.id_card = IDCARD;
    in.birth_date = "1949-12-31";
    assert_int_equal(member_update(f->db, m, &in, 202402, 0, &e), 0);
    assert_int_equal(member_get(f->db, m, false, &o, path, &e), 0);
    assert_string_equal(json_string_value(json_object_get(o, "name")), "张三丰");
    assert_string_equal(json_string_value(json_object_get(o, "gender")), "female");
    assert_string_equal(json_string_value(json_object_get(o, "gender_label")), "女");
    assert_string_equal(json_string_value(json_object_get(o, "phone")), "13912345678");
    assert_string_equal(json_string_value(json_object_get(o, "id_card")), IDCARD);
    assert_string_equal(json_string_value(json_object_get(o, "birth_date")), "1949-12-31");
    assert_string_equal(json_string_value(json_object_get(o, "emp_no")), "E1"); /* untouched */
    assert_string_equal(path, "/1/2/");
    json_decref(o);
    /* masked for lists */
    assert_int_equal(member_get(f->db, m, true, &o, NULL, &e), 0);
    assert_string_equal(json_string_value(json_object_get(o, "phone")), "139****5678");
    assert_string_equal(json_string_value(json_object_get(o, "id_card")), "1101**********002X");
    json_decref(o);
    /* an empty date clears it */
    memset(&in, 0, sizeof(in));
    in.birth_date = "";
    assert_int_equal(member_update(f->db, m, &in, 202402, 0, &e), 0);
    assert_int_equal(count_i(f->db,
                             "SELECT COUNT(*) FROM members WHERE id = $1 AND"
                             " birth_date IS NULL",
                             m),
                     1);
    /* another member's emp_no */
    memset(&in, 0, sizeof(in));
    in.emp_no = "E2";
    assert_int_equal(member_update(f->db, m, &in, 202402, 0, &e), -ERR_CONFLICT);
    assert_string_equal(e.msg, "emp_no: member 'E2' already exists");
    /* invalid values and unknown members */
    memset(&in, 0, sizeof(in));
    in.phone = "123";
    assert_int_equal(member_update(f->db, m, &in, 202402, 0, &e), -ERR_INVALID);
    {
        /* unchanged, and stored sealed: the database never holds the number itself */
        char plain[32];
        const char *stored = text_i(f->db, "SELECT phone FROM members WHERE id = $1", m);
        assert_true(pii_is_sealed(stored, NULL));
        assert_int_equal(pii_open("phone", stored, plain, sizeof(plain), &e), 0);
        assert_string_equal(plain, "13912345678");
    }
    memset(&in, 0, sizeof(in));
    in.name = "无名";
    assert_int_equal(member_update(f->db, 99, &in, 202402, 0, &e), -ERR_NOTFOUND);
    assert_int_equal(member_get(f->db, 99, true, &o, NULL, &e), -ERR_NOTFOUND);
}

/* Build the list fixture: R(1) → G(2) general branch → B1(3) branch → P(5) group, and
 * B2(4) branch under R. E001, E002, E004 (left the party) in B1; E003 in B2. */
static void list_fixture(struct db *db)
{
    struct errbuf e = ERRBUF_INIT;
    long long r = org(db, "R", "committee", 0);
    long long g = org(db, "G", "general_branch", r);
    long long b1 = org(db, "B1", "branch", g);
    long long b2 = org(db, "B2", "branch", r);
    struct member_in m = person("E001", "张三", b1);
    long long id;
    org(db, "P", "group", b1);
    m.phone = "13812345678";
    m.id_card = IDCARD;
    assert_int_equal(member_create(db, &m, 202401, 0, &id, &e), 0);
    member(db, "E002", "李四", b1, 202401);
    member(db, "E003", "王五", b2, 202401);
    m = person("E004", "赵六", b1);
    m.status = "出党";
    assert_int_equal(member_create(db, &m, 202401, 0, &id, &e), 0);
}

/* member_list's emp_no values in order, comma-separated (static); total in *total. */
static const char *list(struct db *db, const char *path, const char *q, const char *status,
                        long long page, long long size, long long *total)
{
    static char out[256];
    struct member_query mq = {path, q, status, page, size};
    struct errbuf e = ERRBUF_INIT;
    json_t *res = NULL, *it;
    size_t i;
    if (member_list(db, &mq, &res, &e) < 0)
        fail_msg("member_list: %s", e.msg);
    out[0] = '\0';
    json_array_foreach(json_object_get(res, "items"), i, it)
    {
        size_t n = strlen(out);
        snprintf(out + n, sizeof(out) - n, "%s%s", i ? "," : "",
                 json_string_value(json_object_get(it, "emp_no")));
    }
    *total = json_integer_value(json_object_get(res, "total"));
    assert_int_equal(json_integer_value(json_object_get(res, "page")), page);
    assert_int_equal(json_integer_value(json_object_get(res, "page_size")), size);
    json_decref(res);
    return out;
}

static void test_member_list_pages_in_path_order_with_total(void **state)
{
    struct fix *f = *state;
    long long total = -1;
    list_fixture(f->db);
    own_members_version(f->db, 1001);
    /* ordered by organization path, then emp_no: B1 (/1/2/3/) before B2 (/1/4/) */
    assert_string_equal(list(f->db, "/1/", NULL, NULL, 1, 2, &total), "E001,E002");
    assert_int_equal(total, 4);
    assert_string_equal(list(f->db, "/1/", NULL, NULL, 2, 2, &total), "E004,E003");
    assert_int_equal(total, 4);
    assert_string_equal(list(f->db, "/1/", NULL, NULL, 3, 2, &total), "");
    assert_int_equal(total, 4);
    assert_string_equal(list(f->db, "/1/", NULL, NULL, 1, 50, &total), "E001,E002,E004,E003");
    /* a subtree */
    assert_string_equal(list(f->db, "/1/2/", NULL, NULL, 1, 50, &total), "E001,E002,E004");
    assert_int_equal(total, 3);
    assert_string_equal(list(f->db, "/1/4/", NULL, NULL, 1, 50, &total), "E003");
    assert_int_equal(total, 1);
    assert_string_equal(list(f->db, "/1/2/3/5/", NULL, NULL, 1, 50, &total), "");
    assert_int_equal(total, 0);
}

static void test_member_list_filters_by_name_emp_no_and_status(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct member_query bad = {"/1/", NULL, "gone", 1, 10};
    json_t *res = NULL;
    long long total = -1;
    list_fixture(f->db);
    own_members_version(f->db, 1002);
    assert_string_equal(list(f->db, "/1/", "三", NULL, 1, 10, &total), "E001");
    assert_int_equal(total, 1);
    assert_string_equal(list(f->db, "/1/", "E00", NULL, 1, 10, &total), "E001,E002,E004,E003");
    assert_int_equal(total, 4);
    assert_string_equal(list(f->db, "/1/", "E003", NULL, 1, 10, &total), "E003");
    assert_int_equal(total, 1);
    /* emp_no matches from its start only */
    assert_string_equal(list(f->db, "/1/", "003", NULL, 1, 10, &total), "");
    assert_int_equal(total, 0);
    /* LIKE wildcards in the query are plain text, not patterns */
    assert_string_equal(list(f->db, "/1/", "E00_", NULL, 1, 10, &total), "");
    assert_int_equal(total, 0);
    assert_string_equal(list(f->db, "/1/", "%", NULL, 1, 10, &total), "");
    assert_int_equal(total, 0);
    /* status, in English or Chinese */
    assert_string_equal(list(f->db, "/1/", NULL, "active", 1, 10, &total), "E001,E002,E003");
    assert_int_equal(total, 3);
    assert_string_equal(list(f->db, "/1/", NULL, "正常", 1, 2, &total), "E001,E002");
    assert_int_equal(total, 3);
    assert_string_equal(list(f->db, "/1/", NULL, "left", 1, 10, &total), "E004");
    assert_int_equal(total, 1);
    /* both */
    assert_string_equal(list(f->db, "/1/", "E00", "active", 2, 2, &total), "E003");
    assert_int_equal(total, 3);
    assert_string_equal(list(f->db, "/1/", "赵", "active", 1, 10, &total), "");
    assert_int_equal(total, 0);
    assert_int_equal(member_list(f->db, &bad, &res, &e), -ERR_INVALID);
    assert_null(res);
    assert_non_null(strstr(e.msg, "status"));
}

static void test_member_list_masks_phone_and_id_card(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct member_query q = {"/1/", "E001", NULL, 1, 10};
    json_t *res = NULL, *it;
    list_fixture(f->db);
    own_members_version(f->db, 1003);
    assert_int_equal(member_list(f->db, &q, &res, &e), 0);
    it = json_array_get(json_object_get(res, "items"), 0);
    assert_non_null(it);
    assert_string_equal(json_string_value(json_object_get(it, "phone")), "138****5678");
    assert_string_equal(json_string_value(json_object_get(it, "id_card")), "1101**********002X");
    assert_string_equal(json_string_value(json_object_get(it, "org_code")), "B1");
    json_decref(res);
}

/* Regression (src/org/org.c, org_move, around lines 299-308): org_move rewrites members.org_path
 * for the whole subtree but does not bump the 'members' data version (member.c's
 * member_touch), which is what member_list's per-thread count cache is keyed on. After a
 * move, the total for the old subtree is served from the cache and no longer matches the
 * items (here: total 1 with no items). org_move should bump data_versions 'members' in the
 * same transaction. */
static void test_org_move_leaves_member_list_total_stale(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long r = org(f->db, "R", "committee", 0);
    long long g = org(f->db, "G", "general_branch", r);
    long long b = org(f->db, "B", "branch", g);
    long long total = -1;
    member(f->db, "E1", "张三", b, 202401);
    own_members_version(f->db, 1004);
    assert_string_equal(list(f->db, "/1/2/", NULL, NULL, 1, 10, &total), "E1");
    assert_int_equal(total, 1);
    assert_int_equal(org_move(f->db, b, r, 0, &e), 0); /* B leaves G's subtree */
    assert_string_equal(list(f->db, "/1/3/", NULL, NULL, 1, 10, &total), "E1");
    assert_int_equal(total, 1);
    assert_string_equal(list(f->db, "/1/2/", NULL, NULL, 1, 10, &total), "");
    assert_int_equal(total, 0);
}

/* ---- scope ---- */

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
        cmocka_unit_test(test_member_validate_canonicalizes_chinese_labels),
        cmocka_unit_test(test_member_validate_rejects_bad_values_naming_the_field),
        cmocka_unit_test(test_member_validate_create_requires_emp_no_name_and_org),
        T(test_member_create_only_into_a_branch),
        T(test_member_create_duplicate_emp_no_is_conflict),
        T(test_member_moves_keep_month_history),
        T(test_member_update_fields_and_errors),
        T(test_member_list_pages_in_path_order_with_total),
        T(test_member_list_filters_by_name_emp_no_and_status),
        T(test_member_list_masks_phone_and_id_card),
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
        /* last: fails until the bug it describes is fixed */
        T(test_org_move_leaves_member_list_total_stale),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
