// Party dues (党费) over HTTP and the CLI: the rules, income bases (set by finance, imported
// from payroll CSV in UTF-8 and GBK, bad rows named), generation, publication, payments
// online (signed provider callback, idempotent) and by finance, one-click confirmation,
// reversal, remittance, expenditure, the ledger's reports (also as .xlsx, unzipped and read),
// arrears with their to-dos and the discipline events, and every privacy rule (a server
// killed in the middle of a large confirmation: dues_kill.test.mjs). Every figure below is
// computed by hand from the 2008 rules (docs/DUES.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertError } from './lib.mjs';
import { writeTmp, csv, cliOk, addUser, sql } from './fixtures.mjs';
import {
  srv, W, M, CALLBACK_KEY, DUES_MEMBERS, APPROVAL, DUE, api, get, curMonth, monthAdd, utc,
  assertNoMoney, signed, callback, bill, sheet, rowOf, setUp,
} from './dues_world.mjs';

before(setUp);
after(() => srv?.stop());

test('the rules: every band of the 2008 table over the API and in `dues rules`', async () => {
  const r = await get('mem-a2', '/api/v1/dues/rules');
  const v = r.versions.at(-1);
  assert.equal(v.version, 1);
  assert.equal(v.effective_month, 200804);
  assert.equal(v.rounding, 'half_up');
  const bands = (cat) => v.bands.filter((b) => b.category === cat);
  assert.deepEqual(bands('in_service').map((b) => [b.lower_fen, b.upper_fen, b.rate_bp]), [
    [0, 300000, 50], [300000, 500000, 100], [500000, 1000000, 150], [1000000, null, 200],
  ]);
  assert.deepEqual(bands('retired').map((b) => [b.lower_fen, b.upper_fen, b.rate_bp]), [[0, 500000, 50], [500000, null, 100]]);
  assert.deepEqual(bands('farmer').map((b) => [b.fixed_fen, b.min_fen, b.max_fen]), [[20, 20, 100]]);
  assert.deepEqual(bands('student').map((b) => b.fixed_fen), [20]);
  assert.deepEqual(bands('unemployed').map((b) => b.fixed_fen), [20]);
  const out = cliOk(srv, ['dues', 'rules']).stdout;
  assert.match(out, /in_service\s+4\s+> 10000\.00\s+2\.00 % of the whole base/);
  assert.match(out, /retired\s+1\s+> 0\.00 and <= 5000\.00\s+0\.50 %/);
  assert.match(out, /farmer\s+1\s+\(no base\)\s+0\.20 yuan a month \(per member 0\.20 to 1\.00\)/);
});

test('income bases: finance sets them in scope; a negative, zero or absurd base is refused', async () => {
  const set = (login, emp, fen, extra = {}) => api(login, 'POST', '/api/v1/dues/bases', { member_id: M[emp], year: 2024, monthly_fen: fen, ...extra });
  const ok = await set('fin-a', 'D01', 300000, { verified_by: '人资部' });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.body.bases.map((b) => [b.year, b.from_month, b.monthly_fen, b.verified_by]), [[2024, 202401, 300000, '人资部']]);
  for (const fen of [-100, 0, 100000001]) {
    const r = await set('fin-a', 'D02', fen);
    assertError(r, 400, 'invalid');
    assert.match(r.body.error.message, /monthly_fen/);
  }
  assertError(await set('fin-a', 'D02', 300001, { year: 1999 }), 400, 'invalid');
  assertError(await set('fin-a', 'D09', 600000), 403, 'forbidden'); // unit B is outside fin-a's subtree
  assertError(await set('sec-a1', 'D02', 300001), 403, 'forbidden'); // not finance
  assertError(await set('com-a', 'D02', 300001), 403, 'forbidden');
  const none = await get('fin-a', `/api/v1/dues/members/${M.D02}`);
  assert.deepEqual(none.bases, [], 'a refused base left nothing behind');
});

test('income bases: payroll CSV (UTF-8 and GBK) imports all or nothing, errors name the row and column', async () => {
  const header = ['工号', '年度', '月收入（元）', '核定人'];
  const bad = writeTmp('bases-bad.csv', csv([header, ['D02', '2024', '3000.01', '人资部'], ['D03', '2024', '12.345', ''], ['NOPE', '2024', '100', '']]));
  const r = srv.run(['import', 'bases', bad]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /row 3, column monthly_income_yuan: invalid amount '12\.345'/);
  assert.match(r.stderr, /row 4, column emp_no/);
  const neg = writeTmp('bases-neg.csv', csv([header, ['D02', '2024', '-5', '']]));
  const n = srv.run(['import', 'bases', neg]);
  assert.notEqual(n.status, 0);
  assert.match(n.stderr, /row 2, column monthly_income_yuan/);
  assert.deepEqual((await get('fin-a', `/api/v1/dues/members/${M.D02}`)).bases, [], 'nothing imported from a bad file');

  const good = writeTmp('bases.csv', csv([header, ['D02', '2024', '3000.01', '人资部'], ['D03', '2024', '10,000.01', '人资部'], ['D04', '2024', '5000.01', '离退休办'], ['D07', '2024', '8000', ''], ['D10', '2024', '4567.89', '人资部']]));
  assert.match(cliOk(srv, ['import', 'bases', good]).stdout, /5/);
  // GBK as Excel writes it: the header and the verifier 劳资科 in GB18030 bytes
  const gbk = Buffer.concat([
    Buffer.from('b9a4bac52cc4eab6c82cd4c2cad5c8eba3a8d4aaa3a92cbacbb6a8c8cb0a', 'hex'),
    Buffer.from('D09,2024,6000.00,', 'latin1'),
    Buffer.from('c0cdd7cabfc6', 'hex'),
    Buffer.from('\n', 'latin1'),
  ]);
  cliOk(srv, ['import', 'bases', writeTmp('bases-gbk.csv', gbk)]);
  const b09 = await get('fin-b', `/api/v1/dues/members/${M.D09}`);
  assert.deepEqual(b09.bases.map((b) => [b.monthly_fen, b.verified_by]), [[600000, '劳资科']]);
  const b03 = await get('fin-a', `/api/v1/dues/members/${M.D03}`);
  assert.deepEqual(b03.bases.map((b) => [b.from_month, b.monthly_fen]), [[202401, 1000001]]);

  // the list: finance sees amounts, other staff only who has a base
  const fin = await get('fin-a', `/api/v1/dues/bases?org_id=${W.orgs.UA}&year=2024&page_size=500`);
  const row = (list, emp) => list.items.find((i) => i.emp_no === emp);
  assert.equal(row(fin, 'D10').bases[0].monthly_fen, 456789);
  assert.equal(row(fin, 'D08').base_missing, true);
  assert.equal(row(fin, 'D05').base_missing, false, 'farmers pay a fixed amount: no base needed');
  const com = await get('com-a', `/api/v1/dues/bases?org_id=${W.orgs.UA}&year=2024&page_size=500`);
  assert.equal(row(com, 'D10').bases.length, 1);
  assertNoMoney(com, 'bases for committee staff');
  const missing = await get('fin-a', `/api/v1/dues/bases?org_id=${W.orgs.UA}&year=2024&missing=1&page_size=500`);
  assert.ok(missing.items.some((i) => i.emp_no === 'D08'));
  assert.ok(!missing.items.some((i) => ['D01', 'D05', 'D06', 'D10'].includes(i.emp_no)));
  assertError(await api('sec-a1', 'GET', `/api/v1/dues/bases?org_id=${W.orgs.UA}`), 403, 'forbidden');
});

