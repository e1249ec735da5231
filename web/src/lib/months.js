// Scored months (GET /api/v1/score/months) and the month a page opens on. A month that is not
// over has been scored from a few days only: it is marked as such (截至 the day of its run)
// and never the default — the default is the latest scored month that is over.
import { computed, watch } from 'vue';
import { api } from './api.js';
import { useLoad } from './load.js';
import { thisMonth, monthOver, fmtDay } from './format.js';

export function defaultMonth(list, now = thisMonth()) {
  return list.find((m) => monthOver(m, now)) ?? list[0] ?? 0;
}

// month: a ref the page reads; it is set to the default once the list is in (and again when
// the list no longer has it). Answers the call's state, the months (newest first) and the day
// each month's figures go to: {YYYYMM: 'YYYY-MM-DD'} of the run (for months not over).
export function useScoreMonths(month) {
  const months = useLoad(() => api.get('/api/v1/score/months'));
  const list = computed(() => (months.data?.items || []).map((i) => i.month));
  const runDay = computed(() => Object.fromEntries((months.data?.items || []).map((i) => [i.month, fmtDay(i.finished_at)])));
  watch(list, (l) => {
    if (l.length && !l.includes(month.value)) month.value = defaultMonth(l);
  });
  return { months, list, runDay };
}

// A line over months ({months: [YYYYMM], <series>: [...]}) without the months not over: a
// month counted from a few days would look like a fall at the end of every line.
export function overOnly(line, now = thisMonth()) {
  if (!line?.months) return line;
  const keep = line.months.map((m) => monthOver(m, now));
  const out = {};
  for (const [k, v] of Object.entries(line)) out[k] = Array.isArray(v) ? v.filter((_, i) => keep[i]) : v;
  return out;
}
