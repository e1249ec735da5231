/* Tests for src/base: buf.c (growable string with a maximum), err.c (error values and
 * messages) and secret.c (tokens, hashes, passwords); month.c: test_month.c. Expected values
 * are worked out by hand in the comments beside them. */
#include "unit.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/secret.h"

static int group_setup(void **state)
{
    (void)state;
    return secret_init();
}

/* ---- buf.c ---- */

static void test_buf_unused_buffer_reads_as_empty_string(void **state)
{
    struct buf b = BUF_INIT;
    (void)state;
    assert_null(b.data);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(b.len, 0);
    buf_release(&b);
    buf_release(NULL); /* destructors accept NULL */
}

static void test_buf_grows_byte_by_byte_past_many_doublings(void **state)
{
    struct buf b = BUF_INIT;
    (void)state;
    /* 5000 bytes: past the first 64-byte allocation and several doublings */
    for (int i = 0; i < 5000; i++)
        assert_int_equal(buf_addch(&b, (char)('a' + i % 26)), 0);
    assert_int_equal(b.len, 5000);
    assert_true(b.cap >= 5001);
    assert_int_equal(strlen(buf_str(&b)), 5000);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    buf_release(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_buf_add_keeps_embedded_nul_and_terminates(void **state)
{
    struct buf b = BUF_INIT;
    (void)state;
    assert_int_equal(buf_add(&b, "ab\0cd", 5), 0);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "ab\0cd", 6); /* the sixth byte is the terminator */
    assert_int_equal(buf_add(&b, "x", 0), 0); /* adding nothing is fine */
    assert_int_equal(b.len, 5);
    buf_release(&b);
}

static void test_buf_max_size_allows_exactly_max_bytes(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_addstr(&b, "1234"), 0);
    assert_int_equal(buf_addstr(&b, "5678"), 0);
    assert_string_equal(buf_str(&b), "12345678");
    /* never allocates more than max + 1 (the terminator) */
    assert_true(b.cap <= 9);
    assert_int_equal(buf_add(&b, "", 0), 0);
    buf_release(&b);
}

static void test_buf_past_max_is_toobig_and_leaves_contents_intact(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_addstr(&b, "1234"), 0);
    /* 4 + 5 = 9 > 8: refused whole, not cut to fit */
    assert_int_equal(buf_addstr(&b, "56789"), -ERR_TOOBIG);
    assert_string_equal(buf_str(&b), "1234");
    assert_int_equal(b.len, 4);
    assert_int_equal(buf_addstr(&b, "5678"), 0);
    assert_int_equal(buf_addch(&b, 'x'), -ERR_TOOBIG);
    assert_int_equal(buf_printf(&b, "%d", 7), -ERR_TOOBIG);
    assert_string_equal(buf_str(&b), "12345678");
    assert_int_equal(b.len, 8);
    buf_release(&b);
}

static void test_buf_printf_appends_formatted_text(void **state)
{
    struct buf b = BUF_INIT;
    (void)state;
    assert_int_equal(buf_addstr(&b, "row "), 0);
    assert_int_equal(buf_printf(&b, "%d: '%s' %05.1f", 17, "x", 3.5), 0);
    assert_string_equal(buf_str(&b), "row 17: 'x' 003.5");
    assert_int_equal(b.len, strlen("row 17: 'x' 003.5"));
    buf_release(&b);
}

static void test_buf_printf_longer_than_first_allocation(void **state)
{
    struct buf b = BUF_INIT;
    char big[1001];
    (void)state;
    memset(big, 'z', 1000);
    big[1000] = '\0';
    assert_int_equal(buf_printf(&b, "<%s>", big), 0);
    assert_int_equal(b.len, 1002);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[1000], 'z');
    assert_int_equal(b.data[1001], '>');
    assert_int_equal(b.data[1002], '\0');
    buf_release(&b);
}

static void test_buf_printf_exactly_up_to_max(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 6);
    assert_int_equal(buf_printf(&b, "%s", "abc"), 0);
    assert_int_equal(buf_printf(&b, "%d", 123), 0); /* 6 bytes: exactly the maximum */
    assert_string_equal(buf_str(&b), "abc123");
    assert_int_equal(buf_printf(&b, "%s", ""), 0);
    buf_release(&b);
}

static void test_buf_reset_empties_but_keeps_memory(void **state)
{
    struct buf b = BUF_INIT;
    char *before;
    (void)state;
    assert_int_equal(buf_addstr(&b, "hello"), 0);
    before = b.data;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    assert_ptr_equal(b.data, before);
    assert_int_equal(buf_addstr(&b, "hi"), 0);
    assert_string_equal(buf_str(&b), "hi");
    buf_release(&b);
}

static void test_buf_detach_hands_over_string_and_resets(void **state)
{
    struct buf b;
    char *s;
    (void)state;
    buf_init(&b, 100);
    assert_int_equal(buf_addstr(&b, "owned"), 0);
    s = buf_detach(&b);
    assert_string_equal(s, "owned");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 100); /* still bounded */
    assert_string_equal(buf_str(&b), "");
    /* reusable after detach, and independent of the detached string */
    assert_int_equal(buf_addstr(&b, "again"), 0);
    assert_string_equal(s, "owned");
    free(s);
    buf_release(&b);
}

