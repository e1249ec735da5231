// 数据源 on a 390×844 phone and on the 1366×900 console: the system admin adds an HTTP feed
// pointed at a local JSON API that checks its bearer token, pulls it now, reads the
// quarantined rows with their Chinese reason, and sees the quality view of the month that
// ended last; every view fits the screen (lib.mjs). Run by scripts/test-web.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { startApp, uiLogin, shot, assertFits, VIEWS, BIN } from './lib.mjs';

let srv;
let ctx;
let page;
let api;
let signedIn = false;
const ids = {};
const seen = [];

before(async () => {
  ({ srv, ctx, page } = await startApp());
  for (const view of VIEWS.map((v) => v[0])) {
    const code = `oa_${view}`;
    const r = spawnSync(BIN, ['source', 'add', '--code', code, '--name', `办公系统 ${view}`, '--db', srv.db], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    ids[view] = Number(r.stdout.match(/created \(id (\d+)\)/)[1]);
  }
  // two rows about nobody the demo company knows: both are quarantined
  api = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    const ok = req.headers.authorization === 'Bearer e2e-token';
    res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(ok ? { data: [{ id: 1, emp: 'NOBODY1', ind: 'perf.rating', val: 3, ym: '2026-01' }, { id: 2, emp: 'NOBODY2', ind: 'perf.rating', val: 2, ym: '2026-01' }] } : { error: 'token' }));
  });
  await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await new Promise((resolve) => api?.close(resolve));
  await ctx?.close();
  await srv?.stop();
});

for (const [view, size] of VIEWS) {
  test(`${view}: the system admin adds an HTTP feed, pulls it and reads its quarantine and the quality view`, async () => {
    await page.setViewportSize(size);
    if (!signedIn) await uiLogin(page, srv.base, 'admin', { expectPath: /^\/admin$/ });
    signedIn = true;
    await page.goto(`${srv.base}/admin/sources`);
    await page.waitForSelector('[data-test=quality]');
    await page.click('[data-test=feed-add]');
    await page.waitForSelector('[data-test=form-save]');
    await page.fill('[data-test=form-source-id]', String(ids[view]));
    await page.selectOption('[data-test=form-kind]', 'http');
    await page.fill('[data-test=form-target]', `http://127.0.0.1:${api.address().port}/v1/rows`);
    await page.selectOption('[data-test=form-auth]', 'bearer');
    await page.fill('[data-test=form-secret]', 'e2e-token');
    await page.fill('[data-test=form-mapping]', JSON.stringify({ key: 'id', emp_no: 'emp', indicator: 'ind', value: 'val', month: 'ym' }));
    await assertFits(page, `${view}: sources with the feed form`);
    await page.click('[data-test=form-save]');
    const row = page.locator(`[data-test=feed-rows] > li[data-code=oa_${view}]`);
    await row.waitFor().catch(async (e) => {
      throw new Error(`${e.message}\nform: ${await page.locator('[data-test=form-error]').textContent().catch(() => '(none)')}\npage: ${(await page.locator('.a-page').textContent()).slice(0, 1500)}`);
    });
    assert.match(await row.textContent(), /HTTP 接口/);
    assert.match(await row.textContent(), /从未拉取/);
    assert.ok(!(await page.content()).includes('e2e-token'), 'the token is never shown');
    await row.locator(`[data-test=feed-pull-oa_${view}]`).click();
    await row.locator(`[data-test=feed-note-oa_${view}]`, { hasText: '已拉取 1 页、2 行' }).waitFor();
    assert.equal(seen.at(-1), 'Bearer e2e-token');
    await row.locator('[data-test=feed-state]', { hasText: '正常' }).waitFor();
    await row.locator(`[data-test=feed-quarantine-oa_${view}]`).click();
    await row.locator('[data-test=quarantine] li[data-reason=unknown_member]').first().waitFor();
    assert.match(await row.locator('[data-test=quarantine]').textContent(), /找不到该党员/);
    await assertFits(page, `${view}: sources with the quarantine`);
    await shot(page, `${view}-admin-sources`);
  });
}
