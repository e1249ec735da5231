// End-to-end: the work of the roles on the demo company, in the built app (web/dist) served
// by a real `dangjian serve`, driven in Debian's chromium: a member pays dues from the phone;
// a secretary acknowledges a warning and reports the rectification; the committee above
// verifies it and reminds lagging organizations; finance confirms a month and sees the ledger
// change; the dashboard's figures come from their APIs; committee staff import members from
// CSV and set who sees their rankings. The first visits and the pages of each role are in
// web.test.mjs. Run by scripts/test-web.sh (make web-test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, uiLogin, apiAs, shot, yuan, months as clock, PHONE, DESKTOP } from './lib.mjs';

let srv;
let ctx;
let page;
const figures = {}; // carried from one test to the next: the rectification case

before(async () => {
  ({ srv, ctx, page } = await startApp());
});

after(async () => {
  await ctx?.close();
  await srv?.stop();
});

async function signOut() {
  await ctx.clearCookies();
}

const monthAdd = (m, n) => {
  const i = Math.floor(m / 100) * 12 + (m % 100) - 1 + n;
  return Math.floor(i / 12) * 100 + (i % 12) + 1;
};

/** Finance makes a month's bills (when missing), issues them, and records cash collections
 *  for a few members, so that the month has bills paid and not yet confirmed. */
