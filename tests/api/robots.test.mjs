// Messenger robots (企业微信, 钉钉, 飞书) fed by the plan outbox, against one local stand-in
// that checks each provider's signature as the provider does (the HMAC recomputed here) and
// answers in its format: errcode/code ≠ 0 retried, a rate limit backed off longer, the
// responsible person @-mentioned by mobile, a long notice split on character boundaries,
// bad input and the wrong role refused, the secrets never in a reply or a log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, sql } from './fixtures.mjs';

const WECOM_KEY = 'wecom-key-7f3a9c';
const DING_TOKEN = 'ding-token-51b2';
const DING_SECRET = 'SEC' + 'ab12'.repeat(16);
const FEISHU_SECRET = 'feishu-secret-q8Zr2';
// the secrets, and the credentials in the robots' URLs (shown with their query values masked)
const SECRETS = [DING_SECRET, FEISHU_SECRET, WECOM_KEY, DING_TOKEN];

let srv, W, stand;
const got = { wecom: [], small: [], dingtalk: [], feishu: [] };
const replies = []; // every API reply's text, to look for the secrets
// what the stand-in answers next, per robot (then: success)
const next = { wecom: [], dingtalk: [] };

const b64 = (key, msg) => createHmac('sha256', key).update(msg).digest('base64');

/** The stand-in: one path per robot, each speaking its provider's wire format. */
function standIn(req, res, body) {
  const u = new URL(req.url, 'http://x');
  const send = (o) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(o));
  };
  const json = JSON.parse(body);
  if (u.pathname === '/cgi-bin/webhook/send') {
    // WeCom: the key is the credential; no signature
    const which = u.searchParams.get('key') === WECOM_KEY ? 'wecom' : u.searchParams.get('key') === 'small' ? 'small' : null;
    if (!which) return send({ errcode: 93000, errmsg: 'invalid webhook url' });
    got[which].push(json);
    return send(next.wecom.shift() ?? { errcode: 0, errmsg: 'ok' });
  }
  if (u.pathname === '/robot/send') {
    // DingTalk: timestamp in ms within an hour, sign = base64(HMAC-SHA256(secret, ts\nsecret))
    const ts = u.searchParams.get('timestamp');
    const sign = u.searchParams.get('sign');
    if (u.searchParams.get('access_token') !== DING_TOKEN) return send({ errcode: 300001, errmsg: 'token is not exist' });
    if (!ts || Math.abs(Date.now() - Number(ts)) > 3600_000 || sign !== b64(DING_SECRET, `${ts}\n${DING_SECRET}`))
      return send({ errcode: 310000, errmsg: 'sign not match' });
    got.dingtalk.push(json);
    return send(next.dingtalk.shift() ?? { errcode: 0, errmsg: 'ok' });
  }
  if (u.pathname.startsWith('/open-apis/bot/v2/hook/')) {
    // Feishu: timestamp in s, sign = base64(HMAC-SHA256 keyed with ts\nsecret over "")
    const ts = json.timestamp;
    if (!ts || Math.abs(Date.now() / 1000 - Number(ts)) > 3600 || json.sign !== b64(`${ts}\n${FEISHU_SECRET}`, ''))
      return send({ code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' });
    got.feishu.push(json);
    return send({ code: 0, msg: 'success', data: {} });
  }
  res.writeHead(404);
  res.end();
}

before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
  stand = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => standIn(req, res, body));
  });
  await new Promise((resolve) => stand.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await new Promise((resolve) => stand?.close(resolve));
  await srv?.stop();
});

const api = async (login, method, path, body) => {
  const r = await srv.api(method, path, { token: W.tokens[login], body });
  replies.push(r.text ?? JSON.stringify(r.body));
  return r;
};
const base = () => `http://127.0.0.1:${stand.address().port}`;
const hooks = {};

function cliAsync(...args) {
  const bin = process.env.DJ_BIN || new URL('../../dangjian', import.meta.url).pathname;
  return new Promise((resolve) => {
    execFile(bin, [args[0], args[1], '--db', srv.dbUrl, ...args.slice(2)], { timeout: 60_000 }, (err, stdout, stderr) => {
      assert.ok(!err, `dangjian ${args.join(' ')}: ${err?.message}\n${stdout}${stderr}`);
      resolve(stdout);
    });
  });
}
const deliveries = async (id) => (await api('admin', 'GET', `/api/v1/plans/webhooks/${id}/deliveries?limit=500`)).body.items;