static void test_buf_detach_of_empty_buffer_is_malloced_empty_string(void **state)
{
    struct buf b = BUF_INIT;
    char *s;
    (void)state;
    s = buf_detach(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s); /* must be heap memory */
}

/* ---- err.c ---- */

static void test_err_name_and_status_for_every_code(void **state)
{
    static const struct {
        int code;
        const char *name;
        int status;
    } want[] = {
        {ERR_OK, "ok", 200},
        {ERR_INVALID, "invalid", 400},
        {ERR_UNAUTH, "unauthorized", 401},
        {ERR_FORBIDDEN, "forbidden", 403},
        {ERR_NOTFOUND, "not_found", 404},
        {ERR_METHOD, "method_not_allowed", 405},
        {ERR_CONFLICT, "conflict", 409},
        {ERR_TOOBIG, "too_large", 413},
        {ERR_MEDIA, "unsupported_media_type", 415},
        {ERR_RATE, "too_many_requests", 429},
        {ERR_IO, "io", 500},
        {ERR_DB, "database", 500},
        {ERR_NOMEM, "out_of_memory", 500},
        {ERR_INTERNAL, "internal", 500},
        {ERR_SCHEMA, "schema", 500},
        {ERR_UNKNOWN_FIELD, "unknown_field", 400},
        {ERR_BUSY, "busy", 503},
        {ERR_UNAVAILABLE, "unavailable", 503},
    };
    (void)state;
    /* the table above names every code: a new code must be added here too */
    assert_int_equal(sizeof(want) / sizeof(want[0]), ERR__COUNT);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_string_equal(err_name(want[i].code), want[i].name);
        assert_string_equal(err_name(-want[i].code), want[i].name);
        assert_int_equal(err_http_status(want[i].code), want[i].status);
        assert_int_equal(err_http_status(-want[i].code), want[i].status);
    }
}

static void test_err_unknown_code_is_internal_500(void **state)
{
    (void)state;
    assert_string_equal(err_name(ERR__COUNT), "internal");
    assert_string_equal(err_name(-ERR__COUNT), "internal");
    assert_string_equal(err_name(-1000), "internal");
    assert_int_equal(err_http_status(-1000), 500);
    assert_int_equal(err_http_status(12345), 500);
}

static void test_errbuf_set_fills_code_and_message_and_returns_code(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(errbuf_set(&e, -ERR_NOTFOUND, "no member '%s' in row %d", "E1", 3),
                     -ERR_NOTFOUND);
    assert_int_equal(e.code, -ERR_NOTFOUND);
    assert_string_equal(e.msg, "no member 'E1' in row 3");
    errbuf_clear(&e);
    assert_int_equal(e.code, 0);
    assert_string_equal(e.msg, "");
}

static void test_errbuf_set_with_null_buffer_only_returns_code(void **state)
{
    (void)state;
    assert_int_equal(errbuf_set(NULL, -ERR_IO, "cannot open '%s'", "x"), -ERR_IO);
    errbuf_prefix(NULL, "row %d", 1);
    errbuf_clear(NULL);
}

static void test_errbuf_set_truncates_long_message_safely(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    char big[2000];
    (void)state;
    memset(big, 'm', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(errbuf_set(&e, -ERR_INVALID, "%s", big), -ERR_INVALID);
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
    assert_int_equal(e.msg[0], 'm');
    assert_int_equal(e.msg[sizeof(e.msg) - 2], 'm');
}

static void test_errbuf_prefix_puts_prefix_before_message(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    errbuf_set(&e, -ERR_INVALID, "invalid id_card '%s'", "123");
    errbuf_prefix(&e, "row %d", 17);
    assert_string_equal(e.msg, "row 17: invalid id_card '123'");
    assert_int_equal(e.code, -ERR_INVALID); /* the code is not touched */
    errbuf_prefix(&e, "file '%s'", "a.csv");
    assert_string_equal(e.msg, "file 'a.csv': row 17: invalid id_card '123'");
}

static void test_errbuf_prefix_on_full_message_truncates_the_end(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    char big[600];
    (void)state;
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof(big) - 1] = '\0';
    errbuf_set(&e, -ERR_INVALID, "%s", big); /* the first 511 letters */
    errbuf_prefix(&e, "row %d", 5);
    /* "row 5: " (7 bytes), then the message's first 511 - 7 = 504 bytes */
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
    assert_memory_equal(e.msg, "row 5: abc", 10);
    for (size_t i = 0; i < sizeof(e.msg) - 1 - 7; i++)
        assert_int_equal(e.msg[7 + i], 'a' + i % 26);
}

