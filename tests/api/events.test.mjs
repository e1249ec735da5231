// Event ingestion: POST /api/v1/events with X-API-Key, JSON array or NDJSON, up to 10,000
// events, all-or-nothing; duplicates by (source, key); rejections with index and field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { seedWorld, addSource, sourceEvents, assertBatchRejected, sql } from './fixtures.mjs';

let srv;
let W;
let key2;
before(async () => {
  srv = await startServer();
  W = await seedWorld(srv, { sessions: false });
  key2 = addSource(srv, 'study', '学习平台');
});
after(() => srv?.stop());

const post = (events, key = W.key) => srv.api('POST', '/api/v1/events', { body: events, headers: { 'X-API-Key': key } });
const postNd = (text, key = W.key) =>
  srv.api('POST', '/api/v1/events', { raw: text, contentType: 'application/x-ndjson', headers: { 'X-API-Key': key } });
const count = () => sourceEvents(srv, 'hr');

// a day in the past that exists in every year
const PAST = '2024-03-15';

const BATCH = [
  { key: 'b1-1', emp_no: 'EA001', indicator: 'meeting.attend', date: PAST },
  { key: 'b1-2', emp_no: 'EA002', indicator: 'study.hours', date: '2024-03-16', value: 2.5, detail: { course: '党史' } },
  { key: 'b1-3', emp_no: 'EB001', indicator: 'review.grade', date: '2024-01-10', value: 4 },
  { key: 'b1-4', org_code: 'UA-B1', indicator: 'org.congress', date: '2024-02-20' },
  { key: 'b1-5', org_code: 'UB-B2', indicator: 'org.themeday', date: '2024-02-29' },
  { key: 'b1-6', emp_no: 'EA004', indicator: 'perf.rating', date: '2023-12-31', value: 3 },
];

test('no X-API-Key → 401; an unknown key → 401; a user session is no API key → 401', async () => {
  assertError(await srv.api('POST', '/api/v1/events', { body: BATCH }), 401, 'unauthorized');
  assertError(await post(BATCH, 'dj_' + 'x'.repeat(43)), 401, 'unauthorized');
  assertError(await post(BATCH, ''), 401, 'unauthorized');
  assertError(await srv.api('POST', '/api/v1/events', { body: BATCH, token: W.tokens.admin }), 401, 'unauthorized');
  assert.equal(count(), 0);
});

test('a JSON array of member and organization events → 200 {accepted: 6, duplicate: 0, rejected: 0}, all stored', async () => {
  const r = await post(BATCH);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { accepted: 6, duplicate: 0, rejected: 0 });
  assert.equal(count(), 6);
  // a member event belongs to the member's branch; an org event to the organization
  assert.equal(Number(sql(srv.dbUrl, "SELECT org_id FROM events WHERE key = 'b1-1'")), W.orgs['UA-B1']);
  assert.equal(Number(sql(srv.dbUrl, "SELECT member_id FROM events WHERE key = 'b1-1'")), W.members.EA001);
  assert.equal(Number(sql(srv.dbUrl, "SELECT org_id FROM events WHERE key = 'b1-5'")), W.orgs['UB-B2']);
  assert.equal(sql(srv.dbUrl, "SELECT COUNT(*) FROM events WHERE key = 'b1-5' AND member_id IS NULL"), '1');
  assert.equal(Number(sql(srv.dbUrl, "SELECT value FROM events WHERE key = 'b1-2'")), 2.5);
  assert.equal(Number(sql(srv.dbUrl, "SELECT value FROM events WHERE key = 'b1-1'")), 1, 'value defaults to 1');
  assert.equal(sql(srv.dbUrl, "SELECT day FROM events WHERE key = 'b1-1'"), '20240315');
});

test('the same batch again → every row a duplicate, nothing new stored', async () => {
  const r = await post(BATCH);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { accepted: 0, duplicate: 6, rejected: 0 });
  assert.equal(count(), 6);
});

