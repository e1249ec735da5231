// `dangjian demo --tenants 2` (docs/SCALE.md, "Tenants"): a national root (SGCC, tenant 1) and
// two provincial companies, 江苏 (JS, tenant 2) and 浙江 (ZJ, tenant 3), each a small company of
// its own with a year of events, dues, plans and scores. Checked: every row of a distributed
// table carries its tenant, also after writes through the API into ZJ; a provincial
// administrator sees nothing of the other province; the national roll-up per province; one
// province's month closed by hand. tenants.test.mjs checks the same on a world built through
// the API, on every backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib.mjs';
import { assertTenantsRight } from './tenant_rules.mjs';
import { sql, idCard, localDate, cliOk } from './fixtures.mjs';

const DEMO_PASSWORD = 'dangjian2024';
const DEMO_KEY = 'demo-api-key-0123456789';
const CUR = localDate().month;
const YEAR = Math.floor(CUR / 100);


let srv;
const tok = {}; // login → bearer token
const org = {}; // code → organization
before(async () => {
  srv = await startServer({
    seedArgs: ['demo', '--tenants', '2', '--orgs', '12', '--members', '40', '--months', '12'],
    serveArgs: ['--no-jobs'],
  });
  for (const l of ['admin', 'admin-js', 'admin-zj', 'caiwu-zj', 'dangyuan-js']) {
    const r = await srv.api('POST', '/api/v1/auth/login', { body: { login: l, password: DEMO_PASSWORD } });
    assert.equal(r.status, 200, `${l}: ${r.text}`);
    tok[l] = r.body.token;
  }
  const tree = await api('admin', 'GET', '/api/v1/orgs/tree');
  assert.equal(tree.status, 200, tree.text);
  const walk = (n) => {
    org[n.code] = n;
    for (const c of n.children ?? []) walk(c);
  };
  walk(tree.body);
});
after(() => srv?.stop());

function api(login, method, path, body) {
  return srv.api(method, path, { token: tok[login], body });
}

const q = (statement) => sql(srv.dbUrl, statement);
const rows = (statement) => q(statement).split('\n').filter(Boolean).map((l) => l.split('|'));

test('the demo: a national root and two provincial companies, each a tenant of its own', async () => {
  assert.equal(org.SGCC.parent_id, null);
  assert.equal(org.SGCC.tenant_id, 1);
  assert.deepEqual([org.JS.parent_id, org.JS.tenant_id], [org.SGCC.id, 2]);
  assert.deepEqual([org.ZJ.parent_id, org.ZJ.tenant_id], [org.SGCC.id, 3]);
  assert.equal(org['ZJ-01'].tenant_id, 3);
  // each province holds the seed's kinds of rows, in its own tenant
  for (const t of ['members', 'accounts', 'events', 'member_scores', 'dues_bills', 'dues_payments',
    'ledger_entries', 'plans', 'plan_status', 'logins']) {
    const per = Object.fromEntries(rows(`SELECT tenant_id, COUNT(*) FROM ${t} GROUP BY tenant_id`));
    assert.ok(Number(per[2]) > 0 && Number(per[3]) > 0, `${t}: ${JSON.stringify(per)}`);
  }
  assert.equal(q("SELECT COUNT(*) FROM members WHERE tenant_id = 3 AND emp_no NOT LIKE 'ZJ%'"), '0');
  assertTenantsRight(q);
});

test('--print-accounts lists the national administrator and each province\'s logins', () => {
  const r = srv.run(['demo', '--print-accounts']);
  assert.equal(r.status, 0, r.stderr);
  for (const l of ['admin', 'admin-js', 'admin-zj', 'dangwei-js', 'caiwu-zj', 'shuji-js', 'dangyuan-zj']) {
    assert.match(r.stdout, new RegExp(`^  ${l} +dangjian2024`, 'm'), l);
  }
  assert.match(r.stdout, /国家电网有限公司党组 \(SGCC\)/);
  assert.match(r.stdout, /国网浙江省电力有限公司党委 \(ZJ\)/);
});

