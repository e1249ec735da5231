// 统一身份认证登录 on a 390×844 phone: the login page shows the enterprise identity provider's
// button when the server has single sign-on configured; a click goes to the provider (the npm
// package oidc-provider on loopback, its pages completed at once for the test user) and comes
// back signed in as the member with that employee number. Run by scripts/test-web.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startApp, shot, assertFits, apiGet, BIN, PHONE_390 } from './lib.mjs';
import { startOidcProvider } from '../../../tests/api/oidc_provider.mjs';

let srv;
let ctx;
let page;
let op;
let member;

before(async () => {
  ({ srv, ctx, page } = await startApp());
  // a demo member who has an account
  const q = spawnSync('sqlite3', [srv.db, 'SELECT m.emp_no FROM members m JOIN accounts a ON a.member_id = m.id ORDER BY m.id LIMIT 1'], { encoding: 'utf8' });
  member = q.stdout.trim();
  assert.ok(member, `no demo member with an account: ${q.stderr}`);
  op = await startOidcProvider({ redirectUri: `${srv.base}/api/v1/auth/oidc/callback`, claims: { 'e2e-user': member, 'e2e-stranger': 'NOT-A-MEMBER' } });
  const set = spawnSync(BIN, ['sso', 'set', '--db', srv.db, '--issuer', op.issuer, '--client-id', op.clientId, '--client-secret-env', 'DJ_E2E_OP_SECRET', '--redirect-uri', `${srv.base}/api/v1/auth/oidc/callback`], {
    encoding: 'utf8',
    env: { ...process.env, DJ_E2E_OP_SECRET: op.clientSecret },
  });
  assert.equal(set.status, 0, set.stderr);
});

after(async () => {
  await ctx?.close();
  await srv?.stop();
  await op?.stop();
});

test('390×844: 统一身份认证登录 → the provider → back signed in as the member', async () => {
  await page.setViewportSize(PHONE_390);
  await page.goto(`${srv.base}/login`);
  const button = page.locator('[data-test=sso]');
  await button.waitFor();
  assert.equal((await button.innerText()).trim(), '统一身份认证登录');
  await assertFits(page, 'login with single sign-on');
  await shot(page, 'login-sso-390');
  await button.click();
  await page.waitForURL((u) => u.origin === srv.base && u.pathname !== '/login');
  const me = await apiGet(page, srv.base, '/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.member?.emp_no, member);
  await shot(page, 'sso-signed-in-390');
});

test('390×844: someone the provider knows but who is no member lands on the login page told why, in Chinese', async () => {
  await ctx.clearCookies(); // signed out here and at the provider
  op.user = 'e2e-stranger';
  await page.goto(`${srv.base}/login`);
  await page.locator('[data-test=sso]').click();
  await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('sso_error') === 'unknown_member');
  assert.equal((await page.locator('[data-test=login-error]').innerText()).trim(), '您的工号不在党员名册中，请联系党组织管理员');
  await assertFits(page, 'login after a refused single sign-on');
  assert.equal((await apiGet(page, srv.base, '/api/v1/me')).status, 401);
  await shot(page, 'login-sso-refused-390');
});