test('a batch mixing stored and new keys → only the new ones are accepted', async () => {
  const r = await post([BATCH[0], { key: 'b2-1', emp_no: 'EA003', indicator: 'volunteer.hours', date: PAST, value: 3 }, BATCH[3]]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { accepted: 1, duplicate: 2, rejected: 0 });
  assert.equal(count(), 7);
});

test('the same key twice within one batch → stored once, counted once as a duplicate', async () => {
  const ev = { key: 'b3-same', emp_no: 'EA001', indicator: 'task.done', date: PAST };
  const r = await post([ev, ev]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { accepted: 1, duplicate: 1, rejected: 0 });
  assert.equal(count(), 8);
});

test('keys are unique per source: another source may use the same keys', async () => {
  const r = await post(BATCH, key2);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { accepted: 6, duplicate: 0, rejected: 0 });
  assert.equal(sourceEvents(srv, 'study'), 6);
  assert.equal(count(), 8);
});

test('NDJSON (application/x-ndjson, blank lines and CRLF allowed) → accepted; sent again → duplicates', async () => {
  const lines = [
    { key: 'nd-1', emp_no: 'EA001', indicator: 'lecture.given', date: '2024-04-01' },
    { key: 'nd-2', emp_no: 'EB002', indicator: 'honour.award', date: '2024-04-02', value: 2 },
    { key: 'nd-3', org_code: 'UA-B3', indicator: 'org.lecture', date: '2024-04-03' },
  ];
  const text = `${JSON.stringify(lines[0])}\r\n\n${JSON.stringify(lines[1])}\n${JSON.stringify(lines[2])}`;
  const r = await postNd(text);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { accepted: 3, duplicate: 0, rejected: 0 });
  assert.equal(count(), 11);
  const again = await postNd(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  assert.deepEqual(again.body, { accepted: 0, duplicate: 3, rejected: 0 });
  assert.equal(count(), 11);
});

test('NDJSON with a line that is not JSON → 400 naming the line, nothing stored', async () => {
  const good = JSON.stringify({ key: 'nd-bad-1', emp_no: 'EA001', indicator: 'task.done', date: PAST });
  const r = await postNd(`${good}\n{"key": "nd-bad-2",\n`);
  assertError(r, 400, 'invalid');
  assert.match(r.body.error.message, /line 2/);
  assert.equal(count(), 11);
});

