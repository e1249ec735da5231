// docs/openapi.json: served as embedded, in step with the route table in src/http/router.c
// (paths, methods, path parameters, authentication, roles, body kinds), internally
// consistent (operation ids, responses, $refs), and true to the server's real replies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, login, assertError } from './lib.mjs';
import { seedWorld, idCard, localDate, PASSWORD } from './fixtures.mjs';
import { DOC, DOC_BYTES, check, conforms, deref, docOp, resolvePointer } from './schema.mjs';

const HERE = import.meta.dirname ?? new URL('.', import.meta.url).pathname;
const ROOT = path.resolve(HERE, '../..');

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// ---- the route table, read from the C sources

/** Role names by enum constant (src/org/scope.c) and the composite masks (src/org/scope.h). */
function roleMasks() {
  const scopeC = readFileSync(path.join(ROOT, 'src/org/scope.c'), 'utf8');
  const scopeH = readFileSync(path.join(ROOT, 'src/org/scope.h'), 'utf8');
  const names = {};
  for (const m of scopeC.matchAll(/\{\s*(ROLE_[A-Z_]+)\s*,\s*"([a-z_]+)"\s*,/g)) names[m[1]] = [m[2]];
  assert.ok(Object.keys(names).length >= 5, 'could not read the role names from src/org/scope.c');
  const masks = { ...names };
  for (const m of scopeH.matchAll(/^#define\s+(ROLE_[A-Z_]+)\s+\(([^)]*)\)/gm)) {
    masks[m[1]] = m[2].split('|').flatMap((t) => {
      const r = names[t.trim()];
      assert.ok(r, `unknown role ${t.trim()} in #define ${m[1]}`);
      return r;
    });
  }
  return masks;
}

/** [{method, path, auth, roles: [names], body}] from the routes[] table of src/http/router.c. */
function routeTable() {
  const src = readFileSync(path.join(ROOT, 'src/http/router.c'), 'utf8');
  const start = src.indexOf('routes[] = {');
  assert.ok(start >= 0, 'no routes[] table in src/http/router.c');
  const block = src.slice(start, src.indexOf('};', start));
  const masks = roleMasks();
  const re = /\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*\w+\s*,\s*(AUTH_[A-Z]+)\s*,\s*([^,]+?)\s*,\s*(BODY_[A-Z]+)\s*(?:,\s*(?:0|RT_[A-Z_]+(?:\s*\|\s*RT_[A-Z_]+)*)\s*)?\}/g;
  const routes = [...block.matchAll(re)].map((m) => {
    const roles = m[4] === '0' ? [] : [...new Set(m[4].split('|').flatMap((t) => {
      const r = masks[t.trim()];
      assert.ok(r, `unknown role mask ${t.trim()} in route ${m[1]} ${m[2]}`);
      return r;
    }))];
    return { method: m[1], path: m[2], auth: m[3], roles, body: m[5] };
  });
  // every entry must have been understood: a route the regex missed would escape the checks
  const entries = (block.match(/\{\s*"[A-Z]+"\s*,/g) ?? []).length;
  assert.equal(routes.length, entries, 'some entries of routes[] in src/http/router.c were not parsed');
  assert.ok(routes.length >= 10, `only ${routes.length} routes parsed from src/http/router.c`);
  return routes;
}

const ROUTES = routeTable();

// ---- document helpers

function operations() {
  const out = [];
  for (const [p, item] of Object.entries(DOC.paths ?? {})) {
    for (const m of Object.keys(item)) {
      if (HTTP_METHODS.includes(m)) out.push({ method: m.toUpperCase(), path: p, op: item[m], item });
    }
  }
  return out;
}

// ---- (1) served as embedded

let srv;
let W;
before(async () => {
  srv = await startServer();
  W = await seedWorld(srv, { sessions: false });
});
after(() => srv?.stop());

test('GET /api/openapi.json serves docs/openapi.json byte for byte, without credentials', async () => {
  const r = await srv.api('GET', '/api/openapi.json');
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.match(r.headers.get('content-type') ?? '', /^application\/json\b/);
  assert.ok(r.bytes.equals(DOC_BYTES), 'the served document differs from docs/openapi.json: rebuild with make');
});

test('the document is OpenAPI 3.0.3 with the required top level, security schemes and schemas', () => {
  assert.equal(DOC.openapi, '3.0.3');
  assert.equal(DOC.info?.title, 'dangjian API');
  assert.equal(typeof DOC.info?.version, 'string');
  for (const w of ['党员画像', '量化计划管理', '党费收缴']) {
    assert.ok(DOC.info?.description?.includes(w), `info.description does not name ${w}`);
  }
  assert.deepEqual(DOC.servers, [{ url: '/' }]);
  const s = DOC.components?.securitySchemes ?? {};
  assert.deepEqual(
    { type: s.cookieAuth?.type, in: s.cookieAuth?.in, name: s.cookieAuth?.name },
    { type: 'apiKey', in: 'cookie', name: 'dj_session' },
  );
  assert.deepEqual({ type: s.bearerAuth?.type, scheme: s.bearerAuth?.scheme }, { type: 'http', scheme: 'bearer' });
  assert.deepEqual(
    { type: s.csrfHeader?.type, in: s.csrfHeader?.in, name: s.csrfHeader?.name },
    { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
  );
  assert.deepEqual(
    { type: s.sourceKey?.type, in: s.sourceKey?.in, name: s.sourceKey?.name },
    { type: 'apiKey', in: 'header', name: 'X-API-Key' },
  );
  for (const name of ['Error', 'Org', 'OrgTree', 'Member', 'MemberPage', 'Account', 'Me', 'LoginRequest', 'LoginReply', 'Event', 'EventBatchReply', 'Indicator']) {
    assert.ok(DOC.components?.schemas?.[name], `components.schemas.${name} is missing`);
  }
  const e = deref(DOC.components.schemas.Error);
  assert.deepEqual(e.required, ['error']);
  assert.deepEqual(Object.keys(deref(e.properties.error).properties).sort(), ['code', 'details', 'message']);
  // 2-space indentation, as JSON.stringify(doc, null, 2) writes it
  assert.equal(DOC_BYTES.toString('utf8').trimEnd(), JSON.stringify(DOC, null, 2), 'docs/openapi.json is not formatted as JSON.stringify(doc, null, 2) writes it (2-space indentation)');
});

// ---- (2) in step with the route table

test('every route of src/http/router.c is documented with its method and path parameters', () => {
  for (const rt of ROUTES) {
    const item = DOC.paths?.[rt.path];
    assert.ok(item, `path ${rt.path} (router.c) is missing from docs/openapi.json`);
    const op = item[rt.method.toLowerCase()];
    assert.ok(op, `${rt.method} ${rt.path} (router.c) is missing from docs/openapi.json`);
    const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
    const inPath = params.filter((p) => p.in === 'path');
    const names = [...rt.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const n of names) {
      const p = inPath.find((x) => x.name === n);
      assert.ok(p, `${rt.method} ${rt.path}: no path parameter "${n}"`);
      assert.equal(p.required, true, `${rt.method} ${rt.path}: path parameter "${n}" must be required`);
      assert.ok(p.schema, `${rt.method} ${rt.path}: path parameter "${n}" has no schema`);
    }
    assert.deepEqual(inPath.map((p) => p.name).sort(), [...names].sort(), `${rt.method} ${rt.path}: path parameters differ from the placeholders`);
  }
});

test('the document lists no operation that the router lacks', () => {
  const known = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
  for (const { method, path: p } of operations()) {
    assert.ok(known.has(`${method} ${p}`), `${method} ${p} is documented but not in src/http/router.c`);
  }
});

test('security, x-auth, x-roles, request bodies and the router-level errors match the route table', () => {
  const security = {
    AUTH_PUBLIC: [],
    AUTH_USER: null, // depends on the method
    AUTH_SOURCE: [{ sourceKey: [] }],
  };
  for (const rt of ROUTES) {
    const op = docOp(rt.method, rt.path);
    const where = `${rt.method} ${rt.path}`;
    const write = rt.method !== 'GET' && rt.method !== 'HEAD';
    const want =
      rt.auth === 'AUTH_USER'
        ? [write ? { cookieAuth: [], csrfHeader: [] } : { cookieAuth: [] }, { bearerAuth: [] }]
        : security[rt.auth];
    assert.ok(want, `${where}: unknown auth kind ${rt.auth}`);
    assert.deepEqual(op.security ?? DOC.security, want, `${where}: security`);
    assert.equal(op['x-auth'], { AUTH_PUBLIC: 'public', AUTH_USER: 'user', AUTH_SOURCE: 'source' }[rt.auth], `${where}: x-auth`);
    assert.ok(Array.isArray(op['x-roles']), `${where}: x-roles must be an array`);
    assert.deepEqual([...op['x-roles']].sort(), [...rt.roles].sort(), `${where}: x-roles`);

    const types = Object.keys(deref(op.requestBody)?.content ?? {}).sort();
    const wantTypes = { BODY_NONE: [], BODY_JSON: ['application/json'], BODY_EVENTS: ['application/json', 'application/x-ndjson'], BODY_CSV: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'text/csv'] }[rt.body];
    // BODY_RAW (a provider's signed notification): the bytes are the handler's, whatever the type
    if (rt.body === 'BODY_RAW') assert.ok(types.length > 0, `${where}: request body types`);
    else assert.deepEqual(types, wantTypes, `${where}: request body types`);
    if (rt.body !== 'BODY_NONE') assert.equal(deref(op.requestBody).required, true, `${where}: requestBody.required`);

    const codes = Object.keys(op.responses ?? {});
    const need = ['405'];
    if (rt.auth !== 'AUTH_PUBLIC') need.push('401');
    if (rt.auth === 'AUTH_USER') need.push('403');
    if (rt.body !== 'BODY_NONE') need.push('400', '413');
    if (rt.body !== 'BODY_NONE' && rt.body !== 'BODY_RAW') need.push('415');
    if (rt.path.includes('{')) need.push('404');
    for (const c of need) assert.ok(codes.includes(c), `${where}: response ${c} is not documented`);
    // a browser sign-in step succeeds with a redirect (302)
    assert.ok(codes.some((c) => /^[23]\d\d$/.test(c)), `${where}: no success response`);
  }
});

// ---- (3) internally consistent

test('every operation has an operationId (unique) and responses with descriptions', () => {
  const ids = new Set();
  for (const { method, path: p, op } of operations()) {
    const where = `${method} ${p}`;
    assert.equal(typeof op.operationId, 'string', `${where}: no operationId`);
    assert.ok(op.operationId.length > 0, `${where}: empty operationId`);
    assert.ok(!ids.has(op.operationId), `${where}: operationId ${op.operationId} is used twice`);
    ids.add(op.operationId);
    assert.ok(op.responses && Object.keys(op.responses).length > 0, `${where}: no responses`);
    for (const [code, r] of Object.entries(op.responses)) {
      assert.match(code, /^([1-5]\d\d|[1-5]XX|default)$/, `${where}: response key ${code}`);
      assert.equal(typeof deref(r).description, 'string', `${where} ${code}: no description`);
      for (const [type, media] of Object.entries(deref(r).content ?? {})) {
        if (Number(code) >= 400 && type === 'application/json') {
          const errors = [];
          check(media.schema, { error: { code: 'invalid', message: 'x' } }, 'envelope', errors);
          assert.deepEqual(errors, [], `${where} ${code}: its schema does not take the error envelope`);
        }
      }
    }
  }
});

test('every $ref resolves', () => {
  const bad = [];
  let n = 0;
  const walk = (node, where) => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${where}/${i}`));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref') {
          n++;
          if (resolvePointer(v) === undefined) bad.push(`${where}: ${v}`);
        } else walk(v, `${where}/${k}`);
      }
    }
  };
  walk(DOC, '#');
  assert.deepEqual(bad, [], 'unresolved $refs');
  assert.ok(n > 0, 'no $ref at all');
});

// ---- true to the real replies

test('real replies match the documented responses', async () => {
  const admin = await login(srv, 'admin', PASSWORD);
  const fin = await login(srv, 'fin-a', PASSWORD);
  const tok = { token: admin.token };
  const call = async (method, p, docPath, opts = {}) => {
    const r = await srv.api(method, p, { ...tok, ...opts });
    conforms(method, docPath, r);
    return r;
  };

  conforms('GET', '/api/v1/health', await srv.api('GET', '/api/v1/health'));
  conforms('POST', '/api/v1/auth/login', await srv.api('POST', '/api/v1/auth/login', { body: { login: 'admin', password: PASSWORD } }));
  conforms('POST', '/api/v1/auth/login', await srv.api('POST', '/api/v1/auth/login', { body: { login: 'nobody', password: 'x' } }));
  conforms('POST', '/api/v1/auth/login', await srv.api('POST', '/api/v1/auth/login', { raw: 'x', contentType: 'text/plain' }));
  conforms('GET', '/api/v1/me', await srv.api('GET', '/api/v1/me', { token: admin.token }));
  conforms('GET', '/api/v1/me', await srv.api('GET', '/api/v1/me'));
  conforms('GET', '/api/v1/indicators', await srv.api('GET', '/api/v1/indicators', tok));

  // organizations
  await call('GET', '/api/v1/orgs/tree', '/api/v1/orgs/tree');
  await call('GET', `/api/v1/orgs/tree?org_id=${W.orgs.UA}`, '/api/v1/orgs/tree');
  await call('GET', `/api/v1/orgs/${W.orgs['UA-B1']}`, '/api/v1/orgs/{id}');
  await call('GET', '/api/v1/orgs/999999', '/api/v1/orgs/{id}');
  await call('GET', `/api/v1/orgs/${W.orgs.UA}/subtree`, '/api/v1/orgs/{id}/subtree');
  const created = await call('POST', '/api/v1/orgs', '/api/v1/orgs', { body: { code: 'OA-NEW', name: '新支部', kind: '党支部', parent_id: W.orgs.UA } });
  assert.equal(created.status, 201, created.text);
  await call('POST', '/api/v1/orgs', '/api/v1/orgs', { body: { code: 'OA-NEW', name: '新支部', kind: '党支部', parent_id: W.orgs.UA } });
  await call('POST', '/api/v1/orgs', '/api/v1/orgs', { body: { code: 'OA-BAD', name: '坏', kind: 'nonsense', parent_id: W.orgs.UA } });
  const id = created.body.id;
  assert.equal((await call('PATCH', `/api/v1/orgs/${id}`, '/api/v1/orgs/{id}', { body: { name: '新支部（改）' } })).status, 200);
  assert.equal((await call('POST', `/api/v1/orgs/${id}/move`, '/api/v1/orgs/{id}/move', { body: { parent_id: W.orgs.UB } })).status, 200);
  await call('PATCH', `/api/v1/orgs/${id}`, '/api/v1/orgs/{id}', { token: fin.token, body: { name: 'x' } });
  // a cookie write without the CSRF header
  await call('PATCH', `/api/v1/orgs/${id}`, '/api/v1/orgs/{id}', { token: undefined, cookie: admin.cookie, body: { name: 'x' } });

  // members
  const page = await call('GET', '/api/v1/members?page_size=2', '/api/v1/members');
  assert.equal(page.status, 200, page.text);
  await call('GET', '/api/v1/members?page_size=201', '/api/v1/members');
  await call('GET', `/api/v1/members/${W.members.EA001}`, '/api/v1/members/{id}');
  await call('GET', `/api/v1/members/${W.members.EA001}`, '/api/v1/members/{id}', { token: fin.token });
  await call('GET', '/api/v1/members/999999', '/api/v1/members/{id}');
  const m = await call('POST', '/api/v1/members', '/api/v1/members', {
    body: { emp_no: 'OA001', name: '赵敏', gender: '女', birth_date: '1992-04-05', id_card: idCard('19920405', '071'), phone: '13812345678', org_id: W.orgs['UA-B1'] },
  });
  assert.equal(m.status, 201, m.text);
  await call('POST', '/api/v1/members', '/api/v1/members', { body: { emp_no: 'OA001', name: '赵敏', org_id: W.orgs['UA-B1'] } });
  await call('POST', '/api/v1/members', '/api/v1/members', { body: { emp_no: 'OA002', name: '赵敏', org_id: W.orgs['UA-B1'], shoe_size: 42 } });
  assert.equal((await call('PATCH', `/api/v1/members/${m.body.id}`, '/api/v1/members/{id}', { body: { position: '工程师', birth_date: '' } })).status, 200);

  // events
  const key = { 'X-API-Key': W.key };
  const ok = await call('POST', '/api/v1/events', '/api/v1/events', {
    token: undefined,
    headers: key,
    body: [
      { key: 'oa-1', emp_no: 'EA001', indicator: 'study.hours', date: '2024-03-15', value: 2, detail: { course: '党史' } },
      { key: 'oa-2', org_code: 'UA-B1', indicator: 'org.congress', date: '2024-03-15' },
    ],
  });
  assert.equal(ok.status, 200, ok.text);
  const nd = await call('POST', '/api/v1/events', '/api/v1/events', {
    token: undefined,
    headers: key,
    raw: '{"key":"oa-1","emp_no":"EA001","indicator":"study.hours","date":"2024-03-15","value":2}\n',
    contentType: 'application/x-ndjson',
  });
  assert.deepEqual(nd.body, { accepted: 0, duplicate: 1, rejected: 0 });
  const rej = await call('POST', '/api/v1/events', '/api/v1/events', {
    token: undefined,
    headers: key,
    body: [{ key: 'oa-3', emp_no: 'NOPE', indicator: 'study.hours', date: '2024-03-15' }, 7],
  });
  assert.equal(rej.status, 400, rej.text);
  await call('POST', '/api/v1/events', '/api/v1/events', { token: undefined, headers: key, body: [] });
  await call('POST', '/api/v1/events', '/api/v1/events', { token: undefined, headers: key, raw: 'x', contentType: 'text/plain' });
  await call('POST', '/api/v1/events', '/api/v1/events', { token: undefined, body: [] });

  // router-level errors
  const wrongMethod = await srv.api('GET', '/api/v1/events', { headers: key });
  assertError(wrongMethod, 405, 'method_not_allowed');
  conforms('POST', '/api/v1/events', wrongMethod);
  assertError(await srv.api('GET', '/api/v1/no-such-endpoint'), 404, 'not_found');

  conforms('POST', '/api/v1/auth/logout', await srv.api('POST', '/api/v1/auth/logout', { token: admin.token }));
  conforms('POST', '/api/v1/auth/logout', await srv.api('POST', '/api/v1/auth/logout', { token: admin.token }));
});

test('dues replies match the documented responses', async () => {
  const { createHmac } = await import('node:crypto');
  const fin = await login(srv, 'fin-a', PASSWORD);
  const mem = await login(srv, 'mem-a2', PASSWORD);
  const sec = await login(srv, 'sec-a1', PASSWORD);
  const cur = localDate().month;
  const call = async (who, method, p, docPath, opts = {}) => {
    const r = await srv.api(method, p, { token: who.token, ...opts });
    conforms(method, docPath, r);
    return r;
  };
  const key = 'openapi-test-callback-key-0123456789';
  assert.equal(srv.run(['dues', 'setting', 'callback_key', key]).status, 0);

  await call(mem, 'GET', '/api/v1/dues/rules', '/api/v1/dues/rules');
  const base = await call(fin, 'POST', '/api/v1/dues/bases', '/api/v1/dues/bases', { body: { member_id: W.members.EA002, year: Math.floor(cur / 100), monthly_fen: 650000 } });
  assert.equal(base.status, 200, base.text);
  await call(fin, 'POST', '/api/v1/dues/bases', '/api/v1/dues/bases', { body: { member_id: W.members.EA002, year: 2024, monthly_fen: -1 } });
  await call(sec, 'GET', '/api/v1/dues/bases', '/api/v1/dues/bases');
  await call(fin, 'GET', `/api/v1/dues/bases?org_id=${W.orgs.UA}&missing=1`, '/api/v1/dues/bases');
  assert.equal((await call(fin, 'POST', '/api/v1/dues/generate', '/api/v1/dues/generate', { body: { month: cur, org_id: W.orgs.UA } })).status, 200);
  await call(fin, 'POST', '/api/v1/dues/confirm', '/api/v1/dues/confirm', { body: { month: cur } });
  assert.equal((await call(sec, 'POST', '/api/v1/dues/publish', '/api/v1/dues/publish', { body: { month: cur } })).status, 200);
  await call(fin, 'POST', '/api/v1/dues/publish', '/api/v1/dues/publish', { body: { month: cur, org_id: W.orgs.UA } });
  await call(sec, 'GET', `/api/v1/dues/bills?month=${cur}`, '/api/v1/dues/bills');
  await call(fin, 'GET', `/api/v1/dues/bills?org_id=${W.orgs.UA}&month=${cur}&status=unpaid`, '/api/v1/dues/bills');
  const q = await call(mem, 'GET', `/api/v1/dues/quote?months=${cur}`, '/api/v1/dues/quote');
  assert.equal(q.body.total_fen, 9750);
  await call(mem, 'POST', '/api/v1/dues/payments', '/api/v1/dues/payments', { body: { months: [cur], amount_fen: 1, channel: 'wechat' } });
  const pay = await call(mem, 'POST', '/api/v1/dues/payments', '/api/v1/dues/payments', { body: { months: [cur], amount_fen: 9750, channel: 'wechat' } });
  assert.equal(pay.status, 201, pay.text);
  await call(mem, 'GET', `/api/v1/dues/payments/${pay.body.id}`, '/api/v1/dues/payments/{id}');
  const raw = JSON.stringify({ provider_ref: 'oa-1', payment_id: pay.body.id, amount_fen: 9750, result: 'success' });
  const sig = createHmac('sha256', key).update(raw).digest('hex');
  for (const s of [sig, sig, '00'.repeat(32)]) {
    await call({}, 'POST', '/api/v1/dues/payments/callback', '/api/v1/dues/payments/callback', { raw, contentType: 'application/json', headers: { 'X-Dues-Signature': s } });
  }
  await call(fin, 'POST', '/api/v1/dues/collections', '/api/v1/dues/collections', { body: { items: [{ emp_no: 'EA002', months: [cur], amount_fen: 9750, channel: 'cash' }] } });
  assert.equal((await call(fin, 'POST', '/api/v1/dues/confirm', '/api/v1/dues/confirm', { body: { month: cur, org_id: W.orgs.UA } })).status, 200);
  await call(mem, 'GET', `/api/v1/dues/members/${W.members.EA002}`, '/api/v1/dues/members/{id}');
  await call(sec, 'GET', `/api/v1/dues/members/${W.members.EA002}`, '/api/v1/dues/members/{id}');
  await call(fin, 'GET', `/api/v1/dues/reports/collection?org_id=${W.orgs.UA}&month=${cur}`, '/api/v1/dues/reports/collection');
  await call(fin, 'GET', `/api/v1/dues/reports/collection?month=${cur}&format=xlsx`, '/api/v1/dues/reports/collection');
  await call(fin, 'GET', `/api/v1/dues/arrears?month=${cur}`, '/api/v1/dues/arrears');
  await call(fin, 'GET', '/api/v1/dues/ledger/trial-balance?subtree=1', '/api/v1/dues/ledger/trial-balance');
  await call(fin, 'GET', '/api/v1/dues/ledger/statement?subtree=1', '/api/v1/dues/ledger/statement');
  await call(fin, 'GET', '/api/v1/dues/ledger/entries', '/api/v1/dues/ledger/entries');
  await call(fin, 'GET', `/api/v1/dues/ledger/entries?org_id=${W.orgs.UB}`, '/api/v1/dues/ledger/entries');
  await call(fin, 'POST', '/api/v1/dues/remittances', '/api/v1/dues/remittances', { body: { org_id: W.orgs['UA-B1'], request_key: 'oa-r1' } });
  await call(fin, 'POST', '/api/v1/dues/expenses', '/api/v1/dues/expenses', { body: { org_id: W.orgs['UA-B1'], kind: 'other', amount_fen: 999999 } });
  const approval = { approved_by: '张伟', approver_role: '支部书记', approved_on: '2024-01-05', approval_ref: '支委会决议〔2024〕1号' };
  await call(fin, 'POST', '/api/v1/dues/expenses', '/api/v1/dues/expenses', { body: { org_id: W.orgs['UA-B1'], kind: 'other', amount_fen: 999999, ...approval } });
  const spent = await call(fin, 'POST', '/api/v1/dues/expenses', '/api/v1/dues/expenses', { body: { org_id: W.orgs['UA-GB'], kind: 'activities', amount_fen: 100, request_key: 'oa-x1', ...approval } });
  assert.equal(spent.status, 201, spent.text);
  await call(fin, 'POST', '/api/v1/dues/expenses', '/api/v1/dues/expenses', { body: { org_id: W.orgs['UA-GB'], kind: 'activities', amount_fen: 100, request_key: 'oa-x1', ...approval } });
  await call(fin, 'GET', `/api/v1/dues/expenses?org_id=${W.orgs['UA-GB']}`, '/api/v1/dues/expenses');
  await call(fin, 'GET', '/api/v1/dues/expenses?from=202405&to=202401', '/api/v1/dues/expenses');
  await call(sec, 'GET', '/api/v1/dues/expenses', '/api/v1/dues/expenses');
  await call(fin, 'GET', `/api/v1/dues/remittances?org_id=${W.orgs['UA-B1']}`, '/api/v1/dues/remittances');
  await call(fin, 'GET', `/api/v1/dues/remittances?org_id=${W.orgs['UA-GB']}`, '/api/v1/dues/remittances');
  await call(fin, 'GET', `/api/v1/dues/remittances?org_id=${W.orgs.CO}`, '/api/v1/dues/remittances');
  await call(fin, 'GET', '/api/v1/dues/remittances?year=1999', '/api/v1/dues/remittances');
  const basesCsv = `工号,年度,月收入（元）,核定人\nEA003,${Math.floor(cur / 100)},4000,人资部\n`;
  await call(fin, 'POST', '/api/v1/import/bases?dry_run=true', '/api/v1/import/bases', { raw: basesCsv, contentType: 'text/csv' });
  await call(fin, 'POST', '/api/v1/import/bases', '/api/v1/import/bases', { raw: `${basesCsv}NOPE,2024,1,\n`, contentType: 'text/csv' });
  await call(sec, 'POST', '/api/v1/import/bases', '/api/v1/import/bases', { raw: basesCsv, contentType: 'text/csv' });
  await call(fin, 'PUT', `/api/v1/dues/orgs/${W.orgs['UA-B1']}/share`, '/api/v1/dues/orgs/{id}/share', { body: { remit_share_bp: 6000 } });
  await call(fin, 'POST', '/api/v1/dues/terms', '/api/v1/dues/terms', { body: { member_id: W.members.EA003, kind: 'exempt', from_month: cur, approved_by: '单位A党委', approved_on: '2024-01-05' } });
  await call(fin, 'POST', `/api/v1/dues/payments/${pay.body.id}/reverse`, '/api/v1/dues/payments/{id}/reverse', { body: { reason: '测试' } });
  await call(sec, 'GET', '/api/v1/dues/todos?all=1', '/api/v1/dues/todos');
  await call(sec, 'POST', '/api/v1/dues/todos/999999/done', '/api/v1/dues/todos/{id}/done');
});

// ---- (4) the standard validator, and request bodies held to the document

test('docs/openapi.json passes the OpenAPI 3.0 schema validator', async () => {
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  const v = new Validator();
  const res = await v.validate(structuredClone(DOC));
  assert.equal(v.version, '3.0');
  assert.equal(res.valid, true, `docs/openapi.json is not valid OpenAPI 3.0:\n${JSON.stringify(res.errors, null, 1)?.slice(0, 3000)}`);
});

test('every JSON request schema lists what it takes and refuses anything else', () => {
  const open = [];
  const walk = (s, where, seen) => {
    s = deref(s);
    if (!s || typeof s !== 'object' || seen.has(s)) return;
    seen.add(s);
    if (s.properties && s.additionalProperties !== false) open.push(where);
    for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${where}.${k}`, seen);
    if (s.items) walk(s.items, `${where}[]`, seen);
  };
  // a payment provider's notification (BODY_RAW) is the provider's format, verified as bytes
  const raw = new Set(ROUTES.filter((r) => r.body === 'BODY_RAW').map((r) => `${r.method} ${r.path}`));
  for (const { method, path: p, op } of operations()) {
    const s = deref(op.requestBody)?.content?.['application/json']?.schema;
    if (s && !p.endsWith('/events') && !raw.has(`${method} ${p}`)) walk(s, `${method} ${p}`, new Set());
  }
  assert.deepEqual(open, [], 'request schemas without additionalProperties: false');
});

