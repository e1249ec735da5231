// One to-do list for every domain (src/inbox/todo.c): a plan's warning addressed to an account
// and a dues arrears to-do addressed to a branch's staff come back in one call, to the right
// people only; only staff covering the branch close the dues one; the plans' and the dues'
// own lists still answer as filters over the same table; and an upgrade from the two old
// tables (migration 020) keeps their rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, sql, tempDatabase } from './fixtures.mjs';

const BIN = process.env.DJ_BIN || fileURLToPath(new URL('../../dangjian', import.meta.url));
let srv;
let W;
const T = {};
const q = (s) => sql(srv.dbUrl, s);
const api = (login, method, path) => srv.api(method, path, { token: W.tokens[login] });
const list = async (login, path = '/api/v1/todos') => {
  const r = await api(login, 'GET', path);
  assert.equal(r.status, 200, r.text);
  return r.body;
};
const ids = (body) => body.items.map((t) => t.id);

function add(row) {
  const cols = Object.keys(row);
  const vals = cols.map((c) => (row[c] === null ? 'NULL' : typeof row[c] === 'string' ? `'${row[c]}'` : row[c]));
  q(`INSERT INTO todos(${cols.join(', ')}, created_at) VALUES(${vals.join(', ')}, 1700000000)`);
  return Number(q(`SELECT MAX(id) FROM todos`));
}

before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
  const acct = (login) => Number(q(`SELECT id FROM accounts WHERE login = '${login}'`));
  T.planA = add({ domain: 'plan', kind: 'warning', account_id: acct('sec-a1'), org_id: W.orgs['UA-B1'], title: '红色预警：党课 2026Q1', task_id: 4, period: '2026Q1', due_day: 20260331 });
  T.duesA = add({ domain: 'dues', kind: 'arrears_warning', org_id: W.orgs['UA-B1'], member_id: W.members.EA002, title: '党员连续3个月未交纳党费', from_month: 202601, months: 3, dedupe: 'warn:a' });
  T.duesB = add({ domain: 'dues', kind: 'arrears_case', org_id: W.orgs['UB-B1'], member_id: W.members.EB002, title: '党员连续6个月未交纳党费', from_month: 202601, months: 6, dedupe: 'case:b' });
  T.planB = add({ domain: 'plan', kind: 'case', account_id: acct('sec-b1'), org_id: W.orgs['UB-B1'], title: '确认整改通知', case_id: 77, period: '2026Q1' });
});
after(() => srv?.stop());

test('a branch secretary sees the plans\' and the dues\' to-dos of the branch in one list, not another branch\'s', async () => {
  const a = await list('sec-a1');
  assert.deepEqual(ids(a), [T.planA, T.duesA]);
  const [p, d] = a.items;
  assert.equal(p.domain, 'plan');
  assert.equal(p.kind, 'warning');
  assert.equal(p.due, '2026-03-31');
  assert.equal(p.task_id, 4);
  assert.equal(p.can_done, false);
  assert.equal(d.domain, 'dues');
  assert.equal(d.kind, 'arrears_warning');
  assert.equal(d.org.id, W.orgs['UA-B1']);
  assert.equal(d.member_id, W.members.EA002);
  assert.equal(d.from_month, 202601);
  assert.equal(d.months, 3);
  assert.equal(d.can_done, true);
  assert.ok(Array.isArray(a.open_tasks));
  assert.deepEqual(ids(await list('sec-b1')), [T.duesB, T.planB]);
  // the committee of unit A: the branch's dues to-do, not what is addressed to its secretary
  assert.deepEqual(ids(await list('com-a')), [T.duesA]);
  assert.deepEqual(ids(await list('admin')), [T.duesA, T.duesB]);
  assert.deepEqual(ids(await list('mem-a2')), []);
});

test('only staff covering the branch close a dues to-do; a plan to-do closes by itself; history on request', async () => {
  assertError(await api('sec-b1', 'POST', `/api/v1/todos/${T.duesA}/done`), 403, 'forbidden');
  assertError(await api('mem-a2', 'POST', `/api/v1/todos/${T.duesA}/done`), 403, 'forbidden');
  assertError(await api('sec-a1', 'POST', `/api/v1/todos/${T.planB}/done`), 404, 'not_found');
  assertError(await api('sec-a1', 'POST', `/api/v1/todos/${T.planA}/done`), 409, 'conflict');
  assertError(await api('sec-a1', 'POST', '/api/v1/todos/999999/done'), 404, 'not_found');
  assert.equal(q(`SELECT COUNT(*) FROM todos WHERE done_at IS NOT NULL`), '0');
  for (let i = 0; i < 2; i++) {
    const r = await api('sec-a1', 'POST', `/api/v1/todos/${T.duesA}/done`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { id: T.duesA, done: true });
  }
  assert.equal(q(`SELECT COUNT(*) FROM audit WHERE entity = 'dues_todo' AND entity_id = ${T.duesA}`), '1');
  assert.deepEqual(ids(await list('sec-a1')), [T.planA]);
  const h = await list('sec-a1', '/api/v1/todos?done=1');
  assert.deepEqual(ids(h), [T.planA, T.duesA]);
  assert.equal(h.items[1].done, true);
  assert.equal(h.items[1].can_done, false);
  assert.ok(h.items[1].done_at > 0);
  assertError(await api('sec-a1', 'GET', '/api/v1/todos?done=2'), 400, 'invalid');
});

