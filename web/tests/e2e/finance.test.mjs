// End-to-end: the finance clerk (caiwu, 财务 of the demo company's unit) walks every screen of
// 党费管理 on a 390×844 phone and on a 1366×900 desktop: imports a bases CSV with a bad row
// (the preview lists it, nothing is written), verifies a base and finds it in the member's
// history, reverses a payment with a reason and sees the reversing entry, remits and sees the
// remittance and how the ledger moved, records an expenditure with its approval record and
// finds it in the statement. Every step fails on horizontal overflow of the page or a button
// outside the viewport. Screenshots go to DJ_SHOTS. Run by scripts/test-web.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, uiLogin, apiAs, shot, assertFits as fitsIn, yuan, VIEWS } from './lib.mjs';

let srv;
let ctx;
let page;
let fin;
const W = {}; // the arranged world: unit, month, branches, payments to reverse

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

before(async () => {
  ({ srv, ctx, page } = await startApp());
  fin = await apiAs(srv.base, 'caiwu');
  const me = (await fin.get('/api/v1/me')).body;
  W.unit = me.roles.find((r) => r.role === 'finance').org_id;
  W.name = me.display_name;
  // this month: issued, some bills collected in cash and confirmed, so that branches owe a
  // share upward and there are confirmed payments to reverse
  const rep = (await fin.get('/api/v1/dues/reports/collection')).body;
  W.month = rep.month;
  if (!rep.totals.billed) assert.equal((await fin.post('/api/v1/dues/generate', { month: W.month })).status, 200);
  await fin.post('/api/v1/dues/publish', { month: W.month });
  const bills = (await fin.get(`/api/v1/dues/bills?month=${W.month}&status=unpaid&page_size=40`)).body.items.filter((b) => b.amount_fen > 0);
  assert.ok(bills.length >= 4, 'this month has unpaid bills to collect');
  const items = bills.slice(0, 12).map((b) => ({ member_id: b.member_id, months: [b.month], amount_fen: b.amount_fen, channel: 'cash' }));
  const c = await fin.post('/api/v1/dues/collections', { items });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const k = await fin.post('/api/v1/dues/confirm', { month: W.month });
  assert.equal(k.status, 200, JSON.stringify(k.body));
  W.payments = c.body.ids.map((id, i) => ({ id, member_id: items[i].member_id, bill: bills[i] }));
  const tree = (await fin.get(`/api/v1/orgs/tree?org_id=${W.unit}`)).body;
  W.branches = [];
  const walk = (n) => {
    if (n.kind === 'branch') W.branches.push(n);
    for (const x of n.children || []) walk(x);
  };
  walk(tree);
});

after(async () => {
  await ctx?.close();
  await srv?.stop();
});

/** The page fits the viewport: no sideways scrolling, every button reachable (lib.mjs). */
const assertFits = (where) => fitsIn(page, where);

async function openTab(tab, org, extra = '') {
  await page.goto(`${srv.base}/admin/dues?tab=${tab}&org=${org}&month=${W.month}${extra}`);
}

