import { describe, it, expect, afterEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import National from '../../src/pages/admin/National.vue';
import { setLocale, addWords } from '../../src/lib/i18n.js';
import { zhConsole } from '../../src/lib/messages.console.js';
import { session } from '../../src/lib/session.js';
import { can } from '../../src/lib/access.js';
import { allowed, routes } from '../../src/router.js';
import { fakeApi, testRouter, vantPlugin, settle } from './helpers.js';

// the shape src/stats/national.c answers
const province = (code, name, tenant, dues, index, plans) => ({ org_id: tenant * 10, tenant_id: tenant, code, name, dues, index, plans });
const roll = [200, {
  month: 202611,
  provinces: [
    province('JS', '国网江苏省电力有限公司党委', 2, { bills: 40, paid: 30, liable_fen: 400000, paid_fen: 300000, rate: 0.75 }, { members: 40, average: 71.26 }, { cells: 8, met: 6, rate: 0.75 }),
    province('AH', '国网安徽省电力有限公司党委', 4, { bills: 0, paid: 0, liable_fen: 0, paid_fen: 0, rate: null }, { members: 0, average: null }, { cells: 0, met: 0, rate: null }),
  ],
}];
const months = [200, { items: [{ month: 202611, version: 1, members: 80, events: 100, finished_at: 1764000000 }] }];
const national = { id: 1, login: 'admin', member: null, roles: [{ role: 'admin', org_id: 1, org_code: 'SGCC', org_top: true }] };
const provincial = { id: 2, login: 'admin-js', member: null, roles: [{ role: 'admin', org_id: 2, org_code: 'JS', org_top: false }] };

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
  session.account = null;
});

describe('the 全国汇总 page', () => {
  it('shows each province with its collection rate, average index and plan completion', async () => {
    await setLocale('zh');
    addWords(zhConsole);
    session.account = national;
    vi.stubGlobal('fetch', fakeApi({ '/api/v1/score/months': months, '/api/v1/national/provinces': roll }));
    const router = testRouter();
    router.push('/');
    await router.isReady();
    const w = mount(National, { global: { plugins: [vantPlugin, router] }, attachTo: document.body });
    await settle(w);
    const js = w.find('[data-province="JS"]').text();
    expect(js).toContain('国网江苏省电力有限公司党委');
    expect(js).toContain('75.0%');
    expect(js).toContain('已交 3,000.00 / 应交 4,000.00 元');
    expect(js).toContain('71.3');
    expect(js).toContain('6 / 8 项');
    const ah = w.find('[data-province="AH"]').text();
    expect(ah).toContain('—');
  });

  it('is offered to the roles on the national root only, like the operations marked x-top', () => {
    const meta = routes.find((r) => r.path === '/admin').children.find((c) => c.name === 'national').meta;
    session.account = national;
    expect(allowed(meta)).toBe(true);
    expect(can('POST /api/v1/score/runs')).toBe(true);
    session.account = provincial;
    expect(allowed(meta)).toBe(false);
    expect(can('POST /api/v1/score/runs')).toBe(false);
    expect(can('GET /api/v1/plans/webhooks')).toBe(false);
    // what is not installation-wide stays theirs
    expect(can('GET /api/v1/leaderboard')).toBe(true);
    expect(can('GET /api/v1/audit')).toBe(true);
  });
});
