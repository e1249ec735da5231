// Party dues (党费): a server killed (SIGKILL) in the middle of a large one-click
// confirmation, on a database of its own: all of the batch or none is booked, and the next
// confirmation completes it exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib.mjs';
import { writeTmp, csv, cliOk, addUser, signIn, tempDatabase, sql } from './fixtures.mjs';

const BRANCHES = 40;
const MEMBERS = 3000;

test('SIGKILL in the middle of a large one-click confirmation: all of the batch or none, then exactly once', async (t) => {
  const db = tempDatabase();
  let first;
  let second;
  try {
    // the confirmation sleeps half-way through its journal entries (DJ_DUES_CONFIRM_PAUSE_MS),
    // so the kill lands inside the transaction however fast the machine is
    first = await startServer({ db: db.url, env: { DJ_DUES_CONFIRM_PAUSE_MS: '5000' } });
    const orgs = [['CO', '公司党委', '', '党委']];
    for (let u = 1; u <= 4; u++) {
      orgs.push([`U${u}`, `单位${u}党委`, 'CO', '党委']);
      for (let b = 1; b <= BRANCHES / 4; b++) orgs.push([`U${u}-B${b}`, `单位${u}第${b}支部`, `U${u}`, '党支部']);
    }
    cliOk(first, ['import', 'orgs', writeTmp('k-orgs.csv', csv([['组织编码', '组织名称', '上级组织编码', '组织类型'], ...orgs]))]);
    const members = [['工号', '姓名', '入党日期', '所在组织编码']];
    const bases = [['工号', '年度', '月收入（元）']];
    const expect = {};
    let total = 0;
    for (let i = 0; i < MEMBERS; i++) {
      const emp = `K${String(i).padStart(5, '0')}`;
      const yuan = 2000 + ((i * 37) % 12000);
      const rate = yuan <= 3000 ? 50 : yuan <= 5000 ? 100 : yuan <= 10000 ? 150 : 200;
      expect[emp] = Math.round((yuan * 100 * rate) / 10000);
      total += expect[emp];
      members.push([emp, `党员${i}`, '2010-07-01', `U${1 + (i % 4)}-B${1 + (Math.floor(i / 4) % (BRANCHES / 4))}`]);
      bases.push([emp, '2024', String(yuan)]);
    }
    cliOk(first, ['import', 'members', writeTmp('k-members.csv', csv(members))]);
    cliOk(first, ['import', 'bases', writeTmp('k-bases.csv', csv(bases))]);
    cliOk(first, ['dues', 'generate', '--month', '202405']);
    cliOk(first, ['dues', 'publish', '--month', '202405']);
    addUser(first, 'fin', 'finance', 'ROOT');
    const fin = (await signIn(first, 'fin')).token;
    const items = Object.entries(expect).map(([emp, fen]) => ({ emp_no: emp, months: [202405], amount_fen: fen, channel: 'payroll' }));
    const paid = await first.api('POST', '/api/v1/dues/collections', { token: fin, body: { items } });
    assert.equal(paid.status, 201, paid.text.slice(0, 500));
    assert.equal(paid.body.amount_fen, total);

    const count = (q) => Number(sql(db.url, q));
    const state = () => ({
      confirmed: count("SELECT COUNT(*) FROM dues_bills WHERE month = 202405 AND status = 'confirmed'"),
      entries: count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'confirm'"),
      postings: count("SELECT COUNT(*) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id AND e.tenant_id = p.tenant_id WHERE e.kind = 'confirm'"),
      batches: count('SELECT COUNT(*) FROM dues_batches'),
    });
    const pending = first.api('POST', '/api/v1/dues/confirm', { token: fin, body: { month: 202405 } }).then(
      (r) => ({ r }),
      (e) => ({ e }),
    );
    await new Promise((res) => setTimeout(res, 1500));
    first.process.kill('SIGKILL');
    const outcome = await pending;
    assert.ok(outcome.e || outcome.r.status >= 200, 'the request ended with the server');
    for (let i = 0; i < 100 && !first.exited; i++) await new Promise((res) => setTimeout(res, 50));
    assert.ok(first.exited, 'the server is gone');

    second = await startServer({ db: db.url, init: false });
    const after = state();
    t.diagnostic(`after the kill: ${after.confirmed} of ${MEMBERS} bills confirmed, ${after.entries} entries`);
    const none = { confirmed: 0, entries: 0, postings: 0, batches: 0 };
    if (after.confirmed === 0) assert.deepEqual(after, none, 'nothing of the batch is left half-booked');
    else {
      assert.equal(after.confirmed, MEMBERS, 'all of the batch, or none');
      assert.deepEqual([after.entries, after.batches], [BRANCHES, 1]);
    }
    assert.match(cliOk(second, ['dues', 'check']).stdout, /0 unbalanced entries, all postings sum to 0 fen/);
    const tok2 = (await signIn(second, 'fin')).token;
    const c = await second.api('POST', '/api/v1/dues/confirm', { token: tok2, body: { month: 202405 } });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.confirmed, after.confirmed === 0 ? MEMBERS : 0, 'the new confirm completes it');
    const again = await second.api('POST', '/api/v1/dues/confirm', { token: tok2, body: { month: 202405 } });
    assert.equal(again.body.confirmed, 0, 'and runs exactly once');
    const end = state();
    assert.deepEqual([end.confirmed, end.entries, end.batches], [MEMBERS, BRANCHES, 1]);
    const tb = await second.api('GET', `/api/v1/dues/ledger/trial-balance?subtree=1`, { token: tok2 });
    const a = Object.fromEntries(tb.body.accounts.map((x) => [x.account, x.balance_fen]));
    assert.deepEqual([tb.body.balance_fen, a.bank, a.dues_receivable], [0, total, 0]);
  } finally {
    await second?.stop();
    if (first && !first.exited) await first.stop().catch(() => {});
    db.drop();
  }
});
