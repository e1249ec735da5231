/* Members' personal data at rest: sealing, opening, keyed hashes, the key ring's file and
 * its rotation (base/pii.c, org/member_pii.c). */
#include "unit.h"
#include "tmpdb.h"

#include <sys/stat.h>
#include <unistd.h>

#include "base/pii.h"
#include "base/parse.h"
#include "base/secret.h"
#include "db/db.h"
#include "org/member.h"
#include "org/member_pii.h"
#include "org/org.h"

#define IDCARD "11010519491231002X"

struct fix {
    char dir[256];
    char path[300];
    char keys[320];
    struct db *db;
    long long branch;
};

static int group_setup(void **state)
{
    (void)state;
    return secret_init();
}

/* A database file whose key ring is the default file beside it (not the environment's). */
static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    struct errbuf e = ERRBUF_INIT;
    struct org_in root = {"R", "党委", "committee", 0, 0}, branch = {"B", "支部", "branch", 0, 0};
    long long rid;
    assert_non_null(f);
    unsetenv("DANGJIAN_PII_KEY");
    unsetenv("DANGJIAN_KEY_FILE");
    UNIT_TMPDB_OPEN(f, "pii", true);
    snprintf(f->keys, sizeof(f->keys), "%s.keys", f->path);
    if (pii_configure(f->path, &e) < 0 || member_pii_attach(f->db, true, &e) < 0 ||
        org_create(f->db, &root, 0, &rid, &e) < 0)
        fail_msg("setup: %s", e.msg);
    branch.parent_id = rid;
    if (org_create(f->db, &branch, 0, &f->branch, &e) < 0)
        fail_msg("setup: %s", e.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    UNIT_TMPDB_REMOVE(f);
    free(f);
    /* back to the fixed key of the other tests */
    setenv("DANGJIAN_PII_KEY", "7e57c0de:JcYrC2XnEkXkFanGfpOigCpxrbsQgzNKGUbOLdI8F_Y", 1);
    return 0;
}

static long long member(struct fix *f, const char *emp_no, const char *phone, const char *idc,
                        struct errbuf *e)
{
    struct member_in in = {0};
    long long id = 0;
    in.emp_no = emp_no;
    in.name = "张三";
    in.org_id = f->branch;
    in.phone = phone;
    in.id_card = idc;
    return member_create(f->db, &in, 202401, 0, &id, e) < 0 ? -1 : id;
}

static const char *stored(struct db *db, const char *column, long long id)
{
    static char out[PII_SEALED_MAX];
    struct errbuf e = ERRBUF_INIT;
    struct db_stmt *st;
    char sql[96];
    snprintf(sql, sizeof(sql), "SELECT %s FROM members WHERE id = $1", column);
    assert_int_equal(db_prepare(db, sql, &st, &e), 0);
    db_bind_int(st, 1, id);
    assert_int_equal(db_step(st, &e), 1);
    snprintf(out, sizeof(out), "%s", db_col_text(st, 0));
    db_done(st);
    return out;
}

static void test_seal_opens_only_as_sealed(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    char sealed[PII_SEALED_MAX], again[PII_SEALED_MAX], out[80], id[PII_KEY_ID_LEN];
    (void)state;
    assert_int_equal(pii_seal("phone", "13912345678", sealed, &e), 0);
    assert_true(pii_is_sealed(sealed, id));
    assert_null(strstr(sealed, "13912345678"));
    assert_int_equal(pii_open("phone", sealed, out, sizeof(out), &e), 0);
    assert_string_equal(out, "13912345678");
    /* a fresh nonce every time: the same number is never stored twice alike */
    assert_int_equal(pii_seal("phone", "13912345678", again, &e), 0);
    assert_string_not_equal(sealed, again);
    /* bound to its column: a phone moved into id_card does not open */
    assert_int_equal(pii_open("id_card", sealed, out, sizeof(out), &e), -ERR_INTERNAL);
    /* one changed character and it does not open */
    sealed[strlen(sealed) - 3] = sealed[strlen(sealed) - 3] == 'A' ? 'B' : 'A';
    assert_int_equal(pii_open("phone", sealed, out, sizeof(out), &e), -ERR_INTERNAL);
    /* empty stays empty; a value written before sealing reads as it is */
    assert_int_equal(pii_seal("phone", "", again, &e), 0);
    assert_string_equal(again, "");
    assert_int_equal(pii_open("phone", "13800000000", out, sizeof(out), &e), 0);
    assert_string_equal(out, "13800000000");
}

