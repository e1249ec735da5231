// The operations the crash trials kill, each run to completion or killed (SIGKILL) after a
// given delay, and what each must leave behind whole.
//
// An operation: name; base (the world database it starts from, world.mjs); steps (how many
// all-or-nothing transactions it is made of: its states after a kill are those after 0..steps
// of them); specs (the tables it writes, checksum.mjs); run(db, w, {killAfter, onStep}) →
// the kill's report; restart(db) (optional: what comes back after the kill before the
// checks, handed to rerun); rerun(db, w, restarted) → a list of problems; checks(db, w) →
// the invariants particular to it, as a list of violations.
import { spawn } from 'node:child_process';
import { count, drain, rows, writeTxOpen } from './store.mjs';
import { BIN, serve } from './world.mjs';

export const API_BATCH = 10_000; // the most one POST /api/v1/events takes (EVENTS_MAX_BATCH)

/**
 * Stop the child, ask whether a write transaction is open on db, then kill it: SIGSTOP
 * first, so that the answer is the state at the kill.
 */
async function stopProbeKill(child, db) {
  if (!child.kill('SIGSTOP')) return { txOpen: false };
  try {
    return { txOpen: await writeTxOpen(db) };
  } finally {
    child.kill('SIGKILL');
  }
}

/** The exit of a child we spawned: {code, signal}, once its output is closed too. */
function closed(child) {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

/** Wait until a server of lib.mjs has exited (its process is not referenced: poll). */
async function gone(srv) {
  while (!srv.exited) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Run `dangjian args --db db`; with killAfter (ms), stop-probe-kill it then unless it has
 * ended. Returns {ms, code, signal, stderr, txOpen, killed}.
 */
export async function runCli(db, args, { killAfter } = {}) {
  const t0 = performance.now();
  const child = spawn(BIN, [...args, '--db', db], { stdio: ['ignore', 'ignore', 'pipe'] });
  const done = closed(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));
  let probe = Promise.resolve({ txOpen: false });
  let timer;
  if (killAfter !== undefined)
    timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) probe = stopProbeKill(child, db);
    }, killAfter);
  const { code, signal } = await done;
  const ms = performance.now() - t0;
  clearTimeout(timer);
  const { txOpen } = await probe;
  await drain(db);
  return { ms, code, signal, stderr, txOpen, killed: signal === 'SIGKILL' };
}

/** A CLI operation: run (maybe killed) and re-run to completion (exit 0). */
function cliOp(name, base, args, specs, checks) {
  return {
    name,
    base,
    steps: () => 1,
    specs,
    checks,
    async run(db, w, { killAfter } = {}) {
      const r = await runCli(db, args(w), { killAfter });
      if (!r.killed && r.code !== 0) throw new Error(`${name}: dangjian ${args(w).join(' ')} → ${r.code ?? r.signal}\n${r.stderr}`);
      return r;
    },
    async rerun(db, w) {
      const r = await runCli(db, args(w));
      return r.code === 0 ? [] : [`re-run exited ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 300)}`];
    },
  };
}

const ndjson = (evs) => evs.map((e) => JSON.stringify(e)).join('\n') + '\n';

/**
 * POST the batches to srv in order, stopping at the first failure; onStep(k) runs after the
 * k-th is stored (not timed). Returns {replies: [{status, body} | {error}], ms: the time
 * spent in the POSTs}.
 */
async function postBatches(srv, w, batches, onStep) {
  const replies = [];
  let ms = 0;
  for (let k = 0; k < batches.length; k++) {
    const t0 = performance.now();
    let r;
    try {
      r = await srv.api('POST', '/api/v1/events', { raw: batches[k], contentType: 'application/x-ndjson', headers: { 'X-API-Key': w.key } });
    } catch (e) {
      replies.push({ error: e.cause?.code || e.message });
      break;
    } finally {
      ms += performance.now() - t0;
    }
    replies.push({ status: r.status, body: r.body });
    if (r.status !== 200) break;
    if (onStep) await onStep(k + 1);
  }
  return { replies, ms };
}

