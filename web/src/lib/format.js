// Display helpers, the one place numbers and days are written for people: an index or a score
// with one decimal, a rate as a percentage with one decimal, a change of a rate in points with
// one decimal, money (integer fen in the API) as yuan with two decimals. Days and months are
// the organization's: China Standard Time (UTC+8), whatever the browser's zone.

export function fmt1(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  return (Math.round(Number(v) * 10) / 10).toFixed(1);
}

export function fmtSigned1(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  const s = fmt1(v);
  return Number(s) > 0 ? `+${s}` : s;
}

// a rate 0..1 as a percentage with one decimal: 0.9090909 -> "90.9%"
export function fmtPct(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  return `${(Number(v) * 100).toFixed(1)}%`;
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

const p2 = (n) => String(n).padStart(2, '0');
// a Date moved by eight hours, read with the UTC getters: the wall clock in Beijing
const cst = (d) => new Date(d.getTime() + 8 * 3600 * 1000);

export function fmtTime(unix) {
  if (!unix) return '—';
  const d = cst(new Date(unix * 1000));
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`;
}

// today as YYYY-MM-DD on the organization's clock
export function today(d = new Date()) {
  const c = cst(d);
  return `${c.getUTCFullYear()}-${p2(c.getUTCMonth() + 1)}-${p2(c.getUTCDate())}`;
}

// "2026-12-05" -> "12月5日" (zh) or "Dec 5" (en)
export function fmtDayShort(day, locale = 'zh') {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day || '');
  if (!m) return '—';
  if (locale === 'zh') return `${Number(m[2])}月${Number(m[3])}日`;
  return `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(m[2]) - 1]} ${Number(m[3])}`;
}

// Numbers inside a sentence the server wrote ("完成 90.9091/100"): more than one decimal is
// rounded to one, as everywhere else.
export function tidyNumbers(text) {
  return String(text ?? '').replace(/\d+\.\d{2,}/g, (n) => fmtNum(n));
}

export const DIMS = ['politics', 'theory', 'discipline', 'performance', 'honours'];

// A ratio against the previous period as people write it: 2.7435 -> "+274.4%", -0.1 -> "-10.0%"
export function fmtChange(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  const s = (Number(v) * 100).toFixed(1);
  return Number(s) > 0 ? `+${s}%` : `${s}%`;
}

// YYYYMM arithmetic: monthAdd(202601, -1) = 202512
export function monthAdd(m, n) {
  const i = Math.floor(m / 100) * 12 + (m % 100) - 1 + n;
  return Math.floor(i / 12) * 100 + (i % 12) + 1;
}

// this month as YYYYMM on the organization's clock
export function thisMonth(d = new Date()) {
  const c = cst(d);
  return c.getUTCFullYear() * 100 + c.getUTCMonth() + 1;
}

// a month (YYYYMM) that is over: every figure of it is final
export const monthOver = (m, now = thisMonth()) => Number(m) < now;

// the day of a UTC-seconds instant, YYYY-MM-DD on the organization's clock
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
