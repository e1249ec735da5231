// The audit log in words (GET /api/v1/audit): the action, the kind of record and what was
// recorded, as a person reads them. Every action, entity and detail field the server writes
// (audit_log() in src/) has a label in the messages; a code without one is named in general
// words ("其他操作") or left out, never shown raw.
import { t, locale, dimLabel } from './i18n.js';
import { fmtMonth, fmtYuan } from './format.js';
import { periodLabel } from './plans.js';

/** Every kind of record the server audits, in the order the filter offers them. */
export const AUDIT_ENTITIES = [
  'member', 'org', 'account', 'login', 'source',
  'income_base', 'dues_term', 'dues_month', 'dues_payment', 'dues_payroll', 'dues_batch', 'dues_remittance', 'dues_expense', 'dues_share', 'dues_setting', 'dues_todo', 'dues_provider', 'dues_reconciliation',
  'plan', 'plan_task', 'plan_report', 'plan_case', 'plan_notice', 'plan_webhook',
  'score_model', 'score_month', 'sso_settings', 'wecom_settings',
];

// the message of key when there is one, else null (t() answers an unknown key with the key)
function known(key) {
  const s = t(key);
  return s === key ? null : s;
}

/** An action by its name; a rectification case's steps as the case's page names them. */
export function actionLabel(action, entity) {
  return (entity === 'plan_case' && known(`case.action.${action}`)) || known(`audit.action.${action}`) || t('audit.action.other');
}

/** A kind of record by its name. */
export const entityLabel = (entity) => known(`audit.kind.${entity}`) || t('audit.kind.other');

// months as entity ids: a month's bills, a month's scores
const MONTH_ENTITIES = new Set(['dues_month', 'dues_payroll', 'score_month']);

/** The record's number as the row shows it: "#123", a month in words, or nothing. */
export function entityRef(row) {
  if (!row.entity_id) return '';
  if (MONTH_ENTITIES.has(row.entity) && row.entity_id > 190000) return fmtMonth(row.entity_id, locale.value);
  return `#${row.entity_id}`;
}

const fieldLabel = (k) => known(`audit.field.${k}`) || known(`member.${k}`);

// the messages that name a field's values, where the field says what they are
const VALUE_KEYS = {
  gender: 'gender', party_status: 'party_status', category: 'category', status: 'status', role: 'role', channel: 'dues.channel', provider: 'dues.channel',
  visibility: 'rankset', metric: 'plans.metric', freq: 'plans.freq', state: 'case.state', kinds: 'kind',
};
// "kind" is the kind of the record it is in
const KIND_KEYS = { org: 'kind', dues_payment: 'dues.kind', dues_expense: 'fin.kind', plan_webhook: 'webhook.kind' };
const MONEY = new Set(['amount_fen', 'special_fen']);
const MONTHS = new Set(['month', 'from_month', 'to_month', 'effective_month']);

const num = (v) => String(Math.round(v * 100) / 100);
// fields that hold an organization's id: named when the page knows the organization
const ORG_IDS = new Set(['org_id', 'parent_id', 'to_org_id', 'from_org_id', 'under_id']);

function periodText(p) {
  const m = /^(\d{4})(?:-(\d{2})|Q([1-4])|H([12]))?$/.exec(p);
  if (!m) return null;
  const year = Number(m[1]);
  if (m[2]) return periodLabel({ kind: 'month', year, index: Number(m[2]) }, t);
  if (m[3]) return periodLabel({ kind: 'quarter', year, index: Number(m[3]) }, t);
  if (m[4]) return periodLabel({ kind: 'half', year, index: Number(m[4]) }, t);
  return periodLabel({ kind: 'year', year }, t);
}

// one code in words, by the field's own names first
function codeText(field, entity, v) {
  const prefix = field === 'kind' ? KIND_KEYS[entity] : VALUE_KEYS[field];
  return (prefix && known(`${prefix}.${v}`)) || known(`audit.value.${v}`);
}

/** One value as a person reads it, or null when it has no words: a number, an amount, a
 *  month, a date, a masked number, Chinese text as written, a code by its name, an
 *  organization by the name orgName(id) gives (else its number). */
export function valueText(field, v, entity = '', orgName = () => null) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return t(v ? 'audit.yes' : 'audit.no');
  if (typeof v === 'number') {
    if (MONEY.has(field)) return `¥${fmtYuan(v)}`;
    if (MONTHS.has(field) && v > 190000 && v < 1000000) return fmtMonth(v, locale.value);
    if (field === 'remit_share_bp') return `${num(v / 100)}%`;
    if (field === 'day' && v > 19000000) return `${Math.floor(v / 10000)}-${String(Math.floor(v / 100) % 100).padStart(2, '0')}-${String(v % 100).padStart(2, '0')}`;
    if (ORG_IDS.has(field) && orgName(v)) return orgName(v);
    if (field.endsWith('_id')) return `#${v}`;
    return num(v);
  }
  if (typeof v !== 'string' || !v) return null;
  if (field === 'period') return periodText(v);
  if (field === 'scope' && /^\/[\d/]*$/.test(v)) return v === '/' ? t('audit.value.company') : null;
  if (field === 'kinds') {
    const xs = v.split(',').map((k) => codeText(field, entity, k));
    return xs.every(Boolean) ? xs.join('、') : null;
  }
  const code = codeText(field, entity, v);
  if (code) return code;
  if (/^[\d\-:/ .*]+$/.test(v) || /[\u4e00-\u9fff]/.test(v)) return v;
  return null;
}

// a list: field names by their labels, else the values when they have words, else a count
function listText(v) {
  const names = v.map((x) => (typeof x === 'string' ? fieldLabel(x) : null));
  if (v.length && names.every(Boolean)) return names.join('、');
  const xs = v.map((x) => valueText('', x));
  if (v.length && v.length <= 5 && xs.every(Boolean)) return xs.join('、');
  return t('audit.items', { n: v.length });
}

// a field's value in words: a change "before → after", a list, the scoring weights
function fieldText(field, v, entity, orgName) {
  if (Array.isArray(v)) return listText(v);
  if (v && typeof v === 'object' && ('from' in v || 'to' in v)) {
    const pair = [valueText(field, v.from, entity, orgName), valueText(field, v.to, entity, orgName)];
    return pair[0] === null && pair[1] === null ? null : `${pair[0] ?? '—'} → ${pair[1] ?? '—'}`;
  }
  if (v && typeof v === 'object') {
    const xs = Object.entries(v).map(([k, x]) => (typeof x === 'number' && known(`dim.${k}`) ? `${dimLabel(k)} ${num(x)}` : null));
    return xs.length && xs.every(Boolean) ? xs.join('、') : null;
  }
  return valueText(field, v, entity, orgName);
}

/** What was recorded, in words: "字段: 值" for each field whose value has words, joined
 *  with "；" (at most 300 characters). orgName(id) names the organizations the page knows. */
export function detailText(detail, entity = '', orgName = () => null) {
  if (!detail || typeof detail !== 'object') return '';
  const parts = [];
  for (const [k, v] of Object.entries(detail)) {
    const name = fieldLabel(k);
    const text = name && fieldText(k, v, entity, orgName);
    if (text) parts.push(`${name}: ${text}`);
  }
  return parts.join('；').slice(0, 300);
}
