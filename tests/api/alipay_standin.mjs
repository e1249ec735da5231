// Alipay's side of the wire for the tests, with keys made at test time: the RSA2 signature of
// a set of parameters (every non-empty one but sign — and sign_type for a notification —
// sorted by name, "k=v" joined by '&', SHA256withRSA in base64), the asynchronous notification
// of a trade as Alipay posts it (a form), and the check of the wap pay request we build.
import { createSign, createVerify, randomBytes } from 'node:crypto';

export const APP_ID = '2021000117601234';

export function signContent(params, { dropSignType }) {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && !(dropSignType && k === 'sign_type') && params[k] !== '' && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function rsa2(privatePem, params, opts) {
  return createSign('RSA-SHA256').update(signContent(params, opts)).sign(privatePem, 'base64');
}

export function rsa2Verify(publicPem, params, opts) {
  return createVerify('RSA-SHA256').update(signContent(params, opts)).verify(publicPem, params.sign, 'base64');
}

/** China time "yyyy-MM-dd HH:mm:ss" of a Date. */
export function chinaTime(d = new Date()) {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

/** The fields of a trade notification; over: what to change. */
export function trade(outTradeNo, totalAmount, over = {}) {
  return {
    notify_time: chinaTime(),
    notify_type: 'trade_status_sync',
    notify_id: `ac05099524730693a8b330c5ecf72da${randomBytes(4).toString('hex')}`,
    app_id: APP_ID,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: `2024${randomBytes(12).toString('hex')}`.slice(0, 28),
    out_trade_no: outTradeNo,
    trade_status: 'TRADE_SUCCESS',
    total_amount: totalAmount,
    receipt_amount: totalAmount,
    buyer_pay_amount: totalAmount,
    subject: '党费',
    gmt_create: chinaTime(new Date(Date.now() - 120_000)),
    gmt_payment: chinaTime(new Date(Date.now() - 60_000)),
    ...over,
  };
}

/** The form body Alipay posts: the fields with their sign, URL-encoded. */
export function notificationBody(fields, alipayPrivatePem) {
  const signed = { ...fields, sign: rsa2(alipayPrivatePem, fields, { dropSignType: true }) };
  return new URLSearchParams(signed).toString();
}
