// The finance clerk's form checks and reply readers (src/lib/dues.js, src/lib/csvimport.js).
import { describe, it, expect } from 'vitest';
import {
  parseYuan, checkExpense, expenseBody, checkBase, baseBody, checkReason, errorField, basesByYear, reversible, entriesByIds, requestKey, isoDate, EXPENSE_KINDS,
} from '../../src/lib/dues.js';
import { importKinds, templateCsv, importQuery } from '../../src/lib/csvimport.js';
import { t } from '../../src/lib/i18n.js';

const EXPENSE = { kind: 'education', amount: '120.50', note: '党课教材', approved_by: '张伟', approver_role: '支部书记', approved_on: '2024-03-05', approval_ref: '支委会决议〔2024〕3号' };

describe('amounts in yuan', () => {
  it('reads yuan with at most two decimals as fen, and nothing else', () => {
    expect(parseYuan('120.5')).toBe(12050);
    expect(parseYuan(' 1,234.56 ')).toBe(123456);
    expect(parseYuan('0.01')).toBe(1);
    expect(parseYuan('7')).toBe(700);
    for (const bad of ['', '12.345', '-5', '1e3', 'abc', '1.2.3', '.5', null]) expect(parseYuan(bad)).toBe(null);
  });
});

describe('an expenditure form', () => {
  it('is clean when every part of the approval record is there', () => {
    expect(checkExpense(EXPENSE, '2024-03-05')).toEqual({});
  });
  it('names each bad field with a Chinese message', () => {
    const e = checkExpense({ kind: 'party', amount: '0', note: 'x'.repeat(201), approved_by: ' ', approver_role: '', approved_on: '2024-02-30', approval_ref: '' }, '2024-03-05');
    expect(e).toEqual({ kind: 'fin.err.kind', amount: 'fin.err.amount', note: 'fin.err.long200', approved_by: 'fin.err.approvedBy', approver_role: 'fin.err.approverRole', approved_on: 'fin.err.date', approval_ref: 'fin.err.approvalRef' });
    for (const k of Object.values(e)) expect(t(k)).toMatch(/[\u4e00-\u9fa5]/);
  });
  it('refuses an approval after today and an amount beyond the bank', () => {
    expect(checkExpense({ ...EXPENSE, approved_on: '2024-03-06' }, '2024-03-05')).toEqual({ approved_on: 'fin.err.future' });
    expect(checkExpense(EXPENSE, '2024-03-05', 12049)).toEqual({ amount: 'fin.err.overBank' });
    expect(checkExpense(EXPENSE, '2024-03-05', 12050)).toEqual({});
    expect(checkExpense({ ...EXPENSE, approval_ref: '号'.repeat(101), approved_by: 'x'.repeat(65) }, '2024-03-05')).toEqual({ approval_ref: 'fin.err.long100', approved_by: 'fin.err.long64' });
  });
  it('is sent as the API takes it, in fen, without an empty note', () => {
    expect(expenseBody({ ...EXPENSE, note: ' ' }, 7, 'k1')).toEqual({
      org_id: 7, kind: 'education', amount_fen: 12050, approved_by: '张伟', approver_role: '支部书记', approved_on: '2024-03-05', approval_ref: '支委会决议〔2024〕3号', request_key: 'k1',
    });
    expect(expenseBody(EXPENSE, 7, 'k1').note).toBe('党课教材');
  });
  it('offers the five expense accounts by their Chinese names', () => {
    expect(EXPENSE_KINDS.map((k) => t(`fin.kind.${k}`))).toEqual(['党员教育培训支出', '表彰奖励支出', '慰问困难党员支出', '组织活动支出', '其他支出']);
  });
});

