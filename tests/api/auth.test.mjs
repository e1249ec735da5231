// Accounts and sessions: login, cookie + CSRF, bearer tokens, logout, disabled accounts,
// password changes, rate limiting of failed logins, and passwords never taken from argv.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { PASSWORD, seedWorld, signIn, tryLogin, addUser, cliOk, sql } from './fixtures.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv;
let world;
before(async () => {
  srv = await startServer();
  world = await seedWorld(srv, { sessions: false });
});
after(() => srv?.stop());

test('login with the right password → 200 with token, csrf_token, account and an HttpOnly SameSite=Strict dj_session cookie', async () => {
  const r = await tryLogin(srv, 'sec-a1', PASSWORD);
  assert.equal(r.status, 200, r.text);
  assert.ok(typeof r.body.token === 'string' && r.body.token.length >= 20, r.text);
  assert.ok(typeof r.body.csrf_token === 'string' && r.body.csrf_token.length >= 20, r.text);
  assert.notEqual(r.body.token, r.body.csrf_token);
  assert.equal(r.body.account.login, 'sec-a1');
  assert.deepEqual(
    r.body.account.roles.map((x) => [x.role, x.org_code]),
    [['secretary', 'UA-B1']],
  );
  assert.equal(r.body.account.member.emp_no, 'EA001');
  const cookies = r.headers.getSetCookie();
  const c = cookies.find((s) => s.startsWith('dj_session='));
  assert.ok(c, `no dj_session cookie in ${JSON.stringify(cookies)}`);
  assert.equal(c.split(';')[0], `dj_session=${r.body.token}`);
  const attrs = c.split(';').slice(1).map((s) => s.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), c);
  assert.ok(attrs.includes('samesite=strict'), c);
  assert.ok(attrs.includes('path=/'), c);
});

test('wrong password and unknown login → the same 401 unauthorized message', async () => {
  const wrong = await tryLogin(srv, 'com-a', 'not-the-password');
  const unknown = await tryLogin(srv, 'nobody-here', 'not-the-password');
  assertError(wrong, 401, 'unauthorized');
  assertError(unknown, 401, 'unauthorized');
  assert.equal(wrong.body.error.message, unknown.body.error.message);
  assert.ok(!wrong.headers.getSetCookie().some((c) => c.startsWith('dj_session=') && !/max-age=0/i.test(c)));
});

test('login without login or password → 400 invalid naming the field', async () => {
  const r1 = await srv.api('POST', '/api/v1/auth/login', { body: { password: PASSWORD } });
  assertError(r1, 400, 'invalid');
  assert.match(r1.body.error.message, /login/);
  const r2 = await srv.api('POST', '/api/v1/auth/login', { body: { login: 'admin' } });
  assertError(r2, 400, 'invalid');
  assert.match(r2.body.error.message, /password/);
});

test('GET /me with a bearer token → the account, its roles and member record', async () => {
  const s = await signIn(srv, 'mem-a2');
  const r = await srv.api('GET', '/api/v1/me', { token: s.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.login, 'mem-a2');
  assert.equal(r.body.member.emp_no, 'EA002');
  assert.equal(r.body.member.id, world.members.EA002);
  assert.equal(r.body.member.org_id, world.orgs['UA-B1']);
  assert.deepEqual(r.body.roles.map((x) => [x.role, x.org_id]), [['member', world.orgs['UA-B1']]]);
  assert.equal(r.body.roles[0].org_top, false);
});

test('GET /me says which roles are held at the top of the tree (the company-wide screens ask it)', async () => {
  const top = async (login) => {
    const s = await signIn(srv, login);
    return (await srv.api('GET', '/api/v1/me', { token: s.token })).body.roles.map((x) => [x.role, x.org_top]);
  };
  assert.deepEqual(await top('admin'), [['admin', true]], 'admin@CO: the root');
  assert.deepEqual(await top('fin-a'), [['finance', false]], 'finance@UA: a unit');
});

test('GET /me with the session cookie → the account and the same csrf_token as the login', async () => {
  const s = await signIn(srv, 'com-a');
  const r = await srv.api('GET', '/api/v1/me', { cookie: s.cookie });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.login, 'com-a');
  assert.equal(r.body.csrf_token, s.csrf);
  assert.equal(r.body.member, null);
  assert.deepEqual(r.body.roles.map((x) => [x.role, x.org_code]), [['committee', 'UA']]);
});

test('GET /me with a made-up token or cookie → 401 unauthorized', async () => {
  assertError(await srv.api('GET', '/api/v1/me', { token: 'x'.repeat(43) }), 401, 'unauthorized');
  assertError(await srv.api('GET', '/api/v1/me', { cookie: `dj_session=${'y'.repeat(43)}` }), 401, 'unauthorized');
});

