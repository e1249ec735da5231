// The organizations the signed-in staff account covers (GET /api/v1/orgs/{id}/subtree of
// each staff role's organization), fetched once per session and shared by the pages.
import { api } from './api.js';
import { session, STAFF_ROLES } from './session.js';

let cache = null;
let cacheFor = null;

export function staffRoots() {
  const seen = new Set();
  const out = [];
  for (const r of session.account?.roles || []) {
    if (!STAFF_ROLES.includes(r.role) || seen.has(r.org_id)) continue;
    // a root inside another root's subtree adds nothing
    seen.add(r.org_id);
    out.push({ id: r.org_id, name: r.org_name, kind: r.org_kind, role: r.role });
  }
  return out;
}

export async function scopeOrgs() {
  const key = session.account?.id;
  if (cache && cacheFor === key) return cache;
  cacheFor = key;
  cache = (async () => {
    const byId = new Map();
    for (const root of staffRoots()) {
      const list = await api.get(`/api/v1/orgs/${root.id}/subtree`);
      for (const o of list.items || []) byId.set(o.id, o);
    }
    return [...byId.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  })();
  cache.catch(() => {
    cache = null;
  });
  return cache;
}

export function forgetOrgs() {
  cache = null;
}

export const KIND_ORDER = ['committee', 'general_branch', 'branch', 'group'];
