import { describe, it, expect, afterEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import Sources from '../../src/pages/admin/Sources.vue';
import FeedForm from '../../src/pages/admin/FeedForm.vue';
import { setLocale, addWords } from '../../src/lib/i18n.js';
import { zhConsole } from '../../src/lib/messages.console.js';
import { session } from '../../src/lib/session.js';
import { fmtLag, monthParam, monthInput, feedBody, HTTP_DEFAULTS } from '../../src/lib/sources.js';
import { fakeApi, testRouter, vantPlugin, settle } from './helpers.js';

// the shapes src/ingest/feed.c and quality.c answer
const feed = (id, code, extra = {}) => ({
  source_id: id, code, name: `${code} 系统`, kind: 'sql', target: 'public.achievements', mapping: { key: 'id' },
  every_seconds: 900, page_size: 500, window_months: 24, enabled: true, secret_set: true, watermark: null,
  rows_read: 30, stored: 25, duplicates: 2, quarantined: 3, quarantine_open: 3, failures: 0, next_at: 0,
  last_try_at: 1795928299, last_ok_at: 1795928299, last_error: '', lag_seconds: 7200, state: 'ok', ...extra,
});
const feeds = [200, { items: [feed(2, 'hr'), feed(3, 'oa', { kind: 'http', target: 'https://oa.invalid/v1/rows', state: 'failing', failures: 2,
  last_error: "the feed's server refused the credential (HTTP 401)", http: { ...HTTP_DEFAULTS, auth: 'bearer', first_page: 1 } })], quarantine_open: 3 }];
const quality = (ready, released = null) => [200, {
  month: 202610, ready, released,
  sources: [{ source: { id: 2, code: 'hr', name: 'hr 系统' }, cadence: 'monthly', complete_day: 5, org: { id: 1, code: 'ROOT', name: '公司党委' },
    indicators: ['perf.rating'], complete_by: '2026-11-05', complete: ready, orgs_missing: ready ? 0 : 1, last_ok_at: null, lag_seconds: null, quiet: false,
    rejected: { total: 2, reasons: { unknown_member: 2 } },
    orgs: [{ org: { id: 5, code: 'A1', name: '第一支部' }, expected: 4, received: 0, late: 0, members_with_data: 0, has_data: false }] }],
}];
const admin = { id: 1, login: 'admin', member: null, roles: [{ role: 'admin', org_id: 1, org_top: true }] };
const committee = { id: 2, login: 'dangwei', member: null, roles: [{ role: 'committee', org_id: 2 }] };

async function mountWith(account, routes, comp = Sources, props = {}) {
  await setLocale('zh');
  addWords(zhConsole);
  session.account = account;
  const f = fakeApi(routes);
  vi.stubGlobal('fetch', f);
  const router = testRouter();
  router.push('/');
  await router.isReady();
  const w = mount(comp, { props, global: { plugins: [vantPlugin, router] }, attachTo: document.body });
  await settle(w);
  return { f, w };
}
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
  session.account = null;
});

const sent = (f, key) => f.calls.filter((c) => `${c.init.method || 'GET'} ${c.url.split('?')[0]}` === key).map((c) => JSON.parse(c.init.body || 'null'));

