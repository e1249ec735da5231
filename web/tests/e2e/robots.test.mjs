// 消息推送 on a 390×844 phone and on the 1366×900 console: the system admin adds a WeCom
// group robot pointed at a local stand-in that answers as WeCom does, sends a test message,
// reads that it arrived, and opens the deliveries; every view fits the screen (lib.mjs).
// Run by scripts/test-web.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startApp, uiLogin, shot, assertFits, VIEWS } from './lib.mjs';

let srv;
let ctx;
let page;
let robot;
const got = [];
let signedIn = false;

before(async () => {
  ({ srv, ctx, page } = await startApp());
  robot = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push(JSON.parse(body));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errcode: 0, errmsg: 'ok' }));
    });
  });
  await new Promise((resolve) => robot.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await new Promise((resolve) => robot?.close(resolve));
  await ctx?.close();
  await srv?.stop();
});

for (const [view, size] of VIEWS) {
  test(`${view}: the system admin adds a WeCom robot, sends a test message and sees it delivered`, async () => {
    await page.setViewportSize(size);
    if (!signedIn) await uiLogin(page, srv.base, 'admin', { expectPath: /^\/admin$/ });
    signedIn = true;
    await page.goto(`${srv.base}/admin/webhooks`);
    await page.waitForSelector('[data-test=hook-form]');
    // count the robots only once the list has arrived (rows or the empty state), never while it loads
    await page.waitForSelector('[data-test=hook-rows], .state-empty');
    await assertFits(page, `${view}: webhooks`);
    const before = await page.locator('[data-test=hook-rows] > li').count();
    await page.selectOption('[data-test=hook-kind]', 'wecom');
    assert.equal(await page.locator('[data-test=hook-secret]').count(), 0, 'a WeCom robot has no secret');
    await page.fill('[data-test=hook-url]', `http://127.0.0.1:${robot.address().port}/cgi-bin/webhook/send?key=${view}`);
    // the save's reply first (a refusal would show in the form, and its status says why)
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/plans/webhooks', { timeout: 30_000 }),
      page.click('[data-test=hook-save]'),
    ]);
    assert.ok(saved.ok(), `saving the robot: HTTP ${saved.status()} ${await saved.text()}`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-test=hook-rows] > li').length === n + 1, before, { timeout: 30_000 });
    const row = page.locator('[data-test=hook-rows] > li').last();
    assert.match(await row.textContent(), /企业微信群机器人/);
    const sent = got.length;
    await row.locator('[data-test^=hook-test-]').click();
    await row.locator('[data-test^=hook-note-]', { hasText: '测试消息已送达' }).waitFor();
    assert.equal(got.length, sent + 1);
    assert.match(got.at(-1).markdown?.content ?? got.at(-1).text?.content, /【测试消息】/);
    await row.locator('[data-test^=hook-open-]').click();
    await row.locator('[data-test=hook-deliveries] li[data-status=delivered]').first().waitFor();
    await assertFits(page, `${view}: webhooks with deliveries`);
    await shot(page, `${view}-admin-webhooks`);
  });
}