let gen01;
test('generate: one bill per liable member by the rules; a second run creates nothing; no base is listed, never billed zero', async () => {
  assertError(await api('sec-a1', 'POST', '/api/v1/dues/generate', { month: 202401, org_id: W.orgs['UA-B1'] }), 403, 'forbidden');
  assertError(await api('fin-a', 'POST', '/api/v1/dues/generate', { month: 202401, org_id: W.orgs.UB }), 403, 'forbidden');
  const future = await api('fin-a', 'POST', '/api/v1/dues/generate', { month: monthAdd(curMonth(), 1), org_id: W.orgs.UA });
  assertError(future, 400, 'invalid');
  assert.match(future.body.error.message, /has not begun/);

  const r = await api('fin-a', 'POST', '/api/v1/dues/generate', { month: '2024-01', org_id: W.orgs.UA });
  assert.equal(r.status, 200, r.text);
  gen01 = r.body;
  // UA in January 2024: D01-D06, D08, D10 (D07 was accepted in March; the EA members' history
  // starts this month)
  assert.equal(r.body.liable, 8);
  assert.equal(r.body.created, 8);
  assert.equal(r.body.base_missing, 1);
  assert.deepEqual(r.body.missing.map((m) => m.emp_no), ['D08']);
  assert.equal(r.body.amount_fen, 1500 + 3000 + 20000 + 5000 + 20 + 20 + 4568);
  const again = await api('fin-a', 'POST', '/api/v1/dues/generate', { month: 202401, org_id: W.orgs.UA });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.created, 0);
  assert.equal(again.body.filled, 0);
  assert.equal(again.body.amount_fen, r.body.amount_fen);

  const bills = await get('fin-a', `/api/v1/dues/bills?org_id=${W.orgs.UA}&month=202401&page_size=500`);
  assert.equal(bills.total, 8);
  const by = Object.fromEntries(bills.items.map((b) => [b.emp_no, b]));
  for (const [emp, fen] of Object.entries(DUE)) if (by[emp]) assert.equal(by[emp].amount_fen, fen, `${emp}'s dues`);
  assert.deepEqual([by.D01.base_fen, by.D01.band, by.D01.rate_bp], [300000, 1, 50]);
  assert.deepEqual([by.D02.band, by.D02.rate_bp], [2, 100]);
  assert.deepEqual([by.D03.band, by.D03.rate_bp], [4, 200]);
  assert.deepEqual([by.D04.category, by.D04.rate_bp], ['retired', 100]);
  assert.deepEqual([by.D05.amount_fen, by.D05.base_fen, by.D05.rate_bp], [20, null, null]);
  assert.deepEqual([by.D08.status, by.D08.amount_fen], ['no_base', null], 'base missing is not a zero bill');
  assert.ok(!by.D07, 'a probationary member pays from the month accepted');

  const cli = cliOk(srv, ['dues', 'generate', '--month', '202401', '--org', 'UA']).stdout;
  assert.match(cli, /8 members liable, 0 new bills, 0 filled in, 1 base missing/);
  assert.match(cli, /base missing: D08 王八/);
});

test('publish: a secretary their branch, finance a subtree; once; no amounts for the secretary', async () => {
  assertError(await api('sec-a1', 'POST', '/api/v1/dues/publish', { month: 202401, org_id: W.orgs.UA }), 403, 'forbidden');
  const none = await api('fin-a', 'POST', '/api/v1/dues/publish', { month: 202402, org_id: W.orgs.UA });
  assertError(none, 409, 'conflict');
  assert.match(none.body.error.message, /generate the month first/);
  const s = await api('sec-a1', 'POST', '/api/v1/dues/publish', { month: 202401, org_id: W.orgs['UA-B1'] });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.body.published, 2, 'D01 and D02; D08 has no base');
  assert.equal(s.body.orgs, 1);
  assert.ok(!('amount_fen' in s.body), 'a secretary sees no amounts');
  const f = await api('fin-a', 'POST', '/api/v1/dues/publish', { month: 202401, org_id: W.orgs.UA });
  assert.equal(f.status, 200, f.text);
  assert.equal(f.body.published, 5);
  assert.equal(f.body.amount_fen, 20000 + 5000 + 20 + 20 + 4568);
  const again = await api('fin-a', 'POST', '/api/v1/dues/publish', { month: 202401, org_id: W.orgs.UA });
  assert.equal(again.status, 200);
  assert.deepEqual([again.body.publication_id, again.body.published], [null, 0]);
  // the receivable booked at each branch (one entry each)
  const tb = await get('fin-a', `/api/v1/dues/ledger/trial-balance?org_id=${W.orgs['UA-B1']}`);
  const acct = Object.fromEntries(tb.accounts.map((a) => [a.account, a]));
  assert.equal(acct.dues_receivable.balance_fen, 4500);
  assert.equal(acct.dues_income.balance_fen, -4500);
  assert.equal(tb.balance_fen, 0);
  // as an accountant reads them: each balance on its normal side, positive
  assert.deepEqual([acct.dues_receivable.normal_side, acct.dues_receivable.side, acct.dues_receivable.normal_balance_fen], ['debit', '借', 4500]);
  assert.deepEqual([acct.dues_income.normal_side, acct.dues_income.side, acct.dues_income.normal_balance_fen], ['credit', '贷', 4500]);
  assert.deepEqual([acct.bank.side, acct.bank.normal_balance_fen], ['平', 0]);
  // unit B, generated by an administrator (who sees no amounts) and published by its finance
  const g = await api('admin', 'POST', '/api/v1/dues/generate', { month: 202401, org_id: W.orgs.UB });
  assert.equal(g.status, 200, g.text);
  assert.ok(!('amount_fen' in g.body));
  assert.equal((await api('fin-b', 'POST', '/api/v1/dues/publish', { month: 202401, org_id: W.orgs.UB })).body.published, 1);
});