test('robots are created by an admin with a kind; bad input is refused with a reason', async () => {
  const wecom = { kind: 'wecom', url: `${base()}/cgi-bin/webhook/send?key=${WECOM_KEY}`, retry_seconds: 1 };
  assertError(await api('com-a', 'POST', '/api/v1/plans/webhooks', wecom), 403, 'forbidden');
  const bad = async (body, field, reason) => {
    const r = await api('admin', 'POST', '/api/v1/plans/webhooks', body);
    assertError(r, 400, 'invalid');
    assert.deepEqual([r.body.error.details[0].field, r.body.error.details[0].code], [field, reason], r.text);
  };
  await bad({ ...wecom, kind: 'slack' }, 'kind', 'invalid_choice');
  await bad({ ...wecom, url: 'ftp://127.0.0.1/robot' }, 'url', 'invalid_format');
  await bad({ kind: 'dingtalk', url: `${base()}/robot/send?access_token=${DING_TOKEN}` }, 'secret', 'required');
  await bad({ kind: 'feishu', url: `${base()}/open-apis/bot/v2/hook/abc` }, 'secret', 'required');
  await bad({ ...wecom, max_bytes: 100 }, 'max_bytes', 'out_of_range');

  for (const [name, body] of Object.entries({
    wecom,
    small: { kind: 'wecom', url: `${base()}/cgi-bin/webhook/send?key=small`, max_bytes: 300 },
    dingtalk: { kind: 'dingtalk', url: `${base()}/robot/send?access_token=${DING_TOKEN}`, secret: DING_SECRET, retry_seconds: 1 },
    feishu: { kind: 'feishu', url: `${base()}/open-apis/bot/v2/hook/abc`, secret: FEISHU_SECRET },
  })) {
    const r = await api('admin', 'POST', '/api/v1/plans/webhooks', body);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.kind, body.kind);
    hooks[name] = r.body.id;
  }
  const list = await api('admin', 'GET', '/api/v1/plans/webhooks');
  assert.deepEqual(list.body.items.map((h) => h.kind), ['wecom', 'wecom', 'dingtalk', 'feishu']);
  assert.equal(list.body.items[0].url, `${base()}/cgi-bin/webhook/send?key=***`);

  // change one: a WeCom robot becoming DingTalk needs a secret; other fields keep
  assertError(await api('com-a', 'PATCH', `/api/v1/plans/webhooks/${hooks.small}`, { max_bytes: 400 }), 403, 'forbidden');
  const noSecret = await api('admin', 'PATCH', `/api/v1/plans/webhooks/${hooks.small}`, { kind: 'dingtalk' });
  assertError(noSecret, 400, 'invalid');
  assert.equal(noSecret.body.error.details[0].code, 'required');
  assertError(await api('admin', 'PATCH', `/api/v1/plans/webhooks/${hooks.small}`, { kind: 'telegram' }), 400, 'invalid');
  assertError(await api('admin', 'PATCH', '/api/v1/plans/webhooks/999999', { max_bytes: 400 }), 404, 'not_found');
  const changed = await api('admin', 'PATCH', `/api/v1/plans/webhooks/${hooks.small}`, { max_bytes: 300, active: true });
  assert.equal(changed.status, 200, changed.text);
  assert.deepEqual([changed.body.kind, changed.body.active], ['wecom', true]);
});

