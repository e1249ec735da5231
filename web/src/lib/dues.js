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
