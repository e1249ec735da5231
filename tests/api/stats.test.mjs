// Sign-in statistics (登录统计): GET /api/v1/stats/logins counts the successful sign-ins of a
// subtree's accounts for a month, day by day, against the month before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, signIn, tryLogin, sql, localDate, localMidnight } from './fixtures.mjs';

let srv;
let world;
const { month, day: today } = localDate();
const prevMonth = month % 100 === 1 ? month - 89 : month - 1;
// the month before: four sign-ins in its first minutes, two on its 28th late at night, and a
// failed one; like with like, this month is compared with the month before up to the same
// point, so the late two count only from the 28th on
const early = localMidnight(prevMonth, 1) + 60;
const late = localMidnight(prevMonth, 28) + 23 * 3600;
const prevSameSpan = () => {
  const sinceStart = Date.now() / 1000 - localMidnight(month, 1);
  const until = Math.min(localMidnight(prevMonth, 1) + sinceStart, localMidnight(month, 1));
  return (early < until ? 4 : 0) + (late < until ? 2 : 0);
};

function stats(login, query = '') {
  return srv.api('GET', `/api/v1/stats/logins${query}`, { token: world.tokens[login] });
}

before(async () => {
  srv = await startServer();
  world = await seedWorld(srv); // every account signs in once
  await signIn(srv, 'mem-a2');
  await signIn(srv, 'mem-a2');
  const bad = await tryLogin(srv, 'mem-a2', 'not-the-password');
  assert.equal(bad.status, 401, bad.text);
  for (const [at, ok] of [[early, 1], [early, 1], [early, 1], [early, 1], [early, 0], [late, 1], [late, 1]]) {
    sql(srv.dbUrl, `INSERT INTO logins(at, month, login, account_id, org_id, ok, reason)
                 VALUES(${at}, ${prevMonth}, 'mem-a2', NULL, ${world.orgs['UA-B1']}, ${ok}, '')`);
  }
});
after(() => srv?.stop());

test('a committee sees its subtree: sign-ins, distinct users, the month before and the change', async () => {
  const r = await stats('com-a', `?org_id=${world.orgs.UA}&month=${month}`);
  assert.equal(r.status, 200, r.text);
  // com-a, fin-a, sec-a1, mem-a3 once each; mem-a2 three times (the failed try does not count)
  assert.equal(r.body.org_id, world.orgs.UA);
  assert.equal(r.body.month, month);
  assert.equal(r.body.logins, 7);
  assert.equal(r.body.users, 5);
  // this month is not over: compared with the month before up to the same day and hour
  assert.equal(r.body.complete, false);
  assert.equal(r.body.as_of, `${String(month).slice(0, 4)}-${String(month).slice(4)}-${String(today).padStart(2, '0')}`);
  const prev = prevSameSpan();
  assert.equal(r.body.previous, prev);
  if (prev) assert.ok(Math.abs(r.body.change - (7 / prev - 1)) < 1e-9, `change ${r.body.change}`);
  else assert.equal(r.body.change, null);
  assert.ok(r.body.previous_until.startsWith(`${String(prevMonth).slice(0, 4)}-${String(prevMonth).slice(4)}-`), r.body.previous_until);
  // one entry per (local) day up to today, summing to the month's figure
  assert.equal(r.body.daily.length, today);
  assert.equal(r.body.daily[0].day, `${String(month).slice(0, 4)}-${String(month).slice(4)}-01`);
  assert.equal(r.body.daily.reduce((s, d) => s + d.logins, 0), 7);
  assert.equal(r.body.daily[today - 1].logins, 7, 'all of them today');
});

test("the whole company for the administrator; the default organization is the caller's own", async () => {
  const all = await stats('admin', `?org_id=${world.orgs.CO}`);
  assert.equal(all.status, 200, all.text);
  assert.equal(all.body.month, month, 'the default month is this one');
  assert.equal(all.body.logins, 11);
  assert.equal(all.body.users, 9);
  const sec = await stats('sec-a1');
  assert.equal(sec.status, 200, sec.text);
  assert.equal(sec.body.org_id, world.orgs['UA-B1']);
  assert.equal(sec.body.logins, 4, 'sec-a1 once and mem-a2 three times');
  const b = await stats('com-b', `?month=${month}`);
  assert.equal(b.body.logins, 3, 'com-b, sec-b1, mem-b2');
  assert.equal(b.body.previous, 0);
  assert.equal(b.body.change, null, 'no change against a month without sign-ins');
});

test('a month that is over is complete and compared with the whole month before', async () => {
  const r = await stats('com-a', `?org_id=${world.orgs.UA}&month=${prevMonth}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.complete, true);
  assert.equal(r.body.logins, 6, 'four early and two late, the failed one not');
  assert.equal(r.body.daily.length, r.body.daily.at(-1).day.slice(8) * 1);
  assert.equal(r.body.daily[0].logins, 4, 'the first minutes of the 1st, local time');
  assert.equal(r.body.daily[27].logins, 2, '23:00 on the 28th is still the 28th in Beijing');
  assert.equal(r.body.as_of, r.body.daily.at(-1).day);
});

test('a past month has every day; bad months, other subtrees and members are refused', async () => {
  const old = await stats('admin', '?month=2024-02');
  assert.equal(old.status, 200, old.text);
  assert.equal(old.body.daily.length, 29, 'February 2024 is a leap month');
  assert.equal(old.body.logins, 0);
  assertError(await stats('admin', '?month=2024-13'), 400, 'invalid');
  assertError(await stats('admin', '?month=abc'), 400, 'invalid');
  const next = month % 100 === 12 ? month + 89 : month + 1;
  assertError(await stats('admin', `?month=${next}`), 400, 'invalid');
  assertError(await stats('admin', '?org_id=x'), 400, 'invalid');
  assertError(await stats('com-a', `?org_id=${world.orgs.UB}`), 403, 'forbidden');
  assertError(await stats('sec-a1', `?org_id=${world.orgs.UA}`), 403, 'forbidden');
  assertError(await stats('mem-a2'), 403, 'forbidden');
  assertError(await stats('admin', '?org_id=999999'), 404, 'not_found');
  const anon = await srv.api('GET', '/api/v1/stats/logins');
  assertError(anon, 401, 'unauthorized');
});