test('writes through the API into the ZJ tenant carry tenant 3', async () => {
  const branch = Object.values(org).find((o) => o.code.startsWith('ZJ-') && o.kind === 'branch');
  const m = await api('admin-zj', 'POST', '/api/v1/members', {
    emp_no: 'ZJ900001', name: '钱塘', gender: '男', birth_date: '1990-01-02', org_id: branch.id,
    id_card: idCard('19900102', '771'), phone: '13955550001',
  });
  assert.equal(m.status, 201, m.text);
  const ev = await srv.api('POST', '/api/v1/events', {
    headers: { 'X-API-Key': DEMO_KEY },
    body: [{ key: 'tenants-1', emp_no: 'ZJ900001', indicator: 'study.hours', date: `${YEAR}-${String(CUR % 100).padStart(2, '0')}-01`, value: 2 }],
  });
  assert.equal(ev.status, 200, ev.text);
  assert.equal(ev.body.accepted, 1, ev.text);
  const plan = await api('admin-zj', 'POST', '/api/v1/plans', {
    org_id: org['ZJ-01'].id, year: YEAR, name: '浙江单位计划',
    tasks: [{ code: 'zj-cm', name: '支部委员会会议', metric: 'count', indicator: 'org.committee_meeting', target: 1, freq: 'month' }],
  });
  assert.equal(plan.status, 201, plan.text);
  // a collection by the ZJ unit's finance, for a bill of this month not paid yet
  const bills = await api('caiwu-zj', 'GET', `/api/v1/dues/bills?org_id=${org['ZJ-01'].id}&month=${CUR}&status=unpaid&page_size=100`);
  assert.equal(bills.status, 200, bills.text);
  const bill = bills.body.items.find((b) => b.amount_fen > 0);
  assert.ok(bill, `no unpaid bill in ZJ-01: ${bills.text}`);
  const emp = q(`SELECT emp_no FROM members WHERE id = ${bill.member_id}`);
  const c = await api('caiwu-zj', 'POST', '/api/v1/dues/collections', {
    items: [{ emp_no: emp, months: [CUR], amount_fen: bill.amount_fen, channel: 'cash' }],
  });
  assert.equal(c.status, 201, c.text);
  // a third provincial company, made by the national administrator: a new tenant
  const ah = await api('admin', 'POST', '/api/v1/orgs', { code: 'AH', name: '国网安徽省电力有限公司党委', kind: '党委', parent_id: org.SGCC.id, tenant: true });
  assert.equal(ah.status, 201, ah.text);
  assert.equal(ah.body.tenant_id, 4);
  const ahb = await api('admin', 'POST', '/api/v1/orgs', { code: 'AH-01', name: '合肥供电公司党支部', kind: '党支部', parent_id: ah.body.id });
  assert.equal(ahb.body.tenant_id, 4, ahb.text);
  assert.equal((await api('admin', 'POST', '/api/v1/orgs', { code: 'AH-02', name: 'x', kind: '党支部', parent_id: ah.body.id, tenant: 'yes' })).status, 400);

  assert.deepEqual(rows(`SELECT tenant_id FROM members WHERE emp_no = 'ZJ900001'`), [['3']]);
  assert.deepEqual(rows(`SELECT DISTINCT m.tenant_id FROM member_orgs m JOIN members x ON x.id = m.member_id AND x.tenant_id = m.tenant_id WHERE x.emp_no = 'ZJ900001'`), [['3']]);
  assert.deepEqual(rows(`SELECT tenant_id FROM events WHERE key = 'tenants-1'`), [['3']]);
  assert.deepEqual(rows(`SELECT tenant_id FROM plans WHERE id = ${plan.body.id}`), [['3']]);
  assert.deepEqual(rows(`SELECT DISTINCT tenant_id FROM plan_tasks WHERE plan_id = ${plan.body.id}`), [['3']]);
  assert.deepEqual(rows(`SELECT tenant_id FROM dues_payments WHERE id = ${c.body.ids[0]}`), [['3']]);
  assert.deepEqual(rows(`SELECT DISTINCT tenant_id FROM dues_payment_items WHERE payment_id = ${c.body.ids[0]}`), [['3']]);
  assert.deepEqual(rows(`SELECT DISTINCT tenant_id FROM audit WHERE org_id = ${branch.id} AND entity = 'member' AND action = 'create'`), [['3']]);
  assert.deepEqual(rows(`SELECT DISTINCT s.tenant_id FROM sessions s JOIN accounts a ON a.id = s.account_id AND a.tenant_id = s.tenant_id WHERE a.login = 'admin-zj'`), [['3']]);
  assertTenantsRight(q);

  // a member or an organization never moves into another tenant
  const move = await api('admin', 'PATCH', `/api/v1/members/${m.body.id}`, { org_id: Object.values(org).find((o) => o.code.startsWith('JS-') && o.kind === 'branch').id });
  assert.equal(move.status, 400, move.text);
  assert.equal(move.body.error.details[0].code, 'other_tenant');
  const omove = await api('admin', 'POST', `/api/v1/orgs/${org['ZJ-01'].id}/move`, { parent_id: org.JS.id });
  assert.equal(omove.status, 400, omove.text);
  assert.equal(omove.body.error.details[0].code, 'other_tenant');
});

