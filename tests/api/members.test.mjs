// Members: paged and filtered lists within the caller's scope, masking of ID card and phone,
// reading one member by role, create and update with validation, moves between branches,
// and malformed request bodies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, MEMBER_ROWS, idCard, badIdCard } from './fixtures.mjs';

let srv;
let W;
before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
});
after(() => srv?.stop());

const as = (login) => ({ token: W.tokens[login] });
const get = (login, p) => srv.api('GET', p, as(login));
const send = (login, method, p, body) => srv.api(method, p, { ...as(login), body });
const row = (emp) => MEMBER_ROWS.find((r) => r[0] === emp);
const fullId = (emp) => row(emp)[5];
const fullPhone = (emp) => row(emp)[6];
const maskedId = (s) => `${s.slice(0, 4)}${'*'.repeat(10)}${s.slice(14)}`;
const maskedPhone = (s) => `${s.slice(0, 3)}****${s.slice(7)}`;

async function list(login, query = '') {
  const r = await get(login, `/api/v1/members${query}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}
const emps = (body) => body.items.map((m) => m.emp_no).sort();

// one person, one member: each new member's ID card differs, derived from its emp_no
const seqOf = (emp) => String(100 + ([...emp].reduce((a, c) => a * 31 + c.charCodeAt(0), 7) % 900));
function newMember(over = {}) {
  return {
    emp_no: 'NEW001',
    name: '赵敏',
    gender: '女',
    birth_date: '1992-04-05',
    joined_date: '2015-07-01',
    party_status: '正式党员',
    category: '在职',
    position: '工程师',
    phone: '13512345678',
    id_card: idCard('19920405', seqOf(over.emp_no ?? 'NEW001')),
    org_id: W.orgs['UA-B2'],
    ...over,
  };
}

// ---- lists

test('list is paged: page and page_size select the slice, total counts the whole scope', async () => {
  const p1 = await list('admin', '?page_size=4');
  assert.equal(p1.total, 6);
  assert.equal(p1.page, 1);
  assert.equal(p1.page_size, 4);
  assert.equal(p1.items.length, 4);
  const p2 = await list('admin', '?page_size=4&page=2');
  assert.equal(p2.total, 6);
  assert.equal(p2.page, 2);
  assert.equal(p2.items.length, 2);
  const p3 = await list('admin', '?page_size=4&page=3');
  assert.equal(p3.items.length, 0);
  assert.equal(p3.total, 6);
  const all = [...p1.items, ...p2.items].map((m) => m.emp_no);
  assert.equal(new Set(all).size, 6, 'pages do not overlap');
  assert.deepEqual(all.sort(), MEMBER_ROWS.map((r) => r[0]).sort());
  const def = await list('admin');
  assert.equal(def.page, 1);
  assert.equal(def.page_size, 20);
});

test('bad paging parameters → 400', async () => {
  for (const q of ['?page=0', '?page_size=0', '?page_size=201', '?page=abc', '?page_size=-1']) {
    assertError(await get('admin', `/api/v1/members${q}`), 400, 'invalid');
  }
});

test('list covers the caller’s subtree only: unit A staff see A, unit B staff see B, a secretary the own branch', async () => {
  assert.deepEqual(emps(await list('com-a')), ['EA001', 'EA002', 'EA003', 'EA004']);
  assert.deepEqual(emps(await list('fin-a')), ['EA001', 'EA002', 'EA003', 'EA004']);
  assert.deepEqual(emps(await list('com-b')), ['EB001', 'EB002']);
  assert.deepEqual(emps(await list('sec-a1')), ['EA001', 'EA002']);
  assert.equal((await list('com-a')).total, 4);
});

test('list filtered by organization subtree (org_id); another unit’s organization → 403', async () => {
  assert.deepEqual(emps(await list('com-a', `?org_id=${W.orgs['UA-GB']}`)), ['EA001', 'EA002', 'EA003']);
  assert.deepEqual(emps(await list('com-a', `?org_id=${W.orgs['UA-B3']}`)), ['EA004']);
  assertError(await get('com-a', `/api/v1/members?org_id=${W.orgs.UB}`), 403, 'forbidden');
  assertError(await get('com-a', `/api/v1/members?org_id=${W.orgs['UB-B1']}`), 403, 'forbidden');
  assertError(await get('sec-a1', `/api/v1/members?org_id=${W.orgs['UA-B2']}`), 403, 'forbidden');
  assertError(await get('sec-a1', `/api/v1/members?org_id=${W.orgs.UA}`), 403, 'forbidden');
});

test('a member cannot list members → 403', async () => {
  assertError(await get('mem-a2', '/api/v1/members'), 403, 'forbidden');
  assertError(await get('mem-a2', `/api/v1/members?org_id=${W.orgs['UA-B1']}`), 403, 'forbidden');
});

test('filter q: a substring of the name or a prefix of the employee number', async () => {
  assert.deepEqual(emps(await list('admin', `?q=${encodeURIComponent('娜')}`)), ['EA002']);
  assert.deepEqual(emps(await list('admin', `?q=${encodeURIComponent('张伟')}`)), ['EA001']);
  assert.deepEqual(emps(await list('admin', '?q=EA00')), ['EA001', 'EA002', 'EA003', 'EA004']);
  assert.deepEqual(emps(await list('admin', '?q=EB')), ['EB001', 'EB002']);
  assert.equal((await list('admin', '?q=A001')).total, 0, 'emp_no matches from its start only');
  assert.equal((await list('admin', '?q=001')).total, 0);
  assert.equal((await list('com-b', '?q=EA')).total, 0, 'q stays inside the scope');
  const q2 = await list('admin', '?q=E&page_size=1');
  assert.equal(q2.total, 6);
  assert.equal(q2.items.length, 1);
});

test('filter q treats % and _ literally, not as wildcards', async () => {
  assert.equal((await list('admin', `?q=${encodeURIComponent('%')}`)).total, 0);
  assert.equal((await list('admin', '?q=_')).total, 0);
  assert.equal((await list('admin', `?q=${encodeURIComponent('E_001')}`)).total, 0);
});

test('filter by status (English or Chinese label); unknown status → 400', async () => {
  const r = await send('com-a', 'PATCH', `/api/v1/members/${W.members.EA004}`, { status: 'transferred_out' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'transferred_out');
  assert.deepEqual(emps(await list('admin', '?status=transferred_out')), ['EA004']);
  assert.deepEqual(emps(await list('admin', `?status=${encodeURIComponent('转出')}`)), ['EA004']);
  assert.equal((await list('admin', '?status=active')).total, 5);
  assert.deepEqual(emps(await list('admin', '?status=transferred_out&q=EB')), []);
  assertError(await get('admin', '/api/v1/members?status=retired-ish'), 400, 'invalid');
  // the organization's member count is of active members
  assert.equal((await get('admin', `/api/v1/orgs/${W.orgs['UA-B3']}`)).body.members, 0);
  const back = await send('com-a', 'PATCH', `/api/v1/members/${W.members.EA004}`, { status: 'active' });
  assert.equal(back.status, 200, back.text);
  assert.equal((await get('admin', `/api/v1/orgs/${W.orgs['UA-B3']}`)).body.members, 1);
});

test('ID card and phone are masked in lists, for every role', async () => {
  for (const login of ['admin', 'com-a', 'sec-a1', 'fin-a']) {
    const body = await list(login);
    for (const m of body.items) {
      assert.equal(m.id_card, maskedId(fullId(m.emp_no)), `${login} list, ${m.emp_no}`);
      assert.equal(m.phone, maskedPhone(fullPhone(m.emp_no)), `${login} list, ${m.emp_no}`);
    }
    assert.ok(!JSON.stringify(body).includes(fullId('EA001')));
    assert.ok(!JSON.stringify(body).includes(fullPhone('EA001')));
  }
  assert.equal(maskedId(fullId('EA001')).length, 18);
  assert.match(maskedId(fullId('EA001')), /^\d{4}\*{10}\d{3}[\dX]$/);
});

// ---- one member

const personal = (login, id) => get(login, `/api/v1/members/${id}/personal`);
const reveals = async (id) => (await get('admin', `/api/v1/audit?entity=member&page_size=200`)).body.items.filter((a) => a.action === 'reveal' && a.entity_id === id);

test('GET one member: masked ID card and phone for staff; in full from /personal for the secretary, committee staff and admin in scope, each read audited', async () => {
  for (const login of ['sec-a1', 'com-a', 'admin']) {
    const r = await get(login, `/api/v1/members/${W.members.EA002}`);
    assert.equal(r.status, 200, `${login}: ${r.text}`);
    assert.equal(r.body.emp_no, 'EA002');
    assert.equal(r.body.name, '李娜');
    assert.equal(r.body.gender, 'female');
    assert.equal(r.body.birth_date, '1985-05-06');
    assert.equal(r.body.org_id, W.orgs['UA-B1']);
    assert.equal(r.body.org_code, 'UA-B1');
    assert.equal(r.body.id_card, maskedId(fullId('EA002')), login);
    assert.equal(r.body.phone, maskedPhone(fullPhone('EA002')), login);
  }
  const before = (await reveals(W.members.EA002)).length;
  for (const login of ['sec-a1', 'com-a', 'admin']) {
    const r = await personal(login, W.members.EA002);
    assert.equal(r.status, 200, `${login}: ${r.text}`);
    assert.deepEqual(r.body, { id: W.members.EA002, id_card: fullId('EA002'), phone: fullPhone('EA002') });
  }
  const rows = await reveals(W.members.EA002);
  assert.equal(rows.length, before + 3, 'one audit row per read in full');
  assert.deepEqual(rows[0].detail, { fields: ['phone', 'id_card'] });
  // the member themself: in full, not audited; finance, other members and other units: refused
  const self = await personal('mem-a2', W.members.EA002);
  assert.equal(self.status, 200, self.text);
  assert.equal(self.body.id_card, fullId('EA002'));
  assert.equal((await reveals(W.members.EA002)).length, before + 3);
  assertError(await personal('fin-a', W.members.EA002), 403, 'forbidden');
  assertError(await personal('mem-a2', W.members.EA001), 403, 'forbidden');
  assertError(await personal('com-b', W.members.EA002), 403, 'forbidden');
  assert.equal((await reveals(W.members.EA002)).length, before + 3, 'refusals reveal nothing');
});

test('GET one member as finance → masked ID card and phone', async () => {
  const r = await get('fin-a', `/api/v1/members/${W.members.EA002}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.id_card, maskedId(fullId('EA002')));
  assert.equal(r.body.phone, maskedPhone(fullPhone('EA002')));
});

