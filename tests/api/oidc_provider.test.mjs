// Single sign-on against a real OpenID Connect implementation, the npm package oidc-provider
// (oidc_provider.mjs): the authorization code flow with PKCE through its pages, followed with
// plain HTTP and a cookie jar, ends with the member signed in; the same code cannot be used
// twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, cliOk, sql } from './fixtures.mjs';
import { startOidcProvider } from './oidc_provider.mjs';

let srv;
let op;
before(async () => {
  srv = await startServer();
  await seedWorld(srv, { sessions: false });
  op = await startOidcProvider({ redirectUri: `${srv.url}/api/v1/auth/oidc/callback`, claims: { 'op-user-2': 'EA002', 'op-stranger': 'ZZ999' } });
  cliOk(srv, ['sso', 'set', '--issuer', op.issuer, '--client-id', op.clientId, '--client-secret-env', 'DJ_TEST_OP_SECRET', '--redirect-uri', `${srv.url}/api/v1/auth/oidc/callback`], { env: { DJ_TEST_OP_SECRET: op.clientSecret } });
});
after(async () => {
  await srv?.stop();
  await op?.stop();
});

/** Follow the provider's redirects with a cookie jar until it sends us back to the server. */
async function throughProvider(startLocation) {
  const jar = new Map();
  let url = new URL(startLocation);
  for (let hop = 0; hop < 10; hop++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { Cookie: cookie } : {} });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    assert.ok([302, 303].includes(res.status), `provider answered ${res.status} at ${url}: ${await res.text()}`);
    url = new URL(res.headers.get('location'), url);
    if (url.origin === srv.url) return url.pathname + url.search;
  }
  throw new Error('the provider never sent the browser back');
}

async function signInAs(user) {
  op.user = user;
  const start = await srv.api('GET', '/api/v1/auth/oidc/start');
  assert.equal(start.status, 302, start.text);
  const path = await throughProvider(start.headers.get('location'));
  return { res: await srv.api('GET', path), path };
}

test('oidc-provider: sign-in through its pages ends with the member signed in by the session cookie', async () => {
  const { res } = await signInAs('op-user-2');
  assert.equal(res.status, 302, res.text);
  assert.equal(res.headers.get('location'), '/login?sso=done');
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('dj_session='));
  const me = await srv.api('GET', '/api/v1/me', { cookie });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.member.emp_no, 'EA002');
  assert.equal(sql(srv.dbUrl, "SELECT method FROM logins WHERE ok = 1 ORDER BY id DESC LIMIT 1"), 'oidc');
});

test('oidc-provider: replaying the callback is refused (state used), and nobody is signed in', async () => {
  const { res, path } = await signInAs('op-user-2');
  assert.equal(res.status, 302, res.text);
  const again = await srv.api('GET', path);
  assertError(again, 401, 'unauthorized');
  assert.equal(again.body.error.details[0].field, 'state');
});

test('oidc-provider: a person who is no member is refused with 403 unknown_member', async () => {
  const { res } = await signInAs('op-stranger');
  assertError(res, 403, 'forbidden');
  assert.equal(res.body.error.details[0].code, 'unknown_member');
});
