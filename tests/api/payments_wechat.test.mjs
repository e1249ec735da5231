// WeChat Pay API v3 for online dues, against a stand-in that speaks its wire format
// (wxpay_standin.mjs): a good notification settles the payment once however often it comes;
// bad signatures, stale timestamps, reused nonces, unknown serials and trade numbers, another
// amount (which raises a finance to-do) are refused with WeChat Pay's {"code": "FAIL"}; the
// query of a pending payment settles what a lost notification missed, and so does the daily
// reconciliation with the trade bill (by hand and by serve's job), which flags the rest as
// finance to-dos; key files must be 0600, and a key rotated in its file takes effect without a
// restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer } from './lib.mjs';
import { seedWorld, writeTmp, cliOk, sql, addUser, signIn } from './fixtures.mjs';
import { secretFile, tradeNo, payOnline, paymentStatus } from './pay_fixtures.mjs';
import { startWxPay, rsaPair, apiV3Key, transaction, tradeBillCsv, MCHID, APPID, MCH_SERIAL, PLATFORM_SERIAL } from './wxpay_standin.mjs';

const BIN = process.env.DJ_BIN || fileURLToPath(new URL('../../dangjian', import.meta.url));
const NOTIFY = '/api/v1/dues/payments/notify/wechat';
let srv;
let W;
let wx;
const merchant = rsaPair();
let platform = rsaPair();
let v3 = apiV3Key();
const F = {}; // the key files

const notify = (n) => srv.api('POST', NOTIFY, { raw: n.raw, contentType: 'application/json', headers: n.headers });
const q = (statement) => sql(srv.dbUrl, statement);

const pay = (fen) => payOnline(srv, W.tokens['mem-a2'], fen, 'wechat');
const status = (id) => paymentStatus(srv, W.tokens['mem-a2'], id);
function assertFail(r, status, re) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body.code, 'FAIL', r.text);
  assert.match(r.body.message, re);
}
/** The CLI without blocking this process (the stand-in answers the CLI's requests). */
function cliAsync(...args) {
  return new Promise((resolve) => {
    execFile(BIN, [args[0], args[1], '--db', srv.dbUrl, ...args.slice(2)], { timeout: 60_000 }, (err, stdout, stderr) => {
      assert.equal(err, null, `dangjian ${args.join(' ')}: ${stderr}`);
      resolve(stdout);
    });
  });
}
function providerArgs(over = {}) {
  const a = { mchid: MCHID, appid: APPID, serial: MCH_SERIAL, 'key-file': F.merchant, 'platform-serial': PLATFORM_SERIAL, 'platform-cert-file': F.platform, 'apiv3-key-file': F.v3, 'base-url': wx.baseUrl, 'notify-url': `${srv.url}${NOTIFY}`, ...over };
  return ['dues', 'provider', 'set', 'wechat', ...Object.entries(a).flatMap(([k, v]) => [`--${k}`, v])];
}

before(async () => {
  srv = await startServer({ serveArgs: ['--jobs-every', '2'] }); // the daily reconciliation job below
  W = await seedWorld(srv);
  F.merchant = secretFile('apiclient_key.pem', merchant.privatePem);
  F.platform = writeTmp('wechatpay_pub.pem', platform.publicPem);
  F.v3 = secretFile('apiv3.key', `${v3}\n`);
  wx = await startWxPay({ merchantPublicPem: merchant.publicPem, platformPrivatePem: platform.privatePem, apiKey: v3 });
});
after(async () => {
  await wx?.stop();
  await srv?.stop();
});

