import { describe, it, expect, beforeEach } from 'vitest';
import { setLocale } from '../../src/lib/i18n.js';
import { AUDIT_ENTITIES, actionLabel, entityLabel, entityRef, detailText } from '../../src/lib/audit.js';

// one row of each kind the server writes (audit_log() in src/), the detail as it stores it
const ROWS = [
  ['create', 'member', { emp_no: '100234', name: '张三', org_id: 8 }],
  ['update', 'member', { position: { from: '工程师', to: '高级工程师' }, phone: { from: '139****5678', to: '138****1234' }, gender: { from: null, to: 'female' }, status: { from: 'active', to: 'transferred_out' } }],
  ['reveal', 'member', { fields: ['phone', 'id_card'] }],
  ['import', 'member', { rows: 12, created: 10, updated: 2 }],
  ['import', 'income_base', { rows: 3, created: 3, updated: 0 }],
  ['create', 'account', { login: 'zhangsan', role: 'secretary' }],
  ['passwd', 'account', null],
  ['disable', 'account', null],
  ['enable', 'account', null],
  ['lock', 'login', { subject: 'shuji', ip: '127.0.0.1', scope: 'person at address', minutes: 15 }],
  ['lock', 'login', { subject: '', ip: '127.0.0.2', scope: 'address', minutes: 15 }],
  ['unlock', 'login', { login: 'shuji', subject: 'shuji' }],
  ['create', 'org', { code: 'A01', name: '第一党支部', kind: 'branch' }],
  ['update', 'org', { name: { from: '一支部', to: '第一党支部' }, kind: { from: 'group', to: 'branch' }, secretary_id: { from: null, to: 12 } }],
  ['move', 'org', { parent_id: { from: 2, to: 3 } }],
  ['set_ranking', 'org', { visibility: { from: 'full', to: 'top10' } }],
  ['create', 'plan_webhook', { url: 'https://example.invalid/hook', retry_seconds: 60, max_attempts: 5 }],
  ['create', 'plan_webhook', { url: 'https://oapi.dingtalk.com/robot/send', retry_seconds: 60, max_attempts: 6, kind: 'dingtalk', max_bytes: 300 }],
  ['update', 'plan_webhook', { retry_seconds: { from: 60, to: 30 }, kind: { from: 'wecom', to: 'feishu' }, active: { from: true, to: false }, secret: 'changed' }],
  ['test', 'plan_webhook', { test: 'plan.test' }],
  ['read', 'plan_notice', { read: { from: false, to: true } }],
  ['create', 'plan', { year: 2026, name: '2026年度党建计划', remind_days: 3, tasks: ['dues_on_time', 'meetings'] }],
  ['defaults', 'plan', { year: 2026, name: '默认计划', remind_days: 3, tasks: ['dues_on_time'] }],
  ['update', 'plan', { remind_days: { from: 3, to: 5 } }],
  ['create', 'plan_task', { plan_id: 1, code: 'meetings', name: '三会一课', metric: 'count', target: 12.5, freq: 'quarter', kinds: 'branch,group', under_id: 2, with_groups: true, weight: 0.333333, role: 'secretary', from_day: 1 }],
  ['update', 'plan_task', { target: { from: 10, to: 12 }, role: { from: 'secretary', to: 'committee' }, note: { from: '', to: '按季度' } }],
  ['report', 'plan_report', { task_id: 8, period: '2026Q1', value: 3, evidence: '会议纪要' }],
  ['report', 'plan_case', { period: '2026-10', state: { from: 'acknowledged', to: 'reported' }, task_id: 8, text: '已组织补缴并说明原因' }],
  ['open', 'plan_case', { period: '2026H2', state: { from: null, to: 'open' }, task_id: 8, text: '未达标' }],
  ['escalate', 'plan_case', { period: '2026', state: { from: 'notified', to: 'notified' }, task_id: 8, text: '超过3天未确认' }],
  ['close', 'plan_case', { period: '2026-10', state: { from: 'verified', to: 'closed' }, task_id: 8, text: '' }],
  ['check', 'plan', { day: 20261205, cells: 500, closed: 3, warnings: 4, notices: 5, cases: 1, escalated: 0, reminders: 2, resolved: 1, credited: 0 }],
  ['notify_lagging', 'plan', { orgs: 34, notices: 35, cases: 0 }],
  ['ingest', 'source', { accepted: 1535, duplicate: 0 }],
  ['create', 'source', null],
  ['create', 'dues_payment', { kind: 'collection', channel: 'cash', amount_fen: 26201 }],
  ['create', 'dues_payment', { kind: 'online', channel: 'wechat', amount_fen: 5000 }],
  ['callback', 'dues_payment', { provider_ref: 'WX20261205001', result: 'success' }],
  ['order', 'dues_payment', { provider: 'wechat', out_trade_no: 'DJP00000017' }],
  ['configure', 'dues_provider', { merchant_id: '1900009191', serial_no: '1DDE55AD98ED71D6', platform_serial: '7132D72A03E93CDD' }],
  ['reconcile', 'dues_reconciliation', { provider: 'alipay', bill_date: 20261204, matched: 40, settled: 1, missing: 0, extra: 0, mismatch: 1 }],
  ['reverse', 'dues_payment', { reason: '重复缴纳', bills: 2, entries: 4 }],
  ['collect', 'dues_payment', { payments: 2, amount_fen: 44532, ids: [102982, 102983] }],
  ['remit', 'dues_remittance', { to_org_id: 2, amount_fen: 100000, special_fen: 0 }],
  ['create', 'dues_expense', { kind: 'education', amount_fen: 50000, approved_by: '李四', approver_role: '支部书记', approved_on: '2026-12-01', approval_ref: '支委会决议〔2026〕3号' }],
  ['update', 'dues_setting', null],
  ['update', 'dues_share', { remit_share_bp: { from: 5000, to: 4000 } }],
  ['close', 'dues_month', { on_time: 900, late: 40, warnings: 3, cases: 1 }],
  ['done', 'dues_todo', { done: { from: false, to: true } }],
  ['create', 'dues_payroll', { month: 202612, payments: 120, amount_fen: 360000 }],
  ['update', 'income_base', { year: 2026, from_month: 202601, verified_by: '党费会计' }],
  ['create', 'dues_term', { kind: 'reduced', from_month: 202601, approved_by: '王五' }],
  ['confirm', 'dues_batch', { month: 202611, batch: 37, bills: 2, orgs: 2 }],
  ['generate', 'dues_month', { month: 202612, scope: '/1/2/8/', created: 1, filled: 0, base_missing: 0 }],
  ['generate', 'dues_month', { month: 202612, scope: '/', created: 1000, filled: 0, base_missing: 3 }],
  ['publish', 'dues_month', { month: 202612, bills: 1, orgs: 1 }],
  ['create', 'score_model', { effective_month: 202601, note: '2026年版', base: 60, weights: { politics: 0.2, theory: 0.2, discipline: 0.2, performance: 0.3, honours: 0.1 }, rules: 24 }],
  ['activate', 'score_model', { active_version: { from: 1, to: 2 } }],
  ['run', 'score_month', { month: 202612, version: 1, members: 10000, events: 11321 }],
  ['create', 'sso_settings', { issuer: 'https://idp.example.invalid', client_id: 'dangjian', redirect_uri: 'https://dj.example.invalid/api/v1/auth/oidc/callback', claim: 'employee_number', create_accounts: false, replaced: false }],
  ['update', 'sso_settings', { issuer: 'https://idp.example.invalid', client_id: 'dangjian', redirect_uri: 'https://dj.example.invalid/api/v1/auth/oidc/callback', claim: 'employee_number', create_accounts: true, replaced: true }],
  ['delete', 'sso_settings', null],
  ['create', 'wecom_settings', { corp_id: 'ww-corp', agent_id: '1000002', redirect_uri: 'https://dj.example.invalid/api/v1/auth/wecom/callback', api_base: 'https://qyapi.example.invalid', authorize_url: 'https://login.example.invalid/wwlogin/sso/login', create_accounts: false, replaced: false }],
];

