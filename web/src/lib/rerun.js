// Which run of a month a page shows, and what re-runs changed for a member (docs/SCORING.md,
// "Late events and re-runs"): the `run` of portraits and leaderboards, the member portrait's
// `changes`. Only words and order here; the figures are the API's.
import { t, locale, dimLabel } from './i18n.js';
import { DIMS, fmt1, fmtSigned1, fmtDay, fmtDayShort } from './format.js';

// {number: 2, finished_at} -> "第2次计算，12月3日"; '' without a run
export function runLabel(run, loc = locale.value) {
  if (!run?.number) return '';
  return t('run.label', { n: run.number, d: fmtDayShort(fmtDay(run.finished_at), loc) });
}

const ym = (m) => `${Math.floor(m / 100)}-${String(m % 100).padStart(2, '0')}`;

// [{source, name, events}] -> "人力资源系统 3 条迟到数据，生产执行系统 2 条迟到数据"
export function lateText(late) {
  return (late || []).map((l) => t('run.late', { source: l.name || l.source, n: l.events })).join(t('run.sep'));
}

// One change as a line: "2026-10：82.1 → 84.3，人力资源系统 3 条迟到数据", and the dimensions
// that moved ("有理论 +6.0"). A change without late events was a re-run by hand.
export function changeRows(changes) {
  return (changes || []).map((c) => {
    const late = lateText(c.late);
    const head = t('run.change', { month: ym(c.month), from: c.old_index == null ? '—' : fmt1(c.old_index), to: c.new_index == null ? '—' : fmt1(c.new_index) });
    return {
      key: `${c.month}-${c.run}`,
      line: head + t('run.sep') + (late || t(`run.reason.${c.reason}`)),
      dims: DIMS.filter((d) => c.dims?.[d] !== undefined)
        .map((d) => `${dimLabel(d)} ${fmtSigned1(c.dims[d])}`)
        .join(t('run.sep')),
      run: runLabel({ number: c.run, finished_at: c.at }),
    };
  });
}
