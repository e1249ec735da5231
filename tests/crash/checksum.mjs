// Checksums of what an operation writes, to compare a database after a kill and a re-run
// with the database an uninterrupted run left.
//
// A state is the row count of every table plus, for each table the operation writes, a
// SHA-256 of its rows (those the operation may touch: `where`), each row with every column
// but the ones that legitimately differ between two correct runs, rows sorted by all their
// columns. What differs legitimately, by name:
//
//   id                  generated ids: PostgreSQL's sequences are not transactional, so a
//                       run rolled back by a kill leaves a gap and the re-run's rows get
//                       other ids (SQLite reuses them); rows are compared without them, and
//                       columns pointing at rows the operation makes are replaced by
//                       natural keys (REPLACE below)
//   at, *_at            when something ran (created, generated, confirmed, closed...):
//                       compared as set or not set
//   sources.key_hash,   the random API key of a source an operation creates (dues close
//   sources.key_prefix  creates the internal 'dues' source)
//   audit               in the comparison after a re-run: a run that had committed before
//                       its kill and is run again is rightly audited twice. It is part of
//                       the state checked right after the kill (full: true), where at most
//                       one run has happened.
//   score_run_log,      a month's runs: a score run that had committed before its kill and is
//   score_runs.run      run again is rightly the month's second run (its numbered history,
//                       like the audit, is part of the state checked right after the kill)
//   data_versions       cache counters, bumped by every run (also one that changes nothing)
//   members.phone,      sealed personal data: each seal has a random nonce, so the same
//   members.id_card     number sealed twice differs; compared through phone_hash and
//                       id_card_hash, which are the same for the same number
import { columns, hashRows, isPostgres, rowsMany, tables } from './store.mjs';

const SET = (col) => `CASE WHEN t.${col} IS NULL THEN 0 ELSE 1 END`;
// a one-click confirmation's batch by what it is: the organization and month it confirmed
const BATCH = (expr) => `(SELECT CAST(b.org_id AS TEXT) || '/' || CAST(b.month AS TEXT) FROM dues_batches b WHERE b.id = ${expr})`;

const EXCLUDE = new Set(['id', 'sources.key_hash', 'sources.key_prefix', 'members.phone', 'members.id_card', 'score_runs.run']);
// histories that record each run: counted only in the state right after the kill
const HISTORY = new Set(['audit', 'score_run_log']);
const NOT_COMPARED = new Set(['data_versions']);
const REPLACE = {
  member_id: '(SELECT x.emp_no FROM members x WHERE x.id = t.member_id)',
  source_id: '(SELECT x.code FROM sources x WHERE x.id = t.source_id)',
  batch_id: BATCH('t.batch_id'),
  // a confirmation's journal entry refers to its batch and has the batch id in its key
  'ledger_entries.ref_id': `CASE WHEN t.kind = 'confirm' THEN ${BATCH('t.ref_id')} ELSE CAST(t.ref_id AS TEXT) END`,
  'ledger_entries.idem_key': "CASE WHEN t.kind = 'confirm' THEN 'confirm:(batch):' || CAST(t.org_id AS TEXT) ELSE t.idem_key END",
  'ledger_postings.entry_id':
    "(SELECT x.kind || ':' || CAST(x.org_id AS TEXT) || ':' || CAST(x.month AS TEXT) || ':' ||" +
    ` CASE WHEN x.kind = 'confirm' THEN ${BATCH('x.ref_id')} ELSE CAST(x.ref_id AS TEXT) END` +
    ' FROM ledger_entries x WHERE x.id = t.entry_id)',
};

const schemaCache = new Map(); // backend → {tables, columns: Map}

async function schema(db) {
  const key = isPostgres(db) ? 'postgres' : 'sqlite';
  let s = schemaCache.get(key);
  if (!s) {
    s = { tables: await tables(db), columns: new Map() };
    schemaCache.set(key, s);
  }
  return s;
}

/** The SELECT list of table under the rules above. */
async function selectList(db, table) {
  const s = await schema(db);
  if (!s.columns.has(table)) s.columns.set(table, await columns(db, table));
  const out = [];
  for (const c of s.columns.get(table)) {
    if (EXCLUDE.has(c) || EXCLUDE.has(`${table}.${c}`)) continue;
    const rep = REPLACE[`${table}.${c}`] ?? REPLACE[c];
    if (rep) out.push(rep);
    else if (c === 'at' || c.endsWith('_at')) out.push(SET(c));
    else out.push(`t.${c}`);
  }
  return out;
}

/** The statement that dumps spec {table, where} in canonical order. */
async function specQuery(db, { table, where }) {
  const list = await selectList(db, table);
  const order = list.map((_, i) => i + 1).join(', ');
  return `SELECT ${list.join(', ')} FROM ${table} t${where ? ` WHERE ${where}` : ''} ORDER BY ${order}`;
}

/**
 * The state of db for an operation: the row count of every table (the HISTORY tables only when full)
 * and a hash of each of its tables (specs: {table, where}); full adds the audit rows above
 * auditAfter (the highest audit id before the operation). Returns {key, parts}: two states
 * are the same when their keys are; parts names each piece (for a readable difference).
 */
export async function stateOf(db, specs, { full = false, auditAfter = 0 } = {}) {
  const names = (await schema(db)).tables.filter((t) => !NOT_COMPARED.has(t) && (full || !HISTORY.has(t)));
  const all = full ? [...specs, { name: 'audit', table: 'audit', where: `t.id > ${auditAfter}` }] : specs;
  const queries = [names.map((t) => `SELECT '${t}', COUNT(*) FROM ${t}`).join(' UNION ALL ')];
  for (const s of all) queries.push(await specQuery(db, s));
  const [counts, ...dumps] = await rowsMany(db, queries);
  const parts = {
    counts: counts
      .map((r) => `${r[0]}=${r[1]}`)
      .sort()
      .join(' '),
  };
  all.forEach((s, i) => (parts[s.name ?? `${s.table}${s.where ? ` [${s.where}]` : ''}`] = hashRows(dumps[i])));
  const key = Object.entries(parts)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : `${v.rows} ${v.sha}`}`)
    .join('\n');
  return { key, parts };
}

/** Which parts of two states differ, as text for a report. */
export function stateDiff(a, b) {
  const out = [];
  for (const k of new Set([...Object.keys(a.parts), ...Object.keys(b.parts)])) {
    const x = a.parts[k];
    const y = b.parts[k];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (k === 'counts') {
      const m = (s) => Object.fromEntries(s.split(' ').map((p) => p.split('=')));
      const cx = m(x);
      const cy = m(y);
      out.push(`row counts: ${Object.keys(cx).filter((t) => cx[t] !== cy[t]).map((t) => `${t} ${cx[t]} vs ${cy[t]}`).join(', ')}`);
    } else out.push(`${k}: ${x?.rows} rows vs ${y?.rows} rows${x?.rows === y?.rows ? ' (different content)' : ''}`);
  }
  return out.join('; ');
}
