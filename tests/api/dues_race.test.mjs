// The payment provider's notice arriving several times at the same moment (it sends again
// when our first 200 is slow to reach it). Found by the soak (make soak) on PostgreSQL: two
// identical notices both passed the duplicate check before either had written, so the
// payment was settled twice — the bill paid and its amount booked again as credit — or the
// second was refused with the database's unique-key error. The server holds each notice
// between its checks and its writes (DJ_DUES_CALLBACK_PAUSE_MS) so the overlap is certain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer } from './lib.mjs';
import { seedWorld, cliOk, localDate, sql } from './fixtures.mjs';

const CALLBACK_KEY = 'race-callback-key-0123456789abcdef';
const COPIES = 3;
let srv;
let W;

before(async () => {
  srv = await startServer({ env: { DJ_DUES_CALLBACK_PAUSE_MS: '300' } });
  W = await seedWorld(srv);
  cliOk(srv, ['dues', 'setting', 'callback_key', CALLBACK_KEY]);
});
after(() => srv?.stop());

const api = (login, method, path, body) => srv.api(method, path, { token: W.tokens[login], body });

/** COPIES identical signed notices for payment p, all at once; their replies. */
async function notifyAtOnce(p, ref) {
  const raw = JSON.stringify({ provider_ref: ref, payment_id: p.id, amount_fen: p.amount_fen, result: 'success' });
  const sig = createHmac('sha256', CALLBACK_KEY).update(raw).digest('hex');
  return Promise.all(
    Array.from({ length: COPIES }, () =>
      srv.api('POST', '/api/v1/dues/payments/callback', { raw, contentType: 'application/json', headers: { 'X-Dues-Signature': sig } }),
    ),
  );
}

/** One reply settled it, the others said duplicate; the money is in its bills once. */
function assertSettledOnce(replies, p) {
  for (const r of replies) assert.equal(r.status, 200, r.text);
  assert.deepEqual(replies.map((r) => r.body.duplicate).sort(), [false, ...Array(COPIES - 1).fill(true)], JSON.stringify(replies.map((r) => r.body)));
  assert.equal(replies.find((r) => !r.body.duplicate).body.status, 'paid');
  const [booked, rows, applied] = sql(
    srv.dbUrl,
    // three scalar subqueries: Citus pushes no subquery in the select list beside an aggregate
    `SELECT (SELECT COALESCE(SUM(amount_fen), 0) FROM dues_bills WHERE payment_id = ${p.id}),
            (SELECT COUNT(*) FROM dues_bills WHERE payment_id = ${p.id}),
            (SELECT COUNT(*) FROM audit WHERE entity = 'dues_payment' AND entity_id = ${p.id} AND action = 'callback')`,
  )
    .split('|')
    .map(Number);
  assert.deepEqual({ booked, rows, applied }, { booked: p.amount_fen, rows: 1, applied: 1 });
}

test('the same notice three times at once settles a bill payment once, without credit', async () => {
  const { month } = localDate();
  const year = Math.floor(month / 100);
  const base = await api('fin-a', 'POST', '/api/v1/dues/bases', { member_id: W.members.EA002, year, monthly_fen: 500000 });
  assert.equal(base.status, 200, base.text);
  assert.equal((await api('fin-a', 'POST', '/api/v1/dues/generate', { month, org_id: W.orgs.UA })).status, 200);
  assert.equal((await api('fin-a', 'POST', '/api/v1/dues/publish', { month, org_id: W.orgs.UA })).status, 200);
  const q = await api('mem-a2', 'GET', `/api/v1/dues/quote?months=${month}`);
  assert.equal(q.status, 200, q.text);
  assert.deepEqual(q.body.items.map((i) => i.kind), ['bill']);
  const p = await api('mem-a2', 'POST', '/api/v1/dues/payments', { months: [month], amount_fen: q.body.total_fen, channel: 'wechat' });
  assert.equal(p.status, 201, p.text);

  assertSettledOnce(await notifyAtOnce(p.body, 'race-bill-1'), p.body);
  const h = await api('mem-a2', 'GET', `/api/v1/dues/members/${W.members.EA002}?from=${month}&to=${month}`);
  assert.deepEqual(h.body.bills.map((b) => [b.kind, b.status]), [['regular', 'paid']], 'no advance booked beside the bill');
});

test('the same notice three times at once records voluntary dues once', async () => {
  const p = await api('mem-a3', 'POST', '/api/v1/dues/payments', { voluntary_fen: 800, amount_fen: 800, channel: 'alipay' });
  assert.equal(p.status, 201, p.text);
  assertSettledOnce(await notifyAtOnce(p.body, 'race-voluntary-1'), p.body);
});
