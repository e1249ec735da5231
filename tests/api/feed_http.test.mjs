// HTTP JSON feeds: a small feed server started here on 127.0.0.1 speaks page-number
// pagination behind a bearer token and cursor pagination behind an HMAC signature; the
// pull stores each row once, quarantines bad rows, fails clearly on a wrong credential or a
// dead server, and resumes where it stopped without duplicates or gaps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import { startServer, assertError, freePort } from './lib.mjs';
import { seedWorld, sql, addSource, cliOk } from './fixtures.mjs';

const BIN = process.env.DJ_BIN || path.join(fileURLToPath(new URL('../..', import.meta.url)), 'dangjian');
const TOKEN = 'tok-7Gd92kQx';

// The CLI run without blocking this process, which serves the feed.
function cliAsync(args, env = {}, started = () => {}) {
  return new Promise((resolve) => {
    const child = spawn(BIN, [...args, '--db', srv.dbUrl], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    started(child);
    let stdout = '', stderr = '';
    child.stdout.on('data', (b) => { stdout += b; });
    child.stderr.on('data', (b) => { stderr += b; });
    child.on('exit', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
const KEY = 'hmac-key-Zp31s';

// last month as YYYY-MM (in the window, never in the future)
const d = new Date(Date.now() + 8 * 3600e3);
d.setUTCDate(1);
d.setUTCMonth(d.getUTCMonth() - 1);
const MONTH = d.toISOString().slice(0, 7);

let srv, W, admin, feedSrv, base;
const ids = {};
const data = { page: [], cursor: [] }; // the rows each endpoint serves, in order
const state = { dieAfter: Infinity, served: 0, seen: [] };
const MAPPING = { key: 'id', emp_no: 'emp', indicator: 'ind', value: 'val', month: 'ym' };

const EMPS = ['EA001', 'EA002', 'EA003', 'EB001'];
function addRows(kind, from, to, over = {}) {
  for (let i = from; i <= to; i++) data[kind].push({ id: i, emp: EMPS[i % 4], ind: 'perf.rating', val: (i % 4) + 1, ym: MONTH, ...over });
}

function handle(req, res) {
  const u = new URL(req.url, 'http://x');
  const send = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (state.served >= state.dieAfter) { // the server "dies": the connection drops unanswered
    req.socket.destroy();
    return;
  }
  state.seen.push(req.url);
  const size = Number(u.searchParams.get('limit') ?? 10);
  if (u.pathname === '/v1/page') {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: 'bad token' });
    const page = Number(u.searchParams.get('p'));
    const rows = data.page.slice((page - 1) * size, page * size);
    state.served++;
    return send(200, { data: { rows }, meta: { has_more: page * size < data.page.length } });
  }
  if (u.pathname === '/v1/cursor') {
    const ts = req.headers['x-dj-timestamp'] ?? '';
    const want = crypto.createHmac('sha256', KEY).update(`GET\n${req.url}\n${ts}\n`).digest('hex');
    if (req.headers['x-dj-signature'] !== want || req.headers['x-dj-key'] !== 'k1' ||
        Math.abs(Date.now() / 1000 - Number(ts)) > 300) return send(401, { error: 'bad signature' });
    const at = u.searchParams.has('after') ? Number(u.searchParams.get('after').slice(2)) : 0;
    const items = data.cursor.slice(at, at + size);
    state.served++;
    const end = at + items.length;
    return send(200, { items, next: end < data.cursor.length ? `c-${end}` : null });
  }
  send(404, { error: 'no such path' });
}

const count = (id) => Number(sql(srv.dbUrl, `SELECT COUNT(*) FROM events WHERE source_id = ${id}`));
const twice = (id) => Number(sql(srv.dbUrl, `SELECT COUNT(*) FROM (SELECT key FROM events WHERE source_id = ${id} GROUP BY key HAVING COUNT(*) > 1) x`));
const put = (code, body, token = admin) => srv.api('PUT', `/api/v1/sources/${ids[code]}/feed`, { token, body });
const pull = (code) => srv.api('POST', `/api/v1/sources/${ids[code]}/feed/pull`, { token: admin });
const status = async (code) => (await srv.api('GET', `/api/v1/sources/${ids[code]}/feed`, { token: admin })).body;

const PAGE = { kind: 'http', credential: TOKEN, mapping: MAPPING, page_size: 10,
  http: { paging: 'page', rows: 'data.rows', has_more: 'meta.has_more', page_param: 'p', size_param: 'limit', auth: 'bearer' } };
const CURSOR = { kind: 'http', credential: KEY, mapping: MAPPING, page_size: 7,
  http: { paging: 'cursor', rows: 'items', next: 'next', cursor_param: 'after', size_param: 'limit', auth: 'hmac', key_id: 'k1' } };

before(async () => {
  feedSrv = http.createServer(handle);
  await new Promise((r) => feedSrv.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${feedSrv.address().port}`;
  srv = await startServer({ serveArgs: ['--no-jobs'] });
  W = await seedWorld(srv);
  admin = W.tokens.admin;
  for (const code of ['apipage', 'apicur', 'apicli']) {
    addSource(srv, code);
    ids[code] = Number(sql(srv.dbUrl, `SELECT id FROM sources WHERE code = '${code}'`));
  }
});

after(async () => {
  await srv?.stop();
  await new Promise((r) => (feedSrv ? feedSrv.close(r) : r()));
});

test('HTTP feed settings: only an administrator, bad settings refused with their field', async () => {
  const body = { ...PAGE, target: `${base}/v1/page` };
  for (const who of ['com-a', 'sec-a1', 'mem-a2'])
    assertError(await put('apipage', body, W.tokens[who]), 403, 'forbidden');
  const bad = [
    [{ ...body, credential: undefined }, 'credential', 'required'],
    [{ ...body, target: 'ftp://127.0.0.1/x' }, 'target', 'invalid_format'],
    [{ ...body, target: `http://u:pw@127.0.0.1/x` }, 'target', 'invalid_format'],
    [{ ...body, url: 'postgresql://x@127.0.0.1/hr' }, 'url', 'not_allowed'],
    [{ ...body, http: { ...body.http, paging: 'offset' } }, 'http.paging', 'invalid_choice'],
    [{ ...body, http: { ...body.http, auth: 'basic' } }, 'http.auth', 'invalid_choice'],
    [{ ...body, http: { ...body.http, rows: 'a b' } }, 'http.rows', 'invalid_format'],
    [{ ...body, http: { ...body.http, timeout_seconds: 0 } }, 'http.timeout_seconds', 'out_of_range'],
    [{ ...body, http: 'page' }, 'http', 'not_object'],
    [{ ...body, kind: 'sql', url: 'postgresql://x@127.0.0.1/hr', target: 'achievements' }, 'http', 'not_allowed'],
  ];
  for (const [b, field, code] of bad) {
    const r = await put('apipage', JSON.parse(JSON.stringify(b)));
    assertError(r, 400, 'invalid');
    assert.equal(r.body.error.details?.[0]?.field, field, r.text);
    assert.equal(r.body.error.details?.[0]?.code, code, r.text);
  }
  const r = await put('apipage', body);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.kind, 'http');
  assert.equal(r.body.secret_set, true);
  assert.equal(r.body.http.paging, 'page');
  assert.equal(r.body.http.rows, 'data.rows');
  assert.ok(!r.text.includes(TOKEN), 'the token is never shown');
  const list = await srv.api('GET', '/api/v1/feeds', { token: admin });
  assert.ok(!list.text.includes(TOKEN));
  const audit = sql(srv.dbUrl, "SELECT detail FROM audit WHERE action = 'feed_create' ORDER BY id DESC LIMIT 1");
  assert.ok(!audit.includes(TOKEN) && audit.includes('data.rows'), audit);
});

test('page-number pagination with a bearer token: every row once, bad rows quarantined', async () => {
  addRows('page', 1, 23);
  addRows('page', 24, 24, { emp: 'NOPE' });
  addRows('page', 25, 25, { val: 'abc' });
  addRows('page', 26, 26, { ind: 'no.such' });
  let r = await pull('apipage');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.pages, r.body.rows, r.body.stored, r.body.quarantined], [3, 26, 23, 3]);
  assert.equal(count(ids.apipage), 23);
  assert.ok(state.seen.includes('/v1/page?limit=10&p=1'), state.seen.join(' '));
  const q = await srv.api('GET', `/api/v1/sources/${ids.apipage}/quarantine`, { token: admin });
  const reasons = Object.fromEntries(q.body.items.map((x) => [x.row_key, x.reason]));
  assert.deepEqual(reasons, { 24: 'unknown_member', 25: 'not_number', 26: 'unknown_indicator' });
  let f = await status('apipage');
  assert.equal(f.state, 'ok');
  assert.equal(f.watermark.id, '3'); // the last page is read again next time
  // rows appended to the last page and after it are read; the page read again gives
  // duplicates (its three good rows) and its bad rows stay quarantined once each
  addRows('page', 27, 35);
  r = await pull('apipage');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.stored, r.body.duplicates, r.body.quarantined], [9, 3, 3]);
  assert.equal(count(ids.apipage), 32);
  assert.equal(twice(ids.apipage), 0);
  f = await status('apipage');
  assert.equal(f.quarantine_open, 3);
});

