// Single sign-on with OpenID Connect (src/sso/): the server runs the authorization code flow
// with PKCE against a scriptable identity provider on loopback (idp.mjs), verifies the ID
// token itself and maps the employee number claim to a member's account. Every bad token is
// refused with a reason naming the failed check; a replayed callback is refused; password
// sign-in stays.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, addUser, signIn, cliOk, sql } from './fixtures.mjs';
import { startIdp, makeKey, signJwt } from './idp.mjs';

let srv;
let idp;
let W;
const SECRET = 'idp-secret';

function configure(extra = []) {
  cliOk(srv, ['sso', 'set', '--issuer', idp.issuer, '--client-id', 'dangjian', '--client-secret-env', 'DJ_TEST_SSO_SECRET',
    '--redirect-uri', `${srv.url}/api/v1/auth/oidc/callback`, ...extra], { env: { DJ_TEST_SSO_SECRET: SECRET } });
}

before(async () => {
  idp = await startIdp({ clientSecret: SECRET });
  srv = await startServer();
  W = await seedWorld(srv, { sessions: false });
});
after(async () => {
  await srv?.stop();
  await idp?.stop();
});

/** Start, pass the provider, come back: the callback's reply and the path it was sent to. */
async function flow() {
  const start = await srv.api('GET', '/api/v1/auth/oidc/start');
  assert.equal(start.status, 302, start.text);
  const to = new URL(start.headers.get('location'));
  assert.equal(to.origin, idp.issuer);
  assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
  const atIdp = await fetch(to, { redirect: 'manual' });
  assert.equal(atIdp.status, 302, await atIdp.text());
  const back = new URL(atIdp.headers.get('location'));
  const path = back.pathname + back.search;
  return { res: await srv.api('GET', path), path };
}

// the server fetches the key set again on an unknown kid at most once per 2 seconds
const pastKeyGap = () => new Promise((resolve) => setTimeout(resolve, 2100));
const cookieOf = (res) => res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('dj_session='));
const detail = (res) => res.body.error.details?.[0] ?? {};

test('before it is configured: the login page offers no SSO and /start answers 404 not_found', async () => {
  const cfg = await srv.api('GET', '/api/v1/auth/sso');
  assert.deepEqual(cfg.body, { oidc: false, wecom: false });
  const start = await srv.api('GET', '/api/v1/auth/oidc/start');
  assertError(start, 404, 'not_found');
  assert.equal(detail(start).field, 'sso');
});

test('sso set refuses a bad issuer URL and a missing secret; the settings are audited without the secret', () => {
  const bad = srv.run(['sso', 'set', '--issuer', 'ftp://x', '--client-id', 'c', '--client-secret-env', 'S', '--redirect-uri', 'http://x/cb'], { env: { S: 's' } });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /issuer 'ftp:\/\/x' is not an http\(s\) URL/);
  const noSecret = srv.run(['sso', 'set', '--issuer', 'http://x', '--client-id', 'c', '--redirect-uri', 'http://x/cb']);
  assert.notEqual(noSecret.status, 0);
  assert.match(noSecret.stderr, /client-secret-env/);
  const badChoice = srv.run(['sso', 'set', '--issuer', 'http://x', '--client-id', 'c', '--client-secret-env', 'S', '--redirect-uri', 'http://x/cb', '--create-accounts', 'maybe'], { env: { S: 's' } });
  assert.notEqual(badChoice.status, 0);
  assert.match(badChoice.stderr, /--create-accounts is yes or no, not 'maybe'/);
  const badClaim = srv.run(['sso', 'set', '--issuer', 'http://x', '--client-id', 'c', '--client-secret-env', 'S', '--redirect-uri', 'http://x/cb', '--claim', 'emp no'], { env: { S: 's' } });
  assert.notEqual(badClaim.status, 0);
  assert.match(badClaim.stderr, /claim 'emp no' is not a claim name/);
  const verb = srv.run(['sso', 'enable']);
  assert.equal(verb.status, 2);
  assert.match(verb.stderr, /expected set, wecom, show or off/);
  configure();
  const shown = cliOk(srv, ['sso', 'show']).stdout;
  assert.match(shown, /client secret\s+\(sealed/);
  assert.ok(!shown.includes(SECRET));
  assert.ok(!sql(srv.dbUrl, 'SELECT client_secret FROM sso_settings').includes(SECRET), 'the secret is stored sealed');
  const audit = sql(srv.dbUrl, "SELECT detail FROM audit WHERE entity = 'sso_settings'");
  assert.match(audit, /"client_id":"dangjian"/);
  assert.ok(!audit.includes(SECRET));
});