test('the provider is set only with key files of mode 0600; the keys are never printed', () => {
  const loose = secretFile('loose_key.pem', merchant.privatePem, 0o644);
  const r = srv.run(providerArgs({ 'key-file': loose }));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /mode 0644: a secret key file must be 0600/);
  const v3loose = secretFile('loose_v3.key', v3, 0o640);
  assert.match(srv.run(providerArgs({ 'apiv3-key-file': v3loose })).stderr, /mode 0640/);
  assert.match(srv.run(providerArgs({ 'apiv3-key-file': secretFile('short.key', 'abc') })).stderr, /32 bytes/);
  assert.match(srv.run(providerArgs({ 'key-file': secretFile('notakey.pem', 'hello') })).stderr, /not a PEM private key/);
  cliOk(srv, providerArgs());
  const shown = cliOk(srv, ['dues', 'provider', 'show', 'wechat']).stdout;
  assert.match(shown, new RegExp(MCHID));
  assert.ok(!shown.includes('PRIVATE KEY') && !shown.includes(v3), 'paths only, never the keys');
});

test('the member asks for the WeChat Pay order of a pending payment: signed H5 order, own payments only', async () => {
  const id = await pay(1500);
  const before = wx.requests.length;
  const r = await srv.api('POST', `/api/v1/dues/payments/${id}/order`, { token: W.tokens['mem-a2'] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { provider: 'wechat', out_trade_no: tradeNo(id), h5_url: `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx${tradeNo(id)}` });
  const sent = wx.requests.slice(before);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].ok, true, 'the stand-in checked our Authorization signature');
  const order = JSON.parse(sent[0].body);
  assert.deepEqual(
    { appid: order.appid, mchid: order.mchid, out_trade_no: order.out_trade_no, amount: order.amount, notify_url: order.notify_url, h5: order.scene_info.h5_info.type },
    { appid: APPID, mchid: MCHID, out_trade_no: tradeNo(id), amount: { total: 1500, currency: 'CNY' }, notify_url: `${srv.url}${NOTIFY}`, h5: 'Wap' },
  );
  assert.equal(q(`SELECT COUNT(*) FROM audit WHERE action = 'order' AND entity_id = ${id}`).trim(), '1');
  // another member's payment is not said to exist; a paid one has no order any more
  const other = await srv.api('POST', `/api/v1/dues/payments/${id}/order`, { token: W.tokens['mem-a3'] });
  assert.equal(other.status, 404, other.text);
  assert.equal((await notify(wx.notification(transaction(tradeNo(id), 1500)))).status, 204);
  const again = await srv.api('POST', `/api/v1/dues/payments/${id}/order`, { token: W.tokens['mem-a2'] });
  assert.equal(again.status, 409, again.text);
  assert.match(again.body.error.message, /already paid/);
});

test('a good notification settles once, however often it comes', async () => {
  const id = await pay(1234);
  const tx = transaction(tradeNo(id), 1234);
  const first = await notify(wx.notification(tx));
  assert.equal(first.status, 204, first.text);
  assert.equal(await status(id), 'paid');
  for (let i = 0; i < 10; i++) {
    const again = await notify(wx.notification(tx)); // WeChat Pay re-sends with a new nonce
    assert.equal(again.status, 204, again.text);
  }
  assert.equal(q(`SELECT COUNT(*) FROM audit WHERE action = 'callback' AND entity_id = ${id}`).trim(), '1');
  assert.equal(q(`SELECT provider_ref FROM dues_payments WHERE id = ${id}`).trim(), tx.transaction_id);
  assert.equal(q(`SELECT COUNT(*) FROM dues_bills WHERE payment_id = ${id}`).trim(), '1', 'one voluntary row, booked once');
});

