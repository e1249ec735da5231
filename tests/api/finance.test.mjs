// The finance clerk's screens over HTTP (issue 11, item 3): income bases imported from a
// payroll CSV (preview listing every bad row, all or nothing, rows outside the caller's subtree
// refused per row), verified by hand and seen in the member's history; the remittances an
// organization made and received with what it owes upward now; expenditures with their
// approval records, listed with the accounts' Chinese names; a reversal naming its reversing
// entries. Each: success, every bad field, the wrong role (403), another organization (scope),
// idempotency.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, csv, addUser, signIn } from './fixtures.mjs';

let srv;
let W;
const HEADER = ['工号', '年度', '月收入（元）', '核定人'];
const APPROVAL = { approved_by: '张伟', approver_role: '支部书记', approved_on: '2024-01-05', approval_ref: '支委会决议〔2024〕1号' };

const tok = (login) => ({ token: W.tokens[login] });
const api = (login, method, path, body) => srv.api(method, path, { ...tok(login), body });
const get = async (login, path) => {
  const r = await api(login, 'GET', path);
  assert.equal(r.status, 200, `GET ${path} as ${login}: ${r.text}`);
  return r.body;
};
const importBases = (login, text, query = '') =>
  srv.api('POST', `/api/v1/import/bases${query}`, { ...tok(login), raw: text, contentType: 'text/csv' });

function curMonth() {
  const d = new Date();
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}
const CUR = curMonth();
const YEAR = Math.floor(CUR / 100);
const today = () => new Date().toISOString().slice(0, 10);

before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
  addUser(srv, 'fin-b', 'finance', 'UB');
  W.tokens['fin-b'] = (await signIn(srv, 'fin-b')).token;
});
after(() => srv?.stop());

test('income bases import: the preview lists every bad row, writes nothing; scope per row; then all or nothing', async () => {
  const bad = csv([
    HEADER,
    ['EA001', YEAR, '3000.00', '人资部'],
    ['NOPE', YEAR, '100', ''], // row 3: no such member
    ['EA002', YEAR, '12.345', ''], // row 4: three decimals
    ['EB001', YEAR, '5000', ''], // row 5: unit B, outside fin-a's subtree
    ['EA001', YEAR, '3100', ''], // row 6: EA001 twice in one year
    ['EA003', '1999', '3000', ''], // row 7: a year before the rules
  ]);
  for (const q of ['?dry_run=true', '']) {
    const r = await importBases('fin-a', bad, q);
    assertError(r, 400, 'invalid');
    const reasons = r.body.error.details.map((d) => d.message);
    assert.equal(reasons.length, 5, r.text);
    assert.match(reasons[0], /^row 3, column emp_no/);
    assert.match(reasons[1], /^row 4, column monthly_income_yuan: invalid amount '12\.345'/);
    assert.match(reasons[2], /^row 5, column emp_no: member 'EB001' belongs to an organization outside your scope/);
    assert.match(reasons[3], /^row 6, column emp_no: 'EA001' has two rows/);
    assert.match(reasons[4], /^row 7, column year/);
  }
  const h = await get('fin-a', `/api/v1/dues/members/${W.members.EA001}`);
  assert.deepEqual(h.bases, [], 'a refused file wrote nothing, its good row neither');

  // the wrong roles, the wrong body, a query parameter that is not for bases
  const good = csv([HEADER, ['EA001', YEAR, '3000.00', '人资部'], ['EA002', YEAR, '6,500.00', '']]);
  for (const who of ['sec-a1', 'com-a', 'mem-a2', 'admin']) assertError(await importBases(who, good, '?dry_run=true'), 403, 'forbidden');
  assertError(await srv.api('POST', '/api/v1/import/bases', { ...tok('fin-a'), body: { rows: [] } }), 415, 'unsupported_media_type');
  assertError(await importBases('fin-a', good, '?from=202401'), 400, 'invalid');
  assertError(await importBases('fin-a', good, '?dry_run=maybe'), 400, 'invalid');
  assertError(await importBases('fin-a', csv([['工号', '年度'], ['EA001', YEAR]])), 400, 'invalid');
  // fin-b may import unit B's member, not unit A's
  const other = await importBases('fin-b', good, '?dry_run=true');
  assertError(other, 400, 'invalid');
  assert.equal(other.body.error.details.length, 2);

  // a clean preview, then the import; again: updated, not doubled
  const dry = await importBases('fin-a', good, '?dry_run=true');
  assert.equal(dry.status, 200, dry.text);
  assert.deepEqual(dry.body, { kind: 'bases', dry_run: true, encoding: 'utf-8', rows: 2, created: 2, updated: 0 });
  assert.deepEqual((await get('fin-a', `/api/v1/dues/members/${W.members.EA001}`)).bases, [], 'a preview writes nothing');
  const done = await importBases('fin-a', good);
  assert.equal(done.status, 200, done.text);
  assert.deepEqual([done.body.dry_run, done.body.created, done.body.updated], [false, 2, 0]);
  const again = await importBases('fin-a', good);
  assert.deepEqual([again.body.created, again.body.updated], [0, 2]);

  const list = await get('fin-a', `/api/v1/dues/bases?org_id=${W.orgs['UA-B1']}&year=${YEAR}`);
  const row = (emp) => list.items.find((i) => i.emp_no === emp);
  assert.deepEqual(row('EA001').bases.map((b) => [b.from_month, b.monthly_fen, b.verified_by]), [[YEAR * 100 + 1, 300000, '人资部']]);
  assert.equal(row('EA002').bases[0].monthly_fen, 650000);
  assert.equal(row('EA002').bases[0].verified_by, 'fin-a', 'no verifier in the file: the caller');
});