function batchesOf(w) {
  w.batches ??= Array.from({ length: Math.ceil(w.events.length / API_BATCH) }, (_, k) => ndjson(w.events.slice(k * API_BATCH, (k + 1) * API_BATCH)));
  return w.batches;
}

/** Every batch of size events is all there or not at all, and the stored ones come first. */
async function batchChecks(db, w, size) {
  const out = [];
  const per = new Map(
    (await rows(db, `SELECT CAST(substr(key, 7) AS INTEGER) / ${size}, COUNT(*) FROM events WHERE key LIKE 'crash-%' GROUP BY 1`)).map(([b, n]) => [Number(b), Number(n)]),
  );
  let gap = false;
  for (let b = 0; b * size < w.events.length; b++) {
    const have = per.get(b) ?? 0;
    const want = Math.min(size, w.events.length - b * size);
    if (have !== 0 && have !== want) out.push(`batch ${b + 1}: ${have} of its ${want} events stored`);
    if (have === 0) gap = true;
    else if (gap) out.push(`batch ${b + 1} stored after a batch that is not`);
  }
  return out;
}

const eventSpecs = (w, max) => [{ table: 'events', where: `t.id > ${max.events}` }];

export const OPS = [
  {
    name: 'events-api',
    base: 'base',
    specs: eventSpecs,
    checks: (db, w) => batchChecks(db, w, API_BATCH),
    steps: (w) => batchesOf(w).length,
    // the server is killed during the stream of POSTs; it is restarted before the checks
    async run(db, w, { killAfter, onStep } = {}) {
      const srv = await serve(db);
      let probe = null;
      const timer =
        killAfter === undefined
          ? undefined
          : setTimeout(() => {
              probe = stopProbeKill(srv.process, db);
            }, killAfter);
      const { replies, ms } = await postBatches(srv, w, batchesOf(w), onStep);
      clearTimeout(timer);
      const killed = probe !== null;
      if (!killed) {
        await srv.stop();
        const bad = replies.find((r) => r.status !== 200);
        if (bad) throw new Error(`events-api: a batch was refused: ${JSON.stringify(bad).slice(0, 300)}`);
      } else {
        await gone(srv);
        await drain(db);
      }
      return { ms, killed, txOpen: killed && (await probe).txOpen, code: killed ? null : 0, signal: killed ? 'SIGKILL' : null };
    },
    // after the kill the server comes back first, and the checks run beside it
    restart: (db) => serve(db),
    async rerun(db, w, srv) {
      const out = [];
      try {
        const { replies } = await postBatches(srv, w, batchesOf(w));
        replies.forEach((r, k) => {
          const size = Math.min(API_BATCH, w.events.length - k * API_BATCH);
          if (r.status !== 200) out.push(`re-sent batch ${k + 1}: ${r.error ?? `HTTP ${r.status}`}`);
          else if (r.body.accepted + r.body.duplicate !== size) out.push(`re-sent batch ${k + 1}: ${r.body.accepted} accepted + ${r.body.duplicate} duplicates of ${size}`);
        });
        if (replies.length < batchesOf(w).length) out.push(`re-sent ${replies.length} of ${batchesOf(w).length} batches`);
      } finally {
        await srv.stop().catch((e) => out.push(`the restarted server did not stop cleanly: ${e.message.split('\n')[0]}`));
      }
      return out;
    },
  },
  cliOp('events-import', 'base', (w) => ['import', 'events', w.eventsCsv, '--source', 'hr'], eventSpecs, (db, w) => batchChecks(db, w, w.events.length)),
  cliOp(
    'members-import',
    'base',
    (w) => ['import', 'members', w.membersCsv, '--from', String(w.cur)],
    () => [{ table: 'members' }, { table: 'member_orgs' }],
    async (db, w) => {
      const added = await count(db, "SELECT COUNT(*) FROM members WHERE emp_no LIKE 'N%'");
      const changed = await count(db, "SELECT COUNT(*) FROM members WHERE emp_no LIKE 'W%' AND phone <> ''");
      const none = added === 0 && changed === 0;
      return none || (added === w.newcomers && changed === w.known) ? [] : [`${added} of ${w.newcomers} new members and ${changed} of ${w.known} known ones written`];
    },
  ),
  cliOp(
    'dues-generate',
    'base',
    (w) => ['dues', 'generate', '--month', String(w.cur)],
    (w) => [{ table: 'dues_bills', where: `t.month = ${w.cur}` }, { table: 'dues_months', where: `t.month = ${w.cur}` }],
    async (db, w) => {
      const bills = await count(db, `SELECT COUNT(*) FROM dues_bills WHERE month = ${w.cur}`);
      const said = await count(db, `SELECT COALESCE(MAX(bills), 0) FROM dues_months WHERE month = ${w.cur} AND generated_at IS NOT NULL`);
      return bills === said ? [] : [`month ${w.cur}: ${bills} bills but the month says ${said}`];
    },
  ),
  cliOp(
    'dues-confirm',
    'billed',
    (w) => ['dues', 'confirm', '--month', String(w.cur)],
    (w, max) => [
      { table: 'dues_bills', where: `t.month = ${w.cur}` },
      { table: 'dues_batches', where: `t.id > ${max.dues_batches}` },
      { table: 'ledger_entries', where: `t.id > ${max.ledger_entries}` },
      { table: 'ledger_postings', where: `t.entry_id > ${max.ledger_entries}` },
    ],
    async (db, w) => {
      const n = await count(db, `SELECT COUNT(*) FROM dues_bills WHERE month = ${w.cur} AND status = 'confirmed'`);
      return n === 0 || n === w.paying ? [] : [`${n} of the ${w.paying} paid bills confirmed`];
    },
  ),
  cliOp(
    'score-run',
    'scored',
    (w) => ['score', 'run', '--month', String(w.P1)],
    (w) => [
      { table: 'member_scores', where: `t.month = ${w.P1}` },
      { table: 'org_scores', where: `t.month = ${w.P1}` },
      { table: 'score_runs', where: `t.month = ${w.P1}` },
    ],
    async (db, w) => {
      const ms = await count(db, `SELECT COUNT(*) FROM member_scores WHERE month = ${w.P1}`);
      const os = await count(db, `SELECT COUNT(*) FROM org_scores WHERE month = ${w.P1}`);
      const run = await count(db, `SELECT COALESCE(MAX(members), -1) FROM score_runs WHERE month = ${w.P1}`);
      return (run === -1 && ms === 0 && os === 0) || (run === ms && os > 0) ? [] : [`month ${w.P1}: ${ms} member scores, ${os} organization scores, the run says ${run}`];
    },
  ),
  cliOp(
    'dues-close',
    'base',
    (w) => ['dues', 'close', '--month', String(w.P1)],
    (w, max) => [
      { table: 'events', where: `t.id > ${max.events}` },
      { table: 'todos', where: `t.id > ${max.todos}` },
      { table: 'dues_months', where: `t.month = ${w.P1}` },
      { table: 'sources', where: `t.id > ${max.sources}` },
    ],
    async (db, w) => {
      const closed = await count(db, `SELECT COUNT(*) FROM dues_months WHERE month = ${w.P1} AND closed_at IS NOT NULL`);
      const evs = await count(db, `SELECT COUNT(*) FROM events e JOIN sources s ON s.id = e.source_id WHERE s.code = 'dues' AND e.month = ${w.P1}`);
      const todos = await count(db, "SELECT COUNT(*) FROM todos WHERE domain = 'dues'");
      return (closed === 0 && evs === 0 && todos === 0) || (closed === 1 && evs > 0 && todos > 0) ? [] : [`month ${w.P1}: closed ${closed}, ${evs} dues events, ${todos} to-dos`];
    },
  ),
];