describe('the 数据源 page', () => {
  it('lists the feeds with their state, lag and failing reason in Chinese', async () => {
    const { w } = await mountWith(admin, { '/api/v1/feeds': feeds, '/api/v1/feeds/quality': quality(false) });
    const rows = w.findAll('[data-test="feed-rows"] > li');
    expect(rows.map((r) => r.attributes('data-state'))).toEqual(['ok', 'failing']);
    expect(rows[0].text()).toContain('数据库表');
    expect(rows[0].text()).toContain('延迟 2 小时');
    expect(rows[0].text()).toContain('已读 30 · 入库 25 · 重复 2 · 隔离 3');
    expect(rows[1].text()).toContain('HTTP 接口');
    expect(rows[1].find('[data-test="feed-state"]').text()).toBe('失败');
    expect(rows[1].find('[data-test="feed-error"]').text()).toContain('连续失败 2 次');
  });

  it('pulls now and says what the pull did; a failing pull shows the server reason', async () => {
    let n = 0;
    const { f, w } = await mountWith(admin, {
      '/api/v1/feeds': feeds, '/api/v1/feeds/quality': quality(true),
      'POST /api/v1/sources/2/feed/pull': () => (n++ === 0
        ? [200, { pages: 2, rows: 12, stored: 10, duplicates: 1, quarantined: 1, resolved: 0, seconds: 0.2 }]
        : [500, { error: { code: 'io', message: 'cannot read the feed\'s URL: Connection refused' } }]),
    });
    await w.find('[data-test="feed-pull-hr"]').trigger('click');
    await settle(w);
    expect(w.find('[data-test="feed-note-hr"]').text()).toBe('已拉取 2 页、12 行：入库 10，重复 1，隔离 1');
    await w.find('[data-test="feed-pull-hr"]').trigger('click');
    await settle(w);
    expect(w.find('[data-test="feed-note-hr"]').text()).not.toBe('');
    expect(f.calls.filter((c) => c.url === '/api/v1/feeds').length).toBeGreaterThanOrEqual(3);
  });

  it('opens the quarantine with Chinese reasons and replays it', async () => {
    const { f, w } = await mountWith(admin, {
      '/api/v1/feeds': feeds, '/api/v1/feeds/quality': quality(true),
      '/api/v1/sources/2/quarantine': [200, { items: [{ id: 1, row_key: '21', raw: { emp: 'NOPE' }, reason: 'unknown_member', field: 'emp_no', message: 'x', status: 'open', seen: 1, created_at: 1, updated_at: 1 }], total: 1, page: 1, page_size: 50 }],
      'POST /api/v1/sources/2/quarantine/replay': [200, { pages: 0, rows: 1, stored: 1, duplicates: 0, quarantined: 0, resolved: 1, seconds: 0 }],
    });
    await w.find('[data-test="feed-quarantine-hr"]').trigger('click');
    await settle(w);
    expect(w.find('[data-test="quarantine"]').text()).toContain('找不到该党员');
    await w.find('[data-test="replay"]').trigger('click');
    await settle(w);
    expect(sent(f, 'POST /api/v1/sources/2/quarantine/replay')).toHaveLength(1);
    expect(w.find('[data-test="feed-note-hr"]').text()).toBe('重新处理 1 行：入库 1，仍隔离 0');
  });

  it('shows the quality of the month that ended last, and releases it with a reason', async () => {
    const { f, w } = await mountWith(admin, {
      '/api/v1/feeds': feeds, '/api/v1/feeds/quality': quality(false),
      'POST /api/v1/months/202610/release': [200, { month: 202610, reason: '数据中台故障' }],
    });
    expect(f.calls.find((c) => c.url.startsWith('/api/v1/feeds/quality')).url).toBe('/api/v1/feeds/quality');
    expect(w.find('[data-test="quality-month"]').element.value).toBe('2026-10');
    expect(w.find('[data-test="quality-ready"]').text()).toContain('数据未齐');
    expect(w.find('[data-test="quality"]').text()).toContain('1 个组织无数据');
    await w.find('[data-test="release-reason"]').setValue('数据中台故障');
    await w.find('[data-test="release-form"]').trigger('submit');
    await settle(w);
    expect(sent(f, 'POST /api/v1/months/202610/release')).toEqual([{ reason: '数据中台故障' }]);
  });

  it('committee staff see the quality view only: no feeds, no release', async () => {
    const { f, w } = await mountWith(committee, { '/api/v1/feeds/quality': quality(false) });
    expect(w.find('[data-test="feeds"]').exists()).toBe(false);
    expect(w.find('[data-test="release-form"]').exists()).toBe(false);
    expect(w.find('[data-test="quality"]').text()).toContain('第一支部');
    expect(f.calls.some((c) => c.url.startsWith('/api/v1/feeds?') || c.url === '/api/v1/feeds')).toBe(false);
  });
});

describe('the feed form', () => {
  it('adds an HTTP feed with its credential and settings, and words a refusal in Chinese', async () => {
    let n = 0;
    const { f, w } = await mountWith(admin, {
      'PUT /api/v1/sources/4/feed': () => (n++ === 0
        ? [400, { error: { code: 'invalid', message: 'x', details: [{ code: 'required', field: 'credential', message: 'x' }] } }]
        : [200, feed(4, 'oa', { kind: 'http' })]),
    }, FeedForm, { feed: null, sources: [{ id: 4, code: 'oa', name: 'OA' }] });
    await w.find('[data-test="form-source-id"]').setValue(4);
    await w.find('[data-test="form-kind"]').setValue('http');
    await w.find('[data-test="form-target"]').setValue('https://oa.invalid/v1/rows');
    await w.find('[data-test="form-auth"]').setValue('bearer');
    await w.find('form').trigger('submit');
    await settle(w);
    expect(w.find('[data-test="form-error"]').text()).toContain('令牌或签名密钥');
    await w.find('[data-test="form-secret"]').setValue('tok-1');
    await w.find('form').trigger('submit');
    await settle(w);
    const bodies = sent(f, 'PUT /api/v1/sources/4/feed');
    expect(bodies[1].kind).toBe('http');
    expect(bodies[1].credential).toBe('tok-1');
    expect(bodies[1].http.auth).toBe('bearer');
    expect(bodies[1].url).toBeUndefined();
    expect(w.emitted('saved')).toHaveLength(1);
    expect(w.find('[data-test="form-secret"]').element.value).toBe('');
  });

  it('refuses a mapping that is not a JSON object before asking the server', async () => {
    const { f, w } = await mountWith(admin, {}, FeedForm, { feed: feed(2, 'hr'), sources: [] });
    await w.find('[data-test="form-mapping"]').setValue('[1,2]');
    await w.find('form').trigger('submit');
    await settle(w);
    expect(w.find('[data-test="form-error"]').text()).toContain('字段映射应为 JSON 对象');
    expect(f.calls).toHaveLength(0);
  });
});

describe('sources helpers', () => {
  it('words lags and converts months', () => {
    expect([fmtLag(5), fmtLag(120), fmtLag(7200), fmtLag(3 * 86400)]).toEqual(['5 秒', '2 分钟', '2 小时', '3 天']);
    expect(monthParam('2026-03')).toBe(202603);
    expect(monthParam('')).toBe(0);
    expect(monthInput(202603)).toBe('2026-03');
  });
  it('an existing SQL feed keeps its URL when the field is left empty', () => {
    const b = feedBody({ kind: 'sql', target: 't', secret: '', mappingText: '{"key":"id"}', page_size: 10, every_seconds: '', http: HTTP_DEFAULTS }, false);
    expect(b).toEqual({ kind: 'sql', target: 't', mapping: { key: 'id' }, page_size: 10 });
  });
});