describe('a base form', () => {
  it('checks the year, the amount, the first month and the verifier', () => {
    expect(checkBase({ year: '2024', amount: '6500', from_month: '', verified_by: '' })).toEqual({});
    expect(checkBase({ year: '2024', amount: '6500', from_month: '2024-06', verified_by: '人资部' })).toEqual({});
    expect(checkBase({ year: '1999', amount: '0', from_month: '2024-13', verified_by: 'x'.repeat(65) })).toEqual({ year: 'fin.err.year', amount: 'fin.err.amount', from_month: 'fin.err.month', verified_by: 'fin.err.long64' });
    expect(checkBase({ year: '2024', amount: '1000000.01', from_month: '2025-01' })).toEqual({ amount: 'fin.err.baseMax', from_month: 'fin.err.monthOfYear' });
  });
  it('is sent in fen with the month as YYYYMM', () => {
    expect(baseBody({ year: '2024', amount: '6,500.00', from_month: '2024-06', verified_by: ' 人资部 ' }, 9)).toEqual({ member_id: 9, year: 2024, monthly_fen: 650000, from_month: 202406, verified_by: '人资部' });
    expect(baseBody({ year: '2024', amount: '1', from_month: '', verified_by: '' }, 9)).toEqual({ member_id: 9, year: 2024, monthly_fen: 100 });
  });
  it('groups a member\'s bases by year, newest year first, months in order', () => {
    const b = (year, from, fen) => ({ year, from_month: from, monthly_fen: fen, verified_by: 'x', verified_at: 1 });
    expect(basesByYear([b(2025, 202506, 2), b(2025, 202501, 1), b(2024, 202401, 3)]).map((y) => [y.year, y.rows.map((r) => r.monthly_fen)])).toEqual([[2025, [1, 2]], [2024, [3]]]);
    expect(basesByYear(undefined)).toEqual([]);
  });
});

describe('reversal and the server\'s answers', () => {
  it('needs a reason of at most 200 characters; only paid payments are reversed', () => {
    expect(checkReason('  ')).toBe('fin.err.reason');
    expect(checkReason('x'.repeat(201))).toBe('fin.err.long200');
    expect(checkReason('收错了人')).toBe('');
    expect(['paid', 'pending', 'reversed', 'failed'].map((s) => reversible({ status: s }))).toEqual([true, false, false, false]);
  });
  it('finds the field a refusal names, and the reversing entries among the ledger\'s', () => {
    expect(errorField({ message: "field 'approved_on': 2999-01-01 is in the future", details: [{ code: 'in_future', field: 'approved_on', value: '2999-01-01' }] })).toBe('approved_on');
    expect(errorField({ message: "field 'approved_on': 2999-01-01 is in the future" })).toBe('', 'the words are for people: only the details name a field');
    expect(errorField({ message: 'x', details: [{ index: 0, field: 'amount_fen' }] })).toBe('amount_fen');
    expect(errorField({ message: 'the bank balance 1 fen does not cover it' })).toBe('');
    expect(entriesByIds({ items: [{ id: 1 }, { id: 2 }, { id: 3 }] }, [3, 1]).map((x) => x.id)).toEqual([1, 3]);
  });
  it('makes a fresh idempotency key each time, and today\'s date as the API writes it', () => {
    expect(requestKey('exp')).toMatch(/^exp-[a-z0-9]+-[a-z0-9]+$/);
    expect(requestKey('exp')).not.toBe(requestKey('exp'));
    expect(isoDate(new Date(2024, 2, 5))).toBe('2024-03-05');
  });
});

describe('the income bases import', () => {
  it('is offered to finance only, with its own template', () => {
    expect(importKinds(['finance'], ['bases'])).toEqual(['bases']);
    expect(importKinds(['committee', 'admin'], ['bases'])).toEqual([]);
    expect(importKinds(['finance'])).toEqual([], 'the organizations page offers finance nothing');
    expect(templateCsv('bases')).toBe('\uFEFF工号,年度,月收入（元）,核定人\r\n');
    expect(importQuery('bases', '2024-01', true)).toEqual({ dry_run: 'true' });
  });
});

describe('the company-wide screens (对账) are offered to the company\'s finance only', () => {
  it('hasTopRole: the role held at the top of the tree, not below it', async () => {
    const { session, hasTopRole } = await import('../../src/lib/session.js');
    const before = session.account;
    session.account = { roles: [{ role: 'finance', org_id: 2, org_top: false }, { role: 'admin', org_id: 1, org_top: true }] };
    expect(hasTopRole('finance')).toBe(false);
    expect(hasTopRole('admin')).toBe(true);
    session.account = { roles: [{ role: 'finance', org_id: 1, org_top: true }] };
    expect(hasTopRole('finance')).toBe(true);
    session.account = null;
    expect(hasTopRole('finance')).toBe(false);
    session.account = before;
  });
});
