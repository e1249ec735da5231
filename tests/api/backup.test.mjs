// Backups that restore (dangjian backup / restore): taken while the server writes, the copy
// is the database at one moment — its manifest counts every table at that moment — and a
// restore into a new database gives back exactly those rows, with a balanced ledger.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, onCitus } from './lib.mjs';
import { seedWorld, tempDatabase, tmpDir, sql, MEMBER_ROWS } from './fixtures.mjs';

const BIN = process.env.DJ_BIN || path.resolve(import.meta.dirname, '../../dangjian');
let srv;
let W;
before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
});
after(() => srv?.stop());

/** The CLI, asynchronously (the server's load goes on meanwhile): {code, stdout, stderr}. */
function cli(args, env = process.env) {
  return new Promise((resolve) => {
    execFile(BIN, args, { timeout: 120_000, env }, (err, stdout, stderr) => resolve({ code: err ? err.code ?? 1 : 0, stdout, stderr }));
  });
}
const count = (url, table) => Number(sql(url, `SELECT COUNT(*) FROM ${table}`));

// Citus has no snapshot across its workers: read through the coordinator during writes, a
// backup is not one moment (a Citus cluster is backed up per node; docs/SCALE.md)
const citusSkip = onCitus() && 'Citus keeps no snapshot across workers, so a backup under writes is not one moment';
test('a backup taken during a write load restores to exactly its moment', { skip: citusSkip }, async () => {
  const file = path.join(tmpDir(), `backup-${process.pid}.dump`);
  const before = count(srv.dbUrl, 'events');
  // a business system sends batches of events all along
  let stop = false;
  let sent = 0;
  const load = (async () => {
    for (let b = 0; !stop; b++) {
      const batch = Array.from({ length: 200 }, (_, i) => ({ key: `bk-${b}-${i}`, emp_no: 'EA002', indicator: 'study.hours', date: '2024-03-05', value: 1 }));
      const r = await srv.api('POST', '/api/v1/events', { body: batch, headers: { 'X-API-Key': W.key } });
      assert.equal(r.status, 200, r.text);
      sent += 200;
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const taken = await cli(['backup', '--db', srv.dbUrl, '--out', file]);
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await load;
  assert.equal(taken.code, 0, taken.stderr);
  assert.match(taken.stdout, /^backup of .* written to .*: \d+ tables, \d+ rows/);
  const manifest = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
  const after = count(srv.dbUrl, 'events');
  assert.ok(sent > 0 && after === before + sent, `${sent} sent, ${after - before} stored`);
  // the moment of the backup lies inside the load, on a batch boundary (batches are atomic)
  const atBackup = manifest.counts.events;
  assert.ok(atBackup >= before && atBackup <= after, `${atBackup} not within ${before}..${after}`);
  assert.equal((atBackup - before) % 200, 0, 'a batch half in the backup');
  // members' ID card and mobile numbers are sealed: the copy holds none of them (nor their keys)
  const dump = readFileSync(file);
  for (const m of MEMBER_ROWS) {
    assert.ok(!dump.includes(m[5]) && !dump.includes(m[6]), `${m[0]}'s numbers in the backup`);
  }
  // the key ring is kept apart from the database: beside a SQLite file, or where
  // DANGJIAN_KEY_FILE says (the PostgreSQL run's)
  const keyFile = process.env.DANGJIAN_KEY_FILE || `${srv.dbUrl}.keys`;
  const withKeys = { ...process.env, DANGJIAN_KEY_FILE: keyFile };

  const target = tempDatabase();
  try {
    const restored = await cli(['restore', '--db', target.url, '--from', file]);
    assert.equal(restored.code, 0, restored.stderr + restored.stdout);
    assert.match(restored.stdout, /every table matches the backup's manifest/);
    if (!process.env.DANGJIAN_KEY_FILE) assert.match(restored.stderr, /note: the key file of personal data .* stay sealed until the key file is in place/s);
    // the restore compared every table with the manifest; check the large ones here too
    const tables = ['events', 'members', 'ledger_postings', 'audit', 'logins'];
    const got = sql(target.url, tables.map((t) => `SELECT COUNT(*) FROM ${t}`).join(' UNION ALL ')).split('\n').map(Number);
    assert.deepEqual(got, tables.map((t) => manifest.counts[t]));
    // without the key ring the restored members' numbers stay closed, and the error says why
    if (!process.env.DANGJIAN_KEY_FILE) {
      const locked = await cli(['dues', 'check', '--db', target.url]);
      assert.equal(locked.code, 1);
      assert.match(locked.stderr, /key file of personal data .*: No such file or directory \(set DANGJIAN_KEY_FILE/);
    }
    const check = await cli(['dues', 'check', '--db', target.url], withKeys);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /0 unbalanced entries/);
    const init = await cli(['init', '--db', target.url], withKeys);
    assert.match(init.stdout, /is up to date/, init.stderr);
    // a restore never overwrites: the same target again is refused, and changes nothing
    const again = await cli(['restore', '--db', target.url, '--from', file]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /exists|not empty/);
    assert.equal(count(target.url, 'events'), atBackup);
  } finally {
    target.drop();
    rmSync(file, { force: true });
    rmSync(`${file}.json`, { force: true });
  }
});

test('a backup never overwrites a file, and restore refuses what is not a backup', async () => {
  const file = path.join(tmpDir(), `exists-${process.pid}.dump`);
  sql(srv.dbUrl, 'SELECT 1');
  const first = await cli(['backup', '--db', srv.dbUrl, '--out', file]);
  assert.equal(first.code, 0, first.stderr);
  const second = await cli(['backup', '--db', srv.dbUrl, '--out', file]);
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /exists already: a backup never overwrites/);
  const target = tempDatabase();
  try {
    const bad = await cli(['restore', '--db', target.url, '--from', `${file}.json`]);
    assert.notEqual(bad.code, 0, bad.stdout);
    const missing = await cli(['restore', '--db', target.url, '--from', '/nonexistent/backup']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /cannot read backup/);
  } finally {
    target.drop();
    rmSync(file, { force: true });
    rmSync(`${file}.json`, { force: true });
  }
});