static void test_member_numbers_sealed_hashed_and_unique(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    long long a = member(f, "E1", "13912345678", IDCARD, &e), b, found = 0;
    json_t *o;
    assert_true(a > 0);
    assert_true(pii_is_sealed(stored(f->db, "id_card", a), NULL));
    assert_true(pii_is_sealed(stored(f->db, "phone", a), NULL));
    /* found by the number, the check letter in either case */
    assert_int_equal(member_pii_find(f->db, "id_card", "11010519491231002x", &found, &e), 0);
    assert_int_equal(found, a);
    assert_int_equal(member_pii_find(f->db, "phone", "13912345678", &found, &e), 0);
    assert_int_equal(found, a);
    assert_int_equal(member_pii_find(f->db, "phone", "13900000000", &found, &e), 0);
    assert_int_equal(found, 0);
    /* one person, one member: the same ID card again is refused without repeating it */
    b = member(f, "E2", "", "11010519491231002x", &e);
    assert_int_equal(b, -1);
    assert_int_equal(e.code, -ERR_CONFLICT);
    assert_string_equal(e.msg, "id_card: member 'E1' already has this ID card number");
    assert_null(strstr(e.msg, "1101"));
    /* masked in lists, in full for the member's own record */
    assert_int_equal(member_get(f->db, a, true, &o, NULL, &e), 0);
    assert_string_equal(json_string_value(json_object_get(o, "phone")), "139****5678");
    json_decref(o);
    assert_int_equal(member_get(f->db, a, false, &o, NULL, &e), 0);
    assert_string_equal(json_string_value(json_object_get(o, "id_card")), IDCARD);
    json_decref(o);
}

