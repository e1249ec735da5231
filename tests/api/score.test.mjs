// The scoring model and the monthly run over the API: reading the model and its versions,
// scoring months (hand-computed numbers, ties, veto carried into the next month), re-runs that
// change nothing, validation of new versions (nothing stored when invalid), and activating a
// version from its effective month while older months keep the version that scored them.
//
// Events (base 60, weights 0.2 each in version 1):
//   2024-03  EA002: 5 × meeting.attend (20, cap 16 → politics 76), study.hours 12 h (24, cap 20
//                   → theory 80), dues.late (−10 → discipline 50), perf.rating 4 (+20 →
//                   performance 80), nothing in honours (60)                  → index 69.2
//            EA001: honour.award level 3 (+15), volunteer.hours 5 h (+5)       → 64
//            EA003: perf.rating 4                                             → 64
//            EA004: one meeting.attend                                        → 60.8
//            EB001: study.hours 3 h                                           → 61.2
//            EB002: politics 76, theory 80, performance 80, honours 100 and a sanction: discipline
//                   0, index 67.2 capped at 60                                → 60
//   2024-04  EA002: study.hours 5 h (theory 70)                              → 62
//            EB002: the same positives, still vetoed                          → 60
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, sql, scoreEventBatch, localDate, okBody, near } from './fixtures.mjs';

let srv;
let W;

const MARCH_EVENTS = 21;
const APRIL_EVENTS = 8;

before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
  // imported members start in the current month: let their history begin before 2024
  sql(srv.dbUrl, 'UPDATE member_orgs SET from_month = 202301');
  const batch = scoreEventBatch('s');
  assert.equal(batch.length, MARCH_EVENTS + APRIL_EVENTS);
  const r = await srv.api('POST', '/api/v1/events', { body: batch, headers: { 'X-API-Key': W.key } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.accepted, batch.length, r.text);
});
after(() => srv?.stop());

const as = (login) => ({ token: W.tokens[login] });
const get = (login, p) => srv.api('GET', p, as(login));
const post = (login, p, body) => srv.api('POST', p, { ...as(login), body });
const run = (month, login = 'admin') => post(login, '/api/v1/score/runs', { month });

const ok = okBody;

const portrait = (emp, month, login = 'admin') => ok(get(login, `/api/v1/portraits/members/${W.members[emp]}?month=${month}`));
const count = (table) => Number(sql(srv.dbUrl, `SELECT COUNT(*) FROM ${table}`));

/** The rows a run stored for a month, in a fixed order, for comparing runs. */
const storedRows = (month) =>
  sql(
    srv.dbUrl,
    `SELECT member_id, org_id, unit_id, version, politics, theory, discipline, performance, honours, idx, vetoed,
            sanction, events, active_dims, rank_branch, rank_unit, rank_company, pct_branch, pct_unit,
            pct_company, contrib FROM member_scores WHERE month = ${month} ORDER BY member_id`,
  ) +
  sql(
    srv.dbUrl,
    `SELECT org_id, version, members, politics, theory, discipline, performance, honours, idx, hist,
            participation, contrib FROM org_scores WHERE month = ${month} ORDER BY org_id`,
  );

// ---- the model

test('every role reads the model in force: version 1, weights 0.2, the default catalogue', async () => {
  const m = await ok(get('mem-a2', '/api/v1/score/model'));
  assert.equal(m.version, 1);
  assert.equal(m.active, true);
  near(m.base, 60, 'base');
  near(m.gap, 10, 'gap');
  assert.equal(m.veto_months, 12);
  assert.deepEqual(Object.keys(m.weights), ['politics', 'theory', 'discipline', 'performance', 'honours']);
  for (const w of Object.values(m.weights)) near(w, 0.2, 'weight');
  assert.equal(m.rules.length, 19);
  const attend = m.rules.find((r) => r.indicator === 'meeting.attend');
  assert.deepEqual([attend.dimension, attend.points, attend.cap], ['politics', 4, 16]);
  assert.deepEqual(m.rules.find((r) => r.indicator === 'discipline.sanction').veto, true);
  assert.deepEqual(await ok(get('fin-a', '/api/v1/score/models/1')), m);
});

