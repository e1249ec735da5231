// 企业微信 (WeCom) OAuth web login (src/sso/wecom.c) against a stand-in on 127.0.0.1 that
// speaks WeCom's JSON (errcode/errmsg): the login page sends the browser back with a code,
// gettoken gives the app's access_token (cached by the server), getuserinfo turns the code
// into the userid, which is the member's employee number.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, cliOk, sql } from './fixtures.mjs';

let srv;
let wecom;
const SECRET = 'wecom-app-secret';

/** The stand-in: wecom.user is who signs in ({userid} or {openid}); wecom.token the live token. */
async function startWecom() {
  const codes = new Map();
  const w = { user: { userid: 'EA003' }, token: 'tok-1', gettoken: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const q = url.searchParams;
    const json = (body) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/wwlogin/sso/login') {
      if (q.get('login_type') !== 'CorpApp' || q.get('appid') !== 'ww-corp' || q.get('agentid') !== '1000002') return json({ errcode: 40013, errmsg: 'invalid corpid' });
      const code = randomBytes(8).toString('hex');
      codes.set(code, w.user);
      const back = new URL(q.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state'));
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/cgi-bin/gettoken') {
      w.gettoken++;
      if (q.get('corpid') !== 'ww-corp' || q.get('corpsecret') !== SECRET) return json({ errcode: 40001, errmsg: 'invalid credential' });
      return json({ errcode: 0, errmsg: 'ok', access_token: w.token, expires_in: 7200 });
    }
    if (url.pathname === '/cgi-bin/auth/getuserinfo') {
      if (q.get('access_token') !== w.token) return json({ errcode: 42001, errmsg: 'access_token expired' });
      const who = codes.get(q.get('code'));
      codes.delete(q.get('code'));
      if (!who) return json({ errcode: 40029, errmsg: 'invalid code' });
      return json({ errcode: 0, errmsg: 'ok', ...who });
    }
    res.writeHead(404);
    return res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  w.base = `http://127.0.0.1:${server.address().port}`;
  w.stop = () => new Promise((resolve) => server.close(resolve));
  return w;
}

function configure(secret = SECRET) {
  cliOk(srv, ['sso', 'wecom', '--corp-id', 'ww-corp', '--agent-id', '1000002', '--secret-env', 'DJ_TEST_WECOM', '--redirect-uri', `${srv.url}/api/v1/auth/wecom/callback`,
    '--api-base', wecom.base, '--authorize-url', `${wecom.base}/wwlogin/sso/login`], { env: { DJ_TEST_WECOM: secret } });
}

before(async () => {
  wecom = await startWecom();
  srv = await startServer();
  await seedWorld(srv, { sessions: false });
});
after(async () => {
  await srv?.stop();
  await wecom?.stop();
});

async function flow() {
  const start = await srv.api('GET', '/api/v1/auth/wecom/start');
  assert.equal(start.status, 302, start.text);
  const at = await fetch(start.headers.get('location'), { redirect: 'manual' });
  assert.equal(at.status, 302, await at.text());
  const back = new URL(at.headers.get('location'));
  const path = back.pathname + back.search;
  return { res: await srv.api('GET', path), path };
}
const cookieOf = (res) => res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('dj_session='));
const detail = (res) => res.body.error.details?.[0] ?? {};

test('not configured: /start is 404 naming wecom; sso wecom refuses a missing secret', async () => {
  const start = await srv.api('GET', '/api/v1/auth/wecom/start');
  assertError(start, 404, 'not_found');
  assert.equal(detail(start).field, 'wecom');
  const bad = srv.run(['sso', 'wecom', '--corp-id', 'ww-corp', '--agent-id', '1', '--redirect-uri', 'http://x/cb']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /secret-env/);
});

test('code → userid: the member is signed in, recorded as a wecom sign-in; the settings are audited, the secret sealed', async () => {
  configure();
  assert.deepEqual((await srv.api('GET', '/api/v1/auth/sso')).body, { oidc: false, wecom: true });
  assert.ok(!sql(srv.dbUrl, 'SELECT secret FROM wecom_settings').includes(SECRET));
  assert.match(sql(srv.dbUrl, "SELECT detail FROM audit WHERE entity = 'wecom_settings'"), /"corp_id":"ww-corp"/);
  wecom.user = { userid: 'EA003' };
  const { res } = await flow();
  assert.equal(res.status, 302, res.text);
  assert.equal(res.headers.get('location'), '/login?sso=done');
  const me = await srv.api('GET', '/api/v1/me', { cookie: cookieOf(res) });
  assert.equal(me.body.login, 'mem-a3');
  assert.equal(sql(srv.dbUrl, "SELECT method FROM logins WHERE ok = 1 ORDER BY id DESC LIMIT 1"), 'wecom');
});

test('the access_token is cached: a second sign-in asks gettoken no more', async () => {
  const before = wecom.gettoken;
  assert.equal((await flow()).res.status, 302);
  assert.equal(wecom.gettoken, before);
});

test('a token WeCom expired (42001) is fetched anew once and the sign-in goes through', async () => {
  wecom.token = 'tok-2';
  const before = wecom.gettoken;
  const { res } = await flow();
  assert.equal(res.status, 302, res.text);
  assert.equal(wecom.gettoken, before + 1);
});

test('a replayed callback is refused: the state is used', async () => {
  const { res, path } = await flow();
  assert.equal(res.status, 302);
  const again = await srv.api('GET', path);
  assertError(again, 401, 'unauthorized');
  assert.equal(detail(again).field, 'state');
});

test('a code WeCom does not take (40029) is 401 naming code', async () => {
  const start = await srv.api('GET', '/api/v1/auth/wecom/start');
  const state = new URL(start.headers.get('location')).searchParams.get('state');
  const res = await srv.api('GET', `/api/v1/auth/wecom/callback?code=made-up&state=${state}`);
  assertError(res, 401, 'unauthorized');
  assert.equal(detail(res).field, 'code');
});

test('someone outside the enterprise (openid only) and a userid no member has: 403 unknown_member', async () => {
  wecom.user = { openid: 'o-outsider' };
  const outsider = (await flow()).res;
  assertError(outsider, 403, 'forbidden');
  assert.equal(detail(outsider).code, 'unknown_member');
  wecom.user = { userid: 'zhangsan' };
  const stranger = (await flow()).res;
  assertError(stranger, 403, 'forbidden');
  assert.equal(detail(stranger).code, 'unknown_member');
  assert.equal(detail(stranger).value, 'zhangsan');
  assert.equal(cookieOf(stranger), undefined);
});

test('a wrong app secret: 500 io with WeCom\'s errcode and errmsg', async () => {
  configure('not-the-secret');
  wecom.token = 'tok-3'; // the cached token is gone at WeCom
  wecom.user = { userid: 'EA003' };
  const { res } = await flow();
  assertError(res, 500, 'io');
  assert.match(res.body.error.message, /errcode 40001, invalid credential/);
  configure();
});

test('sso off --wecom removes the button', async () => {
  cliOk(srv, ['sso', 'off', '--wecom']);
  assert.deepEqual((await srv.api('GET', '/api/v1/auth/sso')).body, { oidc: false, wecom: false });
});
