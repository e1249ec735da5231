// Sign-in limits (src/org/lockout.c): failures count against the person — whatever alias was
// typed — at the address they came from. A stranger who knows a login slows down and locks
// out only their own address; the owner elsewhere signs in; an address failing across many
// accounts is locked as a whole; every lock is audited; an administrator unlocks.
// The server trusts 127.0.0.1 as its proxy, so X-Forwarded-For plays the client's address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { PASSWORD, seedWorld, addUser, signIn, sql } from './fixtures.mjs';

let srv;
let W;
const ATTACKER = '203.0.113.5';
const OWNER = '198.51.100.20';
before(async () => {
  srv = await startServer({ serveArgs: ['--trusted-proxy', '127.0.0.1'] });
  W = await seedWorld(srv, { sessions: false });
  // the secretary's employee number is a second login of the same member
  addUser(srv, 'EA001', 'member', 'UA-B1', { member: 'EA001' });
});
after(() => srv?.stop());

const from = (ip, login, password) =>
  srv.api('POST', '/api/v1/auth/login', { body: { login, password }, headers: { 'X-Forwarded-For': ip } });
const now = () => Math.floor(Date.now() / 1000);
/** n failures of subject from ip, the last `ago` seconds ago (as if typed earlier). */
function failed(subject, ip, n, ago, login = 'x') {
  const rows = Array.from({ length: n }, () => `(${now() - ago}, 202401, '${login}', NULL, NULL, '${ip}', 0, 'wrong login or password', '${subject}')`);
  sql(srv.dbUrl, `INSERT INTO logins(at, month, login, account_id, org_id, ip, ok, reason, subject) VALUES ${rows.join(', ')}`);
}
const clear = () => sql(srv.dbUrl, 'DELETE FROM logins WHERE ok = 0');
const audits = (action) => sql(srv.dbUrl, `SELECT detail FROM audit WHERE entity = 'login' AND action = '${action}' ORDER BY id`).split('\n').filter(Boolean).map((l) => JSON.parse(l));

test('ten failures lock the person at that address only: the other alias is locked there too, the owner elsewhere signs in', async () => {
  clear();
  const person = `m:${W.members.EA001}`;
  failed(person, ATTACKER, 9, 100, 'sec-a1');
  // the tenth, through the API: refused as a wrong password, and the lock is audited
  assertError(await from(ATTACKER, 'sec-a1', 'guess'), 401, 'unauthorized');
  const locks = audits('lock');
  assert.deepEqual(locks.at(-1), { subject: person, ip: ATTACKER, scope: 'person at address', minutes: 15 });
  // from there, neither alias gets in, not even with the right password
  const alias = await from(ATTACKER, 'EA001', PASSWORD);
  assertError(alias, 429, 'too_many_requests');
  assert.match(alias.body.error.message, /from this address: try again in 1[45] minutes/);
  assertError(await from(ATTACKER, 'sec-a1', PASSWORD), 429, 'too_many_requests');
  // the owner, elsewhere, is not kept out by a stranger
  assert.equal((await from(OWNER, 'sec-a1', PASSWORD)).status, 200);
  assert.equal((await from(OWNER, 'EA001', PASSWORD)).status, 200);
  // and the stranger's address is not locked for other people (10 of 50)
  assertError(await from(ATTACKER, 'sec-b1', 'guess'), 401, 'unauthorized');
});

test('from the third failure a person waits between tries at that address, nowhere else', async () => {
  clear();
  const person = `m:${W.members.EA002}`;
  failed(person, ATTACKER, 4, 0, 'mem-a2');
  const r = await from(ATTACKER, 'mem-a2', PASSWORD);
  assertError(r, 429, 'too_many_requests');
  assert.match(r.body.error.message, /wait \d seconds/);
  assert.equal((await from(OWNER, 'mem-a2', PASSWORD)).status, 200);
});

test('fifty failures from one address across accounts lock the address for everyone, audited', async () => {
  clear();
  for (let i = 0; i < 49; i++) failed(`l:nobody${i}`, ATTACKER, 1, 100, `nobody${i}`);
  assertError(await from(ATTACKER, 'nobody-else', 'guess'), 401, 'unauthorized');
  assert.deepEqual(audits('lock').at(-1), { subject: 'l:nobody-else', ip: ATTACKER, scope: 'address', minutes: 15 });
  assertError(await from(ATTACKER, 'sec-b1', PASSWORD), 429, 'too_many_requests');
  assert.equal((await from(OWNER, 'sec-b1', PASSWORD)).status, 200);
});

test('an administrator unlocks a person by any of their logins; others may not; every unlock is audited', async () => {
  clear();
  const person = `m:${W.members.EA001}`;
  failed(person, ATTACKER, 10, 100, 'sec-a1');
  assertError(await from(ATTACKER, 'sec-a1', PASSWORD), 429, 'too_many_requests');
  const admin = await signIn(srv, 'admin');
  const com = await signIn(srv, 'com-a');
  const unlock = (who, body) => srv.api('POST', '/api/v1/accounts/unlock', { token: who.token, body });
  assertError(await unlock(com, { login: 'EA001' }), 403, 'forbidden');
  assertError(await unlock(admin, { login: 'no-such-login' }), 404, 'not_found');
  assertError(await unlock(admin, {}), 400, 'invalid');
  const ok = await unlock(admin, { login: 'EA001' });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.body, { login: 'EA001', unlocked: true });
  assert.equal((await from(ATTACKER, 'sec-a1', PASSWORD)).status, 200, 'the other alias is unlocked too');
  assert.deepEqual(audits('unlock').at(-1), { login: 'EA001', subject: person });
  // the command line does the same (failures after the unlock count again)
  await new Promise((r) => setTimeout(r, 1100));
  failed(person, ATTACKER, 10, 0, 'sec-a1');
  assertError(await from(ATTACKER, 'sec-a1', PASSWORD), 429, 'too_many_requests');
  const cli = srv.cli('user', 'unlock', '--login', 'sec-a1');
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal((await from(ATTACKER, 'sec-a1', PASSWORD)).status, 200);
  assert.notEqual(srv.cli('user', 'unlock', '--login', 'nobody').status, 0);
});
