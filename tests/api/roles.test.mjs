// The role × operation matrix of docs/openapi.json (x-roles), called for real: every
// operation that needs a session, as every role, so the document and the route table cannot
// drift. A role outside x-roles is refused by the router (403, "your role may not use ...");
// a role inside it never is. Operations that take ?org_id= are also called for the other
// unit's organization: every role bound inside unit A is refused there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib.mjs';
import { seedWorld } from './fixtures.mjs';
import { DOC, deref } from './schema.mjs';

const PRINCIPALS = { admin: 'admin', committee: 'com-a', finance: 'fin-a', secretary: 'sec-a1', member: 'mem-a2' };
const ROUTER_REFUSAL = /^your role may not use /;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

let srv;
let W;
before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
});
after(() => srv?.stop());

/** Every operation behind a session, except logging out (it would end the test's session). */
function operations() {
  const out = [];
  for (const [p, item] of Object.entries(DOC.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op || op['x-auth'] !== 'user' || p === '/api/v1/auth/logout') continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
      out.push({ method: m.toUpperCase(), path: p, roles: op['x-roles'], orgQuery: params.some((x) => x.in === 'query' && x.name === 'org_id'), json: !!deref(op.requestBody)?.content?.['application/json'], csv: !!deref(op.requestBody)?.content?.['text/csv'] });
    }
  }
  return out;
}

function call(login, op, url) {
  const opts = { token: W.tokens[login] };
  if (op.json) opts.body = {};
  else if (op.csv) {
    opts.raw = 'x\n';
    opts.contentType = 'text/csv';
  }
  return srv.api(op.method, url, opts);
}

// path parameters: an organization or member of unit A's first branch, a small id elsewhere
const inScope = (p) => p.replace('/orgs/{id}', `/orgs/${W.orgs['UA-B1']}`).replace('/members/{id}', `/members/${W.members.EA002}`).replace(/\{[^}]+\}/g, '1');

test('every role is let through by the router exactly when x-roles names it', async () => {
  const wrong = [];
  let calls = 0;
  for (const op of operations()) {
    for (const [role, login] of Object.entries(PRINCIPALS)) {
      const r = await call(login, op, inScope(op.path));
      calls++;
      const refused = r.status === 403 && ROUTER_REFUSAL.test(r.body?.error?.message ?? '');
      if (refused === op.roles.includes(role)) wrong.push(`${op.method} ${op.path} as ${role}: ${r.status} ${r.text.slice(0, 120)}`);
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(calls >= 5 * 80, `only ${calls} calls`);
});

test('operations that take ?org_id= refuse the other unit to every role bound inside unit A', async () => {
  const wrong = [];
  let checked = 0;
  for (const op of operations().filter((o) => o.orgQuery && o.method === 'GET')) {
    const url = `${inScope(op.path)}?org_id=${W.orgs.UB}`;
    for (const [role, login] of Object.entries(PRINCIPALS)) {
      if (!op.roles.includes(role)) continue;
      const r = await call(login, op, url);
      checked++;
      const ok = role === 'admin' ? r.status !== 403 : r.status === 403 || r.status === 404;
      if (!ok) wrong.push(`${op.method} ${op.path}?org_id=UB as ${role}: ${r.status} ${r.text.slice(0, 120)}`);
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(checked >= 30, `only ${checked} scoped calls`);
});