let pay01;
let pay03;
test('a member pays online: back pay limit, amount must match, never someone else\'s bill', async () => {
  const old = await api('d01', 'POST', '/api/v1/dues/payments', { months: [202401], amount_fen: 1500, channel: 'wechat' });
  assertError(old, 409, 'conflict');
  assert.match(old.body.error.message, /too old to pay online/);
  cliOk(srv, ['dues', 'setting', 'back_pay_months', '120']);
  cliOk(srv, ['dues', 'setting', 'callback_key', CALLBACK_KEY]);
  assert.equal(cliOk(srv, ['dues', 'setting', 'callback_key']).stdout.trim(), 'set', 'the key is never printed');

  const q = await get('d01', '/api/v1/dues/quote?months=202401&voluntary_fen=1000');
  assert.deepEqual(q.items.map((i) => [i.month, i.kind, i.amount_fen]), [[202401, 'bill', 1500], [curMonth(), 'voluntary', 1000]]);
  assert.equal(q.total_fen, 2500);
  const wrong = await api('d01', 'POST', '/api/v1/dues/payments', { months: [202401], voluntary_fen: 1000, amount_fen: 2499, channel: 'wechat' });
  assertError(wrong, 400, 'invalid');
  assert.match(wrong.body.error.message, /amount_fen: 2499 does not match the dues of the months paid, 2500 fen/);
  const d02bill = await bill('fin-a', 'D02', 202401);
  assertError(await api('d01', 'POST', '/api/v1/dues/payments', { bill_ids: [d02bill.id], amount_fen: 3000, channel: 'wechat' }), 403, 'forbidden');
  assertError(await api('d01', 'POST', '/api/v1/dues/payments', { member_id: M.D02, months: [202401], amount_fen: 3000, channel: 'wechat' }), 403, 'forbidden');
  assertError(await api('d01', 'POST', '/api/v1/dues/payments', { months: [202401], amount_fen: 1500, channel: 'cash' }), 400, 'invalid');
  assertError(await api('fin-a', 'POST', '/api/v1/dues/payments', { months: [202401], amount_fen: 1500, channel: 'wechat' }), 403, 'forbidden');
  assert.deepEqual((await get('d01', `/api/v1/dues/members/${M.D01}`)).payments, [], 'refused payments left nothing');

  const p = await api('d01', 'POST', '/api/v1/dues/payments', { months: [202401], voluntary_fen: 1000, amount_fen: 2500, channel: 'wechat', external_ref: 'wx-0001' });
  assert.equal(p.status, 201, p.text);
  pay01 = p.body;
  assert.equal(pay01.status, 'pending');
  assert.deepEqual(pay01.items.map((i) => [i.kind, i.amount_fen]), [['bill', 1500], ['voluntary', 1000]]);
  const p3 = await api('d03', 'POST', '/api/v1/dues/payments', { bill_ids: [(await bill('d03', 'D03', 202401)).id], amount_fen: 20000, channel: 'alipay' });
  assert.equal(p3.status, 201, p3.text);
  pay03 = p3.body;
  assert.equal((await bill('d01', 'D01', 202401)).status, 'unpaid', 'pending until the provider says so');
});

test('the provider callback: a good HMAC books once even when sent twice; a bad one books nothing', async () => {
  const notice = { provider_ref: 'wxpay-1', payment_id: pay01.id, amount_fen: 2500, result: 'success', paid_at: utc(2024, 1, 20) };
  const { raw, sig } = signed(notice);
  assertError(await callback(raw, sig.replace(/^./, (c) => (c === '0' ? '1' : '0'))), 401, 'unauthorized');
  assertError(await callback(raw), 401, 'unauthorized');
  const tampered = JSON.stringify({ ...notice, amount_fen: 1 });
  assertError(await callback(tampered, sig), 401, 'unauthorized');
  assert.equal((await get('d01', `/api/v1/dues/payments/${pay01.id}`)).status, 'pending', 'nothing booked by a bad signature');

  const first = await callback(raw, sig);
  assert.equal(first.status, 200, first.text);
  assert.deepEqual([first.body.status, first.body.duplicate], ['paid', false]);
  const second = await callback(raw, sig);
  assert.equal(second.status, 200, second.text);
  assert.deepEqual([second.body.status, second.body.duplicate], ['duplicate', true]);
  const b = await bill('d01', 'D01', 202401);
  assert.deepEqual([b.status, b.paid_at, b.on_time], ['paid', utc(2024, 1, 20), true]);
  const h = await get('d01', `/api/v1/dues/members/${M.D01}?from=202401&to=202401`);
  assert.equal(h.bills.filter((x) => x.kind === 'voluntary').length, 1, 'the voluntary part is recorded once');
  assert.equal(h.payments.length, 1);
  assert.equal(h.payments[0].status, 'paid');

  const n3 = signed({ provider_ref: 'alipay-3', payment_id: pay03.id, amount_fen: 19999, result: 'success', paid_at: utc(2024, 1, 25) });
  const mismatch = await callback(n3.raw, n3.sig);
  assertError(mismatch, 400, 'invalid');
  assert.match(mismatch.body.error.message, /nothing booked/);
  const reused = signed({ provider_ref: 'wxpay-1', payment_id: pay03.id, amount_fen: 20000, result: 'success' });
  assertError(await callback(reused.raw, reused.sig), 409, 'conflict');
  const ok3 = signed({ provider_ref: 'alipay-3', payment_id: pay03.id, amount_fen: 20000, result: 'success', paid_at: utc(2024, 1, 25) });
  assert.equal((await callback(ok3.raw, ok3.sig)).status, 200);
  assert.equal((await bill('d03', 'D03', 202401)).status, 'paid');
});

