// Reason codes (error.details[].code): one real request per kind of problem, with the item's
// field or column, row, index, value and limits; and the list of codes the C sources can send
// held against docs/openapi.json and the web app's Chinese texts (web/src/lib/reasons.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, csv, idCard, xlsx, XLSX_TYPE } from './fixtures.mjs';
import { DOC } from './schema.mjs';

const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

let srv;
let W;

before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
  // a second tenant (a provincial company) beside the company's own, for other_tenant
  const t = await srv.api('POST', '/api/v1/orgs', { token: W.tokens.admin, body: { code: 'RS-T', name: '另一省公司党委', kind: '党委', parent_id: W.orgs.CO, tenant: true } });
  assert.equal(t.status, 201, t.text);
  W.orgs['RS-T'] = t.body.id;
});
after(() => srv?.stop());

const MEMBER = { emp_no: 'RS001', name: '周全', org_id: 0, birth_date: '1990-01-02', gender: '男' };
const member = (over) => ({ ...MEMBER, org_id: W.orgs['UA-B1'], ...over });
const APPROVAL = { approved_by: '张伟', approver_role: '支部书记', approved_on: '2024-01-05', approval_ref: '支委会决议〔2024〕1号' };
const MEMBER_HEAD = ['工号', '姓名', '性别', '出生日期', '所在组织编码', '身份证号', '手机号'];

