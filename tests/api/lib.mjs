// Helpers for the API tests (Node 20 built-in test runner).
//
// scripts/test-api.sh sets DJ_BIN, DJ_DB, DJ_BACKEND and DJ_TMP and runs every
// tests/api/*.test.mjs; each file runs in its own Node process and starts its own server(s)
// on a database of its own, so files never see each other's data:
//   sqlite    ${DJ_TMP}/<random>.db
//   postgres  a new database dj_<random> created with psql in the cluster DJ_DB points at
//   citus     (scripts/test-api.sh citus: DJ_BACKEND=postgres, DJ_DB the coordinator and
//             DJ_CITUS_WORKERS the workers' URLs) the same database on the coordinator and on
//             every worker, each with the citus extension, the workers registered; `dangjian
//             init` then distributes the tables (src/db/citus.c)
//
// Typical file:
//
//   import { test, before, after } from 'node:test';
//   import assert from 'node:assert/strict';
//   import { startServer, login, assertError } from './lib.mjs';
//
//   let srv;
//   before(async () => { srv = await startServer(); });
//   after(() => srv?.stop());
//
//   test('something', async () => {
//     const r = await srv.api('GET', '/api/v1/health');
//     assert.equal(r.status, 200);
//   });
//
// Never leaving a server or a database behind:
//   * Stop every server in an `after` hook, as above.  Hooks run even when tests fail.
//     srv.stop() sends SIGTERM, waits for the exit, removes the file's database (DROP
//     DATABASE ... WITH (FORCE) on PostgreSQL, the .db files on SQLite) and then asserts the
//     exit code is 0: a clean shutdown is part of the contract.  stop() may be called more
//     than once (a test may stop the server itself); later calls return the same promise.
//   * startServer() cleans up after itself when the server fails to come up.
//   * As a safety net, when the test process exits or is killed by SIGINT/SIGTERM/SIGHUP
//     while a server is still running (a forgotten `after`, a crash), that server gets
//     SIGKILL and its database is dropped synchronously.
//   * scripts/test-api.sh finally removes DJ_TMP and the whole PostgreSQL cluster.
//
// Running one file by hand: scripts/test-api.sh sqlite tests/api/smoke.test.mjs
// (or plain `node --test tests/api/x.test.mjs` after `make`: SQLite in a temp dir).
// DJ_TEST_SERVER_LOG=1 copies every server's stderr to the test output as it comes.

import assert from 'node:assert/strict';
import { spawn, spawnSync, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertConforms } from './schema.mjs';

const HEALTH_PATH = '/api/v1/health';
const START_TIMEOUT_MS = 15_000;
const POLL_MS = 50;
const STOP_TIMEOUT_MS = 10_000;
const CLI_TIMEOUT_MS = 120_000;
const LOG_LIMIT = 4 << 20; // keep the last 4 MB of a server's stderr

const BIN = process.env.DJ_BIN || fileURLToPath(new URL('../../dangjian', import.meta.url));

function isPostgresUrl(url) {
  return /^postgres(ql)?:\/\//.test(url ?? '');
}

function backend() {
  const b = process.env.DJ_BACKEND || (isPostgresUrl(process.env.DJ_DB) ? 'postgres' : 'sqlite');
  if (b !== 'sqlite' && b !== 'postgres') throw new Error(`DJ_BACKEND must be sqlite or postgres, not ${b}`);
  return b;
}

// DJ_TMP, or (run outside scripts/test-api.sh) a temp dir of our own removed at exit
let ownTmp = null;
function tmpDir() {
  if (process.env.DJ_TMP) return process.env.DJ_TMP;
  if (!ownTmp) ownTmp = mkdtempSync(path.join(os.tmpdir(), 'dj-api-'));
  return ownTmp;
}

function psqlBin() {
  if (process.env.DJ_PSQL) return process.env.DJ_PSQL;
  const pg15 = '/usr/lib/postgresql/15/bin/psql';
  return existsSync(pg15) ? pg15 : 'psql';
}