test('verify a base by hand and see every base of the member, by year, with who verified it and when', async () => {
  const set = (login, body) => api(login, 'POST', '/api/v1/dues/bases', body);
  const ok = { member_id: W.members.EA002, year: YEAR - 1, monthly_fen: 600000, verified_by: '劳资科' };
  const before = Math.floor(Date.now() / 1000) - 1;
  const r = await set('fin-a', ok);
  assert.equal(r.status, 200, r.text);
  // every bad field, each refused alone
  const bad = [
    [{ member_id: undefined }, /member_id/],
    [{ member_id: 999999 }, /member_id/],
    [{ year: undefined }, /year/],
    [{ year: 2007 }, /year/],
    [{ year: 'x' }, /year/],
    [{ monthly_fen: undefined }, /monthly_fen/],
    [{ monthly_fen: 0 }, /monthly_fen/],
    [{ monthly_fen: 12.5 }, /monthly_fen/],
    [{ verified_by: 'x'.repeat(65) }, /verified_by/],
    [{ from_month: YEAR * 100 + 1 }, /from_month/], // a month of another year than `year`
  ];
  for (const [change, field] of bad) {
    const e = await set('fin-a', { ...ok, ...change });
    assertError(e, 400, 'invalid');
    assert.match(e.body.error.message, field, JSON.stringify(change));
  }
  assertError(await set('fin-a', { ...ok, member_id: W.members.EB001 }), 403, 'forbidden');
  assertError(await set('sec-a1', ok), 403, 'forbidden');
  assertError(await set('com-a', ok), 403, 'forbidden');
  // a pay change from a month: a second row of the same year
  const change = await set('fin-a', { ...ok, year: YEAR, from_month: YEAR * 100 + 6, monthly_fen: 700000 });
  assert.equal(change.status, 200, change.text);

  const h = await get('fin-a', `/api/v1/dues/members/${W.members.EA002}`);
  assert.deepEqual(h.bases.map((b) => [b.year, b.from_month, b.monthly_fen, b.verified_by]), [
    [YEAR, YEAR * 100 + 6, 700000, '劳资科'],
    [YEAR, YEAR * 100 + 1, 650000, 'fin-a'],
    [YEAR - 1, (YEAR - 1) * 100 + 1, 600000, '劳资科'],
  ]);
  for (const b of h.bases) assert.ok(b.verified_at >= before && b.verified_at <= Date.now() / 1000 + 1);
  // the history's amounts are finance's and the member's: the secretary sees none
  const sec = await get('sec-a1', `/api/v1/dues/members/${W.members.EA002}`);
  assert.equal(sec.bases, undefined);
  assertError(await api('fin-b', 'GET', `/api/v1/dues/members/${W.members.EA002}`), 403, 'forbidden');
});

