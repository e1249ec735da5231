// Display helpers. Scores keep full precision in the API; people see one decimal.
// Money is integer fen in the API; people see yuan with two decimals.

export function fmt1(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  return (Math.round(Number(v) * 10) / 10).toFixed(1);
}

export function fmtSigned1(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  const s = fmt1(v);
  return Number(s) > 0 ? `+${s}` : s;
}

export function fmtPct(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  return `${(Number(v) * 100).toFixed(digits)}%`;
}

export function fmtYuan(fen) {
  if (fen === null || fen === undefined) return '—';
  const n = Number(fen);
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  return `${sign}${Math.floor(a / 100).toLocaleString('en-US')}.${String(a % 100).padStart(2, '0')}`;
}

// 202410 -> "2024年10月" (zh) or "2024-10" (en)
export function fmtMonth(m, locale = 'zh') {
  if (!m) return '—';
  const y = Math.floor(m / 100);
  const mm = m % 100;
  return locale === 'zh' ? `${y}年${mm}月` : `${y}-${String(mm).padStart(2, '0')}`;
}

// 202410 -> "10月" / "Oct" style short axis labels
export function fmtMonthShort(m, locale = 'zh') {
  if (!m) return '';
  const y = Math.floor(m / 100) % 100;
  const mm = m % 100;
  return locale === 'zh' ? `${String(y).padStart(2, '0')}/${mm}月` : `${String(y).padStart(2, '0')}-${String(mm).padStart(2, '0')}`;
}

export function fmtTime(unix) {
  if (!unix) return '—';
  const d = new Date(unix * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export const DIMS = ['politics', 'theory', 'discipline', 'performance', 'honours'];

// A ratio against the previous period as people write it: 2.7435 -> "+274.35%", -0.1 -> "-10.00%"
export function fmtChange(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  const s = (Number(v) * 100).toFixed(digits);
  return Number(s) > 0 ? `+${s}%` : `${s}%`;
}

// YYYYMM arithmetic: monthAdd(202601, -1) = 202512
export function monthAdd(m, n) {
  const i = Math.floor(m / 100) * 12 + (m % 100) - 1 + n;
  return Math.floor(i / 12) * 100 + (i % 12) + 1;
}

// this month as YYYYMM by the browser's clock
export function thisMonth(d = new Date()) {
  return d.getFullYear() * 100 + d.getMonth() + 1;
}

// the day of a UTC-seconds instant, YYYY-MM-DD in local time
export function fmtDay(unix) {
  if (!unix) return '—';
  return fmtTime(unix).slice(0, 10);
}

// a count or amount as it is: 3 -> "3", 2.5 -> "2.5"
export function fmtNum(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  return Number.isInteger(Number(v)) ? String(Number(v)) : Number(v).toFixed(1);
}

// a change of a rate in percentage points: 0.033 -> "+3.3"
export function fmtPoints(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  return fmtSigned1(Number(v) * 100);
}