test('cash collection by finance: in scope, all items or none', async () => {
  const badBatch = await api('fin-a', 'POST', '/api/v1/dues/collections', {
    items: [
      { emp_no: 'D02', months: [202401], amount_fen: 3000, channel: 'cash' },
      { emp_no: 'D04', months: [202401], amount_fen: 4999, channel: 'cash' },
    ],
  });
  assertError(badBatch, 400, 'invalid');
  assert.deepEqual(badBatch.body.error.details.map((d) => [d.index, d.field]), [[1, 'amount_fen']]);
  assert.equal((await bill('fin-a', 'D02', 202401)).status, 'unpaid', 'the good item was not recorded either');
  assertError(await api('fin-a', 'POST', '/api/v1/dues/collections', { items: [{ emp_no: 'D09', months: [202401], amount_fen: 9000, channel: 'cash' }] }), 403, 'forbidden');
  const r = await api('fin-a', 'POST', '/api/v1/dues/collections', { items: [{ emp_no: 'D02', months: [202401], amount_fen: 3000, channel: 'cash', payer: '赵一' }] });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual([r.body.payments, r.body.amount_fen], [1, 3000]);
  const p = await get('fin-a', `/api/v1/dues/payments/${r.body.ids[0]}`);
  assert.deepEqual([p.kind, p.channel, p.status, p.payer], ['collection', 'cash', 'paid', '赵一']);
  const b = await bill('fin-a', 'D02', 202401);
  assert.deepEqual([b.status, b.on_time], ['paid', false], 'paid now: late for January 2024');
});

let confirmEntry;
test('one-click confirmation of a subtree and month: booked in one go, a second click does nothing, an unpublished month is refused', async () => {
  const unpublished = await api('fin-a', 'POST', '/api/v1/dues/confirm', { month: 202403, org_id: W.orgs.UA });
  assertError(unpublished, 409, 'conflict');
  assert.match(unpublished.body.error.message, /not published/);
  assertError(await api('fin-a', 'POST', '/api/v1/dues/confirm', { month: 202401, org_id: W.orgs.UB }), 403, 'forbidden');
  assertError(await api('sec-a1', 'POST', '/api/v1/dues/confirm', { month: 202401, org_id: W.orgs['UA-B1'] }), 403, 'forbidden');

  const c = await api('fin-a', 'POST', '/api/v1/dues/confirm', { month: 202401, org_id: W.orgs.UA });
  assert.equal(c.status, 200, c.text);
  // D01 15.00 + D02 30.00 + D03 200.00 and D01's voluntary 10.00; UA-B1 and UA-B2
  assert.deepEqual([c.body.confirmed, c.body.amount_fen, c.body.entries], [4, 25500, 2]);
  assert.ok(c.body.batch_id > 0);
  const again = await api('fin-a', 'POST', '/api/v1/dues/confirm', { month: 202401, org_id: W.orgs.UA });
  assert.deepEqual([again.body.batch_id, again.body.confirmed, again.body.amount_fen], [null, 0, 0]);
  assert.equal((await bill('d01', 'D01', 202401)).status, 'confirmed');

  // UA-B1: publish (receivable 45.00) and confirm (bank 55.00 incl. voluntary 10.00; 50 % of
  // each item owed upward: 7.50 + 15.00 + 5.00)
  const tb = await get('fin-a', `/api/v1/dues/ledger/trial-balance?org_id=${W.orgs['UA-B1']}`);
  const a = Object.fromEntries(tb.accounts.map((x) => [x.account, x]));
  assert.deepEqual([a.bank.balance_fen, a.dues_receivable.balance_fen, a.remit_payable.balance_fen], [5500, 0, -2750]);
  assert.deepEqual([a.dues_income.debit_fen, a.dues_income.credit_fen], [2750, 5500]);
  assert.equal(tb.balance_fen, 0);
  assert.equal(tb.total_debit_fen, tb.total_credit_fen);
  const entries = await get('fin-a', `/api/v1/dues/ledger/entries?org_id=${W.orgs['UA-B1']}`);
  confirmEntry = entries.items.find((x) => x.kind === 'confirm');
  assert.equal(confirmEntry.postings.reduce((s, p) => s + p.amount_fen, 0), 0, 'an entry balances');
  assert.equal(entries.items.filter((x) => x.kind === 'publish').length, 1);
});

test('paying ahead: several months at today\'s amount, held as credit and used when billed', async () => {
  const cur = curMonth();
  const year = Math.floor(cur / 100);
  // D03's base of this year (the quote uses the latest verified base)
  assert.equal((await api('fin-a', 'POST', '/api/v1/dues/bases', { member_id: M.D03, year, monthly_fen: 1000001 })).status, 200);
  const months = [cur, monthAdd(cur, 1)];
  const q = await get('d03', `/api/v1/dues/quote?months=${months.join(',')}`);
  assert.deepEqual(q.items.map((i) => [i.month, i.kind, i.amount_fen]), [[cur, 'advance', 20000], [monthAdd(cur, 1), 'advance', 20000]]);
  const tooFar = await api('d03', 'POST', '/api/v1/dues/payments', { months: [monthAdd(cur, 13)], amount_fen: 20000, channel: 'wechat' });
  assertError(tooFar, 400, 'invalid');
  const p = await api('d03', 'POST', '/api/v1/dues/payments', { months, amount_fen: 40000, channel: 'unionpay' });
  assert.equal(p.status, 201, p.text);
  const n = signed({ provider_ref: 'up-ahead', payment_id: p.body.id, amount_fen: 40000, result: 'success' });
  assert.equal((await callback(n.raw, n.sig)).status, 200);
  // this month is billed and published; confirming turns the advance into credit that pays it
  assert.equal((await api('fin-a', 'POST', '/api/v1/dues/generate', { month: cur, org_id: W.orgs['UA-B2'] })).status, 200);
  assert.equal((await api('fin-a', 'POST', '/api/v1/dues/publish', { month: cur, org_id: W.orgs['UA-B2'] })).status, 200);
  const c = await api('fin-a', 'POST', '/api/v1/dues/confirm', { month: cur, org_id: W.orgs['UA-B2'] });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.body.settled_from_credit, 1);
  const b = await bill('d03', 'D03', cur);
  assert.deepEqual([b.status, b.amount_fen, b.via_credit, b.on_time], ['confirmed', 20000, true, true]);
  const h = await get('d03', `/api/v1/dues/members/${M.D03}`);
  assert.equal(h.credit_fen, 20000, 'next month is still paid ahead');
});

