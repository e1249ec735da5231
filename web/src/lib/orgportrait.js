// Reading an organization portrait (GET /api/v1/portraits/orgs/{id}).
import { DIMS } from './format.js';
import { dimLabel } from './i18n.js';

// a dimension's average, whether the API gives a number or {avg|score|value}
export function dimValue(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  return v.avg ?? v.score ?? v.value ?? null;
}

export function orgDimRows(p) {
  const dims = p?.dims || {};
  return DIMS.filter((d) => dims[d] !== undefined).map((d) => ({ code: d, label: dimLabel(d), value: dimValue(dims[d]) }));
}

// sub-organizations for the heatmap: [{name, dims: {politics: n}}]
export function childRows(p) {
  return (p?.children || []).map((c) => {
    const dims = {};
    for (const d of DIMS) if (c.dims && c.dims[d] !== undefined) dims[d] = dimValue(c.dims[d]);
    return { id: c.id ?? c.org_id, name: c.name ?? c.org_name ?? c.org?.name ?? '', members: c.members, index: c.index, dims };
  });
}
