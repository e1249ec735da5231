// make test-citus (tests/citus/run.sh): operations on a running Citus cluster of its own
// (CITUS_STATE), with the demo company distributed in --db and two serves (--bases) on it:
//
//   a. a third worker is added (scripts/citus.sh add-worker) and the shards rebalanced
//      (scripts/citus.sh rebalance: logical replication, writes going on) while both serves
//      answer a light load — sign-ins, portraits, dues payments with the provider's signed
//      notices, event batches with their idempotency keys: no request may fail, the shards
//      must sit on three workers afterwards, and every acknowledged write must be stored;
//   b. the worker holding the demo's tenant is stopped at once (pg_ctl -m immediate): a
//      request that needs it answers 503 `unavailable` with the reason `node_unavailable` and
//      Retry-After, without waiting (a bound of 20 s catches a hang); what needs only the
//      coordinator (health, the API document, the web app's files, SSO settings, the reference
//      tables' copy) keeps answering; the serves log the cause without taking the coordinator
//      for down; after the worker starts again every request answers, with no serve restarted;
//      then a worker holding none of the tenant's rows is stopped: /me and the member's portrait
//      answer 200 (their statements name the tenant, which the session token carries);
//   c. `dangjian init` warns of a node running with synchronous_commit off, and of none when
//      every node waits for its WAL (a shard move decides its copy has caught up by the
//      source's WAL write position: a commit not yet written there would stay behind).
//
// A lost acknowledged write is traced before the test fails: the old placements are kept, and
// every node logs its writes (the coordinator every statement and lock wait) with the time.
//
// Timings are printed, never asserted.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { request, login, parseArgs, now, sleep, connectionError } from '../../bench/client.mjs';

const args = parseArgs();
const DB = args.db;
const BASES = args.bases.split(',');
const PIDS = args.pids.split(',').map(Number);
const LOGS = args.logs.split(',');
const PASSWORD = 'dangjian2024';
const API_KEY = 'demo-api-key-0123456789';
const RUN = `ops-${process.pid}-${randomBytes(3).toString('hex')}`;
const PSQL = '/usr/lib/postgresql/15/bin/psql';
const HANG_MS = 20_000; // a request taking longer than this counts as hanging

const t0 = now();
const say = (s) => console.log(`[${((now() - t0) / 1000).toFixed(1).padStart(5)} s] ${s}`);
const run = promisify(execFile);

