// Tenants (docs/SCALE.md, "Tenants") on a world built through the API and the CLI, on every
// backend (Citus included): a national root SGCC (tenant 1) whose administrator creates two
// provincial companies with "tenant": true, JS (tenant 2) and ZJ (tenant 3), each with a unit
// committee and two branches; members, events, income bases, a scored month, dues generated,
// published and collected, a plan with a task checked — all written by the API. Checked:
//   * every row of a distributed table carries its tenant (SQL on the database: on Citus a
//     row with another tenant is stored on that tenant's shard, where no join finds it);
//   * nothing moves across tenants;
//   * a provincial administrator never sees the other province, by id or in a listing, and
//     never acts for every tenant (x-top);
//   * the national roll-up per province, for the root's administrator only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib.mjs';
import { assertTenantsRight } from './tenant_rules.mjs';
import { sql, csv, idCard, writeTmp, cliOk, addUser, addSource, signIn, localDate } from './fixtures.mjs';

const CUR = localDate().month;
const YEAR = Math.floor(CUR / 100);
const day = (month, d) => `${Math.floor(month / 100)}-${String(month % 100).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

let srv;
let key;
const tok = {};
const org = {}; // code → id
const mem = {}; // emp_no → id

const api = (login, method, path, body) => srv.api(method, path, { token: tok[login], body });
async function ok(login, method, path, body, status = 200) {
  const r = await api(login, method, path, body);
  assert.equal(r.status, status, `${login} ${method} ${path}: ${r.text}`);
  return r.body;
}
const q = (statement) => sql(srv.dbUrl, statement);
const rows = (statement) => q(statement).split('\n').filter(Boolean).map((l) => l.split('|'));

before(async () => {
  srv = await startServer({ serveArgs: ['--no-jobs'] });
  cliOk(srv, ['import', 'orgs', writeTmp('national.csv', csv([['组织编码', '组织名称', '上级组织编码', '组织类型'], ['SGCC', '国家电网有限公司党组', '', '党委']]))]);
  addUser(srv, 'admin', 'admin', 'ROOT');
  tok.admin = (await signIn(srv, 'admin')).token;
  org.SGCC = Number(q("SELECT id FROM orgs WHERE code = 'SGCC'"));
  let n = 0;
  for (const p of ['JS', 'ZJ']) {
    org[p] = (await ok('admin', 'POST', '/api/v1/orgs', { code: p, name: `国网${p}电力有限公司党委`, kind: '党委', parent_id: org.SGCC, tenant: true }, 201)).id;
    org[`${p}-U`] = (await ok('admin', 'POST', '/api/v1/orgs', { code: `${p}-U`, name: `${p}供电公司党委`, kind: '党委', parent_id: org[p] }, 201)).id;
    for (const b of ['B1', 'B2']) {
      org[`${p}-${b}`] = (await ok('admin', 'POST', '/api/v1/orgs', { code: `${p}-${b}`, name: `${p}${b}党支部`, kind: '党支部', parent_id: org[`${p}-U`] }, 201)).id;
    }
    for (const [i, b] of [[1, 'B1'], [2, 'B1'], [3, 'B2']]) {
      const emp = `${p}00${i}`;
      n++;
      mem[emp] = (await ok('admin', 'POST', '/api/v1/members', {
        emp_no: emp, name: `党员${p}${i}`, gender: i % 2 ? '男' : '女', birth_date: '1985-03-04', org_id: org[`${p}-${b}`],
        id_card: idCard('19850304', String(100 + n * 7)), phone: `1390000${String(n).padStart(4, '0')}`,
      }, 201)).id;
    }
  }
  for (const [l, role, o, m] of [['admin-js', 'admin', 'JS'], ['admin-zj', 'admin', 'ZJ'], ['fin-js', 'finance', 'JS'],
    ['fin-zj', 'finance', 'ZJ'], ['mem-js', 'member', 'JS-B1', 'JS001']]) {
    addUser(srv, l, role, o, m ? { member: m } : {});
    tok[l] = (await signIn(srv, l)).token;
  }
  key = addSource(srv, 'hr', '人力资源系统');
  // events of this month (the members joined in it) for every member and branch
  const events = [];
  for (const emp of Object.keys(mem)) events.push({ key: `t-${emp}`, emp_no: emp, indicator: 'study.hours', date: day(CUR, 1), value: 2 * Number(emp.slice(-1)) });
  for (const c of ['JS-B1', 'ZJ-B1']) events.push({ key: `t-${c}`, org_code: c, indicator: 'org.themeday', date: day(CUR, 1) });
  const ev = await srv.api('POST', '/api/v1/events', { headers: { 'X-API-Key': key }, body: events });
  assert.equal(ev.status, 200, ev.text);
  assert.equal(ev.body.accepted, events.length, ev.text);
  // income bases, a scored month, this month's dues and one collection per province
  for (const p of ['JS', 'ZJ']) {
    const text = csv([['工号', '年度', '月收入（元）', '核定人'], ...[1, 2, 3].map((i) => [`${p}00${i}`, YEAR, String(4000 + i * 1000), '人资部'])]);
    const b = await srv.api('POST', '/api/v1/import/bases', { token: tok[`fin-${p.toLowerCase()}`], raw: text, contentType: 'text/csv' });
    assert.equal(b.status, 200, b.text);
  }
  await ok('admin', 'POST', '/api/v1/score/runs', { month: CUR });
  for (const p of ['JS', 'ZJ']) {
    const fin = `fin-${p.toLowerCase()}`;
    await ok(fin, 'POST', '/api/v1/dues/generate', { month: CUR, org_id: org[p] });
    await ok(fin, 'POST', '/api/v1/dues/publish', { month: CUR, org_id: org[p] });
    const bill = rows(`SELECT amount_fen FROM dues_bills WHERE member_id = ${mem[`${p}001`]} AND month = ${CUR} AND kind = 'regular'`)[0];
    await ok(fin, 'POST', '/api/v1/dues/collections', { items: [{ emp_no: `${p}001`, months: [CUR], amount_fen: Number(bill[0]), channel: 'cash' }] }, 201);
  }
  // a plan with a task per province, checked by the national administrator
  for (const p of ['JS', 'ZJ']) {
    await ok(`admin-${p.toLowerCase()}`, 'POST', '/api/v1/plans', {
      org_id: org[`${p}-U`], year: YEAR, name: `${p}年度计划`,
      tasks: [{ code: 'themeday', name: '主题党日', metric: 'count', indicator: 'org.themeday', target: 1, freq: 'month' }],
    }, 201);
  }
  await ok('admin', 'POST', '/api/v1/plans/check', {});
});
after(() => srv?.stop());

test('tenant roots get new tenants; every row written through the API carries its own', async () => {
  const tenants = Object.fromEntries(rows("SELECT code, tenant_id FROM orgs WHERE code IN ('SGCC', 'JS', 'JS-B2', 'ZJ', 'ZJ-U', 'ZJ-B1')"));
  assert.deepEqual(tenants, { SGCC: '1', JS: '2', 'JS-B2': '2', ZJ: '3', 'ZJ-U': '3', 'ZJ-B1': '3' });
  const tree = await ok('admin', 'GET', `/api/v1/orgs/${org.ZJ}`);
  assert.equal(tree.tenant_id, 3);
  for (const t of ['members', 'member_orgs', 'accounts', 'account_roles', 'sessions', 'logins', 'events', 'member_scores',
    'org_scores', 'income_bases', 'dues_bills', 'dues_publications', 'dues_payments', 'dues_payment_items', 'ledger_entries',
    'ledger_postings', 'plans', 'plan_tasks', 'plan_status', 'audit']) {
    const per = Object.fromEntries(rows(`SELECT tenant_id, COUNT(*) FROM ${t} GROUP BY tenant_id`));
    assert.ok(Number(per[2]) > 0 && Number(per[3]) > 0, `${t}: ${JSON.stringify(per)}`);
  }
  assert.deepEqual(rows(`SELECT DISTINCT tenant_id FROM members WHERE emp_no LIKE 'ZJ%'`), [['3']]);
  assert.deepEqual(rows(`SELECT DISTINCT tenant_id FROM events WHERE key LIKE 't-ZJ%'`), [['3']]);
  assertTenantsRight(q);
});

test('an organization or a member never moves into another tenant', async () => {
  const m = await api('admin', 'PATCH', `/api/v1/members/${mem.ZJ003}`, { org_id: org['JS-B1'] });
  assert.equal(m.status, 400, m.text);
  assert.equal(m.body.error.details[0].code, 'other_tenant');
  const o = await api('admin', 'POST', `/api/v1/orgs/${org['ZJ-B2']}/move`, { parent_id: org['JS-U'] });
  assert.equal(o.status, 400, o.text);
  assert.equal(o.body.error.details[0].code, 'other_tenant');
  // within a tenant a move is as before; a tenant root moves with its tenant
  assert.equal((await api('admin', 'POST', `/api/v1/orgs/${org['ZJ-B2']}/move`, { parent_id: org.ZJ })).status, 200);
  assert.equal((await api('admin', 'POST', `/api/v1/orgs/${org['ZJ-B2']}/move`, { parent_id: org['ZJ-U'] })).status, 200);
  assert.deepEqual(rows(`SELECT tenant_id FROM members WHERE id = ${mem.ZJ003}`), [['3']]);
});

test("a provincial administrator sees nothing of the other province and never acts for all", async () => {
  const month = CUR;
  for (const path of [`/api/v1/members/${mem.ZJ001}`, `/api/v1/portraits/members/${mem.ZJ001}?month=${month}`,
    `/api/v1/portraits/orgs/${org.ZJ}?month=${month}`, `/api/v1/orgs/${org.ZJ}/subtree`, `/api/v1/members?org_id=${org.ZJ}`,
    `/api/v1/dues/bills?org_id=${org.ZJ}&month=${CUR}`, `/api/v1/plans?org_id=${org['ZJ-U']}`, `/api/v1/audit?org_id=${org.ZJ}`,
    `/api/v1/stats/logins?org_id=${org.ZJ}`, `/api/v1/orgs/${org.ZJ}/ranking`,
    `/api/v1/leaderboard?scope=company&org_id=${org.ZJ}&month=${month}`, `/api/v1/leaderboard?scope=branch&org_id=${org['ZJ-B1']}&month=${month}`]) {
    const r = await api('admin-js', 'GET', path);
    assert.ok([403, 404].includes(r.status), `${path}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  }
  const zjOrgs = new Set(['ZJ', 'ZJ-U', 'ZJ-B1', 'ZJ-B2'].map((c) => org[c]));
  const zjMembers = new Set(['ZJ001', 'ZJ002', 'ZJ003'].map((e) => mem[e]));
  const tree = await ok('admin-js', 'GET', '/api/v1/orgs/tree');
  assert.equal(tree.code, 'JS');
  assert.equal(JSON.stringify(tree).includes('"ZJ'), false, 'tree');
  const members = await ok('admin-js', 'GET', `/api/v1/members?org_id=${org.JS}&page_size=100`);
  assert.deepEqual(members.items.map((m) => m.emp_no).sort(), ['JS001', 'JS002', 'JS003']);
  // the company ranking is the province's: its members only, ranked among themselves
  const board = await ok('admin-js', 'GET', `/api/v1/leaderboard?scope=company&month=${month}&page_size=100`);
  assert.equal(board.org_id, org.JS);
  assert.equal(board.total, 3);
  assert.deepEqual(board.items.map((i) => i.rank), [1, 2, 3]);
  assert.ok(board.items.every((i) => !zjMembers.has(i.member_id)));
  const mine = await ok('mem-js', 'GET', `/api/v1/portraits/members/${mem.JS001}?month=${month}`);
  assert.equal(JSON.stringify(mine).includes('ZJ'), false);
  // a portrait's statements name the member's tenant: the session's for a member's own, else
  // found from the reader's tenant first (the province's staff) or anywhere (the national root)
  const staff = await ok('admin-js', 'GET', `/api/v1/portraits/members/${mem.JS002}?month=${month}`);
  assert.equal(staff.member.emp_no, 'JS002');
  assert.equal(staff.ranks.company.of, 3);
  const national = await ok('admin', 'GET', `/api/v1/portraits/members/${mem.ZJ001}?month=${month}`);
  assert.equal(national.member.emp_no, 'ZJ001');
  assert.equal(national.ranks.company.of, 3);
  assert.ok(national.run.number >= 1, JSON.stringify(national.run));
  assert.equal((await ok('admin', 'GET', `/api/v1/portraits/members/${mem.ZJ001}/annual?year=${YEAR}`)).member.emp_no, 'ZJ001');
  // an organization's portrait reads its own tenant; the national root's children are the
  // provinces, each in its own tenant, and all of them are there with their members
  const jsOrg = await ok('admin-js', 'GET', `/api/v1/portraits/orgs/${org.JS}?month=${month}`);
  assert.equal(jsOrg.members, 3);
  assert.ok(jsOrg.children.length > 0 && jsOrg.children.every((c) => !zjOrgs.has(c.org_id)), JSON.stringify(jsOrg.children));
  const root = await ok('admin', 'GET', `/api/v1/portraits/orgs/${org.SGCC}?month=${month}`);
  assert.equal(root.members, 6);
  assert.deepEqual(root.children.map((c) => [c.code, c.members]).sort(), [['JS', 3], ['ZJ', 3]]);
  const at = root.trends.months.indexOf(month);
  assert.ok(at >= 0 && root.trends.series.every((x) => x.index[at] !== null), JSON.stringify(root.trends));
  assert.equal((await api('mem-js', 'GET', `/api/v1/leaderboard?scope=company&org_id=${org.ZJ}&month=${month}`)).status, 403);
  const bills = await ok('admin-js', 'GET', `/api/v1/dues/bills?org_id=${org.JS}&month=${CUR}&page_size=100`);
  assert.ok(bills.items.length === 3 && bills.items.every((b) => !zjMembers.has(b.member_id)), 'bills');
  const plans = await ok('admin-js', 'GET', '/api/v1/plans');
  assert.ok(plans.items.length === 1 && plans.items.every((p) => !zjOrgs.has(p.org_id)), 'plans');
  const audit = await ok('admin-js', 'GET', '/api/v1/audit?page_size=100');
  assert.ok(audit.items.length > 0 && audit.items.every((a) => !zjOrgs.has(a.org_id)), 'audit');
  const todos = await ok('admin-js', 'GET', '/api/v1/todos');
  assert.ok((todos.items ?? []).every((t) => !zjOrgs.has(t.org_id)), 'todos');
  // lists name the tenant of a scope in one province (routed on Citus), not of the national
  // root's, which spans both
  const allBills = await ok('admin', 'GET', `/api/v1/dues/bills?org_id=${org.SGCC}&month=${CUR}&page_size=100`);
  assert.deepEqual([allBills.total, new Set(allBills.items.map((b) => b.emp_no.slice(0, 2)))].map(String), ['6', String(new Set(['JS', 'ZJ']))]);
  assert.deepEqual(allBills.items.map((b) => b.emp_no).sort(), ['JS001', 'JS002', 'JS003', 'ZJ001', 'ZJ002', 'ZJ003']);
  const allMembers = await ok('admin', 'GET', `/api/v1/members?org_id=${org.SGCC}&page_size=100`);
  assert.deepEqual([allMembers.total, allMembers.items.map((m) => m.emp_no).sort()], [6, Object.keys(mem).sort()]);
  const zjMembersList = await ok('admin-zj', 'GET', '/api/v1/members?q=ZJ00&page_size=100');
  assert.deepEqual([zjMembersList.total, zjMembersList.items.map((m) => m.emp_no).sort()], [3, ['ZJ001', 'ZJ002', 'ZJ003']]);
  const allAudit = await ok('admin', 'GET', '/api/v1/audit?page_size=200');
  assert.ok(allAudit.items.some((a) => zjOrgs.has(a.org?.id)) && allAudit.items.some((a) => a.org?.id === org.JS), 'the national audit has both');
  const zjAudit = await ok('admin-zj', 'GET', '/api/v1/audit?page_size=200');
  assert.ok(zjAudit.items.length > 0 && zjAudit.items.every((a) => zjOrgs.has(a.org?.id)), 'the ZJ audit is ZJ\'s');
  const zjBills = await ok('fin-zj', 'GET', `/api/v1/dues/bills?month=${CUR}&page_size=100`);
  assert.deepEqual([zjBills.total, zjBills.items.map((b) => b.emp_no).sort()], [3, ['ZJ001', 'ZJ002', 'ZJ003']]);
  // the sign-in statistics, the collection report and the ledger: a province's tenant only,
  // the national root's both
  const [jsT, zjT] = ['JS', 'ZJ'].map((c) => Number(q(`SELECT tenant_id FROM orgs WHERE code = '${c}'`)));
  const loginsOf = (t) => Number(q(`SELECT COUNT(*) FROM logins WHERE month = ${CUR} AND ok = 1 AND org_id IS NOT NULL${t ? ` AND tenant_id = ${t}` : ''}`));
  assert.equal((await ok('admin-js', 'GET', `/api/v1/stats/logins?month=${CUR}`)).logins, loginsOf(jsT), 'JS sign-ins');
  assert.equal((await ok('admin', 'GET', `/api/v1/stats/logins?org_id=${org.SGCC}&month=${CUR}`)).logins, loginsOf(0), 'every sign-in');
  const collection = async (login, o) => (await ok(login, 'GET', `/api/v1/dues/reports/collection?org_id=${org[o]}&month=${CUR}`));
  const zjColl = await collection('fin-zj', 'ZJ');
  assert.equal(zjColl.totals.liable, 3);
  assert.ok(zjColl.orgs.every((o) => zjOrgs.has(o.org_id)), 'the ZJ report is ZJ\'s');
  assert.equal((await collection('admin', 'SGCC')).totals.liable, 6, 'the national report has both');
  const debits = (t) => Number(q(`SELECT COALESCE(SUM(CASE WHEN amount_fen > 0 THEN amount_fen ELSE 0 END), 0) FROM ledger_postings WHERE tenant_id = ${t}`));
  const tb = await ok('fin-zj', 'GET', `/api/v1/dues/ledger/trial-balance?org_id=${org.ZJ}&subtree=1`);
  assert.ok(debits(zjT) > 0 && debits(jsT) > 0);
  assert.equal(tb.total_debit_fen, debits(zjT), "the ZJ trial balance over its subtree is ZJ's ledger");
  const own = await ok('fin-zj', 'GET', `/api/v1/dues/ledger/trial-balance?org_id=${org.ZJ}`);
  assert.equal(own.total_debit_fen, Number(q(`SELECT COALESCE(SUM(CASE WHEN amount_fen > 0 THEN amount_fen ELSE 0 END), 0) FROM ledger_postings WHERE org_id = ${org.ZJ}`)));
  await ok('fin-zj', 'GET', `/api/v1/dues/ledger/statement?org_id=${org.ZJ}&subtree=1&from=${CUR}&to=${CUR}`);
  // the income bases and the arrears (this month's unpaid bills: the second and third member
  // of each province; the first paid in cash)
  const emps = (list) => list.items.map((i) => i.emp_no).sort();
  const zjBases = await ok('fin-zj', 'GET', `/api/v1/dues/bases?org_id=${org.ZJ}&year=${YEAR}`);
  assert.deepEqual([zjBases.total, emps(zjBases)], [3, ['ZJ001', 'ZJ002', 'ZJ003']]);
  assert.ok(zjBases.items.every((i) => i.bases.length === 1 && i.bases[0].monthly_fen > 0), 'ZJ bases with amounts for finance');
  const allBases = await ok('admin', 'GET', `/api/v1/dues/bases?org_id=${org.SGCC}&year=${YEAR}`);
  assert.deepEqual([allBases.total, emps(allBases)], [6, Object.keys(mem).sort()]);
  assert.equal((await ok('fin-zj', 'GET', `/api/v1/dues/bases?org_id=${org.ZJ}&year=${YEAR}&missing=1`)).total, 0);
  const zjArrears = await ok('fin-zj', 'GET', `/api/v1/dues/arrears?org_id=${org.ZJ}&month=${CUR}`);
  assert.deepEqual(emps(zjArrears), ['ZJ002', 'ZJ003']);
  assert.deepEqual(emps(await ok('admin', 'GET', `/api/v1/dues/arrears?org_id=${org.SGCC}&month=${CUR}`)), ['JS002', 'JS003', 'ZJ002', 'ZJ003']);
  assert.equal((await api('fin-zj', 'GET', `/api/v1/dues/arrears?org_id=${org.JS}&month=${CUR}`)).status, 403);
  // a to-do of a branch in each province, and one addressed to the JS member's account
  const acct = q("SELECT id FROM accounts WHERE login = 'mem-js'");
  for (const [c, to] of [['JS-B1', 'NULL'], ['ZJ-B1', 'NULL'], ['JS-B2', acct]]) {
    const t = q(`SELECT tenant_id FROM orgs WHERE code = '${c}'`);
    q(`INSERT INTO todos(domain, kind, account_id, org_id, title, created_at, tenant_id) VALUES ('plan', 'warning', ${to}, ${org[c]}, '${c} 待办', 1, ${t})`);
  }
  const todoOrgs = async (login) => (await ok(login, 'GET', '/api/v1/todos')).items.map((t) => t.org_id).sort((a, b) => a - b);
  assert.deepEqual(await todoOrgs('admin'), [org['JS-B1'], org['ZJ-B1']].sort((a, b) => a - b));
  assert.deepEqual(await todoOrgs('admin-js'), [org['JS-B1']]);
  assert.deepEqual(await todoOrgs('admin-zj'), [org['ZJ-B1']]);
  assert.deepEqual(await todoOrgs('mem-js'), [org['JS-B2']]);
  assert.equal((await ok('admin-js', 'GET', `/api/v1/stats/logins?month=${CUR}`)).org_id, org.JS);
  const quality = await ok('admin-js', 'GET', `/api/v1/feeds/quality?month=${month}`);
  assert.equal(JSON.stringify(quality).includes('"ZJ'), false, 'quality');
  // with the source's delivery declared for the whole tree: a province's view counts its own
  // organizations and events, the national root's both
  const hr = q("SELECT id FROM sources WHERE code = 'hr'");
  await ok('admin', 'PUT', `/api/v1/sources/${hr}/expect`, { indicators: ['study.hours'], complete_day: 5, org_id: org.SGCC });
  const received = async (login, o) => Object.fromEntries((await ok(login, 'GET', `/api/v1/feeds/quality?month=${month}&org_id=${org[o]}`))
    .sources[0].orgs.map((r) => [r.org.code, [r.expected, r.received]]));
  assert.deepEqual(await received('admin-js', 'JS'), { 'JS-B1': [2, 2], 'JS-B2': [1, 1] });
  assert.deepEqual(await received('admin', 'SGCC'), { 'JS-B1': [2, 2], 'JS-B2': [1, 1], 'ZJ-B1': [2, 2], 'ZJ-B2': [1, 1] });
  q(`DELETE FROM source_expected_indicators WHERE source_id = ${hr}`);
  q(`DELETE FROM source_expectations WHERE source_id = ${hr}`);
  // what acts for every tenant (x-top) needs the role on the national root
  const source = q("SELECT id FROM sources WHERE code = 'hr'");
  for (const [method, path, body] of [['POST', '/api/v1/score/runs', { month }], ['GET', `/api/v1/sources/${source}/quarantine`],
    ['GET', '/api/v1/feeds'], ['POST', '/api/v1/plans/check', {}], ['GET', '/api/v1/plans/webhooks'], ['GET', '/api/v1/score/models'],
    ['GET', '/api/v1/national/provinces']]) {
    const r = await api('admin-js', method, path, body);
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.equal(r.body.error.details[0].code, 'not_allowed');
  }
  for (const path of [`/api/v1/sources/${source}/quarantine`, '/api/v1/feeds', '/api/v1/score/models']) await ok('admin', 'GET', path);
});