test('reversal: a reversing entry, never an edit; the bill is owed again', async () => {
  const h = await get('fin-a', `/api/v1/dues/members/${M.D02}`);
  const pid = h.payments[0].id;
  assertError(await api('fin-b', 'POST', `/api/v1/dues/payments/${pid}/reverse`, { reason: '错收' }), 403, 'forbidden');
  assertError(await api('fin-a', 'POST', `/api/v1/dues/payments/${pid}/reverse`, {}), 400, 'invalid');
  const r = await api('fin-a', 'POST', `/api/v1/dues/payments/${pid}/reverse`, { reason: '重复收取' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.bills, r.body.reversing_entries], [1, 1]);
  assertError(await api('fin-a', 'POST', `/api/v1/dues/payments/${pid}/reverse`, { reason: '再来' }), 409, 'conflict');
  assert.equal((await bill('fin-a', 'D02', 202401)).status, 'unpaid');

  const entries = await get('fin-a', `/api/v1/dues/ledger/entries?org_id=${W.orgs['UA-B1']}`);
  const orig = entries.items.find((x) => x.id === confirmEntry.id);
  assert.deepEqual(orig, confirmEntry, 'the original entry is unchanged');
  const rev = entries.items.find((x) => x.reverses_id === confirmEntry.id);
  assert.ok(rev, 'a reversing entry points to the original');
  const sum = (e, acct) => e.postings.filter((p) => p.account === acct).reduce((s, p) => s + p.amount_fen, 0);
  assert.deepEqual([sum(rev, 'bank'), sum(rev, 'dues_receivable'), sum(rev, 'remit_payable')], [-3000, 3000, 1500]);
  const tb = await get('fin-a', `/api/v1/dues/ledger/trial-balance?org_id=${W.orgs['UA-B1']}`);
  const a = Object.fromEntries(tb.accounts.map((x) => [x.account, x.balance_fen]));
  assert.deepEqual([a.bank, a.dues_receivable, a.remit_payable, tb.balance_fen], [2500, 3000, -1250, 0]);
});

test('remittance upward and expenditure; the statement and trial balance agree', async () => {
  const r = await api('fin-a', 'POST', '/api/v1/dues/remittances', { org_id: W.orgs['UA-B1'], request_key: 'ua-b1-2024-01' });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual([r.body.amount_fen, r.body.special_fen, r.body.to_org_id, r.body.duplicate], [1250, 0, W.orgs['UA-GB'], false]);
  const retry = await api('fin-a', 'POST', '/api/v1/dues/remittances', { org_id: W.orgs['UA-B1'], request_key: 'ua-b1-2024-01' });
  assert.equal(retry.status, 200, retry.text);
  assert.deepEqual({ ...retry.body, duplicate: false }, r.body, 'a retry answers the first remittance');
  assertError(await api('fin-a', 'POST', '/api/v1/dues/remittances', { org_id: W.orgs['UA-B1'] }), 409, 'conflict');
  assertError(await api('fin-b', 'POST', '/api/v1/dues/remittances', { org_id: W.orgs.UB, request_key: 'ua-b1-2024-01' }), 409, 'conflict');
  assertError(await api('fin-a', 'POST', '/api/v1/dues/remittances', { org_id: W.orgs.CO }), 403, 'forbidden');
  // the general branch received 12.50 and owes half of it further up
  const gb = Object.fromEntries((await get('fin-a', `/api/v1/dues/ledger/trial-balance?org_id=${W.orgs['UA-GB']}`)).accounts.map((x) => [x.account, x.balance_fen]));
  assert.deepEqual([gb.bank, gb.dues_income, gb.remit_payable], [1250, -625, -625]);

  const x = await api('fin-a', 'POST', '/api/v1/dues/expenses', { org_id: W.orgs['UA-B1'], kind: 'education', amount_fen: 500, note: '学习资料', request_key: 'exp-1', ...APPROVAL });
  assert.equal(x.status, 201, x.text);
  assertError(await api('fin-a', 'POST', '/api/v1/dues/expenses', { org_id: W.orgs['UA-B1'], kind: 'education', amount_fen: 100000, ...APPROVAL }), 409, 'conflict');
  assertError(await api('fin-a', 'POST', '/api/v1/dues/expenses', { org_id: W.orgs['UA-B1'], kind: 'party', amount_fen: 100, ...APPROVAL }), 400, 'invalid');
  assertError(await api('fin-a', 'POST', '/api/v1/dues/expenses', { org_id: W.orgs['UA-B1'], kind: 'other', amount_fen: -1, ...APPROVAL }), 400, 'invalid');

  const cur = curMonth();
  const st = await get('fin-a', `/api/v1/dues/ledger/statement?org_id=${W.orgs['UA-B1']}&from=${cur}&to=${cur}`);
  const inc = Object.fromEntries(st.income.map((l) => [l.line, l.amount_fen]));
  // dues 45.00 billed; voluntary 10.00; share up 27.50 less 15.00 reversed; education 5.00
  assert.deepEqual(inc, { dues: 4500, voluntary: 1000, from_below: 0 });
  assert.deepEqual([st.total_income_fen, st.share_up_fen, st.total_expense_fen, st.surplus_fen], [5500, 1250, 500, 3750]);
  assert.equal(st.expenses.find((l) => l.line === 'education').amount_fen, 500);
  const stx = sheet(await api('fin-a', 'GET', `/api/v1/dues/ledger/statement?org_id=${W.orgs['UA-B1']}&from=${cur}&to=${cur}&format=xlsx`), 'statement.xlsx');
  assert.equal(stx[`B${rowOf(stx, 'A', '减：计提上缴上级党费')}`], 12.5, 'the share up, in yuan');
  assert.equal(stx[`B${rowOf(stx, 'A', '本期结余')}`], 37.5);

  const tb = await get('fin-a', `/api/v1/dues/ledger/trial-balance?org_id=${W.orgs.UA}&subtree=1`);
  assert.equal(tb.balance_fen, 0);
  assert.equal(tb.total_debit_fen, tb.total_credit_fen);
  const bank = tb.accounts.find((a) => a.account === 'bank').balance_fen;
  // money in: 25.00 (D01) + 30.00 (D02) + 200.00 (D03) + 400.00 ahead; out: 30.00 refunded, 5.00 spent
  assert.equal(bank, 2500 + 3000 + 20000 + 40000 - 3000 - 500);
  const tbx = sheet(await api('fin-a', 'GET', `/api/v1/dues/ledger/trial-balance?org_id=${W.orgs.UA}&subtree=1&format=xlsx`), 'tb.xlsx');
  assert.equal(tbx.A1, '科目代码');
  assert.equal(tbx[`E${rowOf(tbx, 'A', 'bank')}`], '借');
  assert.equal(tbx[`F${rowOf(tbx, 'A', 'bank')}`], bank / 100);
  const income = tb.accounts.find((a) => a.account === 'dues_income');
  assert.equal(tbx[`E${rowOf(tbx, 'A', 'dues_income')}`], '贷');
  assert.equal(tbx[`F${rowOf(tbx, 'A', 'dues_income')}`], -income.balance_fen / 100, 'income on the credit side, positive');
  assertError(await api('com-a', 'GET', `/api/v1/dues/ledger/trial-balance?org_id=${W.orgs.UA}`), 403, 'forbidden');
  assertError(await api('fin-a', 'GET', `/api/v1/dues/ledger/trial-balance?org_id=${W.orgs.UB}`), 403, 'forbidden');
  const check = cliOk(srv, ['dues', 'check']).stdout;
  assert.match(check, /0 unbalanced entries, all postings sum to 0 fen/);
});

