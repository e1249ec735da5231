import { describe, it, expect, afterEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import Inbox from '../../src/pages/member/Inbox.vue';
import { session } from '../../src/lib/session.js';
import { fakeApi, testRouter, vantPlugin, settle } from './helpers.js';

// the shapes src/inbox/todo.c, src/plan/loop.c and src/plan/notice.c answer
const org = { id: 8, code: 'GW-01-06', name: '经济技术研究所党支部' };
const kase = (state, actions, extra = {}) => ({
  id: 912, task: { id: 4, code: 'lecture', name: '党课' }, org, superior: { id: 2, code: 'GW-01', name: '东州供电公司党委' },
  period: '2026Q1', state, state_label: { notified: '已通知', acknowledged: '已确认', reported: '已报告' }[state], completion: 0,
  opened_on: '2026-11-29', overdue: false, escalated: { acknowledge: false, report: false }, report_text: '', attachment: '',
  actions, next_side: state === 'reported' ? 'superior' : 'branch', updated_at: 1, ...extra,
});
const secretary = {
  id: 10004, login: 'shuji', member: { id: 79, name: '黄家浩', org_id: 8 },
  roles: [{ role: 'member', org_id: 8, org_name: org.name }, { role: 'secretary', org_id: 8, org_name: org.name, org_kind: 'branch' }],
};

async function mountAt(query, account, routes) {
  session.account = account;
  const f = fakeApi(routes);
  vi.stubGlobal('fetch', f);
  const router = testRouter();
  router.push({ path: '/', query });
  await router.isReady();
  return { f, router, w: mount(Inbox, { global: { plugins: [vantPlugin, router] }, attachTo: document.body }) };
}

const base = {
  '/api/v1/todos': [200, { items: [{ id: 983, domain: 'plan', kind: 'case', title: '确认整改通知：经济技术研究所党支部 党课 2026Q1（整改事项 #912）', org, due: null, created_at: 1795928299, task_id: 4, case_id: 912, period: '2026Q1', can_done: false }], open_tasks: [{ task: { id: 6, code: 'life_meeting', name: '组织生活会' }, org, period: '2026', actual: 0, target: 1, completion: 0, expected: 0.91, level: 'yellow', end: '2026-12-31' }] }],
  '/api/v1/plans/inbox': [200, { items: [{ id: 1321, kind: 'not_met', title: '【未达标】党课 2026Q1', body: '党课 2026Q1 完成 0/1（0%），未达标', org, created_at: 1795928299, read: false, task_id: 4, case_id: 912, period: '2026Q1' }], unread: 1 }],
  '/api/v1/plans/warnings': [200, { items: [{ id: 1215, level: 'not_met', period: '2026Q1', completion: 0, expected: 1, opened_on: '2026-11-29', task: { id: 4, code: 'lecture', name: '党课' }, org, case_id: 912 }] }],
};

describe('to-dos and inbox', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    session.account = null;
    document.body.innerHTML = '';
  });

  it('lists to-dos and the open tasks with their level', async () => {
    const { w } = await mountAt({}, secretary, { ...base, '/api/v1/plans/cases': [200, { items: [kase('notified', ['acknowledge'])] }] });
    await settle(w);
    expect(w.find('[data-test=todos]').text()).toContain('确认整改通知');
    expect(w.find('[data-test=open-tasks]').text()).toContain('组织生活会');
    expect(w.find('[data-test=open-tasks] [data-level=yellow]').text()).toBe('黄色预警');
  });

  it('shows the plans\' and the dues\' to-dos from one call, and marks a dues to-do done', async () => {
    const plan = base['/api/v1/todos'][1].items[0];
    const dues = { id: 990, domain: 'dues', kind: 'arrears_warning', title: '党员黄家浩（工号E0079）自2026年1月起已连续3个月未交纳党费，请及时提醒并了解情况', org, org_id: 8, org_name: org.name, member_id: 79, from_month: 202601, months: 3, created_at: 1795928299, done: false, done_at: null, can_done: true };
    let items = [plan, dues];
    const { f, w } = await mountAt({}, secretary, {
      ...base,
      '/api/v1/todos': () => [200, { items, open_tasks: [] }],
      '/api/v1/plans/cases': [200, { items: [] }],
      'POST /api/v1/todos/990/done': () => {
        items = [plan];
        return [200, { id: 990, done: true }];
      },
    });
    await settle(w);
    expect(f.calls.filter((c) => /todos/.test(c.url)).map((c) => c.url)).toEqual(['/api/v1/todos']);
    expect(w.find('[data-test=todos]').text()).toContain('确认整改通知');
    expect(w.find('[data-test=todos]').text()).not.toContain('未交纳党费');
    expect(w.text()).toContain('党费待办');
    expect(w.find('[data-test=dues-todos]').text()).toContain('连续3个月未交纳党费');
    await w.find('[data-test=dues-todos] button').trigger('click');
    await settle(w);
    expect(f.calls.some((c) => c.url === '/api/v1/todos/990/done' && c.init.method === 'POST')).toBe(true);
    expect(w.find('[data-test=dues-todos]').exists()).toBe(false);
    expect(w.find('[data-test=todos]').text()).toContain('确认整改通知');
  });

  it('a secretary acknowledges a case of the branch, and the state follows the API', async () => {
    let state = 'notified';
    const { f, w } = await mountAt({ tab: 'cases' }, secretary, {
      ...base,
      '/api/v1/plans/cases': () => [200, { items: [kase(state, state === 'notified' ? ['acknowledge'] : ['report'])] }],
      'POST /api/v1/plans/cases/912/transitions': (url, init) => {
        state = JSON.parse(init.body).action === 'acknowledge' ? 'acknowledged' : state;
        return [200, kase(state, ['report'])];
      },
    });
    await settle(w);
    expect(f.calls.map((c) => c.url)).toContain('/api/v1/plans/cases?org_id=8');
    expect(w.find('[data-test=cases] [data-test=case-state]').text()).toBe('已通知');
    expect(w.find('[data-test=warnings] [data-level=not_met]').text()).toBe('未达标');
    await w.find('[data-test=cases] [data-action=acknowledge]').trigger('click');
    await settle(w);
    const post = f.calls.find((c) => c.init.method === 'POST');
    expect(JSON.parse(post.init.body)).toEqual({ action: 'acknowledge' });
    expect(w.find('[data-test=cases] [data-test=case-state]').text()).toBe('已确认');
    expect(w.find('[data-test=cases] [data-action=report]').exists()).toBe(true);
  });

  it('a report needs its text: refused in the page before any call, then sent with it', async () => {
    const { f, w } = await mountAt({ tab: 'cases' }, secretary, {
      ...base,
      '/api/v1/plans/cases': [200, { items: [kase('acknowledged', ['report'])] }],
      '/api/v1/plans/cases/912': [200, { ...kase('acknowledged', ['report']), steps: [{ at: 1, day: '2026-11-29', action: 'open', from: '', to: 'open', text: '未达标', by: null }] }],
      'POST /api/v1/plans/cases/912/transitions': [200, { ...kase('reported', ['verify', 'return'], { report_text: '已补课' }), steps: [] }],
    });
    await settle(w);
    await w.find('[data-test=cases] [data-action=report]').trigger('click');
    await settle(w);
    const sheet = () => document.body.querySelector('[data-test=case-view]');
    expect(sheet().querySelector('[data-test=case-steps]').textContent).toContain('发起');
    sheet().querySelector('[data-test=case-actions] [data-action=report]').click();
    await settle(w);
    expect(sheet().querySelector('[data-test=case-error]').textContent).toBe('请先填写说明');
    expect(f.calls.some((c) => c.init.method === 'POST')).toBe(false);
    const ta = sheet().querySelector('[data-test=case-text]');
    ta.value = '已补课';
    ta.dispatchEvent(new Event('input'));
    sheet().querySelector('[data-test=case-actions] [data-action=report]').click();
    await settle(w);
    const post = f.calls.find((c) => c.init.method === 'POST');
    expect(JSON.parse(post.init.body)).toEqual({ action: 'report', text: '已补课' });
    expect(sheet().dataset.state).toBe('reported');
    expect(w.find('[data-test=cases] [data-test=case-state]').text()).toBe('已报告');
  });

  it('marks a message read when it is opened', async () => {
    const { f, w } = await mountAt({ tab: 'messages' }, secretary, { ...base, '/api/v1/plans/cases': [200, { items: [] }], 'POST /api/v1/plans/inbox/1321/read': [200, { id: 1321, read: true }] });
    await settle(w);
    expect(w.find('[data-test=messages] li').classes()).toContain('unread');
    await w.find('[data-test=messages] li').trigger('click');
    await settle(w);
    expect(f.calls.some((c) => c.url === '/api/v1/plans/inbox/1321/read' && c.init.method === 'POST')).toBe(true);
    expect(w.find('[data-test=messages] li').classes()).not.toContain('unread');
    expect(w.text()).toContain('0 条未读');
  });

  it('a plain member has no warnings tab and sees the empty states in words', async () => {
    const member = { id: 10005, login: 'dangyuan', member: { id: 69, org_id: 8 }, roles: [{ role: 'member', org_id: 8 }] };
    const { f, w } = await mountAt({ tab: 'cases' }, member, { '/api/v1/todos': [200, { items: [], open_tasks: [] }], '/api/v1/plans/inbox': [200, { items: [], unread: 0 }] });
    await settle(w);
    expect(w.text()).not.toContain('预警整改');
    expect(w.text()).toContain('没有待办事项');
    expect(f.calls.some((c) => c.url.startsWith('/api/v1/plans/cases'))).toBe(false);
    expect(f.calls.filter((c) => /todos/.test(c.url)).map((c) => c.url)).toEqual(['/api/v1/todos']);
  });
});