test('the plans\' and the dues\' own lists are filters over the same to-dos', async () => {
  assert.deepEqual(ids(await list('sec-b1', '/api/v1/plans/todos')), [T.planB]);
  const d = await list('sec-b1', '/api/v1/dues/todos');
  assert.deepEqual(ids(d), [T.duesB]);
  assert.equal(d.items[0].text, '党员连续6个月未交纳党费');
  assertError(await api('sec-b1', 'POST', `/api/v1/dues/todos/${T.planB}/done`), 404, 'not_found');
  assert.equal((await api('sec-b1', 'POST', `/api/v1/dues/todos/${T.duesB}/done`)).status, 200);
  assert.deepEqual(ids(await list('sec-b1', '/api/v1/dues/todos')), []);
  assert.deepEqual(ids(await list('sec-b1', '/api/v1/dues/todos?all=1')), [T.duesB]);
});

test('an upgrade from the two old to-do tables keeps their rows (migration 020)', () => {
  const db = tempDatabase();
  try {
    const init = () => {
      const r = spawnSync(BIN, ['init', '--db', db.url], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    init();
    // back to the schema before 020: the two tables as 004, 005 and 015 made them, with rows
    sql(db.url, 'DROP TABLE todos');
    sql(db.url, `CREATE TABLE plan_todos (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, org_id BIGINT NOT NULL,
      kind TEXT NOT NULL, title TEXT NOT NULL, task_id BIGINT, case_id BIGINT, period TEXT, due_day BIGINT,
      created_at BIGINT NOT NULL, done_at BIGINT, tenant_id BIGINT NOT NULL DEFAULT 1)`);
    sql(db.url, `CREATE TABLE dues_todos (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, member_id BIGINT,
      kind TEXT NOT NULL, text TEXT NOT NULL, from_month BIGINT, months BIGINT, dedupe TEXT NOT NULL UNIQUE,
      created_at BIGINT NOT NULL, done BIGINT NOT NULL DEFAULT 0, done_at BIGINT, done_by BIGINT,
      tenant_id BIGINT NOT NULL DEFAULT 1)`);
    sql(db.url, `INSERT INTO plan_todos VALUES (5, 11, 3, 'case', '确认整改通知', 4, 9, '2026Q1', 20260331, 100, NULL, 1),
      (6, 11, 3, 'warning', '红色预警', 4, NULL, '2026Q1', NULL, 101, 150, 1)`);
    sql(db.url, `INSERT INTO dues_todos VALUES (5, 3, 21, 'arrears_warning', '连续3个月', 202601, 3, 'warn:21:202601', 102, 1, 160, 11, 1),
      (7, 3, 22, 'arrears_case', '连续6个月', 202601, 6, 'case:22:202601', 103, 0, NULL, NULL, 1)`);
    // and before 021 (payment providers), which widens the to-dos' kinds: both run again
    sql(db.url, 'DROP TABLE dues_providers');
    sql(db.url, 'DROP TABLE dues_provider_nonces');
    sql(db.url, 'DROP TABLE dues_reconciliation_lines');
    sql(db.url, 'DROP TABLE dues_reconciliations');
    sql(db.url, 'DELETE FROM schema_version WHERE version >= 20');
    init();
    const rows = sql(db.url, `SELECT domain, kind, COALESCE(account_id, 0), org_id, COALESCE(member_id, 0), title,
      COALESCE(task_id, 0), COALESCE(case_id, 0), COALESCE(period, ''), COALESCE(due_day, 0), COALESCE(from_month, 0),
      COALESCE(months, 0), COALESCE(dedupe, ''), created_at, COALESCE(done_at, 0), COALESCE(done_by, 0)
      FROM todos ORDER BY created_at`).split('\n');
    assert.deepEqual(rows, [
      'plan|case|11|3|0|确认整改通知|4|9|2026Q1|20260331|0|0||100|0|0',
      'plan|warning|11|3|0|红色预警|4|0|2026Q1|0|0|0||101|150|0',
      'dues|arrears_warning|0|3|21|连续3个月|0|0||0|202601|3|warn:21:202601|102|160|11',
      'dues|arrears_case|0|3|22|连续6个月|0|0||0|202601|6|case:22:202601|103|0|0',
    ]);
    assert.equal(sql(db.url, "SELECT COUNT(*) FROM schema_version WHERE version = 20"), '1');
    for (const t of ['plan_todos', 'dues_todos']) {
      const r = db.url.startsWith('postgres') ? sql(db.url, `SELECT COUNT(*) FROM pg_tables WHERE tablename = '${t}'`) : sql(db.url, `SELECT COUNT(*) FROM sqlite_master WHERE name = '${t}'`);
      assert.equal(r, '0', `${t} dropped`);
    }
  } finally {
    db.drop();
  }
});
