// Reading the dues API's replies (src/dues/) for display: a bill's state in words, what a
// member may pay, a month's collection summed up. Money stays integer fen throughout.

// A bill's state as people say it. The API's statuses are no_base, exempt, unpaid, paid and
// confirmed; an unpaid bill is 待发布 before the branch publishes it, 支付确认中 while an
// online payment for it waits for the provider, 欠缴 once its month is over, else 待缴.
export function billState(bill, currentMonth, pendingMonths = new Set()) {
  if (bill.status !== 'unpaid') return bill.status;
  if (pendingMonths.has(bill.month)) return 'pending';
  if (!bill.published) return 'unpublished';
  return bill.month < currentMonth ? 'arrears' : 'due';
}

export const STATE_TAG = {
  due: 'warning',
  arrears: 'danger',
  pending: 'primary', // drawn blue (STATE_COLOR): waiting, not alarming
  unpublished: 'default',
  paid: 'success',
  confirmed: 'success',
  no_base: 'default',
  exempt: 'default',
};

export const STATE_COLOR = { pending: '#1989fa' };

// a member may pay a published, unpaid month that no payment is waiting for
export function payable(bill, currentMonth, pendingMonths) {
  const s = billState(bill, currentMonth, pendingMonths);
  return bill.kind === 'regular' && (s === 'due' || s === 'arrears');
}

// The member's bills (GET /api/v1/dues/members/{id}) one row a month, newest first: the
// regular bill, with the voluntary and advance rows of that month summed beside it.
export function monthRows(history, currentMonth, pendingMonths = new Set()) {
  const byMonth = new Map();
  for (const b of history?.bills || []) {
    let row = byMonth.get(b.month);
    if (!row) {
      row = { month: b.month, bill: null, extra_fen: 0 };
      byMonth.set(b.month, row);
    }
    if (b.kind === 'regular') row.bill = b;
    else row.extra_fen += b.amount_fen || 0;
  }
  return [...byMonth.values()]
    .filter((r) => r.bill)
    .sort((a, b) => b.month - a.month)
    .map((r) => ({
      ...r,
      state: billState(r.bill, currentMonth, pendingMonths),
      payable: payable(r.bill, currentMonth, pendingMonths),
    }));
}

// what is owed now: the payable months and their sum
export function owed(rows) {
  const due = rows.filter((r) => r.payable);
  return { months: due.map((r) => r.month), amount_fen: due.reduce((s, r) => s + (r.bill.amount_fen || 0), 0) };
}

// a rate in basis points (150) as a percentage ("1.5%")
export function fmtRate(bp) {
  if (bp === null || bp === undefined) return '—';
  return `${Number(bp) / 100}%`;
}

// A month's collection (GET /api/v1/dues/reports/collection): "paid" counts confirmed bills
// too, so what one-click confirmation will book is paid minus confirmed.
export function toConfirm(report) {
  const rows = (report?.orgs || [])
    .map((o) => ({ ...o, pending: (o.paid || 0) - (o.confirmed || 0), pending_fen: (o.paid_fen || 0) - (o.confirmed_fen || 0) }))
    .filter((o) => o.pending > 0);
  const t = report?.totals || {};
  return {
    bills: (t.paid || 0) - (t.confirmed || 0),
    amount_fen: t.paid_fen === undefined ? null : (t.paid_fen || 0) - (t.confirmed_fen || 0),
    orgs: rows,
  };
}

// Collection rate: bills paid among those published (paid or still unpaid); null when
// nothing is published yet. By amount when the caller may see amounts.
export function collectionRate(t) {
  if (!t) return null;
  const n = (t.paid || 0) + (t.unpaid || 0);
  return n ? (t.paid || 0) / n : null;
}

export function collectionRateFen(t) {
  if (!t || t.paid_fen === undefined) return null;
  const n = (t.paid_fen || 0) + (t.unpaid_fen || 0);
  return n ? (t.paid_fen || 0) / n : null;
}

// An account's balance as an accountant reads it: the side it stands on (借/贷/平, the API's
// `side`) and the amount on that side, never negative — 党费收入 is a credit balance of
// 629,220.85, not -629,220.85. normal_balance_fen is the balance on the account's normal side,
// so an account whose balance stands on its other side shows that amount on that side.
const SIDE_WORD = { debit: '借', credit: '贷' };
export function balanceOf(a) {
  const side = a.side || (a.balance_fen > 0 ? '借' : a.balance_fen < 0 ? '贷' : '平');
  const normal = a.normal_balance_fen ?? (a.normal_side === 'credit' ? -a.balance_fen : a.balance_fen);
  const fen = side === '平' ? 0 : side === SIDE_WORD[a.normal_side] ? normal : -normal;
  return { side, fen: Math.abs(fen) };
}

// the sums of the debit and of the credit balances of a trial balance (equal when it balances)
export function balanceTotals(accounts) {
  const out = { debit: 0, credit: 0 };
  for (const a of accounts || []) {
    const b = balanceOf(a);
    if (b.side === '借') out.debit += b.fen;
    else if (b.side === '贷') out.credit += b.fen;
  }
  return out;
}

// the accounts of a trial balance that moved, with the totals; compares two replies
export function movedAccounts(before, after) {
  const old = new Map((before?.accounts || []).map((a) => [a.account, a]));
  return (after?.accounts || [])
    .map((a) => {
      const o = old.get(a.account) || { debit_fen: 0, credit_fen: 0, balance_fen: 0 };
      return { ...a, debit_change: a.debit_fen - o.debit_fen, credit_change: a.credit_fen - o.credit_fen };
    })
    .filter((a) => a.debit_change || a.credit_change);
}