test("a provincial administrator never sees the other province's rows", async () => {
  const zjMember = Number(q("SELECT id FROM members WHERE emp_no LIKE 'ZJ%' ORDER BY id LIMIT 1"));
  const zjBranch = Object.values(org).find((o) => o.code.startsWith('ZJ-') && o.kind === 'branch');
  const month = Number(q('SELECT MAX(month) FROM member_scores'));
  // by id: 403 or 404, never the row
  for (const path of [`/api/v1/members/${zjMember}`, `/api/v1/portraits/members/${zjMember}?month=${month}`,
    `/api/v1/portraits/orgs/${org.ZJ.id}?month=${month}`, `/api/v1/orgs/${org.ZJ.id}/subtree`,
    `/api/v1/members?org_id=${org.ZJ.id}`, `/api/v1/dues/bills?org_id=${org.ZJ.id}&month=${CUR}`,
    `/api/v1/plans?org_id=${org.ZJ.id}`, `/api/v1/audit?org_id=${org.ZJ.id}`,
    `/api/v1/stats/logins?org_id=${org.ZJ.id}`, `/api/v1/orgs/${org.ZJ.id}/ranking`,
    `/api/v1/leaderboard?scope=company&org_id=${org.ZJ.id}&month=${month}`,
    `/api/v1/leaderboard?scope=branch&org_id=${zjBranch.id}&month=${month}`]) {
    const r = await api('admin-js', 'GET', path);
    assert.ok([403, 404].includes(r.status), `${path}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  }
  // listings: nothing of ZJ
  const zjOrgs = new Set(Object.values(org).filter((o) => o.tenant_id === 3).map((o) => o.id));
  const members = await api('admin-js', 'GET', `/api/v1/members?org_id=${org.JS.id}&page_size=200`);
  assert.equal(members.status, 200, members.text);
  assert.ok(members.body.items.length > 0 && members.body.items.every((m) => m.emp_no.startsWith('JS')), 'members');
  const board = await api('admin-js', 'GET', `/api/v1/leaderboard?scope=company&month=${month}&page_size=100`);
  assert.equal(board.status, 200, board.text);
  assert.equal(board.body.org_id, org.JS.id);
  assert.equal(board.body.total, Number(q(`SELECT COUNT(*) FROM member_scores WHERE month = ${month} AND tenant_id = 2`)));
  const zjIds = new Set(rows('SELECT id FROM members WHERE tenant_id = 3').map((r) => Number(r[0])));
  assert.ok(board.body.items.length > 0 && board.body.items.every((i) => !zjIds.has(i.member_id)), 'company board');
  // a JS member's company board is JS's, ranked among JS's members only
  const mine = await api('dangyuan-js', 'GET', `/api/v1/leaderboard?scope=company&month=${month}`);
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.body.org_id, org.JS.id);
  assert.ok(mine.body.me === null || mine.body.me.rank <= board.body.total, mine.text);
  assert.equal((await api('dangyuan-js', 'GET', `/api/v1/leaderboard?scope=company&org_id=${org.ZJ.id}&month=${month}`)).status, 403);
  const bills = await api('admin-js', 'GET', `/api/v1/dues/bills?org_id=${org.JS.id}&month=${CUR}&page_size=100`);
  assert.equal(bills.status, 200, bills.text);
  assert.ok(bills.body.items.length > 0 && bills.body.items.every((b) => !zjIds.has(b.member_id)), 'bills');
  const plans = await api('admin-js', 'GET', '/api/v1/plans');
  assert.equal(plans.status, 200, plans.text);
  assert.ok(plans.body.items.length > 0 && plans.body.items.every((p) => !zjOrgs.has(p.org_id)), 'plans');
  const audit = await api('admin-js', 'GET', '/api/v1/audit?page_size=100');
  assert.equal(audit.status, 200, audit.text);
  assert.ok(audit.body.items.every((a) => !zjOrgs.has(a.org_id)), 'audit');
  const todos = await api('admin-js', 'GET', '/api/v1/todos');
  assert.equal(todos.status, 200, todos.text);
  assert.ok((todos.body.items ?? []).every((t) => !zjOrgs.has(t.org_id)), 'todos');
  const logins = await api('admin-js', 'GET', `/api/v1/stats/logins?month=${CUR}`);
  assert.equal(logins.status, 200, logins.text);
  assert.equal(logins.body.org_id, org.JS.id);
  // what acts for every tenant (x-top) needs the role on the national root
  const source = q("SELECT id FROM sources WHERE code = 'demo'");
  for (const [method, path, body] of [['POST', '/api/v1/score/runs', { month: month }],
    ['GET', `/api/v1/sources/${source}/quarantine`], ['GET', '/api/v1/feeds'], ['POST', '/api/v1/plans/check', {}],
    ['GET', '/api/v1/plans/webhooks'], ['GET', '/api/v1/score/models']]) {
    const r = await api('admin-js', method, path, body);
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.equal(r.body.error.details[0].code, 'not_allowed');
  }
  // the data quality of the sources: a provincial admin's subtree only
  const quality = await api('admin-js', 'GET', `/api/v1/feeds/quality?month=${month}`);
  assert.equal(quality.status, 200, quality.text);
  const seenOrgs = JSON.stringify(quality.body).match(/"code":"[A-Z]+[^"]*"/g) ?? [];
  assert.ok(seenOrgs.every((c) => !c.includes('"ZJ')), `quality: ${seenOrgs.join(' ')}`);
  for (const path of [`/api/v1/sources/${source}/quarantine`, '/api/v1/feeds', '/api/v1/score/models']) {
    const r = await api('admin', 'GET', path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
  }
});

test('the national roll-up: per province, for the root administrator only', async () => {
  const month = Number(q('SELECT MAX(month) FROM member_scores'));
  const r = await api('admin', 'GET', `/api/v1/national/provinces?month=${month}`);
  assert.equal(r.status, 200, r.text);
  const byCode = Object.fromEntries(r.body.provinces.map((p) => [p.code, p]));
  assert.deepEqual(Object.keys(byCode).sort(), ['AH', 'JS', 'ZJ']);
  for (const [code, tenant] of [['JS', 2], ['ZJ', 3]]) {
    const p = byCode[code];
    assert.equal(p.tenant_id, tenant);
    const [liable, paid] = rows(`SELECT SUM(CASE WHEN status IN ('unpaid', 'paid', 'confirmed') THEN amount_fen ELSE 0 END),`
      + ` SUM(CASE WHEN status IN ('paid', 'confirmed') THEN amount_fen ELSE 0 END) FROM dues_bills`
      + ` WHERE month = ${month} AND kind = 'regular' AND org_id IN (SELECT id FROM orgs WHERE tenant_id = ${tenant})`)[0].map(Number);
    assert.deepEqual([p.dues.liable_fen, p.dues.paid_fen], [liable, paid], code);
    assert.ok(Math.abs(p.dues.rate - paid / liable) < 1e-9, code);
    const avg = Number(q(`SELECT AVG(idx) FROM member_scores WHERE month = ${month} AND member_id IN (SELECT id FROM members WHERE tenant_id = ${tenant})`));
    assert.ok(Math.abs(p.index.average - avg) < 1e-6, `${code}: ${p.index.average} vs ${avg}`);
    assert.ok(p.index.members > 0 && p.plans.cells > 0 && p.plans.rate >= 0 && p.plans.rate <= 1, JSON.stringify(p));
  }
  assert.deepEqual(byCode.AH.dues, { bills: 0, paid: 0, liable_fen: 0, paid_fen: 0, rate: null });
  // a provincial administrator, committee or member: 403
  for (const l of ['admin-js', 'caiwu-zj', 'dangyuan-js']) {
    const x = await api(l, 'GET', '/api/v1/national/provinces');
    assert.equal(x.status, 403, `${l}: ${x.text}`);
  }
  assert.equal((await api('admin', 'GET', '/api/v1/national/provinces?month=2024-13')).status, 400);
});

test("closing one province's month by hand: its members' dues events and its record alone", () => {
  const last = CUR % 100 === 1 ? CUR - 89 : CUR - 1;
  const pg = /^postgres(ql)?:\/\//.test(srv.dbUrl);
  const dues = q("SELECT id FROM sources WHERE code = 'dues'");
  // last month as if never closed: its dues events (from the internal source) gone
  q(`DELETE FROM events WHERE month = ${last} AND source_id = ${dues}`);
  q(`UPDATE dues_months SET closed_at = NULL WHERE month = ${last}`);
  const sent = () => Object.fromEntries(rows(`SELECT tenant_id, COUNT(*) FROM events WHERE month = ${last} AND source_id = ${dues} GROUP BY tenant_id`));
  const liable = (t) => Number(q(`SELECT COUNT(*) FROM dues_bills WHERE month = ${last} AND kind = 'regular' AND published_at IS NOT NULL`
    + ` AND status IN ('unpaid', 'paid', 'confirmed') AND amount_fen > 0 AND tenant_id = ${t}`));
  assert.ok(liable(2) > 0 && liable(3) > 0);
  const js = cliOk(srv, ['dues', 'close', '--month', String(last), '--tenant', 'JS']);
  const m = js.stdout.match(/closed: (\d+) on time, (\d+) late/);
  assert.ok(m, js.stdout);
  assert.equal(Number(m[1]) + Number(m[2]), liable(2), js.stdout);
  assert.deepEqual(sent(), { 2: String(liable(2)) }, "JS's members only");
  assert.equal(q("SELECT org_id FROM audit WHERE entity = 'dues_month' AND action = 'close' ORDER BY id DESC LIMIT 1"), String(org.JS.id));
  // on PostgreSQL the month is recorded closed for JS alone; SQLite keeps one row a month
  if (pg) assert.deepEqual(rows(`SELECT tenant_id FROM dues_months WHERE month = ${last} AND closed_at IS NOT NULL`), [['2']]);
  cliOk(srv, ['dues', 'close', '--month', String(last), '--tenant', '3']);
  assert.deepEqual(sent(), { 2: String(liable(2)), 3: String(liable(3)) });
  cliOk(srv, ['dues', 'close', '--month', String(last), '--tenant', 'JS']);
  assert.deepEqual(sent(), { 2: String(liable(2)), 3: String(liable(3)) }, 'closing again sends nothing twice');
  // bad tenants and misuse: a clear message
  const none = srv.run(['dues', 'close', '--month', String(last), '--tenant', '99']);
  assert.equal(none.status, 1, none.stderr);
  assert.match(none.stderr, /tenant 99 has no organizations/);
  const mixed = srv.run(['dues', 'close', '--month', String(last), '--tenant', 'JS', '--org', 'JS']);
  assert.equal(mixed.status, 2, mixed.stderr);
  const open = srv.run(['dues', 'close', '--month', String(CUR), '--tenant', 'JS']);
  assert.equal(open.status, 1, open.stderr);
  assert.match(open.stderr, /not over yet/);
});

test("one province's plans checked alone: the rows a check of every tenant makes, the other province's untouched", () => {
  // the rows of a tenant's plans not yet final, as a check of every tenant leaves them today
  const open = (t) => `task_id IN (SELECT t.id FROM plan_tasks t JOIN plans p ON p.id = t.plan_id AND p.tenant_id = t.tenant_id`
    + ` WHERE p.finalized = 0 AND p.tenant_id = ${t} AND t.tenant_id = ${t}) AND tenant_id = ${t}`;
  const state = (t) => ({
    status: rows(`SELECT task_id, org_id, period, level, closed, ROUND(actual * 1000) FROM plan_status WHERE ${open(t)} ORDER BY task_id, org_id, period`),
    warnings: rows(`SELECT task_id, org_id, period, level FROM plan_warnings WHERE ${open(t)} AND resolved_on IS NULL ORDER BY task_id, org_id, period, level`),
    cases: rows(`SELECT task_id, org_id, period, superior_id FROM plan_cases WHERE ${open(t)} ORDER BY task_id, org_id, period`),
  });
  cliOk(srv, ['plan', 'check', '--no-deliver']);
  const [js, zj] = [state(2), state(3)];
  assert.ok(js.status.length > 0 && js.cases.length > 0 && zj.status.length > 0, JSON.stringify([js.status.length, js.cases.length]));
  // JS's rows gone, then its plans checked alone
  q(`DELETE FROM plan_case_steps WHERE tenant_id = 2 AND case_id IN (SELECT id FROM plan_cases WHERE ${open(2)})`);
  for (const table of ['plan_cases', 'plan_warnings', 'plan_status']) q(`DELETE FROM ${table} WHERE ${open(2)}`);
  const zjRuns = q('SELECT COUNT(*) FROM plan_runs WHERE tenant_id = 3');
  const out = cliOk(srv, ['plan', 'check', '--tenant', 'JS', '--no-deliver']);
  assert.match(out.stdout, /checked \d+: \d+ cells/);
  assert.deepEqual(state(2), js, "JS's plans checked alone: what the check of every tenant made");
  assert.deepEqual(state(3), zj, "ZJ's rows untouched");
  assert.equal(q('SELECT COUNT(*) FROM plan_runs WHERE tenant_id = 3'), zjRuns);
  // bad tenants and misuse: a clear message
  const none = srv.run(['plan', 'check', '--tenant', '99']);
  assert.equal(none.status, 1, none.stderr);
  assert.match(none.stderr, /tenant 99 has no organizations/);
  const unknown = srv.run(['plan', 'check', '--tenant', 'NOPE']);
  assert.equal(unknown.status, 2, unknown.stderr);
  assert.equal(srv.run(['plan', 'defaults', '--year', '2024', '--tenant', 'JS']).status, 2);
});
