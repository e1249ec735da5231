// Re-runs of a scored month (docs/SCORING.md, "Late events and re-runs"). Events stored after a
// month's run began are late: a re-run (by hand, or by the jobs within their window) becomes
// the month's next run, the earlier runs stay in score_run_log, and only members whose result
// changed get a score_changes row with the old and new index, the dimensions that moved and
// their late events per source. Portraits, leaderboards and the months list name the run.
//
// March 2024 (the SCORE_EVENTS fixture): EA001 64, EA003 64, EB002 vetoed at 60. Late events:
// EA001 3 × study.hours 1 h from hr (theory +6 → 65.2), EA003 2 × meeting.attend from mes
// (politics +8 → 65.6), EB002 one meeting.attend from hr (politics already at its cap: no
// change, no row).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, sql, scoreEventBatch, localDate, addSource, cliOk, okBody, near } from './fixtures.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv;
let W;
let mesKey;

before(async () => {
  srv = await startServer({ serveArgs: ['--no-jobs'] });
  W = await seedWorld(srv);
  mesKey = addSource(srv, 'mes', '生产执行系统');
  // imported members start in the current month: let their history begin before 2024
  sql(srv.dbUrl, 'UPDATE member_orgs SET from_month = 202301');
  const r = await srv.api('POST', '/api/v1/events', { body: scoreEventBatch('s'), headers: { 'X-API-Key': W.key } });
  assert.equal(r.status, 200, r.text);
});
after(() => srv?.stop());

const as = (login) => ({ token: W.tokens[login] });
const get = (login, p) => srv.api('GET', p, as(login));

const ok = okBody;

/** Wait until the clock's second has moved on: created_at and started_at are whole seconds. */
async function nextSecond() {
  await sleep(1100 - (Date.now() % 1000));
}

async function send(key, events) {
  const r = await srv.api('POST', '/api/v1/events', { body: events, headers: { 'X-API-Key': key } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.accepted, events.length, r.text);
}

/** The late events of the header, for month (YYYY-MM-DD dates on day 12), keys with prefix. */
function lateEvents(prefix, month) {
  const date = `${Math.floor(month / 100)}-${String(month % 100).padStart(2, '0')}-12`;
  const hr = [
    ...[0, 1, 2].map((i) => ({ key: `${prefix}-ea1-${i}`, emp_no: 'EA001', indicator: 'study.hours', date, value: 1 })),
    { key: `${prefix}-eb2`, emp_no: 'EB002', indicator: 'meeting.attend', date, value: 1 },
  ];
  const mes = [0, 1].map((i) => ({ key: `${prefix}-ea3-${i}`, emp_no: 'EA003', indicator: 'meeting.attend', date, value: 1 }));
  return { hr, mes };
}

const changes = (month) =>
  sql(srv.dbUrl, `SELECT member_id, run, dims, late, late_events FROM score_changes WHERE month = ${month} ORDER BY member_id`)
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [member, run, dims, late, n] = l.split('|');
      return { member: Number(member), run: Number(run), dims: JSON.parse(dims), late: JSON.parse(late), n: Number(n) };
    });

/** The change rows expected after the late events of lateEvents() (old indexes a and b). */
function assertChanges(rows, run) {
  assert.deepEqual(
    rows.map((c) => c.member),
    [W.members.EA001, W.members.EA003].sort((a, b) => a - b),
    'only the members whose result changed have a row (not EB002, whose late event was capped)',
  );
  const by = Object.fromEntries(rows.map((c) => [c.member, c]));
  const a1 = by[W.members.EA001];
  const a3 = by[W.members.EA003];
  assert.equal(a1.run, run);
  assert.deepEqual(Object.keys(a1.dims), ['theory']);
  near(a1.dims.theory, 6, 'EA001 theory delta');
  assert.deepEqual(a1.late, [{ source: 'hr', name: '人力资源系统', events: 3 }]);
  assert.equal(a1.n, 3);
  assert.deepEqual(Object.keys(a3.dims), ['politics']);
  near(a3.dims.politics, 8, 'EA003 politics delta');
  assert.deepEqual(a3.late, [{ source: 'mes', name: '生产执行系统', events: 2 }]);
  assert.equal(a3.n, 2);
}

