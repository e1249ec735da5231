// End-to-end: the built app (web/dist) served by a real `dangjian serve` on the demo company,
// driven in Debian's chromium. Run by scripts/test-web.sh (make web-test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { startDemoServer, startBrowser, uiLogin, apiGet, shot, fmt1, r1, notBuilt, PHONE, DESKTOP } from './lib.mjs';

let srv;
let ctx;
let page;
const figures = {};

before(async () => {
  srv = await startDemoServer();
  ctx = await startBrowser(srv.tmp);
  page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
});

after(async () => {
  await ctx?.close();
  await srv?.stop();
  if (figures.paint !== undefined) {
    console.log(`# member home first meaningful paint (phone, local server): ${figures.paint} ms (target < 1500 ms)`);
  }
  if (figures.js !== undefined) {
    console.log(`# member pages JavaScript, gzipped: ${(figures.js / 1024).toFixed(1)} KB (target < 400 KB)`);
  }
});

async function signOut() {
  await ctx.clearCookies();
}

test('the server sends built assets gzip-compressed with long-lived cache headers', async () => {
  const index = await fetch(`${srv.base}/`, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('cache-control'), 'no-cache', 'index.html must be revalidated');
  const html = await index.text(); // fetch decodes gzip
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  assert.ok(assets.some((a) => a.endsWith('.js')), 'index.html loads a script from /assets/');
  for (const a of assets) {
    // ask without automatic decoding to see the bytes as sent
    const res = await fetch(`${srv.base}${a}`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.status, 200, a);
    assert.equal(res.headers.get('content-encoding'), 'gzip', `${a} is sent gzip-compressed`);
    assert.match(res.headers.get('cache-control'), /max-age=31536000/, `${a} is cached for a year`);
    assert.match(res.headers.get('cache-control'), /immutable/);
    const raw = await rawGet(`${srv.base}${a}`);
    assert.ok(gunzipSync(raw.body).length > raw.body.length, `${a} really is gzip`);
  }
  // a client route gets the app, not a 404 (the back button and reloads work)
  const deep = await fetch(`${srv.base}/admin/orgs?page=2`);
  assert.equal(deep.status, 200);
  assert.match(await deep.text(), /<div id="app">/);
});