function psqlArgs(url, sql) {
  return ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql];
}

function psql(url, sql) {
  return new Promise((resolve, reject) => {
    execFile(psqlBin(), psqlArgs(url, sql), { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`psql failed: ${sql}\n${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

function psqlSync(url, sql) {
  const r = spawnSync(psqlBin(), psqlArgs(url, sql), { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? null : (r.stderr || r.error?.message || `psql exit ${r.status}`);
}

// the URL of database `name` in the same cluster as `url`
function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function randomName() {
  return `${process.pid}_${randomBytes(4).toString('hex')}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function describeExit(e) {
  if (!e) return 'still running';
  if (e.error) return `could not run: ${e.error.message}`;
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

// Insert `--db URL` after the leading subcommand words (at most two: the subcommand and
// its verb) unless the caller already passes --db:
//   ['user','add','--login','x'] -> ['user','add','--db',URL,'--login','x']
//   ['init'] -> ['init','--db',URL]
function withDb(args, dbUrl) {
  if (args.some((a) => a === '--db' || String(a).startsWith('--db='))) return args.map(String);
  let n = 0;
  while (n < 2 && n < args.length && !String(args[n]).startsWith('-')) n++;
  return [...args.slice(0, n), '--db', dbUrl, ...args.slice(n)].map(String);
}

function runCli(dbUrl, args, { input, env } = {}) {
  const argv = withDb(args, dbUrl);
  const r = spawnSync(BIN, argv, {
    input,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: CLI_TIMEOUT_MS,
    maxBuffer: 64 << 20,
  });
  if (r.error) throw new Error(`dangjian ${argv.join(' ')}: ${r.error.message}\n${r.stderr ?? ''}`);
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A TCP port nobody listens on right now (127.0.0.1). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---- safety net: servers still running when the process goes away

const live = new Set(); // { child, cleanupSync }
let netInstalled = false;
let dying = false;

function emergencyCleanup() {
  for (const s of live) {
    try {
      s.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    s.cleanupSync();
  }
  live.clear();
  if (ownTmp) rmSync(ownTmp, { recursive: true, force: true });
}

function installSafetyNet() {
  if (netInstalled) return;
  netInstalled = true;
  process.on('exit', emergencyCleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const onSignal = () => {
      // the same signal may come twice (process group and test runner): clean up once,
      // then die of it as if no handler had been installed
      if (dying) return;
      dying = true;
      emergencyCleanup();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

// ---- the database of one server

// scripts/test-api.sh citus: the workers' URLs (DJ_DB is the coordinator)
function citusWorkers() {
  return (process.env.DJ_CITUS_WORKERS || '').split(/\s+/).filter(Boolean);
}

/** Whether the tests run on Citus (scripts/test-api.sh citus): for skips with a reason. */
export function onCitus() {
  return citusWorkers().length > 0;
}

// the citus extension in the database on every node, the workers registered on the
// coordinator (nodes[0]); Citus keeps its metadata per database
async function makeCitus(nodes) {
  for (const node of nodes) await psql(node, 'CREATE EXTENSION citus');
  const c = new URL(nodes[0]);
  await psql(nodes[0], `SELECT citus_set_coordinator_host('${c.hostname}', ${Number(c.port)})`);
  for (const w of nodes.slice(1)) {
    const u = new URL(w);
    await psql(nodes[0], `SELECT citus_add_node('${u.hostname}', ${Number(u.port)})`);
  }
}

async function createDatabase(db) {
  installSafetyNet();
  if (db) return { url: db, dropAsync: async () => {}, dropSync: () => {} };
  const name = randomName();
  if (backend() === 'sqlite') {
    const file = path.join(tmpDir(), `${name}.db`);
    const rm = () => {
      if (process.env.DJ_KEEP_TMP === '1') return; // scripts/test-api.sh keeps DJ_TMP too
      for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
    };
    return { url: file, dropAsync: async () => rm(), dropSync: rm };
  }
  const base = process.env.DJ_DB;
  if (!isPostgresUrl(base)) throw new Error(`DJ_BACKEND=postgres needs DJ_DB=postgresql://... (got ${base})`);
  const dbName = `dj_${name}`;
  const nodes = [base, ...citusWorkers()];
  for (const node of nodes) await psql(node, `CREATE DATABASE "${dbName}"`);
  if (nodes.length > 1) await makeCitus(nodes.map((n) => withDatabase(n, dbName)));
  const drop = `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`;
  return {
    url: withDatabase(base, dbName),
    dropAsync: async () => {
      for (const node of nodes) {
        try {
          await psql(node, drop);
        } catch (e) {
          process.stderr.write(`warning: could not drop test database ${dbName}: ${e.message}\n`);
        }
      }
    },
    dropSync: () => {
      for (const node of nodes) {
        const err = psqlSync(node, drop);
        if (err) process.stderr.write(`warning: could not drop test database ${dbName}: ${err}\n`);
      }
    },
  };
}

// ---- the server

/**
 * Start `dangjian serve` on a fresh database (see the top of this file).
 * Options: db (use this database URL as is: not created, not dropped), seedArgs (CLI
 * commands run after `init`, before `serve`: one args array or an array of them, --db is
 * inserted as by srv.cli), threads (default 2), env (extra environment for the server),
 * init (default true: run `dangjian init` first), serveArgs (more arguments for `serve`).
 */
/**
 * The tests' days are China's (UTC+8), as the server's: a file that made payments, bills or
 * events "today" and checks them a moment later would find them in yesterday had midnight
 * come between. A file's first server is therefore not started in the last two minutes of a
 * China day: it waits until the next day has begun (at most once per run).
 */
async function clearOfChinaMidnight() {
  const day = 86400_000;
  const intoDay = (Date.now() + 8 * 3600_000) % day;
  const left = day - intoDay;
  if (left > 120_000) return;
  process.stderr.write(`# ${Math.ceil(left / 1000)} s to midnight in China: the test waits for the new day\n`);
  await new Promise((r) => setTimeout(r, left + 3000));
}

export async function startServer({ db, seedArgs, threads = 2, env, init = true, serveArgs } = {}) {
  if (!db) await clearOfChinaMidnight();
  const database = await createDatabase(db);
  const dbUrl = database.url;
  try {
    if (init) {
      const r = runCli(dbUrl, ['init']);
      if (r.status !== 0) {
        throw new Error(`dangjian init failed (${describeExit({ code: r.status, signal: r.signal })})\n${r.stdout}${r.stderr}`);
      }
    }
    const seeds = !seedArgs ? [] : seedArgs.every((a) => typeof a === 'string') ? [seedArgs] : seedArgs;
    for (const args of seeds) {
      const r = runCli(dbUrl, args);
      if (r.status !== 0) {
        throw new Error(`dangjian ${args.join(' ')} failed (${describeExit({ code: r.status, signal: r.signal })})\n${r.stdout}${r.stderr}`);
      }
    }
    // the port may be taken between freePort() and the server's bind: try a few
    for (let attempt = 1; ; attempt++) {
      try {
        return await spawnServer({ dbUrl, database, threads, env, serveArgs });
      } catch (e) {
        if (attempt >= 3 || !/address already in use|EADDRINUSE/i.test(e.message)) throw e;
      }
    }
  } catch (e) {
    await database.dropAsync();
    throw e;
  }
}

async function spawnServer({ dbUrl, database, threads, env, serveArgs = [] }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['serve', '--db', dbUrl, '--listen', `127.0.0.1:${port}`, '--threads', String(threads), ...serveArgs];
  const child = spawn(BIN, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stderr = '';
  let stdout = '';
  const echo = process.env.DJ_TEST_SERVER_LOG === '1';
  child.stderr.setEncoding('utf8');
  child.stdout.setEncoding('utf8');
  child.stderr.on('data', (s) => {
    stderr += s;
    if (stderr.length > LOG_LIMIT) stderr = stderr.slice(-LOG_LIMIT);
    if (echo) process.stderr.write(s);
  });
  child.stdout.on('data', (s) => {
    stdout += s;
    if (stdout.length > LOG_LIMIT) stdout = stdout.slice(-LOG_LIMIT);
  });

  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.once('error', (error) => {
      exitInfo = { code: null, signal: null, error };
      resolve(exitInfo);
    });
    // 'close': the process is gone and its output fully read
    child.once('close', (code, signal) => {
      exitInfo ??= { code, signal };
      resolve(exitInfo);
    });
  });

  // A server must not keep the test process alive by itself: a forgotten stop() would
  // otherwise hang the file forever instead of ending in the exit safety net.  While we
  // wait for the process (startup, stop) it is referenced again.
  const hold = (on) => {
    for (const h of [child, child.stdout, child.stderr]) {
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  };
  hold(false);

  const entry = { child, cleanupSync: () => database.dropSync() };
  installSafetyNet();
  live.add(entry);

  // stop the process and wait for it: SIGTERM, then SIGKILL after STOP_TIMEOUT_MS
  async function terminate() {
    if (!exitInfo) {
      hold(true);
      child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((resolve) => {
        timer = setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout');
      });
      const first = await Promise.race([exited, timeout]);
      clearTimeout(timer); // a pending timer would keep the test process alive
      if (first === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        return { ...exitInfo, timedOut: true };
      }
    }
    return exitInfo;
  }

  async function release() {
    live.delete(entry);
    await database.dropAsync();
  }

  // wait for GET /api/v1/health → 200
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = 'no answer';
  for (;;) {
    if (exitInfo) {
      hold(true);
      await exited;
      live.delete(entry);
      throw new Error(`dangjian serve exited during startup (${describeExit(exitInfo)})\n--- stderr:\n${stderr}${stdout ? `--- stdout:\n${stdout}` : ''}`);
    }
    try {
      const r = await fetch(url + HEALTH_PATH, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.cause?.code || e.message;
    }
    if (Date.now() > deadline) {
      await terminate();
      live.delete(entry);
      throw new Error(`dangjian serve not healthy within ${START_TIMEOUT_MS / 1000} s (last: ${last})\n--- stderr:\n${stderr}`);
    }
    await sleep(POLL_MS);
  }

  let stopping = null;
  const srv = {
    url,
    port,
    dbUrl,
    backend: isPostgresUrl(dbUrl) ? 'postgres' : 'sqlite',
    process: child,
    /** the server's stderr so far (its log) */
    log: () => stderr,
    stdout: () => stdout,
    /** true once the process has exited */
    get exited() {
      return exitInfo !== null;
    },

    /** SIGTERM, wait, drop the database, assert exit code 0. Idempotent. */
    stop() {
      stopping ??= (async () => {
        let e;
        try {
          e = await terminate();
        } finally {
          await release();
        }
        assert.ok(
          !e.timedOut && e.code === 0 && !e.signal,
          `server did not shut down cleanly: ${e.timedOut ? `no exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM, killed; ` : ''}${describeExit(e)}\n--- server stderr (tail):\n${stderr.slice(-8000)}`,
        );
      })();
      return stopping;
    },

    /** Run the CLI synchronously on this server's database (--db inserted, see withDb). */
    run(args, opts = {}) {
      return runCli(dbUrl, args, opts);
    },

    /** srv.cli('user', 'add', '--login', 'x') = dangjian user add --db URL --login x */
    cli(...args) {
      return runCli(dbUrl, args);
    },

    /**
     * One HTTP request.  body: sent as JSON; raw: a string/Buffer sent as is with
     * contentType (default application/octet-stream); token: Authorization: Bearer;
     * cookie (+ csrf): Cookie and X-CSRF-Token; headers: extra headers (they win).
     * Resolves to {status, headers (a Headers), body (parsed JSON when the reply says
     * JSON, else text), text, bytes (Buffer)}.  The reply is asserted to be documented in
     * docs/openapi.json (status, content type, JSON schema); unchecked: true skips that, for
     * the few tests that send what no client may (a body the router must refuse unread).
     */
    async api(method, urlPath, { body, token, headers, raw, contentType, cookie, csrf, unchecked } = {}) {
      const h = new Headers();
      let payload;
      if (raw !== undefined) {
        payload = raw;
        h.set('Content-Type', contentType ?? 'application/octet-stream');
      } else if (body !== undefined) {
        payload = JSON.stringify(body);
        h.set('Content-Type', contentType ?? 'application/json');
      } else if (contentType) {
        h.set('Content-Type', contentType);
      }
      if (token) h.set('Authorization', `Bearer ${token}`);
      if (cookie) h.set('Cookie', cookie);
      if (csrf) h.set('X-CSRF-Token', csrf);
      for (const [k, v] of Object.entries(headers ?? {})) h.set(k, v);

      const res = await fetch(url + urlPath, { method, headers: h, body: payload, redirect: 'manual' });
      const bytes = Buffer.from(await res.arrayBuffer());
      const text = bytes.toString('utf8');
      const type = res.headers.get('content-type') ?? '';
      let parsed = text;
      if (/[/+]json\b/i.test(type)) {
        if (text === '') {
          parsed = null;
        } else {
          try {
            parsed = JSON.parse(text);
          } catch {
            throw new Error(`${method} ${urlPath}: ${res.status} with Content-Type ${type} but invalid JSON: ${text.slice(0, 500)}`);
          }
        }
      }
      const reply = { status: res.status, headers: res.headers, body: parsed, text, bytes };
      // every reply is one the document promises (tests/api/schema.mjs)
      if (!unchecked) assertConforms(method, urlPath, reply);
      return reply;
    },
  };
  return srv;
}

/** POST /api/v1/auth/login; asserts 200; returns {token, csrf, account, cookie}. */
export async function login(srv, loginName, password) {
  const res = await srv.api('POST', '/api/v1/auth/login', { body: { login: loginName, password } });
  assert.equal(res.status, 200, `login as ${loginName}: HTTP ${res.status} ${res.text}`);
  const { token, csrf_token: csrf, account } = res.body ?? {};
  assert.ok(typeof token === 'string' && token.length > 0, `login as ${loginName}: no token in ${res.text}`);
  const pair = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0].trim())
    .find((c) => c.startsWith('dj_session='));
  assert.ok(pair, `login as ${loginName}: no dj_session cookie in Set-Cookie`);
  return { token, csrf, account, cookie: pair };
}

/** Assert res is the error envelope {"error": {"code", "message"[, "details": [...]]}}. */
export function assertError(res, status, code) {
  const show = res.text ?? JSON.stringify(res.body);
  assert.equal(res.status, status, `expected HTTP ${status} ${code}, got ${res.status}: ${show}`);
  const b = res.body;
  assert.ok(b && typeof b === 'object' && !Array.isArray(b), `error body is not a JSON object: ${show}`);
  assert.deepEqual(Object.keys(b), ['error'], `error body must hold only "error": ${show}`);
  const e = b.error;
  assert.ok(e && typeof e === 'object' && !Array.isArray(e), `"error" is not an object: ${show}`);
  assert.equal(e.code, code, `error code: ${show}`);
  assert.ok(typeof e.message === 'string' && e.message.length > 0, `error message must be a non-empty string: ${show}`);
  if ('details' in e) assert.ok(Array.isArray(e.details), `error details must be an array: ${show}`);
  for (const k of Object.keys(e)) {
    assert.ok(['code', 'message', 'details'].includes(k), `unexpected key "${k}" in error: ${show}`);
  }
}
