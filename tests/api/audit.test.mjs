// The audit log read over HTTP (GET /api/v1/audit): administrators and committee staff see
// who changed what within their subtree, newest first, filtered by actor, entity, action and
// day; nobody else reads it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, localDate } from './fixtures.mjs';

let srv;
let W;
before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
  // two changes through the API: one in unit A by its committee, one in unit B by the admin
  const a = await srv.api('PATCH', `/api/v1/members/${W.members.EA002}`, { token: W.tokens['com-a'], body: { position: '工程师' } });
  assert.equal(a.status, 200, a.text);
  const b = await srv.api('PATCH', `/api/v1/members/${W.members.EB002}`, { token: W.tokens.admin, body: { position: '技术员' } });
  assert.equal(b.status, 200, b.text);
});
after(() => srv?.stop());

const audit = (login, query = '') => srv.api('GET', `/api/v1/audit${query}`, { token: W.tokens[login] });

test('committee staff read their subtree only, newest first, with the actor, organization and what changed', async () => {
  const r = await audit('com-a', '?entity=member&action=update');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.total, 1, r.text);
  const row = r.body.items[0];
  assert.equal(row.entity_id, W.members.EA002);
  assert.deepEqual(row.actor, { id: row.actor.id, login: 'com-a', name: '' });
  assert.equal(row.org.code, 'UA-B1');
  assert.ok(row.detail && typeof row.detail === 'object', r.text);
  // the whole subtree, newest first; unit B's change is not there
  const all = await audit('com-a', '?page_size=200');
  assert.ok(all.body.items.every((x) => x.org === null || ['UA', 'UA-GB', 'UA-B1', 'UA-B1-G1', 'UA-B2', 'UA-B3'].includes(x.org.code)), all.text);
  assert.ok(!all.body.items.some((x) => x.entity_id === W.members.EB002 && x.entity === 'member'));
  assert.ok(all.body.items.every((x) => x.org !== null), 'rows of no organization are for the root administrators');
  const ids = all.body.items.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((x, y) => y - x), 'newest first');
  assertError(await audit('com-a', `?org_id=${W.orgs.UB}`), 403, 'forbidden');
});

test('the administrator reads the whole company, filtered by actor and day', async () => {
  const mine = await audit('admin', '?actor=admin&entity=member&action=update');
  assert.equal(mine.status, 200, mine.text);
  assert.deepEqual(mine.body.items.map((x) => x.entity_id), [W.members.EB002]);
  const { month, day } = localDate();
  const today = `${String(month).slice(0, 4)}-${String(month).slice(4)}-${String(day).padStart(2, '0')}`;
  const todays = await audit('admin', `?from=${today}&to=${today}&entity=member&action=update`);
  assert.equal(todays.body.total, 2, todays.text);
  const none = await audit('admin', '?from=2020-01-01&to=2020-01-31');
  assert.equal(none.body.total, 0);
  const page = await audit('admin', '?page_size=1&page=2');
  assert.equal(page.body.items.length, 1);
  assert.equal(page.body.page, 2);
});

test('bad parameters and other roles are refused', async () => {
  assertError(await audit('admin', '?from=2024-13-01'), 400, 'invalid');
  assertError(await audit('admin', '?from=2024-02-01&to=2024-01-01'), 400, 'invalid');
  assertError(await audit('admin', '?actor=nobody'), 404, 'not_found');
  assertError(await audit('admin', '?entity_id=x'), 400, 'invalid');
  for (const login of ['fin-a', 'sec-a1', 'mem-a2']) assertError(await audit(login), 403, 'forbidden');
  assertError(await srv.api('GET', '/api/v1/audit'), 401, 'unauthorized');
});