// Node's fetch always decodes; read the raw body with http
async function rawGet(url) {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('a member logs in on a phone and sees the radar and lines with the numbers from the API', async (t) => {
  await page.setViewportSize(PHONE);
  await shotLogin();
  await uiLogin(page, srv.base, 'dangyuan', { expectPath: /^\/$/ });
  const me = await apiGet(page, srv.base, '/api/v1/me');
  assert.equal(me.status, 200);
  const memberId = me.body.member.id;
  await page.waitForSelector('[data-test=member-name]');
  assert.equal(await page.textContent('[data-test=member-name]'), me.body.member.name);

  const months = await apiGet(page, srv.base, '/api/v1/score/months');
  if (notBuilt(months)) {
    await page.waitForSelector('[data-test=building]');
    await shot(page, 'phone-home');
    t.skip('waiting on GET /api/v1/score/months and GET /api/v1/portraits/members/{id}: the page shows 功能建设中');
    return;
  }
  assert.equal(months.status, 200);
  const latest = months.body.items[0].month;
  const p = await apiGet(page, srv.base, `/api/v1/portraits/members/${memberId}?month=${latest}`);
  if (notBuilt(p)) {
    await page.waitForSelector('[data-test=building]');
    t.skip('waiting on GET /api/v1/portraits/members/{id}: the page shows 功能建设中');
    return;
  }
  assert.equal(p.status, 200);
  await page.waitForSelector('[data-test=dims] tbody tr');

  // the index and each dimension as printed
  assert.equal((await page.textContent('[data-test=index]')).trim(), fmt1(p.body.index));
  const dims = ['politics', 'theory', 'discipline', 'performance', 'honours'];
  for (const d of dims) {
    const row = page.locator(`[data-test=dims] tr[data-dim=${d}]`);
    assert.equal((await row.locator('[data-test=dim-score]').textContent()).trim(), fmt1(p.body.dims[d].score), `${d} score`);
    assert.equal((await row.locator('[data-test=dim-avg]').textContent()).trim(), fmt1(p.body.dims[d].branch_avg), `${d} branch average`);
  }

  // the radar as drawn: the member's and the branch's five values
  const radar = JSON.parse(await page.getAttribute('[data-test=radar]', 'data-series'));
  const [mine, avg] = radar[0].data;
  assert.deepEqual(mine.value, dims.map((d) => r1(p.body.dims[d].score)));
  assert.deepEqual(avg.value, dims.map((d) => r1(p.body.dims[d].branch_avg)));
  // SVG keeps the labels as text: the member's values are on the chart
  const radarText = await page.locator('[data-test=radar] svg').textContent();
  for (const d of dims) assert.ok(radarText.includes(String(r1(p.body.dims[d].score))), `radar shows ${d}`);

  // the growth line against the branch average, 12 months, gaps kept
  const growth = JSON.parse(await page.getAttribute('[data-test=growth]', 'data-series'));
  assert.equal(growth[0].data.length, p.body.growth.months.length);
  assert.deepEqual(growth[0].data, p.body.growth.member.map(r1));
  assert.deepEqual(growth[1].data, p.body.growth.branch.map(r1));

  // ranks
  const ranks = await page.textContent('[data-test=ranks]');
  for (const s of ['branch', 'unit', 'company']) assert.ok(ranks.includes(`${p.body.ranks[s].rank}`), `rank in ${s}`);
  await shot(page, 'phone-home');
  await shot(page, 'phone-home-full', { full: true });

  // another month from the picker: the numbers follow
  if (months.body.items.length > 1) {
    const other = months.body.items[1].month;
    const q = await apiGet(page, srv.base, `/api/v1/portraits/members/${memberId}?month=${other}`);
    await page.click('[data-test=month-picker]');
    await page.locator('.van-picker-column__item').nth(1).click();
    await page.click('.van-picker__confirm');
    await page.waitForFunction((v) => document.querySelector('[data-test=index]')?.textContent.trim() === v, fmt1(q.body.index));
  }
});

async function shotLogin() {
  await page.goto(`${srv.base}/login`);
  await page.waitForSelector('input[name=login]');
  await shot(page, 'phone-login');
}

test('the member home paints its numbers quickly on a phone (performance timing)', async () => {
  await page.setViewportSize(PHONE);
  await page.goto(`${srv.base}/`, { waitUntil: 'load' });
  // the page's own mark when the portrait is on screen, else (portrait not built) the
  // "功能建设中" state: the first paint that means something to the member
  await page.waitForFunction(() => performance.getEntriesByName('dj:home-ready').length || document.querySelector('[data-test=building]'), null, { timeout: 15_000 });
  await page.waitForTimeout(100);
  const t = await page.evaluate(() => {
    const mark = performance.getEntriesByName('dj:home-ready')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const nav = performance.getEntriesByType('navigation')[0];
    return { ready: mark ? mark.startTime : null, fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd };
  });
  const paint = Math.round(t.ready ?? t.fcp);
  figures.paint = paint;
  console.log(`# first contentful paint ${Math.round(t.fcp)} ms; numbers on screen ${t.ready === null ? 'n/a (portrait API not built)' : Math.round(t.ready) + ' ms'}; DOMContentLoaded ${Math.round(t.dcl)} ms`);
  assert.ok(paint < 1500, `first meaningful paint ${paint} ms should be under 1500 ms`);
});

test('the member pages load under 400 KB of gzipped JavaScript', async () => {
  await page.setViewportSize(PHONE);
  // every script the member pages load, as sent over the wire (gzip), with the cache off;
  // each page is loaded afresh so that its own entries are read
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const scripts = new Map();
  for (const p of ['/', '/dues', '/inbox', '/me', '/rules']) {
    await page.goto(`${srv.base}${p}`, { waitUntil: 'networkidle' });
    const got = await page.evaluate(() =>
      performance.getEntriesByType('resource').filter((e) => /\/assets\/.*\.js$/.test(e.name)).map((e) => ({ url: e.name, enc: e.encodedBodySize, dec: e.decodedBodySize })),
    );
    for (const e of got) scripts.set(e.url, e);
  }
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  await cdp.detach();
  let total = 0;
  for (const e of scripts.values()) {
    assert.ok(e.enc > 0 && e.enc < e.dec, `${e.url} comes compressed (${e.enc} of ${e.dec} bytes)`);
    total += e.enc;
  }
  figures.js = total;
  console.log(`# ${scripts.size} scripts for the member pages: ${(total / 1024).toFixed(1)} KB gzipped`);
  assert.ok(total < 400 * 1024, `member pages JavaScript ${total} bytes gzipped should be under 400 KB`);
});

test('the browser back button walks back through the member pages', async () => {
  await page.setViewportSize(PHONE);
  await page.goto(`${srv.base}/`);
  await page.click('[data-test=tabbar] >> text=我的');
  await page.waitForURL(/\/me$/);
  await page.waitForSelector('[data-test=me-name]');
  await shot(page, 'phone-me');
  await page.click('text=计分规则');
  await page.waitForURL(/\/rules$/);
  await page.waitForTimeout(300);
  await shot(page, 'phone-rules');
  await page.goBack();
  await page.waitForURL(/\/me$/);
  await page.goBack();
  await page.waitForURL((u) => u.pathname === '/');
  await page.click('[data-test=tabbar] >> text=党费');
  await page.waitForURL(/\/dues$/);
  await page.waitForSelector('[data-test=dues-owed]');
  await shot(page, 'phone-dues');
  await page.click('[data-test=tabbar] >> text=待办');
  await page.waitForURL(/\/inbox/);
  await page.waitForSelector('.m-inbox [data-test=todos], .m-inbox .state-empty');
  await page.goBack();
  await page.waitForURL(/\/dues$/);
});

test('a member who opens an admin URL is refused, and so is the API', async () => {
  await page.setViewportSize(PHONE);
  for (const p of ['/admin', '/admin/orgs', '/admin/model']) {
    await page.goto(`${srv.base}${p}`);
    await page.waitForSelector('[data-test=forbidden]');
    assert.match(await page.textContent('[data-test=forbidden]'), /无权访问此页面/);
  }
  await shot(page, 'phone-forbidden');
  const list = await apiGet(page, srv.base, '/api/v1/members');
  assert.equal(list.status, 403);
  assert.equal(list.body.error.code, 'forbidden');
});

test('an expired session returns to the login page, which says so', async () => {
  await page.setViewportSize(PHONE);
  await page.goto(`${srv.base}/me`);
  await page.waitForSelector('[data-test=me-name]');
  await signOut(); // the server no longer knows this browser: the next call answers 401
  await page.click('[data-test=tabbar] >> text=首页');
  await page.waitForURL(/\/login/);
  await page.waitForSelector('[data-test=expired]');
  assert.match(await page.textContent('[data-test=expired]'), /登录已过期/);
});

test('an admin sees the organization tree and pages through the members', async () => {
  await signOut();
  await page.setViewportSize(DESKTOP);
  await uiLogin(page, srv.base, 'admin', { expectPath: /^\/admin$/ });
  await page.waitForSelector('[data-test=kpi-members] .kpi-value');
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-test=kpi-members] .kpi-value').textContent));
  await page.waitForTimeout(500);
  await shot(page, 'desktop-dashboard');

  await page.click('[data-nav=orgs]');
  await page.waitForURL(/\/admin\/orgs/);
  await page.waitForSelector('[data-test=org-tree] .tree-row');
  const rootName = await page.locator('[data-test=org-tree] .tree-row').first().locator('.tree-name').textContent();
  const tree = await apiGet(page, srv.base, '/api/v1/orgs/tree');
  assert.equal(rootName.trim(), tree.body.name);
  // the root's children are listed under it
  const childRows = await page.locator('[data-test=org-tree] > li > ul > li').count();
  assert.equal(childRows, tree.body.children.length);

  await page.waitForSelector('[data-test=members-table] tbody tr');
  const first = await apiGet(page, srv.base, `/api/v1/members?org_id=${tree.body.id}&page=1&page_size=20`);
  assert.ok(first.body.total > 20, 'the demo company has more than one page of members');
  assert.match(await page.textContent('[data-test=members-total]'), new RegExp(`${first.body.total}`));
  const page1 = await page.locator('[data-test=members-table] tbody tr td:first-child').allTextContents();
  assert.deepEqual(page1.map((s) => s.trim()), first.body.items.map((m) => m.emp_no));
  // phones and ID cards stay masked in the list
  assert.ok(first.body.items.every((m) => !m.phone || m.phone.includes('*')));
  await shot(page, 'desktop-orgs');

  await page.click('[data-test=members-pager] .van-pagination__item--next button');
  await page.waitForURL(/page=2/);
  const second = await apiGet(page, srv.base, `/api/v1/members?org_id=${tree.body.id}&page=2&page_size=20`);
  await page.waitForFunction((emp) => document.querySelector('[data-test=members-table] tbody tr td code')?.textContent === emp, second.body.items[0].emp_no);
  // back: page 1 again
  await page.goBack();
  await page.waitForFunction((emp) => document.querySelector('[data-test=members-table] tbody tr td code')?.textContent === emp, first.body.items[0].emp_no);

  // search by name
  const someone = second.body.items[3];
  await page.fill('[data-test=member-search]', someone.name);
  await page.press('[data-test=member-search]', 'Enter');
  await page.waitForURL(/q=/);
  await page.waitForFunction((n) => [...document.querySelectorAll('[data-test=members-table] tbody tr')].some((r) => r.textContent.includes(n)), someone.name);

  // a member's page (record and portrait)
  await page.goto(`${srv.base}/admin/members/${someone.id}`);
  await page.waitForSelector('[data-test=member-record]');
  assert.match(await page.textContent('[data-test=member-record]'), new RegExp(someone.emp_no));
  await page.waitForTimeout(600);
  await shot(page, 'desktop-member');
});