test('happy path: start → provider → callback signs the member in with the session cookie; the login is recorded as oidc', async () => {
  configure();
  assert.deepEqual((await srv.api('GET', '/api/v1/auth/sso')).body, { oidc: true, wecom: false });
  idp.subject = { sub: 'u-2', employee_number: 'EA002' };
  const { res } = await flow();
  assert.equal(res.status, 302, res.text);
  assert.equal(res.headers.get('location'), '/login?sso=done');
  const cookie = cookieOf(res);
  assert.ok(cookie, 'a dj_session cookie');
  const me = await srv.api('GET', '/api/v1/me', { cookie });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.login, 'mem-a2');
  assert.equal(me.body.member.emp_no, 'EA002');
  assert.equal(sql(srv.dbUrl, "SELECT method || ':' || ok FROM logins WHERE login = 'mem-a2' ORDER BY id DESC LIMIT 1"), 'oidc:1');
});

test('an ES256 key works too', async () => {
  const ec = makeKey('ES256');
  idp.published.push(ec);
  idp.signer = ec;
  await pastKeyGap();
  try {
    const { res } = await flow();
    assert.equal(res.status, 302, res.text);
  } finally {
    idp.signer = idp.published[0];
  }
});

test('a replayed callback (same code and state) is refused: the state is used', async () => {
  const { res, path } = await flow();
  assert.equal(res.status, 302, res.text);
  const again = await srv.api('GET', path);
  assertError(again, 401, 'unauthorized');
  assert.equal(detail(again).field, 'state');
  assert.equal(detail(again).code, 'not_found');
});

test('key rotation: a token signed by a new key is accepted after the key set is fetched again', async () => {
  const fresh = makeKey('RS256');
  idp.published = [fresh, ...idp.published];
  idp.signer = fresh;
  await pastKeyGap();
  const before = idp.jwksFetches;
  const { res } = await flow();
  assert.equal(res.status, 302, res.text);
  assert.equal(idp.jwksFetches, before + 1, 'one more fetch of the key set');
});

const spoiled = [
  ['an expired token', (c) => ({ ...c, exp: c.iat - 3600, iat: c.iat - 4000 }), 'exp', 'wrong_state'],
  ['a wrong audience', (c) => ({ ...c, aud: 'someone-else' }), 'aud', 'mismatch'],
  ['another issuer', (c) => ({ ...c, iss: 'http://127.0.0.1:1/evil' }), 'iss', 'mismatch'],
  ['a foreign nonce', (c) => ({ ...c, nonce: 'replayed-nonce' }), 'nonce', 'mismatch'],
  ['a token issued in the future', (c) => ({ ...c, iat: c.iat + 3600 }), 'iat', 'in_future'],
  ['two audiences without azp', (c) => ({ ...c, aud: ['dangjian', 'other'] }), 'aud', 'mismatch'],
  ['an unknown kid', (c) => signJwt(makeKey('RS256', 'not-published'), c), 'kid', 'not_found'],
  ['alg none', (c) => `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(c)).toString('base64url')}.`, 'alg', 'invalid_choice'],
  ['alg HS256', (c) => signJwt(idp.signer, c, { alg: 'HS256' }), 'alg', 'invalid_choice'],
  ['a forged signature', (c) => {
    const t = signJwt(idp.signer, c).split('.');
    t[1] = Buffer.from(JSON.stringify({ ...c, employee_number: 'EA001' })).toString('base64url');
    return t.join('.');
  }, 'signature', 'mismatch'],
  ['a token that is not a JWS', () => 'garbage', 'id_token', 'invalid_format'],
];
for (const [what, spoil, field, code] of spoiled) {
  test(`${what} is refused with 401 naming '${field}', and nobody is signed in`, async () => {
    idp.spoil = spoil;
    const { res } = await flow();
    assertError(res, 401, 'unauthorized');
    assert.equal(detail(res).field, field, res.text);
    assert.equal(detail(res).code, code, res.text);
    assert.equal(cookieOf(res), undefined);
  });
}

test('the unknown kid refetch is rate-limited: a burst of forged kids fetches the key set at most once more', async () => {
  await pastKeyGap();
  const before = idp.jwksFetches;
  for (let i = 0; i < 3; i++) {
    idp.spoil = (c) => signJwt(makeKey('RS256', `forged-${i}`), c);
    assertError((await flow()).res, 401, 'unauthorized');
  }
  assert.ok(idp.jwksFetches - before <= 1, `fetched ${idp.jwksFetches - before} times`);
});

test('a person the provider knows but who is no member: 403 unknown_member, recorded as a failed oidc sign-in', async () => {
  idp.subject = { sub: 'x', employee_number: 'NOBODY1' };
  const { res } = await flow();
  assertError(res, 403, 'forbidden');
  assert.equal(detail(res).code, 'unknown_member');
  assert.equal(detail(res).field, 'employee_number');
  assert.equal(sql(srv.dbUrl, "SELECT method || ':' || ok FROM logins WHERE login = 'NOBODY1'"), 'oidc:0');
});

