// Shared fixtures for the API tests: a small two-unit organization tree built through the
// CLI on the test file's own database, accounts for every role, a source with its API key,
// and helpers that lib.mjs does not have.
//
//   CO    公司党委 (committee, root)
//   ├── UA     单位A党委 (committee)
//   │   ├── UA-GB    A总支 (general_branch)
//   │   │   ├── UA-B1    A一支部 (branch): EA001 (secretary), EA002
//   │   │   │   └── UA-B1-G1  A一支部第一党小组 (group)
//   │   │   └── UA-B2    A二支部 (branch): EA003
//   │   └── UA-B3    A三支部 (branch, directly under UA): EA004
//   └── UB     单位B党委 (committee)
//       ├── UB-B1    B一支部 (branch): EB001
//       └── UB-B2    B二支部 (branch): EB002
//
// Accounts (all with PASSWORD):
//   admin   admin@CO          com-a  committee@UA      com-b  committee@UB
//   fin-a   finance@UA        sec-a1 secretary@UA-B1 (member EA001)
//   sec-b1  secretary@UB-B1 (member EB001)
//   mem-a2  member@UA-B1 (member EA002)              mem-b2 member@UB-B2 (member EB002)
//   mem-a3  member@UA-B2 (member EA003)
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT_DIR = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

export const PASSWORD = 'Correct-Horse-42';

// Days and months are the organization's clock, China Standard Time (UTC+8), as on the server
// (src/base/month.h).
export const LOCAL_UTC_OFFSET = 8 * 3600;

