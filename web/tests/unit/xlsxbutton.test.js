// 下载 Excel on the console's lists (components/XlsxButton.vue): the page's filters with
// format=xlsx and without paging, saved as a file; a refusal shown in Chinese.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import XlsxButton from '../../src/components/XlsxButton.vue';
import { exportQuery } from '../../src/lib/csvimport.js';
import { vantPlugin, settle } from './helpers.js';

afterEach(() => vi.unstubAllGlobals());

describe('xlsx export', () => {
  it('keeps the filters, drops paging and empty values, asks for xlsx', () => {
    expect(exportQuery({ org_id: 5, q: '', status: undefined, page: 3, page_size: 20, level: 'red' })).toEqual({ format: 'xlsx', org_id: 5, level: 'red' });
    expect(exportQuery(undefined)).toEqual({ format: 'xlsx' });
  });

  it('downloads the list as a file named in Chinese', async () => {
    const calls = [];
    vi.stubGlobal('fetch', vi.fn(async (url, init) => {
      calls.push({ url, init });
      return { ok: true, status: 200, blob: async () => new Blob(['PK']) };
    }));
    const saved = [];
    vi.stubGlobal('URL', { createObjectURL: () => 'blob:x', revokeObjectURL: () => {} });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function () { saved.push(this.download); });
    const w = mount(XlsxButton, { props: { path: '/api/v1/members', query: { org_id: 7, q: '张', page: 2 }, filename: '党员名册.xlsx', test: 'members-xlsx' }, global: { plugins: [vantPlugin] } });
    expect(w.find('[data-test=members-xlsx]').text()).toBe('下载 Excel');
    await w.find('[data-test=members-xlsx]').trigger('click');
    await settle(w);
    expect(calls[0].url).toBe(`/api/v1/members?format=xlsx&org_id=7&q=${encodeURIComponent('张')}`);
    expect(saved).toEqual(['党员名册.xlsx']);
    click.mockRestore();
  });

  it('shows a refusal in Chinese instead of saving it', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => ({ ok: false, status: 403, text: async () => JSON.stringify({ error: { code: 'forbidden', message: 'organization 9 is outside your scope', details: [{ code: 'outside_scope', field: 'org_id', value: '9', message: 'x' }] } }) })));
    const w = mount(XlsxButton, { props: { path: '/api/v1/audit', query: { org_id: 9 }, filename: '操作日志.xlsx', test: 'audit-xlsx' }, global: { plugins: [vantPlugin] } });
    await w.find('[data-test=audit-xlsx]').trigger('click');
    await settle(w);
    expect(w.find('[data-test=audit-xlsx-error]').text()).toMatch(/[\u4e00-\u9fa5]/);
  });
});
