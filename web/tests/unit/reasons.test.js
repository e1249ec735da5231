// The server's reason codes in Chinese (src/lib/reasons.js) and the error text built from them
// (src/lib/errors.js). tests/api/reasons.test.mjs holds the codes against the server's.
import { describe, it, expect, afterEach } from 'vitest';
import { REASONS, FIELD_LABELS, fieldLabel, reasonText, knownReason, importSummary } from '../../src/lib/reasons.js';
import { errorMessage, errorText, errorTitle } from '../../src/lib/errors.js';
import { setLocale } from '../../src/lib/i18n.js';

const err = (status, code, message, details) => ({ status, code, message, details });

describe('reasons', () => {
  it('words a CSV row and column, a field, a rule', () => {
    expect(reasonText({ row: 3, column: 'birth_date', code: 'invalid_date', value: '1981-13-40', message: 'x' })).toBe('第 3 行「出生日期」“1981-13-40”：日期格式不正确（应为 2024-03-05 这样的日期）');
    expect(reasonText({ code: 'not_integer', field: 'amount_fen', message: 'x' })).toBe('「金额」应为整数');
    expect(reasonText({ code: 'bulletin_needs_committee', field: 'org_id', value: 'GW-01-06', message: 'x' })).toBe('通报只能为党委或党总支生成，党支部请查看本支部的计划进度');
  });
  it('puts the parameters in: value, limit, range, state, index, suggestion', () => {
    expect(reasonText({ code: 'too_long', field: 'name', limit: 64 })).toBe('「姓名」过长（最多 64 个字）');
    expect(reasonText({ code: 'out_of_range', field: 'page_size', value: '100000', min: 1, max: 200 })).toBe('「每页条数」“100000”超出允许的范围（应在 1 到 200 之间）');
    expect(reasonText({ code: 'wrong_state', field: 'months', value: '202401', state: 'paid' })).toBe('「月份」“202401”当前已缴纳，不能进行此操作');
    expect(reasonText({ code: 'wrong_state', field: 'action', value: 'verify', state: 'brand_new' })).toBe('「操作」“verify”当前状态为“brand_new”，不能进行此操作');
    expect(reasonText({ code: 'invalid_month', field: 'months', index: 1 })).toBe('第 2 项「月份」：月份格式不正确（应为 202403 这样的年月）');
    expect(reasonText({ code: 'unknown_field', field: 'items[1].chanel', suggestion: 'channel' })).toBe('请求中有系统不认识的字段「items[1].chanel」（是否应为「缴费方式」？）');
    expect(reasonText({ code: 'insufficient_funds', field: 'amount_fen', value: '900000', limit: 1250 })).toBe('银行存款余额不足（现有 12.50 元）');
    expect(reasonText({ code: 'mismatch', field: 'amount_fen', value: '100', limit: 3050 })).toBe('「金额」“100”与其他内容不一致（应为 30.50 元）');
    expect(reasonText({ code: 'wrong_org_kind', field: 'parent_id', value: 'branch' })).toBe('「上级组织」：该组织类型（党支部）不适用于此操作');
  });
  it('says 该项 when no field is named, keeps a header as written', () => {
    expect(reasonText({ code: 'required' })).toBe('该项为必填项');
    expect(reasonText({ code: 'unknown_column', column: '爱好', row: 1 })).toBe('第 1 行表头中有无法识别的列「爱好」');
    expect(fieldLabel('applies_to.kinds')).toBe('适用组织类型');
    expect(fieldLabel('no_such')).toBe('no_such');
  });
  it('has a text for every code, in Chinese, and knows which it has not', () => {
    const sample = { field: 'emp_no', value: 'E1', limit: 3, min: 1, max: 9, state: 'paid', message: 'x' };
    for (const code of Object.keys(REASONS)) {
      const s = reasonText({ ...sample, code });
      expect(s, code).toMatch(/[\u4e00-\u9fff]/);
      expect(s, code).not.toMatch(/undefined|null|NaN/);
    }
    expect(knownReason({ code: 'brand_new' })).toBe(false);
    expect(reasonText({ code: 'brand_new' })).toBeNull();
    expect(Object.values(FIELD_LABELS).every((l) => /[\u4e00-\u9fff]/.test(l))).toBe(true);
  });
  it('counts a refused import from the message', () => {
    expect(importSummary('3 errors in 9 rows: nothing imported', 3)).toBe('文件中有 3 处错误，没有导入任何内容');
    expect(importSummary('', 2)).toBe('文件中有 2 处错误，没有导入任何内容');
  });
});

describe('errors', () => {
  afterEach(() => setLocale('zh'));
  it('shows the reasons in Chinese under the title', () => {
    const e = err(400, 'invalid', "field 'amount_fen' must be an integer", [{ code: 'not_integer', field: 'amount_fen', message: "field 'amount_fen' must be an integer" }]);
    expect(errorMessage(e)).toBe('「金额」应为整数');
    expect(errorText(e)).toBe('输入有误：「金额」应为整数');
    const two = err(400, 'invalid', '2 of 2 collections are wrong', [
      { code: 'required', field: 'channel', index: 0, message: 'a' },
      { code: 'unknown_member', field: 'emp_no', value: 'X1', index: 1, message: 'b' },
    ]);
    expect(errorMessage(two)).toBe('第 1 项「缴费方式」为必填项；第 2 项「工号」“X1”：找不到该党员');
  });
  it('falls back to the server English, said to be the server\'s, for a code it does not know', () => {
    const e = err(409, 'conflict', 'something new', [{ code: 'brand_new', message: 'something new' }]);
    expect(errorMessage(e)).toBe('服务器返回“something new”');
    expect(errorText(e)).toBe('数据冲突：服务器返回“something new”');
  });
  it('keeps the message of an error without reasons, and English in English', async () => {
    expect(errorText(err(415, 'unsupported_media_type', "expected Content-Type text/csv, got ''", []))).toBe("格式不受支持：expected Content-Type text/csv, got ''");
    expect(errorTitle(err(418, 'teapot', 'x'))).toBe('请求失败（HTTP 418）');
    await setLocale('en');
    const e = err(400, 'invalid', "field 'amount_fen' must be an integer", [{ code: 'not_integer', field: 'amount_fen', message: 'x' }]);
    expect(errorMessage(e)).toBe("field 'amount_fen' must be an integer");
  });
});
