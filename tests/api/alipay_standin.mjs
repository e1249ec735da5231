// Alipay's side of the wire for the tests, with keys made at test time: the RSA2 signature of
// a set of parameters (every non-empty one but sign — and sign_type for a notification —
// sorted by name, "k=v" joined by '&', SHA256withRSA in base64), the asynchronous notification
// of a trade as Alipay posts it (a form), the check of the wap pay request we build, and a
// gateway on 127.0.0.1 answering the statement query (signed over its response member) with a
// zip of GBK CSVs as Alipay serves them.
import { createSign, createVerify, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import zlib from 'node:zlib';

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

// ---- a stand-in for Alipay's gateway on 127.0.0.1: the statement query and its file

/** A zip of files {name: Buffer}, stored (no compression), names in UTF-8 (flag 0x0800). */
export function zipStored(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = Buffer.from(name, 'utf8');
    const crc = zlib.crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10); // time and date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Text in GBK, as Alipay writes its statements (iconv). */
export function gbk(text) {
  const r = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: text });
  if (r.status !== 0) throw new Error(`iconv: ${r.stderr}`);
  return r.stdout;
}

/** The 业务明细 CSV of a day: rows {tradeNo, ref, yuan, kind ('交易' | '退款')}. */
export function detailsCsv(rows, date) {
  const head = '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
  const lines = ['#支付宝业务明细查询', '#账号：[20881234567890120156]', `#起始日期：[${date} 00:00:00]   终止日期：[${date} 23:59:59]`,
    '#-----------------------------------------业务明细列表----------------------------------------', head];
  for (const r of rows) {
    lines.push([r.ref, r.tradeNo, r.kind ?? '交易', '党费', `${date} 12:00:00`, `${date} 12:00:05`, '', '', '', '', 'abc***@163.com', r.yuan, r.yuan, '0.00', '0.00', '0.00', '0.00', '0.00', '', '0.00', '0.00', '', '0.00', '0.00', ''].map((f) => `${f}\t`).join(','));
  }
  lines.push('#-----------------------------------------业务明细列表结束------------------------------------');
  lines.push(`#交易合计：${rows.length}笔`, '#导出时间：[2024年01月21日 09:00:00]');
  return `${lines.join('\r\n')}\r\n`;
}

export async function startAlipay({ appPublicPem, alipayPrivatePem }) {
  const state = { bills: new Map(), requests: [], refused: [], appPublicPem, alipayPrivatePem };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      const bill = /^\/bill\/(\d{4}-\d\d-\d\d)\.zip$/.exec(url.pathname);
      if (req.method === 'GET' && bill && state.bills.has(bill[1])) {
        res.writeHead(200, { 'Content-Type': 'application/zip' });
        return res.end(state.bills.get(bill[1]));
      }
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const ok = rsa2Verify(state.appPublicPem, params, { dropSignType: false }) && params.app_id === APP_ID && params.sign_type === 'RSA2';
      state.requests.push({ method: params.method, ok });
      if (!ok) state.refused.push(params.method);
      const key = `${String(params.method).replaceAll('.', '_')}_response`;
      let inner;
      if (!ok) inner = { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: '验签出错' };
      else {
        const date = JSON.parse(params.biz_content ?? '{}').bill_date;
        inner = state.bills.has(date)
          ? { code: '10000', msg: 'Success', bill_download_url: `${state.baseUrl}/bill/${date}.zip` }
          : { code: '40004', msg: 'Business Failed', sub_code: 'isp.bill_not_exist', sub_msg: '账单不存在' };
      }
      const raw = JSON.stringify(inner);
      const sign = createSign('RSA-SHA256').update(raw).sign(state.alipayPrivatePem, 'base64');
      res.writeHead(200, { 'Content-Type': 'text/html;charset=utf-8' });
      res.end(`{"${key}":${raw},"sign":"${sign}"}`);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${server.address().port}`;
  state.gateway = `${state.baseUrl}/gateway.do`;
  /** The day's statement: a zip of the 业务明细 CSV (GBK) and its 汇总 twin. */
  state.setBill = (date, rows) => {
    state.bills.set(date, zipStored({
      [`20881234567890120156_${date.replaceAll('-', '')}_业务明细(汇总).csv`]: gbk('#汇总\r\n'),
      [`20881234567890120156_${date.replaceAll('-', '')}_业务明细.csv`]: gbk(detailsCsv(rows, date)),
    }));
  };
  state.stop = () => new Promise((resolve) => server.close(resolve));
  return state;
}