test('a batch with bad rows → 400 naming each bad row’s index and field; NOTHING from it is stored', async () => {
  const good1 = { key: 'bad-ok-1', emp_no: 'EA002', indicator: 'meeting.attend', date: '2024-05-06' };
  const good2 = { key: 'bad-ok-2', org_code: 'UA-B2', indicator: 'org.committee_meeting', date: '2024-05-07' };
  const batch = [
    good1, //                                                                                       0
    { key: 'bad-1', emp_no: 'EA001', indicator: 'no.such.indicator', date: PAST }, //               1
    { key: 'bad-2', emp_no: 'NOBODY', indicator: 'meeting.attend', date: PAST }, //                 2
    { key: 'bad-3', emp_no: 'EA001', indicator: 'meeting.attend', date: '2024-02-30' }, //          3
    { key: 'bad-4', emp_no: 'EA001', indicator: 'meeting.attend', date: '2999-01-01' }, //          4
    { key: 'bad-5', emp_no: 'EA001', indicator: 'review.grade', date: PAST, value: 5 }, //          5
    { emp_no: 'EA001', indicator: 'meeting.attend', date: PAST }, //                                6
    { key: 'bad-7', org_code: 'UA-B1', indicator: 'meeting.attend', date: PAST }, //                7
    { key: 'bad-8', emp_no: 'EA001', indicator: 'study.hours', date: PAST, value: '3' }, //         8
    good2, //                                                                                       9
    { key: 'bad-10', emp_no: 'EA001', indicator: 'org.congress', date: PAST }, //                   10
    { key: 'bad-11', org_code: 'NO-ORG', indicator: 'org.congress', date: PAST }, //                11
    { key: 'bad-12', emp_no: 'EA001', indicator: 'meeting.attend', date: 'yesterday' }, //          12
    { key: 'bad-13', emp_no: 'EA001', indicator: 'review.grade', date: PAST, value: 0 }, //         13
    { key: 42, emp_no: 'EA001', indicator: 'meeting.attend', date: PAST }, //                       14
    { key: 'bad-15', emp_no: 'EA001', indicator: 'meeting.attend' }, //                             15
    { key: 'bad-16', emp_no: 'EA001', indicator: 'meeting.attend', date: PAST, colour: 'red' }, //  16
  ];
  const expected = {
    1: ['indicator'],
    2: ['emp_no'],
    3: ['date'],
    4: ['date'],
    5: ['value'],
    6: ['key'],
    7: ['emp_no', 'org_code'],
    8: ['value'],
    10: ['emp_no', 'org_code'],
    11: ['org_code'],
    12: ['date'],
    13: ['value'],
    14: ['key'],
    15: ['date'],
    16: ['colour'],
  };
  const before = count();
  const details = assertBatchRejected(await post(batch), Object.keys(expected).length);
  const byIndex = {};
  for (const d of details) (byIndex[d.index] ??= []).push(d);
  assert.deepEqual(Object.keys(byIndex).map(Number).sort((a, b) => a - b), Object.keys(expected).map(Number), JSON.stringify(details));
  for (const [i, fields] of Object.entries(expected)) {
    assert.ok(
      byIndex[i].some((d) => fields.includes(d.field)),
      `row ${i} should be rejected for ${fields.join(' or ')}: ${JSON.stringify(byIndex[i])}`,
    );
  }
  assert.match(byIndex[1][0].reason, /no\.such\.indicator/);
  assert.match(byIndex[2][0].reason, /NOBODY/);
  assert.equal(count(), before, 'nothing of a rejected batch is stored');
  assert.equal(sql(srv.dbUrl, "SELECT COUNT(*) FROM events WHERE key LIKE 'bad-%'"), '0');

  // the good rows of that batch are accepted when sent alone
  const r = await post([good1, good2]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { accepted: 2, duplicate: 0, rejected: 0 });
  assert.equal(count(), before + 2);
});

test('one good row and one bad row → rejected, and the good row is not stored', async () => {
  const before = count();
  const good = { key: 'pair-ok', emp_no: 'EA003', indicator: 'study.exam', date: PAST, value: 88 };
  const details = assertBatchRejected(await post([good, { key: 'pair-bad', emp_no: 'EA003', indicator: 'study.exam', date: PAST, value: 101 }]), 1);
  assert.deepEqual(details.map((d) => [d.index, d.field]), [[1, 'value']]);
  assert.equal(count(), before);
  assert.deepEqual((await post([good])).body, { accepted: 1, duplicate: 0, rejected: 0 });
});

test('a row with several problems counts as one rejected row', async () => {
  const before = count();
  const r = await post([
    { key: 'multi-ok', emp_no: 'EA001', indicator: 'task.done', date: PAST },
    { emp_no: 'EA001', indicator: 'review.grade', date: '2024-02-30', value: 9 },
  ]);
  const details = assertBatchRejected(r, 1);
  assert.ok(details.every((d) => d.index === 1), JSON.stringify(details));
  assert.ok(details.some((d) => d.field === 'key'));
  assert.equal(count(), before);
});

test('a row that is not a JSON object → rejected with its index', async () => {
  const before = count();
  const details = assertBatchRejected(await post([{ key: 'obj-ok', emp_no: 'EA001', indicator: 'task.done', date: PAST }, 'not an event', [1, 2]]), 2);
  assert.deepEqual(details.map((d) => d.index).sort(), [1, 2]);
  assert.equal(count(), before);
});

test('10,001 events → 413 too_large, nothing stored; exactly 10,000 → accepted', async () => {
  const mk = (n, prefix) =>
    Array.from({ length: n }, (_, i) => ({ key: `${prefix}-${i}`, emp_no: i % 2 ? 'EA001' : 'EB002', indicator: 'study.platform_points', date: PAST, value: i % 100 }));
  const before = count();
  assertError(await post(mk(10001, 'big')), 413, 'too_large');
  assert.equal(count(), before);
  const r = await post(mk(10000, 'max'));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { accepted: 10000, duplicate: 0, rejected: 0 });
  assert.equal(count(), before + 10000);
});

