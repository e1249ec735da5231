// CSV imports over HTTP (POST /api/v1/import/orgs|members): the console's preview (dry run)
// lists every bad row with its column and writes nothing; a clean file is applied whole;
// every row must lie in the caller's subtree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, csv, idCard, sql, localDate } from './fixtures.mjs';

let srv;
let W;

const post = (login, kind, text, query = '', contentType = 'text/csv') =>
  srv.api('POST', `/api/v1/import/${kind}${query}`, { token: W.tokens[login], raw: text, contentType });
const count = (q) => Number(sql(srv.dbUrl, q));

const MEMBER_HEAD = ['工号', '姓名', '性别', '出生日期', '入党日期', '所在组织编码', '身份证号'];

before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
});
after(() => srv?.stop());

test('a dry run lists every bad row with its column and writes nothing', async () => {
  const file = csv([
    MEMBER_HEAD,
    ['NA001', '赵一', '男', '1980-01-02', '2005-07-01', 'UA-B1', idCard('19800102', '101')],
    ['NA002', '', '女', '1981-13-40', '', 'UA-B1', ''],
    ['NA003', '钱三', '男', '1982-02-03', '', 'NOPE', ''],
    ['NA001', '赵一', '男', '1980-01-02', '', 'UA-B1', ''],
  ]);
  const before = count('SELECT COUNT(*) FROM members');
  const r = await post('com-a', 'members', file, '?dry_run=true');
  assertError(r, 400, 'invalid');
  const reasons = r.body.error.details.map((d) => d.message).join('\n');
  assert.match(reasons, /row 3, column birth_date/);
  assert.match(reasons, /row 4, column org_code: .*NOPE/);
  assert.match(reasons, /row 5, column emp_no: 'NA001' appears twice/);
  assert.equal(count('SELECT COUNT(*) FROM members'), before, 'nothing written');
  // the same errors without dry_run: still nothing written
  const again = await post('com-a', 'members', file);
  assertError(again, 400, 'invalid');
  assert.equal(count('SELECT COUNT(*) FROM members'), before);
});

test('a clean file: previewed, then applied; history starts at the joining month or ?from', async () => {
  const file = csv([
    MEMBER_HEAD,
    ['NB001', '孙四', '男', '1980-01-02', '2005-07-01', 'UA-B1', idCard('19800102', '201')],
    ['NB002', '周五', '女', '1990-03-04', '', 'UA-B2', ''],
  ]);
  const preview = await post('com-a', 'members', file, '?dry_run=1');
  assert.equal(preview.status, 200, preview.text);
  assert.deepEqual(preview.body, { kind: 'members', dry_run: true, encoding: 'utf-8', rows: 2, created: 2, updated: 0 });
  assert.equal(count("SELECT COUNT(*) FROM members WHERE emp_no LIKE 'NB%'"), 0, 'a preview writes nothing');
  const done = await post('com-a', 'members', file);
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.created, 2);
  assert.equal(done.body.dry_run, false);
  assert.equal(sql(srv.dbUrl, "SELECT mo.from_month FROM member_orgs mo JOIN members m ON m.id = mo.member_id AND m.tenant_id = mo.tenant_id WHERE m.emp_no = 'NB001'"), '200507');
  assert.equal(sql(srv.dbUrl, "SELECT mo.from_month FROM member_orgs mo JOIN members m ON m.id = mo.member_id AND m.tenant_id = mo.tenant_id WHERE m.emp_no = 'NB002'"),
    String(localDate().month));
  const from = await post('com-a', 'members', csv([MEMBER_HEAD, ['NB003', '吴六', '男', '1985-01-01', '2010-01-01', 'UA-B1', '']]), '?from=202401');
  assert.equal(from.status, 200, from.text);
  assert.equal(sql(srv.dbUrl, "SELECT mo.from_month FROM member_orgs mo JOIN members m ON m.id = mo.member_id AND m.tenant_id = mo.tenant_id WHERE m.emp_no = 'NB003'"), '202401');
  // running the same file again updates, creates nothing
  const twice = await post('com-a', 'members', file);
  assert.equal(twice.status, 200, twice.text);
  assert.equal(twice.body.created, 0);
  assert.equal(twice.body.updated, 2);
});

