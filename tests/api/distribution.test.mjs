// The schema stays ready to be distributed by tenant on Citus (docs/SCALE.md, issue 17).
// src/db/distribution.txt classifies every table as distributed (with its distribution
// column), reference or local; this test reads it and the schema of a migrated database
// (PostgreSQL: the catalog; SQLite: sqlite_master and pragmas) and checks:
//   1. every table is classified, and every classified table exists;
//   2. a distributed table has its distribution column, NOT NULL (Citus refuses a row
//      without a distribution value);
//   3. Citus: a primary key, unique constraint or unique index of a distributed table
//      contains the distribution column (PostgreSQL only, see below);
//   4. Citus: a foreign key between two distributed tables contains the distribution
//      column on both sides, paired with each other, and the two tables are colocated (the
//      same distribution column type; PostgreSQL only);
//   5. Citus: no foreign key goes from a reference or local table to a distributed table
//      (both backends).
// SQLite is the single-node backend and is never distributed: migration 015 gave its
// distributed tables tenant_id but kept their keys (rowid tables stay fast), so rules 3 and
// 4 are checked on PostgreSQL. An upgrade of a 014 database with rows keeps them, and the
// checks are shown to fail on a schema that breaks each rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempDatabase, sql, isPostgres } from './fixtures.mjs';

const BIN = process.env.DJ_BIN || fileURLToPath(new URL('../../dangjian', import.meta.url));
const PLACEMENT = fileURLToPath(new URL('../../src/db/distribution.txt', import.meta.url));
const KINDS = new Set(['distributed', 'reference', 'local']);

function dj(...args) {
  const r = spawnSync(BIN, args.map(String), { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `dangjian ${args.join(' ')} → exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** distribution.txt as Map(table → {kind, column}); throws on a malformed line. */
export function readPlacement(text = readFileSync(PLACEMENT, 'utf8')) {
  const out = new Map();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (!line || line.startsWith('#')) return;
    const m = /^(\w+)\s+(\w+)(?:\s+(\w+))?\s+--\s+\S/.exec(line);
    assert.ok(m, `distribution.txt:${i + 1}: "NAME KIND [COLUMN] -- reason" expected: ${line}`);
    const [, table, kind, column] = m;
    assert.ok(KINDS.has(kind), `distribution.txt:${i + 1}: unknown kind ${kind}`);
    assert.equal(kind === 'distributed', Boolean(column), `distribution.txt:${i + 1}: a column goes with distributed only`);
    assert.ok(!out.has(table), `distribution.txt:${i + 1}: ${table} listed twice`);
    out.set(table, { kind, column });
  });
  return out;
}

const rows = (url, q) => {
  const text = sql(url, q);
  return text ? text.split('\n').map((l) => l.split('|')) : [];
};

/** The schema of the database at url: {tables: Map(name → Map(column → {type, notNull})),
 *  keys: [{table, name, cols}], fks: [{table, name, cols, ref, refcols}]}. keys holds primary
 *  and unique keys (constraints and unique indexes; an expression's column is null); on SQLite
 *  it stays empty (its keys are not meant for Citus). */
export function readSchema(url) {
  const tables = new Map();
  const keys = [];
  const fks = [];
  const col = (t, c, type, notNull) => {
    if (!tables.has(t)) tables.set(t, new Map());
    if (c) tables.get(t).set(c, { type: type.toLowerCase(), notNull });
  };
  if (/^postgres(ql)?:\/\//.test(url)) {
    for (const [t] of rows(url, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`)) col(t);
    for (const [t, c, type, nullable] of rows(url, `SELECT table_name, column_name, data_type, is_nullable
                                                     FROM information_schema.columns WHERE table_schema = 'public'`)) {
      if (tables.has(t)) col(t, c, type, nullable === 'NO');
    }
    const names = (rel, arr) => `(SELECT string_agg(COALESCE(a.attname, '?'), ',' ORDER BY k.i)
        FROM unnest(${arr}) WITH ORDINALITY AS k(n, i) LEFT JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.n)`;
    for (const [t, name, cols] of rows(url, `SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text,
          ${names('i.indrelid', 'i.indkey::int2[]')} FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND i.indisunique`)) {
      keys.push({ table: t, name, cols: cols.split(',').map((c) => (c === '?' ? null : c)) });
    }
    for (const [t, name, ref, cols, refcols] of rows(url, `SELECT c.conrelid::regclass::text, c.conname,
          c.confrelid::regclass::text, ${names('c.conrelid', 'c.conkey')}, ${names('c.confrelid', 'c.confkey')}
          FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
          WHERE n.nspname = 'public' AND c.contype = 'f'`)) {
      fks.push({ table: t, name, ref, cols: cols.split(','), refcols: refcols.split(',') });
    }
    return { tables, keys, fks };
  }
  for (const [t, c, type, notNull] of rows(url, `SELECT m.name, p.name, p.type, p."notnull" FROM sqlite_master m
        JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)) {
    col(t, c, type, notNull === '1');
  }
  const byId = new Map();
  for (const [t, id, ref, from, to] of rows(url, `SELECT m.name, f.id, f."table", f."from", f."to" FROM sqlite_master m
        JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq`)) {
    const k = `${t}#${id}`;
    if (!byId.has(k)) byId.set(k, { table: t, name: k, ref, cols: [], refcols: [] });
    byId.get(k).cols.push(from);
    byId.get(k).refcols.push(to);
  }
  fks.push(...byId.values());
  return { tables, keys, fks };
}

