import { describe, it, expect, afterEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { billState, monthRows, owed, toConfirm, collectionRate, collectionRateFen, movedAccounts, fmtRate } from '../../src/lib/dues.js';
import { fmtChange, monthAdd } from '../../src/lib/format.js';
import MyDuesBody from '../../src/pages/member/MyDuesBody.vue';
import DuesConfirm from '../../src/pages/admin/dues/DuesConfirm.vue';
import { session } from '../../src/lib/session.js';
import { fakeApi, testRouter, vantPlugin, settle } from './helpers.js';

const bill = (month, status, extra = {}) => ({ id: month, month, kind: 'regular', status, published: true, amount_fen: 12532, base_fen: 835468, band: 3, rate_bp: 150, paid_at: null, on_time: false, ...extra });

describe('dues helpers', () => {
  it('names a bill as people do: due, overdue, not issued, pending, paid', () => {
    expect(billState(bill(202611, 'unpaid'), 202611)).toBe('due');
    expect(billState(bill(202610, 'unpaid'), 202611)).toBe('arrears');
    expect(billState(bill(202611, 'unpaid', { published: false }), 202611)).toBe('unpublished');
    expect(billState(bill(202611, 'unpaid'), 202611, new Set([202611]))).toBe('pending');
    expect(billState(bill(202609, 'paid'), 202611)).toBe('paid');
    expect(billState(bill(202609, 'confirmed'), 202611)).toBe('confirmed');
  });
  it('lists one row a month, newest first, with voluntary and advance rows summed beside the bill', () => {
    const rows = monthRows({ bills: [bill(202609, 'paid'), bill(202611, 'unpaid'), { month: 202611, kind: 'voluntary', status: 'paid', amount_fen: 5000 }, bill(202610, 'unpaid')] }, 202611);
    expect(rows.map((r) => [r.month, r.state, r.payable, r.extra_fen])).toEqual([
      [202611, 'due', true, 5000],
      [202610, 'arrears', true, 0],
      [202609, 'paid', false, 0],
    ]);
    expect(owed(rows)).toEqual({ months: [202611, 202610], amount_fen: 25064 });
  });
  it('sums what one-click confirmation will book: paid minus confirmed', () => {
    const report = {
      orgs: [
        { org_id: 8, name: 'A', paid: 5, confirmed: 2, paid_fen: 5000, confirmed_fen: 2000 },
        { org_id: 9, name: 'B', paid: 3, confirmed: 3, paid_fen: 900, confirmed_fen: 900 },
      ],
      totals: { paid: 8, confirmed: 5, paid_fen: 5900, confirmed_fen: 2900, unpaid: 2, unpaid_fen: 100 },
    };
    const s = toConfirm(report);
    expect(s.bills).toBe(3);
    expect(s.amount_fen).toBe(3000);
    expect(s.orgs.map((o) => [o.org_id, o.pending, o.pending_fen])).toEqual([[8, 3, 3000]]);
    expect(collectionRate(report.totals)).toBe(0.8);
    expect(collectionRateFen(report.totals)).toBeCloseTo(5900 / 6000);
    expect(collectionRate({ paid: 0, unpaid: 0 })).toBeNull();
  });
  it('finds the accounts a confirmation moved', () => {
    const before = { accounts: [{ account: 'bank', debit_fen: 0, credit_fen: 0 }, { account: 'dues_income', debit_fen: 0, credit_fen: 100 }] };
    const after = { accounts: [{ account: 'bank', debit_fen: 3000, credit_fen: 0 }, { account: 'dues_income', debit_fen: 0, credit_fen: 100 }] };
    expect(movedAccounts(before, after).map((a) => [a.account, a.debit_change, a.credit_change])).toEqual([['bank', 3000, 0]]);
  });
  it('formats rates, changes and months', () => {
    expect(fmtRate(150)).toBe('1.5%');
    expect(fmtChange(2.7435)).toBe('+274.4%');
    expect(fmtChange(-0.1)).toBe('-10.0%');
    expect(fmtChange(null)).toBe('—');
    expect(monthAdd(202601, -1)).toBe(202512);
    expect(monthAdd(202611, 2)).toBe(202701);
  });
});

describe('my dues page', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
    session.account = null;
    document.body.innerHTML = '';
  });

  function mountPage(routes) {
    session.account = { id: 10005, login: 'dangyuan', member: { id: 69, name: '曹嘉坤', org_id: 8 }, roles: [{ role: 'member', org_id: 8 }] };
    const f = fakeApi(routes);
    vi.stubGlobal('fetch', f);
    const router = testRouter();
    router.push('/');
    return { f, router, w: mount(MyDuesBody, { global: { plugins: [vantPlugin, router] }, attachTo: document.body }) };
  }

  it('shows bills with states and pays the chosen months after a quote and a confirmation', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(2026, 10, 15) });
    const history = { member_id: 69, bills: [bill(202611, 'unpaid'), bill(202610, 'unpaid'), bill(202609, 'confirmed', { paid_at: 1790000000, on_time: true })], payments: [], credit_fen: 0, bases: [{ year: 2026, from_month: 202601, monthly_fen: 835468, verified_by: '人资系统' }] };
    const { f, w } = mountPage({
      '/api/v1/dues/members/69': [200, history],
      '/api/v1/dues/quote': [200, { items: [{ month: 202610, kind: 'bill', bill_id: 202610, amount_fen: 12532 }, { month: 202611, kind: 'bill', bill_id: 202611, amount_fen: 12532 }], total_fen: 25064 }],
      'POST /api/v1/dues/payments': [201, { id: 7, status: 'pending', amount_fen: 25064, items: [] }],
    });
    await settle(w);
    expect(w.find('[data-test=dues-owed]').text()).toContain('¥250.64');
    expect(w.findAll('[data-test=bill-state]').map((x) => x.text())).toEqual(['待缴', '欠缴', '已确认']);
    await w.find('[data-test=pay-all]').trigger('click');
    await settle(w);
    expect(f.calls.some((c) => c.url === '/api/v1/dues/quote?months=202610%2C202611')).toBe(true);
    const sheet = document.body.querySelector('[data-test=pay-sheet]');
    expect(sheet.querySelector('[data-test=quote-total]').textContent).toBe('¥250.64');
    sheet.querySelector('[data-test=pay-confirm]').click();
    await settle(w);
    const post = f.calls.find((c) => c.init.method === 'POST');
    expect(JSON.parse(post.init.body)).toEqual({ months: [202610, 202611], amount_fen: 25064, channel: 'wechat' });
    expect(w.find('[data-test=pay-notice]').text()).toContain('#7');
  });

  it('says why a quote was refused, in words', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(2026, 10, 15) });
    const { w } = mountPage({
      '/api/v1/dues/members/69': [200, { bills: [bill(202605, 'unpaid')], payments: [], bases: [] }],
      '/api/v1/dues/quote': [409, { error: { code: 'conflict', message: 'months: 202605 is too old to pay online' } }],
    });
    await settle(w);
    await w.find('[data-test=pay-all]').trigger('click');
    await settle(w);
    expect(w.find('[data-test=quote-error]').text()).toBe('数据冲突：months: 202605 is too old to pay online');
  });

  it('tells a member without bills what happens next', async () => {
    const { w } = mountPage({ '/api/v1/dues/members/69': [200, { bills: [], payments: [], bases: [] }] });
    await settle(w);
    expect(w.text()).toContain('暂无党费账单');
    expect(w.text()).toContain('由支部发布后会显示在这里');
  });
});

