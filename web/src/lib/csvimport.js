// CSV import (POST /api/v1/import/{orgs|members|bases}): which kinds a role may import, the template
// files made here, and reading the server's replies. The file itself is sent as the bytes
// chosen, never decoded in the browser: the server tells UTF-8, UTF-8 with BOM and GBK apart.
import { errorMessage } from './errors.js';
import { locale } from './i18n.js';
import { importSummary, knownReason, reasonText, serverSaid } from './reasons.js';

// The columns of each kind, in the Chinese names the server reads (English names work too).
export const IMPORT_COLUMNS = {
  orgs: ['组织编码', '组织名称', '上级组织编码', '组织类型', '书记工号'],
  members: ['工号', '姓名', '性别', '出生日期', '入党日期', '所在组织编码', '身份证号', '手机号', '职务', '党员类型', '人员类别'],
  bases: ['工号', '年度', '月收入（元）', '核定人'],
};

// x-roles of the routes in docs/openapi.json
export const IMPORT_ROLES = {
  orgs: ['committee', 'admin'],
  members: ['committee', 'admin', 'secretary'],
  bases: ['finance'],
};

// The kinds (of those offered, in their order) a person with these role names may import.
export function importKinds(roleNames, offered = ['members', 'orgs']) {
  return offered.filter((k) => IMPORT_ROLES[k].some((r) => roleNames.includes(r)));
}

// The template: the header row only, UTF-8 with a BOM so that Excel shows the Chinese names.
export function templateCsv(kind) {
  return `\uFEFF${IMPORT_COLUMNS[kind].join(',')}\r\n`;
}

// '2024-03' (an <input type=month>) or '202403' as the API's YYYYMM; '' when empty.
export function fromMonth(v) {
  const s = String(v || '').trim();
  if (!s) return '';
  const m = /^(\d{4})-?(\d{2})$/.exec(s);
  return m ? `${m[1]}${m[2]}` : s;
}

// The query of an import call: from applies to members only.
// The query of a list's .xlsx export: the page's filters with format=xlsx, without its paging
// (the server exports every page) or empty values.
export function exportQuery(query) {
  const q = { format: 'xlsx' };
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== '' && k !== 'page' && k !== 'page_size') q[k] = v;
  return q;
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// The Content-Type for a chosen file's bytes: an Excel workbook (.xlsx, a zip: "PK\3\4") or
// CSV. The server tells them apart by content too; the type only has to be one it takes.
export function importContentType(bytes) {
  const b = new Uint8Array(bytes ?? new ArrayBuffer(0), 0, Math.min(4, bytes?.byteLength ?? 0));
  return b.length === 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4 ? XLSX_TYPE : 'text/csv';
}

export function importQuery(kind, from, dryRun) {
  const q = {};
  if (dryRun) q.dry_run = 'true';
  if (kind === 'members' && fromMonth(from)) q.from = fromMonth(from);
  return q;
}

// A refused import as {message, reasons}: a summary and one line per bad row and column, in
// Chinese from each item's reason (src/lib/reasons.js); an item this app has no words for is
// shown as the server's English, marked so. Only an 'invalid' reply (400) is a list of
// problems in the file; anything else is answered null and shown as an ordinary error.
export function importProblems(e) {
  if (!e || e.status !== 400) return null;
  const details = e.details || [];
  const english = (d) => (typeof d === 'object' && d ? d.message || d.reason || JSON.stringify(d) : String(d));
  if (locale.value === 'en') return { message: e.message || '', reasons: details.map(english) };
  const reasons = details.map((d) => reasonText(d) ?? serverSaid(english(d)));
  // a file-level problem (no header, a bad encoding) is one item: it is the message
  const perRow = details.length > 0 && details.every((d) => d && Number.isInteger(d.row) && d.column);
  const message = perRow && details.every(knownReason) ? importSummary(e.message, details.length) : errorMessage(e);
  return { message, reasons: perRow || !details.every(knownReason) ? reasons : [] };
}

// Whether a 200 reply is a clean preview of exactly the file and options now chosen.
export function canConfirm(preview, current) {
  return !!preview && !!preview.report && preview.report.dry_run === true && preview.key === current;
}