test('re-runs by hand: each a new run, earlier runs kept; after late events, change rows only for changed members', async () => {
  const first = await ok(srv.api('POST', '/api/v1/score/runs', { ...as('admin'), body: { month: 202403 } }));
  assert.equal(first.run, 1);
  assert.equal(first.changed, 0);
  assert.equal(sql(srv.dbUrl, 'SELECT COUNT(*) FROM score_changes'), '0', 'a first run records no changes');

  // the same month again with no new events: run 2, nothing changed, no rows
  const again = await ok(srv.api('POST', '/api/v1/score/runs', { ...as('admin'), body: { month: 202403 } }));
  assert.equal(again.run, 2);
  assert.equal(again.changed, 0);
  assert.equal(again.late_events, 0);
  assert.equal(sql(srv.dbUrl, 'SELECT COUNT(*) FROM score_changes'), '0');

  await nextSecond();
  const late = lateEvents('late', 202403);
  await send(W.key, late.hr);
  await send(mesKey, late.mes);
  const out = cliOk(srv, ['score', 'run', '--month', '202403']).stdout;
  assert.match(out, /202403: run 3,/);
  assert.match(out, /202403: 2 members changed, 6 events stored after the previous run/);

  assert.equal(
    sql(srv.dbUrl, 'SELECT run, reason, changed, late_events FROM score_run_log WHERE month = 202403 ORDER BY run'),
    '1|manual|0|0\n2|manual|0|0\n3|manual|2|6',
  );
  assert.equal(sql(srv.dbUrl, 'SELECT run, reason FROM score_runs WHERE month = 202403'), '3|manual');
  assertChanges(changes(202403), 3);
  const idx = sql(srv.dbUrl, `SELECT old_idx, new_idx FROM score_changes WHERE member_id = ${W.members.EA001}`).split('|').map(Number);
  near(idx[0], 64, 'EA001 old index');
  near(idx[1], 65.2, 'EA001 new index');
});

test('the portrait shows the member their changes; staff of another branch cannot read them', async () => {
  const p = await ok(get('mem-a3', `/api/v1/portraits/members/${W.members.EA003}?month=202403`));
  assert.equal(p.run.number, 3);
  assert.equal(p.run.reason, 'manual');
  assert.equal(p.changes.length, 1, JSON.stringify(p.changes));
  const c = p.changes[0];
  assert.equal(c.month, 202403);
  assert.equal(c.run, 3);
  near(c.old_index, 64, 'old index');
  near(c.new_index, 65.6, 'new index');
  near(c.dims.politics, 8, 'politics delta');
  assert.deepEqual(c.late, [{ source: 'mes', name: '生产执行系统', events: 2 }]);
  assert.equal(c.late_events, 2);
  assert.equal(c.reason, 'manual');

  // a member whose result did not change has none, though it had a late event
  const eb2 = await ok(get('mem-b2', `/api/v1/portraits/members/${W.members.EB002}?month=202403`));
  assert.deepEqual(eb2.changes, []);
  // April was never re-run: its portrait says run 1 once scored
  await ok(srv.api('POST', '/api/v1/score/runs', { ...as('admin'), body: { month: 202404 } }));
  const apr = await ok(get('mem-a3', `/api/v1/portraits/members/${W.members.EA003}?month=202404`));
  assert.equal(apr.run.number, 1);
  assert.equal(apr.changes.length, 1, "the growth window's changes include March's");

  // another member, and staff of another branch or unit, are refused
  assertError(await get('mem-a2', `/api/v1/portraits/members/${W.members.EA003}?month=202403`), 403, 'forbidden');
  assertError(await get('sec-b1', `/api/v1/portraits/members/${W.members.EA001}?month=202403`), 403, 'forbidden');
  assertError(await get('com-b', `/api/v1/portraits/members/${W.members.EA003}?month=202403`), 403, 'forbidden');
  const staff = await ok(get('com-a', `/api/v1/portraits/members/${W.members.EA001}?month=202403`));
  assert.equal(staff.changes.length, 1);
  assert.deepEqual(staff.changes[0].late, [{ source: 'hr', name: '人力资源系统', events: 3 }]);
});

