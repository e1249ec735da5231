// What must hold after the soak (bench/soak.mjs), read from the database the server wrote:
// the ledger balances (`dangjian dues check`), every event the business system sent is stored
// exactly once, and no payment was settled twice — whatever the provider's repeated callbacks.
import { spawnSync } from 'node:child_process';
import { sql } from '../tests/api/fixtures.mjs';

const rows = (text) => (text ? text.split('\n').map((l) => l.split('|')) : []);

/** `dangjian dues check`: every journal entry balances. */
function ledger(bin, db) {
  const r = spawnSync(bin, ['dues', 'check', '--db', db], { encoding: 'utf8', timeout: 300_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' / ');
  return { ok: r.status === 0, text: `ledger balances (dangjian dues check): ${r.status === 0 ? 'yes' : `NO, exit ${r.status}`} — ${out}` };
}

/** Every key sent stored once: as many rows as distinct keys, as many as were sent. */
function events(db, w) {
  const [[stored, distinct]] = rows(
    sql(db, "SELECT count(*), count(DISTINCT e.key) FROM events e JOIN sources s ON s.id = e.source_id WHERE s.code = 'soak'"),
  ).map((r) => r.map(Number));
  const e = w.events;
  const replies = e.accepted === e.keys && e.duplicate === e.resentKeys;
  const ok = stored === distinct && replies && stored >= e.keys && stored <= e.keys + e.uncertain;
  return {
    ok,
    text:
      `events: ${e.batches} batches, ${e.keys} keys (${e.resent} batches sent again, ${e.together} of them at the same moment); ` +
      `replies said ${e.accepted} accepted, ${e.duplicate} duplicate; stored ${stored} rows, ${distinct} distinct keys` +
      (e.uncertain ? ` (${e.uncertain} keys of failed sends may or may not be in)` : '') +
      (ok ? ': each once' : ': WRONG'),
  };
}

/**
 * Payments: each notice answered once as settled and otherwise as a duplicate; in the
 * database every paid payment's money is in its bills exactly once (sum of the bills it paid,
 * advances and voluntary rows = its amount), a failed one paid nothing, and the callback was
 * applied once (one audit row).
 */
function payments(db, w) {
  const done = w.payments.filter((p) => p.answers.length === p.sends && p.sends > 0);
  const bad = [];
  for (const p of done) {
    const firsts = p.answers.filter((a) => a.duplicate === false);
    const want = p.result === 'success' ? 'paid' : 'failed';
    if (firsts.length !== 1 || firsts[0].status !== want) bad.push(`payment ${p.id}: answers ${JSON.stringify(p.answers)}`);
    if (p.seen !== undefined && p.seen !== want) bad.push(`payment ${p.id}: the member sees ${p.seen}, not ${want}`);
  }
  const inDb = new Map(
    rows(
      sql(
        db,
        'SELECT p.id, p.status, p.amount_fen,' +
          ' COALESCE((SELECT sum(b.amount_fen) FROM dues_bills b WHERE b.payment_id = p.id), 0),' +
          " (SELECT count(*) FROM audit a WHERE a.entity = 'dues_payment' AND a.entity_id = p.id AND a.action = 'callback')" +
          " FROM dues_payments p WHERE p.provider_ref LIKE 'soak-%'",
      ),
    ).map(([id, status, amount, booked, applied]) => [Number(id), { status, amount: Number(amount), booked: Number(booked), applied: Number(applied) }]),
  );
  for (const p of done) {
    const d = inDb.get(p.id);
    const want = p.result === 'success' ? 'paid' : 'failed';
    if (!d) bad.push(`payment ${p.id}: not settled in the database`);
    else if (d.status !== want && !(want === 'paid' && d.status === 'confirmed')) bad.push(`payment ${p.id}: ${d.status}, not ${want}`);
    else if (d.booked !== (want === 'paid' ? d.amount : 0)) bad.push(`payment ${p.id}: ${d.amount} fen paid, ${d.booked} fen booked to its bills`);
    else if (d.applied !== 1) bad.push(`payment ${p.id}: the callback was applied ${d.applied} times`);
  }
  const sends = done.reduce((a, p) => a + p.sends, 0);
  const together = done.filter((p) => p.concurrent).length;
  const failed = done.filter((p) => p.result !== 'success').length;
  return {
    ok: bad.length === 0,
    bad,
    text:
      `payments: ${w.payments.length} made online, ${done.length} called back (${failed} as failed) with ${sends} notices ` +
      `(${done.filter((p) => p.sends > 1).length} sent twice, ${together} of them at the same moment): ` +
      (bad.length ? `${bad.length} WRONG` : 'each settled once, its money in its bills once'),
  };
}

/** Run every check; returns {ok, lines}. */
export function checkAfter({ bin, db, world }) {
  const results = [];
  for (const check of [() => ledger(bin, db), () => events(db, world), () => payments(db, world)]) {
    try {
      results.push(check());
    } catch (err) {
      results.push({ ok: false, text: `check failed to run: ${err.message.split('\n').slice(0, 3).join(' ')}` });
    }
  }
  const lines = [];
  for (const r of results) {
    lines.push(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.text}`);
    for (const b of (r.bad ?? []).slice(0, 10)) lines.push(`         ${b}`);
  }
  return { ok: results.every((r) => r.ok), lines };
}
