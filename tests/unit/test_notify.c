/* Tests for src/notify: cutting UTF-8 text on character boundaries, splitting a long Chinese
 * notice into provider-sized messages that join back to the whole text, the mention only in
 * the first part, and the providers' signatures against values worked out by hand with
 * Python's hmac/base64 (shown beside them). */
#include "unit.h"

#include <sodium.h>

#include "notify/notify.h"

static int group_setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

/* "党" is E5 85 9A: 3 bytes */
static void test_cut_never_splits_a_character(void **state)
{
    const char *s = "ab党建"; /* a b | E5 85 9A | E5 BB BA: 8 bytes */
    (void)state;
    assert_int_equal(notify_utf8_cut(s, 8, 8), 8);
    assert_int_equal(notify_utf8_cut(s, 8, 100), 8);
    assert_int_equal(notify_utf8_cut(s, 8, 2), 2);
    assert_int_equal(notify_utf8_cut(s, 8, 3), 2); /* inside 党: back to before it */
    assert_int_equal(notify_utf8_cut(s, 8, 4), 2);
    assert_int_equal(notify_utf8_cut(s, 8, 5), 5);
    assert_int_equal(notify_utf8_cut(s, 8, 7), 5);
    assert_int_equal(notify_utf8_cut(s, 8, 0), 0);
    /* a 4-byte character (U+1F4E2 📢 F0 9F 93 A2) */
    assert_int_equal(notify_utf8_cut("x\xF0\x9F\x93\xA2y", 6, 4), 1);
    assert_int_equal(notify_utf8_cut("x\xF0\x9F\x93\xA2y", 6, 5), 5);
}

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0)
            return false;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return false;
    }
    return true;
}

/* A 3000-character notice (9000 bytes) into WeCom markdown (4096) and text (2048) parts. */
static void test_render_splits_long_chinese_text_within_the_limit(void **state)
{
    const struct notify_provider *p = notify_find("wecom");
    struct buf text = BUF_INIT, joined = BUF_INIT;
    json_t *payload, *parts = NULL, *mobiles = json_pack("[s]", "13800000001");
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_non_null(p);
    for (int i = 0; i < 3000; i++)
        buf_addstr(&text, i % 50 == 49 ? "\n" : "党");
    payload = json_pack("{s:s, s:s, s:s}", "kind", "bulletin", "title", "通报", "text", buf_str(&text));
    assert_int_equal(notify_render(p, payload, mobiles, 0, &parts, &e), 0);
    assert_true(json_array_size(parts) >= 3);
    for (size_t i = 0; i < json_array_size(parts); i++) {
        json_t *m = json_array_get(parts, i);
        const char *type = json_string_value(json_object_get(m, "msgtype"));
        const char *content = json_string_value(json_object_get(json_object_get(m, type), "content"));
        /* the first part mentions: msgtype text, 2048 bytes; the others markdown, 4096 */
        assert_string_equal(type, i == 0 ? "text" : "markdown");
        assert_true(strlen(content) <= (i == 0 ? 2048u : 4096u));
        assert_true(valid_utf8(content));
        buf_addstr(&joined, strchr(content, '\n') + 1); /* after the title line */
    }
    /* nothing lost, nothing doubled: the text and the line notify_text ends it with */
    buf_addch(&text, '\n');
    assert_string_equal(buf_str(&joined), buf_str(&text));
    json_decref(parts);
    json_decref(payload);
    json_decref(mobiles);
    buf_release(&text);
    buf_release(&joined);
}

/* python3: base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc", sha256).digest()) */
static void test_dingtalk_sign_in_the_url(void **state)
{
    const struct notify_provider *p = notify_find("dingtalk");
    struct buf url = BUF_INIT;
    struct errbuf e = ERRBUF_INIT;
    char want[64];
    struct buf enc = BUF_INIT;
    json_t *body = json_object();
    (void)state;
    notify_hmac_b64("SECabc", "1700000000000\nSECabc", want);
    notify_urlencode(&enc, want);
    assert_int_equal(p->sign("http://h/robot/send?access_token=t", "SECabc", 1700000000000LL, body, &url, &e), 0);
    assert_true(strstr(buf_str(&url), "http://h/robot/send?access_token=t&timestamp=1700000000000&sign=") == buf_str(&url));
    assert_string_equal(strstr(buf_str(&url), "&sign=") + 6, buf_str(&enc));
    assert_null(strchr(buf_str(&enc), '+')); /* '+', '/' and '=' are encoded */
    json_decref(body);
    buf_release(&url);
    buf_release(&enc);
}

static void test_replies_read_errcode_and_rate_limits(void **state)
{
    char err[200];
    (void)state;
    assert_int_equal(notify_find("wecom")->reply("{\"errcode\":0,\"errmsg\":\"ok\"}", err, sizeof(err)), NOTIFY_OK);
    assert_int_equal(notify_find("wecom")->reply("{\"errcode\":45009,\"errmsg\":\"freq\"}", err, sizeof(err)), NOTIFY_RATE_LIMIT);
    assert_string_equal(err, "errcode 45009: freq");
    assert_int_equal(notify_find("dingtalk")->reply("{\"errcode\":310000,\"errmsg\":\"sign not match\"}", err, sizeof(err)), NOTIFY_RETRY);
    assert_int_equal(notify_find("dingtalk")->reply("{\"errcode\":130101}", err, sizeof(err)), NOTIFY_RATE_LIMIT);
    assert_int_equal(notify_find("feishu")->reply("{\"code\":0,\"msg\":\"success\"}", err, sizeof(err)), NOTIFY_OK);
    assert_int_equal(notify_find("feishu")->reply("{\"code\":19021}", err, sizeof(err)), NOTIFY_RETRY);
    assert_int_equal(notify_find("feishu")->reply("<html>bad gateway</html>", err, sizeof(err)), NOTIFY_RETRY);
    assert_null(notify_find("generic"));
    assert_true(notify_kind_known("generic"));
    assert_false(notify_kind_known("slack"));
}

static void test_url_shown_with_query_values_masked(void **state)
{
    static const char *const cases[][2] = {
        {"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6",
         "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"},
        {"https://oapi.dingtalk.com/robot/send?access_token=ab&x=1&flag",
         "https://oapi.dingtalk.com/robot/send?access_token=***&x=***&flag"},
        {"https://open.feishu.cn/open-apis/bot/v2/hook/abc", "https://open.feishu.cn/open-apis/bot/v2/hook/abc"},
        {"http://h/p?", "http://h/p?"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = notify_url_json(cases[i][0]);
        assert_string_equal(json_string_value(j), cases[i][1]);
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_never_splits_a_character),
        cmocka_unit_test(test_render_splits_long_chinese_text_within_the_limit),
        cmocka_unit_test(test_dingtalk_sign_in_the_url),
        cmocka_unit_test(test_replies_read_errcode_and_rate_limits),
        cmocka_unit_test(test_url_shown_with_query_values_masked),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
