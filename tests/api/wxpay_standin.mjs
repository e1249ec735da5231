// A stand-in for WeChat Pay API v3 on 127.0.0.1, with keys made at test time. It speaks the
// published wire format: it checks the Authorization header of every request we make
// (WECHATPAY2-SHA256-RSA2048 over "METHOD\nPATH?QUERY\ntimestamp\nnonce\nbody\n" with the
// merchant key), takes H5 orders, answers the query of an order by out_trade_no, and makes
// notifications signed with the platform key ("timestamp\nnonce\nbody\n", base64
// SHA256withRSA) whose resource is AEAD_AES_256_GCM with the API v3 key; it serves trade bills
// (GET /v3/bill/tradebill → download_url with the file's SHA1, then the CSV).
import { createCipheriv, createHash, createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

export const MCHID = '1900009191';
export const APPID = 'wxd678efh567hg6787';
export const MCH_SERIAL = '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C';
export const PLATFORM_SERIAL = 'PUB_KEY_ID_0114232134912410000000000000';

const pem = (k) => k.export({ type: k.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' });

export function rsaPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privatePem: pem(privateKey), publicPem: pem(publicKey) };
}

export function apiV3Key() {
  return randomBytes(24).toString('base64').replace(/[+/=]/g, 'x').slice(0, 32);
}

/** base64 SHA256withRSA of text with a PEM private key. */
export function rsaSign(privatePem, text) {
  return createSign('RSA-SHA256').update(text).sign(privatePem, 'base64');
}

/** AEAD_AES_256_GCM as WeChat Pay encrypts a resource: base64(ciphertext || 16-byte tag). */
export function gcmSeal(key, nonce, aad, plain) {
  const c = createCipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(nonce, 'utf8'));
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return Buffer.concat([ct, c.getAuthTag()]).toString('base64');
}

/** A transaction as WeChat Pay reports it. */
export function transaction(outTradeNo, total, { state = 'SUCCESS', id, mchid = MCHID } = {}) {
  return {
    appid: APPID,
    mchid,
    out_trade_no: outTradeNo,
    transaction_id: id ?? `42000${randomBytes(10).toString('hex')}`.slice(0, 28),
    trade_type: 'MWEB',
    trade_state: state,
    trade_state_desc: state === 'SUCCESS' ? '支付成功' : '未支付',
    bank_type: 'OTHERS',
    attach: '',
    success_time: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, '+00:00'),
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
  };
}

const BILL_HEADER = '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';

/** A trade bill as WeChat Pay serves it: the header, a row per trade with every field after a
 *  backquote, then the summary. rows: {tradeNo, ref, fen, state ('SUCCESS', 'REFUND'), name}. */