async function arrangePaidMonth(fin, month) {
  const rep = (await fin.get(`/api/v1/dues/reports/collection?month=${month}`)).body;
  if (!rep.totals.billed) assert.equal((await fin.post('/api/v1/dues/generate', { month })).status, 200);
  const pub = await fin.post('/api/v1/dues/publish', { month });
  assert.equal(pub.status, 200, JSON.stringify(pub.body));
  const bills = (await fin.get(`/api/v1/dues/bills?month=${month}&status=unpaid&page_size=5`)).body.items;
  assert.ok(bills.length, `${month} has unpaid bills to collect`);
  const items = bills.map((b) => ({ member_id: b.member_id, months: [b.month], amount_fen: b.amount_fen, channel: 'cash' }));
  const r = await fin.post('/api/v1/dues/collections', { items });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

test('a member pays dues from the phone: the quote, a confirmation sheet, then the payment', async () => {
  await signOut();
  await page.setViewportSize(PHONE);
  await uiLogin(page, srv.base, 'dangyuan', { expectPath: /^\/$/ });
  const mem = await apiAs(srv.base, 'dangyuan');
  const me = (await mem.get('/api/v1/me')).body;
  const payable = (h) => h.bills.filter((b) => b.kind === 'regular' && b.status === 'unpaid' && b.published);
  let hist = (await mem.get(`/api/v1/dues/members/${me.member.id}`)).body;
  if (!payable(hist).length) {
    // nothing issued and unpaid for this member: finance issues this month's dues first
    const fin = await apiAs(srv.base, 'caiwu');
    const cur = (await fin.get('/api/v1/dues/reports/collection')).body.month;
    if (!(await fin.get(`/api/v1/dues/reports/collection?month=${cur}`)).body.totals.billed) await fin.post('/api/v1/dues/generate', { month: cur });
    await fin.post('/api/v1/dues/publish', { month: cur });
    hist = (await mem.get(`/api/v1/dues/members/${me.member.id}`)).body;
  }
  const due = payable(hist);
  assert.ok(due.length, 'the member has an issued, unpaid month to pay');
  const sum = due.reduce((s, b) => s + b.amount_fen, 0);

  await page.click('[data-test=tabbar] >> text=党费');
  await page.waitForURL(/\/dues$/);
  await page.waitForSelector('[data-test=bills] li');
  assert.equal((await page.textContent('[data-test=dues-owed] .m-dues-sum-amount')).trim(), `¥${yuan(sum)}`);
  for (const b of due) assert.match(await page.getAttribute(`[data-test=bills] li[data-month="${b.month}"]`, 'data-state'), /^(due|arrears)$/);
  await shot(page, 'phone-dues');

  await page.click('[data-test=pay-all]');
  await page.waitForSelector('[data-test=pay-sheet]');
  const months = due.map((b) => b.month).sort((a, b) => a - b);
  const quote = (await mem.get(`/api/v1/dues/quote?months=${months.join(',')}`)).body;
  assert.equal((await page.textContent('[data-test=quote-total]')).trim(), `¥${yuan(quote.total_fen)}`);
  await page.waitForTimeout(300);
  await shot(page, 'phone-dues-pay');
  await page.click('[data-test=pay-confirm]');
  await page.waitForSelector('[data-test=pay-notice]');

  const after = (await mem.get(`/api/v1/dues/members/${me.member.id}`)).body;
  const p = after.payments[0];
  assert.equal(p.status, 'pending', 'an online payment waits for the provider');
  assert.equal(p.amount_fen, quote.total_fen);
  assert.match(await page.textContent('[data-test=pay-notice]'), new RegExp(`#${p.id}`));
  const full = (await mem.get(`/api/v1/dues/payments/${p.id}`)).body;
  assert.deepEqual(full.items.map((i) => i.month).sort((a, b) => a - b), months);
  // the months now wait for the provider, and cannot be paid twice from the page
  await page.waitForFunction((m) => document.querySelector(`[data-test=bills] li[data-month="${m}"]`)?.dataset.state === 'pending', months[0]);
  assert.equal(await page.locator('[data-test=pay-all]').count(), 0);
});

test('a secretary acknowledges a warning', async () => {
  await signOut();
  await page.setViewportSize(PHONE);
  await uiLogin(page, srv.base, 'shuji', { expectPath: /^\/$/ });
  const sec = await apiAs(srv.base, 'shuji');
  const waiting = (await sec.get('/api/v1/plans/cases?state=notified')).body.items;
  assert.ok(waiting.length, "the demo branch has a rectification waiting for its secretary's acknowledgement");
  const c = waiting[0];

  // the to-dos name it; the branch's warnings and cases are one tab away
  await page.click('[data-test=tabbar] >> text=待办');
  await page.waitForURL(/\/inbox/);
  await page.waitForSelector('[data-test=todos]');
  assert.match(await page.textContent('[data-test=todos]'), new RegExp(`#${c.id}`));
  await page.click('.m-tab >> text=预警整改');
  const row = page.locator(`[data-test=cases] li[data-case="${c.id}"]`);
  await row.waitFor();
  assert.equal((await row.locator('[data-test=case-state]').textContent()).trim(), c.state_label);
  const warnings = (await sec.get('/api/v1/plans/warnings')).body.items;
  // the first ten, and more on request
  assert.equal(await page.locator('[data-test=warnings] .van-cell').count(), Math.min(10, warnings.length));
  await shot(page, 'phone-inbox');

  await row.locator('[data-action=acknowledge]').click();
  await page.waitForFunction((id) => document.querySelector(`[data-test=cases] li[data-case="${id}"]`)?.dataset.state === 'acknowledged', c.id);
  const acked = (await sec.get(`/api/v1/plans/cases/${c.id}`)).body;
  assert.equal(acked.state, 'acknowledged');
  assert.equal(acked.steps.at(-1).action, 'acknowledge');
  assert.equal(acked.steps.at(-1).by.login, 'shuji');

  // then the rectification is reported: a report without words is refused in the page
  await row.locator('[data-action=report]').click();
  const sheet = page.locator('.m-case-sheet [data-test=case-view]');
  await sheet.waitFor();
  await sheet.locator('[data-test=case-actions] [data-action=report]').click();
  assert.equal((await sheet.locator('[data-test=case-error]').textContent()).trim(), '请先填写说明');
  const text = '已于月底前补开党课并上传签到表（端到端测试）';
  await sheet.locator('[data-test=case-text]').fill(text);
  await sheet.locator('[data-test=case-actions] [data-action=report]').click();
  await page.waitForSelector('.m-case-sheet [data-test=case-view][data-state=reported]');
  await page.waitForTimeout(300);
  await shot(page, 'phone-case');
  const reported = (await sec.get(`/api/v1/plans/cases/${c.id}`)).body;
  assert.equal(reported.state, 'reported');
  assert.equal(reported.report_text, text);
  figures.caseId = c.id;

  // a message opened is marked read
  const before = (await sec.get('/api/v1/plans/inbox?unread=1')).body;
  assert.ok(before.unread > 0, 'the secretary has unread messages');
  await page.goto(`${srv.base}/inbox?tab=messages&unread=1`);
  const first = page.locator('[data-test=messages] li.unread').first();
  await first.waitFor();
  const id = Number(await first.getAttribute('data-id'));
  await first.click();
  await page.waitForFunction((x) => !document.querySelector(`[data-test=messages] li[data-id="${x}"]`)?.classList.contains('unread'), id);
  const after = (await sec.get('/api/v1/plans/inbox?unread=1')).body;
  assert.equal(after.unread, before.unread - 1);
  assert.ok(!after.items.some((n) => n.id === id));
});

test('the committee above verifies the rectification and reminds lagging organizations in one action', async () => {
  await signOut();
  await page.setViewportSize(DESKTOP);
  await uiLogin(page, srv.base, 'dangwei', { expectPath: /^\/admin$/ });
  const com = await apiAs(srv.base, 'dangwei');

  // progress per organization, as the API computes it
  await page.click('[data-nav=plans]');
  await page.waitForURL(/\/admin\/plans/);
  await page.waitForSelector('[data-test=progress-table] tbody tr');
  // the plans open on the latest month that is over
  const prog = (await com.get(`/api/v1/plans/progress?period=${clock().lastPeriod}`)).body;
  assert.equal((await page.textContent('[data-test=plan-rate] .kpi-value')).trim(), `${(prog.rate * 100).toFixed(1)}%`);
  const rates = await page.locator('[data-test=progress-table] tbody tr td:nth-child(2)').allTextContents();
  assert.deepEqual(rates.map((x) => x.trim()), prog.levels.slice(0, 20).map((l) => `${(l.rate * 100).toFixed(1)}%`));
  await page.waitForTimeout(300);
  await shot(page, 'desktop-plans');

  // the case the secretary reported waits for this committee: verified here
  assert.ok(figures.caseId, 'the secretary reported a case in the test before');
  await page.click('[data-tab=cases]');
  await page.selectOption('[data-test=state-filter]', 'reported');
  await page.click(`[data-test=cases-table] tr[data-case="${figures.caseId}"]`);
  await page.waitForSelector('[data-test=case-view][data-state=reported]');
  await page.click('[data-test=case-actions] [data-action=verify]');
  await page.waitForSelector('[data-test=case-view][data-state=verified]');
  const verified = (await com.get(`/api/v1/plans/cases/${figures.caseId}`)).body;
  assert.equal(verified.state, 'verified');
  assert.equal(verified.steps.at(-1).by.login, 'dangwei');
  await shot(page, 'desktop-plans-case');
  // the browser's back button returns to the list as it was
  await page.goBack();
  await page.waitForURL((u) => !u.searchParams.has('case'));

  // lagging organizations with their responsible person, reminded in one action
  await page.click('[data-tab=lagging]');
  await page.waitForSelector('[data-test=lagging-table] tbody tr');
  const lag = (await com.get('/api/v1/plans/lagging')).body.items;
  assert.match(await page.textContent('.pager'), new RegExp(`共 ${lag.length} 条`));
  assert.ok((await page.textContent('[data-test=lagging-table]')).includes(lag.find((x) => x.responsible.name).responsible.name));
  await page.click('[data-test=notify]');
  const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/v1/plans/lagging/notify')), page.click('.van-dialog__confirm')]);
  const sent = await res.json();
  assert.equal(sent.orgs, lag.length);
  await page.waitForSelector('[data-test=notify-result]');
  assert.equal((await page.textContent('[data-test=notify-result]')).trim(), `已提醒 ${sent.orgs} 个组织，发出 ${sent.notices} 条消息，通知整改 ${sent.cases_notified} 项`);
  // the responsible secretary of a lagging branch finds the reminder in the inbox
  const who = lag.find((x) => x.responsible.accounts.length).responsible.accounts[0].login;
  const inbox = (await (await apiAs(srv.base, who)).get('/api/v1/plans/inbox')).body.items;
  assert.equal(inbox[0].kind, 'lagging');

  // the bulletin, its .xlsx and the printable page
  await page.click('[data-tab=bulletin]');
  await page.waitForSelector('[data-test=ranking-table] tbody tr');
  const bl = (await com.get(`/api/v1/plans/bulletin?period=${clock().lastPeriod}`)).body;
  assert.equal((await page.textContent('[data-test=bulletin-rate]')).trim(), `${(bl.rate * 100).toFixed(1)}%`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=bulletin-xlsx]')]);
  assert.match(dl.suggestedFilename(), /\.xlsx$/);
  const { readFileSync } = await import('node:fs');
  assert.equal(readFileSync(await dl.path()).subarray(0, 2).toString(), 'PK', 'the download is an .xlsx (zip) file');
  const html = await page.request.get(srv.base + (await page.getAttribute('[data-test=bulletin-html]', 'href')));
  assert.equal(html.status(), 200);
  assert.match(html.headers()['content-type'], /text\/html/);
  assert.ok((await html.text()).includes(bl.org.name));
  await shot(page, 'desktop-plans-bulletin');
});

test('finance confirms a month and sees the ledger change', async () => {
  await signOut();
  await page.setViewportSize(DESKTOP);
  await uiLogin(page, srv.base, 'caiwu', { expectPath: /^\/admin$/ });
  const fin = await apiAs(srv.base, 'caiwu');
  const report = async (m) => (await fin.get(`/api/v1/dues/reports/collection?month=${m}`)).body;

  // the latest month with bills paid and not yet confirmed; made here when the demo has none
  const cur = (await fin.get('/api/v1/dues/reports/collection')).body.month;
  let month = 0;
  for (let i = 0; i < 6 && !month; i++) {
    const r = await report(monthAdd(cur, -i));
    if (r.totals.paid > r.totals.confirmed) month = r.month;
  }
  if (!month) {
    month = cur;
    await arrangePaidMonth(fin, month);
  }
  const rep = await report(month);
  const want = { bills: rep.totals.paid - rep.totals.confirmed, fen: rep.totals.paid_fen - rep.totals.confirmed_fen };
  const org = rep.orgs.find((o) => o.paid > o.confirmed);
  const tbBefore = (await fin.get('/api/v1/dues/ledger/trial-balance?subtree=1')).body;
  const enBefore = (await fin.get(`/api/v1/dues/ledger/entries?org_id=${org.org_id}&page_size=1`)).body;

  // the month's collection by organization
  await page.click('[data-nav=dues]');
  await page.waitForURL(/\/admin\/dues/);
  await page.selectOption('[data-test=dues-month]', String(month));
  await page.waitForURL(new RegExp(`month=${month}`));
  await page.waitForSelector('[data-test=collection-totals]');
  const totals = await page.locator('[data-test=collection-totals] td').allTextContents();
  assert.deepEqual(totals.slice(1, 6).map((x) => Number(x.trim())), [rep.totals.liable, rep.totals.published, rep.totals.paid, rep.totals.confirmed, rep.totals.unpaid]);
  await shot(page, 'desktop-dues');

  // what will be booked, before
  await page.click('[data-tab=confirm]');
  await page.waitForSelector('[data-test=confirm-summary]');
  assert.equal(Number(await page.getAttribute('[data-test=confirm-summary]', 'data-bills')), want.bills);
  assert.equal(Number(await page.getAttribute('[data-test=confirm-summary]', 'data-amount')), want.fen);
  assert.ok((await page.textContent('[data-test=confirm-summary]')).includes(`¥${yuan(want.fen)}`));

  // one click (and a confirmation), then the result against the summary
  await page.click('[data-test=confirm]');
  assert.match(await page.textContent('.van-dialog'), new RegExp(`${want.bills} 笔党费（¥${yuan(want.fen).replace(/\./g, '\\.')}）`));
  await page.click('.van-dialog__confirm');
  await page.waitForSelector('[data-test=confirm-result]');
  assert.equal(Number(await page.getAttribute('[data-test=confirm-result]', 'data-confirmed')), want.bills);
  assert.equal(Number(await page.getAttribute('[data-test=confirm-result]', 'data-amount')), want.fen);
  assert.equal((await page.textContent('[data-test=confirm-match]')).trim(), '与确认前汇总一致');
  // the receivable goes down by what was confirmed (paid into the bank now, or earlier in advance)
  assert.match(await page.textContent('[data-test=ledger-change] [data-account=dues_receivable]'), new RegExp(yuan(want.fen).replace(/\./g, '\\.')));
  await page.waitForSelector('[data-test=confirm] >> nth=0', { state: 'detached' });
  assert.match(await page.textContent('.a-page'), /没有待确认的党费/);
  await shot(page, 'desktop-dues-confirm');

  // the ledger changed: the month is confirmed, the receivable is credited with the amount and
  // the bank (or, for months paid ahead, the prepaid dues) debited with it; each entry balances
  const after = await report(month);
  assert.equal(after.totals.confirmed, rep.totals.paid);
  assert.equal(after.totals.confirmed_fen, rep.totals.paid_fen);
  const tbAfter = (await fin.get('/api/v1/dues/ledger/trial-balance?subtree=1')).body;
  const acct = (tb, a) => tb.accounts.find((x) => x.account === a);
  const moved = (a, side) => acct(tbAfter, a)[side] - acct(tbBefore, a)[side];
  assert.equal(moved('dues_receivable', 'credit_fen'), want.fen);
  assert.equal(moved('bank', 'debit_fen') + moved('dues_prepaid', 'debit_fen'), want.fen);
  assert.equal(tbAfter.total_debit_fen, tbAfter.total_credit_fen);
  const enAfter = (await fin.get(`/api/v1/dues/ledger/entries?org_id=${org.org_id}&page_size=1`)).body;
  assert.equal(enAfter.total, enBefore.total + 1);
  const entry = enAfter.items[0];
  assert.equal(entry.kind, 'confirm');
  assert.equal(entry.postings.reduce((s, p) => s + p.amount_fen, 0), 0, 'the entry balances');
  assert.equal(entry.postings.filter((p) => p.account === 'dues_receivable').reduce((s, p) => s + p.amount_fen, 0), -(org.paid_fen - org.confirmed_fen));

  // the ledger pages say the same
  await page.click('[data-tab=ledger]');
  await page.waitForSelector('[data-test=trial-balance] [data-account=bank]');
  assert.equal((await page.locator('[data-test=trial-balance] [data-account=bank] td').nth(1).textContent()).trim(), yuan(acct(tbAfter, 'bank').debit_fen));
  await page.selectOption('[data-test=entries-org]', String(org.org_id));
  await page.waitForFunction((id) => document.querySelector('[data-test=entries] tbody tr')?.dataset.entry === String(id), entry.id);
  assert.equal(await page.getAttribute('[data-test=entries] tbody tr', 'data-kind'), 'confirm');
  await shot(page, 'desktop-dues-ledger', { full: true });
});

test('the dashboard shows dues collection, open warnings, plan completion and logins from their APIs', async () => {
  await signOut();
  await page.setViewportSize(DESKTOP);
  // the API session first: a login counts in the statistics the page then shows
  const com = await apiAs(srv.base, 'dangwei');
  await uiLogin(page, srv.base, 'dangwei', { expectPath: /^\/admin$/ });
  await page.waitForSelector('[data-test=dash-plans]');
  // the dashboard opens on the latest scored month that is over
  const month = (await com.get('/api/v1/score/months')).body.items.find((m) => m.month < clock().now).month;
  const rep = (await com.get(`/api/v1/dues/reports/collection?month=${month}`)).body;
  const n = rep.totals.paid + rep.totals.unpaid;
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-test=kpi-dues] .kpi-value')?.textContent));
  assert.equal((await page.textContent('[data-test=kpi-dues] .kpi-value')).trim(), n ? `${((rep.totals.paid / n) * 100).toFixed(1)}%` : '—');
  const warnings = (await com.get('/api/v1/plans/warnings')).body.items;
  assert.equal((await page.textContent('[data-test=kpi-warnings] .kpi-value')).trim(), String(warnings.length));
  const prog = (await com.get(`/api/v1/plans/progress?period=${Math.floor(month / 100)}-${String(month % 100).padStart(2, '0')}`)).body;
  const bars = JSON.parse(await page.getAttribute('[data-test=dash-plans]', 'data-series'))[0].data;
  assert.equal(bars.length, prog.levels.filter((l) => l.depth === 1 && l.rate !== null).length);
  const stats = await com.get(`/api/v1/stats/logins?org_id=${prog.org.id}&month=${month}`);
  if (stats.status === 200) {
    await page.waitForSelector('[data-test=dash-logins]');
    assert.equal((await page.textContent('[data-test=kpi-logins] .kpi-value')).trim(), String(stats.body.logins));
    const change = stats.body.change === null ? '—' : `${stats.body.change > 0 ? '+' : ''}${(stats.body.change * 100).toFixed(1)}%`;
    assert.ok((await page.textContent('[data-test=kpi-logins] .kpi-sub')).includes(`环比 ${change}`));
  } else {
    // the statistics endpoint is not on this server yet: the figure is "—", never made up
    assert.equal(stats.status, 404);
    assert.equal((await page.textContent('[data-test=kpi-logins] .kpi-value')).trim(), '—');
  }
  await page.waitForTimeout(400);
  await shot(page, 'desktop-dashboard');
});

