// The world of the dues tests (dues.test.mjs): a server with the seeded organizations, the
// ten dues members D01..D10 with the bills they owe by the 2008 rules, accounts for finance
// and for five of the members, and the helpers the tests read and pay through.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer } from './lib.mjs';
import { readSheet } from './xlsx_read.mjs';
import { seedWorld, writeTmp, csv, cliOk, addUser, signIn, localDate } from './fixtures.mjs';

export let srv;
export let W;
export const M = {}; // emp_no → member id of the dues members below
export const CALLBACK_KEY = 'test-callback-key-0123456789abcdef';

// The dues members: emp_no, name, category, party status, joined, branch, base (yuan, 2024).
// Expected dues (whole base × the rate of its band, fen rounded half up):
//   D01 3000.00 in service → 0.5 % = 15.00     D02 3000.01 → 1 % = 30.00
//   D03 10000.01 → 2 % = 200.00                 D04 retired 5000.01 → 1 % = 50.00
//   D05 farmer 0.20, D06 student 0.20           D07 probationary from 2024-03, 8000 → 120.00
//   D08 no base (listed, never billed zero)     D09 (unit B) 6000 → 1.5 % = 90.00
//   D10 4567.89 → 1 % = 45.6789 → 45.68
export const DUES_MEMBERS = [
  ['D01', '赵一', '男', '1980-01-01', '2005-07-01', '正式党员', '在职', 'UA-B1'],
  ['D02', '钱二', '女', '1981-02-02', '2008-07-01', '正式党员', '在职', 'UA-B1'],
  ['D03', '孙三', '男', '1982-03-03', '2009-07-01', '正式党员', '在职', 'UA-B2'],
  ['D04', '李四', '男', '1950-04-04', '1975-07-01', '正式党员', '离退休', 'UA-B2'],
  ['D05', '周五', '男', '1970-05-05', '2000-07-01', '正式党员', '农民', 'UA-B3'],
  ['D06', '吴六', '女', '2002-06-06', '2022-07-01', '正式党员', '学生', 'UA-B3'],
  ['D07', '郑七', '女', '1995-07-07', '2024-03-15', '预备党员', '在职', 'UA-B1'],
  ['D08', '王八', '男', '1983-08-08', '2010-07-01', '正式党员', '在职', 'UA-B1'],
  ['D09', '冯九', '女', '1984-09-09', '2011-07-01', '正式党员', '在职', 'UB-B1'],
  ['D10', '陈十', '男', '1985-10-10', '2012-07-01', '正式党员', '在职', 'UA-B3'],
];
// the approval record every expenditure carries (migration 007)
export const APPROVAL = { approved_by: '张伟', approver_role: '支部书记', approved_on: '2024-01-05', approval_ref: '支委会决议〔2024〕1号' };
export const DUE = { D01: 1500, D02: 3000, D03: 20000, D04: 5000, D05: 20, D06: 20, D07: 12000, D09: 9000, D10: 4568 };

export const tok = (login) => ({ token: W.tokens[login] });
export const api = (login, method, path, body) => srv.api(method, path, { ...tok(login), body });
export const get = async (login, path) => {
  const r = await api(login, 'GET', path);
  assert.equal(r.status, 200, `GET ${path} as ${login}: ${r.text}`);
  return r.body;
};

export function curMonth() {
  return localDate().month;
}
export function monthAdd(m, n) {
  const i = Math.floor(m / 100) * 12 + (m % 100) - 1 + n;
  return Math.floor(i / 12) * 100 + (i % 12) + 1;
}
export const utc = (y, mo, d) => Date.UTC(y, mo - 1, d, 12) / 1000;

/** No key anywhere in v names money or income: what non-finance staff may never see. */
export function assertNoMoney(v, where) {
  const walk = (x, p) => {
    if (Array.isArray(x)) x.forEach((y, i) => walk(y, `${p}[${i}]`));
    else if (x && typeof x === 'object') {
      for (const [k, y] of Object.entries(x)) {
        assert.ok(!/_fen$|^base_fen$|^rate_bp$|^band$|^monthly|^payments$|^bases$|^credit/.test(k) || (k === 'bases' && Array.isArray(y) && y.every((b) => !('monthly_fen' in b))), `${where}: ${p}.${k} must not be shown`);
        walk(y, `${p}.${k}`);
      }
    }
  };
  walk(v, 'body');
}

export function signed(body) {
  const raw = JSON.stringify(body);
  return { raw, sig: createHmac('sha256', CALLBACK_KEY).update(raw).digest('hex') };
}
export const callback = (raw, sig) =>
  srv.api('POST', '/api/v1/dues/payments/callback', { raw, contentType: 'application/json', headers: sig ? { 'X-Dues-Signature': sig } : {} });

/** The member's regular bill of month (finance view). */
export async function bill(login, emp, month) {
  const b = await get(login, `/api/v1/dues/members/${M[emp]}?from=${month}&to=${month}`);
  return b.bills.find((x) => x.kind === 'regular');
}

/** Cells of the first sheet of an .xlsx reply: {A1: 'text' | number}. */
export function sheet(res, name) {
  assert.equal(res.status, 200, res.text?.slice(0, 300));
  assert.match(res.headers.get('content-type') ?? '', /spreadsheetml\.sheet/);
  return readSheet(writeTmp(name, res.bytes), 1).cells;
}
/** The row number (from 2) whose column col holds value. */
export function rowOf(cells, col, value) {
  for (let r = 2; r < 1000; r++) if (cells[`${col}${r}`] === value) return r;
  assert.fail(`no row with ${col} = ${value} in ${JSON.stringify(cells).slice(0, 500)}`);
}

/** The server, the seeded world and the dues members, each with an account where the tests
 *  sign in as them (before the first test). */
export async function setUp() {
  srv = await startServer();
  W = await seedWorld(srv);
  const file = writeTmp(
    'dues-members.csv',
    csv([['工号', '姓名', '性别', '出生日期', '入党日期', '党员类型', '人员类别', '所在组织编码'], ...DUES_MEMBERS]),
  );
  cliOk(srv, ['import', 'members', file]);
  const list = await srv.api('GET', `/api/v1/members?org_id=${W.orgs.CO}&page_size=200`, tok('admin'));
  for (const m of list.body.items) if (m.emp_no.startsWith('D')) M[m.emp_no] = m.id;
  assert.equal(Object.keys(M).length, 10);
  addUser(srv, 'fin-b', 'finance', 'UB');
  for (const emp of ['D01', 'D02', 'D03', 'D04', 'D09']) addUser(srv, emp.toLowerCase(), 'member', DUES_MEMBERS.find((d) => d[0] === emp)[7], { member: emp });
  for (const l of ['fin-b', 'd01', 'd02', 'd03', 'd04', 'd09']) W.tokens[l] = (await signIn(srv, l)).token;
}
