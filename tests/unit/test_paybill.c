/* The providers' statements into lines (src/dues/paybill.c): WeChat Pay's trade bill (the
 * header found by name, every field after its backquote, refunds and the summary left out, a
 * comma inside a field kept) and Alipay's 业务明细 (rows between '#' lines, tabs trimmed). */
#include "unit.h"

#include "dues/paybill.h"

#define HEADER                                                                                     \
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"      \
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"     \
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,"   \
    "费率备注\r\n"
#define ROW(ref, no, state, yuan, name)                                                            \
    "`2024-01-20 12:00:00,`wx1,`1900009191,`0,`,`" ref ",`" no ",`oUp,`MWEB,`" state              \
    ",`OTHERS,`CNY,`" yuan ",`0.00,`0,`0,`0.00,`0.00,`,`,`" name ",`,`0.07000,`0.60%,`" yuan      \
    ",`0.00,`\r\n"
#define SUMMARY                                                                                    \
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n" \
    "`2,`24.68,`12.34,`0.00,`0.14000,`24.68,`0.00\r\n"

static void assert_line(const struct paybill_line *l, const char *ref, const char *no, long long fen)
{
    assert_string_equal(l->ref, ref);
    assert_string_equal(l->trade_no, no);
    assert_int_equal(l->fen, fen);
}

static void test_successful_rows_become_lines(void **state)
{
    const char *csv = "\xEF\xBB\xBF" HEADER ROW("4200000001", "DJP00000017", "SUCCESS", "12.34",
                                                "党费") ROW("4200000002", "DJP00000018", "SUCCESS",
                                                            "0.20", "党费,自愿")
        ROW("4200000001", "DJP00000017", "REFUND", "12.34", "党费") SUMMARY;
    struct paybill b = {0};
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(paybill_parse_wechat(csv, strlen(csv), &b, &e), 0);
    assert_int_equal(b.n, 2);
    assert_line(&b.lines[0], "4200000001", "DJP00000017", 1234);
    assert_line(&b.lines[1], "4200000002", "DJP00000018", 20);
    paybill_release(&b);
}

static void test_empty_bill_has_no_lines(void **state)
{
    const char *csv = HEADER "总交易单数,应结订单总金额\n`0,`0.00\n";
    struct paybill b = {0};
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(paybill_parse_wechat(csv, strlen(csv), &b, &e), 0);
    assert_int_equal(b.n, 0);
    paybill_release(&b);
}

static void test_missing_column_and_bad_rows_are_named(void **state)
{
    const char *no_amount = "交易时间,微信订单号,商户订单号,交易状态\n`x,`1,`2,`SUCCESS\n";
    const char *unquoted = HEADER "2024-01-20,wx1\n";
    const char *bad_amount = HEADER ROW("4200000001", "DJP00000017", "SUCCESS", "12.3x", "党费");
    struct paybill b = {0};
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(paybill_parse_wechat(no_amount, strlen(no_amount), &b, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "no column '订单金额'"));
    assert_int_equal(paybill_parse_wechat(unquoted, strlen(unquoted), &b, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "row 2"));
    assert_int_equal(paybill_parse_wechat(bad_amount, strlen(bad_amount), &b, &e), -ERR_INVALID);
    assert_non_null(strstr(e.msg, "bad amount '12.3x'"));
    assert_int_equal(b.n, 0);
    paybill_release(&b);
}

static void test_alipay_details_rows_between_the_hash_lines(void **state)
{
    const char *csv =
        "#支付宝业务明细查询\r\n#账号：[20881234567890120156]\r\n"
        "#-----------------------------------------业务明细列表------------\r\n"
        "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,订单金额（元）,商家实收（元）\r\n"
        "2024012022001411\t,DJP00000017\t,交易\t,党费\t,2024-01-20 12:00:00\t,"
        "2024-01-20 12:00:05\t,12.34\t,12.34\t\r\n"
        "2024012022001411\t,DJP00000017\t,退款\t,党费\t,2024-01-20 13:00:00\t,"
        "2024-01-20 13:00:05\t,-12.34\t,-12.34\t\r\n"
        "2024012022001412\t,DJP00000018\t,交易\t,党费\t,2024-01-20 14:00:00\t,"
        "2024-01-20 14:00:05\t,0.20\t,0.20\t\r\n"
        "#-----------------------------------------业务明细列表结束--------\r\n"
        "#交易合计：2笔\r\n2024012022001499\t,DJP00000099\t,交易\t,x\t,\t,\t,1.00\t,1.00\t\r\n";
    struct paybill b = {0};
    struct errbuf e = ERRBUF_INIT;
    (void)state;
    assert_int_equal(paybill_parse_alipay(csv, strlen(csv), &b, &e), 0);
    assert_int_equal(b.n, 2);
    assert_line(&b.lines[0], "2024012022001411", "DJP00000017", 1234);
    assert_line(&b.lines[1], "2024012022001412", "DJP00000018", 20);
    paybill_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_successful_rows_become_lines),
        cmocka_unit_test(test_empty_bill_has_no_lines),
        cmocka_unit_test(test_missing_column_and_bad_rows_are_named),
        cmocka_unit_test(test_alipay_details_rows_between_the_hash_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
