// Every write leaves exactly one audit row (issue: proof under hostile input). The write
// operations are read from docs/openapi.json (POST/PUT/PATCH/DELETE behind a session, but
// logging out); CALLS below holds a valid call for each, in an order where each finds what
// it needs, and a refused one. For every operation:
//   * the refused calls (a role outside x-roles with the valid body, then a body the
//     handler or the domain refuses, often half-way through its transaction) answer 4xx
//     and leave no audit row;
//   * the valid call succeeds and leaves exactly one new row, read back through
//     GET /api/v1/audit: the calling account as actor, the organization concerned (or none),
//     the action and entity, and a detail that says what changed — for updates each changed
//     field as {"from", "to"}; bulk requests (imports, collections, the plans' check, ...)
//     one row with counts, never one per record.
// A write operation the table lacks fails the first test, so no new endpoint escapes.
// Phone numbers and ID cards never stand in an audit detail in full.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './lib.mjs';
import { seedWorld, sql, csv, idCard, localDate, MEMBER_ROWS, writeTmp, cliOk } from './fixtures.mjs';
import { DOC } from './schema.mjs';
import { startWxPay, rsaPair, apiV3Key, MCHID, APPID, MCH_SERIAL, PLATFORM_SERIAL } from './wxpay_standin.mjs';

const PRINCIPALS = { admin: 'admin', committee: 'com-a', finance: 'fin-a', secretary: 'sec-a1', member: 'mem-a2' };
const WRITES = ['post', 'put', 'patch', 'delete'];
const CUR = localDate().month;
const YEAR = Math.floor(CUR / 100);
const APPROVAL = { approved_by: '张伟', approver_role: '支部书记', approved_on: '2024-01-05', approval_ref: '支委会决议〔2024〕1号' };
const PHONE = '13912345678';
const ID_CARD = idCard('19920304', '071');

let srv;
let W;
const S = {}; // what one call leaves for the next: ids of what it created
before(async () => {
  srv = await startServer({ serveArgs: ['--no-jobs'] }); // no background job writes rows meanwhile
  W = await seedWorld(srv);
});
let wx; // the WeChat Pay stand-in of the order (wxpay_standin.mjs)
after(async () => {
  await wx?.stop();
  await srv?.stop();
});

/** WeChat Pay as the provider of online payments, at a stand-in. */
async function startWechat() {
  const merchant = rsaPair();
  const platform = rsaPair();
  const v3 = apiV3Key();
  const secret = (name, text) => {
    const f = writeTmp(name, text);
    chmodSync(f, 0o600);
    return f;
  };
  wx = await startWxPay({ merchantPublicPem: merchant.publicPem, platformPrivatePem: platform.privatePem, apiKey: v3 });
  cliOk(srv, ['dues', 'provider', 'set', 'wechat', '--mchid', MCHID, '--appid', APPID, '--serial', MCH_SERIAL,
    '--key-file', secret('key.pem', merchant.privatePem), '--platform-serial', PLATFORM_SERIAL,
    '--platform-cert-file', writeTmp('pub.pem', platform.publicPem), '--apiv3-key-file', secret('v3.key', v3), '--base-url', wx.baseUrl]);
}

const q = (statement) => sql(srv.dbUrl, statement);
const get = async (login, url) => {
  const r = await srv.api('GET', url, { token: W.tokens[login] });
  assert.equal(r.status, 200, `GET ${url} as ${login}: ${r.text}`);
  return r.body;
};
const billFen = (emp) =>
  Number(q(`SELECT b.amount_fen FROM dues_bills b JOIN members m ON m.id = b.member_id AND m.tenant_id = b.tenant_id WHERE m.emp_no = '${emp}' AND b.month = ${CUR} AND b.kind = 'regular'`));
const orgsCsv = (rows) => csv([['组织编码', '组织名称', '上级组织编码', '组织类型'], ...rows]);
const membersCsv = (rows) => csv([['工号', '姓名', '性别', '出生日期', '所在组织编码', '身份证号', '手机号'], ...rows]);
const basesCsv = (rows) => csv([['工号', '年度', '月收入（元）', '核定人'], ...rows]);
const text = (raw) => ({ raw, contentType: 'text/csv' });