test('bad signature, stale timestamp, reused nonce, unknown serial: refused, nothing booked', async () => {
  const id = await pay(500);
  const tx = transaction(tradeNo(id), 500);
  const other = rsaPair();
  assertFail(await notify(wx.notification(tx, { signKey: other.privatePem })), 401, /Wechatpay-Signature: bad signature/);
  const tampered = wx.notification(tx);
  tampered.raw = tampered.raw.replace('"summary":"支付成功"', '"summary":"x"');
  assertFail(await notify(tampered), 401, /bad signature/);
  assertFail(await notify(wx.notification(tx, { timestamp: Math.floor(Date.now() / 1000) - 301 })), 401, /more than 300 seconds/);
  assertFail(await notify(wx.notification(tx, { timestamp: Math.floor(Date.now() / 1000) + 400 })), 401, /more than 300 seconds/);
  assertFail(await notify(wx.notification(tx, { serial: 'PUB_KEY_ID_UNKNOWN' })), 401, /unknown platform key serial/);
  const n = wx.notification(tx, { nonce: 'NONCE-USED-ONCE-0001' });
  const unsigned = { ...n, headers: { ...n.headers } };
  delete unsigned.headers['Wechatpay-Signature'];
  assertFail(await notify(unsigned), 401, /missing/);
  assertFail(await notify(wx.notification(tx, { aesKey: apiV3Key() })), 401, /does not authenticate/);
  assert.equal(await status(id), 'pending', 'nothing booked by a refused notification');
  assert.equal((await notify(n)).status, 204);
  assert.equal(await status(id), 'paid');
  const replay = wx.notification(transaction(tradeNo(await pay(501)), 501), { nonce: 'NONCE-USED-ONCE-0001' });
  assertFail(await notify(replay), 401, /nonce 'NONCE-USED-ONCE-0001' was used before/);
});

test('another amount is refused and raises a finance to-do; an unknown out_trade_no is refused', async () => {
  const id = await pay(2000);
  const tx = transaction(tradeNo(id), 1999);
  assertFail(await notify(wx.notification(tx)), 400, /amount 1999 fen does not match payment \d+ \(2000 fen\): nothing booked/);
  assertFail(await notify(wx.notification(tx)), 400, /does not match/);
  assert.equal(await status(id), 'pending');
  const todos = await srv.api('GET', '/api/v1/todos', { token: W.tokens['fin-a'] });
  assert.equal(todos.status, 200, todos.text);
  const mine = todos.body.items.filter((t) => t.kind === 'reconcile' && t.title.includes(tradeNo(id)));
  assert.equal(mine.length, 1, 'one to-do, however often the notification comes');
  assert.match(mine[0].title, /微信支付金额不符.*实付 1999 分，应付 2000 分/);
  assert.equal(mine[0].domain, 'dues');

  assertFail(await notify(wx.notification(transaction('DJP99999999', 100))), 404, /no online payment 99999999/);
  assertFail(await notify(wx.notification(transaction('ORDER-OF-SOMEONE', 100))), 404, /is not one of ours/);
  assertFail(await notify(wx.notification(transaction(tradeNo(id), 2000, { mchid: '1230000109' }))), 400, /mchid '1230000109' is not ours/);
  assert.equal((await notify(wx.notification(transaction(tradeNo(id), 2000)))).status, 204, 'the right amount settles');
  assert.equal(await status(id), 'paid');
});

test('a notification that never came: dues query-pending asks WeChat Pay and settles', async () => {
  const lost = await pay(3100);
  const unpaid = await pay(3200);
  const tx = transaction(tradeNo(lost), 3100);
  wx.pay(tradeNo(lost), tx);
  wx.pay(tradeNo(unpaid), transaction(tradeNo(unpaid), 3200, { state: 'NOTPAY' }));
  const before = wx.requests.length;
  const out = await cliAsync('dues', 'query-pending', '--provider', 'wechat', '--minutes', '0');
  assert.match(out, /wechat: \d+ pending payments asked, 1 settled/);
  assert.deepEqual(wx.refused, [], 'every request we made was signed right');
  assert.ok(wx.requests.slice(before).some((r) => r.url === `/v3/pay/transactions/out-trade-no/${tradeNo(lost)}?mchid=${MCHID}`));
  assert.equal(await status(lost), 'paid');
  assert.equal(await status(unpaid), 'pending');
  assert.equal(q(`SELECT provider_ref FROM dues_payments WHERE id = ${lost}`).trim(), tx.transaction_id);
  // an answer not signed with the platform key is not trusted: nothing settled
  const forged = await pay(3300);
  wx.pay(tradeNo(forged), transaction(tradeNo(forged), 3300));
  const honest = wx.platformPrivatePem;
  wx.platformPrivatePem = rsaPair().privatePem;
  assert.match(await cliAsync('dues', 'query-pending', '--minutes', '0'), /wechat: \d+ pending payments asked, 0 settled/);
  assert.equal(await status(forged), 'pending');
  wx.platformPrivatePem = honest;
  assert.match(await cliAsync('dues', 'query-pending', '--minutes', '0'), /1 settled/);
  assert.equal(await status(forged), 'paid');
  // the notification arriving late books nothing more
  assert.equal((await notify(wx.notification(tx))).status, 204);
  assert.equal(q(`SELECT COUNT(*) FROM audit WHERE action = 'callback' AND entity_id = ${lost}`).trim(), '1');
});