/** Every breach of rules 1–5 (see the header) in schema under placement, one line each. */
export function placementProblems(schema, placement) {
  const out = [];
  const dist = (t) => (placement.get(t)?.kind === 'distributed' ? placement.get(t).column : null);
  for (const t of schema.tables.keys()) if (!placement.has(t)) out.push(`${t}: not classified in distribution.txt`);
  for (const [t, p] of placement) {
    const cols = schema.tables.get(t);
    if (!cols) out.push(`${t}: classified but not in the schema`);
    else if (p.kind === 'distributed' && !cols.get(p.column)?.notNull) {
      out.push(`${t}: distribution column ${p.column} missing or nullable`);
    }
  }
  for (const k of schema.keys) {
    const c = dist(k.table);
    if (c && !k.cols.includes(c)) out.push(`${k.table}: unique key ${k.name} (${k.cols.join(', ')}) lacks ${c}`);
  }
  for (const f of schema.fks) {
    const c = dist(f.table);
    const rc = dist(f.ref);
    const kind = placement.get(f.table)?.kind;
    if (rc && !c) out.push(`${f.table}: ${kind} table has foreign key ${f.name} to distributed ${f.ref}`);
    if (!c || !rc || !schema.keys.length) continue; // SQLite: keys are not Citus's (see header)
    const i = f.cols.indexOf(c);
    if (i < 0 || f.refcols[i] !== rc) {
      out.push(`${f.table}: foreign key ${f.name} (${f.cols.join(', ')}) → ${f.ref}(${f.refcols.join(', ')}) does not pair ${c} with ${rc}`);
    }
    const a = schema.tables.get(f.table)?.get(c)?.type;
    const b = schema.tables.get(f.ref)?.get(rc)?.type;
    if (a !== b) out.push(`${f.table}: not colocated with ${f.ref} (${c} ${a}, ${rc} ${b})`);
  }
  return out;
}

test('distribution.txt classifies every table and the migrated schema keeps the Citus rules', () => {
  const placement = readPlacement();
  const db = tempDatabase();
  try {
    dj('init', '--db', db.url);
    const schema = readSchema(db.url);
    assert.deepEqual(placementProblems(schema, placement), []);
    assert.ok(schema.tables.size >= 50, `a schema of ${schema.tables.size} tables read`);
    const distributed = [...placement.values()].filter((p) => p.kind === 'distributed');
    assert.ok(distributed.length >= 30 && distributed.every((p) => p.column === 'tenant_id'));
    if (isPostgres()) {
      assert.ok(schema.keys.length >= 60, `${schema.keys.length} unique keys read`);
      assert.ok(schema.fks.some((f) => f.table === 'ledger_postings' && f.cols.includes('tenant_id')));
    } else {
      // SQLite keeps its rowid tables: members.id is still the rowid alone
      assert.equal(sql(db.url, `SELECT group_concat(name) FROM pragma_table_info('members') WHERE pk > 0`), 'id');
    }
  } finally {
    db.drop();
  }
});

test('the checks fail on a schema that breaks each rule', () => {
  const placement = readPlacement();
  const db = tempDatabase();
  try {
    dj('init', '--db', db.url);
    sql(db.url, 'CREATE TABLE stray (id BIGINT)');
    // PostgreSQL: a foreign key to members(id) needs a unique key on id alone, itself a breach
    if (isPostgres()) sql(db.url, 'CREATE UNIQUE INDEX members_id_uq ON members(id)');
    sql(db.url, 'CREATE TABLE ref_to_dist (id BIGINT, member_id BIGINT REFERENCES members(id))');
    const broken = new Map(placement).set('ref_to_dist', { kind: 'reference' }).set('gone', { kind: 'local' });
    if (isPostgres()) {
      sql(db.url, `ALTER TABLE dues_bills ADD CONSTRAINT bills_member_fk FOREIGN KEY (member_id, tenant_id)
                   REFERENCES members(id, tenant_id)`);
      sql(db.url, `ALTER TABLE dues_terms ADD CONSTRAINT terms_member_fk FOREIGN KEY (member_id) REFERENCES members(id)`);
    }
    broken.set('events', { kind: 'distributed', column: 'shard' });
    const problems = placementProblems(readSchema(db.url), broken);
    const has = (re) => assert.ok(problems.some((p) => re.test(p)), `${re} not in\n${problems.join('\n')}`);
    has(/^stray: not classified/);
    has(/^gone: classified but not in the schema/);
    has(/^events: distribution column shard missing/);
    has(/^ref_to_dist: reference table has foreign key .* to distributed members/);
    if (isPostgres()) {
      has(/^members: unique key members_id_uq \(id\) lacks tenant_id/);
      has(/^events: unique key events_source_key .* lacks shard/);
      has(/^dues_terms: foreign key terms_member_fk \(member_id\) → members\(id\) does not pair/);
      assert.ok(!problems.some((p) => p.startsWith('dues_bills:')), problems.join('\n'));
    }
  } finally {
    db.drop();
  }
});

