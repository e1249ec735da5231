// Routes in history mode (the server answers index.html for any path that is not a file).
// meta.api: the operations a page cannot do without (docs/openapi.json x-roles, lib/access.js);
// meta.roles: whom a page is for, among those the operations allow (the party-work pages are
// not finance's); either unmet: the 403 page. meta.member: needs a member record. The server
// enforces its rules on every API call; this only spares people pages that would refuse them.
import { createRouter, createWebHistory } from 'vue-router';
import { session, loadMe, hasRole, isStaff, clearSession } from './lib/session.js';
import { onUnauthorized } from './lib/api.js';
import { canAll } from './lib/access.js';

import MemberLayout from './pages/member/MemberLayout.vue';
import Forbidden from './pages/Forbidden.vue';
import NotFound from './pages/NotFound.vue';

const STAFF = ['secretary', 'committee', 'finance', 'admin'];
const PARTY_WORK = ['secretary', 'committee', 'admin'];

// the two small pages that say no load with the app; every page when first visited (index.html
// starts fetching the code of the page opened, the member home's too: src/early.js)
export const routes = [
  { path: '/login', name: 'login', component: () => import('./pages/Login.vue'), meta: { public: true } },
  {
    path: '/',
    component: MemberLayout,
    children: [
      { path: '', name: 'home', component: () => import('./pages/member/Home.vue'), meta: { member: true } },
      { path: 'dues', name: 'my-dues', component: () => import('./pages/member/Dues.vue'), meta: { member: true } },
      { path: 'inbox', name: 'inbox', component: () => import('./pages/member/Inbox.vue') },
      { path: 'me', name: 'me', component: () => import('./pages/member/Me.vue') },
      { path: 'rules', name: 'rules', component: () => import('./pages/member/Rules.vue') },
    ],
  },
  {
    path: '/admin',
    component: () => import('./pages/admin/AdminLayout.vue'),
    meta: { roles: STAFF },
    children: [
      { path: '', name: 'dashboard', component: () => import('./pages/admin/Dashboard.vue'), meta: { api: ['GET /api/v1/orgs/{id}/subtree'] } },
      { path: 'orgs', name: 'orgs', component: () => import('./pages/admin/Orgs.vue'), meta: { api: ['GET /api/v1/orgs/{id}/subtree', 'GET /api/v1/members'] } },
      { path: 'members/:id', name: 'member', component: () => import('./pages/admin/MemberDetail.vue'), meta: { api: ['GET /api/v1/members/{id}'] } },
      { path: 'portraits', name: 'portraits', component: () => import('./pages/admin/Portraits.vue'), meta: { roles: PARTY_WORK, api: ['GET /api/v1/portraits/orgs/{id}'] } },
      { path: 'leaderboard', name: 'leaderboard', component: () => import('./pages/admin/Leaderboard.vue'), meta: { roles: PARTY_WORK, api: ['GET /api/v1/leaderboard'] } },
      { path: 'plans', name: 'plans', component: () => import('./pages/admin/Plans.vue'), meta: { roles: PARTY_WORK, api: ['GET /api/v1/plans/progress'] } },
      { path: 'dues', name: 'dues', component: () => import('./pages/admin/Dues.vue'), meta: { api: ['GET /api/v1/dues/reports/collection'] } },
      { path: 'sources', name: 'sources', component: () => import('./pages/admin/Sources.vue'), meta: { api: ['GET /api/v1/feeds/quality'] } },
      { path: 'webhooks', name: 'webhooks', component: () => import('./pages/admin/Webhooks.vue'), meta: { api: ['GET /api/v1/plans/webhooks'] } },
      { path: 'audit', name: 'audit', component: () => import('./pages/admin/Audit.vue'), meta: { api: ['GET /api/v1/audit'] } },
      { path: 'model', name: 'model', component: () => import('./pages/admin/Model.vue'), meta: { api: ['GET /api/v1/score/models'] } },
      { path: 'national', name: 'national', component: () => import('./pages/admin/National.vue'), meta: { api: ['GET /api/v1/national/provinces'] } },
    ],
  },
  { path: '/forbidden', name: 'forbidden', component: Forbidden },
  { path: '/:rest(.*)*', name: 'notfound', component: NotFound },
];

// a route's meta is met by the signed-in account: its roles (when it names them) and its operations
export function allowed(meta = {}) {
  return (!meta.roles || hasRole(...meta.roles)) && (!meta.api || canAll(meta.api));
}

export function homeFor() {
  if (session.account?.member) return { name: 'home' };
  if (isStaff()) return { name: 'dashboard' };
  return { name: 'me' };
}

// the navigation decision, separate from the router so that unit tests can call it
export function decide(to) {
  const meta = to.meta || {};
  if (meta.public) return to.name === 'login' && session.account ? homeFor() : true;
  if (!session.account) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
  // every matched level must be met (the console layout and the page itself)
  const levels = to.matched ? to.matched.map((r) => r.meta || {}) : [meta];
  if (!levels.every(allowed)) return { name: 'forbidden', query: { from: to.fullPath } };
  if (meta.member && !session.account.member) return homeFor();
  return true;
}

export const router = createRouter({
  history: createWebHistory(),
  routes,
  // a page opened afresh is at the top already: scrolling there would make the browser lay the
  // first screen out before it is complete (window.scrollTo forces a layout)
  scrollBehavior: (to, from, saved) => saved || (from.matched.length ? { top: 0 } : false),
});

router.beforeEach(async (to) => {
  // the page's code is fetched while the session is asked about, not after
  for (const r of to.matched) {
    const c = r.components?.default;
    if (typeof c === 'function' && !c.__v_isRef && !c.render && !c.setup) c()?.catch?.(() => {});
  }
  if (!session.checked) {
    try {
      await loadMe({ fresh: !!to.meta?.public, force: to.name === 'login' && to.query?.sso === 'done' });
    } catch {
      /* the server did not answer: the login page will say so when used */
    }
  }
  return decide(to);
});

// a 401 from any call: the session is over (expired, logged out elsewhere): back to login
onUnauthorized(() => {
  if (!session.account) return;
  clearSession(true);
  const cur = router.currentRoute.value;
  if (cur.name !== 'login') router.push({ name: 'login', query: { redirect: cur.fullPath } });
});
