// What the payment provider tests share (payments_wechat, payments_alipay): key files, our
// trade numbers, a member's online payment and its status.
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { writeTmp } from './fixtures.mjs';

/** A file of content with mode (secret key files: 0600). */
export function secretFile(name, content, mode = 0o600) {
  const f = writeTmp(name, content);
  chmodSync(f, mode);
  return f;
}

/** Our out_trade_no of payment id. */
export const tradeNo = (id) => `DJP${String(id).padStart(8, '0')}`;

/** A pending online payment of voluntary dues by login, of fen, through channel: its id. */
export async function payOnline(srv, token, fen, channel) {
  const r = await srv.api('POST', '/api/v1/dues/payments', { token, body: { voluntary_fen: fen, amount_fen: fen, channel } });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

/** The status of payment id as its member sees it. */
export async function paymentStatus(srv, token, id) {
  const r = await srv.api('GET', `/api/v1/dues/payments/${id}`, { token });
  assert.equal(r.status, 200, r.text);
  return r.body.status;
}