test('a member reads themself in full, but not another member (403), even in the same branch', async () => {
  const self = await get('mem-a2', `/api/v1/members/${W.members.EA002}`);
  assert.equal(self.status, 200, self.text);
  assert.equal(self.body.id_card, fullId('EA002'));
  assert.equal(self.body.phone, fullPhone('EA002'));
  assertError(await get('mem-a2', `/api/v1/members/${W.members.EA001}`), 403, 'forbidden');
  assertError(await get('mem-a2', `/api/v1/members/${W.members.EB001}`), 403, 'forbidden');
  assertError(await get('mem-b2', `/api/v1/members/${W.members.EA002}`), 403, 'forbidden');
});

test('a member asking for a member id that does not exist → 403, the same as one that exists elsewhere', async () => {
  assertError(await get('mem-a2', '/api/v1/members/987654'), 403, 'forbidden');
  assertError(await get('admin', '/api/v1/members/987654'), 404, 'not_found');
});

test('other units’ members → 403 for staff: committee, secretary (sibling branch too) and finance', async () => {
  assertError(await get('com-a', `/api/v1/members/${W.members.EB001}`), 403, 'forbidden');
  assertError(await get('com-b', `/api/v1/members/${W.members.EA001}`), 403, 'forbidden');
  assertError(await get('fin-a', `/api/v1/members/${W.members.EB002}`), 403, 'forbidden');
  assertError(await get('sec-a1', `/api/v1/members/${W.members.EA003}`), 403, 'forbidden');
  assertError(await get('sec-b1', `/api/v1/members/${W.members.EB002}`), 403, 'forbidden');
});

