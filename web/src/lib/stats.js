// Reading GET /api/v1/stats/logins?org_id=&month=YYYYMM:
// {org_id, month, complete, as_of (the last day counted), logins, users, previous (the month
// before over the same span of days when this month is not over), previous_until, change
// (ratio against previous, null when previous had none), daily: [{day: "2026-11-01", logins}]}
import { t, locale } from './i18n.js';
import { fmtChange, fmtDayShort } from './format.js';

// one bar a day, labelled by the day of the month
export function dailyLogins(stats) {
  return (stats?.daily || []).map((d) => ({ name: String(Number(d.day.slice(8, 10))), value: d.logins }));
}

// The comparison in words. A whole month against the whole month before ('sub': "230 人登录 ·
// 环比 -7.4%"); a month not over against the same days of the month before ("截至12月5日 ·
// 230 人登录 · 比上月同期（至11月5日）-7.4%"). 'prev' words the month before's figure.
export function loginsLine(s, what) {
  if (!s) return '';
  const l = locale.value;
  if (what === 'prev') {
    return s.complete === false
      ? t('dash.loginsPrevUntil', { n: s.previous ?? '—', d: fmtDayShort(s.previous_until, l) })
      : t('dash.loginsPrev', { n: s.previous ?? '—' });
  }
  if (s.complete === false) {
    return t('dash.loginsSubOpen', { d: fmtDayShort(s.as_of, l), users: s.users, p: fmtDayShort(s.previous_until, l), change: fmtChange(s.change) });
  }
  return t('dash.loginsSub', { users: s.users, change: fmtChange(s.change) });
}
