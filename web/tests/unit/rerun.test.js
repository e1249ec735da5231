// Re-runs on the web app: the run a page shows (第2次计算，12月3日) and a member's changes with
// their reasons ("2026-10：82.1 → 84.3，人力资源系统 3 条迟到数据").
import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import Home from '../../src/pages/member/Home.vue';
import RunNote from '../../src/components/RunNote.vue';
import ScoreChanges from '../../src/components/ScoreChanges.vue';
import { runLabel, changeRows, lateText } from '../../src/lib/rerun.js';
import { setLocale } from '../../src/lib/i18n.js';
import { session } from '../../src/lib/session.js';
import { fakeApi, testRouter, vantPlugin, settle } from './helpers.js';

// 2026-12-03 10:00 in Beijing
const DEC3 = Date.UTC(2026, 11, 3, 2, 0) / 1000;

const change = {
  month: 202610,
  run: 2,
  at: DEC3,
  reason: 'late_events',
  old_index: 82.1,
  new_index: 84.3,
  dims: { theory: 6, performance: 5 },
  late: [
    { source: 'hr', name: '人力资源系统', events: 3 },
    { source: 'mes', name: '生产执行系统', events: 1 },
  ],
  late_events: 4,
};

describe('re-run words', () => {
  beforeEach(() => setLocale('zh'));
  it('names the run a page shows in Chinese, and nothing without a run', () => {
    expect(runLabel({ number: 2, reason: 'late_events', finished_at: DEC3 })).toBe('第2次计算，12月3日');
    expect(runLabel(null)).toBe('');
    expect(runLabel({})).toBe('');
  });
  it('says what changed and why: the index before and after, late data per system, the dimensions', () => {
    const [r] = changeRows([change]);
    expect(r.line).toBe('2026-10：82.1 → 84.3，人力资源系统 3 条迟到数据，生产执行系统 1 条迟到数据');
    expect(r.dims).toBe('有理论 +6.0，重业绩 +5.0');
    expect(r.run).toBe('第2次计算，12月3日');
  });
  it('says a change without late data was a re-run by hand, and a member new or gone as —', () => {
    const [r] = changeRows([{ ...change, late: [], reason: 'manual', old_index: null }]);
    expect(r.line).toBe('2026-10：— → 84.3，管理员重新计算');
    expect(lateText([])).toBe('');
    expect(changeRows(undefined)).toEqual([]);
  });
  it('speaks English when asked', async () => {
    await setLocale('en');
    expect(runLabel({ number: 3, finished_at: DEC3 })).toBe('Run 3, Dec 3');
    expect(changeRows([change])[0].line).toBe('2026-10: 82.1 → 84.3, late data from 人力资源系统: 3, late data from 生产执行系统: 1');
  });
  it('RunNote shows the label, and nothing without a run', () => {
    expect(mount(RunNote, { props: { run: { number: 2, finished_at: DEC3 } } }).text()).toBe('第2次计算，12月3日');
    expect(mount(RunNote, { props: { run: null } }).find('[data-test=run-note]').exists()).toBe(false);
  });
  it('ScoreChanges lists each change, and nothing for none or an older server without them', () => {
    expect(mount(ScoreChanges, { props: { changes: [change, { ...change, month: 202609 }] } }).findAll('[data-test=change]')).toHaveLength(2);
    expect(mount(ScoreChanges, { props: { changes: [] } }).find('[data-test=changes]').exists()).toBe(false);
    expect(mount(ScoreChanges).find('[data-test=changes]').exists()).toBe(false);
  });
});

describe('the member home with re-runs', () => {
  beforeEach(() => setLocale('zh'));
  afterEach(() => {
    vi.unstubAllGlobals();
    session.account = null;
  });
  const member = { id: 69, name: '曹嘉坤', emp_no: 'E119201', org_id: 8, org_name: '经济技术研究所党支部' };
  const portrait = (over) => ({
    member,
    month: 202610,
    model_version: 1,
    index: 84.3,
    vetoed: false,
    base: 60,
    dims: {},
    ranks: {},
    growth: { months: [202610], member: [84.3], branch: [80] },
    strengths: [],
    weaknesses: [],
    contributions: {},
    run: { number: 2, reason: 'late_events', finished_at: DEC3 },
    changes: [change],
    ...over,
  });
  async function home(p) {
    session.account = { id: 10005, login: 'dangyuan', member, roles: [{ role: 'member', org_id: 8 }] };
    vi.stubGlobal('fetch', fakeApi({ '/api/v1/score/months': [200, { items: [{ month: 202610, run: 2, reason: 'late_events', finished_at: DEC3 }] }], '/api/v1/portraits/members/69': [200, p] }));
    const w = mount(Home, { global: { plugins: [vantPlugin, testRouter()], stubs: { EChart: true } } });
    await settle(w);
    return w;
  }
  it('shows the run and the changes with their reasons', async () => {
    const w = await home(portrait());
    expect(w.find('[data-test=run-note]').text()).toBe('第2次计算，12月3日');
    const items = w.findAll('[data-test=change]');
    expect(items).toHaveLength(1);
    expect(items[0].text()).toContain('2026-10：82.1 → 84.3，人力资源系统 3 条迟到数据');
    expect(items[0].text()).toContain('有理论 +6.0');
  });
  it('has no changes card when nothing changed', async () => {
    const w = await home(portrait({ changes: [], run: { number: 1, reason: 'scheduled', finished_at: DEC3 } }));
    expect(w.find('[data-test=changes]').exists()).toBe(false);
    expect(w.find('[data-test=run-note]').text()).toBe('第1次计算，12月3日');
  });
});