test('GBK files as Excel writes them are read', async () => {
  const text = csv([MEMBER_HEAD, ['NC001', '欧阳锋', '男', '1975/6/1', '', 'UA-B3', '']]);
  const gbk = spawnSync('iconv', ['-f', 'utf-8', '-t', 'gb18030'], { input: Buffer.from(text) });
  assert.equal(gbk.status, 0);
  const r = await post('com-a', 'members', gbk.stdout);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.encoding, 'gb18030');
  assert.equal(sql(srv.dbUrl, "SELECT name FROM members WHERE emp_no = 'NC001'"), '欧阳锋');
});

test('rows outside the caller subtree are errors; roles and content types are checked', async () => {
  // unit A's committee cannot place members in unit B, nor move B's members
  const other = await post('com-a', 'members', csv([MEMBER_HEAD,
    ['ND001', '郑七', '男', '1980-01-02', '', 'UB-B1', ''],
    ['EB002', '杨磊', '男', '1979-11-12', '', 'UA-B1', '']]));
  assertError(other, 400, 'invalid');
  const reasons = other.body.error.details.map((d) => d.message).join('\n');
  assert.match(reasons, /row 2, column org_code: 'UB-B1' is outside your scope/);
  assert.match(reasons, /row 3, column emp_no: member 'EB002' belongs to an organization outside your scope/);
  assert.equal(count("SELECT COUNT(*) FROM members WHERE emp_no = 'ND001'"), 0);
  assert.equal(sql(srv.dbUrl, "SELECT o.code FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.emp_no = 'EB002'"), 'UB-B2');
  // a secretary imports into their own branch only
  const sec = await post('sec-a1', 'members', csv([MEMBER_HEAD, ['NE001', '王八', '男', '1980-01-02', '', 'UA-B1', '']]));
  assert.equal(sec.status, 200, sec.text);
  assertError(await post('sec-a1', 'members', csv([MEMBER_HEAD, ['NE002', '冯九', '男', '1980-01-02', '', 'UA-B2', '']])), 400, 'invalid');
  // members and finance may not import; secretaries may not import organizations
  assertError(await post('mem-a2', 'members', csv([MEMBER_HEAD])), 403, 'forbidden');
  assertError(await post('fin-a', 'members', csv([MEMBER_HEAD])), 403, 'forbidden');
  assertError(await post('sec-a1', 'orgs', 'code,name,parent_code,kind\n'), 403, 'forbidden');
  assertError(await post('com-a', 'members', '{}', '', 'application/json'), 415, 'unsupported_media_type');
  assertError(await post('com-a', 'members', ''), 400, 'invalid');
  assertError(await post('com-a', 'members', csv([MEMBER_HEAD]), '?dry_run=maybe'), 400, 'invalid');
  assertError(await post('com-a', 'members', csv([MEMBER_HEAD]), '?from=2024-13'), 400, 'invalid');
  // a header without a required column names it
  const head = await post('com-a', 'members', csv([['工号', '姓名'], ['X1', '某']]));
  assertError(head, 400, 'invalid');
  assert.match(head.body.error.message, /所在组织编码|org_code/);
});

test('organizations: new ones under a parent in scope; nothing outside it', async () => {
  const head = ['组织编码', '组织名称', '上级组织编码', '组织类型'];
  const ok = await post('com-a', 'orgs', csv([head, ['UA-B4', 'A四支部', 'UA', '党支部'], ['UA-B4-G1', 'A四支部第一党小组', 'UA-B4', '党小组']]));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.created, 2);
  assert.equal(sql(srv.dbUrl, "SELECT p.code FROM orgs o JOIN orgs p ON p.id = o.parent_id WHERE o.code = 'UA-B4-G1'"), 'UA-B4');
  const bad = await post('com-a', 'orgs', csv([head,
    ['UB-B9', 'B九支部', 'UB', '党支部'],
    ['UB-B1', 'B一支部改名', 'UA', '党支部'],
    ['TOP', '新的顶层', '', '党委']]));
  assertError(bad, 400, 'invalid');
  const reasons = bad.body.error.details.map((d) => d.message).join('\n');
  assert.match(reasons, /column parent_code: 'UB' is outside your scope/);
  assert.match(reasons, /column code: organization 'UB-B1' is outside your scope/);
  assert.match(reasons, /column parent_code: required/);
  assert.equal(count("SELECT COUNT(*) FROM orgs WHERE code IN ('UB-B9', 'TOP')"), 0);
  assert.equal(sql(srv.dbUrl, "SELECT name FROM orgs WHERE code = 'UB-B1'"), 'B一支部');
  assertError(await post('com-a', 'orgs', csv([head]), '?from=202401'), 400, 'invalid');
});
