// Routes in history mode (the server answers index.html for any path that is not a file).
// meta.roles: at least one of these roles, else the 403 page; meta.member: needs a member
// record. The server enforces the same rules on every API call; this only spares people
// pages that would refuse them.
import { createRouter, createWebHistory } from 'vue-router';
import { session, loadMe, hasRole, isStaff, clearSession } from './lib/session.js';
import { onUnauthorized } from './lib/api.js';

import MemberLayout from './pages/member/MemberLayout.vue';
import MemberHome from './pages/member/Home.vue';
import Login from './pages/Login.vue';

const STAFF = ['secretary', 'committee', 'finance', 'admin'];

// the member pages load with the first screen; the rest when first visited
export const routes = [
  { path: '/login', name: 'login', component: Login, meta: { public: true } },
  {
    path: '/',
    component: MemberLayout,
    children: [
      { path: '', name: 'home', component: MemberHome, meta: { member: true } },
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
      { path: '', name: 'dashboard', component: () => import('./pages/admin/Dashboard.vue'), meta: { roles: STAFF } },
      { path: 'orgs', name: 'orgs', component: () => import('./pages/admin/Orgs.vue'), meta: { roles: STAFF } },
      { path: 'members/:id', name: 'member', component: () => import('./pages/admin/MemberDetail.vue'), meta: { roles: STAFF } },
      { path: 'portraits', name: 'portraits', component: () => import('./pages/admin/Portraits.vue'), meta: { roles: ['secretary', 'committee', 'admin'] } },
      { path: 'leaderboard', name: 'leaderboard', component: () => import('./pages/admin/Leaderboard.vue'), meta: { roles: ['secretary', 'committee', 'admin'] } },
      { path: 'plans', name: 'plans', component: () => import('./pages/admin/Plans.vue'), meta: { roles: ['secretary', 'committee', 'admin'] } },
      { path: 'dues', name: 'dues', component: () => import('./pages/admin/Dues.vue'), meta: { roles: ['finance', 'admin'] } },
      { path: 'model', name: 'model', component: () => import('./pages/admin/Model.vue'), meta: { roles: ['admin'] } },
    ],
  },
  { path: '/forbidden', name: 'forbidden', component: () => import('./pages/Forbidden.vue') },
  { path: '/:rest(.*)*', name: 'notfound', component: () => import('./pages/NotFound.vue') },
];

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
  // every matched level's roles must be met (the console layout and the page itself)
  const levels = to.matched ? to.matched.map((r) => r.meta?.roles).filter(Boolean) : meta.roles ? [meta.roles] : [];
  for (const rs of levels) if (!hasRole(...rs)) return { name: 'forbidden', query: { from: to.fullPath } };
  if (meta.member && !session.account.member) return homeFor();
  return true;
}

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (to, from, saved) => saved || { top: 0 },
});

router.beforeEach(async (to) => {
  if (!session.checked) {
    try {
      await loadMe();
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