function sql(query) {
  return execFileSync(PSQL, ['-X', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-d', DB, '-c', query], { encoding: 'utf8', timeout: 30_000 })
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

/** scripts/citus.sh with the cluster of tests/citus/run.sh (CITUS_STATE is inherited); async,
 * so that the load goes on while it runs. */
async function citus(...words) {
  const { stdout } = await run('scripts/citus.sh', words, { timeout: 120_000, encoding: 'utf8' });
  return stdout;
}

// ---- the accounts and the provider's key

// old placements of moved shards are kept (not dropped 15 s after the move) so that a lost
// write can be looked for in them
sql('ALTER SYSTEM SET citus.defer_shard_delete_interval = -1');
// every node logs its writes with the time to the millisecond, its process and transaction:
// a lost write is then found in the logs beside the move's steps
const nodes = [DB, ...(await citus('env')).match(/CITUS_WORKERS='([^']*)'/)[1].split(' ').map((u) => u.replace(/\/[^/]*$/, '/dj_ops'))];
// (the coordinator every statement and every lock wait over 20 ms; a worker's line names the
// coordinator's process in its application name: citus_internal gpid=…)
for (const n of nodes) {
  const coordinator = n === DB;
  for (const q of [`ALTER SYSTEM SET log_statement = '${coordinator ? 'all' : 'mod'}'`, "ALTER SYSTEM SET log_line_prefix = '%m [%p] %x %a '",
    ...(coordinator ? ["ALTER SYSTEM SET log_lock_waits = on", "ALTER SYSTEM SET deadlock_timeout = '20ms'"] : []), 'SELECT pg_reload_conf()'])
    execFileSync(PSQL, ['-X', '-q', '-d', n, '-c', q]);
}

const callbackKey = randomBytes(24).toString('hex');
execFileSync('./dangjian', ['dues', 'setting', 'callback_key', callbackKey, '--db', DB], { stdio: ['ignore', 'ignore', 'inherit'] });
const members = sql(
  "SELECT a.login, a.member_id, m.emp_no FROM accounts a JOIN members m ON m.id = a.member_id AND m.tenant_id = a.tenant_id" +
    " WHERE a.login = m.emp_no AND a.disabled = 0 ORDER BY a.id LIMIT 24",
).map(([name, id, emp]) => ({ login: name, id: Number(id), emp }));
assert.ok(members.length >= 8, 'the demo has member accounts');

// ---- the load: every request logged; any answer but 2xx is a failure

const acked = { payments: new Map(), notices: new Map(), events: new Set(), when: new Map() };
const results = []; // {at, ok, what, status}
let stopping = false;

async function hit(what, base, path, opts) {
  const at = now();
  let r = null;
  try {
    r = await request(base, path, { timeoutMs: HANG_MS, ...opts });
  } catch (err) {
    results.push({ at, ok: false, what, status: connectionError(err) });
    return null;
  }
  const ok = r.status >= 200 && r.status < 300;
  results.push({ at, ok, what, status: ok ? r.status : `${r.status} ${r.text.slice(0, 160)}` });
  return ok ? r : null;
}

async function signIn(m, base) {
  const s = await login(base, m.login, PASSWORD);
  assert.equal(s.status, 200, `sign-in of ${m.login}`);
  return { ...m, base, token: s.token };
}

let seq = 0;
async function oneStep(s) {
  const x = Math.random();
  if (x < 0.4) {
    await hit('GET portrait', s.base, `/api/v1/portraits/members/${s.id}`, { token: s.token });
  } else if (x < 0.6) {
    const batch = Array.from({ length: 20 }, () => ({ key: `${RUN}-${++seq}`, emp_no: s.emp, indicator: 'study.hours', date: '2026-11-20', value: 1 }));
    if (await hit('POST events', s.base, '/api/v1/events', { json: batch, headers: { 'X-API-Key': API_KEY } })) for (const e of batch) acked.events.add(e.key);
  } else if (x < 0.85) {
    const amount = 100 + Math.floor(Math.random() * 900);
    const p = await hit('POST payment', s.base, '/api/v1/dues/payments', { token: s.token, json: { amount_fen: amount, voluntary_fen: amount, channel: 'wechat' } });
    if (!p) return;
    acked.payments.set(p.body.id, amount);
    acked.when.set(p.body.id, `acknowledged at ${((now() - t0) / 1000).toFixed(2)} s by ${s.base}`);
    const raw = JSON.stringify({ provider_ref: `${RUN}-${p.body.id}`, payment_id: p.body.id, amount_fen: amount, result: 'success' });
    const sig = createHmac('sha256', callbackKey).update(raw).digest('hex');
    if (await hit('POST payment notice', s.base, '/api/v1/dues/payments/callback', { raw, headers: { 'X-Dues-Signature': sig } })) acked.notices.set(p.body.id, `${RUN}-${p.body.id}`);
  } else {
    const r = await login(s.base, s.login, PASSWORD).catch(() => null);
    results.push({ at: now(), ok: r?.status === 200, what: 'POST login', status: r?.status ?? 'error' });
  }
}

async function loadLoop(sessions, first) {
  for (let n = first; !stopping; n++) {
    await oneStep(sessions[n % sessions.length]);
    await sleep(25);
  }
}

function failures(from) {
  const kinds = {};
  for (const e of results.filter((x) => x.at >= from && !x.ok)) kinds[`${e.what}: ${e.status}`] = (kinds[`${e.what}: ${e.status}`] ?? 0) + 1;
  return kinds;
}

// ---- a. a third worker and the rebalance under load

/** Where the demo tenant's payments shard is, polled while the shards move: the times it
 * changed node, to set beside the time a lost payment was acknowledged. */
function watchPlacement() {
  const seen = [];
  let last = '';
  const q = "SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) WHERE p.shardid = get_shard_id_for_distribution_column('dues_payments', 1)";
  const timer = setInterval(() => {
    execFile(PSQL, ['-X', '-At', '-d', DB, '-c', q], { timeout: 5000 }, (err, out) => {
      const port = err ? 'error' : out.trim().split('\n').join('+');
      if (port !== last) seen.push(`${port} at ${((now() - t0) / 1000).toFixed(2)} s`);
      last = port;
    });
  }, 100);
  return { seen, stop: () => clearInterval(timer) };
}

/** What is known of lost payments: their items and audit rows (the same transaction), their
 * neighbours, every shard table on every worker that holds the id (old placements are kept:
 * citus.defer_shard_delete_interval = -1), the cleanup records and the workers' log errors. */
async function diagnoseLoss(ids) {
  for (const id of ids) {
    const [[items]] = sql(`SELECT count(*) FROM dues_payment_items WHERE payment_id = ${id}`);
    const [[audit]] = sql(`SELECT count(*) FROM audit WHERE entity = 'dues_payment' AND entity_id = ${id}`);
    const near = sql(`SELECT id FROM dues_payments WHERE id BETWEEN ${id - 3} AND ${id + 3} ORDER BY id`).map(([x]) => x);
    say(`   lost payment ${id}: ${acked.when.get(id)}; notice acknowledged: ${acked.notices.has(id)}; items ${items}, audit rows ${audit}; ids stored near it: ${near.join(' ')}`);
  }
  const env = await citus('env');
  // shard tables are hidden from catalog queries unless asked for
  const shown = { encoding: 'utf8', env: { ...process.env, PGOPTIONS: '-c citus.override_table_visibility=off' } };
  const workers = env.match(/CITUS_WORKERS='([^']*)'/)[1].split(' ').map((u) => u.replace(/\/[^/]*$/, '/dj_ops'));
  for (const w of workers) {
    const rels = execFileSync(PSQL, ['-X', '-At', '-d', w, '-c', "SELECT relname FROM pg_class WHERE relname ~ '^dues_payments_[0-9]+$' AND relkind = 'r'"], shown).split('\n').filter(Boolean);
    for (const rel of rels) {
      const rows = execFileSync(PSQL, ['-X', '-At', '-d', w, '-c', `SELECT id, amount_fen, status FROM ${rel} WHERE id IN (${ids.join(',')})`], shown).trim();
      say(`   ${new URL(w).port} ${rel}: ${rows ? rows.replace(/\n/g, '; ') : 'not there'}`);
    }
  }
  say(`   old placements awaiting cleanup: ${sql("SELECT count(*) || ' (payments: ' || COALESCE(string_agg(object_name, ' ') FILTER (WHERE object_name LIKE '%dues_payments_%'), '') || ')' FROM pg_dist_cleanup")[0][0]}`);
  const state = readFileSync(process.env.CITUS_STATE, 'utf8');
  const keep = process.env.CITUS_OPS_KEEP_LOGS; // a directory: the nodes' logs are copied there
  if (keep) for (const [, name, dir] of state.matchAll(/^(\w+)=(.*)$/gm)) { try { copyFileSync(`${dir}/server.log`, `${keep}/${name}.log`); } catch { /* no log */ } }
  const mine = new RegExp(`dues_payment[a-z_]*_\\d+ .*\\('(${ids.join('|')})'::bigint|entity_id.*'(${ids.join('|')})'|[( ]id = '?(${ids.join('|')})\\b`);
  for (const [, name, dir] of state.matchAll(/^(\w+)=(.*)$/gm)) {
    let log = '';
    try { log = readFileSync(`${dir}/server.log`, 'utf8'); } catch { continue; }
    const lines = log.split('\n');
    const bad = lines.filter((l) => /ERROR|WARNING|FATAL|PANIC/.test(l)).slice(-25);
    say(`   ${name}'s log, errors and warnings (${bad.length}):`);
    for (const l of bad) console.log(`      ${l}`);
    // the lost rows' statements, and on the coordinator the moves' steps
    const pids = new Set();
    for (const l of lines) if (mine.test(l)) pids.add(l.match(/\[(\d+)\]/)?.[1]);
    const steps = lines.filter((l) => (pids.has(l.match(/\[(\d+)\]/)?.[1]) && /statement:|COMMIT|mine/.test(l) && mine.test(l)) || /caught up|Moving shard|subscription|dues_payments_\d+ FROM/.test(l));
    say(`   ${name}'s log, the lost rows' statements and the moves (${steps.length} lines):`);
    for (const l of steps.slice(-40)) console.log(`      ${l.slice(0, 300)}`);
    // the transactions that wrote the lost rows, whole
    for (const pid of pids) {
      const around = lines.filter((l) => l.includes(`[${pid}]`));
      const at = around.findIndex((l) => mine.test(l));
      for (const l of around.slice(Math.max(0, at - 3), at + 8)) console.log(`      | ${l.slice(0, 300)}`);
      // on the coordinator: that session's statements and the lock waits around that moment
      const w = around[at] ?? '';
      const gpid = w.match(/gpid=(\d+)/)?.[1];
      const when = w.slice(0, 23);
      if (!gpid || name === 'COORD') continue;
      const cpid = String(Number(BigInt(gpid) % 10000000000n));
      const coord = readFileSync(`${state.match(/^COORD=(.*)$/m)[1]}/server.log`, 'utf8').split('\n');
      const shift = (t, ms) => new Date(new Date(`${t.replace(' ', 'T')}Z`).getTime() + ms).toISOString().replace('T', ' ').slice(0, 23);
      const within = (x, ms) => x.slice(0, 23) >= shift(when, -ms) && x.slice(0, 23) <= shift(when, ms);
      say(`   the coordinator around ${when}: session ${cpid} (±0.2 s), lock waits and the moves (±1.5 s)`);
      for (const l of coord.filter((x) => (within(x, 200) && x.includes(`[${cpid}]`) && !x.includes('DETAIL')) || (within(x, 1500) && /waiting|acquired|caught up|subscription|Moving|deadlock|pg_dist_placement|citus_move/i.test(x))).slice(0, 120))
        console.log(`      c ${l.slice(0, 260)}`);
    }
  }
}

async function addWorkerUnderLoad(sessions) {
  say(`a. load on ${BASES.length} serves (${sessions.length} members), then a third worker and the rebalance`);
  const from = now();
  const loops = [0, 1, 2, 3].map((i) => loadLoop(sessions, i * 5));
  await sleep(2000);
  const t = now();
  await citus('add-worker');
  say(`   worker 3 added in ${((now() - t) / 1000).toFixed(1)} s`);
  const r = now();
  const moves = watchPlacement();
  await citus('rebalance', 'dj_ops');
  moves.stop();
  say(`   rebalanced in ${((now() - r) / 1000).toFixed(1)} s (writes going on); the tenant's payments shard: ${moves.seen.join(' → ')}`);
  await sleep(2000);
  stopping = true;
  await Promise.all(loops);
  const all = results.filter((x) => x.at >= from);
  const by = {};
  for (const e of all) by[e.what] = (by[e.what] ?? 0) + 1;
  say(`   ${all.length} requests during it (${Object.entries(by).map(([k, v]) => `${k} ${v}`).join(', ')}), ${all.filter((x) => !x.ok).length} failed`);
  for (const x of all.filter((y) => !y.ok)) say(`   failed at ${((x.at - t0) / 1000).toFixed(2)} s: ${x.what}: ${x.status}`);
  assert.deepEqual(failures(from), {}, 'no request fails while a worker is added and the shards move');

  const status = await citus('status', 'dj_ops');
  console.log(status.replace(/^/gm, '   '));
  const workers = [...status.matchAll(/^\S+ +worker +active=true +shards=(\d+)$/gm)].map((m) => Number(m[1]));
  assert.equal(workers.length, 3, 'three active workers');
  const distributed = Number(sql("SELECT count(*) FROM pg_dist_partition WHERE partmethod = 'h'")[0][0]);
  const byWorker = sql(
    "SELECT n.nodeport, count(*) FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid)" +
      " JOIN pg_dist_shard s USING (shardid) JOIN pg_dist_partition t USING (logicalrelid)" +
      " WHERE t.partmethod = 'h' AND n.groupid <> 0 GROUP BY n.nodeport",
  );
  assert.equal(byWorker.length, 3, `the distributed tables' shards sit on three workers: ${JSON.stringify(byWorker)}`);
  for (const [, n] of byWorker) assert.ok(Number(n) >= distributed, 'each worker holds at least one shard of every distributed table (colocated)');

  const readPays = () => new Map(sql(`SELECT id, amount_fen, status, COALESCE(provider_ref, '') FROM dues_payments WHERE provider_ref LIKE '${RUN}-%' OR id IN (${[...acked.payments.keys(), 0].join(',')})`)
    .map(([id, amt, st, ref]) => [Number(id), { amt: Number(amt), st, ref }]));
  let pays = readPays();
  const missing = [...acked.payments].filter(([id, amount]) => pays.get(id)?.amt !== amount).map(([id]) => id);
  if (missing.length) {
    // a transaction whose commit a worker did not confirm (a moved shard's connection) is
    // finished by Citus's recovery of prepared transactions, once a minute by default: ask
    // for it now, and say whether that brought the rows
    const [[recovered]] = sql('SELECT recover_prepared_transactions()');
    pays = readPays();
    const still = missing.filter((id) => pays.get(id)?.amt !== acked.payments.get(id));
    say(`   acknowledged payments missing after the rebalance: ${missing.join(', ')}; prepared transactions recovered: ${recovered}; still missing: ${still.join(', ') || 'none'}`);
    // traced before the test fails: where the rows are, and what the nodes did meanwhile
    // (a write left in the old placement: docs/OPERATIONS.md, "Every node with
    // synchronous_commit = on")
    if (still.length) await diagnoseLoss(still);
  }
  for (const [id, amount] of acked.payments) assert.equal(pays.get(id)?.amt, amount, `acknowledged payment ${id} is stored with its amount`);
  for (const [id, ref] of acked.notices) assert.deepEqual([pays.get(id)?.st, pays.get(id)?.ref], ['paid', ref], `payment ${id}, its notice acknowledged, is paid`);
  const keys = new Set(sql(`SELECT key FROM events WHERE key LIKE '${RUN}-%'`).map(([k]) => k));
  for (const k of acked.events) assert.ok(keys.has(k), `acknowledged event ${k} is stored`);
  assert.equal(keys.size, acked.events.size, 'no event stored that was not acknowledged');
  say(`   stored: ${acked.payments.size} payments, ${acked.notices.size} notices (all paid), ${acked.events.size} events — all there`);
}

// ---- b. one worker stopped

/** The worker number (1-3, as scripts/citus.sh counts them) holding tenant 1's shard. */
async function tenantWorker() {
  const [[port]] = sql("SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) WHERE p.shardid = get_shard_id_for_distribution_column('members', 1)");
  const env = await citus('env');
  const urls = env.match(/CITUS_WORKERS='([^']*)'/)[1].split(' ');
  const n = urls.findIndex((u) => new URL(u).port === port) + 1;
  assert.ok(n > 0, `worker of port ${port} among ${urls}`);
  return n;
}

function logsSince(marks) {
  return LOGS.map((f, i) => readFileSync(f, 'utf8').slice(marks[i])).join('');
}

async function expectNodeDown(what, base, path, opts) {
  const t = now();
  const r = await request(base, path, { timeoutMs: HANG_MS, ...opts });
  const ms = now() - t;
  assert.equal(r.status, 503, `${what} on ${base}: ${r.status} ${r.text.slice(0, 200)}`);
  assert.equal(r.body?.error?.code, 'unavailable', r.text);
  assert.deepEqual(r.body.error.details?.map((d) => d.code), ['node_unavailable'], r.text);
  assert.ok(Number(r.headers.get('retry-after')) > 0, `${what}: Retry-After`);
  return ms;
}

async function expectOk(what, base, path, opts) {
  const r = await request(base, path, { timeoutMs: HANG_MS, ...opts });
  assert.ok(r.status >= 200 && r.status < 300, `${what} on ${base}: ${r.status} ${r.text.slice(0, 200)}`);
  return r;
}

async function workerDown(sessions) {
  const n = await tenantWorker();
  const marks = LOGS.map((f) => readFileSync(f, 'utf8').length);
  say(`b. worker ${n} (the demo tenant's shards) stopped at once`);
  await citus('stop-worker', String(n));
  const batch = [{ key: `${RUN}-down`, emp_no: sessions[0].emp, indicator: 'study.hours', date: '2026-11-21', value: 1 }];
  const times = [];
  const fromCache = [];
  for (const s of sessions.slice(0, 2)) {
    times.push(await expectNodeDown('GET /me', s.base, '/api/v1/me', { token: s.token }));
    // another month than the load read: not in the reply cache, which may answer the load's
    const cached = await request(s.base, `/api/v1/portraits/members/${s.id}`, { token: s.token, timeoutMs: HANG_MS });
    fromCache.push(cached.status);
    times.push(await expectNodeDown('GET portrait', s.base, `/api/v1/portraits/members/${s.id}?month=202610`, { token: s.token }));
    times.push(await expectNodeDown('POST events', s.base, '/api/v1/events', { json: batch, headers: { 'X-API-Key': API_KEY } }));
    times.push(await expectNodeDown('POST login', s.base, '/api/v1/auth/login', { json: { login: s.login, password: PASSWORD } }));
  }
  say(`   ${times.length} requests that need the worker: 503 node_unavailable with Retry-After, in ${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)} ms`);
  say(`   the portraits the load read, from the reply cache: ${fromCache.join(', ')} (the cache answers what it holds)`);
  for (const base of BASES) {
    await expectOk('GET /health', base, '/api/v1/health');
    await expectOk('GET /api/openapi.json', base, '/api/openapi.json');
    await expectOk('GET /api/v1/auth/sso', base, '/api/v1/auth/sso');
    const page = await expectOk('GET / (the web app)', base, '/');
    assert.match(page.text, /<title>dangjian<\/title>/);
  }
  const orgs = Number(sql('SELECT count(*) FROM orgs')[0][0]);
  assert.ok(orgs > 0);
  say(`   health, the API document, SSO settings and the web app answer 200 on both serves; the reference table orgs reads from the coordinator's copy (${orgs} rows)`);
  await sleep(400); // the request log is written five times a second
  const lines = logsSince(marks);
  assert.match(lines, /a database node is unreachable, answering 503: .*connection to the remote node/, 'the cause is logged');
  assert.doesNotMatch(lines, /error database: .*answering 503 until it is back/, 'the coordinator is not taken for down');

  await citus('start-worker', String(n));
  const back = now();
  for (const s of sessions.slice(0, 2)) {
    for (;;) {
      const r = await request(s.base, `/api/v1/portraits/members/${s.id}`, { token: s.token, timeoutMs: HANG_MS });
      if (r.status === 200) break;
      assert.ok(now() - back < 30_000, `the portrait answers again within 30 s of the worker's start: ${r.status} ${r.text.slice(0, 200)}`);
      await sleep(200);
    }
    await expectOk('GET /me', s.base, '/api/v1/me', { token: s.token });
    await expectOk('POST events', s.base, '/api/v1/events', { json: [{ ...batch[0], key: `${RUN}-back-${s.base}` }], headers: { 'X-API-Key': API_KEY } });
    const l = await login(s.base, s.login, PASSWORD);
    assert.equal(l.status, 200, 'sign-in after the worker is back');
  }
  for (const pid of PIDS) process.kill(pid, 0); // throws when a serve is gone
  say(`   worker ${n} started: every request answers again after ${((now() - back) / 1000).toFixed(1)} s, no serve restarted`);

  // A worker without the tenant's rows: every statement of a member's sign-in check, /me and
  // portrait names the tenant (the token carries it), so they never need that worker and
  // answer as usual; an event batch is routed by its rows' tenant.
  const other = n === 1 ? 2 : 1;
  // a scored month named in the query: not the URL the load read (the reply cache's)
  const [[scored]] = sql('SELECT MIN(month) FROM score_runs');
  await citus('stop-worker', String(other));
  const s = sessions[0];
  const answer = (r) => (r.status === 503 ? `503 ${r.body?.error?.details?.[0]?.code}` : String(r.status));
  const me = await request(s.base, '/api/v1/me', { token: s.token, timeoutMs: HANG_MS });
  const r = await request(s.base, `/api/v1/portraits/members/${s.id}?month=${scored}`, { token: s.token, timeoutMs: HANG_MS });
  const ev = await request(s.base, '/api/v1/events', { json: [{ ...batch[0], key: `${RUN}-other` }], headers: { 'X-API-Key': API_KEY }, timeoutMs: HANG_MS });
  await citus('start-worker', String(other));
  assert.equal(me.status, 200, `/me with worker ${other} (none of the tenant's rows) down: ${me.status} ${me.text.slice(0, 200)}`);
  assert.equal(r.status, 200, `a portrait with worker ${other} (none of the tenant's rows) down: ${r.status} ${r.text.slice(0, 200)}`);
  assert.ok(['503 node_unavailable', '200'].includes(answer(ev)), `an event batch with worker ${other} down: ${ev.status} ${ev.text.slice(0, 200)}`);
  say(`   worker ${other} (no rows of the tenant) stopped: /me and a portrait answered 200 (their statements name the tenant), an event batch ${answer(ev)}${ev.status === 200 ? ' (routed by its rows\' tenant)' : ''}; started again`);
}

// ---- c. a node that commits without waiting for its WAL: init warns

/** `dangjian init` names a node running with synchronous_commit off (a shard move could then
 * switch to its copy without a write acknowledged in its last moment), and none when all are
 * on (scripts/citus.sh starts them so). */
async function unsafeNodeWarned() {
  const quiet = spawnSync('./dangjian', ['init', '--db', DB], { encoding: 'utf8' });
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /synchronous_commit/, 'no warning while every node waits for its WAL');
  const w = (await citus('env')).match(/CITUS_WORKERS='([^' ]*)/)[1].replace(/\/[^/]*$/, '/dj_ops');
  const set = (v) => {
    execFileSync(PSQL, ['-X', '-q', '-d', w, '-c', `ALTER SYSTEM SET synchronous_commit = ${v}`]);
    execFileSync(PSQL, ['-X', '-q', '-d', w, '-c', 'SELECT pg_reload_conf()']);
  };
  set('off');
  try {
    await sleep(300);
    const r = spawnSync('./dangjian', ['init', '--db', DB], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`warning: Citus node\\(s\\) 127\\.0\\.0\\.1:${new URL(w).port} commit without waiting for their WAL`), r.stderr);
  } finally {
    set('on');
  }
  say('c. init warns of a node with synchronous_commit off, and of none when all wait for their WAL');
}

async function main() {
  const sessions = [];
  for (const [i, m] of members.entries()) sessions.push(await signIn(m, BASES[i % BASES.length]));
  await addWorkerUnderLoad(sessions);
  await workerDown(sessions);
  await unsafeNodeWarned();
  say('passed');
}

await main();