test('leaderboards, organization portraits and the months list name the run they show', async () => {
  const board = await ok(get('mem-a3', '/api/v1/leaderboard?scope=branch&month=202403'));
  assert.equal(board.run.number, 3);
  assert.equal(board.run.reason, 'manual');
  assert.ok(board.run.finished_at > 0);
  const org = await ok(get('com-a', `/api/v1/portraits/orgs/${W.orgs['UA-B1']}?month=202403`));
  assert.equal(org.run.number, 3);
  const months = await ok(get('mem-a2', '/api/v1/score/months'));
  const m = months.items.find((x) => x.month === 202403);
  assert.equal(m.run, 3);
  assert.equal(m.reason, 'manual');
});

test('bad input to a re-run: the CLI and the API refuse it and run nothing', async () => {
  const runs = () => sql(srv.dbUrl, 'SELECT COUNT(*) FROM score_run_log');
  const before = runs();
  for (const args of [['--month', '2024-13'], ['--month', 'abc'], ['--from', '202404', '--to', '202403']]) {
    const r = srv.run(['score', 'run', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  const future = srv.run(['score', 'run', '--month', '209901']);
  assert.equal(future.status, 1, future.stderr);
  assert.match(future.stderr, /has not begun/);
  assertError(await srv.api('POST', '/api/v1/score/runs', { ...as('admin'), body: { month: 202413 } }), 400, 'invalid');
  assertError(await srv.api('POST', '/api/v1/score/runs', { ...as('admin'), body: { month: 202403, reason: 'late_events' } }), 400, 'unknown_field');
  assertError(await srv.api('POST', '/api/v1/score/runs', { ...as('com-a'), body: { month: 202403 } }), 403, 'forbidden');
  assertError(await srv.api('POST', '/api/v1/score/runs', { ...as('mem-a2'), body: { month: 202403 } }), 403, 'forbidden');
  assert.equal(runs(), before);
});

function monthBefore(month) {
  return month % 100 === 1 ? month - 89 : month - 1;
}

test('the jobs of two servers re-run a scored month once after late events, and not without them', { timeout: 120_000 }, async () => {
  const last = monthBefore(localDate().month);
  const date = `${Math.floor(last / 100)}-${String(last % 100).padStart(2, '0')}-10`;
  await send(W.key, [
    { key: 'job-a1', emp_no: 'EA001', indicator: 'study.hours', date, value: 2 },
    { key: 'job-a3', emp_no: 'EA003', indicator: 'perf.rating', date, value: 3 },
    // EB002 at the politics cap (4 × 4 = 16): its late meeting changes nothing
    ...[0, 1, 2, 3].map((i) => ({ key: `job-b2-${i}`, emp_no: 'EB002', indicator: 'meeting.attend', date, value: 1 })),
  ]);
  const opts = {
    db: srv.dbUrl,
    init: false,
    env: { DJ_JOBS_START_AT: String(Date.now() + 2000) },
    serveArgs: ['--jobs-every', '1'],
  };
  const servers = await Promise.all([startServer(opts), startServer(opts)]);
  try {
    const runsOf = () => sql(srv.dbUrl, `SELECT run, reason FROM score_run_log WHERE month = ${last} ORDER BY run`);
    const waitFor = async (what, cond) => {
      const deadline = Date.now() + 60_000;
      while (!cond()) {
        assert.ok(Date.now() < deadline, `${what} not in time:\n${servers.map((s) => s.log()).join('\n---\n')}`);
        await sleep(200);
      }
    };
    await waitFor('the scheduled run', () => runsOf() !== '');
    // several passes of both servers: no late events, no re-run
    await sleep(3000);
    assert.equal(runsOf(), '1|scheduled');

    await nextSecond();
    const late = lateEvents('joblate', last);
    await send(W.key, late.hr);
    await send(mesKey, late.mes);
    await waitFor('the re-run', () => runsOf().includes('2|late_events'));
    await sleep(3000);
    assert.equal(runsOf(), '1|scheduled\n2|late_events');
    assertChanges(changes(last), 2);
    await Promise.all(servers.map((s) => s.stop()));
    const logs = servers.map((s) => s.log()).join('\n');
    assert.equal((logs.match(new RegExp(`jobs: re-scored ${last} \\(run 2\\): 6 late events, 2 members changed`, 'g')) ?? []).length, 1, logs);
    assert.equal(sql(srv.dbUrl, `SELECT run, reason FROM score_runs WHERE month = ${last}`), '2|late_events');
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
  }
});