static void test_errbuf_prefix_longer_than_127_bytes_is_cut(void **state)
{
    struct errbuf e = ERRBUF_INIT;
    char longp[300];
    (void)state;
    memset(longp, 'p', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    errbuf_set(&e, -ERR_INVALID, "tail");
    errbuf_prefix(&e, "%s", longp);
    /* the prefix is kept to 127 bytes, then ": tail" */
    assert_int_equal(strlen(e.msg), 127 + strlen(": tail"));
    assert_int_equal(e.msg[126], 'p');
    assert_string_equal(e.msg + 127, ": tail");
}

/* ---- secret.c ---- */

static bool url_safe(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

static void test_secret_token_is_43_url_safe_chars(void **state)
{
    char tok[48];
    (void)state;
    memset(tok, '#', sizeof(tok));
    secret_token(tok, sizeof(tok));
    /* 32 bytes in base64 without padding: ceil(32 * 4 / 3) = 43 characters */
    assert_int_equal(strlen(tok), 43);
    assert_true(url_safe(tok));
}

static void test_secret_tokens_are_unique(void **state)
{
    enum { N = 300 };
    static char tok[N][48];
    (void)state;
    for (int i = 0; i < N; i++) {
        secret_token(tok[i], sizeof(tok[i]));
        assert_int_equal(strlen(tok[i]), 43);
        assert_true(url_safe(tok[i]));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(tok[i], tok[j]);
    }
}

static void test_secret_hash_hex_known_blake2b_values(void **state)
{
    char h[SECRET_HEX_LEN];
    (void)state;
    /* BLAKE2b-256 test vectors */
    secret_hash_hex("", h);
    assert_string_equal(h, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    secret_hash_hex("abc", h);
    assert_string_equal(h, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

static void test_secret_hash_hex_is_stable_and_input_sensitive(void **state)
{
    char a[SECRET_HEX_LEN], b[SECRET_HEX_LEN], c[SECRET_HEX_LEN];
    (void)state;
    secret_hash_hex("dj_token", a);
    secret_hash_hex("dj_token", b);
    secret_hash_hex("dj_tokem", c);
    assert_int_equal(strlen(a), 64);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    for (const char *p = a; *p; p++)
        assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
}

static void test_secret_equal_compares_whole_strings(void **state)
{
    (void)state;
    assert_true(secret_equal("abc", "abc"));
    assert_true(secret_equal("", ""));
    assert_false(secret_equal("abc", "abd"));
    assert_false(secret_equal("abc", "ab"));
    assert_false(secret_equal("ab", "abc"));
    assert_false(secret_equal("", "a"));
}

static void test_secret_password_hash_and_check(void **state)
{
    char h1[SECRET_PWHASH_LEN], h2[SECRET_PWHASH_LEN];
    (void)state;
    assert_int_equal(secret_password_hash("correct horse", h1), 0);
    assert_int_equal(secret_password_hash("correct horse", h2), 0);
    /* argon2id at the documented cost: 19 MiB = 19456 KiB, 2 passes */
    assert_memory_equal(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31);
    assert_string_not_equal(h1, h2); /* salted */
    assert_true(secret_password_check(h1, "correct horse"));
    assert_true(secret_password_check(h2, "correct horse"));
    assert_false(secret_password_check(h1, "correct horsf"));
    assert_false(secret_password_check(h1, ""));
    assert_false(secret_password_check("not a hash", "correct horse"));
    assert_false(secret_password_check("", "correct horse"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_unused_buffer_reads_as_empty_string),
        cmocka_unit_test(test_buf_grows_byte_by_byte_past_many_doublings),
        cmocka_unit_test(test_buf_add_keeps_embedded_nul_and_terminates),
        cmocka_unit_test(test_buf_max_size_allows_exactly_max_bytes),
        cmocka_unit_test(test_buf_past_max_is_toobig_and_leaves_contents_intact),
        cmocka_unit_test(test_buf_printf_appends_formatted_text),
        cmocka_unit_test(test_buf_printf_longer_than_first_allocation),
        cmocka_unit_test(test_buf_printf_exactly_up_to_max),
        cmocka_unit_test(test_buf_reset_empties_but_keeps_memory),
        cmocka_unit_test(test_buf_detach_hands_over_string_and_resets),
        cmocka_unit_test(test_buf_detach_of_empty_buffer_is_malloced_empty_string),
        cmocka_unit_test(test_err_name_and_status_for_every_code),
        cmocka_unit_test(test_err_unknown_code_is_internal_500),
        cmocka_unit_test(test_errbuf_set_fills_code_and_message_and_returns_code),
        cmocka_unit_test(test_errbuf_set_with_null_buffer_only_returns_code),
        cmocka_unit_test(test_errbuf_set_truncates_long_message_safely),
        cmocka_unit_test(test_errbuf_prefix_puts_prefix_before_message),
        cmocka_unit_test(test_errbuf_prefix_on_full_message_truncates_the_end),
        cmocka_unit_test(test_errbuf_prefix_longer_than_127_bytes_is_cut),
        cmocka_unit_test(test_secret_token_is_43_url_safe_chars),
        cmocka_unit_test(test_secret_tokens_are_unique),
        cmocka_unit_test(test_secret_hash_hex_known_blake2b_values),
        cmocka_unit_test(test_secret_hash_hex_is_stable_and_input_sensitive),
        cmocka_unit_test(test_secret_equal_compares_whole_strings),
        cmocka_unit_test(test_secret_password_hash_and_check),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
