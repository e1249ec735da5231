// Mounting pages with Vant and a memory router, and answering the API from a table.
import { vi } from 'vitest';
import { createRouter, createMemoryHistory } from 'vue-router';

export function fakeApi(routes) {
  const calls = [];
  const f = vi.fn(async (url, init = {}) => {
    calls.push({ url, init });
    const path = url.split('?')[0];
    const key = `${init.method || 'GET'} ${path}`;
    const hit = routes[key] ?? routes[path];
    const [status, body] = typeof hit === 'function' ? hit(url, init) : hit || [404, { error: { code: 'not_found', message: `no such endpoint '${path}'` } }];
    return { ok: status >= 200 && status < 300, status, text: async () => JSON.stringify(body) };
  });
  f.calls = calls;
  return f;
}

export function testRouter() {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: { template: '<div/>' } },
      { path: '/login', name: 'login', component: { template: '<div/>' } },
      { path: '/rules', name: 'rules', component: { template: '<div/>' } },
      { path: '/admin', name: 'dashboard', component: { template: '<div/>' } },
      { path: '/me', name: 'me', component: { template: '<div/>' } },
      { path: '/admin/plans', name: 'plans', component: { template: '<div/>' } },
      { path: '/admin/dues', name: 'dues', component: { template: '<div/>' } },
      { path: '/admin/members/:id', name: 'member', component: { template: '<div/>' } },
    ],
  });
}

// Vant's components are imported by each page that uses them (vite.config.js: the same
// plugins build the tests), so mounting needs nothing more; kept so tests read the same
export const vantPlugin = { install() {} };

export async function settle(wrapper, rounds = 6) {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 0));
    await wrapper.vm.$nextTick();
  }
}
