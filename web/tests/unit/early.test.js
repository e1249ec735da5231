// index.html's early calls (src/early.js) are exactly the GET calls the first screen makes: the
// member home and the to-do page, for a member and for a branch secretary. A call that drifted
// would only be wasted, never wrong, but the early start would be lost without anyone noticing.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import Home from '../../src/pages/member/Home.vue';
import Inbox from '../../src/pages/member/Inbox.vue';
import { earlyCalls } from '../../src/early.js';
import { TABLE } from '../../src/lib/access.js';
import { session } from '../../src/lib/session.js';
import { fakeApi, testRouter, settle } from './helpers.js';

const member = { id: 10005, login: 'dangyuan', member: { id: 69, name: '曹嘉坤', org_id: 8 }, roles: [{ role: 'member', org_id: 8 }] };
const secretary = {
  id: 10004, login: 'shuji', member: { id: 79, name: '黄家浩', org_id: 8 },
  roles: [{ role: 'member', org_id: 8 }, { role: 'secretary', org_id: 8, org_name: '经济技术研究所党支部', org_kind: 'branch' }],
};

// the GET URLs a page asks for when mounted, before any reply has come (none comes); `later`:
// those it asks for once the first replies are in (each an empty 200)
async function callsOf(Page, account, query = {}, later = false) {
  session.account = account;
  const f = fakeApi({});
  f.mockImplementation((url, init = {}) => {
    f.calls.push({ url, init });
    return later ? Promise.resolve({ ok: true, status: 200, text: async () => '{"items": []}' }) : new Promise(() => {});
  });
  vi.stubGlobal('fetch', f);
  const router = testRouter();
  router.push({ path: '/', query });
  await router.isReady();
  const w = mount(Page, { global: { plugins: [router] }, attachTo: document.body });
  await settle(w);
  w.unmount();
  return f.calls.filter((c) => !c.init.method || c.init.method === 'GET').map((c) => c.url).sort();
}

// what index.html asks for, less /api/v1/me (lib/session.js asks it, not the page)
const early = (path, search, account) => earlyCalls(path, search, account, TABLE, Date.now()).filter((u) => u !== '/api/v1/me').sort();

describe('the early calls of index.html', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    session.account = null;
    document.body.innerHTML = '';
  });
  it('are the member home’s calls', async () => {
    expect(early('/', '', member)).toEqual(await callsOf(Home, member));
    expect(early('/', '', member)).toHaveLength(2);
  });
  it('are the to-do page’s calls, for a member and for a branch secretary', async () => {
    expect(early('/inbox', '', member)).toEqual(await callsOf(Inbox, member));
    expect(early('/inbox', '', secretary)).toEqual(await callsOf(Inbox, secretary));
    expect(early('/inbox', '?unread=1', secretary)).toEqual(await callsOf(Inbox, secretary, { unread: '1' }));
    expect(early('/inbox', '', secretary)).toEqual(['/api/v1/todos']);
    expect(early('/inbox', '', member)).toEqual(['/api/v1/todos']);
  });
  it('are the open tab’s calls when the page opens on another tab', async () => {
    for (const query of [{ tab: 'messages' }, { tab: 'messages', unread: '1' }, { tab: 'cases' }]) {
      const search = `?${new URLSearchParams(query)}`;
      expect(early('/inbox', search, secretary)).toEqual(await callsOf(Inbox, secretary, query));
      expect(early('/inbox', search, member)).toEqual(await callsOf(Inbox, member, query));
    }
    expect(early('/inbox', '?tab=cases', secretary)).toHaveLength(2);
    // a member has no cases tab: the page opens on the to-dos
    expect(early('/inbox', '?tab=cases', member)).toEqual(early('/inbox', '', member));
  });
  it('leave the other tabs’ lists to the page, which asks for them once the open tab is in', async () => {
    const all = await callsOf(Inbox, secretary, {}, true);
    expect(all).toEqual(['/api/v1/plans/cases?org_id=8', '/api/v1/plans/inbox?limit=20', '/api/v1/plans/warnings?org_id=8', '/api/v1/todos']);
  });
  it('ask /me last and nothing without a remembered account', () => {
    expect(earlyCalls('/', '', member, TABLE, Date.now()).at(-1)).toBe('/api/v1/me');
    expect(earlyCalls('/', '', null, TABLE, Date.now())).toEqual([]);
    expect(earlyCalls('/login', '', { roles: [] }, TABLE, Date.now())).toEqual([]);
  });
});
