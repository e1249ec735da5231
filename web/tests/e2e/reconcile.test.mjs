// End-to-end: 对账 in 党费管理 on a 390×844 phone. WeChat Pay is configured at a stand-in
// (tests/api/wxpay_standin.mjs), today's trade bill names a payment that is not ours, and the
// company's finance clerk reads the day's card, opens it and finds the line; the page fits the
// phone. The unit's finance clerk is not offered the tab: the reconciliations are the company's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { startApp, uiLogin, shot, assertFits, BIN, PASSWORD, PHONE_390 } from './lib.mjs';
import { startWxPay, rsaPair, apiV3Key, tradeBillCsv, MCHID, APPID, MCH_SERIAL, PLATFORM_SERIAL } from '../../../tests/api/wxpay_standin.mjs';

let srv;
let ctx;
let page;
let wx;
const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10); // the China day

function cli(args, input) {
  const r = spawnSync(BIN, [args[0], args[1], '--db', srv.db, ...args.slice(2)], { encoding: 'utf8', input });
  assert.equal(r.status, 0, `dangjian ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
// the CLI that calls the stand-in must not block this process, which answers it
const cliAsync = (args) =>
  new Promise((resolve, reject) =>
    execFile(BIN, [args[0], args[1], '--db', srv.db, ...args.slice(2)], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
  );

before(async () => {
  ({ srv, ctx, page } = await startApp());
  const merchant = rsaPair();
  const platform = rsaPair();
  const v3 = apiV3Key();
  const file = (name, text, mode) => {
    const f = path.join(srv.tmp, name);
    writeFileSync(f, text);
    chmodSync(f, mode);
    return f;
  };
  wx = await startWxPay({ merchantPublicPem: merchant.publicPem, platformPrivatePem: platform.privatePem, apiKey: v3 });
  cli(['dues', 'provider', 'set', 'wechat', '--mchid', MCHID, '--appid', APPID, '--serial', MCH_SERIAL,
    '--key-file', file('key.pem', merchant.privatePem, 0o600), '--platform-serial', PLATFORM_SERIAL,
    '--platform-cert-file', file('pub.pem', platform.publicPem, 0o644), '--apiv3-key-file', file('v3.key', v3, 0o600), '--base-url', wx.baseUrl]);
  cli(['user', 'add', '--login', 'caiwu-co', '--role', 'finance', '--org', 'ROOT'], `${PASSWORD}\n`);
  wx.bills.set(today, tradeBillCsv([{ tradeNo: 'DJP99999999', ref: '4200000000000000000000000000X', fen: 1234 }], today));
  assert.match(await cliAsync(['dues', 'reconcile', '--provider', 'wechat', '--date', today]), /1 extra/);
});

after(async () => {
  await ctx?.close();
  await wx?.stop();
  await srv?.stop();
});

test('390×844: the company\'s finance reads the day\'s reconciliation and opens its lines', async () => {
  await page.setViewportSize(PHONE_390);
  await uiLogin(page, srv.base, 'caiwu-co', { expectPath: /^\/admin$/ });
  await page.goto(`${srv.base}/admin/dues?tab=reconcile`);
  const day = page.locator(`[data-test=recon-days] [data-day="${today.replaceAll('-', '')}"]`);
  await day.waitFor().catch(async (e) => {
    console.log(`# ${page.url()}\n${(await page.textContent('body')).slice(0, 1500)}`);
    throw e;
  });
  assert.match(await day.textContent(), /微信支付/);
  assert.match(await day.textContent(), /本系统缺失 1/);
  await assertFits(page, '对账 (390)');
  await day.locator('button').click();
  const line = day.locator('[data-test=recon-lines] [data-kind=extra]');
  await line.waitFor();
  assert.match(await line.textContent(), /DJP99999999/);
  assert.match(await line.textContent(), /12\.34/);
  await assertFits(page, '对账 opened (390)');
  await shot(page, '390-finance-reconcile');
});

test('the unit\'s finance is not offered 对账: the reconciliations are the company\'s', async () => {
  await ctx.clearCookies();
  await uiLogin(page, srv.base, 'caiwu', { expectPath: /^\/admin$/ });
  await page.goto(`${srv.base}/admin/dues?tab=reconcile`);
  await page.locator('[data-test=dues-tabs] [data-tab=collection].on').waitFor();
  assert.equal(await page.locator('[data-test=dues-tabs] [data-tab=reconcile]').count(), 0, 'no 对账 tab for a unit');
  assert.equal(await page.locator('[data-test=recon-days]').count(), 0);
});