test('every write endpoint refuses a misspelt or unknown field with 400 unknown_field, before anything else happens', async () => {
  const who = { admin: 'admin', committee: 'com-a', finance: 'fin-a', secretary: 'sec-a1', member: 'mem-a2' };
  const sessions = {};
  let checked = 0;
  for (const rt of ROUTES.filter((r) => r.body === 'BODY_JSON')) {
    const schema = deref(deref(docOp(rt.method, rt.path).requestBody).content['application/json'].schema);
    const names = Object.keys(schema.properties ?? {});
    assert.ok(names.length > 0, `${rt.method} ${rt.path}: the request schema names no field`);
    const role = rt.roles[0];
    const opts = {};
    if (rt.auth === 'AUTH_USER') opts.token = (sessions[role] ??= (await login(srv, who[role], PASSWORD)).token);
    const url = rt.path.replace(/\{[^}]+\}/g, '1');
    // a typo one letter off the longest documented name: the reply names the real one
    const name = names.reduce((a, b) => (b.length > a.length ? b : a));
    const typo = name.slice(0, -1);
    const r = await srv.api(rt.method, url, { ...opts, body: { [typo]: 1 } });
    assertError(r, 400, 'unknown_field');
    assert.deepEqual(r.body.error.details, [{ code: 'unknown_field', field: typo, suggestion: name, message: r.body.error.message }], `${rt.method} ${rt.path}: ${r.text}`);
    assert.match(r.body.error.message, new RegExp(`unknown field '${typo}' \\(did you mean '${name}'\\?\\)`));
    // a name like no documented one: no suggestion
    const r2 = await srv.api(rt.method, url, { ...opts, body: { zz_no_such_field_zz: true } });
    assertError(r2, 400, 'unknown_field');
    assert.deepEqual(r2.body.error.details, [{ code: 'unknown_field', field: 'zz_no_such_field_zz', message: r2.body.error.message }], `${rt.method} ${rt.path}: ${r2.text}`);
    checked++;
  }
  assert.ok(checked >= 30, `only ${checked} JSON write endpoints found`);
});

