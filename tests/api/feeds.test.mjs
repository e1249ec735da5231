// Pull feeds: a mock HR / production database (a real PostgreSQL: the run's cluster, or one
// of this file's own on the SQLite run), read by `dangjian source pull` and by serve's jobs;
// bad rows quarantined with reasons and replayed; a pull killed with SIGKILL and redone
// stores each event once; the connection URL's password never shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, assertError, freePort } from './lib.mjs';
import { seedWorld, cliOk, sql, isPostgres, writeTmp, csv, idCard } from './fixtures.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = process.env.DJ_BIN || path.join(ROOT, 'dangjian');
const PASSWORD = 'Hr-Secret-9f3k2';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv, W, admin, sourceId, pgDir, hrBase, hrUrl, hrName;

// last month as YYYY-MM (in the window, never in the future)
const d = new Date(Date.now() + 8 * 3600e3);
d.setUTCDate(1);
d.setUTCMonth(d.getUTCMonth() - 1);
const MONTH = d.toISOString().slice(0, 7);

const hr = (statement) => sql(hrBase, statement);
const events = () => Number(sql(srv.dbUrl, `SELECT COUNT(*) FROM events WHERE source_id = ${sourceId}`));
const feed = async () => {
  const r = await srv.api('GET', `/api/v1/sources/${sourceId}/feed`, { token: admin });
  assert.equal(r.status, 200, r.text);
  return r.body;
};
const MAPPING = { key: 'id', emp_no: 'emp_no', indicator: 'indicator', value: 'value', month: 'ym' };

function rows(from, to, emp = 'EA002', extra = {}) {
  const v = [];
  for (let i = from; i <= to; i++) {
    const e = { emp: typeof emp === 'function' ? emp(i) : emp, ind: 'perf.rating', value: String((i % 4) + 1), ym: MONTH, ...extra };
    v.push(`(${i}, '${e.emp}', '${e.ind}', '${e.value}', '${e.ym}', now() + interval '${i} milliseconds')`);
  }
  hr(`INSERT INTO achievements(id, emp_no, indicator, value, ym, updated_at) VALUES ${v.join(', ')}`);
}

function pull(env) {
  const t0 = Date.now();
  const r = cliOk(srv, ['source', 'pull', 'hr'], { env });
  const m = r.stdout.match(/(\d+) pages, (\d+) rows, (\d+) stored, (\d+) duplicates, (\d+) quarantined, (\d+) left/);
  assert.ok(m, r.stdout);
  console.log(`pull: ${r.stdout.trim()} (${Date.now() - t0} ms with the process)`);
  const [pages, n, stored, duplicates, quarantined, resolved] = m.slice(1).map(Number);
  return { pages, rows: n, stored, duplicates, quarantined, resolved, out: r.stdout + r.stderr };
}