test('the admin edits a member within the role and sees the API answer', async () => {
  await page.setViewportSize(DESKTOP);
  const list = await apiGet(page, srv.base, '/api/v1/members?page=1&page_size=1');
  const m = list.body.items[0];
  await page.goto(`${srv.base}/admin/members/${m.id}`);
  await page.click('[data-test=member-edit]');
  await page.fill('[data-test=member-form] input[maxlength="100"]', '高级工程师（测试）');
  await page.click('[data-test=member-form] button[type=submit]');
  await page.waitForSelector('.form-ok');
  const after = await apiGet(page, srv.base, `/api/v1/members/${m.id}`);
  assert.equal(after.body.position, '高级工程师（测试）');
  // a bad phone number: the API's own words are shown
  await page.click('[data-test=member-edit]');
  await page.fill('[data-test=member-form] input[inputmode=tel]', '12345');
  await page.click('[data-test=member-form] button[type=submit]');
  await page.waitForSelector('[data-test=member-save-error]');
  assert.match(await page.textContent('[data-test=member-save-error]'), /输入有误：.*phone/);
});

test('console pages: portraits, leaderboard, model, plans, dues', async () => {
  await page.setViewportSize(DESKTOP);
  for (const [nav, name] of [['portraits', 'desktop-portraits'], ['leaderboard', 'desktop-leaderboard'], ['model', 'desktop-model'], ['plans', 'desktop-plans'], ['dues', 'desktop-dues']]) {
    await page.click(`[data-nav=${nav}]`);
    await page.waitForURL(new RegExp(`/admin/${nav}`));
    // each page ends in data, an empty state, an error in words, or 功能建设中
    await page.waitForFunction(() => document.querySelector('.a-main .a-page') && !document.querySelector('.state-loading'));
    await page.waitForTimeout(400);
    await shot(page, name);
  }
  // the company leaderboard as the API ranks it
  const lb = await apiGet(page, srv.base, '/api/v1/leaderboard?scope=company&page=1&page_size=20');
  if (lb.status === 200) {
    await page.click('[data-nav=leaderboard]');
    await page.waitForSelector('[data-test=lb-table] tbody tr');
    const names = await page.locator('[data-test=lb-table] tbody tr td:nth-child(2)').allTextContents();
    assert.deepEqual(names.map((n) => n.trim()), lb.body.items.map((i) => i.name));
    await shot(page, 'desktop-leaderboard');
  }
  // the model page shows the versions when the scoring API is there
  const models = await apiGet(page, srv.base, '/api/v1/score/models');
  await page.click('[data-nav=model]');
  if (models.status === 200) {
    await page.waitForSelector('[data-test=model-versions] li');
    assert.equal(await page.locator('[data-test=model-versions] li').count(), models.body.items.length);
  } else {
    assert.ok(notBuilt(models));
    await page.waitForSelector('[data-test=building]');
  }
});