// One entry per write operation. as: the caller (a role in x-roles, in scope); call(): the
// request {url, body | raw+contentType}; bad(): a request refused with a 4xx; status: the
// success status; row(res): what the one audit row holds (org: an organization id or null;
// detail: deepEqual, or a function that asserts on it); then(res): keep what later calls need.
const CALLS = {
  'POST /api/v1/orgs': {
    as: 'com-a',
    status: 201,
    bad: () => ({ url: '/api/v1/orgs', body: { code: 'UA-B9', name: 'A九支部', kind: 'club', parent_id: W.orgs.UA } }),
    call: () => ({ url: '/api/v1/orgs', body: { code: 'UA-B4', name: 'A四支部', kind: 'branch', parent_id: W.orgs.UA } }),
    row: (r) => ({ action: 'create', entity: 'org', entity_id: r.body.id, org: r.body.id, detail: { code: 'UA-B4', name: 'A四支部', kind: 'branch' } }),
    then: (r) => (S.b4 = r.body.id),
  },
  'PATCH /api/v1/orgs/{id}': {
    as: 'com-a',
    // the name is changed before the kind is refused: the rollback takes both
    bad: () => ({ url: `/api/v1/orgs/${S.b4}`, body: { name: '改名', kind: 'group' } }),
    call: () => ({ url: `/api/v1/orgs/${S.b4}`, body: { name: 'A第四支部', kind: 'branch', secretary_id: null } }),
    row: () => ({ action: 'update', entity: 'org', entity_id: S.b4, org: S.b4, detail: { name: { from: 'A四支部', to: 'A第四支部' } } }),
  },
  'POST /api/v1/orgs/{id}/move': {
    as: 'com-a',
    bad: () => ({ url: `/api/v1/orgs/${W.orgs['UA-GB']}/move`, body: { parent_id: W.orgs['UA-B1'] } }),
    call: () => ({ url: `/api/v1/orgs/${S.b4}/move`, body: { parent_id: W.orgs['UA-GB'] } }),
    row: () => ({ action: 'move', entity: 'org', entity_id: S.b4, org: S.b4, detail: { parent_id: { from: W.orgs.UA, to: W.orgs['UA-GB'] } } }),
  },
  'POST /api/v1/members': {
    as: 'sec-a1',
    status: 201,
    bad: () => ({ url: '/api/v1/members', body: { emp_no: 'EA099', name: '钱七', org_id: W.orgs['UA-B1'], id_card: `${ID_CARD.slice(0, 17)}0` } }),
    call: () => ({ url: '/api/v1/members', body: { emp_no: 'EA005', name: '赵六', org_id: W.orgs['UA-B1'], position: '工程师', phone: PHONE, id_card: ID_CARD } }),
    row: (r) => ({ action: 'create', entity: 'member', entity_id: r.body.id, org: W.orgs['UA-B1'], detail: { emp_no: 'EA005', name: '赵六', org_id: W.orgs['UA-B1'] } }),
    then: (r) => (S.ea5 = r.body.id),
  },
  'PATCH /api/v1/members/{id}': {
    as: 'com-a',
    // the name is written before the employee number collides
    bad: () => ({ url: `/api/v1/members/${S.ea5}`, body: { name: '赵小六', emp_no: 'EA001' } }),
    call: () => ({ url: `/api/v1/members/${S.ea5}`, body: { position: '高级工程师', phone: '13812345678', name: '赵六', org_id: W.orgs['UA-B2'] } }),
    row: () => ({
      action: 'update',
      entity: 'member',
      entity_id: S.ea5,
      org: W.orgs['UA-B2'],
      // unchanged fields are left out; personal data only masked, before and after
      detail: { position: { from: '工程师', to: '高级工程师' }, phone: { from: '139****5678', to: '138****5678' }, org_id: { from: W.orgs['UA-B1'], to: W.orgs['UA-B2'] } },
    }),
  },
  'POST /api/v1/import/orgs': {
    as: 'com-a',
    bad: () => ({ url: '/api/v1/import/orgs', ...text(orgsCsv([['UA-B5', 'A五支部', 'UA', '党支部'], ['UA-B6', 'A六支部', 'UA', '俱乐部']])) }),
    call: () => ({ url: '/api/v1/import/orgs', ...text(orgsCsv([['UA-B5', 'A五支部', 'UA', '党支部'], ['UA-B6', 'A六支部', 'UA', '党支部'], ['UA-B3', 'A三支部（改）', 'UA', '党支部']])) }),
    row: () => ({ action: 'import', entity: 'org', entity_id: null, org: W.orgs.UA, detail: { rows: 3, created: 2, updated: 1 } }),
  },
  'POST /api/v1/import/members': {
    as: 'com-a',
    bad: () => ({ url: '/api/v1/import/members', ...text(membersCsv([['EA006', '孙七', '男', '1990-01-01', 'UA-B5', '', ''], ['EA007', '周八', '女', '1990-02-30', 'UA-B6', '', '']])) }),
    call: () => ({
      url: '/api/v1/import/members',
      ...text(membersCsv([['EA006', '孙七', '男', '1990-01-01', 'UA-B5', idCard('19900101', '081'), '13700000071'], ['EA007', '周八', '女', '1990-02-03', 'UA-B6', '', ''], ['EA004', '刘洋', '男', '1975-03-04', 'UA-B3', '', '13600000044']])),
    }),
    row: () => ({ action: 'import', entity: 'member', entity_id: null, org: W.orgs.UA, detail: { rows: 3, created: 2, updated: 1 } }),
  },
  'POST /api/v1/accounts/unlock': {
    as: 'admin',
    bad: () => ({ url: '/api/v1/accounts/unlock', body: { login: 'nobody' } }),
    call: () => ({ url: '/api/v1/accounts/unlock', body: { login: 'mem-a2' } }),
    row: () => ({ action: 'unlock', entity: 'login', entity_id: null, org: W.orgs['UA-B1'], detail: (d) => assert.equal(d.login, 'mem-a2') }),
  },
  'PUT /api/v1/orgs/{id}/ranking': {
    as: 'com-a',
    bad: () => ({ url: `/api/v1/orgs/${W.orgs.UA}/ranking`, body: { visibility: 'everyone' } }),
    call: () => ({ url: `/api/v1/orgs/${W.orgs.UA}/ranking`, body: { visibility: 'full' } }),
    row: () => ({ action: 'set_ranking', entity: 'org', entity_id: W.orgs.UA, org: W.orgs.UA, detail: { visibility: { from: 'self', to: 'full' } } }),
  },
  'POST /api/v1/score/models': {
    as: 'admin',
    status: 201,
    setup: async () => {
      const m = await get('admin', '/api/v1/score/model');
      const rules = m.rules.map(({ indicator, dimension, mode, points, cap, veto, value_points }) => ({ indicator, dimension, mode, points, cap, veto, ...(value_points ? { value_points } : {}) }));
      S.model = { effective_month: 202404, note: '理论学习加权', base: 60, gap: 10, veto_months: 12, veto_cap: 60, weights: { ...m.weights }, rules };
    },
    bad: () => ({ url: '/api/v1/score/models', body: { ...S.model, weights: { ...S.model.weights, honours: 0.9 } } }),
    call: () => ({ url: '/api/v1/score/models', body: S.model }),
    row: (r) => ({ action: 'create', entity: 'score_model', entity_id: r.body.version, org: null, detail: (d) => assert.deepEqual([d.effective_month, d.note, d.rules], [202404, '理论学习加权', S.model.rules.length]) }),
    then: (r) => (S.version = r.body.version),
  },
  'POST /api/v1/score/models/{version}/activate': {
    as: 'admin',
    bad: () => ({ url: '/api/v1/score/models/99/activate' }),
    call: () => ({ url: `/api/v1/score/models/${S.version}/activate` }),
    row: () => ({ action: 'activate', entity: 'score_model', entity_id: S.version, org: null, detail: { active_version: { from: 1, to: S.version } } }),
  },
  'POST /api/v1/score/runs': {
    as: 'admin',
    bad: () => ({ url: '/api/v1/score/runs', body: { month: 209901 } }),
    call: () => ({ url: '/api/v1/score/runs', body: { month: 202403 } }),
    row: () => ({ action: 'run', entity: 'score_month', entity_id: 202403, org: null, detail: (d) => assert.equal(d.month, 202403) }),
  },
  'POST /api/v1/plans': {
    as: 'com-a',
    status: 201,
    // the first task is written before the second is refused
    bad: () => ({ url: '/api/v1/plans', body: { org_id: W.orgs.UA, year: 2024, tasks: [PLAN_TASKS[0], { ...PLAN_TASKS[1], target: 0 }] } }),
    call: () => ({ url: '/api/v1/plans', body: { org_id: W.orgs.UA, year: 2024, name: '2024年度A党委量化计划', tasks: PLAN_TASKS } }),
    row: (r) => ({ action: 'create', entity: 'plan', entity_id: r.body.id, org: W.orgs.UA, detail: { year: 2024, name: '2024年度A党委量化计划', remind_days: 5, tasks: ['cm', 'study'] } }),
    then: (r) => {
      S.plan = r.body.id;
      for (const t of r.body.tasks) S[`task_${t.code}`] = t.id;
    },
  },
  'PATCH /api/v1/plans/{id}': {
    as: 'com-a',
    bad: () => ({ url: `/api/v1/plans/${S.plan}`, body: { name: '新名', remind_days: 99 } }),
    call: () => ({ url: `/api/v1/plans/${S.plan}`, body: { name: '2024年度A党委量化计划（修订）', remind_days: 3 } }),
    row: () => ({ action: 'update', entity: 'plan', entity_id: S.plan, org: W.orgs.UA, detail: { name: { from: '2024年度A党委量化计划', to: '2024年度A党委量化计划（修订）' }, remind_days: { from: 5, to: 3 } } }),
  },
  'POST /api/v1/plans/{id}/tasks': {
    as: 'com-a',
    status: 201,
    bad: () => ({ url: `/api/v1/plans/${S.plan}/tasks`, body: { ...LECTURE, applies_to: { under_org_id: W.orgs.UB } } }),
    call: () => ({ url: `/api/v1/plans/${S.plan}/tasks`, body: LECTURE }),
    row: (r) => ({ action: 'create', entity: 'plan_task', entity_id: r.body.id, org: W.orgs.UA, detail: (d) => assert.deepEqual([d.code, d.plan_id, d.freq], ['lecture', S.plan, 'quarter']) }),
  },
  'PATCH /api/v1/plans/tasks/{id}': {
    as: 'com-a',
    bad: () => ({ url: `/api/v1/plans/tasks/${S.task_cm}`, body: { name: '支委会', target: 0 } }),
    call: () => ({ url: `/api/v1/plans/tasks/${S.task_cm}`, body: { name: '支委会', target: 2, note: '' } }),
    row: () => ({ action: 'update', entity: 'plan_task', entity_id: S.task_cm, org: W.orgs.UA, detail: { name: { from: '支部委员会会议', to: '支委会' }, target: { from: 1, to: 2 } } }),
  },
  'POST /api/v1/plans/defaults': {
    as: 'com-a',
    bad: () => ({ url: '/api/v1/plans/defaults', body: { org_id: W.orgs['UA-B1'], year: 2024 } }),
    call: () => ({ url: '/api/v1/plans/defaults', body: { org_id: W.orgs['UA-GB'], year: 2024 } }),
    row: (r) => ({ action: 'defaults', entity: 'plan', entity_id: r.body.id, org: W.orgs['UA-GB'], detail: (d) => assert.deepEqual([d.year, d.tasks.length], [2024, r.body.added]) }),
    // a second run adds nothing, changes nothing and leaves no row
    again: () => ({ url: '/api/v1/plans/defaults', body: { org_id: W.orgs['UA-GB'], year: 2024 } }),
  },
  'POST /api/v1/plans/reports': {
    as: 'sec-a1',
    status: 201,
    bad: () => ({ url: '/api/v1/plans/reports', body: { task_id: S.task_study, org_id: W.orgs['UA-B1'], period: '2024-02', value: 80, evidence: '学习记录' } }),
    call: () => ({ url: '/api/v1/plans/reports', body: { task_id: S.task_study, org_id: W.orgs['UA-B1'], period: '2024Q1', value: 80, evidence: '学习记录' } }),
    row: () => ({ action: 'report', entity: 'plan_report', entity_id: S.task_study, org: W.orgs['UA-B1'], detail: { task_id: S.task_study, period: '2024Q1', value: 80, evidence: '学习记录' } }),
  },
  'POST /api/v1/plans/check': {
    as: 'admin',
    bad: () => ({ url: '/api/v1/plans/check', body: { today: '2024-02-30' } }),
    call: () => ({ url: '/api/v1/plans/check', body: { today: '2024-03-01' } }),
    // January and February closed unmet in every branch: many cases, one row
    row: (r) => ({ action: 'check', entity: 'plan', entity_id: null, org: null, detail: (d) => assert.ok(d.cases === r.body.cases && d.cases >= 4 && d.notices > 0, JSON.stringify(d)) }),
  },
  'POST /api/v1/plans/lagging/notify': {
    as: 'com-a',
    bad: () => ({ url: '/api/v1/plans/lagging/notify', body: { org_id: W.orgs.UB } }),
    call: () => ({ url: '/api/v1/plans/lagging/notify', body: { org_id: W.orgs.UA, text: '请抓紧整改' } }),
    row: (r) => ({ action: 'notify_lagging', entity: 'plan', entity_id: null, org: W.orgs.UA, detail: (d) => assert.ok(d.cases === r.body.cases_notified && d.cases >= 2, JSON.stringify(d)) }),
  },
  'POST /api/v1/plans/cases/{id}/transitions': {
    as: 'sec-a1',
    setup: async () => {
      const list = await get('sec-a1', `/api/v1/plans/cases?org_id=${W.orgs['UA-B1']}&state=notified`);
      assert.ok(list.items.length > 0, JSON.stringify(list));
      S.case = list.items[0];
    },
    bad: () => ({ url: `/api/v1/plans/cases/${S.case.id}/transitions`, body: { action: 'report', text: '太早' } }),
    call: () => ({ url: `/api/v1/plans/cases/${S.case.id}/transitions`, body: { action: 'acknowledge' } }),
    row: () => ({ action: 'acknowledge', entity: 'plan_case', entity_id: S.case.id, org: W.orgs['UA-B1'], detail: (d) => assert.deepEqual([d.state, d.period], [{ from: 'notified', to: 'acknowledged' }, S.case.period]) }),
  },
  'POST /api/v1/plans/inbox/{id}/read': {
    as: 'sec-a1',
    setup: async () => {
      S.notice = (await get('sec-a1', '/api/v1/plans/inbox?unread=1')).items[0];
      assert.ok(S.notice, 'sec-a1 has an unread notice');
    },
    badAs: 'sec-b1', // someone else's notice
    bad: () => ({ url: `/api/v1/plans/inbox/${S.notice.id}/read` }),
    call: () => ({ url: `/api/v1/plans/inbox/${S.notice.id}/read` }),
    row: () => ({ action: 'read', entity: 'plan_notice', entity_id: S.notice.id, org: S.notice.org.id, detail: { read: { from: false, to: true } } }),
    again: () => ({ url: `/api/v1/plans/inbox/${S.notice.id}/read` }),
  },
  'POST /api/v1/plans/webhooks': {
    as: 'admin',
    status: 201,
    bad: () => ({ url: '/api/v1/plans/webhooks', body: { url: 'ftp://127.0.0.1/hook', secret: 'webhook-secret-0123456789' } }),
    call: () => ({ url: '/api/v1/plans/webhooks', body: { url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-0123456789' } }),
    // the secret stays out
    row: (r) => ({ action: 'create', entity: 'plan_webhook', entity_id: r.body.id, org: null, detail: { url: 'http://127.0.0.1:9/hook', retry_seconds: 60, max_attempts: 6 } }),
    then: (r) => (S.webhook = r.body.id),
  },
  'PATCH /api/v1/plans/webhooks/{id}': {
    as: 'admin',
    bad: () => ({ url: `/api/v1/plans/webhooks/${S.webhook}`, body: { kind: 'slack' } }),
    call: () => ({ url: `/api/v1/plans/webhooks/${S.webhook}`, body: { retry_seconds: 30, secret: 'webhook-secret-new-987654' } }),
    // a new secret: that it changed, never what it is
    row: () => ({ action: 'update', entity: 'plan_webhook', entity_id: S.webhook, org: null, detail: { retry_seconds: { from: 60, to: 30 }, secret: 'changed' } }),
  },
  'POST /api/v1/plans/webhooks/{id}/test': {
    as: 'admin',
    bad: () => ({ url: '/api/v1/plans/webhooks/999999/test' }),
    // nothing listens on port 9: queued, audited, the attempt fails
    call: () => ({ url: `/api/v1/plans/webhooks/${S.webhook}/test` }),
    row: () => ({ action: 'test', entity: 'plan_webhook', entity_id: S.webhook, org: null, detail: { test: 'plan.test' } }),
  },
  'POST /api/v1/dues/bases': {
    as: 'fin-a',
    bad: () => ({ url: '/api/v1/dues/bases', body: { member_id: W.members.EA002, year: YEAR, monthly_fen: -1 } }),
    call: () => ({ url: '/api/v1/dues/bases', body: { member_id: W.members.EA002, year: YEAR, monthly_fen: 650000, verified_by: '劳资科' } }),
    // income stays out of the audit log
    row: () => ({ action: 'update', entity: 'income_base', entity_id: W.members.EA002, org: W.orgs['UA-B1'], detail: { year: YEAR, from_month: YEAR * 100 + 1, verified_by: '劳资科' } }),
  },
  'POST /api/v1/import/bases': {
    as: 'fin-a',
    bad: () => ({ url: '/api/v1/import/bases', ...text(basesCsv([['EA001', YEAR, '3000.00', ''], ['NOPE', YEAR, '100', '']])) }),
    call: () => ({ url: '/api/v1/import/bases', ...text(basesCsv([['EA001', YEAR, '3000.00', '人资部'], ['EA003', YEAR, '4000', '人资部']])) }),
    row: () => ({ action: 'import', entity: 'income_base', entity_id: null, org: W.orgs.UA, detail: { rows: 2, created: 2, updated: 0 } }),
  },
  'POST /api/v1/dues/terms': {
    as: 'fin-a',
    status: 201,
    bad: () => ({ url: '/api/v1/dues/terms', body: { member_id: W.members.EA004, kind: 'free', from_month: CUR, ...TERM } }),
    call: () => ({ url: '/api/v1/dues/terms', body: { member_id: W.members.EA004, kind: 'exempt', from_month: CUR, ...TERM } }),
    row: (r) => ({ action: 'create', entity: 'dues_term', entity_id: r.body.id, org: W.orgs['UA-B3'], detail: { kind: 'exempt', from_month: CUR, approved_by: TERM.approved_by } }),
  },
  'POST /api/v1/dues/generate': {
    as: 'fin-a',
    bad: () => ({ url: '/api/v1/dues/generate', body: { month: 202413, org_id: W.orgs.UA } }),
    call: () => ({ url: '/api/v1/dues/generate', body: { month: CUR, org_id: W.orgs.UA } }),
    row: (r) => ({ action: 'generate', entity: 'dues_month', entity_id: CUR, org: W.orgs.UA, detail: (d) => assert.ok(d.created === r.body.created && d.created >= 5, JSON.stringify(d)) }),
  },
  'POST /api/v1/dues/publish': {
    as: 'fin-a',
    bad: () => ({ url: '/api/v1/dues/publish', body: { month: CUR, org_id: W.orgs.UB } }),
    call: () => ({ url: '/api/v1/dues/publish', body: { month: CUR, org_id: W.orgs.UA } }),
    row: (r) => ({ action: 'publish', entity: 'dues_month', entity_id: CUR, org: W.orgs.UA, detail: { month: CUR, bills: r.body.published, orgs: r.body.orgs } }),
  },
  'POST /api/v1/dues/payments': {
    as: 'mem-a2',
    status: 201,
    bad: () => ({ url: '/api/v1/dues/payments', body: { months: [CUR], amount_fen: 1, channel: 'wechat' } }),
    call: () => ({ url: '/api/v1/dues/payments', body: { months: [CUR], amount_fen: 9750, channel: 'wechat' } }),
    row: (r) => ({ action: 'create', entity: 'dues_payment', entity_id: r.body.id, org: W.orgs['UA-B1'], detail: { kind: 'online', channel: 'wechat', amount_fen: 9750 } }),
    then: (r) => (S.online = r.body.id),
  },
  'POST /api/v1/dues/payments/{id}/order': {
    as: 'mem-a2',
    setup: () => startWechat(),
    bad: () => ({ url: '/api/v1/dues/payments/999999/order' }),
    call: () => ({ url: `/api/v1/dues/payments/${S.online}/order` }),
    row: () => ({ action: 'order', entity: 'dues_payment', entity_id: S.online, org: W.orgs['UA-B1'], detail: { provider: 'wechat', out_trade_no: `DJP${String(S.online).padStart(8, '0')}` } }),
  },
  'POST /api/v1/dues/collections': {
    as: 'fin-a',
    status: 201,
    // the first item is recorded before the second is found wrong
    bad: () => ({ url: '/api/v1/dues/collections', body: { items: [{ emp_no: 'EA001', months: [CUR], amount_fen: billFen('EA001'), channel: 'cash' }, { emp_no: 'EA003', months: [CUR], amount_fen: 1, channel: 'cash' }] } }),
    call: () => ({
      url: '/api/v1/dues/collections',
      body: { items: [{ emp_no: 'EA001', months: [CUR], amount_fen: billFen('EA001'), channel: 'cash' }, { emp_no: 'EA003', months: [CUR], amount_fen: billFen('EA003'), channel: 'bank' }] },
    }),
    row: (r) => ({ action: 'collect', entity: 'dues_payment', entity_id: null, org: W.orgs.UA, detail: { payments: 2, amount_fen: r.body.amount_fen, ids: r.body.ids } }),
    then: (r) => (S.collected = r.body.ids),
  },
  'POST /api/v1/dues/payments/{id}/reverse': {
    as: 'fin-a',
    bad: () => ({ url: '/api/v1/dues/payments/999999/reverse', body: { reason: '录错' } }),
    call: () => ({ url: `/api/v1/dues/payments/${S.collected[1]}/reverse`, body: { reason: '录错' } }),
    row: () => ({ action: 'reverse', entity: 'dues_payment', entity_id: S.collected[1], org: W.orgs['UA-B2'], detail: (d) => assert.equal(d.reason, '录错') }),
  },
  'POST /api/v1/dues/confirm': {
    as: 'fin-a',
    bad: () => ({ url: '/api/v1/dues/confirm', body: { month: 202401, org_id: W.orgs.UA } }), // not published
    call: () => ({ url: '/api/v1/dues/confirm', body: { month: CUR, org_id: W.orgs.UA } }),
    row: (r) => ({ action: 'confirm', entity: 'dues_batch', entity_id: r.body.batch_id, org: W.orgs.UA, detail: (d) => assert.deepEqual([d.month, d.bills], [CUR, r.body.confirmed]) }),
    again: () => ({ url: '/api/v1/dues/confirm', body: { month: CUR, org_id: W.orgs.UA } }), // nothing left
  },
  'POST /api/v1/dues/expenses': {
    as: 'fin-a',
    status: 201,
    bad: () => ({ url: '/api/v1/dues/expenses', body: { org_id: W.orgs['UA-B1'], kind: 'education', amount_fen: 99999999, ...APPROVAL } }),
    call: () => ({ url: '/api/v1/dues/expenses', body: { org_id: W.orgs['UA-B1'], kind: 'education', amount_fen: 100, note: '学习资料', request_key: 'aw-x1', ...APPROVAL } }),
    row: (r) => ({ action: 'create', entity: 'dues_expense', entity_id: r.body.id, org: W.orgs['UA-B1'], detail: { kind: 'education', amount_fen: 100, ...APPROVAL } }),
    again: () => ({ url: '/api/v1/dues/expenses', body: { org_id: W.orgs['UA-B1'], kind: 'education', amount_fen: 100, note: '学习资料', request_key: 'aw-x1', ...APPROVAL } }), // a replay
  },
  'POST /api/v1/dues/remittances': {
    as: 'fin-a',
    status: 201,
    bad: () => ({ url: '/api/v1/dues/remittances', body: { org_id: W.orgs['UA-B1'], amount_fen: 99999999 } }),
    call: () => ({ url: '/api/v1/dues/remittances', body: { org_id: W.orgs['UA-B1'], request_key: 'aw-r1' } }),
    row: (r) => ({ action: 'remit', entity: 'dues_remittance', entity_id: r.body.id, org: W.orgs['UA-B1'], detail: { to_org_id: W.orgs['UA-GB'], amount_fen: r.body.amount_fen, special_fen: 0 } }),
  },
  'PUT /api/v1/dues/orgs/{id}/share': {
    as: 'fin-a',
    bad: () => ({ url: `/api/v1/dues/orgs/${W.orgs['UA-B1']}/share`, body: { remit_share_bp: 10001 } }),
    call: () => ({ url: `/api/v1/dues/orgs/${W.orgs['UA-B1']}/share`, body: { remit_share_bp: 6000 } }),
    row: () => ({ action: 'update', entity: 'dues_share', entity_id: W.orgs['UA-B1'], org: W.orgs['UA-B1'], detail: { remit_share_bp: { from: 5000, to: 6000 } } }),
  },
  'POST /api/v1/dues/todos/{id}/done': {
    as: 'sec-a1',
    setup: async () => {
      // an arrears to-do as `dues close` raises it (three months unpaid)
      q(`INSERT INTO todos(domain, kind, org_id, member_id, title, from_month, months, dedupe, created_at) VALUES('dues', 'arrears_warning', ${W.orgs['UA-B1']}, ${W.members.EA002}, '连续3个月未交纳党费', 202401, 3, 'aw-todo', 0)`);
      S.todo = Number(q("SELECT id FROM todos WHERE dedupe = 'aw-todo'"));
    },
    badAs: 'sec-b1', // another unit's to-do
    bad: () => ({ url: `/api/v1/dues/todos/${S.todo}/done` }),
    call: () => ({ url: `/api/v1/dues/todos/${S.todo}/done` }),
    row: () => ({ action: 'done', entity: 'dues_todo', entity_id: S.todo, org: W.orgs['UA-B1'], detail: { done: { from: false, to: true } } }),
    again: () => ({ url: `/api/v1/dues/todos/${S.todo}/done` }),
  },
  'POST /api/v1/todos/{id}/done': {
    as: 'sec-a1',
    setup: async () => {
      // the same through the one to-do list
      q(`INSERT INTO todos(domain, kind, org_id, member_id, title, from_month, months, dedupe, created_at) VALUES('dues', 'arrears_warning', ${W.orgs['UA-B1']}, ${W.members.EA002}, '连续3个月未交纳党费', 202401, 3, 'aw-todo2', 0)`);
      S.todo2 = Number(q("SELECT id FROM todos WHERE dedupe = 'aw-todo2'"));
    },
    badAs: 'sec-b1', // another unit's to-do
    bad: () => ({ url: `/api/v1/todos/${S.todo2}/done` }),
    call: () => ({ url: `/api/v1/todos/${S.todo2}/done` }),
    row: () => ({ action: 'done', entity: 'dues_todo', entity_id: S.todo2, org: W.orgs['UA-B1'], detail: { done: { from: false, to: true } } }),
    again: () => ({ url: `/api/v1/todos/${S.todo2}/done` }),
  },
  // feeds: a drop folder configured, pulled (empty) and its quarantine replayed (empty)
  'PUT /api/v1/sources/{id}/feed': {
    as: 'admin',
    setup: () => {
      S.hr = Number(q("SELECT id FROM sources WHERE code = 'hr'"));
      S.drop = mkdtempSync(path.join(os.tmpdir(), 'dj-audit-drop.'));
    },
    bad: () => ({ url: `/api/v1/sources/${S.hr}/feed`, body: { kind: 'club', target: S.drop, mapping: { emp_no: 'emp', indicator: '=safety.violation', value: 'v', month: 'm' } } }),
    call: () => ({ url: `/api/v1/sources/${S.hr}/feed`, body: { kind: 'folder', target: S.drop, mapping: { key: 'no', emp_no: 'emp', indicator: '=safety.violation', value: 'v', month: 'm' } } }),
    row: () => ({
      action: 'feed_create',
      entity: 'source',
      entity_id: S.hr,
      org: null,
      detail: (d) => {
        assert.equal(d.secret_changed, false);
        assert.equal(d.target, S.drop);
      },
    }),
  },
  'POST /api/v1/sources/{id}/feed/pull': {
    as: 'admin',
    bad: () => ({ url: '/api/v1/sources/999999/feed/pull' }),
    call: () => ({ url: `/api/v1/sources/${S.hr}/feed/pull` }),
    row: () => ({ action: 'feed_pull', entity: 'source', entity_id: S.hr, org: null, detail: (d) => assert.equal(d.stored, 0) }),
  },
  'POST /api/v1/sources/{id}/quarantine/replay': {
    as: 'admin',
    bad: () => ({ url: '/api/v1/sources/999999/quarantine/replay' }),
    call: () => ({ url: `/api/v1/sources/${S.hr}/quarantine/replay` }),
    row: () => ({ action: 'quarantine_replay', entity: 'source', entity_id: S.hr, org: null, detail: (d) => assert.equal(d.stored, 0) }),
  },
  // completeness: a declaration, and a month released for the monthly jobs
  'PUT /api/v1/sources/{id}/expect': {
    as: 'admin',
    bad: () => ({ url: `/api/v1/sources/${S.hr}/expect`, body: { indicators: ['no.such'], complete_day: 5 } }),
    call: () => ({ url: `/api/v1/sources/${S.hr}/expect`, body: { indicators: ['perf.rating'], complete_day: 5 } }),
    row: () => ({ action: 'expect_create', entity: 'source', entity_id: S.hr, org: W.orgs.CO, detail: (d) => assert.deepEqual(d.indicators, ['perf.rating']) }),
  },
  'POST /api/v1/months/{month}/release': {
    as: 'admin',
    bad: () => ({ url: `/api/v1/months/${CUR}/release`, body: { reason: 'not over yet' } }),
    call: () => ({ url: '/api/v1/months/202401/release', body: { reason: '数据经核对' } }),
    row: () => ({ action: 'release', entity: 'month', entity_id: 202401, org: null, detail: (d) => assert.equal(d.reason, '数据经核对') }),
  },
};

const PLAN_TASKS = [
  { code: 'cm', name: '支部委员会会议', metric: 'count', indicator: 'org.committee_meeting', target: 1, freq: 'month' },
  { code: 'study', name: '学习情况', metric: 'reported', unit: '%', target: 100, freq: 'quarter' },
];
const LECTURE = { code: 'lecture', name: '党课', metric: 'count', indicator: 'org.lecture', target: 1, freq: 'quarter' };
const TERM = { approved_by: '单位A党委', approved_on: '2024-01-05', note: '困难党员' };

/** The write operations of the document, as "METHOD /path". */
function writeOperations() {
  const out = [];
  for (const [p, item] of Object.entries(DOC.paths)) {
    for (const m of WRITES) {
      const op = item[m];
      if (op && op['x-auth'] === 'user' && p !== '/api/v1/auth/logout') out.push({ key: `${m.toUpperCase()} ${p}`, roles: op['x-roles'] });
    }
  }
  return out;
}

const lastId = () => Number(q('SELECT COALESCE(MAX(id), 0) FROM audit'));

/** Send request (as login) and return the reply with the audit rows written since. */
async function send(login, method, req) {
  const since = lastId();
  const { url, ...opts } = req;
  const res = await srv.api(method, url, { token: W.tokens[login], ...opts });
  const count = Number(q(`SELECT COUNT(*) FROM audit WHERE id > ${since}`));
  return { res, since, count };
}

test('the table holds a call for every write operation of the document, and nothing else', () => {
  const doc = writeOperations().map((o) => o.key);
  assert.deepEqual(doc.filter((k) => !CALLS[k]), [], 'write operations without an audited call in CALLS: add one');
  assert.deepEqual(Object.keys(CALLS).filter((k) => !doc.includes(k)), [], 'calls in CALLS the document no longer has');
  assert.ok(doc.length >= 35, `only ${doc.length} write operations`);
});

for (const [key, c] of Object.entries(CALLS)) {
  const [method] = key.split(' ');
  test(`${key}: refused calls leave no row, the call leaves one with who, what and the change`, async () => {
    const op = writeOperations().find((o) => o.key === key);
    assert.ok(op, `${key} is not in the document`);
    const role = Object.keys(PRINCIPALS).find((r) => PRINCIPALS[r] === c.as);
    assert.ok(op.roles.includes(role), `${c.as} (${role}) is not in x-roles ${op.roles} of ${key}`);
    await c.setup?.();

    // refused: every role outside x-roles with the valid request, then the bad request
    for (const [r, login] of Object.entries(PRINCIPALS)) {
      if (op.roles.includes(r)) continue;
      const x = await send(login, method, c.call());
      assert.equal(x.res.status, 403, `${key} as ${r}: ${x.res.text}`);
      assert.equal(x.count, 0, `${key} refused to ${r} left ${x.count} audit rows`);
    }
    const bad = await send(c.badAs ?? c.as, method, c.bad());
    assert.ok(bad.res.status >= 400 && bad.res.status < 500, `${key} bad request: ${bad.res.status} ${bad.res.text}`);
    assert.equal(bad.count, 0, `${key} refused (${bad.res.status} ${bad.res.text.slice(0, 200)}) left ${bad.count} audit rows`);

    // the valid call: exactly one row, read back as the administrator sees it
    const ok = await send(c.as, method, c.call());
    assert.equal(ok.res.status, c.status ?? 200, `${key}: ${ok.res.text}`);
    assert.equal(ok.count, 1, `${key} left ${ok.count} audit rows, not one`);
    const list = await get('admin', '/api/v1/audit?page_size=5');
    const rows = list.items.filter((x) => x.id > ok.since);
    assert.equal(rows.length, 1, `${key}: ${JSON.stringify(list.items)}`);
    const row = rows[0];
    const want = c.row(ok.res);
    assert.equal(row.actor?.login, c.as, `${key}: actor ${JSON.stringify(row.actor)}`);
    assert.deepEqual([row.action, row.entity, row.entity_id], [want.action, want.entity, want.entity_id], `${key}: ${JSON.stringify(row)}`);
    assert.equal(row.org?.id ?? null, want.org, `${key}: org ${JSON.stringify(row.org)}`);
    assert.ok(row.detail && typeof row.detail === 'object', `${key}: no detail`);
    if (typeof want.detail === 'function') want.detail(row.detail);
    else assert.deepEqual(row.detail, want.detail, `${key}: detail`);
    c.then?.(ok.res);

    // a repeat that changes nothing (a replay, a second click) leaves none
    if (c.again) {
      const again = await send(c.as, method, c.again());
      assert.ok(again.res.status < 300, `${key} again: ${again.res.text}`);
      assert.equal(again.count, 0, `${key} repeated left ${again.count} audit rows`);
    }
  });
}

test('no audit detail holds a phone number or ID card in full', () => {
  const details = q('SELECT detail FROM audit WHERE detail IS NOT NULL');
  const personal = [PHONE, ID_CARD, '13812345678', '13700000071', '13600000044', ...MEMBER_ROWS.flatMap((m) => [m[5], m[6]])];
  assert.deepEqual(personal.filter((p) => details.includes(p)), []);
  assert.match(details, /139\*{4}5678/, 'the masked form is there');
});