// ---- create

test('create a member in scope → 201; Chinese labels become canonical values; GET returns it', async () => {
  const r = await send('com-a', 'POST', '/api/v1/members', newMember());
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.emp_no, 'NEW001');
  assert.equal(r.body.gender, 'female');
  assert.equal(r.body.party_status, 'full');
  assert.equal(r.body.category, 'in_service');
  assert.equal(r.body.status, 'active');
  assert.equal(r.body.org_id, W.orgs['UA-B2']);
  const got = await get('com-a', `/api/v1/members/${r.body.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.id_card, maskedId(newMember().id_card));
  assert.equal((await personal('com-a', r.body.id)).body.id_card, newMember().id_card);
  assert.equal(got.body.joined_date, '2015-07-01');
  W.members.NEW001 = r.body.id;
  const p = await send('com-a', 'POST', '/api/v1/members', newMember({ emp_no: 'NEW002', party_status: 'probationary', category: '离退休', gender: 'male', id_card: '', phone: '' }));
  assert.equal(p.status, 201, p.text);
  assert.equal(p.body.party_status, 'probationary');
  assert.equal(p.body.category, 'retired');
  assert.equal(p.body.gender, 'male');
  W.members.NEW002 = p.body.id;
});

test('create validation → 400 naming the field, nothing stored', async () => {
  const before = (await list('admin')).total;
  const cases = [
    [{ id_card: badIdCard('19920405', '128') }, 'id_card'],
    [{ id_card: '11010519920405128' }, 'id_card'],
    [{ id_card: idCard('19921332', '128') }, 'id_card'],
    [{ phone: '1351234567' }, 'phone'],
    [{ phone: '12512345678' }, 'phone'],
    [{ phone: '1351234567a' }, 'phone'],
    [{ birth_date: '2999-01-01' }, 'birth_date'],
    [{ birth_date: '2023-02-30' }, 'birth_date'],
    [{ birth_date: '05/04/1992' }, 'birth_date'],
    [{ joined_date: '2999-12-31' }, 'joined_date'],
    [{ gender: 'X' }, 'gender'],
    [{ party_status: 'candidate' }, 'party_status'],
    [{ category: 'alien' }, 'category'],
    [{ status: 'gone' }, 'status'],
    [{ emp_no: 'has space' }, 'emp_no'],
    [{ emp_no: '' }, 'emp_no'],
    [{ name: '' }, 'name'],
    [{ name: 123 }, 'name'],
    [{ nickname: 'x' }, 'nickname'],
  ];
  for (const [over, field] of cases) {
    const r = await send('com-a', 'POST', '/api/v1/members', newMember({ emp_no: 'BAD001', ...over }));
    assertError(r, 400, field === 'nickname' ? 'unknown_field' : 'invalid');
    assert.match(r.body.error.message, new RegExp(field), `${JSON.stringify(over)}: ${r.text}`);
  }
  for (const field of ['emp_no', 'name', 'org_id']) {
    const body = newMember({ emp_no: 'BAD002' });
    delete body[field];
    const r = await send('com-a', 'POST', '/api/v1/members', body);
    assertError(r, 400, 'invalid');
    assert.match(r.body.error.message, new RegExp(field === 'org_id' ? 'org' : field), `missing ${field}: ${r.text}`);
  }
  assert.equal((await list('admin')).total, before);
  assert.equal((await list('admin', '?q=BAD')).total, 0);
});

test('create in an organization that is not a branch → 400 (members belong to a branch)', async () => {
  for (const code of ['UA-GB', 'UA', 'UA-B1-G1']) {
    const r = await send('com-a', 'POST', '/api/v1/members', newMember({ emp_no: 'NB001', org_id: W.orgs[code] }));
    assertError(r, 400, 'invalid');
    assert.match(r.body.error.message, /org/, `${code}: ${r.text}`);
  }
  assertError(await send('admin', 'POST', '/api/v1/members', newMember({ emp_no: 'NB002', org_id: 987654 })), 400, 'invalid');
  assert.equal((await list('admin', '?q=NB')).total, 0);
});

test('duplicate emp_no → 409 conflict', async () => {
  const r = await send('com-a', 'POST', '/api/v1/members', newMember({ emp_no: 'EA001' }));
  assertError(r, 409, 'conflict');
  const r2 = await send('admin', 'POST', '/api/v1/members', newMember({ emp_no: 'EB002', org_id: W.orgs['UA-B3'] }));
  assertError(r2, 409, 'conflict');
  assert.equal((await get('admin', `/api/v1/members/${W.members.EB002}`)).body.org_id, W.orgs['UB-B2']);
});

test('create is scoped: a secretary in the own branch → 201, elsewhere → 403; finance and members → 403', async () => {
  const ok = await send('sec-a1', 'POST', '/api/v1/members', newMember({ emp_no: 'SEC001', org_id: W.orgs['UA-B1'] }));
  assert.equal(ok.status, 201, ok.text);
  assertError(await send('sec-a1', 'POST', '/api/v1/members', newMember({ emp_no: 'SEC002', org_id: W.orgs['UA-B2'] })), 403, 'forbidden');
  assertError(await send('com-a', 'POST', '/api/v1/members', newMember({ emp_no: 'SEC003', org_id: W.orgs['UB-B1'] })), 403, 'forbidden');
  assertError(await send('fin-a', 'POST', '/api/v1/members', newMember({ emp_no: 'SEC004', org_id: W.orgs['UA-B1'] })), 403, 'forbidden');
  assertError(await send('mem-a2', 'POST', '/api/v1/members', newMember({ emp_no: 'SEC005', org_id: W.orgs['UA-B1'] })), 403, 'forbidden');
  assert.deepEqual(emps(await list('admin', '?q=SEC')), ['SEC001']);
});

// ---- update

test('update fields → 200 and GET shows them; invalid values → 400 and nothing changes', async () => {
  const id = W.members.NEW001;
  const r = await send('com-a', 'PATCH', `/api/v1/members/${id}`, { phone: '13698765432', position: '高级工程师', category: 'retired' });
  assert.equal(r.status, 200, r.text);
  let got = (await get('com-a', `/api/v1/members/${id}`)).body;
  assert.equal((await personal('com-a', id)).body.phone, '13698765432');
  assert.equal(got.position, '高级工程师');
  assert.equal(got.category, 'retired');
  assert.equal(got.name, '赵敏', 'absent fields stay');

  assertError(await send('com-a', 'PATCH', `/api/v1/members/${id}`, { id_card: badIdCard('19920405', '128') }), 400, 'invalid');
  assertError(await send('com-a', 'PATCH', `/api/v1/members/${id}`, { phone: '123' }), 400, 'invalid');
  assertError(await send('com-a', 'PATCH', `/api/v1/members/${id}`, { birth_date: '2999-01-01' }), 400, 'invalid');
  assertError(await send('com-a', 'PATCH', `/api/v1/members/${id}`, { name: '新名', gender: '?' }), 400, 'invalid');
  got = (await get('com-a', `/api/v1/members/${id}`)).body;
  assert.equal((await personal('com-a', id)).body.phone, '13698765432');
  assert.equal(got.name, '赵敏', 'a rejected update changes nothing, not even its valid fields');
  assertError(await send('com-a', 'PATCH', `/api/v1/members/${id}`, { emp_no: 'EA001' }), 409, 'conflict');
  assert.equal((await get('com-a', `/api/v1/members/${id}`)).body.emp_no, 'NEW001');
  assertError(await send('admin', 'PATCH', '/api/v1/members/987654', { name: 'x' }), 404, 'not_found');
});

test('moving a member to another branch in scope → 200, GET shows the new organization and lists follow', async () => {
  const id = W.members.NEW001;
  const r = await send('com-a', 'PATCH', `/api/v1/members/${id}`, { org_id: W.orgs['UA-B3'] });
  assert.equal(r.status, 200, r.text);
  const got = (await get('com-a', `/api/v1/members/${id}`)).body;
  assert.equal(got.org_id, W.orgs['UA-B3']);
  assert.equal(got.org_code, 'UA-B3');
  assert.ok(emps(await list('com-a', `?org_id=${W.orgs['UA-B3']}`)).includes('NEW001'));
  assert.ok(!emps(await list('com-a', `?org_id=${W.orgs['UA-B2']}`)).includes('NEW001'));
  assertError(await send('com-a', 'PATCH', `/api/v1/members/${id}`, { org_id: W.orgs['UA-GB'] }), 400, 'invalid');
  assertError(await send('com-a', 'PATCH', `/api/v1/members/${id}`, { org_id: W.orgs['UA-B1-G1'] }), 400, 'invalid');
  assert.equal((await get('com-a', `/api/v1/members/${id}`)).body.org_id, W.orgs['UA-B3']);
});

test('a secretary who moves out of the branch stops being its secretary', async () => {
  const id = W.members.NEW002; // in UA-B2
  const s = await send('com-a', 'PATCH', `/api/v1/orgs/${W.orgs['UA-B2']}`, { secretary_id: id });
  assert.equal(s.status, 200, s.text);
  const r = await send('com-a', 'PATCH', `/api/v1/members/${id}`, { org_id: W.orgs['UA-B3'] });
  assert.equal(r.status, 200, r.text);
  assert.equal((await get('com-a', `/api/v1/orgs/${W.orgs['UA-B2']}`)).body.secretary_id, null);
});

test('a secretary of branch A cannot move a member into unit B’s branch (403), nor touch members outside the branch', async () => {
  assertError(await send('sec-a1', 'PATCH', `/api/v1/members/${W.members.EA002}`, { org_id: W.orgs['UB-B1'] }), 403, 'forbidden');
  assertError(await send('sec-a1', 'PATCH', `/api/v1/members/${W.members.EA002}`, { org_id: W.orgs['UA-B2'] }), 403, 'forbidden');
  assertError(await send('sec-a1', 'PATCH', `/api/v1/members/${W.members.EA003}`, { position: 'x' }), 403, 'forbidden');
  assertError(await send('sec-a1', 'PATCH', `/api/v1/members/${W.members.EB001}`, { position: 'x' }), 403, 'forbidden');
  const got = (await get('admin', `/api/v1/members/${W.members.EA002}`)).body;
  assert.equal(got.org_id, W.orgs['UA-B1']);
  const ok = await send('sec-a1', 'PATCH', `/api/v1/members/${W.members.EA002}`, { position: '宣传委员' });
  assert.equal(ok.status, 200, ok.text);
});

test('other units’ members cannot be updated or pulled in: 403 either way', async () => {
  assertError(await send('com-a', 'PATCH', `/api/v1/members/${W.members.EB001}`, { name: '越权' }), 403, 'forbidden');
  assertError(await send('com-a', 'PATCH', `/api/v1/members/${W.members.EB001}`, { org_id: W.orgs['UA-B1'] }), 403, 'forbidden');
  assertError(await send('com-b', 'PATCH', `/api/v1/members/${W.members.EA001}`, { org_id: W.orgs['UB-B1'] }), 403, 'forbidden');
  assertError(await send('fin-a', 'PATCH', `/api/v1/members/${W.members.EA001}`, { position: 'x' }), 403, 'forbidden');
  assertError(await send('mem-a2', 'PATCH', `/api/v1/members/${W.members.EA002}`, { phone: '13911112222' }), 403, 'forbidden');
  assert.equal((await get('admin', `/api/v1/members/${W.members.EB001}`)).body.name, '陈静');
  assert.equal((await get('admin', `/api/v1/members/${W.members.EA001}`)).body.org_id, W.orgs['UA-B1']);
});

test('admin moves a member between units → 200; the new unit’s staff see the member, the old unit’s do not', async () => {
  const r = await send('admin', 'PATCH', `/api/v1/members/${W.members.EA003}`, { org_id: W.orgs['UB-B2'] });
  assert.equal(r.status, 200, r.text);
  assert.equal((await get('com-b', `/api/v1/members/${W.members.EA003}`)).status, 200);
  assertError(await get('com-a', `/api/v1/members/${W.members.EA003}`), 403, 'forbidden');
  const back = await send('admin', 'PATCH', `/api/v1/members/${W.members.EA003}`, { org_id: W.orgs['UA-B2'] });
  assert.equal(back.status, 200, back.text);
});

// ---- malformed bodies

async function stillServing() {
  assert.equal(srv.exited, false, 'the server must keep running');
  const h = await srv.api('GET', '/api/v1/health');
  assert.equal(h.status, 200);
}

test('invalid JSON → 400 invalid envelope, server keeps running', async () => {
  const r = await srv.api('POST', '/api/v1/members', { ...as('admin'), raw: '{"emp_no": "X1", "name": ', contentType: 'application/json' });
  assertError(r, 400, 'invalid');
  const dup = await srv.api('POST', '/api/v1/members', { ...as('admin'), raw: '{"name":"a","name":"b"}', contentType: 'application/json' });
  assertError(dup, 400, 'invalid');
  const arr = await send('admin', 'POST', '/api/v1/members', [newMember({ emp_no: 'ARR1' })]);
  assertError(arr, 400, 'invalid');
  const empty = await srv.api('POST', '/api/v1/members', { ...as('admin'), raw: '', contentType: 'application/json' });
  assertError(empty, 400, 'invalid');
  await stillServing();
});

test('wrong content type → 415 unsupported_media_type', async () => {
  const body = JSON.stringify(newMember({ emp_no: 'CT001' }));
  assertError(await srv.api('POST', '/api/v1/members', { ...as('admin'), raw: body, contentType: 'text/plain' }), 415, 'unsupported_media_type');
  assertError(await srv.api('PATCH', `/api/v1/members/${W.members.EA001}`, { ...as('admin'), raw: '{}', contentType: 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
  assertError(await srv.api('POST', '/api/v1/members', { ...as('admin'), raw: body, contentType: 'application/jsonx' }), 415, 'unsupported_media_type');
  const ok = await srv.api('POST', '/api/v1/members', { ...as('admin'), raw: body, contentType: 'application/json; charset=utf-8' });
  assert.equal(ok.status, 201, ok.text);
  await stillServing();
});

test('invalid UTF-8 bytes in the body → 400 invalid', async () => {
  const raw = Buffer.concat([Buffer.from('{"emp_no":"U8001","name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(`","org_id":${W.orgs['UA-B1']}}`)]);
  const r = await srv.api('POST', '/api/v1/members', { ...as('admin'), raw, contentType: 'application/json' });
  assertError(r, 400, 'invalid');
  assert.match(r.body.error.message, /UTF-8/i);
  const overlong = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
  assertError(await srv.api('PATCH', `/api/v1/members/${W.members.EA001}`, { ...as('admin'), raw: overlong, contentType: 'application/json' }), 400, 'invalid');
  assert.equal((await list('admin', '?q=U8')).total, 0);
  await stillServing();
});

test('a body over 16 MiB → 413 too_large, server keeps running', async () => {
  const big = Buffer.alloc(16 * 1024 * 1024 + 1024, 0x20);
  big.write('{"emp_no":"BIG1","name":"');
  big.write('"}', big.length - 2);
  const r = await srv.api('POST', '/api/v1/members', { ...as('admin'), raw: big, contentType: 'application/json' });
  assertError(r, 413, 'too_large');
  await stillServing();
  const me = await get('admin', '/api/v1/me');
  assert.equal(me.status, 200);
});

test('a chunked body (no Content-Length) growing over 16 MiB → 413 too_large, server keeps running', async () => {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let sent = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(new Uint8Array(Buffer.from('{"emp_no":"BIG2","name":"')));
      if (sent >= 17) {
        controller.enqueue(new Uint8Array(Buffer.from('"}')));
        controller.close();
        return;
      }
      sent++;
      controller.enqueue(new Uint8Array(chunk));
    },
  });
  const res = await fetch(`${srv.url}/api/v1/members`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${W.tokens.admin}` },
    body: stream,
    duplex: 'half',
  });
  const text = await res.text();
  assertError({ status: res.status, body: JSON.parse(text), text }, 413, 'too_large');
  await stillServing();
});
