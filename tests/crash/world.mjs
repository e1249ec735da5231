// The databases the crash trials start from, built once per backend through dangjian's own
// commands and API, and the input files of the operations.
//
// The world: a company committee CO, four unit committees U1..U4 with 25 branches each,
// MEMBERS members (in service, retired, a few farmers and students; every 97th without an
// income base, so billed "base missing"), their income bases, the business system `hr`
// (its API key kept), the finance account `fin`, and party dues for the three months before
// this one (P3, P2, P1): generated and published; P1 paid by collections except by every
// 50th member (three months in arrears: warnings when P1 is closed) and confirmed. P1 is not
// closed; this month is not generated.
//
//   base     the world                           events, members import, dues generate, close
//   scored   base + EVENTS events dated in P1    score run of P1
//   billed   base + this month generated,        one-click confirmation of this month
//            published and paid by everyone
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/lib.mjs';
import { csv, localDate, PASSWORD, signIn } from '../api/fixtures.mjs';
import { cloneDatabase, createDatabase, rows, settle } from './store.mjs';

export const BIN = process.env.DJ_BIN || fileURLToPath(new URL('../../dangjian', import.meta.url));

const UNITS = 4;
const BRANCHES = 25; // per unit
const ARREARS_EVERY = 50;
const NO_BASE_EVERY = 97;
const INDICATORS = [
  ['meeting.attend', 1],
  ['themeday.attend', 1],
  ['study.hours', 2],
  ['study.exam', 86],
  ['volunteer.hours', 3],
  ['pioneer.post', 1],
  ['perf.rating', 3],
];

export function monthAdd(m, n) {
  const i = Math.floor(m / 100) * 12 + (m % 100) - 1 + n;
  return Math.floor(i / 12) * 100 + (i % 12) + 1;
}

