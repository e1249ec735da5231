// Alipay for online dues: the member's alipay.trade.wap.pay request, signed RSA2 with the app
// key (checked here with its public key), and Alipay's asynchronous notification (a signed
// form): a good one settles once however often it comes and is answered "success"; a bad
// sign, another app_id, another amount (a finance to-do), an unknown trade number are answered
// "failure" and book nothing; the key files follow the 0600 rule and are read again on change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startServer } from './lib.mjs';
import { seedWorld, writeTmp, cliOk, sql } from './fixtures.mjs';
import { secretFile, tradeNo, payOnline, paymentStatus } from './pay_fixtures.mjs';
import { rsaPair } from './wxpay_standin.mjs';
import { APP_ID, trade, notificationBody, rsa2Verify, startAlipay } from './alipay_standin.mjs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = process.env.DJ_BIN || fileURLToPath(new URL('../../dangjian', import.meta.url));
const NOTIFY = '/api/v1/dues/payments/notify/alipay';
let gw; // the gateway stand-in
let srv;
let W;
const app = rsaPair();
let alipay = rsaPair();
const F = {};

const q = (statement) => sql(srv.dbUrl, statement);
const notify = (fields, key = alipay.privatePem) =>
  srv.api('POST', NOTIFY, { raw: notificationBody(fields, key), contentType: 'application/x-www-form-urlencoded; charset=utf-8' });

const pay = (fen) => payOnline(srv, W.tokens['mem-a2'], fen, 'alipay');
const status = (id) => paymentStatus(srv, W.tokens['mem-a2'], id);
function answered(r, status, text) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.text, text);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
}
const providerArgs = (over = {}) => [
  'dues', 'provider', 'set', 'alipay',
  ...Object.entries({ appid: APP_ID, 'key-file': F.app, 'alipay-public-key-file': F.alipay, 'base-url': gw.gateway, 'notify-url': `${srv.url}${NOTIFY}`, ...over }).flatMap(([k, v]) => [`--${k}`, v]),
];

before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
  F.app = secretFile('app_private_key.pem', app.privatePem);
  F.alipay = writeTmp('alipay_public_key.pem', alipay.publicPem);
  gw = await startAlipay({ appPublicPem: app.publicPem, alipayPrivatePem: alipay.privatePem });
});
after(async () => {
  await gw?.stop();
  await srv?.stop();
});