// the month of CUR booked for UA-B1: EA001 15.00 and EA002 97.50 (6500 → 1.5 %), paid in cash
async function bookMonth() {
  assert.equal((await api('fin-a', 'POST', '/api/v1/dues/generate', { month: CUR, org_id: W.orgs.UA })).status, 200);
  assert.equal((await api('fin-a', 'POST', '/api/v1/dues/publish', { month: CUR, org_id: W.orgs.UA })).status, 200);
  const c = await api('fin-a', 'POST', '/api/v1/dues/collections', {
    items: [
      { emp_no: 'EA001', months: [CUR], amount_fen: 1500, channel: 'cash' },
      { emp_no: 'EA002', months: [CUR], amount_fen: CUR % 100 >= 6 ? 10500 : 9750, channel: 'bank' },
    ],
  });
  assert.equal(c.status, 201, c.text);
  const k = await api('fin-a', 'POST', '/api/v1/dues/confirm', { month: CUR, org_id: W.orgs.UA });
  assert.equal(k.status, 200, k.text);
  assert.equal(k.body.confirmed, 2);
  return c.body.ids;
}

let payments;
test('remittances: what is owed now, the remittance once, listed as made above and received below', async () => {
  payments = await bookMonth();
  const B1 = W.orgs['UA-B1'];
  const owed = await get('fin-a', `/api/v1/dues/remittances?org_id=${B1}`);
  assert.equal(owed.year, YEAR);
  assert.deepEqual(owed.parent, { id: W.orgs['UA-GB'], name: 'A总支' });
  const total = 1500 + (CUR % 100 >= 6 ? 10500 : 9750);
  assert.equal(owed.payable_fen, total / 2, 'half of what was confirmed is owed upward (the default share)');
  assert.deepEqual([owed.special_fen, owed.owed_fen, owed.bank_fen, owed.total, owed.items.length], [0, total / 2, total, 0, 0]);

  const r = await api('fin-a', 'POST', '/api/v1/dues/remittances', { org_id: B1, request_key: 'fin-r1' });
  assert.equal(r.status, 201, r.text);
  const retry = await api('fin-a', 'POST', '/api/v1/dues/remittances', { org_id: B1, request_key: 'fin-r1' });
  assert.equal(retry.status, 200, retry.text);
  assert.equal(retry.body.id, r.body.id);

  const made = await get('fin-a', `/api/v1/dues/remittances?org_id=${B1}&year=${YEAR}`);
  assert.deepEqual([made.payable_fen, made.owed_fen, made.bank_fen, made.total], [0, 0, total / 2, 1], 'one remittance, not two');
  const m = made.items[0];
  assert.deepEqual(
    [m.id, m.direction, m.org_id, m.org_name, m.to_org_id, m.to_org_name, m.amount_fen, m.special_fen, m.total_fen, m.month, m.entry_id, m.created_by_name],
    [r.body.id, 'made', B1, 'A一支部', W.orgs['UA-GB'], 'A总支', total / 2, 0, total / 2, CUR, r.body.entry_id, 'fin-a'],
  );
  assert.ok(Math.abs(m.created_at - Date.now() / 1000) < 60);
  const got = await get('fin-a', `/api/v1/dues/remittances?org_id=${W.orgs['UA-GB']}`);
  assert.deepEqual(got.items.map((x) => [x.direction, x.id]), [['received', r.body.id]]);
  assert.equal(got.payable_fen, total / 4, 'the general branch owes half of what arrived further up');
  assert.equal((await get('fin-a', `/api/v1/dues/remittances?org_id=${B1}&year=${YEAR - 1}`)).total, 0, 'another year: none');
  const paged = await get('fin-a', `/api/v1/dues/remittances?org_id=${B1}&page=2&page_size=1`);
  assert.deepEqual([paged.total, paged.items.length], [1, 0]);

  assertError(await api('fin-a', 'POST', '/api/v1/dues/remittances', { org_id: B1 }), 409, 'conflict'); // owes nothing now
  for (const q of ['year=2007', 'year=x', 'page=0', 'page_size=201', 'org_id=-1']) assertError(await api('fin-a', 'GET', `/api/v1/dues/remittances?${q}`), 400, 'invalid');
  assertError(await api('fin-b', 'GET', `/api/v1/dues/remittances?org_id=${B1}`), 403, 'forbidden');
  for (const who of ['sec-a1', 'com-a', 'mem-a2', 'admin']) assertError(await api(who, 'GET', `/api/v1/dues/remittances?org_id=${B1}`), 403, 'forbidden');
  assertError(await api('fin-a', 'GET', '/api/v1/dues/remittances?org_id=999999'), 404, 'not_found');
});