test('serve asks WeChat Pay by itself about payments pending 10 minutes to a day', async () => {
  const lost = await pay(3400); // its notification never came; pending for 11 minutes
  const old = await pay(3500); // pending for two days: left to the daily reconciliation
  const fresh = await pay(3600); // just made: the member may still be paying
  wx.pay(tradeNo(lost), transaction(tradeNo(lost), 3400));
  // the other two, were they asked, would not be paid (the later tests count what a query settles)
  for (const [id, fen] of [[old, 3500], [fresh, 3600]]) wx.pay(tradeNo(id), transaction(tradeNo(id), fen, { state: 'NOTPAY' }));
  const now = Math.floor(Date.now() / 1000);
  q(`UPDATE dues_payments SET created_at = ${now - 660} WHERE id = ${lost}`);
  q(`UPDATE dues_payments SET created_at = ${now - 2 * 86400} WHERE id = ${old}`);
  for (let i = 0; i < 100 && (await status(lost)) !== 'paid'; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await status(lost), 'paid', 'the job asked and settled it');
  const asked = (id) => wx.requests.filter((r) => r.url === `/v3/pay/transactions/out-trade-no/${tradeNo(id)}?mchid=${MCHID}`).length;
  assert.equal(asked(old), 0, 'two days old: not asked');
  assert.equal(asked(fresh), 0, 'just made: not asked');
  assert.equal(await status(old), 'pending');
  assert.equal(await status(fresh), 'pending');
});