/** Run `dangjian ARGS --db db` to completion; asserts exit 0; returns stdout. */
export function dj(db, args, input) {
  const argv = [...args.map(String), '--db', db];
  const r = spawnSync(BIN, argv, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `dangjian ${argv.join(' ')} → ${r.status ?? r.signal}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A small deterministic PRNG (mulberry32): the same files every run. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const branch = (i) => `U${1 + (i % UNITS)}-B${1 + (Math.floor(i / UNITS) % BRANCHES)}`;
const empNo = (i) => `W${String(i).padStart(6, '0')}`;
const category = (i) => (i % 10 === 3 ? '离退休' : i % 100 === 7 ? '农民' : i % 100 === 9 ? '学生' : '在职');

/** Start a server on db for the world's API steps (no background jobs). */
export function serve(db) {
  return startServer({ db, init: false, serveArgs: ['--no-jobs'] });
}

/** The bills of month the world's members owe (member emp_no, amount), payers only. */
async function owed(db, month, everyone) {
  return (await rows(
    db,
    `SELECT m.emp_no, b.amount_fen FROM dues_bills b JOIN members m ON m.id = b.member_id WHERE b.month = ${month}` +
      " AND b.kind = 'regular' AND b.status = 'unpaid' AND b.amount_fen > 0 ORDER BY m.emp_no",
  )).filter(([emp]) => everyone || Number(emp.slice(1)) % ARREARS_EVERY !== 0);
}

/** Finance records collections (payroll) of every bill of month listed by owed(). */
async function collect(srv, token, db, month, everyone) {
  const items = (await owed(db, month, everyone)).map(([emp, fen]) => ({ emp_no: emp, months: [month], amount_fen: Number(fen), channel: 'payroll' }));
  const r = await srv.api('POST', '/api/v1/dues/collections', { token, body: { items } });
  assert.equal(r.status, 201, `collections of ${month}: ${r.text.slice(0, 500)}`);
  return items.length;
}

/**
 * Build the three databases under the names in dbs ({base, scored, billed}: paths or
 * URLs) and the operations' files in dir. members and events are the sizes. Returns what
 * the operations need: months, files, the API key, the ids the databases had.
 */
export async function buildWorld(dbs, dir, { members, events, log = () => {} }) {
  let t = performance.now();
  const step = (what) => {
    log(`world: ${what} ${(performance.now() - t).toFixed(0)} ms`);
    t = performance.now();
  };
  const cur = localDate().month;
  const P1 = monthAdd(cur, -1);
  const months = [monthAdd(cur, -3), monthAdd(cur, -2), P1];
  const base = await createDatabase(dbs.base);
  dj(base, ['init']);

  const orgs = [['组织编码', '组织名称', '上级组织编码', '组织类型'], ['CO', '公司党委', '', '党委']];
  for (let u = 1; u <= UNITS; u++) {
    orgs.push([`U${u}`, `第${u}单位党委`, 'CO', '党委']);
    for (let b = 1; b <= BRANCHES; b++) orgs.push([`U${u}-B${b}`, `第${u}单位第${b}党支部`, `U${u}`, '党支部']);
  }
  const file = (name, text) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  dj(base, ['import', 'orgs', file('orgs.csv', csv(orgs))]);
  const people = [['工号', '姓名', '性别', '出生日期', '入党日期', '党员类型', '人员类别', '所在组织编码']];
  const bases = [['工号', '年度', '月收入（元）', '核定人']];
  const years = [...new Set([...months, cur].map((m) => Math.floor(m / 100)))];
  for (let i = 1; i <= members; i++) {
    const year = 1950 + (i % 50);
    people.push([empNo(i), `党员${i}`, i % 2 ? '男' : '女', `${year}-0${1 + (i % 9)}-1${i % 10}`, `${Math.max(year + 18, 1985) + (i % 5)}-07-01`, '正式党员', category(i), branch(i)]);
    if (i % NO_BASE_EVERY !== 0 && (category(i) === '在职' || category(i) === '离退休'))
      for (const y of years) bases.push([empNo(i), String(y), String(1500 + ((i * 37) % 14000)), '人力资源部']);
  }
  dj(base, ['import', 'members', file('world-members.csv', csv(people))]);
  dj(base, ['import', 'bases', file('bases.csv', csv(bases))]);
  step('organizations, members, bases');
  const key = /X-API-Key\)?:\s*(\S+)/.exec(dj(base, ['source', 'add', '--code', 'hr', '--name', '人资系统']))?.[1];
  assert.ok(key, 'no API key printed by source add');
  dj(base, ['user', 'add', '--login', 'fin', '--role', 'finance', '--org', 'CO'], `${PASSWORD}\n`);
  for (const m of months) {
    dj(base, ['dues', 'generate', '--month', String(m)]);
    dj(base, ['dues', 'publish', '--month', String(m)]);
  }
  step('source, user, three months generated and published');
  // P1 is paid and confirmed but by every 50th member: three months in arrears at its close
  let srv = await serve(base);
  try {
    await collect(srv, (await signIn(srv, 'fin')).token, base, P1, false);
  } finally {
    await srv.stop();
  }
  dj(base, ['dues', 'confirm', '--month', String(P1)]);
  step(`${P1} collected and confirmed`);

  // the operations' input: events dated in P1, and a members file of new and known members
  const emp = (
    await rows(
      base,
    `SELECT m.emp_no FROM members m JOIN member_orgs mo ON mo.member_id = m.id WHERE mo.from_month <= ${P1}` +
        ` AND (mo.to_month IS NULL OR mo.to_month >= ${P1}) AND m.status = 'active' ORDER BY m.emp_no`,
    )
  ).map((r) => r[0]);
  const r = rng(20261205);
  const evs = [];
  const days = 28;
  for (let i = 0; i < events; i++) {
    const [indicator, value] = INDICATORS[Math.floor(r() * INDICATORS.length)];
    const day = 1 + Math.floor(r() * days);
    evs.push({ key: `crash-${String(i).padStart(7, '0')}`, emp_no: emp[Math.floor(r() * emp.length)], indicator, date: `${Math.floor(P1 / 100)}-${String(P1 % 100).padStart(2, '0')}-${String(day).padStart(2, '0')}`, value });
  }
  const eventsCsv = file('events.csv', csv([['key', 'emp_no', 'indicator', 'date', 'value'], ...evs.map((e) => [e.key, e.emp_no, e.indicator, e.date, e.value])]));
  const newcomers = [['工号', '姓名', '性别', '入党日期', '人员类别', '所在组织编码', '手机号']];
  for (let i = 1; i <= members; i++) {
    // one row in ten is a known member: a new phone number, and one in two of those moves
    const isKnown = i % 10 === 0;
    const who = isKnown ? empNo(i) : `N${String(i).padStart(6, '0')}`;
    const org = isKnown && i % 20 === 0 ? branch(i + 1) : branch(i);
    newcomers.push([who, `${isKnown ? '党员' : '新党员'}${i}`, i % 2 ? '男' : '女', `20${10 + (i % 15)}-07-01`, category(i), org, `139${String(10000000 + i).slice(-8)}`]);
  }
  const membersCsv = file('members.csv', csv(newcomers));
  const known = Math.floor(members / 10);

  step('input files');
  const scored = await cloneDatabase(base, dbs.scored);
  dj(scored, ['import', 'events', eventsCsv, '--source', 'hr']);
  step('scored');
  const billed = await cloneDatabase(base, dbs.billed);
  dj(billed, ['dues', 'generate', '--month', String(cur)]);
  dj(billed, ['dues', 'publish', '--month', String(cur)]);
  srv = await serve(billed);
  let paying;
  try {
    paying = await collect(srv, (await signIn(srv, 'fin')).token, billed, cur, true);
  } finally {
    await srv.stop();
  }
  step('billed');
  for (const db of [base, scored, billed]) await settle(db);
  return { cur, P1, key, events: evs, eventsCsv, membersCsv, newcomers: members - known, known, paying };
}