test('a plan warning reaches each robot signed, with the responsible person @-mentioned; errcode ≠ 0 is retried, a rate limit waits longer', async () => {
  const plan = await api('com-a', 'POST', '/api/v1/plans', {
    org_id: W.orgs.UA, year: 2024, name: '2024年度A党委量化计划',
    tasks: [{ code: 'cm', name: '支部委员会会议', metric: 'count', indicator: 'org.committee_meeting', target: 1, freq: 'month' }],
  });
  assert.equal(plan.status, 201, plan.text);
  next.wecom.push({ errcode: 40008, errmsg: 'invalid message type' });
  next.dingtalk.push({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
  const c = await api('admin', 'POST', '/api/v1/plans/check', { today: '2024-03-01' });
  assert.equal(c.status, 200, c.text);
  await cliAsync('plan', 'check', '--today', '2024-03-01');

  // WeCom: the first answer was errcode 40008 (HTTP 200): pending, retried after 1 s
  let wd = await deliveries(hooks.wecom);
  assert.ok(wd.length >= 2, JSON.stringify(wd));
  const failed = wd.find((d) => d.tries.length && /errcode 40008/.test(d.tries[0].error));
  assert.ok(failed, JSON.stringify(wd));
  assert.deepEqual([failed.status, failed.attempts, failed.last_code], ['pending', 1, 200]);
  await new Promise((r) => setTimeout(r, Math.max(0, failed.next_at * 1000 - Date.now()) + 300));
  await cliAsync('plan', 'check', '--today', '2024-03-01');
  wd = await deliveries(hooks.wecom);
  const again = wd.find((d) => d.id === failed.id);
  assert.deepEqual([again.status, again.attempts, again.tries.map((t) => t.code)], ['delivered', 2, [200, 200]]);
  assert.ok(wd.every((d) => d.status === 'delivered'), JSON.stringify(wd));

  // the secretary of UA-B1 (member EA001, mobile 13800000001) is @-mentioned: msgtype text
  const mention = got.wecom.filter((m) => m.msgtype === 'text' && m.text.mentioned_mobile_list?.includes('13800000001'));
  assert.ok(mention.length >= 1, JSON.stringify(got.wecom));
  assert.match(mention[0].text.content, /【未达标】/);
  assert.match(mention[0].text.content, /A一支部/);
  assert.ok(Buffer.byteLength(mention[0].text.content) <= 2048);
  // the committee's copies name nobody with a mobile: markdown
  assert.ok(got.wecom.some((m) => m.msgtype === 'markdown' && /^\*\*【未达标】/.test(m.markdown.content)));

  // DingTalk: valid sign (the stand-in refuses others); the mention in at.atMobiles and as @mobile
  const dd = await deliveries(hooks.dingtalk);
  const limited = dd.find((d) => d.tries.length && /errcode 130101/.test(d.tries[0].error));
  assert.ok(limited, JSON.stringify(dd));
  assert.equal(limited.status, 'pending');
  assert.ok(limited.next_at - limited.tries[0].at >= 60, `rate limit backoff ${limited.next_at - limited.tries[0].at} s`);
  assert.ok(dd.filter((d) => d.status === 'delivered').length >= 1);
  const ding = got.dingtalk.find((m) => m.at.atMobiles.includes('13800000001'));
  assert.ok(ding, JSON.stringify(got.dingtalk));
  assert.equal(ding.msgtype, 'markdown');
  assert.match(ding.markdown.text, /@13800000001/);
  assert.match(ding.markdown.title, /未达标/);

  // Feishu: valid sign in the body; all delivered
  const fd = await deliveries(hooks.feishu);
  assert.ok(fd.length >= 2 && fd.every((d) => d.status === 'delivered'), JSON.stringify(fd));
  assert.equal(got.feishu.length, fd.length);
  assert.ok(got.feishu.every((m) => m.msg_type === 'text' && /【未达标】/.test(m.content.text)));
});

test('a long notice is split on character boundaries within the robot size', async () => {
  const text = '请各支部于本月底前补开支部委员会会议并上报会议记录，逐项整改到位。'.repeat(14); // 476 characters
  const before = got.small.length;
  const n = await api('com-a', 'POST', '/api/v1/plans/lagging/notify', { org_id: W.orgs.UA, text });
  assert.equal(n.status, 200, n.text);
  await cliAsync('plan', 'check', '--today', '2024-03-01');
  const body = (m) => m.markdown?.content ?? m.text.content;
  const sent = got.small.slice(before).filter((m) => /【督办】/.test(body(m)));
  const parts = (await deliveries(hooks.small)).filter((d) => d.event === 'plan.lagging');
  assert.equal(sent.length, parts.length);
  assert.ok(parts.some((d) => d.part >= 3), JSON.stringify(parts.map((d) => d.part)));
  for (const m of sent) {
    const content = body(m);
    assert.ok(Buffer.byteLength(content) <= 300, `${Buffer.byteLength(content)} bytes`);
    assert.ok(!content.includes('\uFFFD'), 'no character cut in half');
  }
  // the first notice's parts together hold the whole text
  const first = sent.slice(0, sent.findIndex((m, i) => i > 0 && !/（续）/.test(body(m))));
  const joined = first.map((m) => body(m).replace(/^.*\n/, '')).join('');
  assert.ok(joined.replace(/\n/g, '').includes(text), joined);
});

test('a test message is sent now; wrong role and unknown webhook are refused; secrets never shown', async () => {
  assertError(await api('com-a', 'POST', `/api/v1/plans/webhooks/${hooks.feishu}/test`), 403, 'forbidden');
  assertError(await api('admin', 'POST', '/api/v1/plans/webhooks/999999/test'), 404, 'not_found');
  const before = got.feishu.length;
  const r = await api('admin', 'POST', `/api/v1/plans/webhooks/${hooks.feishu}/test`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.delivered, 1);
  assert.equal(got.feishu.length, before + 1);
  assert.match(got.feishu.at(-1).content.text, /【测试消息】/);
  const audit = await api('admin', 'GET', '/api/v1/audit?entity=plan_webhook');
  assert.equal(audit.status, 200, audit.text);
  assert.ok(audit.body.items.some((a) => a.action === 'test' && a.entity_id === hooks.feishu), audit.text);

  await api('admin', 'GET', '/api/v1/plans/webhooks');
  // stored sealed (the key ring of personal data), kept out of the audit
  const stored = [sql(srv.dbUrl, 'SELECT secret FROM plan_webhooks'), sql(srv.dbUrl, 'SELECT detail FROM audit')].join('\n');
  assert.match(sql(srv.dbUrl, "SELECT secret FROM plan_webhooks WHERE kind = 'dingtalk'"), /\S+ \S+/, 'sealed in two pieces');
  for (const s of SECRETS) {
    assert.ok(!stored.includes(s), 'the database holds a secret in plain text');
    assert.ok(!replies.some((t) => t.includes(s)), 'a reply shows a secret');
    assert.ok(!srv.log().includes(s), 'the log shows a secret');
  }
});