// ---- CSV import and the ranking setting (committee staff)

test('committee staff import members from CSV: a bad row is listed and nothing written, the fixed file imports', async () => {
  await signOut();
  await page.setViewportSize(DESKTOP);
  const com = await apiAs(srv.base, 'dangwei');
  // a branch inside the committee's subtree, as the API lists it
  const role = (await com.get('/api/v1/me')).body.roles.find((r) => r.role === 'committee');
  const sub = (await com.get(`/api/v1/orgs/${role.org_id}/subtree`)).body.items;
  const branch = sub.find((o) => o.kind === 'branch');
  assert.ok(branch, 'the committee has a branch');
  const stamp = String(Date.now()).slice(-7);
  const [emp1, emp2] = [`IMP${stamp}1`, `IMP${stamp}2`];
  const csv = (birth2) =>
    Buffer.from(
      ['工号,姓名,性别,出生日期,入党日期,所在组织编码',
        `${emp1},导入测试甲,男,1990-05-01,2015-07-01,${branch.code}`,
        `${emp2},导入测试乙,女,${birth2},2016-07-01,${branch.code}`].join('\r\n') + '\r\n',
      'utf8',
    );
  const exists = async (emp) => (await com.get(`/api/v1/members?q=${emp}`)).body.items.filter((m) => m.emp_no === emp);

  await uiLogin(page, srv.base, 'dangwei', { expectPath: /^\/admin$/ });
  await page.goto(`${srv.base}/admin/orgs`);
  await page.waitForSelector('[data-test=import-kind]');
  await page.selectOption('[data-test=import-kind]', 'members');

  // one bad date: the preview lists it, confirmation is not offered, nothing is written
  await page.setInputFiles('[data-test=import-file]', { name: 'members.csv', mimeType: 'text/csv', buffer: csv('1990-13-45') });
  await page.waitForSelector('[data-test=import-chosen]');
  await page.click('[data-test=import-preview]');
  await page.waitForSelector('[data-test=import-problems]');
  assert.match(await page.textContent('[data-test=import-problems] .form-error'), /没有导入任何内容/);
  const problems = await page.locator('[data-test=import-problem]').allTextContents();
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0], /第 \d+ 行「出生日期」.*1990-13-45/);
  assert.ok(await page.locator('[data-test=import-confirm]').isDisabled(), 'no confirmation after a preview with errors');
  await page.locator('[data-test=import]').scrollIntoViewIfNeeded();
  await shot(page, 'desktop-import-preview');
  assert.deepEqual(await exists(emp1), [], 'a preview writes nothing');

  // the file fixed: a clean preview, then the import
  await page.setInputFiles('[data-test=import-file]', { name: 'members.csv', mimeType: 'text/csv', buffer: csv('1992-02-29') });
  await page.waitForFunction(() => !document.querySelector('[data-test=import-problems]'));
  await page.click('[data-test=import-preview]');
  await page.waitForSelector('[data-test=import-summary]');
  assert.match(await page.textContent('[data-test=import-summary]'), /将新增 2、更新 0（共 2 行，编码 UTF-8）/);
  await shot(page, 'desktop-import-ready');
  assert.deepEqual(await exists(emp1), [], 'a clean preview writes nothing either');
  assert.ok(!(await page.locator('[data-test=import-confirm]').isDisabled()));
  await page.click('[data-test=import-confirm]');
  await page.waitForSelector('[data-test=import-done]');
  assert.match(await page.textContent('[data-test=import-done]'), /已导入：新增 2、更新 0/);
  const [m1] = await exists(emp1);
  assert.ok(m1, `${emp1} was imported`);
  assert.equal(m1.name, '导入测试甲');
  assert.equal(m1.org_id, branch.id);
  assert.equal((await exists(emp2)).length, 1, `${emp2} was imported`);
});