test('model versions: admin lists them; one version by number; unknown → 404', async () => {
  const l = await ok(get('admin', '/api/v1/score/models'));
  assert.equal(l.items.length, 1);
  assert.deepEqual(Object.keys(l.items[0]).sort(), ['active', 'created_at', 'effective_month', 'note', 'version']);
  assert.equal(l.items[0].version, 1);
  assert.equal(l.items[0].active, true);
  assert.equal(l.items[0].effective_month, 190001);
  assertError(await get('mem-a2', '/api/v1/score/models'), 403, 'forbidden');
  assertError(await get('com-a', '/api/v1/score/models'), 403, 'forbidden');
  for (const v of ['9', '0', 'abc', '-1']) assertError(await get('admin', `/api/v1/score/models/${v}`), 404, 'not_found');
});

// ---- runs

test('no month scored yet: the list is empty', async () => {
  assert.deepEqual(await ok(get('mem-a2', '/api/v1/score/months')), { items: [] });
});

test('a run needs an admin and a valid month that has begun; nothing is stored otherwise', async () => {
  assertError(await run(202403, 'com-a'), 403, 'forbidden');
  assertError(await run(202403, 'mem-a2'), 403, 'forbidden');
  for (const month of [202413, 202400, 2024, 0, -202403]) assertError(await run(month), 400, 'invalid');
  assertError(await post('admin', '/api/v1/score/runs', { month: '2024-03' }), 400, 'invalid');
  assertError(await post('admin', '/api/v1/score/runs', {}), 400, 'invalid');
  const future = await run(209912);
  assertError(future, 400, 'invalid');
  assert.match(future.body.error.message, /209912/);
  assert.equal(count('score_runs'), 0);
  assert.equal(count('member_scores'), 0);
});

test('scoring 2024-03: the run\'s figures and the hand-computed index 69.2', async () => {
  const r = await ok(run(202403));
  assert.deepEqual(
    { ...r, seconds: 0 },
    { month: 202403, version: 1, members: 6, events: MARCH_EVENTS, orgs: 9, run: 1, changed: 0, late_events: 0, seconds: 0 },
  );
  assert.equal(typeof r.seconds, 'number');
  const p = await portrait('EA002', 202403, 'mem-a2');
  near(p.index, 69.2, 'EA002 index');
  const dims = Object.fromEntries(Object.entries(p.dims).map(([d, v]) => [d, v.score]));
  assert.deepEqual(dims, { politics: 76, theory: 80, discipline: 50, performance: 80, honours: 60 });
  // the number on the page is the stored one
  const stored = Number(sql(srv.dbUrl, `SELECT idx FROM member_scores WHERE month = 202403 AND member_id = ${W.members.EA002}`));
  near(p.index, stored, 'stored index');
});

test('equal indexes share a rank and the next rank skips (1, 2, 2, 4, 5, 6)', async () => {
  const b = await ok(get('admin', '/api/v1/leaderboard?scope=company&month=202403'));
  const byEmp = Object.fromEntries(Object.entries(W.members).map(([emp, mid]) => [mid, emp]));
  assert.deepEqual(
    b.items.map((i) => [i.rank, byEmp[i.member_id]]),
    [[1, 'EA002'], [2, 'EA001'], [2, 'EA003'], [4, 'EB001'], [5, 'EA004'], [6, 'EB002']],
  );
  const want = [69.2, 64, 64, 61.2, 60.8, 60];
  b.items.forEach((i, k) => near(i.index, want[k], `rank ${i.rank}`));
});

