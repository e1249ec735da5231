// Reading the plans API's replies (src/plan/) for display: levels, periods, the
// rectification loop's states and who acts next, organizations summed up from warnings.

export const LEVELS = ['green', 'yellow', 'red', 'not_met'];
export const LEVEL_COLOR = { green: '#07a35a', yellow: '#e6a23c', red: '#ee0a24', not_met: '#7a0c10' };
const RANK = { green: 0, yellow: 1, red: 2, not_met: 3 };

export function worseLevel(a, b) {
  if (!a) return b || null;
  if (!b) return a;
  return RANK[b] > RANK[a] ? b : a;
}

// The loop (src/plan/loop.c): which side takes each action, and which need a text.
export const CASE_STATES = ['open', 'notified', 'acknowledged', 'reported', 'returned', 'verified', 'closed'];
export const BRANCH_ACTIONS = ['acknowledge', 'report'];
export const SUPERIOR_ACTIONS = ['notify', 'verify', 'return', 'close'];
export const TEXT_ACTIONS = ['report', 'return'];
export const CASE_TAG = {
  open: 'default',
  notified: 'warning',
  acknowledged: 'primary',
  reported: 'primary',
  returned: 'danger',
  verified: 'success',
  closed: 'success',
};

// the actions of a case ("actions" in the reply) that one side may take
export function caseActions(c, side) {
  const mine = side === 'branch' ? BRANCH_ACTIONS : SUPERIOR_ACTIONS;
  return (c?.actions || []).filter((a) => mine.includes(a));
}

// Periods of a year that have begun by `today` (YYYY-MM-DD), whole year first: the API refuses
// a period that has not begun.
export function periodOptions(year, today) {
  const ym = Number(today.slice(0, 4)) * 100 + Number(today.slice(5, 7));
  // open: the period is not over yet (its last month is this month or later)
  const out = [{ value: String(year), kind: 'year', year, open: year * 100 + 12 >= ym }];
  const add = (value, kind, index, firstMonth, lastMonth) => {
    if (year * 100 + firstMonth <= ym) out.push({ value, kind, index, year, open: year * 100 + lastMonth >= ym });
  };
  for (let h = 1; h <= 2; h++) add(`${year}H${h}`, 'half', h, (h - 1) * 6 + 1, h * 6);
  for (let q = 1; q <= 4; q++) add(`${year}Q${q}`, 'quarter', q, (q - 1) * 3 + 1, q * 3);
  for (let m = 1; m <= 12; m++) add(`${year}-${String(m).padStart(2, '0')}`, 'month', m, m, m);
  return out;
}

// The period a page opens on: the latest month that is over (a period not over is measured
// against what is due so far, and is never the default).
export function defaultPeriod(today) {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

// The organizations of a progress reply (GET /api/v1/plans/progress) with their completion
// rate, and the worst open warning of each (GET /api/v1/plans/warnings) as its level.
export function progressRows(progress, warnings) {
  const worst = new Map();
  const count = new Map();
  for (const w of warnings?.items || []) {
    const id = w.org?.id;
    worst.set(id, worseLevel(worst.get(id), w.level));
    count.set(id, (count.get(id) || 0) + 1);
  }
  return (progress?.levels || []).map((l) => ({
    org: l.org,
    depth: l.depth,
    parent_id: l.parent_id,
    rate: l.rate,
    orgs: l.orgs,
    level: worst.get(l.org.id) || 'green',
    warnings: count.get(l.org.id) || 0,
  }));
}

// the direct sub-organizations of the progress root, for the bar chart
export function childRates(progress) {
  const levels = progress?.levels || [];
  const kids = levels.filter((l) => l.depth === 1);
  const use = kids.length ? kids : levels.filter((l) => l.depth === 0);
  return use.map((l) => ({ id: l.org.id, name: l.org.name, value: l.rate === null || l.rate === undefined ? null : l.rate * 100 }));
}

// open warnings counted by level
export function warningCounts(warnings) {
  const out = { yellow: 0, red: 0, not_met: 0, total: 0 };
  for (const w of warnings?.items || []) {
    if (out[w.level] !== undefined) out[w.level]++;
    out.total++;
  }
  return out;
}

// the year of a period name: "2026Q1" -> 2026
export const periodYear = (p) => Number(String(p).slice(0, 4));

// a period option in words: 2026年第1季度 / 2026 Q1
export function periodLabel(o, t) {
  const open = o.open ? t('plans.p.open') : '';
  if (o.kind === 'year') return t('plans.p.year', { y: o.year }) + open;
  if (o.kind === 'half') return t(`plans.p.half${o.index}`, { y: o.year }) + open;
  if (o.kind === 'quarter') return t('plans.p.quarter', { y: o.year, n: o.index }) + open;
  return t('plans.p.month', { y: o.year, n: o.index, mm: String(o.index).padStart(2, '0') }) + open;
}

// today as YYYY-MM-DD on the organization's clock (UTC+8)
export { today } from './format.js';