test('a month of missing base is filled in once the base is verified; arrears over six months', async () => {
  assert.equal((await api('fin-a', 'POST', '/api/v1/dues/bases', { member_id: M.D08, year: 2024, monthly_fen: 500000 })).status, 200);
  const g = await api('fin-a', 'POST', '/api/v1/dues/generate', { month: 202401, org_id: W.orgs.UA });
  assert.deepEqual([g.body.created, g.body.filled, g.body.base_missing], [0, 1, 0]);
  assert.equal((await bill('fin-a', 'D08', 202401)).amount_fen, 5000, '5000.00 yuan is the top of band 2: 1 %');
  const p = await api('fin-a', 'POST', '/api/v1/dues/publish', { month: 202401, org_id: W.orgs.UA });
  assert.deepEqual([p.body.published, p.body.amount_fen], [1, 5000], 'the filled bill is published on its own');
  // February to June: everyone pays by cash except D10 (never) and D04 (not from April)
  const pays = [];
  for (let m = 202402; m <= 202406; m++) {
    assert.equal((await api('fin-a', 'POST', '/api/v1/dues/generate', { month: m, org_id: W.orgs.UA })).status, 200);
    assert.equal((await api('fin-a', 'POST', '/api/v1/dues/publish', { month: m, org_id: W.orgs.UA })).status, 200);
  }
  const add = (emp, months, fen) => pays.push({ emp_no: emp, months, amount_fen: fen * months.length, channel: 'payroll' });
  add('D01', [202402, 202403, 202404, 202405, 202406], 1500);
  add('D02', [202401, 202402, 202403, 202404, 202405, 202406], 3000);
  add('D03', [202402, 202403, 202404, 202405, 202406], 20000);
  add('D04', [202401, 202402, 202403], 5000);
  add('D05', [202401, 202402, 202403, 202404, 202405, 202406], 20);
  add('D06', [202401, 202402, 202403, 202404, 202405, 202406], 20);
  add('D07', [202403, 202404, 202405, 202406], 12000);
  add('D08', [202401, 202402, 202403, 202404, 202405, 202406], 5000);
  const r = await api('fin-a', 'POST', '/api/v1/dues/collections', { items: pays });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.payments, 8);

  const ar = await get('fin-a', `/api/v1/dues/arrears?org_id=${W.orgs.UA}&month=202406`);
  const by = Object.fromEntries(ar.items.map((i) => [i.emp_no, i]));
  assert.deepEqual(Object.keys(by).sort(), ['D04', 'D10']);
  assert.deepEqual([by.D10.consecutive, by.D10.from_month, by.D10.unpaid_months, by.D10.warning, by.D10.flagged, by.D10.owed_fen], [6, 202401, 6, true, true, 6 * 4568]);
  assert.deepEqual([by.D04.consecutive, by.D04.from_month, by.D04.unpaid_months, by.D04.warning, by.D04.flagged, by.D04.owed_fen], [3, 202404, 3, true, false, 15000]);
  const may = await get('fin-a', `/api/v1/dues/arrears?org_id=${W.orgs.UA}&month=202405`);
  assert.deepEqual(may.items.map((i) => [i.emp_no, i.consecutive, i.warning, i.flagged]).sort(), [['D04', 2, false, false], ['D10', 5, true, false]]);
  const sec = await get('com-a', `/api/v1/dues/arrears?org_id=${W.orgs.UA}&month=202406`);
  assert.equal(sec.items.length, 2);
  assertNoMoney(sec, 'arrears for committee staff');
  const x = sheet(await api('fin-a', 'GET', `/api/v1/dues/arrears?org_id=${W.orgs.UA}&month=202406&format=xlsx`), 'arrears.xlsx');
  const row = rowOf(x, 'A', 'D10');
  assert.deepEqual([x[`B${row}`], x[`D${row}`], x[`E${row}`], x[`G${row}`], x[`H${row}`], x[`I${row}`]], ['陈十', 6, 202401, 274.08, '是', '是']);
});