test('the system admin makes a new model version and activates it', async (t) => {
  await page.setViewportSize(DESKTOP);
  const models = await apiGet(page, srv.base, '/api/v1/score/models');
  if (notBuilt(models)) {
    t.skip('waiting on GET /api/v1/score/models');
    return;
  }
  await page.goto(`${srv.base}/admin/model`);
  await page.waitForSelector('[data-test=model-versions] li');
  const before = await page.locator('[data-test=model-versions] li').count();
  await page.click('[data-test=model-new]');
  await page.fill('[data-test=model-form] input[pattern]', '202701');
  // weights that do not sum to 1: the server refuses, and its words are shown
  const weight = page.locator('[data-test=model-form] .inline-form').nth(1).locator('input').first();
  await weight.fill('0.5');
  await page.click('[data-test=model-form] button[type=submit]');
  await page.waitForSelector('[data-test=model-error]');
  assert.match(await page.textContent('[data-test=model-error]'), /^输入有误：/);
  await weight.fill('0.2');
  await page.click('[data-test=model-form] button[type=submit]');
  await page.waitForSelector('.form-ok');
  assert.match(await page.textContent('.form-ok'), /已保存新版本 v\d+/);
  assert.equal(await page.locator('[data-test=model-versions] li').count(), before + 1);
  await page.click('[data-test=model-activate]');
  await page.click('.van-dialog__confirm');
  await page.waitForFunction(() => /已启用/.test(document.querySelector('.form-ok')?.textContent || ''));
  const after = await apiGet(page, srv.base, '/api/v1/score/models');
  const made = after.body.items.find((m) => m.effective_month === 202701);
  assert.ok(made && made.active, 'the new version is active');
  await shot(page, 'desktop-model');
});