for (const [view, size] of VIEWS) {
  test(`${view}: income bases — a CSV with a bad row is previewed and refused, then a base verified by hand is in the member's history`, async () => {
    await ctx.clearCookies();
    await page.setViewportSize(size);
    await uiLogin(page, srv.base, 'caiwu', { expectPath: /^\/admin$/ });
    await assertFits(`${view} dashboard`);
    await openTab('bases', W.unit);
    await page.waitForSelector('[data-test=bases] tbody tr');
    await assertFits(`${view} bases`);

    // the import: one good row and one unknown employee number → the preview lists the bad row
    const year = Math.floor(W.month / 100);
    const first = await page.getAttribute('[data-test=bases] tbody tr >> nth=0', 'data-emp');
    const firstId = Number(await page.getAttribute('[data-test=bases] tbody tr >> nth=0', 'data-member'));
    const fen = view === 'phone' ? 812345 : 823456;
    const text = `\uFEFF工号,年度,月收入（元）,核定人\r\n${first},${year},${yuan(fen).replace(/,/g, '')},人资部\r\nNOPE-${view},${year},100,\r\n`;
    await page.setInputFiles('[data-test=import-file]', { name: 'bases.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
    await page.click('[data-test=import-preview]');
    await page.waitForSelector('[data-test=import-problem]');
    const problems = await page.locator('[data-test=import-problem]').allTextContents();
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0], new RegExp(`第 3 行「工号」.*NOPE-${view}`));
    assert.ok(await page.isDisabled('[data-test=import-confirm]'), 'a preview with a bad row cannot be imported');
    const hist0 = (await fin.get(`/api/v1/dues/members/${firstId}`)).body;
    assert.ok(!hist0.bases.some((b) => b.monthly_fen === fen), 'nothing was written');
    await assertFits(`${view} bases import preview`);
    await shot(page, `${view}-finance-bases-import`, { full: true });

    // verify by hand: a pay change from a month of the year, then the member's history
    const from = `${year}-${String((W.month % 100)).padStart(2, '0')}`;
    const row = page.locator('[data-test=bases] tbody tr >> nth=0');
    await row.locator('[data-test=base-verify]').click();
    await page.waitForSelector('[data-test=verify-sheet] [data-test=base-save]');
    await page.fill('[data-test=base-amount] input', 'abc');
    await page.click('[data-test=base-save]');
    await page.waitForSelector('[data-test=verify-sheet] .van-field__error-message');
    assert.match(await page.textContent('[data-test=verify-sheet] .van-field__error-message'), /请输入大于 0 的金额/);
    await page.fill('[data-test=base-amount] input', yuan(fen));
    await page.fill('[data-test=base-from] input', from);
    await assertFits(`${view} verify sheet`);
    await shot(page, `${view}-finance-bases-verify`);
    await page.click('[data-test=base-save]');
    await page.waitForSelector('[data-test=base-saved]');
    assert.match(await page.textContent('[data-test=base-saved]'), new RegExp(esc(yuan(fen))));
    const hist = (await fin.get(`/api/v1/dues/members/${firstId}`)).body;
    const b = hist.bases.find((x) => x.monthly_fen === fen);
    assert.ok(b, 'the verified base is stored');
    assert.equal(b.from_month, W.month);
    await page.waitForSelector('[data-test=bases] tbody tr >> nth=0 >> [data-test=base-history]');
    await page.locator('[data-test=bases] tbody tr >> nth=0').locator('[data-test=base-history]').click();
    await page.waitForSelector(`[data-test=history-sheet] [data-year="${year}"] tr[data-fen="${fen}"]`);
    const line = await page.textContent(`[data-test=history-sheet] [data-year="${year}"] tr[data-fen="${fen}"]`);
    assert.match(line, new RegExp(esc(yuan(fen))));
    assert.ok(line.includes(b.verified_by), `who verified it: ${line}`);
    await assertFits(`${view} base history`);
    await shot(page, `${view}-finance-bases-history`);
  });

  test(`${view}: reversal — find the member and the payment, a reason is required, then the reversing entry`, async () => {
    const p = W.payments.shift();
    const m = (await fin.get(`/api/v1/members/${p.member_id}`)).body;
    await openTab('reverse', W.unit);
    await page.waitForSelector('[data-test=rev-search] input');
    await assertFits(`${view} reversal search`);
    await page.fill('[data-test=rev-search] input', m.emp_no);
    await page.press('[data-test=rev-search] input', 'Enter');
    await page.click(`[data-test=rev-members] [data-member="${p.member_id}"]`);
    await page.waitForSelector(`[data-test=rev-payments] tr[data-payment="${p.id}"] [data-test=rev-open]`);
    await assertFits(`${view} payments`);
    await page.click(`[data-test=rev-payments] tr[data-payment="${p.id}"] [data-test=rev-open]`);
    await page.waitForSelector('[data-test=rev-payment]');
    assert.match(await page.textContent('[data-test=rev-payment]'), new RegExp(esc(yuan(p.bill.amount_fen))));
    await page.click('[data-test=rev-submit]');
    assert.match(await page.textContent('[data-test=rev-reason] .van-field__error-message'), /请填写冲正原因/);
    const reason = `收错了人（${view}）`;
    await page.fill('[data-test=rev-reason] textarea', reason);
    await assertFits(`${view} reversal sheet`);
    await page.click('[data-test=rev-submit]');
    await page.waitForSelector('.van-dialog');
    assert.ok((await page.textContent('.van-dialog')).includes(reason));
    await assertFits(`${view} reversal dialog`);
    await page.click('.van-dialog__confirm');
    await page.waitForSelector('[data-test=rev-result] [data-test=rev-entry]');
    const pay = (await fin.get(`/api/v1/dues/payments/${p.id}`)).body;
    assert.deepEqual([pay.status, pay.reverse_reason], ['reversed', reason]);
    const entry = await page.getAttribute('[data-test=rev-entry] >> nth=0', 'data-reverses');
    assert.ok(Number(entry) > 0, 'the reversing entry points to the confirmation it corrects');
    assert.equal(await page.getAttribute(`[data-test=rev-payments] tr[data-payment="${p.id}"]`, 'data-status'), 'reversed');
    await assertFits(`${view} reversal result`);
    await shot(page, `${view}-finance-reversal`, { full: true });
  });

  test(`${view}: remittance — what is owed before, the remittance after asking, the ledger's move and the list`, async () => {
    let org = null;
    let before = null;
    for (const b of W.branches) {
      const r = (await fin.get(`/api/v1/dues/remittances?org_id=${b.id}&year=${Math.floor(W.month / 100)}`)).body;
      if (r.payable_fen > 0 && r.bank_fen >= r.owed_fen) {
        org = b;
        before = r;
        break;
      }
    }
    assert.ok(org, 'a branch owes its share upward');
    await openTab('remit', org.id);
    await page.waitForSelector('[data-test=remit-owed]');
    assert.equal(Number(await page.getAttribute('[data-test=remit-owed]', 'data-payable')), before.payable_fen);
    assert.ok((await page.textContent('[data-test=remit-owed]')).includes(`¥${yuan(before.owed_fen)}`));
    await assertFits(`${view} remit`);
    await page.fill('[data-test=remit-amount] input', yuan(before.payable_fen + 1));
    await page.click('[data-test=remit]');
    assert.match(await page.textContent('[data-test=remit-amount] .van-field__error-message'), /不能超过应上缴金额/);
    await page.fill('[data-test=remit-amount] input', '');
    await page.click('[data-test=remit]');
    await page.waitForSelector('.van-dialog');
    assert.ok((await page.textContent('.van-dialog')).includes(`¥${yuan(before.payable_fen)}`));
    await assertFits(`${view} remit dialog`);
    await page.click('.van-dialog__confirm');
    await page.waitForSelector('[data-test=remit-result] [data-test=remit-ledger]');
    assert.equal(Number(await page.getAttribute('[data-test=remit-result]', 'data-amount')), before.payable_fen);
    assert.match(await page.textContent('[data-test=remit-ledger] [data-account=remit_payable]'), new RegExp(esc(yuan(before.payable_fen))));
    const after = (await fin.get(`/api/v1/dues/remittances?org_id=${org.id}`)).body;
    assert.deepEqual([after.payable_fen, after.total], [0, before.total + 1]);
    assert.equal(after.bank_fen, before.bank_fen - before.owed_fen);
    const made = after.items[0];
    await page.waitForSelector(`[data-test=remittances] tr[data-remittance="${made.id}"]`);
    assert.equal(await page.getAttribute(`[data-test=remittances] tr[data-remittance="${made.id}"]`, 'data-direction'), 'made');
    assert.ok((await page.textContent(`[data-test=remittances] tr[data-remittance="${made.id}"]`)).includes(W.name));
    await assertFits(`${view} remit result`);
    await shot(page, `${view}-finance-remit`, { full: true });
  });

  test(`${view}: expenditure — the approval record is required, then booked and found in the statement with its .xlsx`, async () => {
    const fen = view === 'phone' ? 123 : 456;
    const st0 = (await fin.get(`/api/v1/dues/ledger/statement?org_id=${W.unit}&from=${W.month}&to=${W.month}`)).body;
    const n0 = (await fin.get(`/api/v1/dues/expenses?org_id=${W.unit}&from=${W.month}&to=${W.month}`)).body.total;
    await openTab('expenses', W.unit);
    await page.waitForSelector('[data-test=expense-form]');
    await page.waitForSelector('[data-test=expense-bank]');
    await assertFits(`${view} expenses`);
    await page.selectOption('[data-test=expense-kind]', 'activities');
    await page.fill('[data-test=expense-amount] input', yuan(fen));
    await page.fill('[data-test=expense-approved-on] input', '2999-01-01');
    await page.click('[data-test=expense-submit]');
    const errs = (await page.locator('[data-test=expense-form] .van-field__error-message').allTextContents()).join('|');
    for (const m of ['请填写审批人', '请填写审批人职务或审批机构', '审批日期不能晚于今天', '请填写审批文件或会议纪要编号']) assert.ok(errs.includes(m), `${m} in ${errs}`);
    assert.equal(await page.locator('.van-dialog:visible').count(), 0, 'nothing is asked while the form is wrong');
    assert.equal((await fin.get(`/api/v1/dues/expenses?org_id=${W.unit}&from=${W.month}&to=${W.month}`)).body.total, n0, 'nothing recorded');
    await assertFits(`${view} expense errors`);
    await shot(page, `${view}-finance-expense-errors`, { full: true });

    const today = new Date();
    const iso = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    await page.fill('[data-test=expense-note] input', `主题党日活动（${view}）`);
    await page.fill('[data-test=expense-approved-by] input', '王书记');
    await page.fill('[data-test=expense-approver-role] input', '党委书记');
    await page.fill('[data-test=expense-approved-on] input', iso);
    await page.fill('[data-test=expense-approval-ref] input', `党委会纪要〔${today.getFullYear()}〕${view === 'phone' ? 7 : 8}号`);
    await page.click('[data-test=expense-submit]');
    await page.waitForSelector('.van-dialog');
    const ask = await page.textContent('.van-dialog');
    assert.ok(ask.includes(`¥${yuan(fen)}`) && ask.includes('组织活动支出') && ask.includes('王书记'), ask);
    await page.click('.van-dialog__confirm');
    await page.waitForSelector('[data-test=expense-result]');
    const id = Number(await page.getAttribute('[data-test=expense-result]', 'data-id'));
    await page.waitForSelector(`[data-test=expenses] tr[data-expense="${id}"]`);
    const rowText = await page.textContent(`[data-test=expenses] tr[data-expense="${id}"]`);
    assert.ok(rowText.includes('组织活动支出') && rowText.includes('王书记') && rowText.includes('党委书记') && rowText.includes(iso), rowText);
    assert.ok(!rowText.includes('activities'), 'the kind is shown by its Chinese name, never its code');
    const list = (await fin.get(`/api/v1/dues/expenses?org_id=${W.unit}&from=${W.month}&to=${W.month}`)).body;
    assert.equal(list.total, n0 + 1);
    assert.equal(list.items[0].approval_ref, `党委会纪要〔${today.getFullYear()}〕${view === 'phone' ? 7 : 8}号`);
    await assertFits(`${view} expense booked`);
    await shot(page, `${view}-finance-expense`, { full: true });

    // the statement of the organization itself for the month: the activities line grew by it
    await openTab('ledger', W.unit, `&own=1&sfrom=${W.month}`);
    await page.waitForSelector('[data-test=statement]');
    const st = (await fin.get(`/api/v1/dues/ledger/statement?org_id=${W.unit}&from=${W.month}&to=${W.month}`)).body;
    const line = (s) => s.expenses.find((l) => l.line === 'activities').amount_fen;
    assert.equal(line(st), line(st0) + fen);
    assert.ok((await page.textContent('[data-test=statement]')).includes(yuan(line(st))));
    await assertFits(`${view} statement`);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=statement-xlsx]')]);
    assert.match(dl.suggestedFilename(), new RegExp(`statement-${W.unit}-${W.month}-${W.month}\\.xlsx`));
    await shot(page, `${view}-finance-statement`, { full: true });
  });
}