test('the national roll-up: per province, from one GROUP BY tenant per measure', async () => {
  const r = await ok('admin', 'GET', `/api/v1/national/provinces?month=${CUR}`);
  assert.equal(r.month, CUR);
  assert.deepEqual(r.provinces.map((p) => [p.code, p.tenant_id, p.org_id]), [['JS', 2, org.JS], ['ZJ', 3, org.ZJ]]);
  for (const p of r.provinces) {
    const [liable, paid] = rows(`SELECT SUM(amount_fen), SUM(CASE WHEN status IN ('paid', 'confirmed') THEN amount_fen ELSE 0 END)`
      + ` FROM dues_bills WHERE month = ${CUR} AND kind = 'regular' AND status IN ('unpaid', 'paid', 'confirmed') AND tenant_id = ${p.tenant_id}`)[0].map(Number);
    assert.deepEqual({ ...p.dues, rate: 0 }, { bills: 3, paid: 1, liable_fen: liable, paid_fen: paid, rate: 0 }, p.code);
    assert.ok(Math.abs(p.dues.rate - paid / liable) < 1e-9, p.code);
    const avg = Number(q(`SELECT AVG(idx) FROM member_scores WHERE month = ${CUR} AND tenant_id = ${p.tenant_id}`));
    assert.equal(p.index.members, 3);
    assert.ok(Math.abs(p.index.average - avg) < 1e-9, `${p.code}: ${p.index.average} vs ${avg}`);
    assert.ok(p.plans.cells >= 0 && p.plans.met <= p.plans.cells, JSON.stringify(p.plans));
  }
  const none = await ok('admin', 'GET', '/api/v1/national/provinces?month=202001');
  assert.deepEqual(none.provinces.map((p) => [p.dues.rate, p.index.average, p.plans.rate]), [[null, null, null], [null, null, null]]);
  for (const l of ['admin-js', 'fin-zj', 'mem-js']) assert.equal((await api(l, 'GET', '/api/v1/national/provinces')).status, 403, l);
  assert.equal((await api('admin', 'GET', '/api/v1/national/provinces?month=2024-13')).status, 400);
});

