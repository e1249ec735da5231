// The server when its PostgreSQL connections go away (a restart, a failover; the whole cluster
// case is make test-cluster): connections the database closed while idle are replaced before a
// request uses them; while no connection can be made every request is answered at once with
// 503 unavailable and Retry-After; once the database takes connections again the server is
// back by itself, without a restart, having logged the outage once. SQLite has no connection to
// lose: skipped there. And serve refuses to start on a database it cannot reach (a wrong
// password is make test-cluster's, whose PostgreSQL asks for one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, assertError } from './lib.mjs';
import { sql, isPostgres } from './fixtures.mjs';

const pg = isPostgres();
let srv;

before(async () => {
  if (pg) srv = await startServer();
});
after(() => srv?.stop());

const BIN = process.env.DJ_BIN || fileURLToPath(new URL('../../dangjian', import.meta.url));

test('serve on an unreachable PostgreSQL → one line naming each host tried, exit 1', () => {
  const r = spawnSync(BIN, ['serve', '--db', 'postgresql://dangjian@127.0.0.1:1,127.0.0.1:2/dangjian', '--listen', '127.0.0.1:1', '--no-jobs'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^dangjian: cannot connect to postgres: .*port 1 failed: Connection refused; .*port 2 failed: Connection refused$/);
});

const dbName = () => new URL(srv.dbUrl).pathname.slice(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Terminate every connection of the server's database (as a restart or failover would) and
 * wait until they are gone (pg_terminate_backend only signals). Returns how many there were. */
async function dropConnections() {
  const n = Number(
    sql(process.env.DJ_DB, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${dbName()}' AND pid <> pg_backend_pid()`),
  );
  for (let i = 0; i < 100; i++) {
    if (sql(process.env.DJ_DB, `SELECT count(*) FROM pg_stat_activity WHERE datname = '${dbName()}'`) === '0') break;
    await sleep(50);
  }
  return n;
}

test('connections the database closed while they idled are replaced: no request fails, nothing is logged', { skip: !pg }, async () => {
  for (let i = 0; i < 4; i++) assert.equal((await srv.api('GET', '/api/v1/health')).status, 200);
  assert.ok((await dropConnections()) >= 1, 'the server held connections');
  for (let i = 0; i < 8; i++) assert.equal((await srv.api('GET', '/api/v1/health')).status, 200);
  assert.doesNotMatch(srv.log(), /answering 503/);
});

test('no connection possible → 503 unavailable with Retry-After at once; back by itself; the outage logged once', { skip: !pg }, async () => {
  const db = dbName();
  sql(process.env.DJ_DB, `ALTER DATABASE "${db}" ALLOW_CONNECTIONS false`);
  try {
    await dropConnections();
    for (let i = 0; i < 6; i++) {
      const t0 = Date.now();
      const r = await srv.api('GET', '/api/v1/health');
      assertError(r, 503, 'unavailable');
      assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
      assert.doesNotMatch(r.body.error.message, /127\.0\.0\.1|port|postgres/, 'the cause stays in the log');
      console.log(`503 unavailable in ${Date.now() - t0} ms`);
      await sleep(100);
    }
    // any route, also one that needs a session: the database is asked first
    const me = await srv.api('GET', '/api/v1/me', { token: 'x'.repeat(43), unchecked: true });
    assert.equal(me.status, 503);
    assert.equal(me.body.error.code, 'unavailable');
  } finally {
    sql(process.env.DJ_DB, `ALTER DATABASE "${db}" ALLOW_CONNECTIONS true`);
  }
  let back = false;
  for (let i = 0; i < 50 && !back; i++) {
    back = (await srv.api('GET', '/api/v1/health')).status === 200;
    if (!back) await sleep(100);
  }
  assert.ok(back, 'the server reconnects without a restart');
  await sleep(400); // the request log is written five times a second
  const log = srv.log();
  assert.equal((log.match(/error database: .*answering 503 until it is back/g) ?? []).length, 1, log.slice(-3000));
  assert.match(log, /info database: back after \d+\.\d s/);
});