// [reason, who, method, url, {body | raw, contentType, headers}, status, the item's parameters]
// (who: a login of seedWorld, or 'source' for the business system's API key)
const CASES = () => [
  ['required', 'com-a', 'POST', '/api/v1/members', { body: { name: '周全', org_id: W.orgs['UA-B1'] } }, 400, { field: 'emp_no' }],
  ['not_string', 'com-a', 'POST', '/api/v1/members', { body: member({ name: 5 }) }, 400, { field: 'name' }],
  ['not_integer', 'com-a', 'POST', '/api/v1/members', { body: member({ org_id: 'x' }) }, 400, { field: 'org_id' }],
  ['not_number', 'source', 'POST', '/api/v1/events', { body: [{ key: 'r1', emp_no: 'EA001', indicator: 'study.exam', date: '2024-01-05', value: 'x' }] }, 400, { index: 0, field: 'value' }],
  ['not_boolean', 'com-a', 'POST', '/api/v1/import/members?dry_run=maybe', { raw: csv([MEMBER_HEAD]), contentType: 'text/csv' }, 400, { field: 'dry_run', value: 'maybe' }],
  ['not_object', 'fin-a', 'POST', '/api/v1/dues/collections', { body: { items: [5] } }, 400, { index: 0 }],
  ['not_array', 'source', 'POST', '/api/v1/events', { body: { key: 'x' } }, 400, {}],
  ['too_long', 'com-a', 'POST', '/api/v1/members', { body: member({ name: '长'.repeat(70) }) }, 400, { field: 'name', limit: 50 }],
  ['too_short', 'admin', 'POST', '/api/v1/plans/webhooks', { body: { url: 'https://example.com/hook', secret: 'short' } }, 400, { field: 'secret', limit: 16 }],
  ['too_many', 'mem-a2', 'GET', `/api/v1/dues/quote?months=${Array.from({ length: 30 }, (_, i) => 202401 + (i % 12) + 100 * Math.floor(i / 12)).join(',')}`, {}, 400, { field: 'months' }],
  ['out_of_range', 'com-a', 'GET', '/api/v1/members?page_size=100000', {}, 400, { field: 'page_size', value: '100000', min: 1 }],
  ['invalid_format', 'admin', 'POST', '/api/v1/orgs', { body: { code: 'A B', name: '新支部', kind: 'branch', parent_id: W.orgs.UA } }, 400, { field: 'code', value: 'A B' }],
  ['invalid_choice', 'com-a', 'POST', '/api/v1/members', { body: member({ gender: '未知' }) }, 400, { field: 'gender', value: '未知' }],
  ['invalid_date', 'com-a', 'POST', '/api/v1/members', { body: member({ birth_date: '1990-13-01' }) }, 400, { field: 'birth_date', value: '1990-13-01' }],
  ['invalid_month', 'fin-a', 'GET', `/api/v1/dues/bills?org_id=${W.orgs['UA-B1']}&month=2024`, {}, 400, { field: 'month', value: '2024' }],
  ['invalid_period', 'com-a', 'GET', `/api/v1/plans/progress?org_id=${W.orgs.UA}&period=2024W3`, {}, 400, { field: 'period', value: '2024W3' }],
  ['invalid_id_card', 'com-a', 'POST', '/api/v1/members', { body: member({ id_card: '110105198001021234' }) }, 400, { field: 'id_card', value: '110105198001021234' }],
  ['invalid_phone', 'com-a', 'POST', '/api/v1/members', { body: member({ phone: '12345' }) }, 400, { field: 'phone', value: '12345' }],
  ['invalid_amount', 'fin-a', 'POST', '/api/v1/dues/expenses', { body: { org_id: W.orgs['UA-B1'], kind: 'education', amount_fen: -5, request_key: 'rs-1', ...APPROVAL } }, 400, { field: 'amount_fen', value: '-5' }],
  ['in_future', 'com-a', 'POST', '/api/v1/members', { body: member({ birth_date: '2999-01-01' }) }, 400, { field: 'birth_date', value: '2999-01-01' }],
  ['mismatch', 'fin-a', 'GET', `/api/v1/dues/ledger/statement?org_id=${W.orgs['UA-B1']}&from=202405&to=202401`, {}, 400, { field: 'from' }],
  ['invalid_json', 'com-a', 'POST', '/api/v1/members', { raw: '{"emp_no": ', contentType: 'application/json' }, 400, {}],
  ['invalid_csv', 'com-a', 'POST', '/api/v1/import/members?dry_run=true', { raw: '工号,姓名\n"RS9,没有结束\n', contentType: 'text/csv' }, 400, { row: 2 }],
  ['invalid_xlsx', 'com-a', 'POST', '/api/v1/import/members?dry_run=true', { raw: Buffer.from('PK\x03\x04 not really a zip'), contentType: XLSX_TYPE }, 400, {}],
  ['merged_cells', 'com-a', 'POST', '/api/v1/import/members?dry_run=true', { raw: xlsx([{ rows: [MEMBER_HEAD, ['RS9', '周全']], merge: ['A1:B1'] }]), contentType: XLSX_TYPE }, 400, { row: 1, column: 'A1:B1' }],
  ['unknown_column', 'com-a', 'POST', '/api/v1/import/members?dry_run=true', { raw: csv([[...MEMBER_HEAD, '爱好']]), contentType: 'text/csv' }, 400, { column: '爱好', row: 1 }],
  ['missing_column', 'com-a', 'POST', '/api/v1/import/members?dry_run=true', { raw: csv([['姓名', '所在组织编码']]), contentType: 'text/csv' }, 400, { column: 'emp_no' }],
  ['duplicate_column', 'com-a', 'POST', '/api/v1/import/members?dry_run=true', { raw: csv([[...MEMBER_HEAD, '工号']]), contentType: 'text/csv' }, 400, { column: '工号', row: 1 }],
  ['unknown_field', 'com-a', 'POST', '/api/v1/members', { body: member({ emp_on: 'x' }) }, 400, { field: 'emp_on', suggestion: 'emp_no' }],
  ['unknown_org', 'com-a', 'POST', '/api/v1/members', { body: member({ org_id: 999999 }) }, 400, { field: 'org_id', value: '999999' }],
  ['unknown_member', 'fin-a', 'POST', '/api/v1/dues/bases', { body: { member_id: 999999, year: 2024, monthly_fen: 300000 } }, 400, { field: 'member_id' }],
  ['unknown_indicator', 'source', 'POST', '/api/v1/events', { body: [{ key: 'r2', emp_no: 'EA001', indicator: 'no.such', date: '2024-01-05' }] }, 400, { index: 0, field: 'indicator', value: 'no.such' }],
  ['not_found', 'com-a', 'GET', '/api/v1/plans/999999', {}, 404, { field: 'plan_id', value: '999999' }],
  ['outside_scope', 'com-a', 'GET', `/api/v1/orgs/${W.orgs.UB}`, {}, 403, { field: 'org_id', value: String(W.orgs.UB) }],
  ['not_allowed', 'mem-a2', 'POST', '/api/v1/members', { body: member() }, 403, {}],
  ['duplicate', 'com-a', 'POST', '/api/v1/members', { body: member({ emp_no: 'EA001' }) }, 409, { field: 'emp_no', value: 'EA001' }],
  ['wrong_state', 'fin-a', 'POST', '/api/v1/dues/publish', { body: { org_id: W.orgs['UA-B1'], month: 202401 } }, 409, { field: 'month', value: '202401', state: 'not_generated' }],
  ['wrong_org_kind', 'admin', 'POST', '/api/v1/orgs', { body: { code: 'RS-B9', name: '小组下的支部', kind: 'branch', parent_id: W.orgs['UA-B1-G1'] } }, 400, { field: 'parent_id', value: 'branch' }],
  ['member_needs_branch', 'com-a', 'POST', '/api/v1/members', { body: member({ org_id: W.orgs.UA }) }, 400, { field: 'org_id', value: String(W.orgs.UA) }],
  ['plan_needs_committee', 'com-a', 'POST', '/api/v1/plans', { body: { org_id: W.orgs['UA-B1'], year: 2024 } }, 400, { field: 'org_id', value: 'branch' }],
  ['bulletin_needs_committee', 'com-a', 'GET', `/api/v1/plans/bulletin?org_id=${W.orgs['UA-B1']}&period=2024Q1`, {}, 400, { field: 'org_id', value: 'UA-B1' }],
  ['tree_cycle', 'admin', 'POST', `/api/v1/orgs/${W.orgs.UA}/move`, { body: { parent_id: W.orgs['UA-B1'] } }, 400, { field: 'parent_id' }],
  ['other_tenant', 'admin', 'POST', `/api/v1/orgs/${W.orgs['UA-B3']}/move`, { body: { parent_id: W.orgs['RS-T'] } }, 400, { field: 'parent_id' }],
  ['insufficient_funds', 'fin-a', 'POST', '/api/v1/dues/expenses', { body: { org_id: W.orgs['UA-B1'], kind: 'education', amount_fen: 900000, request_key: 'rs-2', ...APPROVAL } }, 409, { field: 'amount_fen', value: '900000', limit: 0 }],
  ['not_scored', 'com-a', 'GET', `/api/v1/portraits/orgs/${W.orgs['UA-B1']}`, {}, 404, { field: 'month' }],
];

