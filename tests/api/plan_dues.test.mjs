// The default plan's dues task (党费按时足额收缴): the share of a branch's bills paid by the
// month's end, read by the plan grid in one query over dues_bills. On PostgreSQL that query
// once failed to prepare ("operator does not exist: bigint < text"), so the daily check and
// every plan page with a dues task died on the backend meant for bigger tenants.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib.mjs';
import { seedWorld, localDate } from './fixtures.mjs';

let srv;
let W;
before(async () => {
  srv = await startServer();
  W = await seedWorld(srv);
});
after(() => srv?.stop());

const api = (login, method, path, body) => srv.api(method, path, { token: W.tokens[login], body });

test('bills paid this month count for the dues task; the daily check runs over them', async () => {
  const { month } = localDate();
  const year = Math.floor(month / 100);
  const period = `${year}-${String(month % 100).padStart(2, '0')}`;
  const d = await api('com-a', 'POST', '/api/v1/plans/defaults', { org_id: W.orgs.UA, year });
  assert.equal(d.status, 200, d.text);
  for (const emp of ['EA002', 'EA003']) {
    const b = await api('fin-a', 'POST', '/api/v1/dues/bases', { member_id: W.members[emp], year, monthly_fen: 400000 });
    assert.equal(b.status, 200, b.text);
  }
  // the whole company's month, as the job on the 1st makes it: only such months count for plans
  const gen = srv.cli('dues', 'generate', '--month', String(month));
  assert.equal(gen.status, 0, gen.stderr);
  assert.equal((await api('fin-a', 'POST', '/api/v1/dues/publish', { month, org_id: W.orgs.UA })).status, 200);
  // EA002 (UA-B1) pays now, within the month; EA003 (UA-B2) does not
  const paid = await api('fin-a', 'POST', '/api/v1/dues/collections', { items: [{ emp_no: 'EA002', months: [month], amount_fen: 4000, channel: 'cash' }] });
  assert.equal(paid.status, 201, paid.text);

  const share = async (code) => {
    const p = await api('com-a', 'GET', `/api/v1/plans/progress?org_id=${W.orgs[code]}&period=${period}`);
    assert.equal(p.status, 200, p.text);
    const task = p.body.tasks.find((t) => t.task.code === 'dues');
    assert.ok(task, `no dues task in ${JSON.stringify(p.body.tasks?.map((t) => t.task?.code))}`);
    return task.periods[0];
  };
  const b1 = await share('UA-B1');
  assert.equal(b1.actual, 100, 'the one bill of UA-B1 is paid by the month end: 100 %');
  assert.equal(b1.completion, 1);
  const b2 = await share('UA-B2');
  assert.equal(b2.actual, 0, 'UA-B2 has paid none of its bills');

  const check = await api('admin', 'POST', '/api/v1/plans/check', {});
  assert.equal(check.status, 200, check.text);
  assert.ok(check.body.cells > 0, check.text);
});
