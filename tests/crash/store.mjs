// The crash trials' view of a database, from outside the process under test: queries and
// dumps (SQLite through the sqlite3 shell, PostgreSQL through one kept connection per
// database with node-postgres: a new connection costs a backend process, and the trials
// ask many small questions), copies of a prepared database for each trial, and the two
// questions asked at the moment of a kill — is a write transaction open, and (PostgreSQL)
// has the server finished with the killed client's connections.
//
// A database is named by what `dangjian --db` takes: a file path (SQLite) or a
// postgresql:// URL. Every function is async, for both backends alike.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import pg from 'pg';

const FIELD = '\x1f'; // between columns of a dump
const ROW = '\x1e'; // after each row of a dump
const NULL = '\\N';
const APP = 'crash-trials'; // our own connections, never counted as the process under test's

export const isPostgres = (db) => /^postgres(ql)?:\/\//.test(db);

/** Database `name` in the cluster of the PostgreSQL URL `url`. */
export function pgDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

const dbName = (url) => new URL(url).pathname.slice(1);

// ---- PostgreSQL connections: one per database, values as the server's text

const clients = new Map(); // url → Promise<pg.Client>
const asText = { getTypeParser: () => (v) => v };

function connection(url) {
  let c = clients.get(url);
  if (!c) {
    c = (async () => {
      const client = new pg.Client({ connectionString: url, application_name: APP, types: asText });
      await client.connect();
      return client;
    })();
    clients.set(url, c);
    c.catch(() => clients.delete(url));
  }
  return c;
}

/** Close our connection to url (before the database is copied or dropped). */
async function release(url) {
  const c = clients.get(url);
  if (!c) return;
  clients.delete(url);
  await (await c).end().catch(() => {});
}

/** Close every connection we hold (at the end, or the process would stay). */
export async function closeAll() {
  await Promise.all([...clients.keys()].map(release));
}

const admin = (url) => connection(pgDatabase(url, 'postgres'));

// ---- queries

const END = '\x1d'; // a row of its own after each statement's rows (SQLite, several at once)

/**
 * The rows of each statement, as arrays of strings (null for NULL): one sqlite3 process for
 * all of them on SQLite, one after the other on our connection on PostgreSQL.
 */
export async function rowsMany(db, statements) {
  if (isPostgres(db)) {
    const c = await connection(db);
    const out = [];
    for (const text of statements) out.push((await c.query({ text, rowMode: 'array' })).rows);
    return out;
  }
  const script = statements.map((q) => `${q};\nSELECT '${END}';\n`).join('');
  const r = spawnSync('sqlite3', ['-batch', '-bail', '-list', '-separator', FIELD, '-newline', ROW, '-nullvalue', NULL, db], {
    input: script,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${statements.join(';\n')}\n${r.stderr ?? r.error?.message}`);
  const out = [[]];
  for (const line of r.stdout.split(ROW).slice(0, -1)) {
    if (line === END) out.push([]);
    else out.at(-1).push(line.split(FIELD).map((v) => (v === NULL ? null : v)));
  }
  return out.slice(0, -1);
}

/** Rows of statement as arrays of strings (null for NULL). */
export async function rows(db, statement) {
  return (await rowsMany(db, [statement]))[0];
}

/** Run a statement for its effect. */
export async function exec(db, statement) {
  await rows(db, statement);
}

/** The number in column 0 of the first row of statement. */
export async function count(db, statement) {
  return Number((await rows(db, statement))[0][0]);
}

/** A SHA-256 of rows (in their order) and their count. */
export function hashRows(all) {
  const h = createHash('sha256');
  for (const r of all) h.update(r.map((v) => (v === null ? NULL : v)).join(FIELD) + ROW);
  return { rows: all.length, sha: h.digest('hex') };
}

// ---- databases

/**
 * Copy the prepared database `from` into a new database `to` for a trial: a file copy on
 * SQLite (the source has no WAL left: every process that wrote it has closed it), CREATE
 * DATABASE ... TEMPLATE on PostgreSQL (nobody may be connected to the template).
 */
export async function cloneDatabase(from, to) {
  await dropDatabase(to);
  if (!isPostgres(from)) {
    copyFileSync(from, to);
    if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
    return to;
  }
  await release(from);
  await (await admin(from)).query(`CREATE DATABASE "${dbName(to)}" TEMPLATE "${dbName(from)}"`);
  return to;
}

/** Remove a database (a file and its companions on SQLite). */
export async function dropDatabase(db) {
  if (!isPostgres(db)) {
    for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}-journal`]) rmSync(f, { force: true });
    return;
  }
  await release(db);
  await (await admin(db)).query(`DROP DATABASE IF EXISTS "${dbName(db)}" WITH (FORCE)`);
}