test('closing months: on-time and late events reach the scoring; to-dos at three and six months, once each', async () => {
  // a secretary of UA-B3 (D05, D06, D10), who is told of the branch's new arrears
  addUser(srv, 'sec-a3', 'secretary', 'UA-B3');
  for (let m = 202401; m <= 202406; m++) cliOk(srv, ['dues', 'close', '--month', String(m)]);
  const again = cliOk(srv, ['dues', 'close', '--month', '202401']).stdout;
  assert.match(again, /dues 202401 closed/);
  const ev = (emp, month) =>
    sql(srv.dbUrl, `SELECT i.code FROM events e JOIN indicators i ON i.id = e.indicator_id JOIN sources s ON s.id = e.source_id WHERE s.code = 'dues' AND e.member_id = ${M[emp]} AND e.month = ${month} ORDER BY i.code`);
  assert.equal(ev('D01', 202401), 'dues.on_time', 'paid on 20 January');
  assert.equal(ev('D03', 202401), 'dues.on_time');
  assert.equal(ev('D02', 202401), 'dues.late', 'paid now, after the month');
  assert.equal(ev('D10', 202403), 'dues.late', 'unpaid at month end');
  assert.equal(ev('D08', 202401), 'dues.late', 'its base came late');
  assert.equal(sql(srv.dbUrl, `SELECT COUNT(*) FROM events e JOIN sources s ON s.id = e.source_id WHERE s.code = 'dues' AND e.member_id = ${M.D01} AND e.month = 202401`), '1', 'closing twice sends once');
  // the events count in the member's discipline score
  cliOk(srv, ['score', 'run', '--month', '202401']);
  const p1 = await get('d01', `/api/v1/portraits/members/${M.D01}?month=202401`);
  const p2 = await get('d02', `/api/v1/portraits/members/${M.D02}?month=202401`);
  assert.equal(p1.dims.discipline.score - p2.dims.discipline.score, 20, '+10 on time, −10 late');

  const todos = await get('com-a', `/api/v1/dues/todos?org_id=${W.orgs.UA}`);
  const kinds = todos.items.map((t) => [DUES_MEMBERS.find((d) => M[d[0]] === t.member_id)[0], t.kind, t.from_month]).sort();
  assert.deepEqual(kinds, [['D04', 'arrears_warning', 202404], ['D10', 'arrears_case', 202401], ['D10', 'arrears_warning', 202401]]);
  const cs = todos.items.find((t) => t.kind === 'arrears_case');
  assert.match(cs.text, /连续6个月未交纳党费/);
  assert.match(cs.text, /系统不会自动除名/);
  assert.deepEqual((await get('sec-a1', '/api/v1/dues/todos')).items, [], 'none in UA-B1');
  // the branch's secretary got one notice (党费提醒, also to the branch's robots) per close that
  // raised to-dos there: March (three months) and June (six); closing again told nobody again
  const notes = (where) => sql(srv.dbUrl, `SELECT COUNT(*) FROM plan_notices n JOIN accounts a ON a.id = n.account_id AND a.tenant_id = n.tenant_id WHERE a.login = 'sec-a3' AND n.kind = 'dues'${where}`);
  assert.equal(notes(''), '2');
  assert.equal(notes(" AND n.title LIKE '2024年3月关账：1名党员%' AND n.body LIKE '%陈十（工号D10）自2024年1月起连续3个月%'"), '1');
  assert.equal(notes(" AND n.title LIKE '2024年6月关账：1名党员%' AND n.body LIKE '%连续6个月，已满六个月%'"), '1');
  assert.equal(sql(srv.dbUrl, `SELECT COUNT(*) FROM plan_notices n JOIN accounts a ON a.id = n.account_id AND a.tenant_id = n.tenant_id WHERE a.login = 'sec-a1' AND n.kind = 'dues'`), '0', 'UA-B1 has no arrears');
  assertError(await api('sec-b1', 'POST', `/api/v1/dues/todos/${cs.id}/done`), 403, 'forbidden');
  const w = todos.items.find((t) => t.kind === 'arrears_warning' && t.from_month === 202404);
  assert.equal((await api('com-a', 'POST', `/api/v1/dues/todos/${w.id}/done`)).status, 200);
  assert.equal((await get('com-a', `/api/v1/dues/todos?org_id=${W.orgs.UA}`)).items.length, 2);
  assert.equal((await get('com-a', `/api/v1/dues/todos?org_id=${W.orgs.UA}&all=1`)).items.length, 3);
});

test('the collection report and the member history, as JSON and .xlsx', async () => {
  const rep = await get('fin-a', `/api/v1/dues/reports/collection?org_id=${W.orgs.UA}&month=202401`);
  const b1 = rep.orgs.find((o) => o.code === 'UA-B1');
  // UA-B1 in January: D01 confirmed, D02 paid again (payroll), D08 paid after its base came
  assert.deepEqual([b1.liable, b1.billed, b1.base_missing, b1.published, b1.paid, b1.confirmed, b1.unpaid], [3, 3, 0, 3, 3, 1, 0]);
  assert.deepEqual([b1.billed_fen, b1.paid_fen, b1.confirmed_fen, b1.unpaid_fen], [9500, 9500, 1500, 0]);
  const b3 = rep.orgs.find((o) => o.code === 'UA-B3');
  assert.deepEqual([b3.liable, b3.paid, b3.unpaid, b3.unpaid_fen], [3, 2, 1, 4568]);
  assert.equal(rep.totals.liable, 8);
  assert.equal(rep.totals.billed_fen, 9500 + 25000 + 4608);
  const x = sheet(await api('fin-a', 'GET', `/api/v1/dues/reports/collection?org_id=${W.orgs.UA}&month=202401&format=xlsx`), 'collection.xlsx');
  assert.deepEqual([x.A1, x.C1, x.K1], ['组织编码', '应缴人数', '应缴金额（元）']);
  const row = rowOf(x, 'A', 'UA-B1');
  assert.deepEqual([x[`B${row}`], x[`C${row}`], x[`I${row}`], x[`K${row}`], x[`M${row}`]], ['A一支部', 3, 1, 95, 15]);

  const h = await get('d01', `/api/v1/dues/members/${M.D01}?from=202401&to=202406`);
  assert.equal(h.amounts, true);
  assert.deepEqual(h.bills.filter((b) => b.kind === 'regular').map((b) => [b.month, b.status, b.amount_fen]), [
    [202406, 'paid', 1500], [202405, 'paid', 1500], [202404, 'paid', 1500], [202403, 'paid', 1500], [202402, 'paid', 1500], [202401, 'confirmed', 1500],
  ]);
  assert.deepEqual(h.bases.map((b) => b.monthly_fen), [300000]);
  const hx = sheet(await api('d01', 'GET', `/api/v1/dues/members/${M.D01}?from=202401&to=202401&format=xlsx`), 'history.xlsx');
  const r1 = rowOf(hx, 'B', 'regular');
  assert.deepEqual([hx[`A${r1}`], hx[`C${r1}`], hx[`D${r1}`], hx[`E${r1}`], hx[`F${r1}`], hx[`G${r1}`], hx[`H${r1}`]], [202401, '已确认', 3000, 50, 15, '2024-01-20', '是']);
});

