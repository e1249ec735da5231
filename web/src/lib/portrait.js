// Reading a member portrait (GET /api/v1/portraits/members/{id}) for display. The reply is
// shown as the API gives it; these helpers only pick and order its parts.
import { DIMS } from './format.js';
import { t, dimLabel } from './i18n.js';

export const RANK_SCOPES = ['branch', 'unit', 'company'];

export function dimRows(p) {
  const dims = p?.dims || {};
  return DIMS.filter((d) => dims[d]).map((d) => ({
    code: d,
    label: dimLabel(d),
    score: dims[d].score,
    avg: dims[d].branch_avg,
    diff: dims[d].diff ?? (dims[d].branch_avg !== undefined && dims[d].branch_avg !== null ? dims[d].score - dims[d].branch_avg : null),
  }));
}

export function rankRows(p) {
  const ranks = p?.ranks || {};
  return RANK_SCOPES.filter((s) => ranks[s] && ranks[s].rank).map((s) => ({
    scope: s,
    label: t(`rank.${s}`),
    rank: ranks[s].rank,
    of: ranks[s].of,
    percentile: pct100(ranks[s].percentile),
  }));
}

// the API gives the share of members with a lower index (0..1)
export function pct100(v) {
  if (v === null || v === undefined) return null;
  return Number(v) * 100;
}

// strengths and weaknesses: [{dimension, diff, indicators: [...]}]
export function swRows(list) {
  return (list || []).map((s) => {
    const code = s.dimension || s.dim || s.code;
    const inds = s.indicators || s.top || s.missing || [];
    return {
      code,
      label: s.label || dimLabel(code),
      score: s.score,
      avg: s.branch_avg ?? s.avg,
      diff: s.diff,
      indicators: inds.map((i) =>
        typeof i === 'string'
          ? { code: i, name: i }
          : { code: i.indicator || i.code, name: i.name || i.indicator || i.code, points: i.points, avg: i.branch_avg, missing: !!i.missing },
      ),
    };
  });
}