before(async () => {
  hrName = `hr_${process.pid}`;
  let cluster;
  if (isPostgres()) {
    cluster = process.env.DJ_DB;
  } else {
    pgDir = mkdtempSync(path.join(os.tmpdir(), 'dj-feeds-pg.'));
    const r = spawnSync(path.join(ROOT, 'scripts/pg-tmp.sh'), ['start', pgDir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    cluster = r.stdout.trim();
  }
  sql(cluster, `CREATE DATABASE ${hrName}`);
  const u = new URL(cluster);
  u.pathname = `/${hrName}`;
  hrBase = u.toString();
  u.password = PASSWORD; // the test cluster trusts loopback: the password is only carried
  hrUrl = u.toString();
  hr(`CREATE TABLE achievements (id BIGINT PRIMARY KEY, emp_no TEXT, indicator TEXT, value TEXT,
        ym TEXT, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  srv = await startServer({ serveArgs: ['--no-jobs'] });
  W = await seedWorld(srv);
  admin = W.tokens.admin;
  sourceId = Number(sql(srv.dbUrl, "SELECT id FROM sources WHERE code = 'hr'"));
});

after(async () => {
  await srv?.stop();
  if (hrBase) {
    const u = new URL(hrBase);
    u.pathname = '/postgres';
    try { sql(u.toString(), `DROP DATABASE IF EXISTS ${hrName} WITH (FORCE)`); } catch { /* the cluster may be gone */ }
  }
  if (pgDir) spawnSync(path.join(ROOT, 'scripts/pg-tmp.sh'), ['stop', pgDir], { timeout: 60_000 });
});

test('only an administrator configures and reads feeds; bad settings are refused', async () => {
  const body = { kind: 'sql', url: hrUrl, target: 'achievements', mapping: MAPPING, page_size: 7 };
  for (const who of ['com-a', 'sec-a1', 'mem-a2']) {
    const t = W.tokens[who];
    assertError(await srv.api('PUT', `/api/v1/sources/${sourceId}/feed`, { token: t, body }), 403, 'forbidden');
    assertError(await srv.api('GET', '/api/v1/feeds', { token: t }), 403, 'forbidden');
    assertError(await srv.api('POST', `/api/v1/sources/${sourceId}/feed/pull`, { token: t }), 403, 'forbidden');
    assertError(await srv.api('GET', `/api/v1/sources/${sourceId}/quarantine`, { token: t }), 403, 'forbidden');
    assertError(await srv.api('POST', `/api/v1/sources/${sourceId}/quarantine/replay`, { token: t }), 403, 'forbidden');
  }
  assertError(await srv.api('GET', `/api/v1/sources/${sourceId}/feed`, { token: admin }), 404, 'not_found');
  assertError(await srv.api('PUT', '/api/v1/sources/9999/feed', { token: admin, body }), 404, 'not_found');
  const bad = [
    [{ ...body, url: undefined }, 'required'],
    [{ ...body, kind: 'ftp' }, 'invalid_choice'],
    [{ ...body, url: 'mysql://x@127.0.0.1/hr' }, 'invalid_format'],
    [{ ...body, target: 'achievements; DROP TABLE x' }, 'invalid_format'],
    [{ ...body, mapping: { ...MAPPING, indicator: undefined } }, 'required'],
    [{ ...body, mapping: { ...MAPPING, value: 'value"--' } }, 'invalid_format'],
    [{ ...body, page_size: 0 }, 'out_of_range'],
  ];
  for (const [b, code] of bad) {
    const r = await srv.api('PUT', `/api/v1/sources/${sourceId}/feed`, { token: admin, body: JSON.parse(JSON.stringify(b)) });
    assertError(r, 400, 'invalid');
    assert.equal(r.body.error.details?.[0]?.code, code, r.text);
  }
  const r = await srv.api('PUT', `/api/v1/sources/${sourceId}/feed`, { token: admin, body });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.secret_set, true);
  assert.equal(r.body.state, 'never');
  assert.equal(r.body.watermark, null);
  assert.ok(!r.text.includes(PASSWORD) && !r.text.includes(hrBase.split('@')[1]), r.text);
  const list = await srv.api('GET', '/api/v1/feeds', { token: admin });
  assert.equal(list.body.items.length, 1);
  assert.ok(!list.text.includes(PASSWORD));
});

test('a pull stores good rows once and quarantines bad ones with their reason', async () => {
  rows(1, 20, (i) => ['EA001', 'EA002', 'EA003', 'EB001'][i % 4]);
  rows(21, 21, 'NOPE');
  rows(22, 22, 'EA001', { ind: 'no.such' });
  rows(23, 23, 'EA001', { value: 'abc' });
  rows(24, 24, 'EA001', { ym: '2001-01' });
  rows(25, 25, 'EZ999'); // a member who is added later
  const p = pull();
  assert.deepEqual([p.rows, p.stored, p.duplicates, p.quarantined], [25, 20, 0, 5]);
  assert.equal(p.pages, 4); // pages of 7
  assert.equal(events(), 20);
  const q = await srv.api('GET', `/api/v1/sources/${sourceId}/quarantine`, { token: admin });
  assert.equal(q.status, 200, q.text);
  const reasons = Object.fromEntries(q.body.items.map((x) => [x.row_key, x.reason]));
  assert.deepEqual(reasons, { 21: 'unknown_member', 22: 'unknown_indicator', 23: 'not_number', 24: 'out_of_range', 25: 'unknown_member' });
  assert.equal(q.body.items.find((x) => x.row_key === '23').raw.value, 'abc');
  const again = pull();
  assert.deepEqual([again.rows, again.stored], [0, 0]);
  const f = await feed();
  assert.equal(f.state, 'ok');
  assert.deepEqual([f.rows_read, f.stored, f.quarantined, f.quarantine_open], [25, 20, 5, 5]);
  assert.equal(f.watermark.id, '25');
  assert.ok(f.lag_seconds >= 0);
});

test('changed and new rows: only the rows after the watermark are read', async () => {
  hr("UPDATE achievements SET value = '4', updated_at = now() WHERE id IN (3, 4)");
  rows(26, 28, 'EA003');
  const p = pull();
  assert.deepEqual([p.rows, p.stored, p.duplicates, p.quarantined], [5, 3, 2, 0]);
  assert.equal(events(), 23);
});

test('a replay after adding the missing member stores the row; the others stay with their reason', async () => {
  const file = writeTmp('ez.csv', csv([['工号', '姓名', '性别', '出生日期', '所在组织编码', '身份证号', '手机号'],
    ['EZ999', '赵新', '男', '1992-02-03', 'UA-B3', idCard('19920203', '071'), '13500000009']]));
  cliOk(srv, ['import', 'members', file]);
  const r = await srv.api('POST', `/api/v1/sources/${sourceId}/quarantine/replay`, { token: admin });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.rows, r.body.resolved, r.body.quarantined], [5, 1, 4]);
  assert.equal(events(), 24);
  const open = await srv.api('GET', `/api/v1/sources/${sourceId}/quarantine`, { token: admin });
  assert.equal(open.body.total, 4);
  const done = await srv.api('GET', `/api/v1/sources/${sourceId}/quarantine?status=replayed`, { token: admin });
  assert.deepEqual(done.body.items.map((x) => x.row_key), ['25']);
  assertError(await srv.api('GET', `/api/v1/sources/${sourceId}/quarantine?status=nope`, { token: admin }), 400, 'invalid');
  const cli = cliOk(srv, ['source', 'replay', 'hr']);
  assert.match(cli.stdout, /4 rows replayed, 0 stored, 4 still quarantined/);
});

test('a pull killed in the middle and redone stores each event once and reads no row twice', async () => {
  const before = events();
  const read0 = (await feed()).rows_read;
  rows(1001, 1060, (i) => ['EA001', 'EA002', 'EA003', 'EB001'][i % 4]);
  const r = await srv.api('PUT', `/api/v1/sources/${sourceId}/feed`, { token: admin, body: { page_size: 5 } });
  assert.equal(r.status, 200, r.text);
  const child = spawn(BIN, ['source', 'pull', 'hr', '--db', srv.dbUrl], {
    env: { ...process.env, DJ_FEED_PAGE_PAUSE_MS: '150' },
    stdio: 'ignore',
  });
  const exited = new Promise((res) => child.once('exit', res));
  const deadline = Date.now() + 20_000;
  while ((await feed()).rows_read - read0 < 15 && Date.now() < deadline) await sleep(50);
  child.kill('SIGKILL');
  await exited;
  const mid = (await feed()).rows_read - read0;
  console.log(`killed after ${mid} of 60 rows were committed`);
  assert.ok(mid >= 15 && mid < 60, `rows committed before the kill: ${mid}`);
  assert.equal(events(), before + mid);
  const p = pull();
  assert.equal(p.rows, 60 - mid, 'the redone pull starts after the last committed page');
  assert.equal(p.duplicates, 0);
  assert.equal(events(), before + 60);
  assert.equal(Number(sql(srv.dbUrl, `SELECT COUNT(*) FROM (SELECT key FROM events WHERE source_id = ${sourceId} GROUP BY key HAVING COUNT(*) > 1) x`)), 0);
});

test('an unreachable database: the error is kept without the password, retried with backoff', async () => {
  const port = await freePort();
  const dead = new URL(hrUrl);
  dead.port = String(port);
  let r = await srv.api('PUT', `/api/v1/sources/${sourceId}/feed`, { token: admin, body: { url: dead.toString() } });
  assert.equal(r.status, 200, r.text);
  r = await srv.api('POST', `/api/v1/sources/${sourceId}/feed/pull`, { token: admin });
  assert.equal(r.status, 500, r.text);
  assert.ok(!r.text.includes(PASSWORD), r.text);
  let f = await feed();
  assert.equal(f.state, 'failing');
  assert.equal(f.failures, 1);
  assert.match(f.last_error, /cannot connect/);
  assert.ok(!f.last_error.includes(PASSWORD));
  const now = Math.floor(Date.now() / 1000);
  assert.ok(f.next_at > now && f.next_at <= now + 31, `next try ${f.next_at - now} s from now`);
  const cli = srv.run(['source', 'pull', 'hr']);
  assert.notEqual(cli.status, 0);
  assert.ok(!(cli.stdout + cli.stderr).includes(PASSWORD), cli.stderr);
  f = await feed();
  assert.equal(f.failures, 2);
  assert.ok(f.next_at - Math.floor(Date.now() / 1000) > 31, 'the second failure waits longer');
  r = await srv.api('PUT', `/api/v1/sources/${sourceId}/feed`, { token: admin, body: { url: hrUrl } });
  r = await srv.api('POST', `/api/v1/sources/${sourceId}/feed/pull`, { token: admin });
  assert.equal(r.status, 200, r.text);
  f = await feed();
  assert.deepEqual([f.state, f.failures, f.last_error], ['ok', 0, '']);
});

test("serve's jobs pull a feed that is due", async () => {
  const before = events();
  rows(2001, 2004, 'EB001');
  const r = await srv.api('PUT', `/api/v1/sources/${sourceId}/feed`, { token: admin, body: { every_seconds: 1 } });
  assert.equal(r.status, 200, r.text);
  const srv2 = await startServer({ db: srv.dbUrl, init: false, serveArgs: ['--jobs-every', '1'] });
  try {
    const t0 = Date.now();
    while (events() < before + 4 && Date.now() - t0 < 20_000) await sleep(100);
    console.log(`the jobs pulled the new rows in ${Date.now() - t0} ms`);
    assert.equal(events(), before + 4);
    assert.ok(!srv2.log().includes(PASSWORD));
  } finally {
    await srv2.stop();
  }
});

test('the password is in no reply, log, audit row or stored column', async () => {
  const all = [srv.log(), sql(srv.dbUrl, 'SELECT detail FROM audit'), sql(srv.dbUrl, 'SELECT secret FROM feeds'),
    (await srv.api('GET', '/api/v1/feeds', { token: admin })).text, cliOk(srv, ['source', 'status']).stdout].join('\n');
  assert.ok(!all.includes(PASSWORD));
  assert.match(sql(srv.dbUrl, 'SELECT secret FROM feeds'), /^pii1\./);
  assert.ok(Number(sql(srv.dbUrl, "SELECT COUNT(*) FROM audit WHERE action IN ('feed_create', 'feed_update', 'feed_pull', 'quarantine_replay')")) >= 5);
});

test('a drop folder: a good file, a bad file and the same file twice, each taken once', async () => {
  const { addSource } = await import('./fixtures.mjs');
  const { mkdirSync, writeFileSync, readdirSync, readFileSync, existsSync } = await import('node:fs');
  addSource(srv, 'prod', '生产系统');
  const prodId = Number(sql(srv.dbUrl, "SELECT id FROM sources WHERE code = 'prod'"));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dj-feeds-drop.'));
  mkdirSync(dir, { recursive: true });
  let r = await srv.api('PUT', `/api/v1/sources/${prodId}/feed`, {
    token: admin,
    body: { kind: 'folder', target: dir, mapping: { key: 'no', emp_no: 'emp', indicator: '=safety.violation', value: 'times', month: 'month' } },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.secret_set, false);
  const good = `no,emp,times,month\np1,EA001,1,${MONTH}\np2,EA002,2,${MONTH}\np3,NOPE,1,${MONTH}\np4,EA003,x,${MONTH}\n`;
  writeFileSync(path.join(dir, 'a.csv'), good);
  writeFileSync(path.join(dir, 'b.csv'), 'no,who,times\nq1,EA001,1\n'); // wrong header
  writeFileSync(path.join(dir, 'notes.txt'), 'not a CSV: left alone');
  const count = () => Number(sql(srv.dbUrl, `SELECT COUNT(*) FROM events WHERE source_id = ${prodId}`));
  const t0 = Date.now();
  r = await srv.api('POST', `/api/v1/sources/${prodId}/feed/pull`, { token: admin });
  assert.equal(r.status, 200, r.text);
  console.log(`drop folder: ${JSON.stringify(r.body)} (${Date.now() - t0} ms)`);
  assert.deepEqual([r.body.pages, r.body.rows, r.body.stored, r.body.quarantined], [2, 4, 2, 2]);
  assert.equal(count(), 2);
  assert.deepEqual(readdirSync(dir).sort(), ['done', 'notes.txt', 'rejected']);
  const rep = JSON.parse(readFileSync(path.join(dir, 'done', 'a.csv.report.json'), 'utf8'));
  assert.equal(rep.status, 'done');
  assert.deepEqual(rep.quarantined_rows.map((x) => [x.line, x.reason]), [[4, 'unknown_member'], [5, 'not_number']]);
  const bad = JSON.parse(readFileSync(path.join(dir, 'rejected', 'b.csv.report.json'), 'utf8'));
  assert.equal(bad.status, 'rejected');
  assert.match(bad.message, /who|missing|unknown/i);
  assert.ok(existsSync(path.join(dir, 'rejected', 'b.csv')));
  // the same content dropped again, under another name and under the same name
  writeFileSync(path.join(dir, 'a-again.csv'), good);
  writeFileSync(path.join(dir, 'a.csv'), good);
  r = await srv.api('POST', `/api/v1/sources/${prodId}/feed/pull`, { token: admin });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.stored, 0);
  assert.equal(count(), 2);
  const again = JSON.parse(readFileSync(path.join(dir, 'rejected', 'a-again.csv.report.json'), 'utf8'));
  assert.equal(again.reason, 'duplicate');
  assert.ok(existsSync(path.join(dir, 'done', 'a.csv.2')), readdirSync(path.join(dir, 'done')).join(' '));
  const q = await srv.api('GET', `/api/v1/sources/${prodId}/quarantine`, { token: admin });
  assert.deepEqual(q.body.items.map((x) => x.reason).sort(), ['not_number', 'unknown_member']);
  assert.equal(q.body.items.find((x) => x.row_key === 'p3').raw._file, 'a.csv');
  rmSync(dir, { recursive: true, force: true });
});

test('a drop folder takes .xlsx workbooks too; a damaged one is rejected with invalid_xlsx', async () => {
  const { addSource, xlsx } = await import('./fixtures.mjs');
  const { writeFileSync, readdirSync, readFileSync } = await import('node:fs');
  addSource(srv, 'prodx', '生产系统（Excel）');
  const id = Number(sql(srv.dbUrl, "SELECT id FROM sources WHERE code = 'prodx'"));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dj-feeds-xlsx.'));
  let r = await srv.api('PUT', `/api/v1/sources/${id}/feed`, {
    token: admin,
    body: { kind: 'folder', target: dir, mapping: { key: 'no', emp_no: 'emp', indicator: '=safety.violation', value: 'times', month: 'month' } },
  });
  assert.equal(r.status, 200, r.text);
  writeFileSync(path.join(dir, 'x.xlsx'), xlsx([{ rows: [['no', 'emp', 'times', 'month'], ['x1', 'EA001', 1, MONTH], ['x2', 'EA002', 'x', MONTH]] }]));
  writeFileSync(path.join(dir, 'y.xlsx'), Buffer.from('PK\x03\x04 damaged'));
  r = await srv.api('POST', `/api/v1/sources/${id}/feed/pull`, { token: admin });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.rows, r.body.stored, r.body.quarantined], [2, 1, 1]);
  assert.deepEqual(readdirSync(dir).sort(), ['done', 'rejected']);
  const rep = JSON.parse(readFileSync(path.join(dir, 'done', 'x.xlsx.report.json'), 'utf8'));
  assert.deepEqual(rep.quarantined_rows.map((x) => [x.line, x.reason]), [[3, 'not_number']]);
  const bad = JSON.parse(readFileSync(path.join(dir, 'rejected', 'y.xlsx.report.json'), 'utf8'));
  assert.equal(bad.reason, 'invalid_xlsx');
  rmSync(dir, { recursive: true, force: true });
});