test('expenditure: the approval record is required, each part of it; listed with the Chinese name; in the statement', async () => {
  const B1 = W.orgs['UA-B1'];
  const ok = { org_id: B1, kind: 'education', amount_fen: 800, note: '党课教材', request_key: 'fin-x1', ...APPROVAL };
  const spend = (login, body) => api(login, 'POST', '/api/v1/dues/expenses', body);
  const bad = [
    [{ approved_by: undefined }, /approved_by/],
    [{ approved_by: '' }, /approved_by/],
    [{ approved_by: 'x'.repeat(65) }, /approved_by/],
    [{ approver_role: undefined }, /approver_role/],
    [{ approver_role: '' }, /approver_role/],
    [{ approved_on: undefined }, /approved_on/],
    [{ approved_on: '2024-02-30' }, /approved_on/],
    [{ approved_on: '2024/01/05' }, /approved_on/],
    [{ approved_on: '2999-01-01' }, /approved_on.*future/],
    [{ approval_ref: undefined }, /approval_ref/],
        [{ approval_ref: '号'.repeat(101) }, /approval_ref/],
    [{ kind: 'party' }, /kind/],
    [{ kind: undefined }, /kind/],
    [{ amount_fen: 0 }, /amount_fen/],
    [{ amount_fen: '8' }, /amount_fen/],
    [{ note: 'x'.repeat(201) }, /note/],
    [{ request_key: '' }, /request_key/],
  ];
  for (const [change, field] of bad) {
    const e = await spend('fin-a', { ...ok, request_key: undefined, ...change });
    assertError(e, 400, 'invalid');
    assert.match(e.body.error.message, field, JSON.stringify(change));
  }
  assert.equal((await get('fin-a', `/api/v1/dues/expenses?org_id=${B1}`)).total, 0, 'nothing refused was recorded');
  assertError(await spend('fin-b', ok), 403, 'forbidden');
  assertError(await spend('sec-a1', ok), 403, 'forbidden');
  assertError(await spend('fin-a', { ...ok, amount_fen: 10_000_000 }), 409, 'conflict'); // beyond the bank

  const today1 = await spend('fin-a', { ...ok, approved_on: today() });
  assert.equal(today1.status, 201, `approved today is fine: ${today1.text}`);
  const again = await spend('fin-a', { ...ok, approved_on: today() });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.id, today1.body.id);
  assert.equal(again.body.duplicate, true);
  assert.deepEqual(
    [today1.body.kind, today1.body.kind_name, today1.body.amount_fen, today1.body.approved_by, today1.body.approver_role, today1.body.approval_ref, today1.body.note],
    ['education', '党员教育培训支出', 800, '张伟', '支部书记', '支委会决议〔2024〕1号', '党课教材'],
  );
  const second = await spend('fin-a', { ...ok, kind: 'hardship', amount_fen: 200, note: '', request_key: 'fin-x2', approver_role: '支部委员会' });
  assert.equal(second.status, 201, second.text);

  const list = await get('fin-a', `/api/v1/dues/expenses?org_id=${B1}&from=${CUR}&to=${CUR}`);
  assert.deepEqual([list.total, list.total_fen, list.from, list.to], [2, 1000, CUR, CUR]);
  assert.deepEqual(list.items.map((x) => [x.id, x.kind_name, x.amount_fen, x.month, x.approver_role, x.created_by_name]), [
    [second.body.id, '慰问困难党员支出', 200, CUR, '支部委员会', 'fin-a'],
    [today1.body.id, '党员教育培训支出', 800, CUR, '支部书记', 'fin-a'],
  ]);
  assert.equal(list.items[1].approved_on, today());
  assert.equal(list.items[1].entry_id, today1.body.entry_id);
  const page2 = await get('fin-a', `/api/v1/dues/expenses?org_id=${B1}&page=2&page_size=1`);
  assert.deepEqual([page2.total, page2.total_fen, page2.items.map((x) => x.id)], [2, 1000, [today1.body.id]]);
  const earlier = await get('fin-a', `/api/v1/dues/expenses?org_id=${B1}&from=202001&to=202012`);
  assert.deepEqual([earlier.total, earlier.total_fen], [0, 0]);
  assert.equal((await get('fin-a', `/api/v1/dues/expenses?org_id=${W.orgs['UA-GB']}`)).total, 0, 'another organization\'s expenses are its own');

  const st = await get('fin-a', `/api/v1/dues/ledger/statement?org_id=${B1}&from=${CUR}&to=${CUR}`);
  assert.deepEqual(Object.fromEntries(st.expenses.map((l) => [l.line, l.amount_fen])), { education: 800, commendation: 0, hardship: 200, activities: 0, other: 0 });
  assert.equal(st.total_expense_fen, 1000);

  for (const q of [`from=${CUR}&to=${CUR - 1}`, 'from=2024-13', 'to=x', 'page_size=0']) assertError(await api('fin-a', 'GET', `/api/v1/dues/expenses?org_id=${B1}&${q}`), 400, 'invalid');
  assertError(await api('fin-b', 'GET', `/api/v1/dues/expenses?org_id=${B1}`), 403, 'forbidden');
  for (const who of ['sec-a1', 'com-a', 'admin']) assertError(await api(who, 'GET', `/api/v1/dues/expenses?org_id=${B1}`), 403, 'forbidden');
});