test('an upgrade of a 014 database with rows keeps them and moves its keys to the tenant', () => {
  const db = tempDatabase();
  try {
    dj('init', '--db', db.url, '--until', 14);
    assert.equal(sql(db.url, 'SELECT MAX(version) FROM schema_version'), '14');
    const t = 1733000000;
    for (const q of [
      `INSERT INTO orgs(id, code, name, kind, parent_id, path, depth, created_at, updated_at)
         VALUES (1, 'C1', '公司党委', 'committee', NULL, '/1/', 1, ${t}, ${t}), (2, 'B2', '第一支部', 'branch', 1, '/1/2/', 2, ${t}, ${t})`,
      `INSERT INTO members(id, org_id, org_path, emp_no, name, created_at, updated_at)
         VALUES (1, 2, '/1/2/', 'E1', '张三', ${t}, ${t}), (2, 2, '/1/2/', 'E2', '李四', ${t}, ${t})`,
      `INSERT INTO accounts(id, login, password_hash, member_id, created_at, updated_at) VALUES (1, 'zs', 'x', 1, ${t}, ${t})`,
      `INSERT INTO sessions(token_hash, account_id, csrf, created_at, expires_at) VALUES ('ab', 1, 'c', ${t}, ${t + 3600})`,
      `INSERT INTO ledger_entries(id, org_id, kind, idem_key, month, created_at) VALUES (1, 2, 'publish', 'k1', 202411, ${t})`,
      `INSERT INTO ledger_entries(id, org_id, kind, idem_key, month, reverses_id, created_at) VALUES (2, 2, 'publish', 'k2', 202411, 1, ${t})`,
      `INSERT INTO events(id, source_id, key, org_id, member_id, indicator_id, day, month, value, created_at)
         VALUES (1, 1, 'ev1', 2, 1, 1, 20241105, 202411, 1, ${t})`,
    ]) sql(db.url, q);
    const counts = `SELECT (SELECT COUNT(*) FROM orgs), (SELECT COUNT(*) FROM members), (SELECT COUNT(*) FROM accounts),
                           (SELECT COUNT(*) FROM sessions), (SELECT COUNT(*) FROM ledger_entries), (SELECT COUNT(*) FROM events)`;
    const before = sql(db.url, counts);
    dj('init', '--db', db.url);
    // every migration after 14 applied, 15 (the tenant keys) among them
    const latest = Math.max(...readdirSync(fileURLToPath(new URL('../../src/db/migrations/', import.meta.url)))
      .filter((f) => /^\d{3}_.*\.sql$/.test(f)).map((f) => Number(f.slice(0, 3))));
    assert.ok(latest >= 15);
    assert.equal(sql(db.url, 'SELECT MAX(version) FROM schema_version'), String(latest));
    assert.equal(sql(db.url, counts), before);
    assert.equal(sql(db.url, 'SELECT MIN(tenant_id) || \',\' || MAX(tenant_id) FROM members'), '1,1');
    assert.equal(sql(db.url, 'SELECT reverses_id FROM ledger_entries WHERE id = 2'), '1');
    assert.deepEqual(placementProblems(readSchema(db.url), readPlacement()), []);
    // the keys still refuse a duplicate, and ON CONFLICT with the tenant last works on both
    // the keys still refuse a duplicate; on PostgreSQL an ON CONFLICT target names the tenant
    // last (the SQLite backend drops it when it prepares; sqlite3 here does not)
    const target = isPostgres() ? '(idem_key, tenant_id)' : '(idem_key)';
    sql(db.url, `INSERT INTO ledger_entries(org_id, kind, idem_key, month, created_at) VALUES (2, 'publish', 'k1', 202411, ${t})
                 ON CONFLICT ${target} DO NOTHING`);
    assert.equal(sql(db.url, 'SELECT COUNT(*) FROM ledger_entries'), '2');
    assert.throws(() => sql(db.url, `INSERT INTO members(org_id, org_path, emp_no, name, created_at, updated_at)
                                     VALUES (2, '/1/2/', 'E1', 'x', 0, 0)`), /UNIQUE|unique/);
  } finally {
    db.drop();
  }
});