test("a run of one tenant rescores its members, keeps the other tenant's rows and sums the national root again", async () => {
  // a second passes: the late events are stored after the run began, and the server, which
  // looks at the data's version once a second, sees the runs of the CLI
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1100));
  const idx = (emp) => Number(q(`SELECT idx FROM member_scores WHERE month = ${CUR} AND member_id = ${mem[emp]}`));
  const orgRow = (code) => q(`SELECT members, idx FROM org_scores WHERE month = ${CUR} AND org_id = ${org[code]}`);
  // a whole roll-up row, its numbers parsed: what the national root shows
  const rollup = (code) => {
    const [members, politics, theory, discipline, performance, honours, i, hist, part, contrib] = q(
      `SELECT members, politics, theory, discipline, performance, honours, idx, hist, participation, contrib FROM org_scores WHERE month = ${CUR} AND org_id = ${org[code]}`,
    ).split('|');
    return { members: Number(members), dims: [politics, theory, discipline, performance, honours].map(Number), idx: Number(i), hist: JSON.parse(hist), part: JSON.parse(part), contrib: JSON.parse(contrib) };
  };
  const near = (a, b, what) => {
    if (typeof a === 'number') return assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), what);
    for (const k of Object.keys(a)) near(a[k], b[k], `${what}.${k}`);
  };
  const portrait = async (emp) => (await ok('admin', 'GET', `/api/v1/portraits/members/${mem[emp]}?month=${CUR}`)).run;
  const orgRun = async (code) => (await ok('admin', 'GET', `/api/v1/portraits/orgs/${org[code]}?month=${CUR}`)).run;
  const before = { js: idx('JS001'), zj: idx('ZJ001'), sgcc: orgRow('SGCC'), zjOrg: orgRow('ZJ'), jsOrg: orgRow('JS') };
  const [jsTenant, zjTenant] = ['JS', 'ZJ'].map((c) => Number(q(`SELECT tenant_id FROM orgs WHERE code = '${c}'`)));
  const run0 = (await portrait('JS001')).number;
  assert.equal((await portrait('ZJ001')).number, run0);
  // late events for a member of each province, a second after the run began at the latest
  await settle();
  const late = ['JS001', 'ZJ001'].map((emp) => ({ key: `late-${emp}`, emp_no: emp, indicator: 'study.hours', date: day(CUR, 2), value: 8 }));
  const ev = await srv.api('POST', '/api/v1/events', { headers: { 'X-API-Key': key }, body: late });
  assert.equal(ev.body.accepted, 2, ev.text);

  const one = cliOk(srv, ['score', 'run', '--month', String(CUR), '--tenant', 'JS']);
  assert.match(one.stdout, new RegExp(`run ${run0 + 1}, 3 members, .* \\(one tenant\\)`), one.stdout);
  assert.match(one.stdout, /1 members changed, 1 events stored after the previous run/, one.stdout);
  assert.ok(idx('JS001') > before.js, `the late event counts for the tenant run: ${idx('JS001')} vs ${before.js}`);
  assert.equal(idx('ZJ001'), before.zj, 'the other tenant keeps its result');
  assert.equal(orgRow('ZJ'), before.zjOrg);
  assert.notEqual(orgRow('JS'), before.jsOrg);
  // the national root is summed again from the provinces' roll-ups: JS's new, ZJ's kept
  const [js, zj, sgcc] = ['JS', 'ZJ', 'SGCC'].map(rollup);
  assert.notEqual(orgRow('SGCC'), before.sgcc, 'the national root follows the tenant run');
  assert.equal(sgcc.members, js.members + zj.members);
  near(sgcc.idx, (js.idx * js.members + zj.idx * zj.members) / sgcc.members, 'national index: the members-weighted mean of the provinces');
  near(sgcc.hist, js.hist.map((h, k) => h + zj.hist[k]), 'national histogram');
  assert.equal(Number(q(`SELECT COUNT(*) FROM member_scores WHERE month = ${CUR}`)), 6);
  await settle();
  // each page names the run that made what it shows
  assert.deepEqual(await portrait('JS001'), { ...(await portrait('JS001')), number: run0 + 1, tenant: jsTenant });
  assert.equal((await portrait('ZJ001')).number, run0);
  assert.equal((await orgRun('JS')).number, run0 + 1);
  assert.equal((await orgRun('ZJ')).number, run0);
  assert.deepEqual([(await orgRun('SGCC')).number, (await orgRun('SGCC')).tenant], [run0 + 1, jsTenant], 'the national root names the run that summed it');
  const changes = (await ok('admin', 'GET', `/api/v1/portraits/members/${mem.JS001}?month=${CUR}`)).changes;
  assert.equal(changes[0].run, run0 + 1);
  assert.deepEqual(changes[0].late.map((l) => [l.source, l.events]), [['hr', 1]]);

  // a tenant by number; a tenant that does not exist; a code that names no organization
  const sgccJs = orgRow('SGCC');
  cliOk(srv, ['score', 'run', '--month', String(CUR), '--tenant', String(zjTenant)]);
  assert.ok(idx('ZJ001') > before.zj);
  assert.notEqual(orgRow('SGCC'), sgccJs, 'the ZJ run sums the national root again');
  const summed = rollup('SGCC');
  const none = srv.run(['score', 'run', '--month', String(CUR), '--tenant', '99']);
  assert.equal(none.status, 1, none.stderr);
  assert.match(none.stderr, /tenant 99 has no organizations/);
  const bad = srv.run(['score', 'run', '--month', String(CUR), '--tenant', 'NOPE']);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /neither a tenant number nor an organization code/);
  assert.equal(Number(q(`SELECT COUNT(*) FROM member_scores WHERE month = ${CUR}`)), 6, 'a refused run changes nothing');

  // a run of every tenant then rolls the national root up from the members themselves: the
  // same figures as the sum of the provinces' runs, and every page names it
  const all = cliOk(srv, ['score', 'run', '--month', String(CUR)]);
  assert.match(all.stdout, new RegExp(`run ${run0 + 3}, 6 members`), all.stdout);
  near(rollup('SGCC'), summed, 'national root: a run of every tenant and the sum of the tenant runs');
  await settle();
  for (const emp of ['JS001', 'ZJ001']) assert.deepEqual([(await portrait(emp)).number, (await portrait(emp)).tenant], [run0 + 3, 0]);
  assert.equal((await orgRun('SGCC')).number, run0 + 3);
});