/** The local date of an instant (ms since the epoch; default now): {month: YYYYMM, day}. */
export function localDate(ms = Date.now()) {
  const d = new Date(ms + LOCAL_UTC_OFFSET * 1000);
  return { month: d.getUTCFullYear() * 100 + d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The instant (seconds) at which local day d of month (YYYYMM) begins. */
export function localMidnight(month, d = 1) {
  return Date.UTC(Math.floor(month / 100), (month % 100) - 1, d) / 1000 - LOCAL_UTC_OFFSET;
}

let ownTmp = null;
/** DJ_TMP, or a temp dir of our own (removed at exit) when run outside the script. */
export function tmpDir() {
  if (process.env.DJ_TMP) return process.env.DJ_TMP;
  if (!ownTmp) {
    ownTmp = mkdtempSync(path.join(os.tmpdir(), 'dj-fix-'));
    process.on('exit', () => rmSync(ownTmp, { recursive: true, force: true }));
  }
  return ownTmp;
}

/** Write content (string or Buffer) to a new file in the temp dir; returns its path. */
export function writeTmp(name, content) {
  const file = path.join(tmpDir(), `${process.pid}_${randomBytes(4).toString('hex')}_${name}`);
  writeFileSync(file, content);
  return file;
}

/** CSV text (LF line ends) from rows of cells; cells with , " or newlines are quoted. */
export function csv(rows) {
  const cell = (v) => {
    const s = String(v ?? '');
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** An .xlsx workbook written by openpyxl (Debian's python3-openpyxl), as a Buffer: sheets is
 * [{name, rows, merge}] (tests/fixtures/xlsx/openpyxl_write.py says what a cell may be). */
export function xlsx(sheets, { date1904 = false } = {}) {
  const script = path.join(ROOT_DIR, 'tests/fixtures/xlsx/openpyxl_write.py');
  return execFileSync(process.env.DJ_PYTHON ?? '/usr/bin/python3', [script], {
    input: JSON.stringify({ sheets, date1904 }),
    maxBuffer: 64 << 20,
  });
}

/** An .xlsx (a Buffer) read back by openpyxl: its first sheet as {title, freeze, widths,
 * rows, formats, bold_header} (tests/fixtures/xlsx/openpyxl_read.py). */
export function readXlsx(bytes) {
  const script = path.join(ROOT_DIR, 'tests/fixtures/xlsx/openpyxl_read.py');
  return JSON.parse(execFileSync(process.env.DJ_PYTHON ?? '/usr/bin/python3', [script], { input: bytes, maxBuffer: 256 << 20 }).toString('utf8'));
}

/** A valid 18-character ID-card number (ISO 7064 MOD 11-2 check digit). */
export function idCard(birth = '19800102', seq = '123', region = '110105') {
  const body = `${region}${birth}${seq}`;
  assert.equal(body.length, 17, `id card body must be 17 digits: ${body}`);
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * w[i];
  return body + '10X98765432'[sum % 11];
}

/** The same number with a wrong check digit. */
export function badIdCard(birth, seq, region) {
  const good = idCard(birth, seq, region);
  const last = good[17] === '0' ? '1' : '0';
  return good.slice(0, 17) + last;
}

/** Run the CLI on srv's database and assert exit 0; returns {status, stdout, stderr}. */
export function cliOk(srv, args, opts) {
  const r = srv.run(args, opts);
  assert.equal(r.status, 0, `dangjian ${args.join(' ')} → exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r;
}

/** `user add` with the password on stdin. */
export function addUser(srv, login, role, org, { member, password = PASSWORD } = {}) {
  const args = ['user', 'add', '--login', login, '--role', role, '--org', org];
  if (member) args.push('--member', member);
  return cliOk(srv, args, { input: `${password}\n` });
}

/** `source add`; returns the API key printed on stdout. */
export function addSource(srv, code, name = code) {
  const r = cliOk(srv, ['source', 'add', '--code', code, '--name', name]);
  const m = r.stdout.match(/X-API-Key\)?:\s*(\S+)/) ?? r.stdout.match(/\b(dj_\S+)/);
  assert.ok(m, `no API key in the output of source add: ${r.stdout}`);
  return m[1];
}

/** The event count `source list` prints for the source with this code. */
export function sourceEvents(srv, code) {
  const r = cliOk(srv, ['source', 'list']);
  const lines = r.stdout.split('\n');
  const header = lines[0].trim().split(/\s+/);
  const col = header.indexOf('events');
  assert.ok(col >= 0, `no 'events' column in source list:\n${r.stdout}`);
  const codeCol = header.indexOf('code');
  const row = lines.slice(1).map((l) => l.trim().split(/\s+/)).find((f) => f[codeCol] === code);
  assert.ok(row, `source ${code} not in source list:\n${r.stdout}`);
  return Number(row[col]);
}

export const ORG_ROWS = [
  // parents after their children on purpose: the import must order them itself
  ['UA-B1-G1', 'A一支部第一党小组', 'UA-B1', '党小组'],
  ['UA-B1', 'A一支部', 'UA-GB', '党支部'],
  ['UA-B2', 'A二支部', 'UA-GB', '党支部'],
  ['UA-GB', 'A总支', 'UA', '党总支'],
  ['UA-B3', 'A三支部', 'UA', '党支部'],
  ['UA', '单位A党委', 'CO', '党委'],
  ['UB', '单位B党委', 'CO', 'committee'],
  ['UB-B1', 'B一支部', 'UB', 'branch'],
  ['UB-B2', 'B二支部', 'UB', 'branch'],
  ['CO', '公司党委', '', '党委'],
];

export const MEMBER_ROWS = [
  // emp_no, name, gender, birth, org, id_card, phone
  ['EA001', '张伟', '男', '1980-01-02', 'UA-B1', idCard('19800102', '011'), '13800000001'],
  ['EA002', '李娜', '女', '1985-05-06', 'UA-B1', idCard('19850506', '022'), '13900000002'],
  ['EA003', '王芳', '女', '1990-07-08', 'UA-B2', idCard('19900708', '032'), '13700000003'],
  ['EA004', '刘洋', '男', '1975-03-04', 'UA-B3', idCard('19750304', '041'), '13600000004'],
  ['EB001', '陈静', '女', '1988-09-10', 'UB-B1', idCard('19880910', '052'), '15000000005'],
  ['EB002', '杨磊', '男', '1979-11-12', 'UB-B2', idCard('19791112', '061'), '18600000006'],
];

/** Import ORG_ROWS and MEMBER_ROWS through the CLI (Chinese headers). */
export function importTree(srv) {
  const orgs = writeTmp('orgs.csv', csv([['组织编码', '组织名称', '上级组织编码', '组织类型'], ...ORG_ROWS]));
  cliOk(srv, ['import', 'orgs', orgs]);
  const members = writeTmp(
    'members.csv',
    csv([['工号', '姓名', '性别', '出生日期', '所在组织编码', '身份证号', '手机号'], ...MEMBER_ROWS]),
  );
  cliOk(srv, ['import', 'members', members]);
}

/** POST /auth/login; returns the raw reply. */
export function tryLogin(srv, login, password) {
  return srv.api('POST', '/api/v1/auth/login', { body: { login, password } });
}

/** Log in (asserts 200): {token, csrf, cookie, account}. The CSRF token is csrf_token. */
export async function signIn(srv, login, password = PASSWORD) {
  const r = await tryLogin(srv, login, password);
  assert.equal(r.status, 200, `login as ${login}: HTTP ${r.status} ${r.text}`);
  const pair = r.headers
    .getSetCookie()
    .map((c) => c.split(';')[0].trim())
    .find((c) => c.startsWith('dj_session='));
  assert.ok(pair, `login as ${login}: no dj_session cookie`);
  return { token: r.body.token, csrf: r.body.csrf_token, cookie: pair, account: r.body.account };
}

/** Flatten GET /orgs/tree into code → organization. */
export function flattenTree(node, out = {}) {
  out[node.code] = node;
  for (const c of node.children ?? []) flattenTree(c, out);
  return out;
}

/**
 * Build the whole fixture on srv's database: tree, members, accounts, a source 'hr'.
 * Returns {orgs: code → id, members: emp_no → id, key, tokens: login → bearer token}.
 */
export async function seedWorld(srv, { sessions = true } = {}) {
  importTree(srv);
  addUser(srv, 'admin', 'admin', 'ROOT');
  addUser(srv, 'com-a', 'committee', 'UA');
  addUser(srv, 'com-b', 'committee', 'UB');
  addUser(srv, 'fin-a', 'finance', 'UA');
  addUser(srv, 'sec-a1', 'secretary', 'UA-B1', { member: 'EA001' });
  addUser(srv, 'sec-b1', 'secretary', 'UB-B1', { member: 'EB001' });
  addUser(srv, 'mem-a2', 'member', 'UA-B1', { member: 'EA002' });
  addUser(srv, 'mem-a3', 'member', 'UA-B2', { member: 'EA003' });
  addUser(srv, 'mem-b2', 'member', 'UB-B2', { member: 'EB002' });
  const key = addSource(srv, 'hr', '人力资源系统');

  const admin = await signIn(srv, 'admin');
  const tree = await srv.api('GET', '/api/v1/orgs/tree', { token: admin.token });
  assert.equal(tree.status, 200, tree.text);
  const orgs = {};
  for (const [code, o] of Object.entries(flattenTree(tree.body))) orgs[code] = o.id;
  const list = await srv.api('GET', `/api/v1/members?org_id=${orgs.CO}&page_size=200`, { token: admin.token });
  assert.equal(list.status, 200, list.text);
  const members = {};
  for (const m of list.body.items) members[m.emp_no] = m.id;

  const tokens = { admin: admin.token };
  if (sessions) {
    for (const l of ['com-a', 'com-b', 'fin-a', 'sec-a1', 'sec-b1', 'mem-a2', 'mem-a3', 'mem-b2']) {
      tokens[l] = (await signIn(srv, l)).token;
    }
  }
  return { orgs, members, key, tokens };
}

/**
 * Assert an events batch was refused: 400, error envelope code invalid with details
 * [{index, field, code, reason}], and top-level counts {accepted: 0, duplicate: 0, rejected}.
 */
export function assertBatchRejected(res, rejected) {
  const show = res.text;
  assert.equal(res.status, 400, show);
  const b = res.body;
  assert.ok(b && typeof b === 'object' && b.error, `no error envelope: ${show}`);
  assert.equal(b.error.code, 'invalid', show);
  assert.equal(typeof b.error.message, 'string', show);
  assert.ok(Array.isArray(b.error.details), `details must be an array: ${show}`);
  for (const d of b.error.details) {
    assert.equal(typeof d.index, 'number', show);
    assert.equal(typeof d.field, 'string', show);
    assert.ok(typeof d.reason === 'string' && d.reason.length > 0, show);
    assert.ok(typeof d.code === 'string' && d.code.length > 0, show);
  }
  assert.equal(b.accepted, 0, show);
  assert.equal(b.duplicate, 0, show);
  assert.equal(b.rejected, rejected, show);
  return b.error.details;
}

// ---- a database of a test's own, outside startServer (CLI tests)

function psqlBin() {
  if (process.env.DJ_PSQL) return process.env.DJ_PSQL;
  const pg15 = '/usr/lib/postgresql/15/bin/psql';
  return existsSync(pg15) ? pg15 : 'psql';
}

export function isPostgres() {
  return (process.env.DJ_BACKEND || '') === 'postgres' || /^postgres(ql)?:\/\//.test(process.env.DJ_DB ?? '');
}

/** Run one SQL statement on a database URL or SQLite file with psql or sqlite3. */
export function sql(dbUrl, statement) {
  const pg = /^postgres(ql)?:\/\//.test(dbUrl);
  const r = pg
    ? spawnSync(psqlBin(), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', dbUrl, '-c', statement], { encoding: 'utf8' })
    : spawnSync('sqlite3', [dbUrl, statement], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${pg ? 'psql' : 'sqlite3'} failed: ${statement}\n${r.stderr ?? r.error?.message}`);
  return r.stdout.trim();
}

/** A fresh empty database: {url, drop()}. SQLite: a file in the temp dir; PostgreSQL: a new database in DJ_DB's cluster. */
export function tempDatabase() {
  const name = `djx_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (!isPostgres()) {
    const file = path.join(tmpDir(), `${name}.db`);
    return {
      url: file,
      drop() {
        for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
      },
    };
  }
  const base = process.env.DJ_DB;
  sql(base, `CREATE DATABASE "${name}"`);
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop() {
      sql(base, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

// ---- the scoring fixture: March and April 2024 events for the members of the tree

// [emp_no, indicator, date, value, times]
export const SCORE_EVENTS = [
  ['EA002', 'meeting.attend', '2024-03-05', 1, 5],
  ['EA002', 'study.hours', '2024-03-06', 12],
  ['EA002', 'dues.late', '2024-03-31', 1],
  ['EA002', 'perf.rating', '2024-03-20', 4],
  ['EA001', 'honour.award', '2024-03-10', 3],
  ['EA001', 'volunteer.hours', '2024-03-11', 5],
  ['EA003', 'perf.rating', '2024-03-20', 4],
  ['EA004', 'meeting.attend', '2024-03-05', 1],
  ['EB001', 'study.hours', '2024-03-06', 3],
  ['EB002', 'meeting.attend', '2024-03-05', 1, 4],
  ['EB002', 'study.hours', '2024-03-06', 10],
  ['EB002', 'perf.rating', '2024-03-20', 4],
  ['EB002', 'honour.award', '2024-03-21', 1],
  ['EB002', 'discipline.sanction', '2024-03-25', 1],
  ['EA002', 'study.hours', '2024-04-08', 5],
  ['EB002', 'meeting.attend', '2024-04-05', 1, 4],
  ['EB002', 'study.hours', '2024-04-06', 10],
  ['EB002', 'perf.rating', '2024-04-20', 4],
  ['EB002', 'honour.award', '2024-04-21', 1],
];

/** SCORE_EVENTS expanded into one events batch, keys `${prefix}-0`, `${prefix}-1`, ... */
export function scoreEventBatch(prefix) {
  const out = [];
  for (const [emp, indicator, date, value, times = 1] of SCORE_EVENTS) {
    for (let i = 0; i < times; i++) out.push({ key: `${prefix}-${out.length}`, emp_no: emp, indicator, date, value });
  }
  return out;
}

/** Await a reply, assert its status (default 200) and return its body. */
export async function okBody(res, status = 200) {
  const r = await res;
  assert.equal(r.status, status, r.text);
  return r.body;
}

/** Assert a number within 1e-9 of expected. */
export function near(actual, expected, what) {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-9, `${what}: expected ${expected}, got ${actual}`);
}