test('a veto zeroes discipline and caps the index at 60 in its month and the next, scored in order', async () => {
  const r = await ok(run(202404));
  assert.equal(r.events, APRIL_EVENTS);
  for (const month of [202403, 202404]) {
    const p = await portrait('EB002', month);
    assert.equal(p.vetoed, true, `vetoed in ${month}`);
    near(p.dims.discipline.score, 0, `discipline in ${month}`);
    near(p.dims.politics.score, 76, `politics in ${month}`);
    near(p.index, 60, `index capped in ${month}`);
  }
  assert.equal(sql(srv.dbUrl, `SELECT sanction FROM member_scores WHERE month = 202404 AND member_id = ${W.members.EB002}`), '0');
  near((await portrait('EA002', 202404)).index, 62, 'EA002 in April');
});

test('scored months are listed newest first with their version and counts', async () => {
  const l = await ok(get('mem-a3', '/api/v1/score/months'));
  assert.deepEqual(
    l.items.map(({ month, version, members, events }) => ({ month, version, members, events })),
    [
      { month: 202404, version: 1, members: 6, events: APRIL_EVENTS },
      { month: 202403, version: 1, members: 6, events: MARCH_EVENTS },
    ],
  );
  assert.ok(l.items.every((i) => Number.isInteger(i.finished_at) && i.finished_at > 0));
});

test('re-running a month gives identical stored rows and identical portraits but for the run they name', async () => {
  const paths = [
    `/api/v1/portraits/members/${W.members.EA002}?month=202403`,
    `/api/v1/portraits/members/${W.members.EB002}?month=202404`,
    `/api/v1/portraits/orgs/${W.orgs.UA}?month=202403`,
    `/api/v1/portraits/orgs/${W.orgs['UA-B1']}?month=202403`,
    `/api/v1/leaderboard?scope=company&month=202403`,
  ];
  const before = [];
  for (const p of paths) before.push(await ok(get('admin', p)));
  const rows = [storedRows(202403), storedRows(202404)];
  await ok(run(202403));
  await ok(run(202404));
  await ok(run(202403));
  assert.deepEqual([storedRows(202403), storedRows(202404)], rows);
  const noRun = ({ run, ...rest }) => rest;
  for (let i = 0; i < paths.length; i++) {
    const now = await ok(get('admin', paths[i]));
    assert.deepEqual(noRun(now), noRun(before[i]), paths[i]);
    assert.ok(now.run.number > before[i].run.number, `${paths[i]}: a later run`);
  }
});

// ---- new versions

async function versionBody(over = {}) {
  const m = await ok(get('admin', '/api/v1/score/model'));
  const rules = m.rules.map(({ indicator, dimension, mode, points, cap, veto, value_points }) => ({
    indicator,
    dimension,
    mode,
    points,
    cap,
    veto,
    ...(value_points ? { value_points } : {}),
  }));
  return { effective_month: 202404, note: '理论学习加权', base: 60, gap: 10, veto_months: 12, veto_cap: 60, weights: { ...m.weights }, rules, ...over };
}

test('an invalid version → 400 naming the problem, and nothing is stored', async () => {
  const tables = ['score_models', 'score_weights', 'score_rules', 'audit'];
  const counts = tables.map(count);
  const base = await versionBody();
  const cases = [
    [{ weights: { ...base.weights, honours: 0.3 } }, /weights must sum to 1, they sum to 1\.1/],
    [{ weights: { ...base.weights, loyalty: 0 } }, /unknown dimension 'loyalty'/],
    [{ rules: [...base.rules.slice(1), { ...base.rules[0], dimension: 'loyalty' }] }, /unknown dimension/],
    [{ rules: base.rules.map((r, i) => (i === 0 ? { ...r, cap: -1 } : r)) }, /cap must be >= 0/],
    [{ rules: [...base.rules, { indicator: 'karaoke.hours', points: 1 }] }, /unknown indicator 'karaoke\.hours'/],
    [{ rules: [...base.rules, { indicator: 'org.congress', points: 1 }] }, /organization indicator/],
    [{ effective_month: 202413 }, /effective_month/],
    [{ rules: [] }, /rules/],
  ];
  for (const [over, message] of cases) {
    const r = await post('admin', '/api/v1/score/models', { ...base, ...over });
    assertError(r, 400, 'invalid');
    assert.match(r.body.error.message, message);
  }
  assertError(await post('admin', '/api/v1/score/models', [base]), 400, 'invalid');
  assertError(await post('com-a', '/api/v1/score/models', base), 403, 'forbidden');
  assertError(await post('mem-a2', '/api/v1/score/models', base), 403, 'forbidden');
  assert.deepEqual(tables.map(count), counts);
});