test("the dues of one tenant by hand: its members billed, reading its rows alone; the other tenant's untouched", async () => {
  const [jsT, zjT] = ['JS', 'ZJ'].map((c) => Number(q(`SELECT tenant_id FROM orgs WHERE code = '${c}'`)));
  // a member joins JS this month with a verified base
  const id = (await ok('admin', 'POST', '/api/v1/members', {
    emp_no: 'JS004', name: '党员JS4', gender: '男', birth_date: '1986-05-06', org_id: org['JS-B2'],
    id_card: idCard('19860506', '977'), phone: '13900009977',
  }, 201)).id;
  const text = csv([['工号', '年度', '月收入（元）', '核定人'], ['JS004', YEAR, '6500', '人资部']]);
  const b = await srv.api('POST', '/api/v1/import/bases', { token: tok['fin-js'], raw: text, contentType: 'text/csv' });
  assert.equal(b.status, 200, b.text);
  const zjBills = () => q(`SELECT COUNT(*), SUM(amount_fen), MAX(id) FROM dues_bills WHERE month = ${CUR} AND tenant_id = ${zjT}`);
  const zjBefore = zjBills();
  const out = cliOk(srv, ['dues', 'generate', '--month', String(CUR), '--tenant', 'JS']);
  assert.match(out.stdout, new RegExp(`dues ${CUR} \\(rules version \\d+\\): 4 members liable, 1 new bills`), out.stdout);
  assert.deepEqual(rows(`SELECT tenant_id, org_id, status FROM dues_bills WHERE member_id = ${id} AND month = ${CUR} AND kind = 'regular'`),
    [[String(jsT), String(org['JS-B2']), 'unpaid']]);
  assert.equal(zjBills(), zjBefore, "the other tenant's bills are untouched");
  if (/^postgres/.test(srv.dbUrl)) // SQLite keeps one dues_months row a month (its keys have no tenant)
    assert.equal(q(`SELECT COUNT(*) FROM dues_months WHERE month = ${CUR} AND tenant_id = ${jsT} AND generated_at IS NOT NULL`), '1');
  const again = cliOk(srv, ['dues', 'generate', '--month', String(CUR), '--tenant', String(jsT)]);
  assert.match(again.stdout, / 4 members liable, 0 new bills/, 'again: nothing new');
  // bad tenants and misuse: a clear message, nothing written
  const count = q(`SELECT COUNT(*) FROM dues_bills WHERE month = ${CUR}`);
  const none = srv.run(['dues', 'generate', '--month', String(CUR), '--tenant', '99']);
  assert.equal(none.status, 1, none.stderr);
  assert.match(none.stderr, /tenant 99 has no organizations/);
  for (const args of [['generate', '--tenant', 'NOPE'], ['generate', '--tenant', 'JS', '--org', 'JS'], ['publish', '--tenant', 'JS']]) {
    const r = srv.run(['dues', args[0], '--month', String(CUR), ...args.slice(1)]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /neither a tenant number nor an organization code|--tenant is for 'generate' and 'close', without --org/);
  }
  assert.equal(q(`SELECT COUNT(*) FROM dues_bills WHERE month = ${CUR}`), count);
});