// The codes no request of the API can produce here: sent by the command line only, or only
// while a Citus worker is down (node_unavailable: tests/citus/ops.mjs, make test-citus).
const CLI_ONLY = new Set(['not_over', 'node_unavailable']);

function send(who, method, url, o) {
  const headers = { ...(o.headers ?? {}) };
  if (who === 'source') headers['X-API-Key'] = W.key;
  return srv.api(method, url, { token: who === 'source' ? undefined : W.tokens[who], headers, body: o.body, raw: o.raw, contentType: o.contentType });
}

test('each reason is sent with the parameters of the problem', async () => {
  const seen = new Set();
  const wrong = []; // every case is tried, so that one run shows all that differ
  for (const [code, who, method, url, o, status, params] of CASES()) {
    const r = await send(who, method, url, o);
    const show = `${code}: ${method} ${url}: ${r.status} ${r.text}`;
    const item = (r.body?.error?.details ?? []).find((d) => d.code === code);
    if (r.status !== status || !item) {
      wrong.push(show);
      continue;
    }
    for (const [k, v] of Object.entries(params)) if (JSON.stringify(item[k]) !== JSON.stringify(v)) wrong.push(`${show}: ${k} is not ${JSON.stringify(v)}`);
    if (!('reason' in item) && typeof item.message !== 'string') wrong.push(`${show}: no message`);
    seen.add(code);
  }
  assert.deepEqual(wrong, []);
  const missing = serverReasons().filter((c) => !seen.has(c) && !CLI_ONLY.has(c));
  assert.deepEqual(missing, [], 'a reason without a request that produces it here');
});