// ---- the finance clerk's forms (财务): pure checks that answer message keys per field, so
// that each field says in words what is wrong before anything is sent

// The expense accounts (expense:* in the ledger); their Chinese names are messages
// fin.kind.<kind>, the same names the API answers as kind_name.
export const EXPENSE_KINDS = ['education', 'commendation', 'hardship', 'activities', 'other'];

// '1,234.5' or '1234.50' (yuan, at most two decimals) as fen; null when not an amount.
export function parseYuan(text) {
  const s = String(text ?? '').trim().replace(/,/g, '');
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

// 'YYYY-MM-DD' of a Date on the organization's clock (UTC+8), as the API's dates are written
import { today as isoDate } from './format.js';

export { isoDate };

function validDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

const chars = (s) => [...String(s ?? '')].length;
const blank = (s) => !String(s ?? '').trim();

// An expenditure form {kind, amount, note, approved_by, approver_role, approved_on,
// approval_ref}: {} when it may be sent, else field → message key. bankFen: what the bank
// holds (null when not known).
export function checkExpense(f, today = isoDate(), bankFen = null) {
  const e = {};
  const fen = parseYuan(f.amount);
  if (!EXPENSE_KINDS.includes(f.kind)) e.kind = 'fin.err.kind';
  if (fen === null || fen <= 0) e.amount = 'fin.err.amount';
  else if (bankFen !== null && fen > bankFen) e.amount = 'fin.err.overBank';
  if (chars(f.note) > 200) e.note = 'fin.err.long200';
  if (blank(f.approved_by)) e.approved_by = 'fin.err.approvedBy';
  else if (chars(f.approved_by) > 64) e.approved_by = 'fin.err.long64';
  if (blank(f.approver_role)) e.approver_role = 'fin.err.approverRole';
  else if (chars(f.approver_role) > 64) e.approver_role = 'fin.err.long64';
  if (!validDate(f.approved_on)) e.approved_on = 'fin.err.date';
  else if (f.approved_on > today) e.approved_on = 'fin.err.future';
  if (blank(f.approval_ref)) e.approval_ref = 'fin.err.approvalRef';
  else if (chars(f.approval_ref) > 100) e.approval_ref = 'fin.err.long100';
  return e;
}

// The expense as the API takes it (POST /api/v1/dues/expenses).
export function expenseBody(f, orgId, requestKey) {
  const body = {
    org_id: orgId,
    kind: f.kind,
    amount_fen: parseYuan(f.amount),
    approved_by: f.approved_by.trim(),
    approver_role: f.approver_role.trim(),
    approved_on: f.approved_on,
    approval_ref: f.approval_ref.trim(),
    request_key: requestKey,
  };
  if (!blank(f.note)) body.note = f.note.trim();
  return body;
}

// A base form {year, from_month ('' or 'YYYY-MM'), amount, verified_by}.
export function checkBase(f) {
  const e = {};
  const y = Number(f.year);
  if (!Number.isInteger(y) || y < 2008 || y > 2100) e.year = 'fin.err.year';
  const fen = parseYuan(f.amount);
  if (fen === null || fen <= 0) e.amount = 'fin.err.amount';
  else if (fen > 100000000) e.amount = 'fin.err.baseMax';
  if (f.from_month) {
    const m = /^(\d{4})-?(\d{2})$/.exec(f.from_month);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) e.from_month = 'fin.err.month';
    else if (!e.year && Number(m[1]) !== y) e.from_month = 'fin.err.monthOfYear';
  }
  if (chars(f.verified_by) > 64) e.verified_by = 'fin.err.long64';
  return e;
}

export function baseBody(f, memberId) {
  const body = { member_id: memberId, year: Number(f.year), monthly_fen: parseYuan(f.amount) };
  if (f.from_month) body.from_month = Number(f.from_month.replace('-', ''));
  if (!blank(f.verified_by)) body.verified_by = f.verified_by.trim();
  return body;
}

// A reversal's reason: required, at most 200 characters.
export function checkReason(text) {
  if (blank(text)) return 'fin.err.reason';
  return chars(text) > 200 ? 'fin.err.long200' : '';
}

// The field a refused write names ("field 'approved_on' ..." in the API's message), so that
// the server's answer shows next to that field; '' when it names none.
export function errorField(err) {
  const d = (err?.details || []).find((x) => x && x.field);
  return d ? d.field : '';
}

// A member's bases (GET /api/v1/dues/members/{id}: bases, newest first) by year, newest year
// first, each year's rows from its first month on.
export function basesByYear(bases) {
  const years = new Map();
  for (const b of bases || []) {
    if (!years.has(b.year)) years.set(b.year, []);
    years.get(b.year).push(b);
  }
  return [...years.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([year, rows]) => ({ year, rows: [...rows].sort((a, b) => a.from_month - b.from_month) }));
}

// What a payment row offers: only a paid payment is reversed (the API refuses the rest).
export function reversible(payment) {
  return payment?.status === 'paid';
}

// The reversing entries a reversal posted (its entry_ids), found among ledger entries.
export function entriesByIds(entries, ids) {
  const want = new Set(ids || []);
  return (entries?.items || []).filter((x) => want.has(x.id));
}

// A new idempotency key for a write that moves money: a retry of the same form sends the same
// key, so that a double click books once.
export function requestKey(prefix) {
  const r = Math.random().toString(36).slice(2, 10);
  return `${prefix}-${Date.now().toString(36)}-${r}`;
}