test('10,001 NDJSON lines → 413 too_large', async () => {
  const line = (i) => JSON.stringify({ key: `ndbig-${i}`, emp_no: 'EA001', indicator: 'task.done', date: PAST });
  const text = Array.from({ length: 10001 }, (_, i) => line(i)).join('\n');
  const before = count();
  assertError(await postNd(text), 413, 'too_large');
  assert.equal(count(), before);
});

test('an empty array or an empty NDJSON body → 400 invalid', async () => {
  assertError(await post([]), 400, 'invalid');
  assertError(await postNd(''), 400, 'invalid');
  assertError(await postNd('\n\n'), 400, 'invalid');
});

test('a JSON object instead of an array, invalid JSON, or a wrong content type → 400/400/415', async () => {
  assertError(await post(BATCH[0]), 400, 'invalid');
  assertError(await srv.api('POST', '/api/v1/events', { raw: '[{"key": "x",', contentType: 'application/json', headers: { 'X-API-Key': W.key } }), 400, 'invalid');
  assertError(await srv.api('POST', '/api/v1/events', { raw: JSON.stringify(BATCH), contentType: 'text/csv', headers: { 'X-API-Key': W.key } }), 415, 'unsupported_media_type');
  const bad = Buffer.concat([Buffer.from('[{"key":"'), Buffer.from([0xff]), Buffer.from('"}]')]);
  assertError(await srv.api('POST', '/api/v1/events', { raw: bad, contentType: 'application/json', headers: { 'X-API-Key': W.key } }), 400, 'invalid');
  assertError(await srv.api('POST', '/api/v1/events', { raw: bad, contentType: 'application/x-ndjson', headers: { 'X-API-Key': W.key } }), 400, 'invalid');
  assert.equal(srv.exited, false);
});

test('GET on /events → 405 method_not_allowed', async () => {
  assertError(await srv.api('GET', '/api/v1/events', { headers: { 'X-API-Key': W.key } }), 405, 'method_not_allowed');
});

test('two batches at once with overlapping keys, through two servers: each key stored once, the counts add up', async () => {
  // a second server (another process, its own connections) on the same database
  const other = await startServer({ db: srv.dbUrl, init: false });
  try {
    const before = count();
    const ev = (i) => ({ key: `race-${i}`, emp_no: 'EA001', indicator: 'study.hours', date: PAST, value: 1 });
    const range = (lo, hi) => Array.from({ length: hi - lo }, (_, k) => ev(lo + k));
    const postTo = (s, events) => s.api('POST', '/api/v1/events', { body: events, headers: { 'X-API-Key': W.key } });
    let distinct = 0;
    for (let round = 0; round < 3; round++) {
      const base = round * 10000;
      // A: 0..2999, B: 2000..4999 (1,000 keys in both); B's rows in reverse order
      const a = range(base, base + 3000);
      const b = range(base + 2000, base + 5000).reverse();
      const [ra, rb] = await Promise.all([postTo(srv, a), postTo(other, b)]);
      assert.equal(ra.status, 200, ra.text);
      assert.equal(rb.status, 200, rb.text);
      assert.equal(ra.body.accepted + rb.body.accepted, 5000, `${ra.text} ${rb.text}`);
      assert.equal(ra.body.duplicate + rb.body.duplicate, 1000, `${ra.text} ${rb.text}`);
      assert.equal(ra.body.accepted + ra.body.duplicate, 3000);
      assert.equal(rb.body.accepted + rb.body.duplicate, 3000);
      distinct += 5000;
    }
    assert.equal(count(), before + distinct);
    assert.equal(sql(srv.dbUrl, "SELECT COUNT(*) FROM (SELECT key FROM events WHERE key LIKE 'race-%' GROUP BY source_id, key HAVING COUNT(*) > 1) d"), '0');
  } finally {
    await other.stop();
  }
});
