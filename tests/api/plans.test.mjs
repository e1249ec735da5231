// Quantified plans (量化计划) over HTTP: plans and tasks with their checks, reported figures,
// progress and rates computed by hand, the daily check, to-dos and the inbox, the whole
// rectification loop with the right and the wrong roles, escalation, lagging organizations
// notified in one action, bulletins as JSON, HTML and .xlsx (unzipped and read), the CLI, and
// a webhook to a local receiver: signature checked, one failed delivery retried.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { readSheet, unzipPart } from './xlsx_read.mjs';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, writeTmp, cliOk } from './fixtures.mjs';

let srv;
let W;
before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
});
after(() => srv?.stop());

const tok = (login) => ({ token: W.tokens[login] });
const api = (login, method, path, body) => srv.api(method, path, { ...tok(login), body });
const near = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} is not ${b}`);
// bulletins round rates to 4 decimals
const near4 = (a, b, what) => near(a, Math.round(b * 1e4) / 1e4, what);

/** The CLI without blocking this process (the webhook receiver lives in it). */
function cliAsync(...args) {
  const bin = process.env.DJ_BIN || new URL('../../dangjian', import.meta.url).pathname;
  return new Promise((resolve) => {
    execFile(bin, [args[0], args[1], '--db', srv.dbUrl, ...args.slice(2)], { timeout: 60_000 }, (err, stdout, stderr) => {
      assert.ok(!err, `dangjian ${args.join(' ')}: ${err?.message}\n${stdout}${stderr}`);
      resolve(stdout);
    });
  });
}

async function events(rows) {
  const r = await srv.api('POST', '/api/v1/events', { headers: { 'X-API-Key': W.key }, body: rows });
  assert.equal(r.status, 200, r.text);
}

let plan; // the plan of UA for 2024
const task = {}; // code → id

test('a committee admin creates a plan with tasks inside their subtree; bad input changes nothing', async () => {
  const tasks = [
    { code: 'cm', name: '支部委员会会议', metric: 'count', indicator: 'org.committee_meeting', target: 1, freq: 'month' },
    { code: 'congress', name: '支部党员大会', metric: 'count', indicator: 'org.congress', target: 1, freq: 'quarter', weight: 2 },
    { code: 'study', name: '学习情况', metric: 'reported', unit: '%', target: 100, freq: 'quarter', applies_to: { kinds: ['branch'] } },
  ];
  const r = await api('com-a', 'POST', '/api/v1/plans', { org_id: W.orgs.UA, year: 2024, name: '2024年度A党委量化计划', tasks });
  assert.equal(r.status, 201, r.text);
  plan = r.body.id;
  assert.equal(r.body.tasks.length, 3);
  for (const t of r.body.tasks) task[t.code] = t.id;
  assert.equal(r.body.tasks[0].from, '2024-01-01');
  assert.deepEqual(r.body.tasks[2].applies_to.kinds, ['branch']);
  assert.equal(r.body.tasks[2].applies_to.under_org_id, W.orgs.UA);

  assertError(await api('com-a', 'POST', '/api/v1/plans', { org_id: W.orgs.UA, year: 2024 }), 409, 'conflict');
  assertError(await api('com-a', 'POST', '/api/v1/plans', { org_id: W.orgs.UB, year: 2024 }), 403, 'forbidden');
  assertError(await api('mem-a2', 'POST', '/api/v1/plans', { org_id: W.orgs.UA, year: 2025 }), 403, 'forbidden');
  assertError(await api('sec-a1', 'POST', '/api/v1/plans', { org_id: W.orgs.UA, year: 2025 }), 403, 'forbidden');

  const bad = async (t, re, code = 'invalid') => {
    const x = await api('com-a', 'POST', '/api/v1/plans', { org_id: W.orgs.UA, year: 2025, tasks: [tasks[0], t] });
    assertError(x, 400, code);
    assert.match(x.body.error.message, re);
  };
  await bad({ ...tasks[0], code: 'z', target: 0 }, /tasks\[1\]: field 'target' must be greater than 0/);
  await bad({ ...tasks[0], code: 'z', target: -3 }, /'target'/);
  await bad({ ...tasks[0], code: 'z', freq: 'weekly' }, /field 'freq'/);
  await bad({ ...tasks[0], code: 'z', applies_to: { under_org_id: W.orgs.UB } }, /'UB' is outside the plan owner's subtree \('UA'\)/);
  await bad({ ...tasks[0], code: 'z', indicator: 'no.such' }, /unknown indicator 'no\.such'/);
  await bad({ ...tasks[0], code: 'z', shoe: 1 }, /unknown field 'tasks\[1\]\.shoe'/, 'unknown_field');
  await bad({ ...tasks[0], code: 'z', applies_to: { kinds: ['branch'], undr_org_id: 1 } }, /unknown field 'tasks\[1\]\.applies_to\.undr_org_id' \(did you mean 'under_org_id'\?\)/, 'unknown_field');
  await bad({ ...tasks[0], code: 'z', from: '2024-05-01' }, /field 'from'/);
  const owner = await api('com-a', 'POST', '/api/v1/plans', { org_id: W.orgs['UA-B1'], year: 2025 });
  assertError(owner, 400, 'invalid');
  assert.match(owner.body.error.message, /plans belong to committees and general branches/);
  const none = await api('com-a', 'GET', `/api/v1/plans?org_id=${W.orgs.UA}&year=2025`);
  assert.equal(none.status, 200, none.text);
  assert.deepEqual(none.body.items, [], 'a refused plan left nothing behind');
});

test('plans are read by staff inside the owner subtree; tasks are added and changed by its admins only', async () => {
  assert.equal((await api('sec-a1', 'GET', `/api/v1/plans/${plan}`)).status, 200);
  assert.equal((await api('fin-a', 'GET', `/api/v1/plans/${plan}`)).status, 200);
  assertError(await api('sec-b1', 'GET', `/api/v1/plans/${plan}`), 403, 'forbidden');
  assertError(await api('mem-a2', 'GET', `/api/v1/plans/${plan}`), 403, 'forbidden');
  assertError(await api('com-a', 'GET', '/api/v1/plans/999999'), 404, 'not_found');
  const list = await api('sec-a1', 'GET', '/api/v1/plans');
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.items.map((p) => p.id), [plan], 'a branch secretary sees the plan above');

  const gm = { code: 'gm', name: '党小组会', metric: 'count', indicator: 'org.group_meeting', target: 1, freq: 'month', applies_to: { with_groups: true }, from: '2024-03-16' };
  assertError(await api('com-a', 'POST', `/api/v1/plans/${plan}/tasks`, { ...gm, target: -1 }), 400, 'invalid');
  assertError(await api('com-a', 'POST', `/api/v1/plans/${plan}/tasks`, { ...gm, applies_to: { under_org_id: W.orgs['UB-B1'] } }), 400, 'invalid');
  assertError(await api('com-b', 'POST', `/api/v1/plans/${plan}/tasks`, gm), 403, 'forbidden');
  const added = await api('com-a', 'POST', `/api/v1/plans/${plan}/tasks`, gm);
  assert.equal(added.status, 201, added.text);
  task.gm = added.body.id;
  assert.equal(added.body.from, '2024-03-16');
  assertError(await api('com-a', 'POST', `/api/v1/plans/${plan}/tasks`, gm), 409, 'conflict');

  assertError(await api('com-a', 'PATCH', `/api/v1/plans/tasks/${task.cm}`, { target: 0 }), 400, 'invalid');
  const fixed = await api('com-a', 'PATCH', `/api/v1/plans/tasks/${task.cm}`, { freq: 'quarter' });
  assertError(fixed, 400, 'unknown_field');
  assert.deepEqual(fixed.body.error.details, [{ code: 'unknown_field', field: 'freq', message: fixed.body.error.message }]);
  assertError(await api('com-b', 'PATCH', `/api/v1/plans/tasks/${task.cm}`, { target: 2 }), 403, 'forbidden');
  assertError(await api('sec-a1', 'PATCH', `/api/v1/plans/tasks/${task.cm}`, { target: 2 }), 403, 'forbidden');
  const renamed = await api('com-a', 'PATCH', `/api/v1/plans/tasks/${task.cm}`, { name: '支委会', target: 1 });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.body.name, '支委会');
  assert.equal((await api('com-a', 'PATCH', `/api/v1/plans/${plan}`, { remind_days: 3 })).body.remind_days, 3);
});

test('the default plan: API per committee and CLI for the whole company, adding only what is missing', async () => {
  const r = await api('com-b', 'POST', '/api/v1/plans/defaults', { org_id: W.orgs.UB, year: 2027 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.added, 8);
  assert.deepEqual(r.body.tasks.map((t) => [t.code, t.freq]), [
    ['congress', 'quarter'], ['committee_meeting', 'month'], ['group_meeting', 'month'], ['lecture', 'quarter'],
    ['themeday', 'month'], ['life_meeting', 'year'], ['review', 'year'], ['dues', 'month'],
  ]);
  assert.equal(r.body.tasks[2].applies_to.with_groups, true);
  assert.equal((await api('com-b', 'POST', '/api/v1/plans/defaults', { org_id: W.orgs.UB, year: 2027 })).body.added, 0);
  assertError(await api('com-b', 'POST', '/api/v1/plans/defaults', { org_id: W.orgs.UA, year: 2027 }), 403, 'forbidden');

  const out = cliOk(srv, ['plan', 'defaults', '--year', '2025']);
  assert.match(out.stdout, /8 default tasks added/);
  assert.match(cliOk(srv, ['plan', 'defaults', '--year', '2025']).stdout, /0 default tasks added/);
  const co = await api('admin', 'GET', `/api/v1/plans?org_id=${W.orgs.CO}&year=2025`);
  assert.deepEqual(co.body.items.map((p) => [p.org.code, p.tasks_count]), [['CO', 8]]);
  const bad = srv.run(['plan', 'defaults', '--year', '1999']);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--year/);
});

test('events and reported figures make the progress; rates are computed by hand', async () => {
  await events([
    { key: 'p-1', org_code: 'UA-B1', indicator: 'org.committee_meeting', date: '2024-01-10' },
    { key: 'p-2', org_code: 'UA-B1', indicator: 'org.committee_meeting', date: '2024-03-10' },
    { key: 'p-3', org_code: 'UA-B1', indicator: 'org.congress', date: '2024-02-20' },
    { key: 'p-4', org_code: 'UA-B1-G1', indicator: 'org.group_meeting', date: '2024-03-20' },
    { key: 'p-5', org_code: 'UA-B2', indicator: 'org.committee_meeting', date: '2024-01-15' },
    { key: 'p-6', org_code: 'UB-B1', indicator: 'org.committee_meeting', date: '2024-01-05' },
  ]);
  // reported figures: the period must fit the task's frequency
  const rep = (login, body) => api(login, 'POST', '/api/v1/plans/reports', body);
  const wrong = await rep('sec-a1', { task_id: task.study, org_id: W.orgs['UA-B1'], period: '2024-03', value: 100, evidence: '学习台账' });
  assertError(wrong, 400, 'invalid');
  assert.match(wrong.body.error.message, /'2024-03' does not fit the task's frequency 'quarter' \(use 2024Q1 to 2024Q4\)/);
  assertError(await rep('sec-a1', { task_id: task.study, org_id: W.orgs['UA-B1'], period: '2025Q1', value: 100, evidence: 'x' }), 400, 'invalid');
  assertError(await rep('sec-a1', { task_id: task.study, org_id: W.orgs['UA-B1'], period: '2024Q1', value: 100, evidence: '' }), 400, 'invalid');
  assertError(await rep('sec-a1', { task_id: task.cm, org_id: W.orgs['UA-B1'], period: '2024-01', value: 1, evidence: 'x' }), 400, 'invalid');
  assertError(await rep('sec-a1', { task_id: task.study, org_id: W.orgs['UA-B2'], period: '2024Q1', value: 100, evidence: 'x' }), 403, 'forbidden');
  assertError(await rep('mem-a2', { task_id: task.study, org_id: W.orgs['UA-B1'], period: '2024Q1', value: 100, evidence: 'x' }), 403, 'forbidden');
  assertError(await rep('sec-a1', { task_id: 999999, org_id: W.orgs['UA-B1'], period: '2024Q1', value: 100, evidence: 'x' }), 404, 'not_found');
  const ok = await rep('sec-a1', { task_id: task.study, org_id: W.orgs['UA-B1'], period: '2024Q1', value: 100, evidence: '学习台账', attachment: 'study-2024q1.pdf' });
  assert.equal(ok.status, 201, ok.text);

  // first quarter as of 31 March. UA-B1: cm Jan 1 Feb 0 Mar 1 → 2/3; congress 1 (weight 2);
  // study 1; gm (from 16 March, its group's meeting on the 20th) 1 → (2/3 + 2 + 1 + 1) / 5.
  // UA-B2: cm 1/3, congress 0, study 0 → (1/3) / 4. UA-B3: 0.
  const b1 = (2 / 3 + 2 + 1 + 1) / 5;
  const b2 = 1 / 3 / 4;
  const p = await api('com-a', 'GET', `/api/v1/plans/progress?org_id=${W.orgs.UA}&period=2024Q1&as_of=2024-03-31`);
  assert.equal(p.status, 200, p.text);
  const rate = Object.fromEntries(p.body.orgs.map((o) => [o.org.code, o.rate]));
  near(rate['UA-B1'], b1, 'UA-B1');
  near(rate['UA-B2'], b2, 'UA-B2');
  near(rate['UA-B3'], 0, 'UA-B3');
  const level = Object.fromEntries(p.body.levels.map((l) => [l.org.code, l]));
  near(level['UA-GB'].rate, (b1 + b2) / 2, 'UA-GB (mean of its branches)');
  near(level.UA.rate, (b1 + b2) / 3, 'UA (mean of the three branches)');
  near(p.body.rate, (b1 + b2) / 3, 'rate');
  assert.equal(level.UA.orgs, 3);

  // one branch's tasks by period, before its group met: expected 3/16 from the day it counts
  const d = await api('sec-a1', 'GET', `/api/v1/plans/progress?org_id=${W.orgs['UA-B1']}&period=2024-03&as_of=2024-03-18`);
  assert.equal(d.status, 200, d.text);
  const gm = d.body.tasks.find((t) => t.task.code === 'gm');
  near(gm.periods[0].expected, 3 / 16, 'expected of a task added on 16 March');
  assert.equal(gm.periods[0].level, 'yellow');
  const cm = d.body.tasks.find((t) => t.task.code === 'cm');
  assert.deepEqual([cm.periods[0].actual, cm.periods[0].completion, cm.periods[0].level], [1, 1, 'green']);

  assertError(await api('sec-a1', 'GET', `/api/v1/plans/progress?org_id=${W.orgs.UA}&period=2024Q1`), 403, 'forbidden');
  assertError(await api('mem-a2', 'GET', `/api/v1/plans/progress?org_id=${W.orgs['UA-B1']}`), 403, 'forbidden');
  assertError(await api('com-a', 'GET', `/api/v1/plans/progress?org_id=${W.orgs.UA}&period=2024Q5`), 400, 'invalid');
  assertError(await api('com-a', 'GET', `/api/v1/plans/progress?org_id=${W.orgs.UA}&period=2024Q1&as_of=2024-05-01`), 400, 'invalid');
  assertError(await api('com-a', 'GET', `/api/v1/plans/progress?org_id=${W.orgs.UA}&period=2099`), 400, 'invalid');
});

const check = async (today) => {
  const r = await api('admin', 'POST', '/api/v1/plans/check', { today });
  assert.equal(r.status, 200, r.text);
  return r.body;
};
const cases = async (login, query = '') => {
  const r = await api(login, 'GET', `/api/v1/plans/cases?org_id=${W.orgs.UA}${query}`);
  assert.equal(r.status, 200, r.text);
  return r.body.items;
};

test('the daily check closes months not met into cases, notifies, and fills inboxes and to-dos', async () => {
  assertError(await api('com-a', 'POST', '/api/v1/plans/check', {}), 403, 'forbidden');
  assertError(await api('admin', 'POST', '/api/v1/plans/check', { today: 'yesterday' }), 400, 'invalid');
  const s = await check('2024-03-01');
  // January and February close: UA-B1 missed February, UA-B2 February, UA-B3 both
  assert.equal(s.cases, 4, JSON.stringify(s));
  const again = await check('2024-03-01');
  assert.equal(again.cases, 0);
  assert.equal(again.warnings, 0);
  const all = await cases('com-a');
  assert.equal(all.length, 4);
  const b1 = all.find((c) => c.org.code === 'UA-B1');
  assert.deepEqual([b1.task.code, b1.period, b1.state, b1.superior.code], ['cm', '2024-02', 'notified', 'UA']);
  // branches without a secretary's account stay open: the committee notifies them
  assert.deepEqual(all.filter((c) => c.org.code !== 'UA-B1').map((c) => c.state), ['open', 'open', 'open']);

  const inbox = await api('sec-a1', 'GET', '/api/v1/plans/inbox');
  assert.equal(inbox.status, 200, inbox.text);
  const notice = inbox.body.items.find((n) => n.case_id === b1.id);
  assert.ok(notice, inbox.text);
  assert.equal(notice.kind, 'not_met');
  assert.match(notice.title, /未达标/);
  assert.ok(inbox.body.unread >= 1);
  const todos = await api('sec-a1', 'GET', '/api/v1/plans/todos');
  assert.ok(todos.body.items.some((t) => t.case_id === b1.id && t.kind === 'case' && /确认整改通知/.test(t.title)), todos.text);
  assert.ok(todos.body.open_tasks.every((t) => t.org.code === 'UA-B1'));
  const com = await api('com-a', 'GET', '/api/v1/plans/inbox?unread=1');
  assert.equal(com.body.items.filter((n) => n.kind === 'not_met').length, 4, 'the committee above is informed of every case');
  const comTodo = await api('com-a', 'GET', '/api/v1/plans/todos');
  assert.equal(comTodo.body.items.filter((t) => /通知整改/.test(t.title)).length, 3);

  // reading a notice: one's own only
  const read = await api('sec-a1', 'POST', `/api/v1/plans/inbox/${notice.id}/read`);
  assert.equal(read.status, 200, read.text);
  assert.equal((await api('sec-a1', 'GET', '/api/v1/plans/inbox')).body.unread, inbox.body.unread - 1);
  assertError(await api('mem-a2', 'POST', `/api/v1/plans/inbox/${notice.id}/read`), 404, 'not_found');
  assert.deepEqual((await api('mem-a2', 'GET', '/api/v1/plans/inbox')).body, { items: [], unread: 0 });

  const warn = await api('com-a', 'GET', `/api/v1/plans/warnings?org_id=${W.orgs.UA}&level=not_met`);
  assert.equal(warn.body.items.length, 4);
  assertError(await api('com-a', 'GET', `/api/v1/plans/warnings?org_id=${W.orgs.UA}&level=green`), 400, 'invalid');
});

test('the rectification loop with the right and the wrong roles', async () => {
  const c = (await cases('com-a')).find((x) => x.org.code === 'UA-B1');
  const step = (login, action, text) => api(login, 'POST', `/api/v1/plans/cases/${c.id}/transitions`, text === undefined ? { action } : { action, text });
  assertError(await step('com-a', 'acknowledge'), 403, 'forbidden'); // the branch's step
  assertError(await step('admin', 'acknowledge'), 403, 'forbidden');
  assertError(await step('sec-b1', 'acknowledge'), 403, 'forbidden'); // another unit's branch
  assertError(await step('com-b', 'verify'), 403, 'forbidden'); // not the committee above
  assertError(await step('mem-a2', 'acknowledge'), 403, 'forbidden'); // members: not at all
  const early = await step('com-a', 'verify');
  assertError(early, 409, 'conflict');
  assert.match(early.body.error.message, /it is 'notified' \(verify needs 'reported'\)/);
  assertError(await step('sec-a1', 'sign'), 400, 'invalid');

  let r = await step('sec-a1', 'acknowledge');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.state, 'acknowledged');
  assertError(await step('sec-a1', 'acknowledge'), 409, 'conflict');
  assertError(await step('sec-a1', 'report'), 400, 'invalid'); // a report needs its text
  r = await api('sec-a1', 'POST', `/api/v1/plans/cases/${c.id}/transitions`, { action: 'report', text: '已于3月补开支委会，建立月度提醒', attachment: 'minutes-2024-03.pdf' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.state, r.body.attachment, r.body.next_side], ['reported', 'minutes-2024-03.pdf', 'superior']);
  assert.ok((await api('com-a', 'GET', '/api/v1/plans/todos')).body.items.some((t) => t.case_id === c.id && /审核整改报告/.test(t.title)));
  assertError(await step('sec-a1', 'verify'), 403, 'forbidden'); // nobody verifies their own report
  assertError(await step('com-a', 'return'), 400, 'invalid'); // sending back needs a reason
  assert.equal((await step('com-a', 'return', '请附会议记录')).body.state, 'returned');
  assert.ok((await api('sec-a1', 'GET', '/api/v1/plans/inbox')).body.items.some((n) => n.case_id === c.id && n.body === '请附会议记录'));
  assertError(await step('com-a', 'verify'), 409, 'conflict');
  assert.equal((await step('sec-a1', 'report', '已补充会议记录')).body.state, 'reported');
  assert.equal((await step('com-a', 'verify')).body.state, 'verified');
  assertError(await step('sec-a1', 'close'), 403, 'forbidden');
  assert.equal((await step('com-a', 'close')).body.state, 'closed');
  assertError(await step('com-a', 'close'), 409, 'conflict');

  const full = await api('sec-a1', 'GET', `/api/v1/plans/cases/${c.id}`);
  assert.equal(full.status, 200, full.text);
  assert.deepEqual(full.body.steps.map((s) => s.action), ['open', 'notify', 'acknowledge', 'report', 'return', 'report', 'verify', 'close']);
  assert.deepEqual(full.body.steps.map((s) => s.by?.login ?? null), [null, null, 'sec-a1', 'sec-a1', 'com-a', 'sec-a1', 'com-a', 'com-a']);
  assert.deepEqual(full.body.actions, []);
  assertError(await api('sec-b1', 'GET', `/api/v1/plans/cases/${c.id}`), 403, 'forbidden');
  assertError(await api('com-a', 'GET', '/api/v1/plans/cases/999999'), 404, 'not_found');
  assert.equal((await api('sec-a1', 'GET', '/api/v1/plans/todos')).body.items.filter((t) => t.case_id === c.id).length, 0);
});

test('lagging organizations are listed with their responsible person and notified in one action; overdue cases escalate', async () => {
  const lag = await api('com-a', 'GET', `/api/v1/plans/lagging?org_id=${W.orgs.UA}`);
  assert.equal(lag.status, 200, lag.text);
  assert.deepEqual(lag.body.items.map((i) => i.org.code).sort(), ['UA-B2', 'UA-B3']);
  for (const i of lag.body.items) {
    assert.ok('responsible' in i && Array.isArray(i.responsible.accounts));
    assert.ok(i.warnings.length > 0);
  }
  assertError(await api('com-b', 'GET', `/api/v1/plans/lagging?org_id=${W.orgs.UA}`), 403, 'forbidden');
  assertError(await api('sec-a1', 'GET', '/api/v1/plans/lagging'), 403, 'forbidden');
  assertError(await api('com-b', 'POST', '/api/v1/plans/lagging/notify', { org_id: W.orgs.UA }), 403, 'forbidden');

  const n = await api('com-a', 'POST', '/api/v1/plans/lagging/notify', { org_id: W.orgs.UA, text: '请抓紧整改' });
  assert.equal(n.status, 200, n.text);
  assert.deepEqual([n.body.orgs, n.body.cases_notified], [2, 3]);
  assert.deepEqual(await cases('com-a', '&state=open'), []);

  // opened 1 March, not acknowledged: escalated on 5 March (more than 3 days), marked overdue
  assert.equal((await check('2024-03-04')).escalated, 0);
  assert.equal((await check('2024-03-05')).escalated, 3);
  const overdue = (await cases('com-a')).filter((c) => c.overdue);
  assert.equal(overdue.length, 3);
  assert.ok(overdue.every((c) => c.escalated.acknowledge && !c.escalated.report));
  const inbox = await api('com-a', 'GET', '/api/v1/plans/inbox');
  assert.equal(inbox.body.items.filter((x) => x.kind === 'escalation').length, 3);
});

test('March and the first quarter close into new cases', async () => {
  const s = await check('2024-04-01');
  // UA-B2 and UA-B3: cm March, congress Q1, study Q1
  assert.equal(s.cases, 6, JSON.stringify(s));
});

test('bulletins: JSON with ranking, not-met list and change; printable HTML; .xlsx read back from its XML', async () => {
  const url = `/api/v1/plans/bulletin?org_id=${W.orgs.UA}&period=2024Q1`;
  const b = await api('com-a', 'GET', url);
  assert.equal(b.status, 200, b.text);
  const b1 = (2 / 3 + 2 + 1 + 1) / 5;
  const b2 = 1 / 3 / 4;
  assert.equal(b.body.period, '2024Q1');
  assert.equal(b.body.previous_period, '2023Q4');
  assert.equal(b.body.as_of, '2024-03-31');
  near4(b.body.rate, (b1 + b2) / 3, 'bulletin rate');
  assert.equal(b.body.previous_rate, null); // no plan in 2023
  assert.deepEqual(b.body.ranking.map((r) => [r.rank, r.org.code]), [[1, 'UA-B1'], [2, 'UA-B2'], [3, 'UA-B3']]);
  near4(b.body.ranking[0].rate, b1, 'rank 1');
  assert.match(b.body.ranking[0].responsible, /sec-a1/);
  // not met: UA-B1 cm February (closed case); UA-B2 cm Feb, Mar, congress, study; UA-B3 cm Jan, Feb, Mar, congress, study
  assert.equal(b.body.not_met.length, 10);
  const closed = b.body.not_met.find((x) => x.org.code === 'UA-B1');
  assert.deepEqual([closed.task.code, closed.period, closed.case.state], ['cm', '2024-02', 'closed']);
  assert.ok(b.body.not_met.filter((x) => x.org.code !== 'UA-B1').every((x) => x.case && x.case.state !== 'closed'));
  assert.equal(b.body.open_cases, 9);
  // period-over-period: March against February, same plan
  const mar = await api('com-a', 'GET', `/api/v1/plans/bulletin?org_id=${W.orgs.UA}&period=2024-03`);
  const feb = await api('com-a', 'GET', `/api/v1/plans/bulletin?org_id=${W.orgs.UA}&period=2024-02`);
  near(mar.body.previous_rate, feb.body.rate, 'previous period');
  near4(mar.body.change, mar.body.rate - feb.body.rate, 'change');

  assertError(await api('com-a', 'GET', `/api/v1/plans/bulletin?org_id=${W.orgs.UA}&period=2024W1`), 400, 'invalid');
  assertError(await api('com-a', 'GET', `/api/v1/plans/bulletin?org_id=${W.orgs['UA-B1']}&period=2024Q1`), 400, 'invalid');
  assertError(await api('com-a', 'GET', `/api/v1/plans/bulletin?org_id=${W.orgs.UA}&period=2024Q1&format=pdf`), 400, 'invalid');
  assertError(await api('com-b', 'GET', url), 403, 'forbidden');

  const html = await api('com-a', 'GET', `${url}&format=html`);
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-type'), /^text\/html/);
  assert.match(html.text, /^<!DOCTYPE html>/);
  assert.match(html.text, /单位A党委2024年第一季度量化计划执行情况通报/);
  assert.match(html.text, /@media print/);
  assert.equal((html.text.match(/<table>/g) ?? []).length, 3);

  const x = await api('com-a', 'GET', `${url}&format=xlsx`);
  assert.equal(x.status, 200);
  assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const file = writeTmp('bulletin.xlsx', x.bytes);
  assert.deepEqual([...unzipPart(file, 'xl/workbook.xml').matchAll(/<sheet name="([^"]+)"/g)].map((m) => m[1]), ['完成率排名', '未达标名单', '各级完成率']);
  const rank = readSheet(file, 1);
  assert.deepEqual(['A1', 'B1', 'C1', 'D1', 'E1', 'F1', 'G1', 'H1'].map((c) => rank.cells[c]), ['排名', '组织名称', '组织编码', '上级组织', '完成率', '上期完成率', '变化', '负责人']);
  assert.deepEqual([rank.cells.A2, rank.cells.B2, rank.cells.C2, rank.cells.D2], [1, 'A一支部', 'UA-B1', 'A总支']);
  near4(rank.cells.E2, b1, 'E2');
  assert.deepEqual([rank.cells.A4, rank.cells.C4, rank.cells.E4], [3, 'UA-B3', 0]);
  assert.match(rank.xml, /<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"\/>/);
  const widths = Object.fromEntries([...rank.xml.matchAll(/<col min="(\d+)" max="\d+" width="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]));
  assert.ok(widths[2] >= 7 + 2 && widths[2] < 20, `B fits 'A一支部': ${widths[2]}`); // 6 CJK columns + 1
  assert.ok(widths[5] >= 8, `E: ${widths[5]}`);
  const miss = readSheet(file, 2);
  assert.equal(miss.cells.A1, '组织名称');
  assert.equal(miss.cells.I1, '整改事项');
  assert.equal(Object.keys(miss.cells).filter((c) => /^A\d+$/.test(c)).length, 11); // header + 10
  assert.match(miss.xml, /state="frozen"/);
  assert.ok(Object.entries(miss.cells).some(([k, v]) => k.startsWith('J') && v === '已关闭'));
  const lev = readSheet(file, 3);
  assert.equal(lev.cells.B2, 'UA');
  near4(lev.cells.E2, (b1 + b2) / 3, 'level UA');

  // the CLI writes the same workbook
  const out = writeTmp('cli.xlsx', '');
  const r = cliOk(srv, ['plan', 'bulletin', '--org', 'UA', '--period', '2024Q1', '--out', out]);
  assert.match(r.stdout, /3 organizations ranked, 10 not met/);
  assert.equal(readSheet(out, 1).cells.C2, 'UA-B1');
  const badCli = srv.run(['plan', 'bulletin', '--org', 'UA', '--period', '2024Q9', '--out', out]);
  assert.equal(badCli.status, 1);
  assert.match(badCli.stderr, /'2024Q9' is not a period/);

  // HTML text goes through the escaping door
  const made = await api('com-a', 'POST', '/api/v1/orgs', { code: 'UA-X', name: '<b>测试&支部</b>', kind: 'branch', parent_id: W.orgs.UA });
  assert.equal(made.status, 201, made.text);
  const esc = await api('com-a', 'GET', `${url}&format=html`);
  assert.match(esc.text, /&lt;b&gt;测试&amp;支部&lt;\/b&gt;/);
  assert.ok(!esc.text.includes('<b>测试'));
});

test('a webhook gets signed JSON; a failed delivery is retried with backoff and every attempt recorded', async () => {
  const secret = 'whsec-test-0123456789';
  const got = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(got.length === 1 ? 500 : 200, { 'Content-Type': 'text/plain' });
      res.end(got.length === 1 ? 'busy' : 'ok');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${receiver.address().port}/hook`;
    assertError(await api('com-a', 'POST', '/api/v1/plans/webhooks', { url, secret }), 403, 'forbidden');
    assertError(await api('admin', 'POST', '/api/v1/plans/webhooks', { url: 'ftp://x/y', secret }), 400, 'invalid');
    assertError(await api('admin', 'POST', '/api/v1/plans/webhooks', { url, secret: 'short' }), 400, 'invalid');
    const hook = await api('admin', 'POST', '/api/v1/plans/webhooks', { url, secret, retry_seconds: 3, max_attempts: 3 });
    assert.equal(hook.status, 201, hook.text);
    assert.ok(!JSON.stringify((await api('admin', 'GET', '/api/v1/plans/webhooks')).body).includes(secret), 'the secret is never shown');

    // one action, a notice per lagging organization: each a delivery
    const n = await api('com-a', 'POST', '/api/v1/plans/lagging/notify', { org_id: W.orgs.UA });
    assert.equal(n.status, 200, n.text);
    assert.ok(n.body.orgs >= 2);
    const list = async () => (await api('admin', 'GET', `/api/v1/plans/webhooks/${hook.body.id}/deliveries?limit=500`)).body.items;
    let d = await list();
    // a notice per lagging organization, and one per case the action notified
    assert.equal(d.length, n.body.orgs + n.body.cases_notified);
    assert.equal(d.filter((x) => x.event === 'plan.lagging').length, n.body.orgs);
    assert.ok(d.every((x) => x.status === 'pending' && x.attempts === 0));

    // deliver (the check queues more: escalations, the new branch's first months): the first
    // POST gets 500, the others 200
    await cliAsync('plan', 'check', '--today', '2024-04-02');
    d = await list();
    const total = d.length;
    assert.equal(got.length, total);
    const first = d.find((x) => x.tries.length && x.tries[0].code === 500);
    assert.ok(first, JSON.stringify(d));
    assert.deepEqual([first.status, first.attempts, first.last_code, first.last_error], ['pending', 1, 500, 'HTTP 500']);
    assert.equal(d.filter((x) => x.status === 'delivered').length, total - 1);

    // the next attempt waits retry_seconds (3); before that nothing is sent, after it the
    // delivery is retried and delivered
    const wait = first.next_at - first.tries[0].at;
    assert.ok(wait >= 3 && wait <= 4, `backoff ${wait} s`);
    await cliAsync('plan', 'check', '--today', '2024-04-02');
    if (Date.now() / 1000 < first.next_at) assert.equal(got.length, total, 'not due yet: nothing sent');
    await new Promise((r) => setTimeout(r, Math.max(0, first.next_at * 1000 - Date.now()) + 300));
    await cliAsync('plan', 'check', '--today', '2024-04-02');
    assert.equal(got.length, total + 1);
    const again = (await list()).find((x) => x.id === first.id);
    assert.deepEqual([again.status, again.attempts, again.tries.map((t) => t.code)], ['delivered', 2, [500, 200]]);
    assert.ok(again.tries[1].at - again.tries[0].at >= 3, 'retried after the backoff');

    // every request is signed: HMAC-SHA256 of "<timestamp>.<body>" with the secret
    for (const g of got) {
      const ts = g.headers['x-dangjian-timestamp'];
      const want = createHmac('sha256', secret).update(`${ts}.${g.body}`).digest('hex');
      assert.equal(g.headers['x-dangjian-signature'], `sha256=${want}`);
      assert.match(g.headers['content-type'], /^application\/json/);
      const body = JSON.parse(g.body);
      assert.equal(g.headers['x-dangjian-event'], body.event);
      assert.ok(body.org?.code && body.title);
    }
    const lagging = got.slice(0, total).map((g) => JSON.parse(g.body)).filter((b) => b.event === 'plan.lagging');
    assert.equal(lagging.length, n.body.orgs);
    assert.ok(lagging.every((b) => b.title.includes('督办') && Array.isArray(b.recipients)));
    assert.equal(got[0].body, got[total].body, 'the retry sends the same payload');
    assertError(await api('admin', 'GET', '/api/v1/plans/webhooks/999999/deliveries'), 404, 'not_found');
  } finally {
    await new Promise((resolve) => receiver.close(resolve));
  }
});