test('the daily reconciliation with the trade bill: settles what was missed, flags missing, extra and another amount', async () => {
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10); // the China day
  const txA = transaction(tradeNo(await pay(1100)), 1100);
  assert.equal((await notify(wx.notification(txA))).status, 204);
  const idB = await pay(1200); // paid at WeChat Pay, its notification lost
  const idC = await pay(1300); // paid here, not in the bill
  assert.equal((await notify(wx.notification(transaction(tradeNo(idC), 1300)))).status, 204);
  const idE = await pay(1400); // the bill says another amount
  // every payment paid here today is in the bill, but C
  const paid = q(`SELECT id, amount_fen, provider_ref FROM dues_payments WHERE channel = 'wechat' AND status = 'paid' AND id <> ${idC}`)
    .trim().split('\n').filter(Boolean).map((l) => l.split('|'));
  const rows = paid.map(([id, fen, ref]) => ({ tradeNo: tradeNo(Number(id)), ref, fen: Number(fen) }));
  rows.push({ tradeNo: tradeNo(idB), ref: '4200000000000000000000000000B', fen: 1200 });
  rows.push({ tradeNo: 'DJP99999998', ref: '4200000000000000000000000000D', fen: 999, name: '党费,自愿' });
  rows.push({ tradeNo: tradeNo(idE), ref: '4200000000000000000000000000E', fen: 1390 });
  rows.push({ tradeNo: tradeNo(idB), ref: '4200000000000000000000000000B', fen: 1200, state: 'REFUND' });
  wx.bills.set(today, tradeBillCsv(rows, today));

  const out = await cliAsync('dues', 'reconcile', '--provider', 'wechat', '--date', today);
  assert.equal(out.trim(), `wechat ${today} reconciled: ${paid.length} matched, 1 settled, 1 missing, 1 extra, 1 mismatch`);
  assert.deepEqual(wx.refused, []);
  assert.equal(await status(idB), 'paid');
  assert.equal(q(`SELECT provider_ref FROM dues_payments WHERE id = ${idB}`).trim(), '4200000000000000000000000000B');
  assert.equal(await status(idE), 'pending', 'another amount is not settled');

  addUser(srv, 'fin-co', 'finance', 'CO');
  const finCo = (await signIn(srv, 'fin-co')).token;
  const report = await srv.api('GET', `/api/v1/dues/reconciliations?provider=wechat&from=${today}&to=${today}`, { token: finCo });
  assert.equal(report.status, 200, report.text);
  const [day] = report.body.items;
  assert.equal(day.bill_date, Number(today.replaceAll('-', '')));
  assert.deepEqual([day.matched, day.settled, day.missing, day.extra, day.mismatch], [paid.length, 1, 1, 1, 1]);
  const line = (kind) => day.lines.find((l) => l.kind === kind);
  assert.deepEqual(line('settled'), { kind: 'settled', out_trade_no: tradeNo(idB), provider_ref: '4200000000000000000000000000B', payment_id: idB, ours_fen: 1200, theirs_fen: 1200 });
  assert.deepEqual(line('missing'), { kind: 'missing', out_trade_no: tradeNo(idC), provider_ref: q(`SELECT provider_ref FROM dues_payments WHERE id = ${idC}`).trim(), payment_id: idC, ours_fen: 1300, theirs_fen: 0 });
  assert.deepEqual(line('extra'), { kind: 'extra', out_trade_no: 'DJP99999998', provider_ref: '4200000000000000000000000000D', payment_id: null, ours_fen: 0, theirs_fen: 999 });
  assert.deepEqual(line('mismatch'), { kind: 'mismatch', out_trade_no: tradeNo(idE), provider_ref: '4200000000000000000000000000E', payment_id: idE, ours_fen: 1400, theirs_fen: 1390 });
  const denied = await srv.api('GET', '/api/v1/dues/reconciliations', { token: W.tokens['fin-a'] });
  assert.equal(denied.status, 403, 'a unit\'s finance does not see the whole merchant account');
  assert.equal((await srv.api('GET', '/api/v1/dues/reconciliations?from=2024-1-1', { token: finCo })).status, 400);

  // the to-dos: the unit's finance sees its member's, the company's finance the unknown one
  const todos = async (token) => (await srv.api('GET', '/api/v1/todos', { token })).body.items.filter((t) => t.kind === 'reconcile');
  const unit = await todos(W.tokens['fin-a']);
  assert.ok(unit.some((t) => t.title === `微信支付对账：订单 ${tradeNo(idC)} 本系统已收款，对账单中没有`), JSON.stringify(unit));
  assert.ok(unit.some((t) => t.title.startsWith(`微信支付金额不符：订单 ${tradeNo(idE)} 实付 1390 分，应付 1400 分`)));
  const company = await todos(finCo);
  assert.ok(company.some((t) => t.title === '微信支付对账：订单 DJP99999998 在对账单中，本系统无此在线缴费'));
  const before = company.length;

  // run again: B is matched now; nothing is raised twice
  const again = await cliAsync('dues', 'reconcile', '--provider', 'wechat', '--date', today);
  assert.equal(again.trim(), `wechat ${today} reconciled: ${paid.length + 1} matched, 0 settled, 1 missing, 1 extra, 1 mismatch`);
  assert.equal((await todos(finCo)).length, before);
  const rerun = await srv.api('GET', '/api/v1/dues/reconciliations', { token: finCo });
  assert.equal(rerun.body.items.filter((d) => d.bill_date === day.bill_date && d.provider === 'wechat').length, 1, 'the day replaced, not doubled');

  // a day without a statement reconciles to nothing
  assert.match(await cliAsync('dues', 'reconcile', '--date', '2024-01-20'), /0 matched, 0 settled, 0 missing, 0 extra, 0 mismatch/);
});