describe('dues console: one-click confirmation', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    session.account = null;
    document.body.innerHTML = '';
  });
  const report = (paid, confirmed, paidFen, confirmedFen) => ({
    org_id: 2, month: 202611, amounts: true,
    orgs: [{ org_id: 13, code: 'GW-01-08', name: '建设部党支部', liable: 16, billed: 16, published: 16, paid, confirmed, unpaid: 16 - paid, billed_fen: 247840, paid_fen: paidFen, confirmed_fen: confirmedFen, unpaid_fen: 247840 - paidFen }],
    totals: { liable: 16, billed: 16, published: 16, paid, confirmed, unpaid: 16 - paid, billed_fen: 247840, paid_fen: paidFen, confirmed_fen: confirmedFen, unpaid_fen: 247840 - paidFen },
  });
  const tb = (bank) => ({ org_id: 2, subtree: true, accounts: [{ account: 'bank', name: '银行存款（含现金）', debit_fen: bank, credit_fen: 0, balance_fen: bank }, { account: 'dues_income', name: '党费收入', debit_fen: 0, credit_fen: 247840, balance_fen: -247840 }], total_debit_fen: 0, total_credit_fen: 0, balance_fen: 0 });

  it('shows what will be booked, confirms after asking, and shows the result and how the ledger moved', async () => {
    session.account = { id: 10003, login: 'caiwu', member: null, roles: [{ role: 'finance', org_id: 2, org_name: '东州供电公司党委' }] };
    let booked = false;
    const f = fakeApi({
      '/api/v1/dues/reports/collection': () => [200, booked ? report(6, 6, 125559, 125559) : report(6, 0, 125559, 0)],
      '/api/v1/dues/ledger/trial-balance': () => [200, tb(booked ? 125559 : 0)],
      'POST /api/v1/dues/confirm': () => {
        booked = true;
        return [200, { month: 202611, org_id: 2, batch_id: 2, confirmed: 6, amount_fen: 125559, entries: 1, settled_from_credit: 0 }];
      },
    });
    vi.stubGlobal('fetch', f);
    const router = testRouter();
    router.push('/admin');
    await router.isReady();
    const w = mount(DuesConfirm, { props: { orgId: 2, month: 202611 }, global: { plugins: [vantPlugin, router] }, attachTo: document.body });
    await settle(w);
    const s = w.find('[data-test=confirm-summary]');
    expect(s.attributes('data-bills')).toBe('6');
    expect(s.attributes('data-amount')).toBe('125559');
    expect(s.text()).toContain('¥1,255.59');
    await w.find('[data-test=confirm]').trigger('click');
    await settle(w);
    expect(document.body.querySelector('.van-dialog').textContent).toContain('6 笔党费（¥1,255.59）');
    expect(f.calls.some((c) => c.init.method === 'POST')).toBe(false);
    document.body.querySelector('.van-dialog__confirm').click();
    await settle(w, 12);
    const post = f.calls.find((c) => c.init.method === 'POST');
    expect(JSON.parse(post.init.body)).toEqual({ month: 202611, org_id: 2 });
    const r = w.find('[data-test=confirm-result]');
    expect(r.attributes('data-confirmed')).toBe('6');
    expect(r.text()).toContain('已确认 6 笔，金额 ¥1,255.59');
    expect(w.find('[data-test=confirm-match]').text()).toBe('与确认前汇总一致');
    expect(w.find('[data-test=ledger-change] [data-account=bank]').text()).toContain('1,255.59');
    expect(w.find('[data-test=ledger-change] [data-account=dues_income]').exists()).toBe(false);
    expect(w.text()).toContain('没有待确认的党费');
  });

  it('says so when nothing waits for confirmation, and shows a refusal in words', async () => {
    session.account = { id: 1, login: 'admin', member: null, roles: [{ role: 'admin', org_id: 1 }] };
    vi.stubGlobal('fetch', fakeApi({ '/api/v1/dues/reports/collection': [403, { error: { code: 'forbidden', message: 'organization 99 is outside your scope' } }] }));
    const router = testRouter();
    router.push('/admin');
    await router.isReady();
    const w = mount(DuesConfirm, { props: { orgId: 99, month: 202611 }, global: { plugins: [vantPlugin, router] } });
    await settle(w);
    expect(w.text()).toContain('没有权限');
    expect(w.text()).toContain('organization 99 is outside your scope');
  });
});