static void test_key_file_private_and_ring_checked(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct stat st;
    char saved[400], cmd[800];
    assert_int_equal(stat(f->keys, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* readable by others: refused, saying how to fix it */
    chmod(f->keys, 0644);
    assert_int_equal(pii_load(false, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "chmod 600"));
    chmod(f->keys, 0600);
    assert_int_equal(pii_load(false, &e), 0);
    assert_true(member(f, "E1", "13912345678", IDCARD, &e) > 0);
    /* the ring lost: never replaced by a new one behind the operator's back */
    snprintf(saved, sizeof(saved), "%s.saved", f->keys);
    assert_int_equal(rename(f->keys, saved), 0);
    assert_int_equal(pii_configure(f->path, &e), 0);
    assert_int_equal(member_pii_attach(f->db, true, &e), -ERR_IO);
    assert_non_null(strstr(e.msg, "set DANGJIAN_KEY_FILE"));
    assert_int_equal(access(f->keys, F_OK), -1);
    /* another ring (another key): the database names the key it needs */
    setenv("DANGJIAN_PII_KEY", "0badc0de:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", 1);
    assert_int_equal(pii_configure(f->path, &e), 0);
    assert_int_equal(member_pii_attach(f->db, false, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "which the key ring DANGJIAN_PII_KEY lacks"));
    unsetenv("DANGJIAN_PII_KEY");
    /* the file back: all is well again */
    snprintf(cmd, sizeof(cmd), "%s", f->keys);
    assert_int_equal(rename(saved, cmd), 0);
    assert_int_equal(pii_configure(f->path, &e), 0);
    assert_int_equal(member_pii_attach(f->db, false, &e), 0);
}

static void test_rotation_reseals_everything_then_retires(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    struct member_pii_use use[4];
    char old[PII_KEY_ID_LEN], fresh[PII_KEY_ID_LEN], out[80];
    long long ids[30], found = 0;
    int n;
    for (int i = 0; i < 30; i++) {
        char emp[16], idc[20];
        snprintf(emp, sizeof(emp), "E%02d", i);
        /* distinct valid ID cards: only the sequence digits change; the check letter follows */
        snprintf(idc, sizeof(idc), "110105194912310%02d", i);
        idc[17] = idcard_check(idc);
        idc[18] = '\0';
        assert_true((ids[i] = member(f, emp, i % 3 ? "13912345678" : "", idc, &e)) > 0);
    }
    assert_true(pii_is_sealed(stored(f->db, "phone", ids[1]), old));
    assert_int_equal(member_pii_rotate(f->db, fresh, &e), 0);
    assert_string_not_equal(old, fresh);
    /* before the passes: old values still open, lookups still find them */
    assert_int_equal(member_pii_find(f->db, "phone", "13912345678", &found, &e), 0);
    assert_int_equal(found, ids[1]);
    assert_int_equal(member_pii_retire(f->db, old, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "still seals"));
    /* passes of 7 rows: every value and hash under the new key, then nothing left */
    assert_int_equal(member_pii_reseal(f->db, 7, &e), 30);
    assert_int_equal(member_pii_reseal(f->db, 7, &e), 0);
    assert_true(pii_is_sealed(stored(f->db, "phone", ids[1]), out));
    assert_string_equal(out, fresh);
    assert_int_equal(strncmp(stored(f->db, "id_card_hash", ids[0]), fresh, 8), 0);
    assert_string_equal(stored(f->db, "phone", ids[0]), "");
    n = member_pii_usage(f->db, use, 4, &e);
    assert_int_equal(n, 2);
    assert_string_equal(use[0].id, old);
    assert_int_equal(use[0].values, 0);
    assert_int_equal(use[1].values, 30 * 2 + 20 * 2);
    /* the sealing key stays; the old one goes */
    assert_int_equal(member_pii_retire(f->db, fresh, &e), -ERR_INVALID);
    assert_int_equal(member_pii_retire(f->db, old, &e), 0);
    assert_int_equal(pii_configure(f->path, &e), 0);
    assert_int_equal(member_pii_attach(f->db, false, &e), 0);
    assert_int_equal(member_pii_find(f->db, "phone", "13912345678", &found, &e), 0);
    assert_int_equal(found, ids[1]);
}

/* A server notices a key another process added to the file (a rotation while it runs). */
static void test_ring_file_changed_by_another_process(void **state)
{
    struct fix *f = *state;
    struct errbuf e = ERRBUF_INIT;
    char text[600], sealed[PII_SEALED_MAX], id[PII_KEY_ID_LEN], out[80];
    FILE *fp = fopen(f->keys, "r");
    size_t len;
    assert_non_null(fp);
    len = fread(text, 1, sizeof(text) - 1, fp);
    fclose(fp);
    text[len] = '\0';
    /* written behind this process's back, as 'dangjian keys rotate' elsewhere would */
    fp = fopen(f->keys, "a");
    assert_non_null(fp);
    fprintf(fp, "key 0123abcd AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n");
    fclose(fp);
    sleep(1); /* the ring is looked at once a second */
    assert_int_equal(pii_seal("phone", "13912345678", sealed, &e), 0);
    assert_true(pii_is_sealed(sealed, id));
    assert_string_equal(id, "0123abcd");
    assert_int_equal(pii_open("phone", sealed, out, sizeof(out), &e), 0);
    assert_string_equal(out, "13912345678");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_seal_opens_only_as_sealed),
        T(test_member_numbers_sealed_hashed_and_unique),
        T(test_key_file_private_and_ring_checked),
        T(test_rotation_reseals_everything_then_retires),
        T(test_ring_file_changed_by_another_process),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
