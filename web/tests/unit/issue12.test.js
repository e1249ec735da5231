// The helpers behind issue 12: what a role may do (from docs/openapi.json x-roles), months
// that are not over, words for login comparisons, ledger balances on their side, numbers in
// the server's sentences, the organization's clock.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { can, allowedTabs, bulletinFor, TABLE } from '../../src/lib/access.js';
import { defaultMonth, overOnly } from '../../src/lib/months.js';
import { loginsLine } from '../../src/lib/stats.js';
import { balanceOf, balanceTotals } from '../../src/lib/dues.js';
import { tidyNumbers, today, thisMonth, monthOver, fmtDayShort, fmtTime, fmtPct } from '../../src/lib/format.js';
import { session, loadMe, login, logout, mayHaveSession } from '../../src/lib/session.js';
import { fakeApi } from './helpers.js';

const doc = JSON.parse(readFileSync(path.resolve(__dirname, '../../../docs/openapi.json'), 'utf8'));

describe('the role × operation table', () => {
  afterEach(() => {
    session.account = null;
  });
  it('is every x-roles of docs/openapi.json, read at build time', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) if (op['x-roles']) expect(TABLE[`${m.toUpperCase()} ${path}`]).toEqual(op['x-roles']);
    }
  });
  it('answers for the signed-in roles, and never for an operation it does not list', () => {
    session.account = { roles: [{ role: 'admin', org_id: 1 }] };
    expect(can('GET /api/v1/dues/reports/collection')).toBe(true);
    expect(can('GET /api/v1/dues/ledger/trial-balance')).toBe(false); // finance only
    expect(can('GET /api/v1/nothing')).toBe(false);
    const tabs = [{ name: 'collection', ops: ['GET /api/v1/dues/reports/collection'] }, { name: 'ledger', ops: ['GET /api/v1/dues/ledger/trial-balance'] }];
    expect(allowedTabs(tabs)).toEqual(['collection']);
    expect(allowedTabs(tabs, ['finance'])).toEqual(['collection', 'ledger']);
    expect(can('POST /api/v1/plans/lagging/notify', ['secretary'])).toBe(false);
  });
  it('offers bulletins for committees and general branches only', () => {
    expect(bulletinFor('committee')).toBe(true);
    expect(bulletinFor('general_branch')).toBe(true);
    expect(bulletinFor('branch')).toBe(false);
  });
});

describe('months that are not over', () => {
  it('opens on the latest scored month that is over', () => {
    expect(defaultMonth([202612, 202611, 202610], 202612)).toBe(202611);
    expect(defaultMonth([202611, 202610], 202612)).toBe(202611);
    expect(defaultMonth([202612], 202612)).toBe(202612); // nothing else scored
    expect(defaultMonth([], 202612)).toBe(0);
  });
  it('leaves months not over out of the lines', () => {
    expect(overOnly({ months: [202610, 202611, 202612], member: [1, 2, 3], branch: [4, 5, 6] }, 202612)).toEqual({ months: [202610, 202611], member: [1, 2], branch: [4, 5] });
    expect(overOnly(undefined)).toBe(undefined);
  });
  it('reads the day and month on the organization clock (UTC+8)', () => {
    const lateUtc = new Date(Date.UTC(2026, 10, 30, 17, 5)); // 01:05 on 1 December in Beijing
    expect(today(lateUtc)).toBe('2026-12-01');
    expect(thisMonth(lateUtc)).toBe(202612);
    expect(monthOver(202611, 202612)).toBe(true);
    expect(monthOver(202612, 202612)).toBe(false);
    expect(fmtTime(lateUtc.getTime() / 1000)).toBe('2026-12-01 01:05');
    expect(fmtDayShort('2026-12-04')).toBe('12月4日');
  });
  it('compares a month not over with the same days of the month before', () => {
    const open = { complete: false, as_of: '2026-12-04', logins: 349, users: 230, previous: 377, previous_until: '2026-11-04', change: -0.0742705 };
    expect(loginsLine(open, 'sub')).toBe('截至12月4日 · 230 人登录 · 比上月同期（至11月4日）-7.4%');
    expect(loginsLine(open, 'prev')).toBe('上月同期（至11月4日）377 次');
    const whole = { complete: true, as_of: '2026-11-30', logins: 2632, users: 333, previous: 2240, change: 0.175 };
    expect(loginsLine(whole, 'sub')).toBe('333 人登录 · 环比 +17.5%');
    expect(loginsLine(whole, 'prev')).toBe('上月 2240 次');
  });
});

describe('words and numbers', () => {
  it('shows a balance on the side it stands, as an accountant reads it', () => {
    const income = { account: 'dues_income', normal_side: 'credit', side: '贷', balance_fen: -62922085, normal_balance_fen: 62922085 };
    const bank = { account: 'bank', normal_side: 'debit', side: '借', balance_fen: 42185819, normal_balance_fen: 42185819 };
    const odd = { account: 'dues_prepaid', normal_side: 'credit', side: '借', balance_fen: 100, normal_balance_fen: -100 };
    const nil = { account: 'x', normal_side: 'debit', side: '平', balance_fen: 0, normal_balance_fen: 0 };
    expect(balanceOf(income)).toEqual({ side: '贷', fen: 62922085 });
    expect(balanceOf(bank)).toEqual({ side: '借', fen: 42185819 });
    expect(balanceOf(odd)).toEqual({ side: '借', fen: 100 });
    expect(balanceOf(nil)).toEqual({ side: '平', fen: 0 });
    expect(balanceTotals([income, bank, odd, nil])).toEqual({ debit: 42185919, credit: 62922085 });
  });
  it('rounds the numbers of a server sentence and every rate to one decimal', () => {
    expect(tidyNumbers('党费按时足额收缴 2026-11 完成 90.9091/100（91%），未达标')).toBe('党费按时足额收缴 2026-11 完成 90.9/100（91%），未达标');
    expect(tidyNumbers('完成 13.6/100')).toBe('完成 13.6/100');
    expect(fmtPct(0.909090909)).toBe('90.9%');
  });
});

describe('the session on a page load', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    localStorage.clear();
    session.account = null;
    session.checked = false;
  });
  const account = { id: 10005, login: 'dangyuan', member: { id: 69 }, roles: [{ role: 'member', org_id: 8 }] };
  it('asks /me nothing before this browser signed in (no 401 on the login page)', async () => {
    const f = fakeApi({});
    vi.stubGlobal('fetch', f);
    expect(await loadMe()).toBe(null);
    expect(f.calls).toEqual([]);
    expect(mayHaveSession()).toBe(false);
  });
  it('opens on the account it remembers and asks /me beside the page; a logout forgets it', async () => {
    const f = fakeApi({
      'POST /api/v1/auth/login': [200, { account, csrf_token: 't1' }],
      'GET /api/v1/me': [200, { ...account, display_name: '曹嘉坤', csrf_token: 't2' }],
      'POST /api/v1/auth/logout': [200, {}],
    });
    vi.stubGlobal('fetch', f);
    await login('dangyuan', 'x');
    session.account = null;
    session.checked = false;
    const had = await loadMe(); // at once, from what it remembers
    expect(had.id).toBe(10005);
    await new Promise((r) => setTimeout(r, 0));
    expect(f.calls.some((c) => c.url === '/api/v1/me')).toBe(true);
    expect(session.account.display_name).toBe('曹嘉坤');
    await logout();
    expect(mayHaveSession()).toBe(false);
  });
});
