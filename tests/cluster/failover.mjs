// make test-cluster (tests/cluster/run.sh): against a running cluster (scripts/cluster.sh up,
// its env file given as --env), check
//
//   0. serve refuses to start on a wrong password or an unreachable database: one line, exit 1;
//   1. reads from the standby: a portrait read runs on the standby connection (the request log
//      says so, and the standby's pg_stat_activity holds the 'dangjian-read' connections),
//      while a member who just paid reads from the primary and sees their bill paid;
//   2. under a bounded load through HAProxy (sign-ins, portraits, dues payments with the
//      provider's notices, event batches):
//      (a) kill -9 one serve: the other answers (HAProxy's health checks and retries);
//      (b) kill -9 the postmaster of the Patroni primary: Patroni promotes the standby, the
//          remaining serve reconnects without a restart, and every payment, provider notice
//          and event acknowledged with 2xx is in the database afterwards, row by row.
//
// Prints the failover window and the requests that failed in it; timings are never asserted.
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request, login, parseArgs, now, sleep, connectionError } from '../../bench/client.mjs';

const args = parseArgs();
const env = Object.fromEntries(
  readFileSync(args.env, 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_0-9]+=/.test(l))
    .map((l) => {
      const i = l.indexOf('=');
      return [l.slice(0, i), l.slice(i + 1).replace(/^"(.*)"$/, '$1')];
    }),
);
const DIR = env.CLUSTER_DIR;
const BASE = env.ENTRY_URL;
const SERVE_PORTS = env.SERVE_PORTS.split(' ');
const PASSWORD = 'dangjian2024';
const API_KEY = 'demo-api-key-0123456789';
const RUN = `${process.pid}-${randomBytes(3).toString('hex')}`;
const PSQL = '/usr/lib/postgresql/15/bin/psql';
const LOAD_WORKERS = Number(args.workers ?? 6);
const FAILOVER_LIMIT_MS = 90_000; // the load stops waiting for the database after this

const t0 = now();
const say = (s) => console.log(`[${((now() - t0) / 1000).toFixed(1).padStart(5)} s] ${s}`);