test('a branch secretary sees only the branch in the console', async () => {
  await signOut();
  await page.setViewportSize(DESKTOP);
  await uiLogin(page, srv.base, 'shuji', { expectPath: /^\/$/ }); // a member too: the member home first
  const me = await apiGet(page, srv.base, '/api/v1/me');
  const branch = me.body.roles.find((r) => r.role === 'secretary');
  await page.goto(`${srv.base}/admin/orgs`);
  await page.waitForSelector('[data-test=org-tree] .tree-row');
  assert.equal((await page.locator('[data-test=org-tree] .tree-row .tree-name').first().textContent()).trim(), branch.org_name);
  await page.waitForSelector('[data-test=members-table] tbody tr');
  const names = await page.locator('[data-test=members-table] tbody tr td:nth-child(6)').allTextContents();
  assert.ok(names.every((n) => n.trim() === branch.org_name), 'only the branch members are listed');
  // the model page is for system administrators only
  assert.equal(await page.locator('[data-nav=model]').count(), 0);
  await page.goto(`${srv.base}/admin/model`);
  await page.waitForSelector('[data-test=forbidden]');
});

test('a secretary acknowledges a warning', { skip: 'waiting on the plans module: no warnings or rectification endpoints under /api/v1/plans/ on the server yet' }, () => {});

test('finance confirms a month and sees the ledger change', { skip: 'waiting on the dues module: no batch confirmation or ledger endpoints under /api/v1/dues/ on the server yet' }, () => {});
