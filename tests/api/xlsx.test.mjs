// .xlsx imports (base/xlsxread.c): the same imports as CSV, over HTTP and the CLI, from
// workbooks written by openpyxl (inline strings, dates as serial numbers with a date format,
// numbers); bad rows named by their sheet row and column, merged headers and damaged files
// refused, nothing half-imported, a named sheet, the caller's subtree and role.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, sql, xlsx, XLSX_TYPE, writeTmp, cliOk } from './fixtures.mjs';

let srv;
let W;

const post = (login, kind, bytes, query = '') =>
  srv.api('POST', `/api/v1/import/${kind}${query}`, { token: W.tokens[login], raw: bytes, contentType: XLSX_TYPE });
const count = (q) => Number(sql(srv.dbUrl, q));

const HEAD = ['工号', '姓名', '性别', '出生日期', '所在组织编码'];
const YEAR = new Date().getUTCFullYear();

before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
});
after(() => srv?.stop());

test('members from an .xlsx: dates stored as numbers, numeric employee numbers, applied whole', async () => {
  const book = xlsx([{ name: '名册', rows: [
    HEAD,
    ['XA001', '赵一', '男', { date: '1980-01-02' }, 'UA-B1'],
    [],
    [10086, '钱二', '女', { date: '1991-12-31' }, 'UA-B2'],
  ] }]);
  const preview = await post('com-a', 'members', book, '?dry_run=true');
  assert.equal(preview.status, 200, preview.text);
  assert.deepEqual(preview.body, { kind: 'members', dry_run: true, encoding: 'xlsx', rows: 2, created: 2, updated: 0 });
  assert.equal(count("SELECT COUNT(*) FROM members WHERE emp_no IN ('XA001', '10086')"), 0);
  const done = await post('com-a', 'members', book);
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.created, 2);
  assert.equal(sql(srv.dbUrl, "SELECT birth_date FROM members WHERE emp_no = '10086'"), '1991-12-31');
  assert.equal(sql(srv.dbUrl, "SELECT birth_date FROM members WHERE emp_no = 'XA001'"), '1980-01-02');
});

test('bad rows are named by sheet row and column, and nothing is written', async () => {
  const book = xlsx([{ rows: [
    [], // an empty first row: the header is row 2
    HEAD,
    ['XB001', '孙三', '男', { date: '1980-01-02' }, 'UA-B1'],
    ['XB002', '李四', '女', '1981-13-40', 'UA-B1'],
    [],
    ['XB003', '周五', '男', { date: '1982-02-03' }, 'NOPE'],
  ] }]);
  const before = count('SELECT COUNT(*) FROM members');
  for (const q of ['?dry_run=true', '']) {
    const r = await post('com-a', 'members', book, q);
    assertError(r, 400, 'invalid');
    const items = r.body.error.details.map(({ row, column, code, value }) => ({ row, column, code, value }));
    assert.deepEqual(items, [
      { row: 4, column: 'birth_date', code: 'invalid_date', value: '1981-13-40' },
      { row: 6, column: 'org_code', code: 'unknown_org', value: 'NOPE' },
    ], r.text);
  }
  assert.equal(count('SELECT COUNT(*) FROM members'), before, 'nothing written');
});

test('a merged header is refused with its range; a damaged package is refused', async () => {
  const before = count('SELECT COUNT(*) FROM members');
  const merged = await post('com-a', 'members', xlsx([{ rows: [HEAD, ['XC001', '吴六', '男', '1980-01-02', 'UA-B1']], merge: ['A1:B1'] }]));
  assertError(merged, 400, 'invalid');
  assert.deepEqual(merged.body.error.details.map(({ code, row, column }) => ({ code, row, column })), [{ code: 'merged_cells', row: 1, column: 'A1:B1' }]);
  const cut = xlsx([{ rows: [HEAD] }]).subarray(0, 300);
  const damaged = await post('com-a', 'members', cut);
  assertError(damaged, 400, 'invalid');
  assert.equal(damaged.body.error.details[0].code, 'invalid_xlsx');
  assert.equal(count('SELECT COUNT(*) FROM members'), before);
});