test('privacy: own amounts for the member, statuses for secretaries and committee staff, finance only in its subtree', async () => {
  // the member: own base and amounts; nobody else's
  const own = await get('d02', `/api/v1/dues/members/${M.D02}`);
  assert.equal(own.amounts, true);
  assert.equal(own.bases[0].monthly_fen, 300001);
  assertError(await api('d02', 'GET', `/api/v1/dues/members/${M.D01}`), 403, 'forbidden');
  assertError(await api('mem-b2', 'GET', `/api/v1/dues/members/${M.D01}`), 403, 'forbidden');
  assertError(await api('d02', 'GET', `/api/v1/dues/payments/${pay01.id}`), 404, 'not_found');
  assertError(await api('d02', 'GET', '/api/v1/dues/bills'), 403, 'forbidden');
  // a branch secretary and committee staff: statuses only, nothing of money or income
  for (const [login, org] of [['sec-a1', 'UA-B1'], ['com-a', 'UA']]) {
    const bills = await get(login, `/api/v1/dues/bills?org_id=${W.orgs[org]}&month=202401&page_size=500`);
    assert.equal(bills.amounts, false);
    assert.ok(bills.items.some((b) => b.emp_no === 'D01' && b.status === 'confirmed'));
    assertNoMoney(bills, `${login} bills`);
    const hist = await get(login, `/api/v1/dues/members/${M.D01}?from=202401&to=202406`);
    assert.equal(hist.amounts, false);
    assert.ok(hist.bills.length > 0 && hist.bills.every((b) => b.kind === 'regular'));
    assertNoMoney(hist, `${login} history`);
    const rep = await get(login, `/api/v1/dues/reports/collection?org_id=${W.orgs[org]}&month=202401`);
    assert.equal(rep.amounts, false);
    assertNoMoney(rep, `${login} collection report`);
    const x = sheet(await api(login, 'GET', `/api/v1/dues/reports/collection?org_id=${W.orgs[org]}&month=202401&format=xlsx`), 'c.xlsx');
    const row = rowOf(x, 'A', 'UA-B1');
    assert.equal(x[`K${row}`], undefined, 'no amounts in the workbook either');
    // staff other than finance may not read payments at all (the route's roles: member, finance)
    assertError(await api(login, 'GET', `/api/v1/dues/payments/${pay01.id}`), 403, 'forbidden');
    assertError(await api(login, 'GET', `/api/v1/dues/ledger/entries?org_id=${W.orgs[org]}`), 403, 'forbidden');
  }
  const pub = await api('sec-a1', 'POST', '/api/v1/dues/publish', { month: 202401, org_id: W.orgs['UA-B1'] });
  assertNoMoney(pub.body, 'publish for a secretary');
  // an administrator is not finance: statuses too
  assertNoMoney(await get('admin', `/api/v1/dues/bills?org_id=${W.orgs.CO}&month=202401&page_size=500`), 'admin bills');
  // finance only within its subtree
  assertError(await api('fin-a', 'GET', `/api/v1/dues/bills?org_id=${W.orgs.UB}&month=202401`), 403, 'forbidden');
  assertError(await api('fin-a', 'GET', `/api/v1/dues/members/${M.D09}`), 403, 'forbidden');
  assertError(await api('fin-a', 'GET', `/api/v1/dues/reports/collection?org_id=${W.orgs.CO}&month=202401`), 403, 'forbidden');
  assertError(await api('fin-a', 'GET', `/api/v1/dues/arrears?org_id=${W.orgs.UB}`), 403, 'forbidden');
  const d09 = (await get('fin-b', `/api/v1/dues/members/${M.D09}?from=202401&to=202401`)).bills[0];
  assert.equal(d09.amount_fen, 9000);
  const pb = await get('fin-b', `/api/v1/dues/bills?org_id=${W.orgs.UB}&month=202401`);
  assert.deepEqual(pb.items.map((b) => [b.emp_no, b.amount_fen]), [['D09', 9000]]);
  // other organizations' data: refused
  assertError(await api('sec-b1', 'GET', `/api/v1/dues/bills?org_id=${W.orgs.UA}&month=202401`), 403, 'forbidden');
  assertError(await api('sec-b1', 'GET', `/api/v1/dues/members/${M.D01}`), 403, 'forbidden');
  assertError(await api('com-b', 'GET', `/api/v1/dues/arrears?org_id=${W.orgs.UA}`), 403, 'forbidden');
  assertError(await api('com-b', 'GET', `/api/v1/dues/todos?org_id=${W.orgs.UA}`), 403, 'forbidden');
  assertError(await api('sec-a1', 'GET', `/api/v1/dues/bases?org_id=${W.orgs['UA-B2']}`), 403, 'forbidden');
  const sb = await get('sec-a1', `/api/v1/dues/bases?year=2024`);
  assert.ok(sb.items.length > 0 && sb.items.every((i) => i.org_id === W.orgs['UA-B1']));
  assertNoMoney(sb, 'bases for a secretary');
});
