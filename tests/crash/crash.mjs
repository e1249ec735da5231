// Crash trials (make test-crash, tests/crash/run.sh): every operation of ops.mjs is killed
// with SIGKILL at a random moment of its run, CRASH_TRIALS times on each backend, and after
// each kill the database must hold all of each transaction or none of it, balanced books,
// no event twice and, once the operation is run again, exactly what an uninterrupted run
// leaves (checksum.mjs).
//
// Environment: CRASH_TRIALS (30 per operation and backend), CRASH_SEED (the kill delays;
// random unless given, always printed), CRASH_MEMBERS (10000), CRASH_EVENTS (100000),
// CRASH_OPS (a comma list of operation names, default all), CRASH_BACKENDS
// (sqlite,postgres), CRASH_PG_URL (a PostgreSQL cluster's URL, needed for postgres),
// CRASH_TMP (a directory for the SQLite files and the input files), CRASH_VERBOSE=1 (a line
// per trial).
import { spawnSync } from 'node:child_process';
import { stateDiff, stateOf } from './checksum.mjs';
import { OPS } from './ops.mjs';
import { cloneDatabase, closeAll, count, dropDatabase, isPostgres, pgDatabase } from './store.mjs';
import { BIN, buildWorld, rng } from './world.mjs';

const env = process.env;
const TRIALS = Number(env.CRASH_TRIALS ?? 30);
const SEED = env.CRASH_SEED ? Number(env.CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
const SIZES = { members: Number(env.CRASH_MEMBERS ?? 10000), events: Number(env.CRASH_EVENTS ?? 100000) };
const ONLY = env.CRASH_OPS ? env.CRASH_OPS.split(',') : null;
const BACKENDS = (env.CRASH_BACKENDS ?? 'sqlite,postgres').split(',');
const VERBOSE = env.CRASH_VERBOSE === '1';
const TMP = env.CRASH_TMP;

const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** The highest id of each table whose new rows the operations' checksums select. */
async function maxIds(db) {
  const out = {};
  for (const t of ['events', 'audit', 'dues_batches', 'ledger_entries', 'todos', 'sources']) out[t] = await count(db, `SELECT COALESCE(MAX(id), 0) FROM ${t}`);
  return out;
}

/** The invariants every operation keeps: the books balance, no event is stored twice. */
async function commonChecks(db) {
  const out = [];
  const r = spawnSync(BIN, ['dues', 'check', '--db', db], { encoding: 'utf8' });
  if (r.status !== 0) out.push(`dues check: exit ${r.status ?? r.signal}: ${(r.stdout + r.stderr).trim()}`);
  const dup = await count(db, 'SELECT COUNT(*) FROM (SELECT source_id, key FROM events GROUP BY source_id, key HAVING COUNT(*) > 1) d');
  if (dup) out.push(`${dup} events stored more than once (same source and key)`);
  return out;
}

/** What happened at a trial's kill, from the probe at the kill and the state after it. */
function classify(r, k, steps) {
  if (!r.killed) return 'after: had finished';
  if (k < 0) return 'half-applied';
  if (r.txOpen) return k === 0 ? 'mid: rolled back' : k === steps ? 'mid: committed' : 'mid: a later batch rolled back';
  if (k === 0) return 'before';
  if (k === steps) return 'after: committed, not yet exited';
  return 'mid: between batches';
}

async function runOp(op, backend, dbs, w, rand) {
  const base = dbs[op.base];
  const max = await maxIds(base);
  const specs = op.specs(w, max);
  const steps = op.steps(w);
  const full = (db) => stateOf(db, specs, { full: true, auditAfter: max.audit });
  const tally = { trials: 0, classes: {}, violations: 0, failed: 0 };
  const fail = (what, list) => {
    tally.violations += list.length;
    for (const v of list) console.log(`  VIOLATION ${backend} ${op.name} ${what}: ${v}`);
  };

  // the reference: one uninterrupted run, and the states after each of its transactions
  const states = [await full(base)];
  const ref = await cloneDatabase(base, dbs.trial);
  const t0 = performance.now();
  const r0 = await op.run(ref, w, { onStep: async (k) => (states[k] = await full(ref)) });
  if (steps === 1) states[1] = await full(ref);
  const refCmp = await stateOf(ref, specs);
  fail('reference run', [...(await commonChecks(ref)), ...(await op.checks(ref, w))]);
  if (states[0].key === states[steps].key) fail('reference run', ['it changed nothing: the trials would prove nothing']);
  await dropDatabase(ref);
  const D = r0.ms;

  for (let i = 1; i <= TRIALS; i++) {
    const phase = new Map();
    let tp = performance.now();
    const lap = (name) => {
      phase.set(name, (phase.get(name) ?? 0) + performance.now() - tp);
      tp = performance.now();
    };
    const db = await cloneDatabase(base, dbs.trial);
    const delay = rand() * D;
    const v = [];
    lap('copy');
    const r = await op.run(db, w, { killAfter: delay });
    const restarted = op.restart ? await op.restart(db) : null;
    lap('kill');
    const after = await full(db);
    const k = states.findIndex((s) => s.key === after.key);
    if (k < 0) {
      const near = after.parts.counts === states[0].parts.counts ? states[0] : states[steps];
      v.push(`after the kill the database is none of the ${steps + 1} states of a whole run (${stateDiff(after, near)})`);
    }
    lap('state');
    v.push(...(await commonChecks(db)), ...(await op.checks(db, w)));
    lap('checks');
    const cls = classify(r, k, steps);
    v.push(...(await op.rerun(db, w, restarted)));
    lap('re-run');
    // the same tables as the reference's, whose checks passed: so are the books and events
    const again = await stateOf(db, specs);
    if (again.key !== refCmp.key) v.push(`after the re-run the tables differ from an uninterrupted run: ${stateDiff(again, refCmp)}`);
    lap('state');
    await dropDatabase(db);
    lap('drop');
    tally.trials++;
    tally.classes[cls] = (tally.classes[cls] ?? 0) + 1;
    if (v.length) tally.failed++;
    fail(`trial ${i} (kill at ${delay.toFixed(0)} ms, ${cls})`, v);
    if (VERBOSE) console.log(`    ${backend} ${op.name} trial ${i}: kill at ${delay.toFixed(0)} of ${D.toFixed(0)} ms → ${cls}${k > 0 && k < steps ? ` (${k} of ${steps} batches)` : ''}; ${v.length ? `${v.length} violations` : 'ok'} (${[...phase].map(([p, ms]) => `${p} ${ms.toFixed(0)}`).join(', ')} ms)`);
  }
  const c = tally.classes;
  const n = (re) => Object.entries(c).filter(([cls]) => re.test(cls)).reduce((s, [, x]) => s + x, 0);
  const mid = n(/^mid/);
  const detail = Object.entries(c)
    .filter(([cls]) => cls.startsWith('mid'))
    .map(([cls, x]) => `${cls.slice(5)} ${x}`)
    .join(', ');
  console.log(
    `${backend.padEnd(8)} ${op.name.padEnd(14)} ${String(tally.trials).padStart(3)} trials, run ${D.toFixed(0).padStart(5)} ms:` +
      ` killed before ${n(/^before/)}, mid-operation ${mid}${detail ? ` (${detail})` : ''}, after ${n(/^after/)}` +
      `${n(/^half/) ? `, HALF-APPLIED ${n(/^half/)}` : ''}; violations ${tally.violations} [${secs(performance.now() - t0)}]`,
  );
  return { ...tally, mid, before: n(/^before/), after: n(/^after/) };
}

async function main() {
  if (!TMP) throw new Error('CRASH_TMP must name a directory (tests/crash/run.sh sets it)');
  console.log(
    `crash trials: ${TRIALS} per operation per backend, ${SIZES.members} members, ${SIZES.events} events; seed ${SEED} (CRASH_SEED=${SEED} replays the kill moments)`,
  );
  const rand = rng(SEED);
  const sum = { trials: 0, failed: 0, violations: 0, mid: 0, before: 0, after: 0 };
  for (const backend of BACKENDS) {
    let dbs;
    if (backend === 'postgres') {
      if (!isPostgres(env.CRASH_PG_URL ?? '')) throw new Error('CRASH_PG_URL must be a postgresql:// URL for the postgres backend');
      const name = (n) => pgDatabase(env.CRASH_PG_URL, `crash_${n}`);
      dbs = { base: name('base'), scored: name('scored'), billed: name('billed'), trial: name('trial') };
    } else if (backend === 'sqlite') {
      dbs = { base: `${TMP}/base.db`, scored: `${TMP}/scored.db`, billed: `${TMP}/billed.db`, trial: `${TMP}/trial.db` };
    } else throw new Error(`unknown backend ${backend}`);
    const t0 = performance.now();
    const w = await buildWorld(dbs, TMP, { ...SIZES, log: VERBOSE ? (s) => console.log(`    ${backend} ${s}`) : undefined });
    console.log(`${backend.padEnd(8)} the world: ${SIZES.members} members, 3 months of dues, ${SIZES.events} events to send [${secs(performance.now() - t0)}]`);
    for (const op of OPS.filter((o) => !ONLY || ONLY.includes(o.name))) {
      const t = await runOp(op, backend, dbs, w, rand);
      for (const k of Object.keys(sum)) sum[k] += t[k];
    }
    for (const db of [dbs.base, dbs.scored, dbs.billed]) await dropDatabase(db);
  }
  console.log(
    `crash trials: ${sum.trials} run, kills mid-operation ${sum.mid}, before ${sum.before}, after ${sum.after}; invariants violated: ${sum.violations} (seed ${SEED})`,
  );
  console.log(`crash: ${sum.trials - sum.failed} passed, ${sum.failed} failed`);
  process.exitCode = sum.violations ? 1 : 0;
}

main()
  .catch((e) => {
    console.error(`crash trials: ${e.stack ?? e}`);
    process.exitCode = 2;
  })
  .finally(closeAll);
