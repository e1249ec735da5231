import { describe, it, expect, afterEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import StateView from '../../src/components/StateView.vue';
import Home from '../../src/pages/member/Home.vue';
import Login from '../../src/pages/Login.vue';
import { ApiError } from '../../src/lib/api.js';
import { session } from '../../src/lib/session.js';
import { fakeApi, testRouter, vantPlugin, settle } from './helpers.js';

// the shape GET /api/v1/portraits/members/{id} answers (src/score/portrait_member.c)
const portrait = {
  member: { id: 69, name: '曹嘉坤', emp_no: 'E119201', org_id: 8, org_name: '经济技术研究所党支部' },
  month: 202610,
  model_version: 1,
  index: 71.46,
  vetoed: false,
  base: 60,
  dims: {
    politics: { label: '讲政治', score: 84, branch_avg: 72.25, diff: 11.75 },
    theory: { label: '有理论', score: 66.4, branch_avg: 67.1, diff: -0.7 },
    discipline: { label: '严纪律', score: 70, branch_avg: 69.5, diff: 0.5 },
    performance: { label: '重业绩', score: 60, branch_avg: 73.04, diff: -13.04 },
    honours: { label: '争荣誉', score: 76.9, branch_avg: 66, diff: 10.9 },
  },
  ranks: {
    branch: { rank: 3, of: 14, percentile: 0.7857 },
    unit: { rank: 120, of: 1013, percentile: 0.8815 },
    company: { rank: 1200, of: 10000, percentile: 0.88 },
  },
  growth: { months: [202609, 202610], member: [null, 71.46], branch: [70.1, 70.02] },
  strengths: [{ dimension: 'politics', label: '讲政治', score: 84, branch_avg: 72.25, diff: 11.75, indicators: [{ indicator: 'meeting.attend', name: '三会一课出席', points: 16 }] }],
  weaknesses: [{ dimension: 'performance', label: '重业绩', score: 60, branch_avg: 73.04, diff: -13.04, indicators: [{ indicator: 'perf.rating', name: '绩效考核等级', points: 0, branch_avg: 12.5, diff: -12.5, missing: true }] }],
  contributions: {},
};

describe('StateView', () => {
  it('shows an API error in words: a title by code and the message', () => {
    const w = mount(StateView, { props: { error: new ApiError(403, 'forbidden', "member 42 is outside your scope") }, global: { plugins: [vantPlugin] } });
    expect(w.text()).toContain('没有权限');
    expect(w.text()).toContain('member 42 is outside your scope');
  });
  it('shows "功能建设中" with the awaited API, never data, when the route is not built', () => {
    const e = new ApiError(404, 'not_found', "no such endpoint '/api/v1/dues/bills'", [], 'GET /api/v1/dues/bills');
    const w = mount(StateView, { props: { error: e, feature: '我的党费' }, slots: { default: '<p>secret data</p>' }, global: { plugins: [vantPlugin] } });
    expect(w.find('[data-test=building]').exists()).toBe(true);
    expect(w.text()).toContain('功能建设中');
    expect(w.text()).toContain('GET /api/v1/dues/bills');
    expect(w.text()).not.toContain('secret data');
  });
  it('says what to do when empty', () => {
    const w = mount(StateView, { props: { empty: true, emptyText: '没有符合条件的党员', emptyHint: '换个关键词再试' }, global: { plugins: [vantPlugin] } });
    expect(w.text()).toContain('没有符合条件的党员');
    expect(w.text()).toContain('换个关键词再试');
  });
});

describe('member home', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    session.account = null;
  });
  it('shows the index, each dimension against the branch, ranks, strengths and weaknesses from the API', async () => {
    session.account = { id: 10005, login: 'dangyuan', display_name: '曹嘉坤', member: portrait.member, roles: [{ role: 'member', org_id: 8 }] };
    const f = fakeApi({
      '/api/v1/score/months': [200, { items: [{ month: 202610 }, { month: 202609 }] }],
      '/api/v1/portraits/members/69': [200, portrait],
    });
    vi.stubGlobal('fetch', f);
    const router = testRouter();
    const w = mount(Home, { global: { plugins: [vantPlugin, router], stubs: { EChart: { props: ['option'], template: '<div class="chart-stub" :data-series="JSON.stringify(option.series)"></div>' } } } });
    await settle(w);
    expect(f.calls.map((c) => c.url)).toContain('/api/v1/portraits/members/69?month=202610');
    expect(w.find('[data-test=index]').text()).toBe('71.5');
    const rows = w.findAll('[data-test=dims] tbody tr');
    expect(rows.map((r) => r.find('[data-test=dim-score]').text())).toEqual(['84.0', '66.4', '70.0', '60.0', '76.9']);
    expect(rows.map((r) => r.find('[data-test=dim-avg]').text())).toEqual(['72.3', '67.1', '69.5', '73.0', '66.0']);
    expect(w.find('[data-test=ranks]').text()).toContain('3 / 14');
    expect(w.find('[data-test=ranks]').text()).toContain('超过 78.6% 的党员');
    expect(w.find('[data-test=strength]').text()).toContain('三会一课出席');
    expect(w.find('[data-test=weakness]').text()).toContain('绩效考核等级');
    expect(w.find('[data-test=weakness]').text()).toContain('本月没有记录');
  });
  it('says the portrait is being built while its API is not on the server', async () => {
    session.account = { id: 10005, login: 'dangyuan', member: portrait.member, roles: [] };
    vi.stubGlobal('fetch', fakeApi({ '/api/v1/score/months': [500, { error: { code: 'internal', message: 'not implemented yet' } }] }));
    const w = mount(Home, { global: { plugins: [vantPlugin, testRouter()], stubs: { EChart: true } } });
    await settle(w);
    expect(w.find('[data-test=building]').exists()).toBe(true);
    expect(w.find('[data-test=index]').text()).toBe('—');
  });
  it('tells a member with no scored month what will happen', async () => {
    session.account = { id: 10005, login: 'dangyuan', member: portrait.member, roles: [] };
    vi.stubGlobal('fetch', fakeApi({ '/api/v1/score/months': [200, { items: [] }] }));
    const w = mount(Home, { global: { plugins: [vantPlugin, testRouter()], stubs: { EChart: true } } });
    await settle(w);
    expect(w.text()).toContain('还没有已计算的月份');
  });
});

