// The console's lists as .xlsx (?format=xlsx, base/xlsxwrite.c): members, bills, warnings,
// the leaderboard and the audit log, read back with openpyxl: Chinese headers in a bold frozen
// first row, column widths, amounts as numbers formatted ¥#,##0.00; the same scope and role
// checks as the JSON lists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, readXlsx, XLSX_TYPE } from './fixtures.mjs';

let srv;
let W;

const CUR = (() => {
  const d = new Date(Date.now() + 8 * 3600 * 1000);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
})();
const get = (login, url) => srv.api('GET', url, { token: W.tokens[login] });
async function book(login, url) {
  const r = await get(login, url);
  assert.equal(r.status, 200, `${url}: ${r.text?.slice(0, 300)}`);
  assert.equal(r.headers.get('content-type'), XLSX_TYPE);
  const x = readXlsx(r.bytes);
  assert.equal(x.freeze, 'A2', 'the header row is frozen');
  assert.ok(x.bold_header, 'the header row is bold');
  assert.ok(Object.keys(x.widths).length >= 2, 'columns have widths');
  return x;
}
const rowOf = (x, col, value) => x.rows.find((r) => r[col] === value);

before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
});
after(() => srv?.stop());

test('members: the whole list of the caller\'s subtree, masked, with Chinese headers', async () => {
  const x = await book('com-a', `/api/v1/members?org_id=${W.orgs.UA}&page_size=1&format=xlsx`);
  assert.equal(x.title, '党员名册');
  assert.deepEqual(x.rows[0], ['工号', '姓名', '性别', '出生日期', '入党日期', '党员类型', '人员类别', '职务', '手机号', '组织编码', '所在组织', '状态']);
  const emps = x.rows.slice(1).map((r) => r[0]).sort();
  assert.ok(emps.length > 1, 'every page, not page_size=1');
  assert.ok(emps.includes('EA001') && emps.includes('EA003'));
  assert.ok(!emps.some((e) => e.startsWith('EB')), 'nothing of unit B');
  const ea1 = rowOf(x, 0, 'EA001');
  assert.equal(ea1[10], 'A一支部');
  if (ea1[8]) assert.match(ea1[8], /\*/, 'phone masked as in the JSON');
  assertError(await get('mem-a2', '/api/v1/members?format=xlsx'), 403, 'forbidden');
  assertError(await get('com-a', `/api/v1/members?org_id=${W.orgs.UB}&format=xlsx`), 403, 'forbidden');
  const bad = await get('com-a', '/api/v1/members?format=pdf');
  assertError(bad, 400, 'invalid');
  assert.deepEqual([bad.body.error.details[0].code, bad.body.error.details[0].field], ['invalid_choice', 'format']);
});

test('bills: amounts as numbers formatted ¥#,##0.00 for finance; statuses only for others', async () => {
  const bases = ['工号,年度,月收入（元）,核定人', `EA001,${Math.floor(CUR / 100)},3000.50,人资部`, `EA003,${Math.floor(CUR / 100)},4000,人资部`].join('\n') + '\n';
  const imp = await srv.api('POST', '/api/v1/import/bases', { token: W.tokens['fin-a'], raw: bases, contentType: 'text/csv' });
  assert.equal(imp.status, 200, imp.text);
  const gen = await srv.api('POST', '/api/v1/dues/generate', { token: W.tokens['fin-a'], body: { month: CUR, org_id: W.orgs.UA } });
  assert.equal(gen.status, 200, gen.text);
  const x = await book('fin-a', `/api/v1/dues/bills?org_id=${W.orgs.UA}&month=${CUR}&format=xlsx`);
  assert.equal(x.title, '党费账单');
  assert.deepEqual(x.rows[0], ['月份', '工号', '姓名', '所在组织', '状态', '计算基数（元）', '费率（基点）', '应缴金额（元）', '缴费日期', '按时交纳']);
  const i = x.rows.findIndex((r) => r[1] === 'EA001');
  assert.ok(i > 0, JSON.stringify(x.rows));
  assert.equal(x.rows[i][0], CUR);
  assert.equal(x.rows[i][5], 3000.5, 'the base in yuan, a number');
  assert.equal(typeof x.rows[i][7], 'number');
  assert.equal(x.formats[i][5], '"¥"#,##0.00');
  assert.equal(x.formats[i][7], '"¥"#,##0.00');
  const staff = await book('com-a', `/api/v1/dues/bills?org_id=${W.orgs.UA}&month=${CUR}&format=xlsx`);
  const j = staff.rows.findIndex((r) => r[1] === 'EA001');
  assert.equal(staff.rows[j][5], null, 'no amounts for committee staff');
  assert.equal(staff.rows[j][7], null);
  assertError(await get('fin-a', `/api/v1/dues/bills?org_id=${W.orgs.UB}&month=${CUR}&format=xlsx`), 403, 'forbidden');
});

test('warnings: the header of an empty list; the scope holds', async () => {
  const x = await book('com-a', `/api/v1/plans/warnings?org_id=${W.orgs.UA}&format=xlsx`);
  assert.equal(x.title, '预警清单');
  assert.deepEqual(x.rows[0], ['预警级别', '组织', '任务编码', '任务', '期间', '完成率', '应完成', '预警日期']);
  assertError(await get('com-a', `/api/v1/plans/warnings?org_id=${W.orgs.UB}&format=xlsx`), 403, 'forbidden');
});

test('leaderboard: the whole board for staff, ranks and indexes as numbers', async () => {
  const run = await srv.api('POST', '/api/v1/score/runs', { token: W.tokens.admin, body: { month: CUR } });
  assert.equal(run.status, 200, run.text);
  const x = await book('admin', `/api/v1/leaderboard?scope=company&month=${CUR}&page_size=1&format=xlsx`);
  assert.equal(x.title, '排行榜');
  assert.deepEqual(x.rows[0], ['名次', '姓名', '所在组织', '先锋指数']);
  assert.ok(x.rows.length > 2, `every page: ${JSON.stringify(x.rows)} ${run.text}`);
  assert.equal(typeof x.rows[1][0], 'number');
  assert.equal(typeof x.rows[1][3], 'number');
  assertError(await get('com-a', `/api/v1/leaderboard?org_id=${W.orgs.UB}&scope=unit&month=${CUR}&format=xlsx`), 403, 'forbidden');
});

test('audit: times, actors and the detail as text; only for organization admins', async () => {
  const x = await book('admin', '/api/v1/audit?format=xlsx');
  assert.equal(x.title, '操作日志');
  assert.deepEqual(x.rows[0], ['时间', '操作人账号', '操作人', '组织', '操作', '对象', '对象编号', '内容']);
  const imp = x.rows.find((r) => r[4] === 'import' && r[1] === 'fin-a');
  assert.ok(imp, JSON.stringify(x.rows.slice(0, 5)));
  assert.match(imp[0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assertError(await get('fin-a', '/api/v1/audit?format=xlsx'), 403, 'forbidden');
  const a = await book('com-a', '/api/v1/audit?format=xlsx');
  assert.ok(!a.rows.slice(1).some((r) => r[3] && r[3].startsWith('单位B')), 'nothing of unit B');
});
