// Completeness of the sources' data: declarations (bad input, roles, audit), the quality view
// of a month built through the API (events on time and late, rows of a drop folder
// quarantined), scoped by organization, the gate of the monthly jobs (a month with an
// incomplete source waits; an administrator's release lets it run) and the notice about a
// quiet source, sent once per quiet spell.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, assertError, freePort } from './lib.mjs';
import { seedWorld, sql, addSource, localDate, localMidnight } from './fixtures.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const addMonths = (m, n) => {
  const t = Math.floor(m / 100) * 12 + (m % 100) - 1 + n;
  return Math.floor(t / 12) * 100 + (t % 12) + 1;
};
const CUR = localDate().month;
const M1 = addMonths(CUR, -1); // last month: the one the jobs score and close
const M3 = addMonths(CUR, -3); // long over: its complete-by days have passed
const iso = (m, d = 15) => `${Math.floor(m / 100)}-${String(m % 100).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

let srv, W, admin, ids, drop, keys;
const q = (s) => sql(srv.dbUrl, s);
const expect = (id, body, token = admin) => srv.api('PUT', `/api/v1/sources/${id}/expect`, { token, body });
const view = (query, token = admin) => srv.api('GET', `/api/v1/feeds/quality?${query}`, { token });

before(async () => {
  srv = await startServer({ serveArgs: ['--no-jobs'] });
  W = await seedWorld(srv);
  admin = W.tokens.admin;
  addSource(srv, 'prod', '生产系统');
  keys = { mes: addSource(srv, 'mes', '制造执行系统') };
  ids = {};
  for (const c of ['hr', 'prod', 'mes']) ids[c] = Number(q(`SELECT id FROM sources WHERE code = '${c}'`));
  drop = mkdtempSync(path.join(os.tmpdir(), 'dj-quality-drop.'));
});

after(async () => {
  await srv?.stop();
  if (drop) rmSync(drop, { recursive: true, force: true });
});

test('declarations: bad input has clear reasons, only an administrator declares, audited', async () => {
  const good = { indicators: ['perf.rating'], complete_day: 5, org_id: W.orgs.UA };
  const bad = [
    [{ ...good, indicators: ['perf.rating', 'no.such'] }, 'unknown_indicator', 'indicators'],
    [{ ...good, indicators: [] }, 'required', 'indicators'],
    [{ ...good, complete_day: 0 }, 'out_of_range', 'complete_day'],
    [{ ...good, complete_day: 29 }, 'out_of_range', 'complete_day'],
    [{ ...good, org_id: 999999 }, 'unknown_org', 'org_id'],
    [{ ...good, cadence: 'weekly' }, 'invalid_choice', 'cadence'],
  ];
  for (const [body, code, field] of bad) {
    const r = await expect(ids.hr, body);
    assertError(r, 400, 'invalid');
    assert.equal(r.body.error.details?.[0]?.code, code, r.text);
    assert.equal(r.body.error.details?.[0]?.field, field, r.text);
  }
  assert.equal(q(`SELECT COUNT(*) FROM source_expectations`), '0');
  for (const who of ['com-a', 'sec-a1', 'fin-a', 'mem-a2']) {
    assertError(await expect(ids.hr, good, W.tokens[who]), 403, 'forbidden');
    assertError(await srv.api('GET', `/api/v1/sources/${ids.hr}/expect`, { token: W.tokens[who] }), 403, 'forbidden');
  }
  assertError(await srv.api('GET', `/api/v1/sources/${ids.hr}/expect`, { token: admin }), 404, 'not_found');
  assertError(await expect(999999, good), 404, 'not_found');

  const before = Number(q('SELECT COALESCE(MAX(id), 0) FROM audit'));
  let r = await expect(ids.hr, good);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.indicators, ['perf.rating']);
  assert.equal(r.body.org.code, 'UA');
  assert.equal(r.body.complete_day, 5);
  r = await srv.api('GET', `/api/v1/sources/${ids.hr}/expect`, { token: admin });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.source.code, 'hr');
  const rows = q(`SELECT action || ':' || entity || ':' || entity_id FROM audit WHERE id > ${before}`);
  assert.equal(rows, `expect_create:source:${ids.hr}`);
  // the whole company by default, and the CLI in the same style as the other source verbs
  r = await expect(ids.prod, { indicators: ['safety.violation'], complete_day: 10 });
  assert.equal(r.body.org.code, 'CO', r.text);
  const out = srv.run(['source', 'expect', 'prod', '--indicators', 'safety.violation', '--complete-day', '10', '--org', 'UA-B3']);
  assert.equal(out.status, 0, out.stderr);
  const badCli = srv.run(['source', 'expect', 'prod', '--indicators', 'nope', '--complete-day', '10']);
  assert.notEqual(badCli.status, 0);
  assert.match(badCli.stderr, /unknown indicator 'nope'/);
  r = await srv.api('GET', `/api/v1/sources/${ids.prod}/expect`, { token: admin });
  assert.equal(r.body.org.code, 'UA-B3');
  assert.equal(q(`SELECT COUNT(*) FROM audit WHERE id > ${before} AND action = 'expect_update'`), '1');
});

test("the view's numbers: expected, received, late and rejected rows of a month", async () => {
  // hr (covers UA, day 5): EA001 and EA002 (UA-B1) on time, EA003 (UA-B2) late, nothing for
  // EA004 (UA-B3); an undeclared indicator and a member outside UA are not counted
  const ev = [
    { key: 'q1', emp_no: 'EA001', indicator: 'perf.rating', date: iso(M3), value: 4 },
    { key: 'q2', emp_no: 'EA002', indicator: 'perf.rating', date: iso(M3), value: 3 },
    { key: 'q3', emp_no: 'EA003', indicator: 'perf.rating', date: iso(M3), value: 4 },
    { key: 'q4', emp_no: 'EA001', indicator: 'study.hours', date: iso(M3), value: 2 },
    { key: 'q5', emp_no: 'EB001', indicator: 'perf.rating', date: iso(M3), value: 2 },
  ];
  let r = await srv.api('POST', '/api/v1/events', { body: ev, headers: { 'X-API-Key': W.key } });
  assert.equal(r.status, 200, r.text);
  const due = localMidnight(addMonths(M3, 1), 5);
  q(`UPDATE events SET created_at = ${due - 86400} WHERE source_id = ${ids.hr} AND key IN ('q1', 'q2')`);

  // prod (covers UA-B3, day 10): a drop folder with one good row and two quarantined ones
  r = await srv.api('PUT', `/api/v1/sources/${ids.prod}/feed`, {
    token: admin,
    body: { kind: 'folder', target: drop, mapping: { key: 'no', emp_no: 'emp', indicator: '=safety.violation', value: 'times', month: 'month' } },
  });
  assert.equal(r.status, 200, r.text);
  writeFileSync(path.join(drop, 'a.csv'), `no,emp,times,month\np1,EA004,1,${M3}\np2,NOPE,1,${M3}\np3,EA004,x,${M3}\np4,EA004,1,${M1}\n`);
  r = await srv.api('POST', `/api/v1/sources/${ids.prod}/feed/pull`, { token: admin });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.quarantined, 2, r.text);

  r = await view(`month=${M3}`);
  assert.equal(r.status, 200, r.text);
  const hr = r.body.sources.find((s) => s.source.code === 'hr');
  const byOrg = Object.fromEntries(hr.orgs.map((o) => [o.org.code, [o.expected, o.received, o.late, o.members_with_data]]));
  assert.deepEqual(byOrg, { 'UA-B1': [2, 2, 0, 2], 'UA-B2': [1, 1, 1, 1], 'UA-B3': [1, 0, 0, 0] });
  assert.equal(hr.orgs_missing, 1);
  assert.equal(hr.complete_by, iso(addMonths(M3, 1), 5));
  // past its day, and the source spoke since: what it did not send is taken as nothing to send
  assert.equal(hr.complete, true);
  assert.ok(hr.lag_seconds >= 0 && hr.lag_seconds < 600, r.text);
  assert.deepEqual(hr.rejected, { total: 0, reasons: {} });
  const prod = r.body.sources.find((s) => s.source.code === 'prod');
  assert.deepEqual(prod.orgs.map((o) => [o.org.code, o.expected, o.received, o.late]), [['UA-B3', 1, 1, 1]]);
  assert.deepEqual(prod.rejected, { total: 2, reasons: { not_number: 1, unknown_member: 1 } });
  assert.ok(prod.last_ok_at > 0);
  // one source asked for
  r = await view(`month=${M3}&source_id=${ids.prod}`);
  assert.deepEqual(r.body.sources.map((s) => s.source.code), ['prod']);
  // the CLI prints the same numbers
  const out = srv.run(['source', 'quality', '--month', String(M3)]);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /UA-B2\s+1\s+1\s+1/);
  assert.match(out.stdout, /source prod: .* 2 rejected, lag \d+ s/);
  // bad month
  const bad = await view('month=2024-13');
  assertError(bad, 400, 'invalid');
  assert.equal(bad.body.error.details?.[0]?.code, 'invalid_month');
  // no month: the month that ended last
  const now = new Date();
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const r0 = await view('');
  assert.equal(r0.status, 200);
  assert.equal(r0.body.month, last.getUTCFullYear() * 100 + last.getUTCMonth() + 1);
});

test('the view is for committee staff (their subtree) and administrators only', async () => {
  for (const who of ['sec-a1', 'fin-a', 'mem-a2']) assertError(await view(`month=${M3}`, W.tokens[who]), 403, 'forbidden');
  // com-b (UB) sees no organization of UA, and no rejected rows (they name no organization)
  let r = await view(`month=${M3}`, W.tokens['com-b']);
  assert.equal(r.status, 200, r.text);
  for (const s of r.body.sources) {
    assert.deepEqual(s.orgs, [], JSON.stringify(s));
    assert.equal(s.rejected, null);
  }
  assertError(await view(`month=${M3}&org_id=${W.orgs.UA}`, W.tokens['com-b']), 403, 'forbidden');
  // com-a (UA) sees its own
  r = await view(`month=${M3}&org_id=${W.orgs['UA-B1']}`, W.tokens['com-a']);
  assert.equal(r.status, 200, r.text);
  const hr = r.body.sources.find((s) => s.source.code === 'hr');
  assert.deepEqual(hr.orgs.map((o) => o.org.code), ['UA-B1']);
});

test('releases: an administrator with a reason, audited, once; for a month that is over', async () => {
  const rel = (m, body, token = admin) => srv.api('POST', `/api/v1/months/${m}/release`, { token, body });
  for (const who of ['com-a', 'fin-a', 'mem-a2']) assertError(await rel(M3, { reason: 'x' }, W.tokens[who]), 403, 'forbidden');
  let r = await rel(CUR, { reason: 'too early' });
  assertError(r, 400, 'invalid');
  assert.equal(r.body.error.details?.[0]?.code, 'not_over');
  r = await rel(M3, { reason: '' });
  assertError(r, 400, 'invalid');
  r = await rel('2024x', { reason: 'x' });
  assertError(r, 400, 'invalid');
  assert.equal(q('SELECT COUNT(*) FROM month_releases'), '0');
  const before = Number(q('SELECT COALESCE(MAX(id), 0) FROM audit'));
  r = await rel(M3, { reason: '人力系统九月数据经核对无缺失' });
  assert.equal(r.status, 200, r.text);
  assert.equal(q(`SELECT action || ':' || entity || ':' || entity_id FROM audit WHERE id > ${before}`), `release:month:${M3}`);
  assertError(await rel(M3, { reason: 'again' }), 409, 'conflict');
  r = await view(`month=${M3}`);
  assert.equal(r.body.released.reason, '人力系统九月数据经核对无缺失');
  assert.equal(r.body.released.by, 'admin');
});

test('the gate: last month waits for a source with no data, runs after a release; a quiet source is told once', async () => {
  // mes (covers UB, day 28) never sends anything: last month is not complete
  let r = await expect(ids.mes, { indicators: ['meeting.attend'], complete_day: 28, org_id: W.orgs.UB });
  assert.equal(r.status, 200, r.text);
  // an event of last month, so that the scoring job has something to score once let through
  r = await srv.api('POST', '/api/v1/events', { body: [{ key: 'm1', emp_no: 'EA002', indicator: 'perf.rating', date: iso(M1), value: 4 }], headers: { 'X-API-Key': W.key } });
  assert.equal(r.status, 200, r.text);
  // mes declared 70 days ago and silent since: quiet (a month and its 28 days of grace)
  q(`UPDATE source_expectations SET created_at = created_at - ${70 * 86400}, updated_at = updated_at - ${70 * 86400} WHERE source_id = ${ids.mes}`);
  const hook = await srv.api('POST', '/api/v1/plans/webhooks', {
    token: admin,
    body: { url: `http://127.0.0.1:${await freePort()}/hook`, secret: 'quality-test-secret-0123', max_attempts: 1 },
  });
  assert.equal(hook.status, 201, hook.text);
  r = await view(`month=${M1}`);
  assert.equal(r.body.ready, false);
  assert.equal(r.body.sources.find((s) => s.source.code === 'mes').quiet, true);

  const jobs = await startServer({ db: srv.dbUrl, init: false, serveArgs: ['--jobs-every', '1'] });
  try {
    const waitFor = async (re, what) => {
      const deadline = Date.now() + 30_000;
      while (!re.test(jobs.log())) {
        assert.ok(Date.now() < deadline, `${what} not seen in time:\n${jobs.log()}`);
        await sleep(100);
      }
    };
    await waitFor(new RegExp(`jobs: score ${M1} waits: sources incomplete \\(source mes has no data for 2 organizations\\)`), 'the score wait');
    await waitFor(new RegExp(`jobs: dues close ${M1} waits`), 'the dues close wait');
    await waitFor(/jobs: source mes quiet since/, 'the quiet notice');
    // a few more passes: still waiting, nothing scored, no second notice
    const passes = () => (jobs.log().match(new RegExp(`jobs: score ${M1} waits`, 'g')) ?? []).length;
    const n0 = passes();
    while (passes() < n0 + 2) await sleep(100);
    assert.equal(q(`SELECT COUNT(*) FROM score_runs WHERE month = ${M1}`), '0');

    assertError(await srv.api('POST', `/api/v1/months/${M1}/release`, { token: W.tokens['com-b'], body: { reason: 'x' } }), 403, 'forbidden');
    r = await srv.api('POST', `/api/v1/months/${M1}/release`, { token: admin, body: { reason: '制造执行系统尚未接入' } });
    assert.equal(r.status, 200, r.text);
    await waitFor(new RegExp(`jobs: scored ${M1}`), 'the score run after the release');
    assert.equal(q(`SELECT COUNT(*) FROM score_runs WHERE month = ${M1}`), '1');
  } finally {
    await jobs.stop();
  }
  assert.equal((jobs.log().match(/jobs: source mes quiet since/g) ?? []).length, 1);
  const inbox = await srv.api('GET', '/api/v1/plans/inbox', { token: admin });
  assert.equal(inbox.status, 200, inbox.text);
  const quiet = inbox.body.items.filter((n) => n.kind === 'source_quiet');
  assert.equal(quiet.length, 1, inbox.text);
  assert.match(quiet[0].title, /制造执行系统/);
  assert.equal(q(`SELECT COUNT(*) FROM plan_deliveries WHERE event = 'plan.source_quiet'`), '1');
  // a hand run by the operator is allowed, with a warning, for a month that is not complete
  q(`DELETE FROM month_releases WHERE month = ${M1}`);
  const out = srv.run(['score', 'run', '--month', String(M1)]);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stderr, new RegExp(`warning: month ${M1} is not complete`));
  const dues = srv.run(['dues', 'close', '--month', String(M1)]);
  assert.match(dues.stderr, new RegExp(`warning: month ${M1} is not complete`), dues.stdout + dues.stderr);
  // a released month runs without a word
  const fine = srv.run(['score', 'run', '--month', String(M3)]);
  assert.equal(fine.status, 0, fine.stderr);
  assert.doesNotMatch(fine.stderr, /not complete/);
});