/** Rows of a query on the primary (the multi-host URL finds it), as arrays of strings. */
function sql(query) {
  const out = execFileSync(PSQL, ['-X', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-d', env.DB_URL, '-c', query], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

/** Rows of a query on node n (1 or 2) through its socket, as the superuser. */
function sqlNode(n, query) {
  const port = env[`PG${n}`];
  const r = spawnSync(PSQL, ['-X', '-At', '-h', `${DIR}/pg${n}`, '-p', port, '-U', 'postgres', '-d', 'dangjian', '-c', query], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The node (1 or 2) whose Patroni REST API says it is the primary. */
async function primaryNode() {
  for (const n of [1, 2]) {
    try {
      const r = await fetch(`http://127.0.0.1:${env[`REST${n}`]}/primary`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return n;
    } catch {
      // not answering: not the primary
    }
  }
  return null;
}

function pidOf(name) {
  return Number(readFileSync(`${DIR}/run/${name}.pid`, 'utf8').trim());
}

function serveLog(i) {
  return readFileSync(`${DIR}/log/serve${i}.log`, 'utf8');
}

// ---- 0. start-up failures

function startFails(url, what) {
  const r = spawnSync('./dangjian', ['serve', '--db', url, '--listen', '127.0.0.1:1', '--no-jobs'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, DANGJIAN_KEY_FILE: env.DANGJIAN_KEY_FILE },
  });
  const lines = r.stderr.trim().split('\n');
  say(`serve with ${what}: exit ${r.status}: ${lines.join(' | ')}`);
  assert.equal(r.status, 1, `serve with ${what} must exit 1`);
  assert.equal(lines.length, 1, `serve with ${what} must say one line, not:\n${r.stderr}`);
  assert.match(lines[0], /^dangjian: cannot connect to postgres: /);
  return lines[0];
}

const badPassword = env.DB_URL.replace(`:${env.APP_PASSWORD}@`, ':wrong-password@');
assert.match(startFails(badPassword, 'a wrong password'), /password authentication failed/);
assert.match(startFails(`postgresql://dangjian:x@127.0.0.1:1,127.0.0.1:2/dangjian?connect_timeout=2`, 'no database listening'), /refused/);

{
  // --db-read is for PostgreSQL: with SQLite it is refused before anything starts
  const r = spawnSync('./dangjian', ['serve', '--db', 'build/never.db', '--db-read', env.DB_READ_URL, '--listen', '127.0.0.1:1'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--db-read needs PostgreSQL URLs/);
}

// ---- accounts, the callback key, the demo's members

const callbackKey = randomBytes(24).toString('hex');
execFileSync('./dangjian', ['dues', 'setting', 'callback_key', callbackKey, '--db', env.DB_URL], {
  env: { ...process.env, DANGJIAN_KEY_FILE: env.DANGJIAN_KEY_FILE },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const members = sql(
  "SELECT a.login, a.member_id, m.emp_no FROM accounts a JOIN members m ON m.id = a.member_id" +
    " JOIN account_roles r ON r.account_id = a.id AND r.role = 'member'" +
    " WHERE a.login = m.emp_no AND a.disabled = 0 ORDER BY a.id LIMIT 40",
).map(([loginName, id, emp]) => ({ login: loginName, id: Number(id), emp }));
assert.ok(members.length >= 10, 'the demo has member accounts');

async function signIn(m) {
  for (let i = 0; i < 20; i++) {
    const s = await login(BASE, m.login, PASSWORD).catch(() => null);
    if (s?.status === 200) return { ...m, token: s.token };
    await sleep(500);
  }
  throw new Error(`cannot sign in ${m.login}`);
}

// ---- what the load acknowledged, and what failed when

const acked = { payments: new Map(), notices: new Map(), events: new Set() };
const log = []; // {at, ok, label, status}
let stopping = false;

async function call(label, path, opts) {
  const at = now();
  let r;
  try {
    r = await request(BASE, path, { timeoutMs: 30_000, ...opts });
  } catch (err) {
    log.push({ at, ok: false, label, status: connectionError(err) });
    return null;
  }
  const ok = r.status >= 200 && r.status < 300;
  log.push({ at, ok, label, status: r.status });
  if (!ok && r.status === 503 && r.body?.error) {
    // the serve's own 503 (HAProxy's, when no serve is up, is not JSON)
    assert.ok(['unavailable', 'busy'].includes(r.body.error.code), `503 ${label}: ${r.text.slice(0, 200)}`);
    assert.ok(Number(r.headers.get('retry-after')) > 0, '503 carries Retry-After');
  } else if (!ok && !(r.status >= 502 && r.status <= 504)) {
    throw new Error(`${label}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  }
  return ok ? r : null;
}

/** The provider's signed notice of a payment's success; true once acknowledged. */
async function notify(paymentId, amount) {
  const notice = { provider_ref: `cl-${RUN}-${paymentId}`, payment_id: paymentId, amount_fen: amount, result: 'success' };
  const raw = JSON.stringify(notice);
  const sig = createHmac('sha256', callbackKey).update(raw).digest('hex');
  const r = await call('POST /dues/payments/callback', '/api/v1/dues/payments/callback', { raw, headers: { 'X-Dues-Signature': sig } });
  if (r) acked.notices.set(paymentId, notice.provider_ref);
  return !!r;
}

let eventSeq = 0;
async function sendEvents(m) {
  const batch = [];
  for (let i = 0; i < 20; i++) {
    batch.push({ key: `cl-${RUN}-${++eventSeq}`, emp_no: m.emp, indicator: 'study.hours', date: '2026-11-20', value: 1 });
  }
  const r = await call('POST /events', '/api/v1/events', { json: batch, headers: { 'X-API-Key': API_KEY } });
  if (r) for (const e of batch) acked.events.add(e.key);
}

async function pay(s) {
  const amount = 100 + Math.floor(Math.random() * 900);
  const r = await call('POST /dues/payments', '/api/v1/dues/payments', {
    token: s.token,
    json: { amount_fen: amount, voluntary_fen: amount, channel: 'wechat' },
  });
  if (!r) return;
  acked.payments.set(r.body.id, amount);
  // the provider retries its notice until it is acknowledged (idempotent by provider_ref)
  for (let i = 0; i < 50 && !stopping; i++) {
    if (await notify(r.body.id, amount)) return;
    await sleep(300);
  }
}

async function worker(sessions, index) {
  let n = index;
  while (!stopping) {
    const s = sessions[n++ % sessions.length];
    const x = Math.random();
    if (x < 0.5) await call('GET /portraits/members/{id}', `/api/v1/portraits/members/${s.id}`, { token: s.token });
    else if (x < 0.75) await pay(s);
    else if (x < 0.95) await sendEvents(s);
    else {
      const r = await login(BASE, s.login, PASSWORD).catch(() => null);
      log.push({ at: now(), ok: r?.status === 200, label: 'POST /auth/login', status: r?.status ?? 'error' });
    }
    await sleep(20);
  }
}

function summarize(from, to) {
  const xs = log.filter((e) => e.at >= from && e.at < to);
  const failed = xs.filter((e) => !e.ok);
  const kinds = {};
  for (const e of failed) kinds[`${e.label} ${e.status}`] = (kinds[`${e.label} ${e.status}`] ?? 0) + 1;
  return { total: xs.length, failed: failed.length, kinds, firstFail: failed[0]?.at, lastFail: failed.at(-1)?.at };
}

// ---- 1. reads from the standby

async function readRouting(sessions) {
  const s = sessions[0];
  const before = SERVE_PORTS.map((_, i) => serveLog(i + 1).length);
  const r = await request(BASE, `/api/v1/portraits/members/${s.id}/annual`, { token: s.token });
  assert.equal(r.status, 200);
  await sleep(400); // the request log is written five times a second
  const lines = SERVE_PORTS.map((_, i) => serveLog(i + 1).slice(before[i])).join('');
  assert.match(lines, /GET \/api\/v1\/portraits\/members\/\d+\/annual 200 \d+us standby/, 'a portrait read runs on the standby');
  const primary = await primaryNode();
  const standby = primary === 1 ? 2 : 1;
  const reads = Number(sqlNode(standby, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dangjian-read'"));
  say(`portrait read on the standby (request log); pg${standby} (standby) holds ${reads} dangjian-read connection(s)`);
  assert.ok(reads >= 1, 'the standby holds the read connections');

  // a member pays: the provider's notice settles it, and the member at once reads their dues
  // (from the primary: they wrote) with the payment paid, and their portrait from the primary
  const amount = 321;
  const p = await request(BASE, '/api/v1/dues/payments', { token: s.token, json: { amount_fen: amount, voluntary_fen: amount, channel: 'alipay' } });
  assert.equal(p.status, 201, p.text);
  assert.ok(await notify(p.body.id, amount));
  const seen = await request(BASE, `/api/v1/dues/payments/${p.body.id}`, { token: s.token });
  assert.equal(seen.body.status, 'paid', 'the member reads their payment paid at once');
  const dues = await request(BASE, `/api/v1/dues/members/${s.id}`, { token: s.token });
  assert.equal(dues.status, 200);
  const mark = SERVE_PORTS.map((_, i) => serveLog(i + 1).length);
  const after = await request(BASE, `/api/v1/portraits/members/${s.id}/annual?x=1`, { token: s.token });
  assert.equal(after.status, 200);
  await sleep(400);
  const later = SERVE_PORTS.map((_, i) => serveLog(i + 1).slice(mark[i])).join('');
  assert.match(later, /GET \/api\/v1\/portraits\/members\/\d+\/annual 200 \d+us\n/, 'a caller who just wrote reads from the primary');
  say('a member who just paid reads the payment paid, and reads from the primary for the next seconds');
}

/**
 * Every route marked RT_STANDBY in the route table runs on the standby: its handler only reads
 * (a write there would fail, be retried on the primary and leave the request unmarked). The
 * routes are read from src/http/router.c, so a new one must be added to URLS below.
 */
async function everyStandbyRoute() {
  const table = readFileSync('src/http/router.c', 'utf8');
  const marked = [...table.matchAll(/\{"GET", "([^"]+)",[^}]*RT_STANDBY/g)].map((m) => m[1]);
  const tok = async (name) => (await login(BASE, name, PASSWORD)).token;
  const [member, committee, finance, admin] = [await tok('dangyuan'), await tok('dangwei'), await tok('caiwu'), await tok('admin')];
  const [[mid]] = sql("SELECT member_id FROM accounts WHERE login = 'dangyuan'");
  const [[org]] = sql("SELECT id FROM orgs WHERE code = 'GW-01'");
  const [[month]] = sql('SELECT COALESCE(MAX(month), 202401) FROM dues_bills');
  const URLS = {
    '/api/v1/score/months': [member, '/api/v1/score/months'],
    '/api/v1/portraits/members/{id}': [member, `/api/v1/portraits/members/${mid}`],
    '/api/v1/portraits/members/{id}/annual': [member, `/api/v1/portraits/members/${mid}/annual`],
    '/api/v1/portraits/orgs/{id}': [committee, `/api/v1/portraits/orgs/${org}`],
    '/api/v1/leaderboard': [member, '/api/v1/leaderboard?scope=branch'],
    '/api/v1/orgs/{id}/ranking': [committee, `/api/v1/orgs/${org}/ranking`],
    '/api/v1/stats/logins': [committee, `/api/v1/stats/logins?org_id=${org}`],
    '/api/v1/plans/progress': [committee, `/api/v1/plans/progress?org_id=${org}`],
    '/api/v1/plans/bulletin': [committee, `/api/v1/plans/bulletin?org_id=${org}&period=${Math.floor(month / 100)}`],
    '/api/v1/dues/reports/collection': [finance, `/api/v1/dues/reports/collection?org_id=${org}&month=${month}`],
    '/api/v1/dues/arrears': [committee, `/api/v1/dues/arrears?org_id=${org}`],
    '/api/v1/dues/ledger/trial-balance': [finance, '/api/v1/dues/ledger/trial-balance'],
    '/api/v1/dues/ledger/statement': [finance, '/api/v1/dues/ledger/statement'],
    '/api/v1/national/provinces': [admin, '/api/v1/national/provinces'],
  };
  const before = SERVE_PORTS.map((_, i) => serveLog(i + 1).length);
  for (const pattern of marked) {
    assert.ok(URLS[pattern], `tests/cluster/failover.mjs: add a URL for the RT_STANDBY route ${pattern}`);
    const [token, url] = URLS[pattern];
    const r = await request(BASE, url, { token });
    assert.ok(r.status < 500, `${url}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  }
  await sleep(400);
  const lines = SERVE_PORTS.map((_, i) => serveLog(i + 1).slice(before[i])).join('');
  for (const pattern of marked) {
    const path = URLS[pattern][1].split('?')[0].replace(/[/.]/g, '\\$&');
    assert.match(lines, new RegExp(`GET ${path} \\d+ \\d+us standby\\n`), `${pattern} runs on the standby`);
  }
  assert.doesNotMatch(lines, /error standby:/, 'no read failed on the standby');
  say(`all ${marked.length} routes marked RT_STANDBY answered from the standby`);
}

// ---- 2. the load and the faults

async function main() {
  const sessions = [];
  for (const m of members.slice(0, 12)) sessions.push(await signIn(m));
  say(`${sessions.length} members signed in through ${BASE}`);
  await readRouting(sessions);
  await everyStandbyRoute();

  const workers = Array.from({ length: LOAD_WORKERS }, (_, i) => worker(sessions, i));
  await sleep(5000);
  const warm = summarize(t0, now());
  say(`load: ${warm.total} requests, ${warm.failed} failed before any fault`);
  assert.equal(warm.failed, 0, `no failures before the faults: ${JSON.stringify(warm.kinds)}`);

  // (a) one serve dies
  const killServeAt = now();
  process.kill(pidOf('serve1'), 'SIGKILL');
  say(`kill -9 serve1 (pid ${pidOf('serve1')})`);
  await sleep(8000);
  const a = summarize(killServeAt, now());
  say(`after serve1 died: ${a.total} requests in 8 s, ${a.failed} failed ${JSON.stringify(a.kinds)}`);
  const answered = log.filter((e) => e.at > killServeAt + 3000 && e.ok).length;
  assert.ok(answered > 0, 'the other serve answers');
  assert.ok(a.failed <= LOAD_WORKERS * 2, `at most the requests in flight fail when a serve dies: ${JSON.stringify(a.kinds)}`);

  // (b) the primary's postmaster dies
  const node = await primaryNode();
  assert.ok(node, 'a primary before the kill');
  const pmPid = Number(readFileSync(`${DIR}/pg${node}/data/postmaster.pid`, 'utf8').split('\n')[0]);
  const killPgAt = now();
  process.kill(pmPid, 'SIGKILL');
  say(`kill -9 the postmaster of pg${node}, the primary (pid ${pmPid})`);
  let recovered = null;
  while (now() - killPgAt < FAILOVER_LIMIT_MS) {
    await sleep(250);
    const fresh = log.filter((e) => e.at > killPgAt);
    const lastFail = fresh.filter((e) => !e.ok).at(-1)?.at ?? killPgAt;
    const okWrites = fresh.filter((e) => e.ok && e.at > lastFail && e.label.startsWith('POST')).length;
    if (lastFail > killPgAt && okWrites >= 10) {
      recovered = lastFail;
      break;
    }
  }
  await sleep(5000);
  stopping = true;
  await Promise.all(workers);
  const b = summarize(killPgAt, now());
  const newNode = await primaryNode();
  say(`new primary: pg${newNode}`);
  assert.ok(recovered, `writes succeed again within ${FAILOVER_LIMIT_MS / 1000} s of the kill`);
  assert.notEqual(newNode, node, 'Patroni promoted the standby');
  const window = ((b.lastFail - killPgAt) / 1000).toFixed(1);
  console.log(`\nfailover window: ${window} s from the kill to the last failed request` +
    ` (${((b.lastFail - b.firstFail) / 1000).toFixed(1)} s of failures);` +
    ` ${b.failed} of ${b.total} requests failed in it: ${JSON.stringify(b.kinds)}`);

  // the remaining serve reconnected by itself: same process, healthy
  const pid2 = pidOf('serve2');
  process.kill(pid2, 0);
  const h = await request(`http://127.0.0.1:${SERVE_PORTS[1]}`, '/api/v1/health');
  assert.equal(h.status, 200, 'serve2 reconnected to the new primary without a restart');
  const outages = serveLog(2).match(/error database: .*answering 503/g) ?? [];
  say(`serve2 (pid ${pid2}, never restarted) logged ${outages.length} outage line(s) and '${serveLog(2).match(/info database: back after [0-9.]+ s/g)?.at(-1) ?? ''}'`);
  assert.equal(outages.length, 1, 'the outage is logged once, not per request');

  // every acknowledged write is in the new primary, row by row
  const pays = new Map(sql(`SELECT id, amount_fen, status, COALESCE(provider_ref, '') FROM dues_payments WHERE id >= ${Math.min(...acked.payments.keys(), ...acked.notices.keys())}`)
    .map(([id, amt, st, ref]) => [Number(id), { amt: Number(amt), st, ref }]));
  for (const [id, amount] of acked.payments) {
    const row = pays.get(id);
    assert.ok(row, `acknowledged payment ${id} is stored`);
    assert.equal(row.amt, amount, `payment ${id}'s amount`);
  }
  for (const [id, ref] of acked.notices) {
    assert.equal(pays.get(id)?.st, 'paid', `payment ${id}, its notice acknowledged, is paid`);
    assert.equal(pays.get(id)?.ref, ref);
  }
  const keys = new Set(sql(`SELECT key FROM events WHERE key LIKE 'cl-${RUN}-%'`).map(([k]) => k));
  for (const k of acked.events) assert.ok(keys.has(k), `acknowledged event ${k} is stored`);
  say(`stored after the failover: ${acked.payments.size} acknowledged payments, ${acked.notices.size} acknowledged notices (all paid), ${acked.events.size} acknowledged events — all there`);
}

await main();
