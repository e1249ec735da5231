// Background jobs across servers: two `serve` processes on one database, every job due at
// once, each job runs exactly once (counted by its log line and its rows). DJ_JOBS_START_AT
// starts both servers' first pass at the same moment and DJ_JOBS_PAUSE_MS holds each job
// between being taken and running, so the second server surely tries the same job while the
// first holds it (without the claim both would find every job due and run it). The monthly
// scoring, dues generation, dues close and plans' daily check of a tree of several tenants are
// claimed per tenant (on PostgreSQL; SQLite does the dues and the plans for the whole tree), so
// the two servers share them.
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

/** Two servers on db whose job passes start together, each job held a second once taken. */
function racingServers(db) {
  const opts = {
    db: db.url,
    init: false,
    env: { DJ_JOBS_START_AT: String(Date.now() + 5000), DJ_JOBS_PAUSE_MS: '1000' },
    serveArgs: ['--jobs-every', '1'],
  };
  return Promise.all([startServer(opts), startServer(opts)]);
}

function monthBefore(month) {
  return month % 100 === 1 ? month - 89 : month - 1;
}

/** On a fresh database holding `dangjian demo ARGS`: fn({ db, tool, cur, last, servers }), then
 * the servers it started stop and the database goes. */
async function onDemo(demoArgs, fn) {
  const db = tempDatabase();
  const servers = [];
  try {
    const { month: cur } = localDate();
    const tool = { run: (args) => cli(db.url, args) };
    cliOk(tool, ['init']);
    cliOk(tool, ['demo', ...demoArgs]);
    await fn({ db, tool, cur, last: monthBefore(cur), servers });
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    db.drop();
  }
}

test('two servers on one database run each background job once', { timeout: 180_000 }, () =>
  onDemo(['--orgs', '12', '--members', '40', '--months', '2'], async ({ db, cur, last, servers }) => {
    // undo what the demo did as the jobs would, so that every job is due now; last month's
    // run is made to look like a run of one tenant by hand: the job still scores every tenant
    sql(db.url, `UPDATE score_runs SET scope = 1 WHERE month = ${last}`);
    sql(db.url, `UPDATE score_run_log SET scope = 1 WHERE month = ${last}`);
    sql(db.url, 'DELETE FROM plan_runs');
    sql(db.url, `UPDATE dues_months SET closed_at = NULL WHERE month = ${last}`);
    sql(db.url, `UPDATE dues_months SET generated_at = NULL WHERE month = ${cur}`);

    servers.push(...(await racingServers(db)));

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
  }));