describe('login page', () => {
  afterEach(() => vi.unstubAllGlobals());
  it('says so in Chinese when the password is wrong', async () => {
    vi.stubGlobal('fetch', fakeApi({ 'POST /api/v1/auth/login': [401, { error: { code: 'unauthorized', message: 'wrong login or password' } }] }));
    const router = testRouter();
    router.push('/login');
    await router.isReady();
    const w = mount(Login, { global: { plugins: [vantPlugin, router] } });
    await w.find('input[name=login]').setValue('dangyuan');
    await w.find('input[name=password]').setValue('nope');
    await w.find('form').trigger('submit');
    await settle(w, 10);
    expect(w.find('[data-test=login-error]').text()).toBe('账号或密码错误，请重新输入');
  });
  it('shows the wait the server asks for after too many failures', async () => {
    vi.stubGlobal('fetch', fakeApi({ 'POST /api/v1/auth/login': [429, { error: { code: 'too_many_requests', message: 'too many failed logins: wait 4 seconds' } }] }));
    const router = testRouter();
    router.push('/login');
    await router.isReady();
    const w = mount(Login, { global: { plugins: [vantPlugin, router] } });
    await w.find('input[name=login]').setValue('x');
    await w.find('input[name=password]').setValue('y');
    await w.find('form').trigger('submit');
    await settle(w, 10);
    expect(w.find('[data-test=login-error]').text()).toContain('操作过于频繁');
    expect(w.find('[data-test=login-error]').text()).toContain('wait 4 seconds');
  });
  async function loginPage(config) {
    vi.stubGlobal('fetch', fakeApi({ 'GET /api/v1/auth/sso': config }));
    const router = testRouter();
    router.push('/login');
    await router.isReady();
    const w = mount(Login, { global: { plugins: [vantPlugin, router] } });
    await settle(w, 10);
    return w;
  }
  it('offers the single sign-on the server has configured, in Chinese', async () => {
    const both = await loginPage([200, { oidc: true, wecom: true }]);
    expect(both.find('[data-test=sso]').text()).toBe('统一身份认证登录');
    expect(both.find('[data-test=sso-wecom]').text()).toBe('企业微信登录');
    const oidc = await loginPage([200, { oidc: true, wecom: false }]);
    expect(oidc.find('[data-test=sso]').exists()).toBe(true);
    expect(oidc.find('[data-test=sso-wecom]').exists()).toBe(false);
  });
  it('says in Chinese why single sign-on was refused, and something general for other reasons', async () => {
    for (const [code, text] of [['unknown_member', '您的工号不在党员名册中，请联系党组织管理员'], ['io', '统一身份认证登录未成功，请重试或使用账号密码登录']]) {
      vi.stubGlobal('fetch', fakeApi({ 'GET /api/v1/auth/sso': [200, { oidc: true, wecom: false }] }));
      const router = testRouter();
      router.push(`/login?sso_error=${code}`);
      await router.isReady();
      const w = mount(Login, { global: { plugins: [vantPlugin, router] } });
      await settle(w, 10);
      expect(w.find('[data-test=login-error]').text()).toBe(text);
    }
  });
  it('shows no single sign-on button when none is configured or the server does not say', async () => {
    for (const config of [[200, { oidc: false, wecom: false }], [500, { error: { code: 'internal', message: 'x' } }]]) {
      const w = await loginPage(config);
      expect(w.find('[data-test=sso]').exists()).toBe(false);
      expect(w.find('[data-test=sso-wecom]').exists()).toBe(false);
      expect(w.find('button[type=submit]').exists()).toBe(true);
    }
  });
});