test('?sheet picks a sheet by name; an unknown one lists the sheets; a CSV takes no sheet', async () => {
  const book = xlsx([
    { name: '说明', rows: [['本工作簿第二页是名册']] },
    { name: '名册', rows: [HEAD, ['XD001', '郑七', '女', { date: '1993-05-06' }, 'UA-B1']] },
  ]);
  const first = await post('com-a', 'members', book, '?dry_run=true');
  assertError(first, 400, 'invalid'); // the first sheet is not a member list
  const named = await post('com-a', 'members', book, `?dry_run=true&sheet=${encodeURIComponent('名册')}`);
  assert.equal(named.status, 200, named.text);
  assert.equal(named.body.rows, 1);
  const unknown = await post('com-a', 'members', book, '?dry_run=true&sheet=Sheet9');
  assertError(unknown, 400, 'invalid');
  assert.deepEqual(unknown.body.error.details.map(({ code, field, value }) => ({ code, field, value })), [{ code: 'invalid_choice', field: 'sheet', value: 'Sheet9' }]);
  assert.match(unknown.body.error.message, /说明, 名册/);
  const csv = await srv.api('POST', '/api/v1/import/members?dry_run=true&sheet=x', { token: W.tokens['com-a'], raw: `${HEAD.join(',')}\n`, contentType: 'text/csv' });
  assertError(csv, 400, 'invalid');
  assert.equal(csv.body.error.details[0].field, 'sheet');
});

test('the caller\'s subtree and role hold for .xlsx as for CSV', async () => {
  const book = xlsx([{ rows: [HEAD, ['XE001', '王八', '男', { date: '1980-01-02' }, 'UB-B1']] }]);
  const other = await post('com-a', 'members', book);
  assertError(other, 400, 'invalid');
  assert.equal(other.body.error.details[0].code, 'outside_scope');
  assertError(await post('mem-a2', 'members', book), 403, 'forbidden');
  assert.equal(count("SELECT COUNT(*) FROM members WHERE emp_no = 'XE001'"), 0);
  assert.equal((await post('com-b', 'members', book)).status, 200);
});

test('income bases from an .xlsx: amounts and years as numbers', async () => {
  const book = xlsx([{ rows: [['工号', '年度', '月收入（元）', '核定人'], ['EA001', YEAR, 3000.5, '人资部'], ['EA003', YEAR, 4000, '人资部']] }]);
  assertError(await post('com-a', 'bases', book), 403, 'forbidden');
  const r = await post('fin-a', 'bases', book);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.rows, 2);
  assert.equal(sql(srv.dbUrl, `SELECT monthly_fen FROM income_bases b JOIN members m ON m.id = b.member_id AND m.tenant_id = b.tenant_id WHERE m.emp_no = 'EA001' AND b.year = ${YEAR}`), '300050');
});

test('the CLI imports events from an .xlsx, by --sheet too', () => {
  const file = writeTmp('events.xlsx', xlsx([
    { name: 'Sheet1', rows: [['无关']] },
    { name: '事件', rows: [['来源事件编号', '工号', '指标代码', '日期', '数值'], ['xl-1', 'EA001', 'study.exam', { date: '2024-01-05' }, 95.5]] },
  ]));
  const r = cliOk(srv, ['import', 'events', file, '--source', 'import', '--sheet', '事件']);
  assert.match(r.stdout, /1 rows \(xlsx\): 1 created/);
  assert.equal(count("SELECT COUNT(*) FROM events WHERE key = 'xl-1' AND day = 20240105 AND value = 95.5"), 1);
  const bad = srv.run(['import', 'events', file, '--sheet', '没有']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /no sheet '没有' in the workbook \(sheets: Sheet1, 事件\)/);
});