test('a new version is stored inactive and changes nothing until activated', async () => {
  const body = await versionBody({ weights: { politics: 0.1, theory: 0.6, discipline: 0.1, performance: 0.1, honours: 0.1 } });
  const m = await ok(post('admin', '/api/v1/score/models', body), 201);
  assert.equal(m.version, 2);
  assert.equal(m.active, false);
  assert.equal(m.effective_month, 202404);
  assert.equal(m.note, '理论学习加权');
  near(m.weights.theory, 0.6, 'theory weight');
  assert.equal(m.rules.length, 19);
  assert.deepEqual(await ok(get('mem-a2', '/api/v1/score/models/2')), m);
  assert.equal((await ok(get('mem-a2', '/api/v1/score/model'))).version, 1);
  assert.equal((await ok(run(202404))).version, 1, 'an inactive version scores nothing');
});

test('activating a version: re-runs from its effective month use it, older months keep theirs', async () => {
  assertError(await post('admin', '/api/v1/score/models/99/activate'), 404, 'not_found');
  assertError(await post('com-a', '/api/v1/score/models/2/activate'), 403, 'forbidden');
  const a = await ok(post('admin', '/api/v1/score/models/2/activate'));
  assert.equal(a.version, 2);
  assert.equal(a.active, true);
  assert.equal((await ok(get('mem-a2', '/api/v1/score/model'))).version, 2);
  const l = await ok(get('admin', '/api/v1/score/models'));
  assert.deepEqual(l.items.map((i) => [i.version, i.active]), [[1, false], [2, true]]);

  assert.equal((await ok(run(202404))).version, 2);
  assert.equal((await ok(run(202403))).version, 1, 'March is before the effective month');
  const april = await portrait('EA002', 202404, 'mem-a2');
  assert.equal(april.model_version, 2);
  near(april.index, 0.1 * 60 + 0.6 * 70 + 0.1 * 60 * 3, 'April under version 2'); // 66
  const march = await portrait('EA002', 202403, 'mem-a2');
  assert.equal(march.model_version, 1);
  near(march.index, 69.2, 'March keeps version 1');
  // the growth line reads each month's stored number, whichever version made it
  assert.deepEqual(april.growth.member.slice(-2).map((v) => Math.round(v * 10) / 10), [69.2, 66]);
  near((await portrait('EB002', 202404)).index, 60, 'the veto cap holds under version 2');
  const months = await ok(get('admin', '/api/v1/score/months'));
  assert.deepEqual(months.items.map((i) => [i.month, i.version]), [[202404, 2], [202403, 1]]);
});

test('a month not over yet may be scored, but it is marked and never the default of portraits and leaderboards', async () => {
  const { month: current } = localDate();
  const r = await run(current);
  assert.equal(r.status, 200, r.text);
  const months = await ok(get('admin', '/api/v1/score/months'));
  assert.deepEqual(months.items.slice(0, 2).map((i) => [i.month, i.complete]), [[current, false], [202404, true]]);
  // without ?month= the latest month that is over, never four days of this one
  const p = await ok(get('mem-a3', `/api/v1/portraits/members/${W.members.EA003}`));
  assert.equal(p.month, 202404);
  const board = await ok(get('admin', `/api/v1/leaderboard?org_id=${W.orgs['UA-B1']}`));
  assert.equal(board.month, 202404);
  // asked for by name, the month not over is shown
  assert.equal((await ok(get('mem-a3', `/api/v1/portraits/members/${W.members.EA003}?month=${current}`))).month, current);
});