test('committee staff see and change who sees the rankings of their committee', async () => {
  await page.setViewportSize(DESKTOP);
  const com = await apiAs(srv.base, 'dangwei');
  const role = (await com.get('/api/v1/me')).body.roles.find((r) => r.role === 'committee');
  const before = await com.get(`/api/v1/orgs/${role.org_id}/ranking`);
  assert.equal(before.status, 200, JSON.stringify(before.body));
  await page.click('[data-nav=leaderboard]');
  await page.waitForSelector('[data-test=ranking-visibility]');
  assert.equal(await page.inputValue('[data-test=ranking-org]'), String(role.org_id));
  assert.equal(await page.inputValue('[data-test=ranking-visibility]'), before.body.visibility);
  assert.equal(await page.locator('[data-test=ranking-inherited]').count(), before.body.inherited ? 1 : 0);
  const other = before.body.visibility === 'top10' ? 'full' : 'top10';
  await page.selectOption('[data-test=ranking-visibility]', other);
  await page.click('[data-test=ranking-save]');
  await page.waitForSelector('[data-test=ranking-saved]');
  const after = (await com.get(`/api/v1/orgs/${role.org_id}/ranking`)).body;
  assert.deepEqual(after, { org_id: role.org_id, visibility: other, inherited: false });
  await shot(page, 'desktop-ranking-setting');
  // back as it was (now a setting of its own)
  await page.selectOption('[data-test=ranking-visibility]', before.body.visibility);
  await page.click('[data-test=ranking-save]');
  await page.waitForFunction((v) => document.querySelector('[data-test=ranking-saved]')?.textContent.includes(v), { self: '仅本人名次', top10: '前十名', full: '完整名单' }[before.body.visibility]);
  assert.equal((await com.get(`/api/v1/orgs/${role.org_id}/ranking`)).body.visibility, before.body.visibility);
});
