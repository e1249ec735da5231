// The first screen's API calls and page code, asked for by index.html itself while the app's
// code is still on its way (on a phone's network each round trip is half a second; without
// this the calls would wait for the code, then go out one trip later).
//
// This file is not part of the bundle: vite.config.js (earlyScript) puts earlyCalls() and
// boot() into index.html as an inline script, with EARLY filled in at build time: `access`,
// the x-roles of the operations named below (docs/openapi.json, as lib/access.js has them),
// and `pages`, the files of each page's chunk (its code and its styles). It must stay plain
// JavaScript without imports. lib/api.js takes a reply from here when a page asks for exactly
// the same URL soon after; anything not asked for is simply not used. tests/unit/early.test.js
// checks that the calls are the ones the pages make.

// filled in by vite.config.js; pages: the address opened -> the page module it shows
export const EARLY = {
  access: {},
  pages: {
    '/': 'src/pages/member/Home.vue',
    '/login': 'src/pages/Login.vue',
    '/inbox': 'src/pages/member/Inbox.vue',
    '/dues': 'src/pages/member/Dues.vue',
    '/me': 'src/pages/member/Me.vue',
    '/rules': 'src/pages/member/Rules.vue',
  },
};

// The GET URLs the page at `path` (with `search`, the query string) asks for first, for the
// remembered account (localStorage dj.signedIn, lib/session.js), at `now`; the ones its first
// screen waits for come first (a browser sends six at a time to one server), /me last. None
// without an account: the login page asks nothing.
export function earlyCalls(path, search, account, access, now) {
  if (!account || !account.id) return [];
  const roles = (account.roles || []).map((r) => r.role);
  const can = (op) => (access[op] || []).some((r) => roles.indexOf(r) >= 0);
  const calls = [];
  if (path === '/' && account.member) {
    // the month before this one on the organization's clock (UTC+8), as the home opens on
    const d = new Date(now + 8 * 3600 * 1000);
    const m = d.getUTCFullYear() * 12 + d.getUTCMonth() - 1;
    const month = Math.floor(m / 12) * 100 + (m % 12) + 1;
    calls.push(`/api/v1/portraits/members/${account.member.id}?month=${month}`, '/api/v1/score/months');
  }
  if (path === '/inbox') {
    // the open tab's lists only: the page asks for the other tabs' once the open one is shown
    const q = new URLSearchParams(search);
    const branch = (account.roles || []).filter((r) => r.role === 'secretary')[0];
    const tab = q.get('tab') === 'messages' || (q.get('tab') === 'cases' && branch) ? q.get('tab') : 'todos';
    if (tab === 'todos') {
      calls.push('/api/v1/todos');
    } else if (tab === 'messages') {
      calls.push(`/api/v1/plans/inbox?limit=20${q.get('unread') === '1' ? '&unread=1' : ''}`);
    } else {
      if (can('GET /api/v1/plans/cases')) calls.push(`/api/v1/plans/cases?org_id=${branch.org_id}`);
      if (can('GET /api/v1/plans/warnings')) calls.push(`/api/v1/plans/warnings?org_id=${branch.org_id}`);
    }
  }
  calls.push('/api/v1/me');
  return calls;
}

// Fetch the page's code and styles, then start the calls (window.__djEarly: URL -> {at, res:
// a promise of {ok, status, text()}, the part of a Response that lib/api.js reads}).
export function boot() {
  let account = null;
  try {
    account = JSON.parse(localStorage.getItem('dj.signedIn'));
  } catch {
    /* storage refused: the app asks /me itself */
  }
  // the page's chunk, or the login page's when there is no account to open a page with
  const files = EARLY.pages[account && account.id ? location.pathname : '/login'] || [];
  for (const href of files) {
    const link = document.createElement('link');
    link.rel = /\.css$/.test(href) ? 'stylesheet' : 'modulepreload';
    link.href = href;
    link.crossOrigin = '';
    document.head.appendChild(link);
  }
  const early = {};
  const init = { headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  for (const url of earlyCalls(location.pathname, location.search, account, EARLY.access, Date.now())) {
    // the body is read here too: the page then has the whole reply at once
    const res = fetch(url, init).then((r) => r.text().then((text) => ({ ok: r.ok, status: r.status, text: () => text })));
    res.catch(() => {});
    early[url] = { at: Date.now(), res };
  }
  window.__djEarly = early;
}