// what a person reads: no Latin words, no codes, no long decimals
const latin = (s) => s.match(/[A-Za-z]{2,}|\d+\.\d{3,}/g);

describe('the audit log in words', () => {
  beforeEach(() => setLocale('zh'));

  it('names every action, kind of record and field the server writes, in Chinese', () => {
    for (const [action, entity, detail] of ROWS) {
      const text = [actionLabel(action, entity), entityLabel(entity), detailText(detail, entity)].join(' ');
      expect(latin(text), `${action} ${entity}: ${text}`).toBeNull();
      expect(actionLabel(action, entity)).not.toBe('其他操作');
      expect(entityLabel(entity)).not.toBe('其他记录');
    }
    for (const e of AUDIT_ENTITIES) expect(entityLabel(e)).not.toBe('其他记录');
    expect(AUDIT_ENTITIES).toEqual(expect.arrayContaining([...new Set(ROWS.map((r) => r[1]))]));
  });

  it('says what was done, with amounts, months, codes and changes in words', () => {
    expect(detailText({ payments: 2, amount_fen: 44532, ids: [102982, 102983] }, 'dues_payment')).toBe('缴费笔数: 2；金额: ¥445.32；缴费记录: 102982、102983');
    expect(detailText({ position: { from: '工程师', to: '高级工程师' }, gender: { from: null, to: 'female' } }, 'member')).toBe('职务: 工程师 → 高级工程师；性别: — → 女');
    expect(detailText({ fields: ['phone', 'id_card'] }, 'member')).toBe('字段: 手机号、身份证号');
    expect(detailText({ kind: 'online', channel: 'wechat' }, 'dues_payment')).toBe('类型: 线上支付；缴费方式: 微信支付');
    expect(detailText({ kind: 'branch' }, 'org')).toBe('类型: 党支部');
    expect(detailText({ kind: { from: 'wecom', to: 'dingtalk' }, secret: 'changed' }, 'plan_webhook')).toBe('类型: 企业微信群机器人 → 钉钉群机器人；密钥: 已更换');
    expect(actionLabel('test', 'plan_webhook')).toBe('发送测试消息');
    expect(detailText({ remit_share_bp: { from: 5000, to: 4000 } }, 'dues_share')).toBe('留存比例: 50% → 40%');
    expect(detailText({ period: '2026Q1', weight: 0.333333 }, 'plan_report')).toBe('周期: 2026年第1季度；权重: 0.33');
    expect(detailText({ state: { from: 'acknowledged', to: 'reported' } }, 'plan_case')).toBe('状态: 已确认 → 已报告');
    expect(detailText({ tasks: ['a_code', 'b_code', 'c_code'] }, 'plan')).toBe('任务: 3 项');
    const names = new Map([[8, '第一党支部']]);
    expect(detailText({ org_id: { from: 8, to: 9 } }, 'member', (id) => names.get(id))).toBe('组织: 第一党支部 → #9');
    expect(detailText({ check: 1, day: 20261205 }, 'plan')).toBe('日期: 2026-12-05');
    expect(actionLabel('close', 'plan_case')).toBe('关闭');
    expect(actionLabel('close', 'dues_month')).toBe('月结');
    expect(entityRef({ entity: 'dues_month', entity_id: 202612 })).toBe('2026年12月');
    expect(entityRef({ entity: 'member', entity_id: 9881 })).toBe('#9881');
    expect(entityRef({ entity: 'plan', entity_id: 0 })).toBe('');
  });

  it('leaves out what has no words and names unknown codes in general words', () => {
    expect(detailText({ login: 'zhangsan', url: 'https://example.invalid/hook', emp_no: 'T12345', mystery: 3 }, 'account')).toBe('');
    expect(detailText({ text: 'phone：已组织补缴' }, 'plan_case')).toBe('说明: phone：已组织补缴');
    expect(actionLabel('frobnicate', 'member')).toBe('其他操作');
    expect(entityLabel('widget')).toBe('其他记录');
    expect(detailText(null)).toBe('');
  });

  it('speaks English when asked', async () => {
    await setLocale('en');
    expect(actionLabel('collect', 'dues_payment')).toBe('Collections recorded');
    expect(detailText({ amount_fen: 100 }, 'dues_payment')).toBe('amount: ¥1.00');
  });
});