test('a source that sends again is no longer quiet; a batch of duplicates only is no sign of life', async () => {
  const mes = async () => (await view(`month=${M1}`)).body.sources.find((s) => s.source.code === 'mes');
  let m = await mes();
  assert.equal(m.quiet, true, JSON.stringify(m));
  assert.equal(m.last_ok_at, null);
  const send = () => srv.api('POST', '/api/v1/events', { body: [{ key: 'mes-1', emp_no: 'EB002', indicator: 'meeting.attend', date: iso(M1), value: 1 }], headers: { 'X-API-Key': keys.mes } });
  let r = await send();
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.accepted, 1, r.text);
  const after = Math.floor(Date.now() / 1000);
  m = await mes();
  assert.equal(m.quiet, false, JSON.stringify(m));
  assert.ok(m.last_ok_at >= after - 5 && m.last_ok_at <= after + 1, JSON.stringify(m));
  assert.ok(m.lag_seconds >= 0 && m.lag_seconds <= 5, JSON.stringify(m));
  // an hour later (the stored batch's time moved back) the same event again stores nothing:
  // the last sign of life stays an hour ago
  q(`UPDATE events SET created_at = created_at - 3600 WHERE source_id = ${ids.mes}`);
  q(`UPDATE audit SET at = at - 3600 WHERE entity = 'source' AND entity_id = ${ids.mes} AND action = 'ingest'`);
  r = await send();
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.duplicate, 1, r.text);
  m = await mes();
  assert.ok(m.lag_seconds >= 3600 && m.lag_seconds <= 3605, JSON.stringify(m));
});