test('a CSV import names every bad row and column with its reason and cell', async () => {
  const file = csv([
    MEMBER_HEAD,
    ['RS101', '甲', '男', '1980-01-02', 'UA-B1', idCard('19800102', '101'), '13800000101'],
    ['RS102', '乙', '女', '1981-13-40', 'UA-B1', '', ''],
    ['RS103', '丙', '男', '1982-02-03', 'NOPE', '', ''],
    ['RS104', '丁', '男', '1982-02-03', 'UA-B1', '', '12345'],
    ['RS101', '甲', '男', '1980-01-02', 'UA-B1', '', ''],
  ]);
  for (const q of ['?dry_run=true', '']) {
    const r = await send('com-a', 'POST', `/api/v1/import/members${q}`, { raw: file, contentType: 'text/csv' });
    assertError(r, 400, 'invalid');
    const items = r.body.error.details.map(({ row, column, code, value }) => ({ row, column, code, value }));
    assert.deepEqual(items, [
      { row: 3, column: 'birth_date', code: 'invalid_date', value: '1981-13-40' },
      { row: 4, column: 'org_code', code: 'unknown_org', value: 'NOPE' },
      { row: 5, column: 'phone', code: 'invalid_phone', value: '12345' },
      { row: 6, column: 'emp_no', code: 'duplicate', value: 'RS101' },
    ], r.text);
    for (const d of r.body.error.details) assert.match(d.message, new RegExp(`^row ${d.row}, column ${d.column}: `));
  }
});

test('a value is cut to 60 characters, never inside one', async () => {
  const r = await send('com-a', 'POST', '/api/v1/members', { body: member({ name: '党'.repeat(70) }) });
  assertError(r, 400, 'invalid');
  assert.equal(r.body.error.details[0].value, '党'.repeat(60));
});

/** The reason names the C sources can send: enum reason's names (src/base/err.c) of every R_*
 * used anywhere else in src/. */
function serverReasons() {
  const table = readFileSync(path.join(ROOT, 'src/base/err.c'), 'utf8');
  const names = new Map([...table.matchAll(/\[(R_\w+)\] = "(\w+)"/g)].map((m) => [m[1], m[2]]));
  const used = new Set();
  const walk = (dir) => {
    for (const f of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, f.name);
      if (f.isDirectory()) walk(p);
      else if (/\.[ch]$/.test(f.name) && !/src\/base\/err\.[ch]$/.test(p)) {
        for (const m of readFileSync(p, 'utf8').matchAll(/\bR_[A-Z_]+\b/g)) used.add(m[0]);
      }
    }
  };
  walk(path.join(ROOT, 'src'));
  used.delete('R_NONE');
  used.delete('R__COUNT');
  for (const r of used) assert.ok(names.has(r), `${r} has no name in src/base/err.c`);
  return [...used].map((r) => names.get(r)).sort();
}

test('every reason the server can send is documented and has its Chinese text', async () => {
  const codes = serverReasons();
  assert.ok(codes.length >= 30, codes.join(' '));
  const documented = DOC.components.schemas.ErrorDetail.properties.code.enum;
  assert.deepEqual(codes.filter((c) => !documented.includes(c)), [], 'missing from ErrorDetail.code in docs/openapi.json');
  assert.deepEqual(DOC.components.schemas.EventReject.properties.code.enum, documented);
  for (const c of documented) assert.match(DOC.info.description, new RegExp(`- \`${c}\`: `), `${c} is not described in info`);
  const { REASONS } = await import(path.join(ROOT, 'web/src/lib/reasons.js'));
  assert.deepEqual(codes.filter((c) => typeof REASONS[c] !== 'function'), [], 'missing from web/src/lib/reasons.js');
});
