import { describe, it, expect, afterEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import Webhooks from '../../src/pages/admin/Webhooks.vue';
import { setLocale } from '../../src/lib/i18n.js';
import { fakeApi, testRouter, vantPlugin, settle } from './helpers.js';

// the shapes src/plan/webhook.c answers
const hook = (id, kind, extra = {}) => ({ id, kind, url: `https://robot.invalid/${kind}`, active: true, retry_seconds: 60, max_attempts: 6, created_at: 1795928299, deliveries: { pending: 1, delivered: 3, failed: 0 }, ...extra });
const list = [200, { items: [hook(1, 'wecom'), hook(2, 'dingtalk', { active: false })] }];

async function mountWith(routes) {
  await setLocale('zh');
  const f = fakeApi(routes);
  vi.stubGlobal('fetch', f);
  const router = testRouter();
  router.push('/');
  await router.isReady();
  const w = mount(Webhooks, { global: { plugins: [vantPlugin, router] }, attachTo: document.body });
  await settle(w);
  return { f, w };
}
const bodyOf = (f, key) => {
  const c = f.calls.find((x) => `${x.init.method || 'GET'} ${x.url.split('?')[0]}` === key);
  return c && JSON.parse(c.init.body || 'null');
};

describe('the messenger robots page', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = '';
  });

  it('lists the robots by kind in Chinese, and never shows a secret', async () => {
    const { w } = await mountWith({ '/api/v1/plans/webhooks': list });
    const rows = w.findAll('[data-test="hook-rows"] > li');
    expect(rows.map((r) => r.attributes('data-kind'))).toEqual(['wecom', 'dingtalk']);
    expect(rows[0].text()).toContain('企业微信群机器人');
    expect(rows[1].text()).toContain('钉钉群机器人');
    expect(rows[1].text()).toContain('已停用');
    expect(rows[0].text()).toContain('待发送 1 · 已送达 3 · 失败 0');
  });

  it('adds a DingTalk robot with its secret, clears the secret, and words a refusal in Chinese', async () => {
    let n = 0;
    const { f, w } = await mountWith({
      '/api/v1/plans/webhooks': list,
      'POST /api/v1/plans/webhooks': () => (n++ === 0
        ? [400, { error: { code: 'invalid', message: "field 'secret' is required for a dingtalk webhook (its signing secret)", details: [{ code: 'required', field: 'secret', message: 'x' }] } }]
        : [201, hook(3, 'dingtalk')]),
    });
    await w.find('[data-test="hook-kind"]').setValue('dingtalk');
    await w.find('[data-test="hook-url"]').setValue('https://oapi.dingtalk.com/robot/send?access_token=abc');
    await w.find('[data-test="hook-form"]').trigger('submit');
    await settle(w);
    expect(w.find('[data-test="hook-error"]').text()).toContain('密钥');
    expect(bodyOf(f, 'POST /api/v1/plans/webhooks')).toEqual({ kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=abc' });
    await w.find('[data-test="hook-secret"]').setValue('SECabcdef0123456789');
    await w.find('[data-test="hook-form"]').trigger('submit');
    await settle(w);
    const sent = f.calls.filter((c) => c.init.method === 'POST').map((c) => JSON.parse(c.init.body));
    expect(sent[1]).toEqual({ kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: 'SECabcdef0123456789' });
    expect(w.find('[data-test="hook-secret"]').element.value).toBe('');
    expect(w.find('[data-test="hook-error"]').exists()).toBe(false);
  });

  it('a WeCom robot has no secret field', async () => {
    const { w } = await mountWith({ '/api/v1/plans/webhooks': list });
    expect(w.find('[data-test="hook-secret"]').exists()).toBe(false);
  });

  it('sends a test message and shows the deliveries with the robot error code', async () => {
    const { f, w } = await mountWith({
      '/api/v1/plans/webhooks': list,
      'POST /api/v1/plans/webhooks/1/test': [200, { after: 10, delivered: 0 }],
      '/api/v1/plans/webhooks/1/deliveries': [200, { items: [{ id: 11, event: 'plan.test', status: 'pending', attempts: 1, next_at: 1, last_code: 200, last_error: 'errcode 45009: api freq out of limit', created_at: 1795928299, org_id: 0, part: 1, delivered_at: null, tries: [] }] }],
    });
    await w.find('[data-test="hook-test-1"]').trigger('click');
    await settle(w);
    expect(f.calls.some((c) => c.init.method === 'POST' && c.url.startsWith('/api/v1/plans/webhooks/1/test'))).toBe(true);
    expect(w.find('[data-test="hook-note-1"]').text()).toBe('测试消息未送达，请查看推送记录');
    await w.find('[data-test="hook-open-1"]').trigger('click');
    await settle(w);
    const d = w.find('[data-test="hook-deliveries"] li');
    expect(d.attributes('data-status')).toBe('pending');
    expect(d.text()).toContain('待重试');
    expect(d.text()).toContain('errcode 45009');
  });
});
