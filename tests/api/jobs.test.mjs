// Background jobs across servers: two `serve` processes on one database, every job due at
// once, each job runs exactly once (counted by its log line and its rows). DJ_JOBS_START_AT
// starts both servers' first pass at the same moment and DJ_JOBS_PAUSE_MS holds each job
// between being taken and running, so the second server surely tries the same job while the
// first holds it (without the claim both would find every job due and run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer } from './lib.mjs';
import { tempDatabase, sql, cliOk, localDate } from './fixtures.mjs';

const BIN = process.env.DJ_BIN || fileURLToPath(new URL('../../dangjian', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The CLI on a database of our own (no server yet): dangjian CMD --db URL ARGS... */
function cli(url, [cmd, ...rest]) {
  return spawnSync(BIN, [cmd, '--db', url, ...rest].map(String), { encoding: 'utf8', timeout: 120_000 });
}

function monthBefore(month) {
  return month % 100 === 1 ? month - 89 : month - 1;
}

test('two servers on one database run each background job once', { timeout: 180_000 }, async () => {
  const db = tempDatabase();
  const servers = [];
  try {
    const { month: cur } = localDate();
    const last = monthBefore(cur);
    const tool = { run: (args) => cli(db.url, args) };
    cliOk(tool, ['init']);
    cliOk(tool, ['demo', '--orgs', '12', '--members', '40', '--months', '2']);
    // undo what the demo did as the jobs would, so that every job is due now; last month's
    // run is made to look like a run of one tenant by hand: the job still scores every tenant
    sql(db.url, `UPDATE score_runs SET scope = 1 WHERE month = ${last}`);
    sql(db.url, `UPDATE score_run_log SET scope = 1 WHERE month = ${last}`);
    sql(db.url, 'DELETE FROM plan_runs');
    sql(db.url, `UPDATE dues_months SET closed_at = NULL WHERE month = ${last}`);
    sql(db.url, `UPDATE dues_months SET generated_at = NULL WHERE month = ${cur}`);

    const opts = {
      db: db.url,
      init: false,
      env: { DJ_JOBS_START_AT: String(Date.now() + 5000), DJ_JOBS_PAUSE_MS: '1000' },
      serveArgs: ['--jobs-every', '1'],
    };
    servers.push(...(await Promise.all([startServer(opts), startServer(opts)])));

    const done = () =>
      sql(db.url, `SELECT COUNT(*) FROM score_run_log WHERE month = ${last} AND scope = 0`) === '1' &&
      sql(db.url, 'SELECT COUNT(*) FROM plan_runs') === '1' &&
      sql(db.url, `SELECT COUNT(*) FROM dues_months WHERE month = ${last} AND closed_at IS NOT NULL`) === '1' &&
      sql(db.url, `SELECT COUNT(*) FROM dues_months WHERE month = ${cur} AND generated_at IS NOT NULL`) === '1';
    const deadline = Date.now() + 120_000;
    while (!done()) {
      assert.ok(Date.now() < deadline, `jobs not done in time:\n${servers.map((s) => s.log()).join('\n---\n')}`);
      await sleep(250);
    }
    // a few more passes of both servers: nothing runs again
    await sleep(5000);
    await Promise.all(servers.map((s) => s.stop()));

    const logs = servers.map((s) => s.log()).join('\n');
    const count = (re) => (logs.match(re) ?? []).length;
    assert.equal(count(new RegExp(`jobs: scored ${last}`, 'g')), 1, logs);
    assert.equal(count(/jobs: plan check \d+/g), 1, logs);
    assert.equal(count(new RegExp(`jobs: dues ${last} closed`, 'g')), 1, logs);
    assert.equal(count(new RegExp(`jobs: dues ${cur} generated`, 'g')), 1, logs);
    // no job failed on either server (a refused claim is not an error)
    for (const s of servers) assert.doesNotMatch(s.log(), /jobs: .*(error|failed)/i);
    assert.equal(sql(db.url, `SELECT COUNT(*) FROM score_runs WHERE month = ${last}`), '1');
    assert.equal(sql(db.url, `SELECT run, scope FROM score_runs WHERE month = ${last}`), '2|0', 'the run of every tenant, after the one by hand');
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    db.drop();
  }
});