export function tradeBillCsv(rows, date) {
  const yuan = (fen) => (fen / 100).toFixed(2);
  const lines = [BILL_HEADER];
  for (const r of rows) {
    const fields = [`${date} 12:00:00`, APPID, MCHID, '0', '', r.ref, r.tradeNo, 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', 'MWEB', r.state ?? 'SUCCESS', 'OTHERS', 'CNY',
      yuan(r.fen), '0.00', r.state === 'REFUND' ? '50000000000000000000000000' : '0', r.state === 'REFUND' ? 'RF1' : '0', r.state === 'REFUND' ? yuan(r.fen) : '0.00', '0.00', '', '',
      r.name ?? '党费', '', '0.07000', '0.60%', yuan(r.fen), '0.00', ''];
    lines.push(fields.map((f) => `\`${f}`).join(','));
  }
  const ok = rows.filter((r) => (r.state ?? 'SUCCESS') === 'SUCCESS');
  lines.push('总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额');
  lines.push([ok.length, yuan(ok.reduce((a, r) => a + r.fen, 0)), '0.00', '0.00', '0.07000', yuan(ok.reduce((a, r) => a + r.fen, 0)), '0.00'].map((f) => `\`${f}`).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export async function startWxPay({ merchantPublicPem, platformPrivatePem, apiKey }) {
  // merchantPublicPem checks our requests, platformPrivatePem signs the answers (both may be
  // changed by a test: a rotated key, a forged answer)
  const state = { orders: new Map(), bills: new Map(), requests: [], refused: [], merchantPublicPem, platformPrivatePem };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      // WeChat Pay signs its answers with the platform key, as its notifications
      const answer = (status, obj) => {
        const text = obj === undefined ? '' : JSON.stringify(obj);
        const ts = String(Math.floor(Date.now() / 1000));
        const nonce = randomBytes(16).toString('hex');
        res.writeHead(status, {
          'Content-Type': 'application/json',
          'Wechatpay-Timestamp': ts,
          'Wechatpay-Nonce': nonce,
          'Wechatpay-Signature': rsaSign(state.platformPrivatePem, `${ts}\n${nonce}\n${text}\n`),
          'Wechatpay-Serial': PLATFORM_SERIAL,
        });
        res.end(text);
      };
      const m = /^WECHATPAY2-SHA256-RSA2048 (.*)$/.exec(req.headers.authorization ?? '');
      const f = {};
      for (const kv of (m?.[1] ?? '').split(',')) {
        const x = /^(\w+)="([^"]*)"$/.exec(kv.trim());
        if (x) f[x[1]] = x[2];
      }
      const signed = `${req.method}\n${req.url}\n${f.timestamp}\n${f.nonce_str}\n${body}\n`;
      const ok =
        m && f.mchid === MCHID && f.serial_no === MCH_SERIAL && f.signature &&
        Math.abs(Number(f.timestamp) - Date.now() / 1000) < 300 &&
        createVerify('RSA-SHA256').update(signed).verify(state.merchantPublicPem, f.signature, 'base64');
      state.requests.push({ method: req.method, url: req.url, body, ok });
      if (!ok) {
        state.refused.push(req.url);
        return answer(401, { code: 'SIGN_ERROR', message: '签名错误' });
      }
      const url = new URL(req.url, 'http://x');
      if (req.method === 'POST' && url.pathname === '/v3/pay/transactions/h5') {
        const o = JSON.parse(body);
        state.orders.set(o.out_trade_no, { order: o, tx: null });
        return answer(200, { h5_url: `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx${o.out_trade_no}` });
      }
      if (req.method === 'GET' && url.pathname === '/v3/bill/tradebill') {
        const date = url.searchParams.get('bill_date');
        const csv = state.bills.get(date);
        if (csv === undefined) return answer(400, { code: 'NO_STATEMENT_EXIST', message: '账单不存在' });
        const hash = createHash('sha1').update(csv).digest('hex');
        return answer(200, { hash_type: 'SHA1', hash_value: hash, download_url: `${state.baseUrl}/v3/billdownload/file?token=${encodeURIComponent(date)}` });
      }
      if (req.method === 'GET' && url.pathname === '/v3/billdownload/file') {
        const csv = state.bills.get(url.searchParams.get('token'));
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end(csv);
      }
      const q = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && q && url.searchParams.get('mchid') === MCHID) {
        const o = state.orders.get(q[1]);
        if (!o) return answer(404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' });
        return answer(200, o.tx ?? transaction(q[1], o.order?.amount?.total ?? 0, { state: 'NOTPAY' }));
      }
      answer(404, { code: 'NOT_FOUND', message: 'no such API' });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${server.address().port}`;

  /** The provider's record of a paid order (what a query answers). */
  state.pay = (outTradeNo, tx) => {
    const o = state.orders.get(outTradeNo) ?? { order: null, tx: null };
    o.tx = tx;
    state.orders.set(outTradeNo, o);
  };

  /** A notification of tx: {raw, headers}, signed and encrypted as WeChat Pay does. Options
   *  change one thing to make it wrong: timestamp, nonce, serial, key (another signer). */
  state.notification = (tx, { timestamp, nonce, serial = PLATFORM_SERIAL, signKey = platformPrivatePem, aesKey = apiKey } = {}) => {
    const rnonce = randomBytes(6).toString('hex');
    const raw = JSON.stringify({
      id: `EV-${randomBytes(8).toString('hex')}`,
      create_time: new Date().toISOString(),
      resource_type: 'encrypt-resource',
      event_type: tx.trade_state === 'SUCCESS' ? 'TRANSACTION.SUCCESS' : 'TRANSACTION.CLOSED',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: gcmSeal(aesKey, rnonce, 'transaction', JSON.stringify(tx)),
        associated_data: 'transaction',
        nonce: rnonce,
      },
    });
    const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
    const n = nonce ?? randomBytes(16).toString('hex').toUpperCase();
    return {
      raw,
      headers: {
        'Wechatpay-Timestamp': ts,
        'Wechatpay-Nonce': n,
        'Wechatpay-Signature': rsaSign(signKey, `${ts}\n${n}\n${raw}\n`),
        'Wechatpay-Serial': serial,
        'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
      },
    };
  };
  state.stop = () => new Promise((resolve) => server.close(resolve));
  return state;
}
