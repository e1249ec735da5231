// PostgreSQL first-class for the commands: the demo (a small one), the default plan, plan check, score run,
// dues close, dues check and a bulletin run on PostgreSQL and on SQLite from the same seed,
// and the two databases must agree: row counts, sums of money, and checksums of the key
// tables read by natural keys (employee numbers, organization codes), and the same bulletin.
// Runs in the PostgreSQL pass of scripts/test-api.sh (it needs both backends).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDatabase, sql, isPostgres, localDate, tmpDir } from './fixtures.mjs';

const BIN = process.env.DJ_BIN || fileURLToPath(new URL('../../dangjian', import.meta.url));

function dj(url, [cmd, ...rest]) {
  const args = [cmd, ...(rest.length && !rest[0].startsWith('-') ? [rest.shift()] : []), '--db', url, ...rest];
  const r = spawnSync(BIN, args.map(String), { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `dangjian ${args.join(' ')} → exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

function monthBefore(month) {
  return month % 100 === 1 ? month - 89 : month - 1;
}

// what must agree, each query portable and ordered; money and counts as integers. The audit
// rows of the demo's event batches are left out: on PostgreSQL the demo stores the members'
// events through two connections at once, one batch more (one audit row each), same events.
const CHECKS = {
  counts: `SELECT (SELECT COUNT(*) FROM orgs), (SELECT COUNT(*) FROM members), (SELECT COUNT(*) FROM accounts),
             (SELECT COUNT(*) FROM income_bases), (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM logins),
             (SELECT COUNT(*) FROM dues_bills), (SELECT COUNT(*) FROM dues_payments), (SELECT COUNT(*) FROM ledger_entries),
             (SELECT COUNT(*) FROM ledger_postings), (SELECT COUNT(*) FROM plan_status), (SELECT COUNT(*) FROM plan_warnings),
             (SELECT COUNT(*) FROM plan_cases), (SELECT COUNT(*) FROM member_scores), (SELECT COUNT(*) FROM org_scores),
             (SELECT COUNT(*) FROM todos), (SELECT COUNT(*) FROM audit WHERE action <> 'ingest')`,
  money: `SELECT (SELECT COALESCE(SUM(amount_fen), 0) FROM dues_bills), (SELECT COALESCE(SUM(amount_fen), 0) FROM dues_payments),
            (SELECT COALESCE(SUM(CASE WHEN amount_fen > 0 THEN amount_fen ELSE 0 END), 0) FROM ledger_postings)`,
  ledger: `SELECT o.code, p.account, SUM(p.amount_fen) FROM ledger_postings p JOIN orgs o ON o.id = p.org_id
           GROUP BY o.code, p.account ORDER BY o.code, p.account`,
  bills: `SELECT m.emp_no, b.month, b.kind, b.status, COALESCE(b.amount_fen, -1) FROM dues_bills b
          JOIN members m ON m.id = b.member_id AND m.tenant_id = b.tenant_id ORDER BY m.emp_no, b.month, b.kind, b.seq`,
  events: `SELECT e.key, i.code, e.day, CAST(ROUND(e.value * 1000) AS BIGINT), o.code FROM events e
           JOIN indicators i ON i.id = e.indicator_id JOIN orgs o ON o.id = e.org_id ORDER BY e.key`,
  scores: `SELECT m.emp_no, s.month, CAST(ROUND(s.idx * 1000) AS BIGINT), s.rank_company, s.events FROM member_scores s
           JOIN members m ON m.id = s.member_id AND m.tenant_id = s.tenant_id ORDER BY m.emp_no, s.month`,
  plans: `SELECT t.code, o.code, s.period, s.level, CAST(ROUND(s.completion * 1000) AS BIGINT) FROM plan_status s
          JOIN plan_tasks t ON t.id = s.task_id AND t.tenant_id = s.tenant_id JOIN orgs o ON o.id = s.org_id ORDER BY t.code, o.code, s.period`,
};

function run(url, label) {
  const { month: cur } = localDate();
  const last = monthBefore(cur);
  dj(url, ['init']);
  dj(url, ['demo', '--orgs', '40', '--members', '300', '--months', '3', '--seed', '11']);
  dj(url, ['plan', 'defaults', '--year', Math.floor(last / 100)]);
  dj(url, ['plan', 'check', '--no-deliver']);
  dj(url, ['score', 'run', '--month', last]);
  dj(url, ['dues', 'close', '--month', last]);
  dj(url, ['dues', 'check']);
  const root = sql(url, 'SELECT code FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1');
  const out = path.join(tmpDir(), `bulletin-${label}-${process.pid}.json`);
  const period = `${Math.floor(last / 100)}-${String(last % 100).padStart(2, '0')}`;
  dj(url, ['plan', 'bulletin', '--org', root, '--period', period, '--out', out]);
  const result = {};
  for (const [name, q] of Object.entries(CHECKS)) {
    const rows = sql(url, q.replace(/\s+/g, ' '));
    result[name] = name === 'counts' || name === 'money' ? rows : createHash('sha256').update(rows).digest('hex');
    result[`${name}_rows`] = rows.split('\n').length;
  }
  result.bulletin = JSON.parse(readFileSync(out, 'utf8'));
  return result;
}

// the instants a run stamps (generated at ...) differ between the two runs
function withoutInstants(v) {
  if (Array.isArray(v)) return v.map(withoutInstants);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => !/generated|_at$/.test(k)).map(([k, x]) => [k, withoutInstants(x)]));
  }
  return v;
}

test('demo, plan check, score run, dues close and a bulletin: PostgreSQL agrees with SQLite', { skip: !isPostgres() && 'needs the PostgreSQL pass', timeout: 600_000 }, () => {
  const pg = tempDatabase(); // DJ_DB's cluster
  const lite = { url: path.join(tmpDir(), `cmp-${process.pid}.db`) };
  try {
    const a = run(lite.url, 'sqlite');
    const b = run(pg.url, 'postgres');
    for (const k of Object.keys(CHECKS)) {
      assert.equal(b[`${k}_rows`], a[`${k}_rows`], `${k}: rows`);
      assert.equal(b[k], a[k], `${k} differs between SQLite and PostgreSQL`);
    }
    // the comparison compared something: the demo and the commands wrote what they should
    assert.ok(Number(a.counts.split('|')[4]) > 1000, `events: ${a.counts}`);
    for (const k of ['bills', 'scores', 'plans', 'ledger']) assert.ok(a[`${k}_rows`] > 50, `${k}: ${a[`${k}_rows`]} rows`);
    assert.ok(JSON.stringify(a.bulletin).length > 500, 'a bulletin with content');
    assert.deepEqual(withoutInstants(b.bulletin), withoutInstants(a.bulletin));
  } finally {
    pg.drop();
    for (const s of ['', '-wal', '-shm', '-locks']) rmSync(lite.url + s, { force: true });
  }
});