test('unknown fields inside arrays and objects are named by their path; nothing is written', async () => {
  const fin = await login(srv, 'fin-a', PASSWORD);
  const before = await srv.api('GET', `/api/v1/dues/ledger/entries?org_id=${W.orgs['UA-B1']}`, { token: fin.token });
  const r = await srv.api('POST', '/api/v1/dues/remittances', { token: fin.token, body: { org_id: W.orgs['UA-B1'], amout_fen: 100 } });
  assertError(r, 400, 'unknown_field');
  assert.deepEqual(r.body.error.details, [{ code: 'unknown_field', field: 'amout_fen', suggestion: 'amount_fen', message: r.body.error.message }]);
  const c = await srv.api('POST', '/api/v1/dues/collections', {
    token: fin.token,
    body: { items: [{ emp_no: 'EA002', months: [202401], amount_fen: 100, channel: 'cash' }, { emp_no: 'EA003', months: [202401], amount_fen: 100, chanel: 'cash' }] },
  });
  assertError(c, 400, 'unknown_field');
  assert.deepEqual(c.body.error.details, [{ code: 'unknown_field', field: 'items[1].chanel', suggestion: 'channel', message: c.body.error.message }]);
  const after = await srv.api('GET', `/api/v1/dues/ledger/entries?org_id=${W.orgs['UA-B1']}`, { token: fin.token });
  assert.deepEqual(after.body, before.body, 'a refused body changed the ledger');
  // a body of the wrong JSON type is named as such
  const arr = await srv.api('POST', '/api/v1/dues/remittances', { token: fin.token, body: [1] });
  assertError(arr, 400, 'invalid');
  assert.match(arr.body.error.message, /the body must be a JSON object/);
});