test('a wrong token: the pull fails, the feed shows failing with the reason', async () => {
  let r = await put('apipage', { credential: 'wrong' });
  assert.equal(r.status, 200, r.text);
  r = await pull('apipage');
  assert.equal(r.status, 500, r.text);
  assert.ok(!r.text.includes('wrong'), r.text);
  let f = await status('apipage');
  assert.equal(f.state, 'failing');
  assert.match(f.last_error, /refused the credential \(HTTP 401\)/);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(f.next_at > now && f.next_at <= now + 31, `next try ${f.next_at - now} s from now`);
  r = await put('apipage', { credential: TOKEN });
  r = await pull('apipage');
  assert.equal(r.status, 200, r.text);
  f = await status('apipage');
  assert.deepEqual([f.state, f.failures, f.last_error], ['ok', 0, '']);
});

test('an unreachable server: failing with a clear reason', async () => {
  const port = await freePort();
  let r = await put('apipage', { target: `http://127.0.0.1:${port}/v1/page` });
  assert.equal(r.status, 200, r.text);
  r = await pull('apipage');
  assert.equal(r.status, 500, r.text);
  const f = await status('apipage');
  assert.equal(f.state, 'failing');
  assert.match(f.last_error, /cannot read the feed's URL/);
  r = await put('apipage', { target: `${base}/v1/page` });
  assert.equal(r.status, 200, r.text);
});

test('cursor pagination with HMAC: a server dying mid-pull, then back, leaves no duplicates or gaps', async () => {
  let r = await put('apicur', { ...CURSOR, target: `${base}/v1/cursor` });
  assert.equal(r.status, 200, r.text);
  addRows('cursor', 1, 40);
  state.served = 0;
  state.dieAfter = 3; // three pages of 7 answered, then the connection drops
  r = await pull('apicur');
  assert.equal(r.status, 500, r.text);
  let f = await status('apicur');
  assert.equal(f.state, 'failing');
  assert.match(f.last_error, /cannot read the feed's URL/);
  assert.equal(count(ids.apicur), 21);
  assert.equal(f.watermark.id, 'c-21');
  state.dieAfter = Infinity;
  state.seen = [];
  r = await pull('apicur');
  assert.equal(r.status, 200, r.text);
  assert.equal(state.seen[0], '/v1/cursor?limit=7&after=c-21', state.seen.join(' '));
  assert.deepEqual([r.body.rows, r.body.stored, r.body.duplicates], [19, 19, 0]);
  assert.equal(count(ids.apicur), 40);
  assert.equal(twice(ids.apicur), 0);
  const keys = sql(srv.dbUrl, `SELECT key FROM events WHERE source_id = ${ids.apicur}`).split(/\s+/).map(Number).sort((a, b) => a - b);
  assert.deepEqual(keys, Array.from({ length: 40 }, (_, i) => i + 1));
  f = await status('apicur');
  assert.deepEqual([f.state, f.failures], ['ok', 0]);
});

test('a wrong HMAC key is refused by the server: failing with the reason', async () => {
  let r = await put('apicur', { credential: 'not-the-key' });
  assert.equal(r.status, 200, r.text);
  r = await pull('apicur');
  assert.equal(r.status, 500, r.text);
  const f = await status('apicur');
  assert.equal(f.state, 'failing');
  assert.match(f.last_error, /refused the credential \(HTTP 401\)/);
});

test('the command line sets an HTTP feed with the token from the environment and pulls it', async () => {
  const args = ['source', 'feed', 'apicli', '--kind', 'http', '--target', `${base}/v1/page`,
    '--map', JSON.stringify(MAPPING), '--page', '50', '--http', JSON.stringify(PAGE.http)];
  const no = srv.run(args, { env: { DANGJIAN_FEED_CREDENTIAL: '' } });
  assert.notEqual(no.status, 0);
  assert.match(no.stderr, /credential/);
  cliOk(srv, args, { env: { DANGJIAN_FEED_CREDENTIAL: TOKEN } });
  const p = await cliAsync(['source', 'pull', 'apicli']);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /1 pages, 35 rows, 32 stored/, p.stdout);
  const st = cliOk(srv, ['source', 'status', 'apicli']);
  assert.match(st.stdout, /apicli: http http:\/\/127\.0\.0\.1:\d+\/v1\/page, every 900s, state ok/, st.stdout);
  assert.ok(!st.stdout.includes(TOKEN));
  assert.equal(count(ids.apicli), 32);
});

test('a pull killed between two pages and redone stores every row once, none missed', async () => {
  const before = count(ids.apicur);
  addRows('cursor', 41, 110);
  let r = await put('apicur', { credential: KEY });
  assert.equal(r.status, 200, r.text);
  const read0 = (await status('apicur')).rows_read;
  let child;
  const done = cliAsync(['source', 'pull', 'apicur'], { DJ_FEED_PAGE_PAUSE_MS: '150' }, (c) => { child = c; });
  const deadline = Date.now() + 20_000;
  while ((await status('apicur')).rows_read - read0 < 14 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 30));
  child.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL');
  const mid = count(ids.apicur) - before;
  console.log(`killed after ${mid} of 70 new rows were committed`);
  assert.ok(mid > 0 && mid < 70, `rows committed before the kill: ${mid}`); // the first page read again held 5 duplicates
  const again = await cliAsync(['source', 'pull', 'apicur']);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(count(ids.apicur), before + 70);
  assert.equal(twice(ids.apicur), 0);
  const keys = sql(srv.dbUrl, `SELECT key FROM events WHERE source_id = ${ids.apicur}`).split(/\s+/).map(Number).sort((a, b) => a - b);
  assert.deepEqual(keys, Array.from({ length: 110 }, (_, i) => i + 1));
});
