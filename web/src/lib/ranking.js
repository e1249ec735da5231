// The ranking setting (排行榜可见范围, GET/PUT /api/v1/orgs/{id}/ranking): set on the company
// or on a unit committee only, by committee staff and administrators.

export const VISIBILITIES = ['self', 'top10', 'full'];

// The organizations whose setting may be changed, from a scope list (GET /orgs/{id}/subtree
// items): the root (depth 0) and the committees directly below it (depth 1), in order.
export function rankingOrgs(orgs) {
  return (orgs || []).filter((o) => o.kind === 'committee' && o.depth <= 1);
}