/** The CLI without blocking this process (the stand-in answers the CLI's requests). */
function cliRun(...args) {
  return new Promise((resolve) => {
    execFile(BIN, [args[0], args[1], '--db', srv.dbUrl, ...args.slice(2)], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ err, stdout, stderr }));
  });
}
async function cliAsync(...args) {
  const r = await cliRun(...args);
  assert.equal(r.err, null, `dangjian ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('Alipay is set only with an app key file of mode 0600', () => {
  const r = srv.run(providerArgs({ 'key-file': secretFile('loose.pem', app.privatePem, 0o644) }));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /mode 0644: a secret key file must be 0600/);
  assert.match(srv.run(providerArgs({ appid: '' })).stderr, /alipay needs --appid/);
  cliOk(srv, providerArgs());
  assert.ok(!cliOk(srv, ['dues', 'provider', 'show', 'alipay']).stdout.includes('PRIVATE KEY'));
});

test('the member is sent to a wap pay request signed RSA2 with the app key', async () => {
  const id = await pay(1234);
  const r = await srv.api('POST', `/api/v1/dues/payments/${id}/order`, { token: W.tokens['mem-a2'] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.provider, 'alipay');
  assert.equal(r.body.out_trade_no, tradeNo(id));
  const url = new URL(r.body.pay_url);
  assert.equal(`${url.origin}${url.pathname}`, gw.gateway);
  const params = Object.fromEntries(url.searchParams);
  assert.deepEqual(
    { app_id: params.app_id, method: params.method, charset: params.charset, sign_type: params.sign_type, version: params.version, format: params.format, notify_url: params.notify_url },
    { app_id: APP_ID, method: 'alipay.trade.wap.pay', charset: 'utf-8', sign_type: 'RSA2', version: '1.0', format: 'JSON', notify_url: `${srv.url}${NOTIFY}` },
  );
  assert.match(params.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.deepEqual(JSON.parse(params.biz_content), { out_trade_no: tradeNo(id), total_amount: '12.34', subject: '党费', product_code: 'QUICK_WAP_WAY' });
  assert.ok(rsa2Verify(app.publicPem, params, { dropSignType: false }), 'the request is signed with the app key over the sorted parameters');
  assert.equal(q(`SELECT COUNT(*) FROM audit WHERE action = 'order' AND entity_id = ${id}`).trim(), '1');
});

test('a good notification settles once, however often it comes; waiting and closed trades book nothing', async () => {
  const id = await pay(1234);
  answered(await notify(trade(tradeNo(id), '12.34', { trade_status: 'WAIT_BUYER_PAY' })), 200, 'success');
  assert.equal(await status(id), 'pending');
  const t = trade(tradeNo(id), '12.34');
  for (let i = 0; i < 10; i++) answered(await notify({ ...t, notify_id: `n${i}` }), 200, 'success');
  assert.equal(await status(id), 'paid');
  assert.equal(q(`SELECT COUNT(*) FROM audit WHERE action = 'callback' AND entity_id = ${id}`).trim(), '1');
  assert.equal(q(`SELECT provider_ref FROM dues_payments WHERE id = ${id}`).trim(), t.trade_no);
  const finished = await pay(88);
  answered(await notify(trade(tradeNo(finished), '0.88', { trade_status: 'TRADE_FINISHED' })), 200, 'success');
  assert.equal(await status(finished), 'paid');
});

test('bad sign, another app_id, another amount, an unknown trade: "failure", nothing booked', async () => {
  const id = await pay(2000);
  const t = trade(tradeNo(id), '20.00');
  answered(await notify(t, rsaPair().privatePem), 401, 'failure');
  const body = notificationBody(t, alipay.privatePem).replace('total_amount=20.00', 'total_amount=0.01');
  answered(await srv.api('POST', NOTIFY, { raw: body, contentType: 'application/x-www-form-urlencoded' }), 401, 'failure');
  answered(await notify({ ...t, sign_type: 'RSA' }), 401, 'failure');
  answered(await notify({ ...t, app_id: '2021000000000000' }), 400, 'failure');
  answered(await srv.api('POST', NOTIFY, { raw: 'a=%zz', contentType: 'application/x-www-form-urlencoded' }), 400, 'failure');
  answered(await notify(trade('DJP99999999', '1.00')), 404, 'failure');
  assert.equal(await status(id), 'pending');

  answered(await notify(trade(tradeNo(id), '19.99')), 400, 'failure');
  const todos = await srv.api('GET', '/api/v1/todos', { token: W.tokens['fin-a'] });
  const mine = todos.body.items.filter((x) => x.kind === 'reconcile' && x.title.includes(tradeNo(id)));
  assert.equal(mine.length, 1);
  assert.match(mine[0].title, /支付宝金额不符.*实付 1999 分，应付 2000 分/);
  assert.equal(await status(id), 'pending');
  answered(await notify(t), 200, 'success');
  assert.equal(await status(id), 'paid');
});

test('the daily reconciliation with Alipay\'s statement (a zip of GBK CSVs): settles, flags missing, extra and another amount', async () => {
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const idB = await pay(1200); // paid at Alipay, its notification lost
  const idC = await pay(1300); // paid here, not in the statement
  answered(await notify(trade(tradeNo(idC), '13.00')), 200, 'success');
  const idE = await pay(1400);
  const paid = q(`SELECT id, amount_fen, provider_ref FROM dues_payments WHERE channel = 'alipay' AND status = 'paid' AND id <> ${idC}`)
    .trim().split('\n').filter(Boolean).map((l) => l.split('|'));
  const yuan = (fen) => (Number(fen) / 100).toFixed(2);
  const rows = paid.map(([id, fen, ref]) => ({ tradeNo: tradeNo(Number(id)), ref, yuan: yuan(fen) }));
  rows.push({ tradeNo: tradeNo(idB), ref: '2024012022001400000000000B', yuan: '12.00' });
  rows.push({ tradeNo: 'DJP99999997', ref: '2024012022001400000000000D', yuan: '9.99' });
  rows.push({ tradeNo: tradeNo(idE), ref: '2024012022001400000000000E', yuan: '13.90' });
  rows.push({ tradeNo: tradeNo(idB), ref: '2024012022001400000000000B', yuan: '-12.00', kind: '退款' });
  gw.setBill(today, rows);

  const out = await cliAsync('dues', 'reconcile', '--provider', 'alipay', '--date', today);
  assert.equal(out.trim(), `alipay ${today} reconciled: ${paid.length} matched, 1 settled, 1 missing, 1 extra, 1 mismatch`);
  assert.deepEqual(gw.refused, [], 'the statement query was signed right');
  assert.equal(await status(idB), 'paid');
  assert.equal(await status(idE), 'pending');
  const todos = (await srv.api('GET', '/api/v1/todos', { token: W.tokens['fin-a'] })).body.items.map((t) => t.title);
  assert.ok(todos.includes(`支付宝对账：订单 ${tradeNo(idC)} 本系统已收款，对账单中没有`), JSON.stringify(todos));
  assert.ok(todos.some((t) => t.startsWith(`支付宝金额不符：订单 ${tradeNo(idE)} 实付 1390 分，应付 1400 分`)));
  // a day without a statement; a forged answer is not trusted
  assert.match(await cliAsync('dues', 'reconcile', '--provider', 'alipay', '--date', '2024-01-20'), /0 matched, 0 settled, 0 missing, 0 extra, 0 mismatch/);
  const honest = gw.alipayPrivatePem;
  gw.alipayPrivatePem = rsaPair().privatePem;
  const forged = await cliRun('dues', 'reconcile', '--provider', 'alipay', '--date', '2024-01-20');
  gw.alipayPrivatePem = honest;
  assert.notEqual(forged.err, null);
  assert.match(forged.stderr, /Alipay's answer: bad signature/);
});

test('the Alipay public key rotated in its file takes effect without a restart', async () => {
  const old = alipay;
  alipay = rsaPair();
  writeFileSync(F.alipay, alipay.publicPem);
  const id = await pay(300);
  answered(await notify(trade(tradeNo(id), '3.00'), old.privatePem), 401, 'failure');
  answered(await notify(trade(tradeNo(id), '3.00')), 200, 'success');
  assert.equal(await status(id), 'paid');
});
