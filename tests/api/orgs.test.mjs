// Organizations: tree, subtree and one organization for every role; create, update and move
// within the caller's scope; kind rules; materialized paths after a move.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, flattenTree } from './fixtures.mjs';

let srv;
let W; // {orgs, members, key, tokens}
before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
});
after(() => srv?.stop());

const as = (login) => ({ token: W.tokens[login] });
const get = (login, p) => srv.api('GET', p, as(login));
const send = (login, method, p, body) => srv.api(method, p, { ...as(login), body });
const codes = (list) => list.map((o) => o.code).sort();

async function subtree(login, code) {
  const r = await get(login, `/api/v1/orgs/${W.orgs[code]}/subtree`);
  assert.equal(r.status, 200, r.text);
  return r.body.items;
}

// ---- reading

test('admin at the root: GET /orgs/tree → the whole tree, nested, with paths /id/.../ and depths', async () => {
  const r = await get('admin', '/api/v1/orgs/tree');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.code, 'CO');
  assert.equal(r.body.parent_id, null);
  assert.equal(r.body.path, `/${W.orgs.CO}/`);
  assert.deepEqual(r.body.children.map((c) => c.code).sort(), ['UA', 'UB']);
  const all = flattenTree(r.body);
  assert.deepEqual(Object.keys(all).sort(), ['CO', 'UA', 'UA-B1', 'UA-B1-G1', 'UA-B2', 'UA-B3', 'UA-GB', 'UB', 'UB-B1', 'UB-B2']);
  const byId = Object.fromEntries(Object.values(all).map((o) => [o.id, o]));
  for (const o of Object.values(all)) {
    if (o.parent_id === null) continue;
    const parent = byId[o.parent_id];
    assert.equal(o.path, `${parent.path}${o.id}/`, `path of ${o.code}`);
    assert.equal(o.depth, parent.depth + 1, `depth of ${o.code}`);
    assert.ok(parent.children.some((c) => c.id === o.id), `${o.code} is nested under ${parent.code}`);
  }
  assert.equal(all['UA-B1'].kind, 'branch');
  assert.equal(all['UA-B1'].kind_label, '党支部');
  assert.equal(all['UA-GB'].kind, 'general_branch');
  assert.equal(all['UA-B1-G1'].kind, 'group');
  assert.equal(all['UA-B1'].members, 2);
});

test('committee staff of unit A: the tree starts at A and holds only A; B is 403 for get, subtree and tree', async () => {
  const r = await get('com-a', '/api/v1/orgs/tree');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.code, 'UA');
  assert.deepEqual(Object.keys(flattenTree(r.body)).sort(), ['UA', 'UA-B1', 'UA-B1-G1', 'UA-B2', 'UA-B3', 'UA-GB']);
  assert.equal((await get('com-a', `/api/v1/orgs/${W.orgs['UA-B2']}`)).status, 200);
  assertError(await get('com-a', `/api/v1/orgs/${W.orgs.UB}`), 403, 'forbidden');
  assertError(await get('com-a', `/api/v1/orgs/${W.orgs['UB-B1']}`), 403, 'forbidden');
  assertError(await get('com-a', `/api/v1/orgs/${W.orgs.UB}/subtree`), 403, 'forbidden');
  assertError(await get('com-a', `/api/v1/orgs/tree?org_id=${W.orgs.UB}`), 403, 'forbidden');
  assertError(await get('com-a', `/api/v1/orgs/${W.orgs.CO}/subtree`), 403, 'forbidden');
  assertError(await get('com-b', `/api/v1/orgs/${W.orgs['UA-B1']}`), 403, 'forbidden');
});

