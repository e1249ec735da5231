import { describe, it, expect, afterEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { periodOptions, progressRows, childRates, warningCounts, caseActions, worseLevel, periodLabel, defaultPeriod } from '../../src/lib/plans.js';
import { t } from '../../src/lib/i18n.js';
import PlanLagging from '../../src/pages/admin/plans/PlanLagging.vue';
import PlanProgress from '../../src/pages/admin/plans/PlanProgress.vue';
import PlanTasks from '../../src/pages/admin/plans/PlanTasks.vue';
import { session } from '../../src/lib/session.js';
import { forgetOrgs } from '../../src/lib/orgs.js';
import { fakeApi, testRouter, vantPlugin, settle } from './helpers.js';

const org = (id, name, kind = 'branch') => ({ id, code: `C${id}`, name, kind });
// GET /api/v1/plans/progress (src/plan/api.c)
const progress = {
  org: org(2, '东州供电公司党委', 'committee'), period: '2026', as_of: '2026-11-29', rate: 0.7579,
  levels: [
    { org: org(2, '东州供电公司党委', 'committee'), parent_id: 1, depth: 0, rate: 0.7579, orgs: 3 },
    { org: org(13, '建设部党支部'), parent_id: 2, depth: 1, rate: 0.8571, orgs: 1 },
    { org: org(14, '供电服务指挥中心党支部'), parent_id: 2, depth: 1, rate: 0.8312, orgs: 1 },
    { org: org(20, '输电运检中心党总支', 'general_branch'), parent_id: 2, depth: 1, rate: 0.7, orgs: 1 },
    { org: org(21, '输电运检一班党支部'), parent_id: 20, depth: 2, rate: 0.7, orgs: 1 },
  ],
  orgs: [], tasks: [],
};
const warning = (id, orgId, level) => ({ id, level, period: '2026Q1', completion: 0, expected: 1, opened_on: '2026-11-29', task: { id: 4, code: 'lecture', name: '党课' }, org: org(orgId, 'x'), case_id: null });

describe('plans helpers', () => {
  it('offers the periods of a year that have begun, the whole year first', () => {
    const o = periodOptions(2026, '2026-05-10');
    expect(o.map((x) => x.value)).toEqual(['2026', '2026H1', '2026Q1', '2026Q2', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05']);
    expect(periodOptions(2025, '2026-05-10')).toHaveLength(1 + 2 + 4 + 12);
    expect(periodLabel(o[2], t)).toBe('2026年第1季度');
    // a period not over is marked, and the default is the latest month that is over
    expect(periodLabel(o[8], t)).toBe('2026年5月（进行中）');
    expect(periodLabel(o[7], t)).toBe('2026年4月');
    expect(o.filter((x) => x.open).map((x) => x.value)).toEqual(['2026', '2026H1', '2026Q2', '2026-05']);
    expect(defaultPeriod('2026-05-10')).toBe('2026-04');
    expect(defaultPeriod('2027-01-03')).toBe('2026-12');
  });
  it('gives each organization its rate and its worst open warning', () => {
    const rows = progressRows(progress, { items: [warning(1, 14, 'yellow'), warning(2, 14, 'not_met'), warning(3, 21, 'red')] });
    expect(rows.map((r) => [r.org.id, r.level, r.warnings])).toEqual([[2, 'green', 0], [13, 'green', 0], [14, 'not_met', 2], [20, 'green', 0], [21, 'red', 1]]);
    expect(worseLevel('red', 'yellow')).toBe('red');
    expect(warningCounts({ items: [warning(1, 14, 'yellow'), warning(2, 14, 'not_met')] })).toEqual({ yellow: 1, red: 0, not_met: 1, total: 2 });
  });
  it('draws the direct sub-organizations, in percent', () => {
    expect(childRates(progress).map((c) => [c.id, Math.round(c.value * 100) / 100])).toEqual([[13, 85.71], [14, 83.12], [20, 70]]);
    expect(childRates({ levels: [progress.levels[1]].map((l) => ({ ...l, depth: 0 })) })).toHaveLength(1);
  });
  it('splits a case\'s next actions by side', () => {
    expect(caseActions({ actions: ['verify', 'return'] }, 'superior')).toEqual(['verify', 'return']);
    expect(caseActions({ actions: ['verify', 'return'] }, 'branch')).toEqual([]);
    expect(caseActions({ actions: ['acknowledge'] }, 'branch')).toEqual(['acknowledge']);
  });
});

describe('plans console', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    session.account = null;
    forgetOrgs();
    document.body.innerHTML = '';
  });
  const committee = { id: 10002, login: 'dangwei', member: null, roles: [{ role: 'committee', org_id: 2, org_name: '东州供电公司党委', org_kind: 'committee' }] };

  async function mountWith(Comp, props, routes) {
    session.account = committee;
    const f = fakeApi(routes);
    vi.stubGlobal('fetch', f);
    const router = testRouter();
    router.push('/admin');
    await router.isReady();
    const w = mount(Comp, { props, global: { plugins: [vantPlugin, router], stubs: { EChart: { props: ['option'], template: '<div class="chart-stub" :data-series="JSON.stringify(option.series)"></div>' } } }, attachTo: document.body });
    await settle(w);
    return { f, w, router };
  }

  it('shows each organization with its rate and level, and the bars of the sub-organizations', async () => {
    const { w } = await mountWith(PlanProgress, { orgId: 2, period: '2026' }, {
      '/api/v1/plans/progress': [200, progress],
      '/api/v1/plans/warnings': [200, { items: [warning(1, 14, 'not_met'), warning(3, 21, 'red')] }],
    });
    expect(w.find('[data-test=plan-rate] .kpi-value').text()).toBe('75.8%');
    const rows = w.findAll('[data-test=progress-table] tbody tr');
    expect(rows.map((r) => r.find('[data-level]').attributes('data-level'))).toEqual(['green', 'green', 'not_met', 'green', 'red']);
    expect(rows[2].text()).toContain('83.1%');
    const bars = JSON.parse(w.find('.chart-stub').attributes('data-series'));
    expect(bars[0].data).toEqual([70, 83.1, 85.7]);
  });

  it('one click reminds every lagging organization after a confirmation, and says what was sent', async () => {
    const lagging = { items: [{ org: org(14, '供电服务指挥中心党支部'), level: 'not_met', warnings: [warning(1, 14, 'not_met')], responsible: { name: '高明洋', accounts: [{ id: 129, login: 'E137760', name: '高明洋' }] } }] };
    const { f, w } = await mountWith(PlanLagging, { orgId: 2 }, {
      '/api/v1/plans/lagging': [200, lagging],
      'POST /api/v1/plans/lagging/notify': [200, { orgs: 1, notices: 1, cases_notified: 0, items: lagging.items }],
    });
    expect(w.find('[data-test=lagging-table]').text()).toContain('高明洋');
    await w.find('[data-test=notify-form] input').setValue('请月底前完成');
    await w.find('[data-test=notify-form]').trigger('submit');
    await settle(w);
    expect(document.body.querySelector('.van-dialog').textContent).toContain('1 个滞后组织');
    document.body.querySelector('.van-dialog__confirm').click();
    await settle(w, 10);
    const post = f.calls.find((c) => c.init.method === 'POST');
    expect(JSON.parse(post.init.body)).toEqual({ org_id: 2, text: '请月底前完成' });
    expect(w.find('[data-test=notify-result]').text()).toBe('已提醒 1 个组织，发出 1 条消息，通知整改 0 项');
  });

  it('lets a committee read a plan made above it without offering to change it', async () => {
    const plan = { id: 1, org: org(1, '省公司党委', 'committee'), year: 2026, name: '2026年度计划', remind_days: 5, tasks_count: 1, tasks: [{ id: 1, code: 'congress', name: '支部党员大会', metric: 'count', indicator: 'org.congress', unit: '次', target: 1, freq: 'quarter', applies_to: { kinds: ['branch'] }, weight: 1, role: 'secretary' }] };
    const { w } = await mountWith(PlanTasks, { orgId: 2, year: 2026, canEdit: true }, {
      '/api/v1/plans': [200, { items: [plan] }],
      '/api/v1/plans/1': [200, plan],
      '/api/v1/orgs/2/subtree': [200, { items: [{ id: 2, path: '/1/2/', name: '东州供电公司党委', kind: 'committee', depth: 1 }] }],
      '/api/v1/indicators': [200, { items: [] }],
    });
    expect(w.find('[data-test=task-table]').text()).toContain('支部党员大会');
    expect(w.find('[data-test=plan-readonly]').exists()).toBe(true);
    expect(w.find('[data-test=task-form]').exists()).toBe(false);
    expect(w.find('[data-test=plan-new]').exists()).toBe(true);
  });
});