test('reversal with a reason names its reversing entries, which the ledger shows pointing to the original', async () => {
  const pid = payments[0]; // EA001's 15.00 in cash, confirmed
  assertError(await api('fin-a', 'POST', `/api/v1/dues/payments/${pid}/reverse`, { reason: '' }), 400, 'invalid');
  assertError(await api('fin-a', 'POST', `/api/v1/dues/payments/${pid}/reverse`, { reason: 'x'.repeat(201) }), 400, 'invalid');
  assertError(await api('fin-b', 'POST', `/api/v1/dues/payments/${pid}/reverse`, { reason: '错收' }), 403, 'forbidden');
  assertError(await api('sec-a1', 'POST', `/api/v1/dues/payments/${pid}/reverse`, { reason: '错收' }), 403, 'forbidden');
  const r = await api('fin-a', 'POST', `/api/v1/dues/payments/${pid}/reverse`, { reason: '收错了人' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.reversing_entries, 1);
  assert.equal(r.body.entry_ids.length, 1);
  assertError(await api('fin-a', 'POST', `/api/v1/dues/payments/${pid}/reverse`, { reason: '收错了人' }), 409, 'conflict');
  const p = await get('fin-a', `/api/v1/dues/payments/${pid}`);
  assert.deepEqual([p.status, p.reverse_reason], ['reversed', '收错了人']);
  const en = await get('fin-a', `/api/v1/dues/ledger/entries?org_id=${W.orgs['UA-B1']}&month=${CUR}&page_size=200`);
  const rev = en.items.find((x) => x.id === r.body.entry_ids[0]);
  assert.ok(rev?.reverses_id, 'the reversing entry points to the confirmation it corrects');
  assert.equal(rev.postings.filter((x) => x.account === 'bank').reduce((s, x) => s + x.amount_fen, 0), -1500);
  // a payment not yet confirmed is reversed without journal entries
  const c = await api('fin-a', 'POST', '/api/v1/dues/collections', { items: [{ emp_no: 'EA001', months: [CUR], amount_fen: 1500, channel: 'cash' }] });
  const r2 = await api('fin-a', 'POST', `/api/v1/dues/payments/${c.body.ids[0]}/reverse`, { reason: '重复录入' });
  assert.equal(r2.status, 200, r2.text);
  assert.deepEqual([r2.body.reversing_entries, r2.body.entry_ids], [0, []]);
});
