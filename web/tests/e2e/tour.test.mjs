// The tour: each demo role logs in and the first screen it sees is saved — every role on a
// phone (390×844: the member pages, and the console's phone layout for committee staff,
// finance and the system admin), then the whole console dashboard on a 1366×900 desktop.
// These pictures are the README's tour; `make screenshots` copies them from
// build/screenshots/ into docs/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, uiLogin, apiGet, shot, DESKTOP, PHONE_390 as TOUR_PHONE } from './lib.mjs';

let srv;
let ctx;
let page;

before(async () => {
  ({ srv, ctx, page } = await startApp());
});

after(async () => {
  await ctx?.close();
  await srv?.stop();
});

/** A fresh session on the given viewport, logged in through the login page. */
async function loginAs(login, viewport, expectPath) {
  await ctx.clearCookies();
  await page.setViewportSize(viewport);
  await uiLogin(page, srv.base, login, { expectPath });
}

/** The member home is ready when the portrait's numbers are on screen (the page's own mark). */
async function memberHomeReady() {
  await page.waitForSelector('[data-test=dims] tbody tr');
  await page.waitForFunction(() => performance.getEntriesByName('dj:home-ready').length);
  const index = (await page.textContent('[data-test=index]')).trim();
  assert.match(index, /^\d+\.\d$/, 'the index is a number');
}

/** The dashboard is ready when its figures have arrived from their APIs. */
async function dashboardReady() {
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-test=kpi-members] .kpi-value')?.textContent || ''));
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-test=kpi-dues] .kpi-value')?.textContent || ''));
  await page.waitForSelector('[data-test=dash-plans]');
}

async function settle() {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(400); // chart animations end
}

test('1 member (党员): the home page, a portrait of the member against the branch', async () => {
  await loginAs('dangyuan', TOUR_PHONE, /^\/$/);
  await memberHomeReady();
  await settle();
  await shot(page, 'tour-1-member');
});

test('2 branch secretary (支部书记): the home page, then the to-dos of the branch', async () => {
  await loginAs('shuji', TOUR_PHONE, /^\/$/);
  await memberHomeReady();
  const me = await apiGet(page, srv.base, '/api/v1/me');
  assert.ok(me.body.roles.some((r) => r.role === 'secretary'), 'shuji is a branch secretary');
  await page.click('[data-test=tabbar] >> text=待办');
  await page.waitForURL(/\/inbox/);
  await page.waitForSelector('[data-test=todos]');
  await settle();
  await shot(page, 'tour-2-secretary');
});

test('3 committee staff (党委): the console dashboard of the unit committee, on a phone', async () => {
  await loginAs('dangwei', TOUR_PHONE, /^\/admin$/);
  await dashboardReady();
  await settle();
  await shot(page, 'tour-3-committee');
});

test('4 finance (财务): the console dashboard, dues collection first, on a phone', async () => {
  await loginAs('caiwu', TOUR_PHONE, /^\/admin$/);
  await dashboardReady();
  await settle();
  await shot(page, 'tour-4-finance');
});

test('5 system admin (系统管理员): the console dashboard of the whole company, on a phone', async () => {
  await loginAs('admin', TOUR_PHONE, /^\/admin$/);
  await dashboardReady();
  await settle();
  await shot(page, 'tour-5-admin');
});

test('the whole console dashboard of the unit committee, below the fold too (1366 wide)', async () => {
  await loginAs('dangwei', DESKTOP, /^\/admin$/);
  await dashboardReady();
  await page.waitForSelector('[data-test=dash-logins]');
  await settle();
  await shot(page, 'tour-desktop-dashboard', { full: true });
});