test('a token names its tenant in front ("1.…"); the same token behind another tenant, or without it, is no session → 401', async () => {
  const r = await tryLogin(srv, 'sec-a1', PASSWORD);
  assert.equal(r.status, 200, r.text);
  const m = /^([0-9]+)\.([A-Za-z0-9_-]{43})$/.exec(r.body.token);
  assert.ok(m, `token ${r.body.token}`);
  assert.equal(m[1], sql(srv.dbUrl, "SELECT tenant_id FROM accounts WHERE login = 'sec-a1'"));
  assert.equal((await srv.api('GET', '/api/v1/me', { token: r.body.token })).status, 200);
  for (const forged of [`${Number(m[1]) + 1}.${m[2]}`, m[2], `0.${m[2]}`, `.${m[2]}`]) {
    assertError(await srv.api('GET', '/api/v1/me', { token: forged }), 401, 'unauthorized');
    // logging out with it ends nothing
    await srv.api('POST', '/api/v1/auth/logout', { token: forged });
  }
  assert.equal((await srv.api('GET', '/api/v1/me', { token: r.body.token })).status, 200);
});

test('a cookie-authenticated write without X-CSRF-Token → 403 and nothing changes; with a wrong one → 403; with the right one → 200', async () => {
  const s = await signIn(srv, 'com-a');
  const id = world.orgs['UA-B3'];
  const before = await srv.api('GET', `/api/v1/orgs/${id}`, { cookie: s.cookie });
  assert.equal(before.status, 200, before.text);

  const none = await srv.api('PATCH', `/api/v1/orgs/${id}`, { cookie: s.cookie, body: { name: 'CSRF-less' } });
  assertError(none, 403, 'forbidden');
  const wrong = await srv.api('PATCH', `/api/v1/orgs/${id}`, {
    cookie: s.cookie,
    csrf: 'z'.repeat(s.csrf.length),
    body: { name: 'CSRF-wrong' },
  });
  assertError(wrong, 403, 'forbidden');
  const still = await srv.api('GET', `/api/v1/orgs/${id}`, { cookie: s.cookie });
  assert.equal(still.body.name, before.body.name);

  const ok = await srv.api('PATCH', `/api/v1/orgs/${id}`, { cookie: s.cookie, csrf: s.csrf, body: { name: 'A三支部（改）' } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.name, 'A三支部（改）');
  const restore = await srv.api('PATCH', `/api/v1/orgs/${id}`, { token: s.token, body: { name: before.body.name } });
  assert.equal(restore.status, 200, `a bearer write needs no CSRF header: ${restore.text}`);
});

test("one session's CSRF token does not authorize another session's cookie", async () => {
  const a = await signIn(srv, 'com-a');
  const b = await signIn(srv, 'com-a');
  assert.notEqual(a.csrf, b.csrf);
  const r = await srv.api('PATCH', `/api/v1/orgs/${world.orgs['UA-B3']}`, { cookie: a.cookie, csrf: b.csrf, body: { name: 'x' } });
  assertError(r, 403, 'forbidden');
});

test('logout ends the session: the token and the cookie → 401 afterwards, other sessions live on', async () => {
  const s = await signIn(srv, 'fin-a');
  const other = await signIn(srv, 'fin-a');
  const out = await srv.api('POST', '/api/v1/auth/logout', { token: s.token });
  assert.equal(out.status, 200, out.text);
  const cleared = out.headers.getSetCookie().find((c) => c.startsWith('dj_session='));
  assert.ok(cleared && /max-age=0/i.test(cleared), `logout must clear the cookie: ${cleared}`);
  assertError(await srv.api('GET', '/api/v1/me', { token: s.token }), 401, 'unauthorized');
  assertError(await srv.api('GET', '/api/v1/me', { cookie: s.cookie }), 401, 'unauthorized');
  assert.equal((await srv.api('GET', '/api/v1/me', { token: other.token })).status, 200);
});

test('logout by cookie needs the CSRF header too, and then ends the session', async () => {
  const s = await signIn(srv, 'fin-a');
  assertError(await srv.api('POST', '/api/v1/auth/logout', { cookie: s.cookie }), 403, 'forbidden');
  assert.equal((await srv.api('GET', '/api/v1/me', { cookie: s.cookie })).status, 200);
  const out = await srv.api('POST', '/api/v1/auth/logout', { cookie: s.cookie, csrf: s.csrf });
  assert.equal(out.status, 200, out.text);
  assertError(await srv.api('GET', '/api/v1/me', { cookie: s.cookie }), 401, 'unauthorized');
});

test('logout without a session → 401', async () => {
  assertError(await srv.api('POST', '/api/v1/auth/logout'), 401, 'unauthorized');
});

// Account changes made by another process (the CLI) reach the server's session cache within
// a second (the 'sessions' data version, src/db/versions.h): poll for up to 2.5 s.
async function eventuallyError(call, status, code) {
  const until = Date.now() + 2500;
  for (;;) {
    const res = await call();
    if (res.status === status || Date.now() > until) return assertError(res, status, code);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

test('user disable: login → 403 forbidden and existing sessions → 401; user enable restores login', async () => {
  addUser(srv, 'to-disable', 'member', 'UB-B1', { member: 'EB001' });
  const s = await signIn(srv, 'to-disable');
  assert.equal((await srv.api('GET', '/api/v1/me', { token: s.token })).status, 200);

  cliOk(srv, ['user', 'disable', '--login', 'to-disable']);
  await eventuallyError(() => srv.api('GET', '/api/v1/me', { token: s.token }), 401, 'unauthorized');
  await eventuallyError(() => srv.api('GET', '/api/v1/me', { cookie: s.cookie }), 401, 'unauthorized');
  assertError(await tryLogin(srv, 'to-disable', PASSWORD), 403, 'forbidden');
  assert.match(cliOk(srv, ['user', 'list']).stdout, /to-disable\s+disabled/);

  cliOk(srv, ['user', 'enable', '--login', 'to-disable']);
  const again = await signIn(srv, 'to-disable');
  assert.equal((await srv.api('GET', '/api/v1/me', { token: again.token })).status, 200);
  assertError(await srv.api('GET', '/api/v1/me', { token: s.token }), 401, 'unauthorized');
});

test('a disabled account with a wrong password → 401, not 403 (the state is not revealed)', async () => {
  addUser(srv, 'quiet-disabled', 'member', 'UB-B2', { member: 'EB002' });
  cliOk(srv, ['user', 'disable', '--login', 'quiet-disabled']);
  assertError(await tryLogin(srv, 'quiet-disabled', 'wrong-password'), 401, 'unauthorized');
});

test('user passwd (password on stdin) ends the old sessions; the new password works and the old one does not', async () => {
  addUser(srv, 'pw-change', 'member', 'UA-B2', { member: 'EA003' });
  const s1 = await signIn(srv, 'pw-change');
  const s2 = await signIn(srv, 'pw-change');
  const r = cliOk(srv, ['user', 'passwd', '--login', 'pw-change'], { input: 'Brand-New-Secret-9\n' });
  assert.match(r.stdout, /pw-change/);
  await eventuallyError(() => srv.api('GET', '/api/v1/me', { token: s1.token }), 401, 'unauthorized');
  await eventuallyError(() => srv.api('GET', '/api/v1/me', { cookie: s2.cookie }), 401, 'unauthorized');
  assertError(await tryLogin(srv, 'pw-change', PASSWORD), 401, 'unauthorized');
  const s3 = await signIn(srv, 'pw-change', 'Brand-New-Secret-9');
  assert.equal((await srv.api('GET', '/api/v1/me', { token: s3.token })).status, 200);
});

test('user passwd with a too short password → exit non-zero, the old password still works', async () => {
  addUser(srv, 'pw-short', 'member', 'UA-B2', { member: 'EA003' });
  const r = srv.run(['user', 'passwd', '--login', 'pw-short'], { input: 'short\n' });
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /password/i);
  await signIn(srv, 'pw-short');
});

test('passwords are never accepted from argv: --password and extra arguments → exit 2, nothing created or changed', async () => {
  const add = srv.run(['user', 'add', '--login', 'argv-user', '--role', 'member', '--org', 'UA-B1', '--password', 'Secret-12345'], {
    input: `${PASSWORD}\n`,
  });
  assert.equal(add.status, 2, add.stdout + add.stderr);
  assert.match(add.stderr, /password/);
  const add2 = srv.run(['user', 'add', '--login', 'argv-user', '--role', 'member', '--org', 'UA-B1', '--password=Secret-12345'], {
    input: `${PASSWORD}\n`,
  });
  assert.equal(add2.status, 2, add2.stdout + add2.stderr);
  const add3 = srv.run(['user', 'add', 'Secret-12345', '--login', 'argv-user', '--role', 'member', '--org', 'UA-B1'], {
    input: `${PASSWORD}\n`,
  });
  assert.equal(add3.status, 2, add3.stdout + add3.stderr);
  assert.doesNotMatch(cliOk(srv, ['user', 'list']).stdout, /argv-user/);
  assertError(await tryLogin(srv, 'argv-user', 'Secret-12345'), 401, 'unauthorized');

  const pw = srv.run(['user', 'passwd', '--login', 'mem-b2', '--password', 'Other-Secret-123'], { input: 'Other-Secret-123\n' });
  assert.equal(pw.status, 2, pw.stdout + pw.stderr);
  assert.equal(pw.stderr.trim().split('\n').length, 1, `one line on stderr: ${pw.stderr}`);
  await signIn(srv, 'mem-b2'); // unchanged
});

test('user add without a password on stdin → fails, no account', async () => {
  const r = srv.run(['user', 'add', '--login', 'no-pass', '--role', 'member', '--org', 'UA-B1'], { input: '' });
  assert.notEqual(r.status, 0);
  assert.doesNotMatch(cliOk(srv, ['user', 'list']).stdout, /no-pass/);
});

test('repeated failed logins → 429 too_many_requests, even with the right password, while another login still works', async () => {
  addUser(srv, 'victim', 'member', 'UA-B1', { member: 'EA002' });
  // the first failures are answered normally
  for (let i = 0; i < 3; i++) assertError(await tryLogin(srv, 'victim', `wrong-${i}`), 401, 'unauthorized');
  // from the 3rd failure on the login is slowed down: collect 5 failures, waiting out the
  // pauses the server asks for, and check that it does ask
  let failures = 3;
  let limited = 0;
  for (let guard = 0; failures < 5 && guard < 20; guard++) {
    const r = await tryLogin(srv, 'victim', `wrong-${failures}`);
    if (r.status === 429) {
      assertError(r, 429, 'too_many_requests');
      limited++;
      const m = r.body.error.message.match(/(\d+) second/);
      assert.ok(m, `429 should say how long to wait: ${r.body.error.message}`);
      await sleep(Number(m[1]) * 1000 + 50);
    } else {
      assertError(r, 401, 'unauthorized');
      failures++;
    }
  }
  assert.equal(failures, 5);
  // after 5 failures the next try must wait 4 s: right away it is refused, right password or not
  const right = await tryLogin(srv, 'victim', PASSWORD);
  assertError(right, 429, 'too_many_requests');
  assert.equal(right.headers.getSetCookie().length, 0, 'a refused login sets no cookie');
  assertError(await tryLogin(srv, 'victim', 'wrong-again'), 429, 'too_many_requests');
  // other accounts from the same address are not affected
  const other = await signIn(srv, 'com-b');
  assert.equal((await srv.api('GET', '/api/v1/me', { token: other.token })).status, 200);
});

test('10 failed logins from other addresses do not lock the owner out (the limits are per person and address: lockout.test.mjs)', async () => {
  addUser(srv, 'locked', 'member', 'UB-B1', { member: 'EB001' });
  const person = `m:${world.members.EB001}`;
  // ten failures spread over the last 10 minutes, each from another address
  const now = Math.floor(Date.now() / 1000);
  const rows = [];
  for (let i = 0; i < 10; i++) rows.push(`(${now - 600 + i * 30}, 202401, 'locked', '10.9.9.${i}', 0, 'test', '${person}')`);
  sql(srv.dbUrl, `INSERT INTO logins(at, month, login, ip, ok, reason, subject) VALUES ${rows.join(', ')}`);
  await signIn(srv, 'locked');
});

test('failures older than 15 minutes do not count', async () => {
  addUser(srv, 'old-failures', 'member', 'UB-B1', { member: 'EB001' });
  const person = `m:${world.members.EB001}`;
  const now = Math.floor(Date.now() / 1000);
  const rows = [];
  // twelve failures of this person from this very address, all older than the window
  for (let i = 0; i < 12; i++) rows.push(`(${now - 16 * 60 - i}, 202401, 'old-failures', '127.0.0.1', 0, 'test', '${person}')`);
  sql(srv.dbUrl, `INSERT INTO logins(at, month, login, ip, ok, reason, subject) VALUES ${rows.join(', ')}`);
  await signIn(srv, 'old-failures');
});

test('every login attempt is recorded, successes and failures', async () => {
  addUser(srv, 'counted', 'member', 'UA-B1', { member: 'EA001' });
  await signIn(srv, 'counted');
  assertError(await tryLogin(srv, 'counted', 'nope-nope'), 401, 'unauthorized');
  assert.equal(sql(srv.dbUrl, "SELECT COUNT(*) FROM logins WHERE login = 'counted' AND ok = 1"), '1');
  assert.equal(sql(srv.dbUrl, "SELECT COUNT(*) FROM logins WHERE login = 'counted' AND ok = 0"), '1');
});