test('two servers score the tenants of a national tree each once, side by side, and sum the national root', { timeout: 180_000 }, () =>
  onDemo(['--tenants', '3', '--orgs', '8', '--members', '30', '--months', '2'], async ({ db, tool, cur, last, servers }) => {
    // last month unscored, so that the job scores it: a run per tenant with events; and the
    // dues of both months recorded for the whole tree only (the demo generated them so), so
    // that the job generates them per tenant, which finds every bill there and adds none
    for (const t of ['score_changes', 'member_scores', 'org_scores', 'score_run_log', 'score_runs']) sql(db.url, `DELETE FROM ${t} WHERE month = ${last}`);
    const billsBefore = sql(db.url, `SELECT COUNT(*) FROM dues_bills WHERE month IN (${last}, ${cur})`);
    const duesEvents = () => sql(db.url, `SELECT COUNT(*) FROM events WHERE month = ${last} AND source_id = (SELECT id FROM sources WHERE code = 'dues')`);
    const eventsBefore = duesEvents();
    const tenants = sql(db.url, `SELECT DISTINCT tenant_id FROM events WHERE month = ${last} ORDER BY 1`).split('\n').map(Number);
    assert.equal(tenants.length, 3, 'three provinces with events (the national root has none)');
    const root = sql(db.url, 'SELECT id FROM orgs WHERE parent_id IS NULL');

    servers.push(...(await racingServers(db)));
    const runs = () => sql(db.url, `SELECT scope FROM score_run_log WHERE month = ${last} ORDER BY scope`);
    // per tenant where dues_months has tenant keys (PostgreSQL); SQLite's keeps one row a month
    // and generates for the whole tree, as a single node does
    const perTenant = /^postgres(ql)?:\/\//.test(db.url);
    // last month closed again the same way (the demo closed it for the whole tree)
    if (!perTenant) sql(db.url, `UPDATE dues_months SET generated_at = NULL WHERE month IN (${last}, ${cur})`);
    sql(db.url, `UPDATE dues_months SET closed_at = NULL WHERE month = ${last}`);
    sql(db.url, 'DELETE FROM plan_runs'); // and today's plan check not done
    const units = Number(sql(db.url, 'SELECT COUNT(DISTINCT tenant_id) FROM orgs')); // the root's too
    const plans = () => sql(db.url, 'SELECT COUNT(*) FROM plan_runs') === String(perTenant ? units : 1);
    const dues = () => perTenant
      ? sql(db.url, `SELECT COUNT(*) FROM dues_months WHERE month IN (${last}, ${cur}) AND tenant_id <> 1 AND generated_at IS NOT NULL`) === String(2 * tenants.length)
        && sql(db.url, `SELECT COUNT(*) FROM dues_months WHERE month = ${last} AND tenant_id <> 1 AND closed_at IS NOT NULL`) === String(tenants.length)
      : sql(db.url, `SELECT COUNT(*) FROM dues_months WHERE month IN (${last}, ${cur}) AND generated_at IS NOT NULL`) === '2'
        && sql(db.url, `SELECT COUNT(*) FROM dues_months WHERE month = ${last} AND closed_at IS NOT NULL`) === '1';
    const deadline = Date.now() + 120_000;
    while (runs() !== tenants.join('\n') || !dues() || !plans()) {
      assert.ok(Date.now() < deadline, `tenants not scored in time (${runs()}):\n${servers.map((s) => s.log()).join('\n---\n')}`);
      await sleep(250);
    }
    await sleep(4000); // more passes: nothing runs again
    await Promise.all(servers.map((s) => s.stop()));

    const logs = servers.map((s) => s.log());
    for (const t of tenants) {
      const re = new RegExp(`jobs: scored ${last}, tenant ${t}:`, 'g');
      assert.equal(logs.join('\n').match(re)?.length, 1, `tenant ${t} scored once:\n${logs.join('\n---\n')}`);
      for (const m of [last, cur]) {
        const g = new RegExp(`jobs: dues ${m} generated, tenant ${t}: \\d+ liable, 0 new bills`, 'g');
        if (perTenant) assert.equal(logs.join('\n').match(g)?.length, 1, `the dues of ${m} generated once for tenant ${t}:\n${logs.join('\n---\n')}`);
      }
      const p = new RegExp(`jobs: plan check \\d+, tenant ${t}: `, 'g');
      assert.equal(logs.join('\n').match(p)?.length ?? 0, perTenant ? 1 : 0, `today's plans checked once for tenant ${t}:\n${logs.join('\n---\n')}`);
      const c = new RegExp(`jobs: dues ${last} closed, tenant ${t}: `, 'g');
      assert.equal(logs.join('\n').match(c)?.length ?? 0, perTenant ? 1 : 0, `last month closed once for tenant ${t}:\n${logs.join('\n---\n')}`);
    }
    for (const m of [last, cur]) {
      const whole = new RegExp(`jobs: dues ${m} generated: \\d+ liable, 0 new bills`, 'g');
      assert.equal(logs.join('\n').match(whole)?.length ?? 0, perTenant ? 0 : 1, `the dues of ${m} for the whole tree:\n${logs.join('\n---\n')}`);
    }
    assert.equal(sql(db.url, `SELECT COUNT(*) FROM dues_bills WHERE month IN (${last}, ${cur})`), billsBefore, 'no bill twice');
    assert.equal(logs.join('\n').match(/jobs: plan check \d+: /g)?.length ?? 0, perTenant ? 0 : 1, `today's plans checked for the whole tree:\n${logs.join('\n---\n')}`);
    const closedWhole = new RegExp(`jobs: dues ${last} closed: `, 'g');
    assert.equal(logs.join('\n').match(closedWhole)?.length ?? 0, perTenant ? 0 : 1, `last month closed for the whole tree:\n${logs.join('\n---\n')}`);
    assert.equal(duesEvents(), eventsBefore, 'no dues event twice');
    // while one server held a tenant the other went on to the next: both scored
    for (const l of logs) assert.match(l, new RegExp(`jobs: scored ${last}, tenant`), `each server scored a tenant:\n${logs.join('\n---\n')}`);
    for (const l of logs) assert.doesNotMatch(l, /jobs: .*(error|failed)/i);
    assert.equal(sql(db.url, `SELECT COUNT(*) FROM score_run_log WHERE month = ${last} AND scope = 0`), '0', 'no run of every tenant');
    assert.equal(sql(db.url, `SELECT COUNT(*) FROM score_changes WHERE month = ${last}`), '0', "a tenant's first run changes nobody");
    // the national root summed from the provinces: as a run of every tenant makes it
    const row = `SELECT members, politics, theory, discipline, performance, honours, idx, hist, participation, contrib FROM org_scores WHERE month = ${last} AND org_id = ${root}`;
    const summed = sql(db.url, row).split('|');
    assert.equal(Number(summed[0]), Number(sql(db.url, `SELECT COUNT(*) FROM member_scores WHERE month = ${last}`)));
    cliOk(tool, ['score', 'run', '--month', String(last)]);
    const whole = sql(db.url, row).split('|');
    for (let i = 0; i < 7; i++) assert.ok(Math.abs(Number(summed[i]) - Number(whole[i])) < 1e-6, `column ${i}: ${summed[i]} vs ${whole[i]}`);
    assert.deepEqual(JSON.parse(summed[7]), JSON.parse(whole[7]), 'histogram');
    for (const c of [8, 9]) {
      const [a, b] = [JSON.parse(summed[c]), JSON.parse(whole[c])];
      assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
      for (const k of Object.keys(a)) assert.ok(Math.abs(a[k] - b[k]) < 1e-5, `column ${c} ${k}: ${a[k]} vs ${b[k]}`);
    }
  }));