/** A new empty database (PostgreSQL), or no file yet at the path (SQLite). */
export async function createDatabase(db) {
  await dropDatabase(db);
  if (isPostgres(db)) await (await admin(db)).query(`CREATE DATABASE "${dbName(db)}"`);
  return db;
}

/** Make a SQLite database one file again (its WAL written back); nothing on PostgreSQL. */
export async function settle(db) {
  if (!isPostgres(db)) await exec(db, 'PRAGMA wal_checkpoint(TRUNCATE)');
}

// ---- at the kill

/** The connections to db that are not ours, as a WHERE clause on pg_stat_activity. */
const others = (db) => `datname = '${dbName(db)}' AND application_name <> '${APP}' AND pid <> pg_backend_pid()`;

/**
 * Whether another connection holds a write transaction open on db right now. Asked while
 * the process under test is stopped (SIGSTOP), so the answer holds at the kill. SQLite:
 * BEGIN IMMEDIATE without waiting fails while another connection holds the write lock
 * (every write of dangjian runs in BEGIN IMMEDIATE). PostgreSQL: a backend of this
 * database other than ours is inside a transaction.
 */
export async function writeTxOpen(db) {
  if (isPostgres(db)) return (await count(pgDatabase(db, 'postgres'), `SELECT COUNT(*) FROM pg_stat_activity WHERE ${others(db)} AND xact_start IS NOT NULL`)) > 0;
  const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 0', db, 'BEGIN IMMEDIATE; ROLLBACK;'], { encoding: 'utf8' });
  if (r.status === 0) return false;
  // "locking protocol" (SQLITE_PROTOCOL): the stopped process holds the WAL index in the
  // middle of a write, which the probe's read cannot get past either: a write is under way
  if (/locked|busy|locking protocol/i.test(r.stderr)) return true;
  throw new Error(`sqlite3 probe of ${db} failed: ${r.stderr}`);
}

/**
 * After a client was killed: wait until the PostgreSQL server has noticed and ended every
 * connection of db (a backend still running a statement notices only when it next talks
 * to the client; until then its transaction is neither committed nor rolled back). SQLite
 * has nothing to wait for: the next process to open the file recovers it. Returns the
 * milliseconds waited; throws after timeoutMs.
 */
export async function drain(db, timeoutMs = 30_000) {
  if (!isPostgres(db)) return 0;
  const t0 = Date.now();
  for (;;) {
    const n = await count(pgDatabase(db, 'postgres'), `SELECT COUNT(*) FROM pg_stat_activity WHERE ${others(db)}`);
    if (n === 0) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${n} connections to ${dbName(db)} still open ${timeoutMs} ms after the kill`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---- the schema

/** Every table of the schema, sorted. */
export async function tables(db) {
  const q = isPostgres(db)
    ? "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1";
  return (await rows(db, q)).map((r) => r[0]);
}

/** The columns of table in their order. */
export async function columns(db, table) {
  const q = isPostgres(db)
    ? `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`
    : `SELECT name FROM pragma_table_info('${table}') ORDER BY cid`;
  return (await rows(db, q)).map((r) => r[0]);
}
