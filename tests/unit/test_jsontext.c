/* json_text against jansson's json_dumps(JSON_COMPACT | JSON_REAL_PRECISION(12)): the reply
 * text must not change when the server switches writer. */
#include "unit.h"

#include <math.h>

#include "base/jsontext.h"

static void same_as_jansson(json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(12) | JSON_ENCODE_ANY);
    size_t len = 0;
    char *got = json_text(v, &len);
    assert_non_null(want);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    free(want);
    free(got);
    json_decref(v);
}

static void test_reals_match_printf_twelve_digits(void **state)
{
    static const double fixed[] = {0.0, -0.0, 1.0, -1.0, 72.35, 72.3456, 99999999.9999,
                                   100000000.0, 1e8 + 0.5, 0.5, 0.1, 0.0001, 1e-7, 123.456789,
                                   -3.25, 2.0 / 3.0, 1e15, 1e300, -1e-300, 5e-324, 1.00005,
                                   9.99995, 12345678.12345, 0.30000000000000004};
    unsigned long long x = 88172645463325252ULL;
    (void)state;
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        same_as_jansson(json_real(fixed[i]));
    for (int i = 0; i < 200000; i++) {
        double d;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        switch (i % 4) {
        case 0: /* a score: up to four decimals, as computed */
            d = (double)(long long)(x % 2000000001ULL - 1000000000LL) / 10000.0;
            break;
        case 1: /* a rate, rounded the way the portrait rounds */
            d = round((double)(x % 1000000ULL) / 7.0) / 100.0;
            break;
        case 2: /* an average of sums: arbitrary digits */
            d = (double)(x % 100000000ULL) / (double)(1 + x % 997ULL);
            break;
        default: /* any bit pattern that is a finite number */
            memcpy(&d, &x, sizeof(d));
            if (!isfinite(d))
                d = 1.5;
        }
        same_as_jansson(json_real(d));
    }
}

static void test_documents_match_jansson(void **state)
{
    json_t *doc;
    (void)state;
    doc = json_pack("{s:s, s:I, s:I, s:b, s:b, s:n, s:[f, f, i], s:{s:s, s:[]}, s:{}}", "name",
                    "张三 \"quoted\" \\ back/slash\n\t\r\b\f\x01\x1f end", "id",
                    (json_int_t)9223372036854775807LL, "neg", (json_int_t)(-9223372036854775807LL - 1),
                    "t", 1, "f", 0, "nothing", "scores", 72.35, 0.125, -7, "nested", "k",
                    "讲政治", "empty", "obj");
    same_as_jansson(doc);
    /* insertion order is kept, as in jansson */
    doc = json_object();
    json_object_set_new(doc, "z", json_integer(1));
    json_object_set_new(doc, "a", json_integer(2));
    json_object_set_new(doc, "m", json_string(""));
    same_as_jansson(doc);
    same_as_jansson(json_stringn("nul\0inside", 10));
    same_as_jansson(json_array());
}

static void test_deep_nesting_is_refused(void **state)
{
    json_t *root = json_array(), *cur = root;
    (void)state;
    for (int i = 0; i < 100; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    assert_null(json_text(root, NULL));
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reals_match_printf_twelve_digits),
        cmocka_unit_test(test_documents_match_jansson),
        cmocka_unit_test(test_deep_nesting_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