test("a province whose monthly work fails holds back none of the others, and is tried again", { timeout: 180_000 }, () =>
  onDemo(['--tenants', '3', '--orgs', '8', '--members', '30', '--months', '2'], async ({ db, last, servers }) => {
    for (const t of ['score_changes', 'member_scores', 'org_scores', 'score_run_log', 'score_runs']) sql(db.url, `DELETE FROM ${t} WHERE month = ${last}`);
    const tenants = sql(db.url, `SELECT DISTINCT tenant_id FROM events WHERE month = ${last} ORDER BY 1`).split('\n').map(Number);
    const [failing, ...others] = tenants; // the first in the jobs' order
    const opts = { db: db.url, init: false, env: { DJ_JOBS_FAIL_TENANT: String(failing) }, serveArgs: ['--jobs-every', '1'] };
    servers.push(await startServer(opts));
    const runs = () => sql(db.url, `SELECT scope FROM score_run_log WHERE month = ${last} ORDER BY scope`);
    const deadline = Date.now() + 120_000;
    while (runs() !== others.join('\n') || (servers[0].log().match(new RegExp(`score last month: tenant ${failing}: failing`, 'g')) ?? []).length < 2) {
      assert.ok(Date.now() < deadline, `the other provinces not scored in time (${runs()}):\n${servers[0].log()}`);
      await sleep(250);
    }
    await servers[0].stop();
    assert.equal(runs(), others.join('\n'), 'every other province scored, the failing one not');
    // without the failure, the next server scores it
    servers.push(await startServer({ ...opts, env: {} }));
    while (runs() !== tenants.join('\n')) {
      assert.ok(Date.now() < deadline, `the failing province not scored after all (${runs()}):\n${servers[1].log()}`);
      await sleep(250);
    }
  }));
