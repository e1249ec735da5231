import { describe, it, expect, afterEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import Dashboard from '../../src/pages/admin/Dashboard.vue';
import { dailyLogins } from '../../src/lib/stats.js';
import { session } from '../../src/lib/session.js';
import { forgetOrgs } from '../../src/lib/orgs.js';
import { fakeApi, testRouter, vantPlugin, settle } from './helpers.js';

const committee = { id: 10002, login: 'dangwei', member: null, roles: [{ role: 'committee', org_id: 2, org_name: '东州供电公司党委', org_kind: 'committee' }] };
const totals = { liable: 533, billed: 533, base_missing: 0, exempt: 0, published: 533, paid: 400, confirmed: 300, unpaid: 133, billed_fen: 6663219, paid_fen: 5000000, confirmed_fen: 4000000, unpaid_fen: 1663219 };
const base = {
  '/api/v1/orgs/2/subtree': [200, { items: [{ id: 2, path: '/1/2/', name: '东州供电公司党委', kind: 'committee', depth: 1, members: 0 }, { id: 8, path: '/1/2/8/', name: '经济技术研究所党支部', kind: 'branch', depth: 2, members: 22 }] }],
  '/api/v1/score/months': [200, { items: [{ month: 202611 }] }],
  '/api/v1/portraits/orgs/2': [200, { index: 70.8, members: 533, dims: {}, children: [] }],
  '/api/v1/dues/reports/collection': [200, { org_id: 2, month: 202611, amounts: false, orgs: [], totals }],
  '/api/v1/plans/progress': [200, { org: { id: 2 }, period: '2026', rate: 0.7579, levels: [{ org: { id: 2, name: 'A' }, depth: 0, rate: 0.7579, orgs: 2 }, { org: { id: 8, name: '经济技术研究所党支部' }, depth: 1, rate: 0.6786, orgs: 1 }], orgs: [], tasks: [] }],
  '/api/v1/plans/warnings': [200, { items: [{ id: 1, level: 'not_met', period: '2026Q1', task: { name: '党课' }, org: { id: 8, name: '经济技术研究所党支部' } }, { id: 2, level: 'yellow', period: '2026', task: { name: '组织生活会' }, org: { id: 8, name: '经济技术研究所党支部' } }] }],
};

async function mountDash(routes) {
  session.account = committee;
  const f = fakeApi({ ...base, ...routes });
  vi.stubGlobal('fetch', f);
  const router = testRouter();
  router.push('/admin');
  await router.isReady();
  const w = mount(Dashboard, { global: { plugins: [vantPlugin, router], stubs: { EChart: { props: ['option'], template: '<div class="chart-stub" :data-series="JSON.stringify(option.series)"></div>' } } } });
  await settle(w, 10);
  return { f, w };
}

describe('dashboard', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    session.account = null;
    forgetOrgs();
  });

  it('fills the dues rate, the open warnings, plan completion and logins with their change', async () => {
    const stats = { org_id: 2, month: 202611, logins: 8000, users: 3100, previous: 2138, change: 2.7435, daily: [{ day: '2026-11-01', logins: 250 }, { day: '2026-11-02', logins: 310 }] };
    const { f, w } = await mountDash({ '/api/v1/stats/logins': [200, stats] });
    expect(f.calls.map((c) => c.url)).toContain('/api/v1/stats/logins?org_id=2&month=202611');
    expect(w.find('[data-test=kpi-dues] .kpi-value').text()).toBe('75.0%');
    expect(w.find('[data-test=kpi-dues] .kpi-sub').text()).toBe('已交 400 / 已发布 533');
    expect(w.find('[data-test=kpi-warnings] .kpi-value').text()).toBe('2');
    expect(w.find('[data-test=kpi-logins] .kpi-value').text()).toBe('8000');
    expect(w.find('[data-test=kpi-logins] .kpi-sub').text()).toContain('环比 +274.4%');
    const charts = w.findAll('.chart-stub').map((c) => JSON.parse(c.attributes('data-series'))[0]);
    expect(charts.some((s) => JSON.stringify(s.data) === JSON.stringify([67.9]))).toBe(true);
    expect(charts.some((s) => JSON.stringify(s.data) === JSON.stringify([250, 310]))).toBe(true);
  });

  it('shows "—" for logins while the statistics API is not on the server, and a change of null as "—"', async () => {
    const { w } = await mountDash({});
    expect(w.find('[data-test=kpi-logins] .kpi-value').text()).toBe('—');
    expect(w.find('[data-test=kpi-logins] .kpi-sub').text()).toBe('接口待上线');
    expect(w.text()).toContain('GET /api/v1/stats/logins');
    expect(dailyLogins({ daily: [{ day: '2026-11-09', logins: 3 }] })).toEqual([{ name: '9', value: 3 }]);
  });
});