test('a browser (Accept: text/html) is sent back to the login page with the reason instead of an error body', async () => {
  idp.subject = { sub: 'x', employee_number: 'NOBODY2' };
  const start = await srv.api('GET', '/api/v1/auth/oidc/start');
  const at = await fetch(start.headers.get('location'), { redirect: 'manual' });
  const back = new URL(at.headers.get('location'));
  const res = await srv.api('GET', back.pathname + back.search, { headers: { Accept: 'text/html,application/xhtml+xml' } });
  assert.equal(res.status, 302, res.text);
  assert.equal(res.headers.get('location'), '/login?sso_error=unknown_member');
  assert.equal(cookieOf(res), undefined);
  // and a replay of it, too
  const again = await srv.api('GET', back.pathname + back.search, { headers: { Accept: 'text/html' } });
  assert.equal(again.headers.get('location'), '/login?sso_error=not_found');
});

test('a token without the claim: 403 required naming the claim', async () => {
  idp.subject = { sub: 'x' };
  const { res } = await flow();
  assertError(res, 403, 'forbidden');
  assert.equal(detail(res).field, 'employee_number');
  assert.equal(detail(res).code, 'required');
});

test('a member without an account: refused unless the admin allows first-login accounts, then created once', async () => {
  idp.subject = { sub: 'u-4', employee_number: 'EA004' };
  const refused = (await flow()).res;
  assertError(refused, 403, 'forbidden');
  assert.equal(detail(refused).code, 'not_allowed');
  assert.equal(sql(srv.dbUrl, "SELECT COUNT(*) FROM accounts WHERE login = 'EA004'"), '0');
  configure(['--create-accounts', 'yes']);
  try {
    const { res } = await flow();
    assert.equal(res.status, 302, res.text);
    const me = await srv.api('GET', '/api/v1/me', { cookie: cookieOf(res) });
    assert.equal(me.body.login, 'EA004');
    assert.deepEqual(me.body.roles.map((r) => [r.role, r.org_code]), [['member', 'UA-B3']]);
    assert.equal((await flow()).res.status, 302);
    assert.equal(sql(srv.dbUrl, "SELECT COUNT(*) FROM accounts WHERE login = 'EA004'"), '1');
  } finally {
    configure();
  }
});

test('a disabled account is refused with 403 wrong_state disabled', async () => {
  cliOk(srv, ['user', 'disable', '--login', 'mem-a3']);
  idp.subject = { sub: 'u-3', employee_number: 'EA003' };
  const { res } = await flow();
  assertError(res, 403, 'forbidden');
  assert.equal(detail(res).state, 'disabled');
});

test('a locked-out person stays locked through single sign-on (429)', async () => {
  const now = Math.floor(Date.now() / 1000);
  const subject = `m:${W.members.EB002}`;
  const rows = Array.from({ length: 10 }, () => `(${now - 10}, 202401, 'mem-b2', NULL, NULL, '127.0.0.1', 0, 'wrong login or password', '${subject}')`);
  sql(srv.dbUrl, `INSERT INTO logins(at, month, login, account_id, org_id, ip, ok, reason, subject) VALUES ${rows.join(', ')}`);
  idp.subject = { sub: 'u-5', employee_number: 'EB002' };
  const { res } = await flow();
  assertError(res, 429, 'too_many_requests');
});

test('a callback without state is 400; an unknown state is 401; the provider saying no is 401', async () => {
  const none = await srv.api('GET', '/api/v1/auth/oidc/callback?code=x');
  assertError(none, 400, 'invalid');
  assert.equal(detail(none).field, 'state');
  const unknown = await srv.api('GET', '/api/v1/auth/oidc/callback?code=x&state=made-up');
  assertError(unknown, 401, 'unauthorized');
  const start = await srv.api('GET', '/api/v1/auth/oidc/start');
  const state = new URL(start.headers.get('location')).searchParams.get('state');
  const denied = await srv.api('GET', `/api/v1/auth/oidc/callback?error=access_denied&state=${state}`);
  assertError(denied, 401, 'unauthorized');
  assert.equal(detail(denied).value, 'access_denied');
});

test('password sign-in still works for the administrator', async () => {
  const admin = await signIn(srv, 'admin');
  assert.ok(admin.token);
});

test('sso off: the button goes away', () => {
  cliOk(srv, ['sso', 'off']);
  return srv.api('GET', '/api/v1/auth/sso').then((r) => assert.deepEqual(r.body, { oidc: false, wecom: false }));
});