test("the national root's plan: checked with the root's tenant over both provinces, left by a province's check, in a province's progress", async () => {
  const plan = await ok('admin', 'POST', '/api/v1/plans', {
    org_id: org.SGCC, year: YEAR, name: '全国年度计划',
    tasks: [{ code: 'national-themeday', name: '主题党日（全国）', metric: 'count', indicator: 'org.themeday', target: 1, freq: 'month' }],
  }, 201);
  const task = Number(q(`SELECT id FROM plan_tasks WHERE plan_id = ${plan.id}`));
  const cells = () => rows(`SELECT s.tenant_id, o.code FROM plan_status s JOIN orgs o ON o.id = s.org_id WHERE s.task_id = ${task} ORDER BY o.code`);
  for (const t of ['JS', 'ZJ']) cliOk(srv, ['plan', 'check', '--tenant', t, '--no-deliver']);
  assert.deepEqual(cells(), [], "the provinces' checks leave the national root's plan");
  const out = cliOk(srv, ['plan', 'check', '--tenant', 'SGCC', '--no-deliver']);
  assert.match(out.stdout, /checked \d+: [1-9]\d* cells/, out.stdout);
  assert.deepEqual(cells(), ['JS-B1', 'JS-B2', 'ZJ-B1', 'ZJ-B2'].map((c) => ['1', c]), "its cells: every province's branches, in the plan's tenant");
  // a province's progress and bulletin (a grid of its tenant's rows) have the national task
  // beside the province's own, over the province's organizations alone
  const progress = await ok('admin-js', 'GET', `/api/v1/plans/progress?org_id=${org['JS-B1']}`);
  assert.deepEqual(progress.tasks.map((t) => t.task.code).sort(), ['national-themeday', 'themeday']);
  const js = await ok('admin-js', 'GET', `/api/v1/plans/progress?org_id=${org.JS}`);
  assert.deepEqual(js.orgs.map((o) => o.org.code).sort(), ['JS-B1', 'JS-B2']);
  const all = await ok('admin', 'GET', `/api/v1/plans/progress?org_id=${org.SGCC}`);
  assert.deepEqual(all.orgs.map((o) => o.org.code).sort(), ['JS-B1', 'JS-B2', 'ZJ-B1', 'ZJ-B2']);
  const bulletin = await ok('admin-js', 'GET', `/api/v1/plans/bulletin?org_id=${org['JS-U']}&period=${YEAR}`);
  assert.ok(JSON.stringify(bulletin).includes('JS-B1') && !JSON.stringify(bulletin).includes('"ZJ'), JSON.stringify(bulletin).slice(0, 300));
});