test('serve reconciles yesterday by itself, once', async () => {
  const yesterday = new Date(Date.now() + 8 * 3600_000 - 86400_000).toISOString().slice(0, 10);
  const ymd = yesterday.replaceAll('-', '');
  for (let i = 0; i < 100 && q(`SELECT COUNT(*) FROM dues_reconciliations WHERE provider = 'wechat' AND bill_date = ${ymd}`).trim() !== '1'; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(q(`SELECT COUNT(*) FROM dues_reconciliations WHERE provider = 'wechat' AND bill_date = ${ymd}`).trim(), '1', 'the job reconciled yesterday');
  await new Promise((r) => setTimeout(r, 4500)); // two more passes of the jobs
  const asked = wx.requests.filter((r) => r.url === `/v3/bill/tradebill?bill_date=${yesterday}&bill_type=ALL`);
  assert.equal(asked.length, 1, 'asked once: a later pass finds the day done');
  assert.ok(Number(q(`SELECT COUNT(*) FROM audit WHERE action = 'reconcile' AND entity = 'dues_reconciliation'`)) >= 1, 'audited');

  // yesterday's bill names a payment still pending: settled as paid yesterday, so that the
  // day reconciled again finds it matched, not missing
  const idY = await pay(1500);
  wx.bills.set(yesterday, tradeBillCsv([{ tradeNo: tradeNo(idY), ref: '4200000000000000000000000000Y', fen: 1500 }], yesterday));
  assert.match(await cliAsync('dues', 'reconcile', '--date', yesterday), /0 matched, 1 settled, 0 missing, 0 extra, 0 mismatch/);
  const todayStarts = Date.parse(`${new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)}T00:00:00+08:00`) / 1000;
  assert.ok(Number(q(`SELECT paid_at FROM dues_payments WHERE id = ${idY}`)) < todayStarts, 'paid yesterday');
  assert.match(await cliAsync('dues', 'reconcile', '--date', yesterday), /1 matched, 0 settled, 0 missing, 0 extra, 0 mismatch/);
});

test('keys rotated in their files take effect without a restart; a key file made 0644 is refused', async () => {
  const id = await pay(700);
  // the platform key and the API v3 key change
  const oldPlatform = platform;
  platform = rsaPair();
  v3 = apiV3Key();
  writeFileSync(F.platform, platform.publicPem);
  writeFileSync(F.v3, `${v3}\n`);
  wx.platformPrivatePem = platform.privatePem; // its answers are signed with the new key too
  const tx = transaction(tradeNo(id), 700);
  assertFail(await notify(wx.notification(tx, { signKey: oldPlatform.privatePem, aesKey: v3 })), 401, /bad signature/);
  assert.equal((await notify(wx.notification(tx, { signKey: platform.privatePem, aesKey: v3 }))).status, 204);
  assert.equal(await status(id), 'paid');

  // the merchant key changes: the next query is signed with the new one
  const m2 = rsaPair();
  writeFileSync(F.merchant, m2.privatePem);
  wx.merchantPublicPem = m2.publicPem;
  const id2 = await pay(800);
  wx.pay(tradeNo(id2), transaction(tradeNo(id2), 800));
  assert.match(await cliAsync('dues', 'query-pending', '--minutes', '0'), /1 settled/);
  assert.deepEqual(wx.refused, []);

  // a secret file loosened to 0644 is refused at once
  chmodSync(F.v3, 0o644);
  const id3 = await pay(900);
  assertFail(await notify(wx.notification(transaction(tradeNo(id3), 900), { signKey: platform.privatePem, aesKey: v3 })), 500, /mode 0644/);
  chmodSync(F.v3, 0o600);
  assert.equal((await notify(wx.notification(transaction(tradeNo(id3), 900), { signKey: platform.privatePem, aesKey: v3 }))).status, 204);
});