test('GET /orgs/tree?org_id= inside the scope → the tree from that organization', async () => {
  const r = await get('com-a', `/api/v1/orgs/tree?org_id=${W.orgs['UA-GB']}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.code, 'UA-GB');
  assert.deepEqual(Object.keys(flattenTree(r.body)).sort(), ['UA-B1', 'UA-B1-G1', 'UA-B2', 'UA-GB']);
});

test('GET /orgs/{id}/subtree → the organization and everything below it, ordered by path', async () => {
  const items = await subtree('com-a', 'UA-GB');
  assert.deepEqual(codes(items), ['UA-B1', 'UA-B1-G1', 'UA-B2', 'UA-GB']);
  const paths = items.map((o) => o.path);
  assert.deepEqual(paths, [...paths].sort());
  assert.equal(items[0].code, 'UA-GB');
  const all = await subtree('admin', 'CO');
  assert.equal(all.length, 10);
});

test('branch secretary: tree of the own branch; a sibling branch and the other unit → 403', async () => {
  const r = await get('sec-a1', '/api/v1/orgs/tree');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.code, 'UA-B1');
  assert.deepEqual(Object.keys(flattenTree(r.body)).sort(), ['UA-B1', 'UA-B1-G1']);
  assertError(await get('sec-a1', `/api/v1/orgs/${W.orgs['UA-B2']}`), 403, 'forbidden');
  assertError(await get('sec-a1', `/api/v1/orgs/${W.orgs['UB-B1']}/subtree`), 403, 'forbidden');
});

test('finance of unit A: reads the tree of A, not B', async () => {
  const r = await get('fin-a', '/api/v1/orgs/tree');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.code, 'UA');
  assertError(await get('fin-a', `/api/v1/orgs/${W.orgs['UB-B2']}`), 403, 'forbidden');
});

test('a member reads the own branch and its ancestors, not a sibling branch, the other unit, or below', async () => {
  for (const code of ['UA-B1', 'UA-GB', 'UA', 'CO']) {
    const r = await get('mem-a2', `/api/v1/orgs/${W.orgs[code]}`);
    assert.equal(r.status, 200, `${code}: ${r.text}`);
    assert.equal(r.body.code, code);
  }
  for (const code of ['UA-B2', 'UA-B3', 'UB', 'UB-B1', 'UB-B2']) {
    assertError(await get('mem-a2', `/api/v1/orgs/${W.orgs[code]}`), 403, 'forbidden');
  }
});

test('a member cannot list the tree or a subtree → 403', async () => {
  assertError(await get('mem-a2', '/api/v1/orgs/tree'), 403, 'forbidden');
  assertError(await get('mem-a2', `/api/v1/orgs/${W.orgs['UA-B1']}/subtree`), 403, 'forbidden');
  assertError(await get('mem-b2', `/api/v1/orgs/tree?org_id=${W.orgs['UB-B2']}`), 403, 'forbidden');
});

test('unknown organization → 404 for staff; no credentials → 401', async () => {
  assertError(await get('admin', '/api/v1/orgs/987654'), 404, 'not_found');
  assertError(await get('admin', '/api/v1/orgs/987654/subtree'), 404, 'not_found');
  assertError(await srv.api('GET', '/api/v1/orgs/tree'), 401, 'unauthorized');
  assertError(await srv.api('GET', `/api/v1/orgs/${W.orgs.CO}`), 401, 'unauthorized');
});

// ---- creating

test('committee staff create a branch in their scope → 201 with its path under the parent', async () => {
  const r = await send('com-a', 'POST', '/api/v1/orgs', { code: 'UA-B4', name: 'A四支部', kind: '党支部', parent_id: W.orgs.UA });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.code, 'UA-B4');
  assert.equal(r.body.kind, 'branch');
  assert.equal(r.body.parent_id, W.orgs.UA);
  const ua = (await get('com-a', `/api/v1/orgs/${W.orgs.UA}`)).body;
  assert.equal(r.body.path, `${ua.path}${r.body.id}/`);
  assert.equal(r.body.depth, ua.depth + 1);
  const got = await get('com-a', `/api/v1/orgs/${r.body.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.name, 'A四支部');
  assert.ok(codes(await subtree('com-a', 'UA')).includes('UA-B4'));
});

test('creating under an organization outside the scope → 403 (the other unit, or above the own committee)', async () => {
  assertError(await send('com-a', 'POST', '/api/v1/orgs', { code: 'X1', name: 'x', kind: 'branch', parent_id: W.orgs.UB }), 403, 'forbidden');
  assertError(await send('com-a', 'POST', '/api/v1/orgs', { code: 'X2', name: 'x', kind: 'committee', parent_id: W.orgs.CO }), 403, 'forbidden');
  assertError(await send('com-b', 'POST', '/api/v1/orgs', { code: 'X3', name: 'x', kind: 'group', parent_id: W.orgs['UA-B1'] }), 403, 'forbidden');
  const all = codes(await subtree('admin', 'CO'));
  for (const c of ['X1', 'X2', 'X3']) assert.ok(!all.includes(c), `${c} must not exist`);
});

test('secretary, finance and member roles cannot create, update or move organizations → 403', async () => {
  for (const login of ['sec-a1', 'fin-a', 'mem-a2']) {
    assertError(
      await send(login, 'POST', '/api/v1/orgs', { code: `G-${login}`, name: '小组', kind: 'group', parent_id: W.orgs['UA-B1'] }),
      403,
      'forbidden',
    );
    assertError(await send(login, 'PATCH', `/api/v1/orgs/${W.orgs['UA-B1']}`, { name: 'renamed' }), 403, 'forbidden');
    assertError(await send(login, 'POST', `/api/v1/orgs/${W.orgs['UA-B1-G1']}/move`, { parent_id: W.orgs['UA-B1'] }), 403, 'forbidden');
  }
  assert.equal((await get('admin', `/api/v1/orgs/${W.orgs['UA-B1']}`)).body.name, 'A一支部');
});

test('invalid kind → 400 naming the kind', async () => {
  const r = await send('com-a', 'POST', '/api/v1/orgs', { code: 'UA-D', name: '处', kind: 'division', parent_id: W.orgs.UA });
  assertError(r, 400, 'invalid');
  assert.match(r.body.error.message, /kind/);
});

test('kinds must fit the parent: branch under a group, group under a committee, general branch under a branch → 400', async () => {
  const cases = [
    { code: 'BAD-1', kind: 'branch', parent: 'UA-B1-G1' },
    { code: 'BAD-2', kind: 'group', parent: 'UA' },
    { code: 'BAD-3', kind: 'general_branch', parent: 'UA-B1' },
    { code: 'BAD-4', kind: 'general_branch', parent: 'UA-GB' },
    { code: 'BAD-5', kind: 'committee', parent: 'UA-B2' },
  ];
  for (const c of cases) {
    const r = await send('admin', 'POST', '/api/v1/orgs', { code: c.code, name: c.code, kind: c.kind, parent_id: W.orgs[c.parent] });
    assertError(r, 400, 'invalid');
    assert.match(r.body.error.message, /cannot be placed/, `${c.kind} under ${c.parent}: ${r.text}`);
  }
  const all = codes(await subtree('admin', 'CO'));
  assert.ok(!all.some((c) => c.startsWith('BAD-')), all.join(','));
});

test('allowed placements: a group under a branch, a branch under a general branch, a committee under a committee → 201', async () => {
  const ok = [
    { code: 'UA-B1-G2', kind: 'group', parent: 'UA-B1' },
    { code: 'UA-B5', kind: 'branch', parent: 'UA-GB' },
    { code: 'UA-C1', kind: 'committee', parent: 'UA' },
  ];
  for (const c of ok) {
    const r = await send('com-a', 'POST', '/api/v1/orgs', { code: c.code, name: c.code, kind: c.kind, parent_id: W.orgs[c.parent] });
    assert.equal(r.status, 201, `${c.kind} under ${c.parent}: ${r.text}`);
    W.orgs[c.code] = r.body.id;
  }
});

test('duplicate code → 409 conflict', async () => {
  const r = await send('com-a', 'POST', '/api/v1/orgs', { code: 'UA-B1', name: '又一个', kind: 'branch', parent_id: W.orgs.UA });
  assertError(r, 409, 'conflict');
  const r2 = await send('admin', 'POST', '/api/v1/orgs', { code: 'UB-B2', name: '重复', kind: 'branch', parent_id: W.orgs.UA });
  assertError(r2, 409, 'conflict');
  assert.equal((await get('admin', `/api/v1/orgs/${W.orgs['UB-B2']}`)).body.parent_id, W.orgs.UB);
});

test('missing required fields → 400 naming the field', async () => {
  const full = { code: 'UA-M', name: '缺字段', kind: 'branch', parent_id: W.orgs.UA };
  for (const field of ['code', 'name', 'kind', 'parent_id']) {
    const body = { ...full };
    delete body[field];
    const r = await send('com-a', 'POST', '/api/v1/orgs', body);
    assertError(r, 400, 'invalid');
    assert.match(r.body.error.message, new RegExp(`'${field}'`), `missing ${field}: ${r.text}`);
  }
  const wrongType = await send('com-a', 'POST', '/api/v1/orgs', { ...full, parent_id: String(W.orgs.UA) });
  assertError(wrongType, 400, 'invalid');
  assert.match(wrongType.body.error.message, /parent_id/);
  const badCode = await send('com-a', 'POST', '/api/v1/orgs', { ...full, code: 'has space' });
  assertError(badCode, 400, 'invalid');
  assert.match(badCode.body.error.message, /code/);
  const emptyName = await send('com-a', 'POST', '/api/v1/orgs', { ...full, name: '' });
  assertError(emptyName, 400, 'invalid');
  assert.match(emptyName.body.error.message, /name/);
  const noParent = await send('admin', 'POST', '/api/v1/orgs', { ...full, parent_id: 987654 });
  assertError(noParent, 400, 'invalid');
  assert.ok(!codes(await subtree('admin', 'CO')).includes('UA-M'));
});

// ---- updating

test('update the name → 200 and GET shows it', async () => {
  const id = W.orgs['UA-B2'];
  const r = await send('com-a', 'PATCH', `/api/v1/orgs/${id}`, { name: 'A二支部（机关）' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.name, 'A二支部（机关）');
  assert.equal((await get('admin', `/api/v1/orgs/${id}`)).body.name, 'A二支部（机关）');
});

test('secretary must be a member of the organization: own member → 200, a member of another branch → 400, null clears', async () => {
  const id = W.orgs['UA-B3'];
  const ok = await send('com-a', 'PATCH', `/api/v1/orgs/${id}`, { secretary_id: W.members.EA004 });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.secretary_id, W.members.EA004);
  assert.equal(ok.body.secretary_name, '刘洋');

  const other = await send('com-a', 'PATCH', `/api/v1/orgs/${id}`, { secretary_id: W.members.EA001 });
  assertError(other, 400, 'invalid');
  assert.match(other.body.error.message, /secretary/);
  const otherUnit = await send('admin', 'PATCH', `/api/v1/orgs/${id}`, { secretary_id: W.members.EB001 });
  assertError(otherUnit, 400, 'invalid');
  const missing = await send('admin', 'PATCH', `/api/v1/orgs/${id}`, { secretary_id: 987654 });
  assertError(missing, 400, 'invalid');
  assert.equal((await get('admin', `/api/v1/orgs/${id}`)).body.secretary_id, W.members.EA004);

  const cleared = await send('com-a', 'PATCH', `/api/v1/orgs/${id}`, { secretary_id: null });
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal(cleared.body.secretary_id, null);
  assertError(await send('com-a', 'PATCH', `/api/v1/orgs/${id}`, { secretary_id: 'EA004' }), 400, 'invalid');
});

test('update outside the scope → 403 and nothing changes', async () => {
  assertError(await send('com-a', 'PATCH', `/api/v1/orgs/${W.orgs['UB-B1']}`, { name: '越权' }), 403, 'forbidden');
  assertError(await send('com-a', 'PATCH', `/api/v1/orgs/${W.orgs.CO}`, { name: '越权' }), 403, 'forbidden');
  assert.equal((await get('admin', `/api/v1/orgs/${W.orgs['UB-B1']}`)).body.name, 'B一支部');
  assert.equal((await get('admin', `/api/v1/orgs/${W.orgs.CO}`)).body.name, '公司党委');
});

test('update cannot change the code or the parent (400); an unknown id → 404', async () => {
  const id = W.orgs['UA-B3'];
  assertError(await send('com-a', 'PATCH', `/api/v1/orgs/${id}`, { code: 'NEW' }), 400, 'unknown_field');
  assertError(await send('com-a', 'PATCH', `/api/v1/orgs/${id}`, { parent_id: W.orgs['UA-GB'] }), 400, 'unknown_field');
  assertError(await send('com-a', 'PATCH', `/api/v1/orgs/${id}`, { name: '' }), 400, 'invalid');
  const got = (await get('admin', `/api/v1/orgs/${id}`)).body;
  assert.equal(got.code, 'UA-B3');
  assert.equal(got.parent_id, W.orgs.UA);
  assertError(await send('admin', 'PATCH', '/api/v1/orgs/987654', { name: 'x' }), 404, 'not_found');
});

test('changing the kind so that the children no longer fit → 400', async () => {
  const r = await send('com-a', 'PATCH', `/api/v1/orgs/${W.orgs['UA-B1']}`, { kind: 'general_branch' });
  assertError(r, 400, 'invalid');
  assert.equal((await get('admin', `/api/v1/orgs/${W.orgs['UA-B1']}`)).body.kind, 'branch');
});

// ---- moving

test('moving a subtree changes the path of every descendant and nothing else', async () => {
  // a subtree of our own: general branch → branch → group
  const mk = async (code, kind, parent) => {
    const r = await send('admin', 'POST', '/api/v1/orgs', { code, name: code, kind, parent_id: parent });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const gb = await mk('MV-GB', 'general_branch', W.orgs.UA);
  const br = await mk('MV-B', 'branch', gb.id);
  const gr = await mk('MV-G', 'group', br.id);
  const br2 = await mk('MV-B2', 'branch', gb.id);

  const before = Object.fromEntries((await subtree('admin', 'CO')).map((o) => [o.id, o]));
  const moved = new Set([gb.id, br.id, gr.id, br2.id]);
  const r = await send('admin', 'POST', `/api/v1/orgs/${gb.id}/move`, { parent_id: W.orgs.UB });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.parent_id, W.orgs.UB);

  const after = Object.fromEntries((await subtree('admin', 'CO')).map((o) => [o.id, o]));
  assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
  const ub = after[W.orgs.UB];
  assert.equal(after[gb.id].path, `${ub.path}${gb.id}/`);
  assert.equal(after[br.id].path, `${ub.path}${gb.id}/${br.id}/`);
  assert.equal(after[gr.id].path, `${ub.path}${gb.id}/${br.id}/${gr.id}/`);
  assert.equal(after[br2.id].path, `${ub.path}${gb.id}/${br2.id}/`);
  for (const id of moved) {
    assert.notEqual(after[id].path, before[id].path, `path of ${after[id].code} must change`);
    assert.equal(after[id].depth, after[id].path.split('/').length - 3, `depth of ${after[id].code}`);
  }
  assert.equal(after[br.id].parent_id, gb.id, 'parents inside the subtree stay');
  for (const [id, o] of Object.entries(after)) {
    if (moved.has(Number(id))) continue;
    assert.equal(o.path, before[id].path, `path of ${o.code} must not change`);
  }
  // the scope follows the tree: unit B staff now manage it, unit A staff no longer see it
  assert.ok(codes(await subtree('com-b', 'UB')).includes('MV-G'));
  assertError(await get('com-a', `/api/v1/orgs/${gr.id}`), 403, 'forbidden');
  assert.equal((await get('com-b', `/api/v1/orgs/${gr.id}`)).status, 200);
  // and back again
  const back = await send('admin', 'POST', `/api/v1/orgs/${gb.id}/move`, { parent_id: W.orgs.UA });
  assert.equal(back.status, 200, back.text);
  const again = Object.fromEntries((await subtree('admin', 'CO')).map((o) => [o.id, o]));
  for (const [id, o] of Object.entries(again)) assert.equal(o.path, before[id].path, `path of ${o.code} after moving back`);
});

test('committee staff move within their scope → 200; to or from outside it → 403', async () => {
  const r = await send('com-a', 'POST', `/api/v1/orgs/${W.orgs['UA-B3']}/move`, { parent_id: W.orgs['UA-GB'] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.path, `/${W.orgs.CO}/${W.orgs.UA}/${W.orgs['UA-GB']}/${W.orgs['UA-B3']}/`);
  assertError(await send('com-a', 'POST', `/api/v1/orgs/${W.orgs['UA-B3']}/move`, { parent_id: W.orgs.UB }), 403, 'forbidden');
  assertError(await send('com-b', 'POST', `/api/v1/orgs/${W.orgs['UA-B3']}/move`, { parent_id: W.orgs.UB }), 403, 'forbidden');
  assert.equal((await get('admin', `/api/v1/orgs/${W.orgs['UA-B3']}`)).body.parent_id, W.orgs['UA-GB']);
  const back = await send('com-a', 'POST', `/api/v1/orgs/${W.orgs['UA-B3']}/move`, { parent_id: W.orgs.UA });
  assert.equal(back.status, 200, back.text);
});

test('moving under itself or its own descendant → 400, paths unchanged', async () => {
  const before = await subtree('admin', 'CO');
  const self = await send('admin', 'POST', `/api/v1/orgs/${W.orgs.UA}/move`, { parent_id: W.orgs.UA });
  assertError(self, 400, 'invalid');
  // a committee under a committee is a valid kind pairing: only the cycle is wrong
  const desc = await send('admin', 'POST', `/api/v1/orgs/${W.orgs.UA}/move`, { parent_id: W.orgs['UA-C1'] });
  assertError(desc, 400, 'invalid');
  assert.match(desc.body.error.message, /itself|sub-organization|descendant/);
  assert.deepEqual(await subtree('admin', 'CO'), before);
});

test('moving to a parent of the wrong kind or an unknown parent → 400', async () => {
  assertError(await send('admin', 'POST', `/api/v1/orgs/${W.orgs['UA-B2']}/move`, { parent_id: W.orgs['UA-B1-G1'] }), 400, 'invalid');
  assertError(await send('admin', 'POST', `/api/v1/orgs/${W.orgs['UA-B1-G1']}/move`, { parent_id: W.orgs.UB }), 400, 'invalid');
  assertError(await send('admin', 'POST', `/api/v1/orgs/${W.orgs['UA-B2']}/move`, { parent_id: 987654 }), 400, 'invalid');
  assertError(await send('admin', 'POST', `/api/v1/orgs/${W.orgs['UA-B2']}/move`, {}), 400, 'invalid');
  assert.equal((await get('admin', `/api/v1/orgs/${W.orgs['UA-B2']}`)).body.parent_id, W.orgs['UA-GB']);
  assert.equal((await get('admin', `/api/v1/orgs/${W.orgs['UA-B1-G1']}`)).body.parent_id, W.orgs['UA-B1']);
});
