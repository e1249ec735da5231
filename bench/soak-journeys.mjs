// The soak's traffic (bench/soak.mjs): the user journeys a virtual user picks by weight, and
// the business system that sends event batches on its own clock.  The shape is a peak day of
// the demo company: a notice goes out and most members sign in and read their portrait, rank
// and dues; some pay (the payment provider then calls back, now and then twice); secretaries
// go through their to-dos and the branch's plan progress and report figures; committee staff
// read their dashboard; finance confirms the month in one click.
//
// Every request names the statuses it expects; anything else is counted (stats.reply) and
// ends the journey (Abort), so one failure is never counted twice.
import { createHmac } from 'node:crypto';
import { request, connectionError, sleep } from './client.mjs';

export const PASSWORD = 'dangjian2024';

/** Thrown by a step that failed; the failure is already counted. */
export class Abort extends Error {}

const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
const chance = (p) => Math.random() < p;

/** The world the journeys share: base URL, stats, accounts, the run's own facts. */
export function makeWorld({ base, stats, accounts, callbackKey, apiKey, month, reportTask, vus }) {
  const w = { base, stats, accounts, callbackKey, apiKey, month, reportTask, vus };
  w.payments = []; // {id, amount, result, sends, concurrent}
  w.events = { batches: 0, resent: 0, together: 0, keys: 0, resentKeys: 0, uncertain: 0, accepted: 0, duplicate: 0 };
  w.shared = new Map(); // login → Promise<session>, for the few staff accounts all VUs use
  // sign-ins in flight, and a hold on new ones while the soak reads the server's memory:
  // argon2id maps its 19 MiB for the length of each password check, which would swing RSS
  w.logins = { inflight: 0, held: null };
  /** Hold new sign-ins until release(); resolves once none is in flight (or after maxMs). */
  w.holdLogins = async (maxMs) => {
    let release;
    w.logins.held = new Promise((r) => (release = r));
    const t0 = Date.now();
    while (w.logins.inflight > 0 && Date.now() - t0 < maxMs) await sleep(20);
    return {
      quiet: w.logins.inflight === 0,
      release: () => {
        w.logins.held = null;
        release();
      },
    };
  };

  /** One request; counts it; returns the reply when its status is one of expect. */
  w.call = async (label, path, opts = {}, expect = [200]) => {
    let r;
    try {
      r = await request(base, path, opts);
    } catch (err) {
      stats.connError(label, connectionError(err));
      throw new Abort(label);
    }
    const busy = r.status === 503 && r.body?.error?.code === 'busy';
    const ok = expect.includes(r.status) || busy;
    stats.reply(label, r, ok, busy);
    if (!ok) throw new Abort(label);
    return r;
  };
  return w;
}

/**
 * Sign in, honouring 503 busy: wait Retry-After seconds and try again, for two minutes at
 * most (then counted as given up). Returns {login, token, csrf, cookie, member}.
 */
const SIGN_IN_PATIENCE_MS = 120_000;
export async function signIn(w, login) {
  const until = Date.now() + SIGN_IN_PATIENCE_MS;
  while (Date.now() < until) {
    while (w.logins.held) await w.logins.held;
    w.logins.inflight++;
    let r;
    try {
      r = await w.call('POST /auth/login', '/api/v1/auth/login', { json: { login, password: PASSWORD } }, [200]);
    } finally {
      w.logins.inflight--;
    }
    if (r.status === 200) {
      const cookie = r.headers
        .getSetCookie()
        .map((c) => c.split(';')[0].trim())
        .find((c) => c.startsWith('dj_session='));
      return { login, token: r.body.token, csrf: r.body.csrf_token, cookie, member: r.body.account?.member?.id };
    }
    // at least Retry-After, and a little more so that the refused do not all come back at once
    const after = Number(r.headers.get('retry-after'));
    await sleep((Number.isFinite(after) && after > 0 ? after : 2) * 1000 + Math.random() * 1000);
  }
  w.stats.gaveUp++;
  throw new Abort('login');
}

/** The session of a staff account every VU shares (signed in once). */
function shared(w, login) {
  if (!w.shared.has(login)) {
    const p = signIn(w, login);
    p.catch(() => w.shared.delete(login));
    w.shared.set(login, p);
  }
  return w.shared.get(login);
}

// the web app's way: the session cookie, and the CSRF header on writes
const as = (s, extra = {}) => ({ cookie: s.cookie, ...extra });
const writing = (s, json) => ({ cookie: s.cookie, csrf: s.csrf, json });

/** A virtual user: its own slice of the members and secretaries, its own sessions. */
export function makeVu(w, index) {
  const vu = { index, sessions: new Map(), nextMember: index, nextSecretary: index };
  const slice = (list, key) => {
    const x = list[vu[key] % list.length];
    vu[key] += w.vus;
    return x;
  };
  vu.member = () => slice(w.accounts.members, 'nextMember');
  vu.secretary = () => slice(w.accounts.secretaries, 'nextSecretary');
  /** A member's session: the one this VU holds (reused with probability reuse) or a new one. */
  vu.session = async (login, reuse) => {
    const held = vu.sessions.get(login);
    if (held && chance(reuse)) return held;
    const s = await signIn(w, login);
    vu.sessions.delete(login);
    vu.sessions.set(login, s);
    if (vu.sessions.size > 64) vu.sessions.delete(vu.sessions.keys().next().value);
    return s;
  };
  vu.logout = async (s) => {
    vu.sessions.delete(s.login);
    await w.call('POST /auth/logout', '/api/v1/auth/logout', { ...writing(s), method: 'POST' });
  };
  return vu;
}

// ---- the journeys

/** A member opens the app after the notice: signs in, home (portrait), rank, my dues. */
async function memberVisit(w, vu) {
  const s = await vu.session(vu.member().login, 0.4);
  await w.call('GET /me', '/api/v1/me', as(s));
  await w.call('GET /portraits/members/{id}', `/api/v1/portraits/members/${s.member}`, as(s));
  await w.call('GET /leaderboard', '/api/v1/leaderboard?scope=branch', as(s));
  if (chance(0.6)) await w.call('GET /dues/members/{id}', `/api/v1/dues/members/${s.member}`, as(s));
  if (chance(0.2)) {
    await w.call('GET /plans/todos', '/api/v1/plans/todos', as(s));
    await w.call('GET /plans/inbox', '/api/v1/plans/inbox?limit=20', as(s));
  }
  if (chance(0.05)) await vu.logout(s);
}

/** The provider's signed notice; sent twice at once when together, else once. */
async function notify(w, notice, together) {
  const raw = JSON.stringify(notice);
  const sig = createHmac('sha256', w.callbackKey).update(raw).digest('hex');
  const send = () =>
    w.call('POST /dues/payments/callback', '/api/v1/dues/payments/callback', { raw, headers: { 'X-Dues-Signature': sig } });
  const replies = await Promise.all(together ? [send(), send()] : [send()]);
  return replies.map((r) => r.body);
}

/**
 * A member pays this month's bill (or, when paid, a little voluntary dues) online; the
 * provider calls back, one payment in four a second time (half of those at the same moment
 * as the first); the member sees the result.
 */
async function memberPays(w, vu) {
  const s = await vu.session(vu.member().login, 0.5);
  const h = await w.call('GET /dues/members/{id}', `/api/v1/dues/members/${s.member}`, as(s));
  const due = (h.body.bills ?? []).filter((b) => b.kind === 'regular' && b.status === 'unpaid' && b.published);
  const query = due.length ? `months=${due.map((b) => b.month).sort().slice(-2).join(',')}` : `voluntary_fen=${100 * (1 + Math.floor(Math.random() * 20))}`;
  const q = await w.call('GET /dues/quote', `/api/v1/dues/quote?${query}`, as(s));
  const months = q.body.items.filter((i) => i.kind !== 'voluntary').map((i) => i.month);
  const voluntary = q.body.items.filter((i) => i.kind === 'voluntary').reduce((a, i) => a + i.amount_fen, 0);
  const body = { amount_fen: q.body.total_fen, channel: pick(['wechat', 'alipay', 'unionpay']) };
  if (months.length) body.months = months;
  if (voluntary) body.voluntary_fen = voluntary;
  const p = await w.call('POST /dues/payments', '/api/v1/dues/payments', writing(s, body), [201]);
  const pay = { id: p.body.id, amount: body.amount_fen, result: chance(0.05) ? 'failed' : 'success', sends: 0, concurrent: false, answers: [] };
  w.payments.push(pay);
  const notice = { provider_ref: `soak-${process.pid}-${pay.id}`, payment_id: pay.id, amount_fen: pay.amount, result: pay.result };
  const again = chance(0.25);
  pay.concurrent = again && chance(0.5);
  pay.answers.push(...(await notify(w, notice, pay.concurrent)));
  pay.sends += pay.concurrent ? 2 : 1;
  if (again && !pay.concurrent) {
    await sleep(50 + Math.random() * 500); // the provider did not see our 200 and sends again
    pay.answers.push(...(await notify(w, notice, false)));
    pay.sends++;
  }
  const seen = await w.call('GET /dues/payments/{id}', `/api/v1/dues/payments/${pay.id}`, as(s));
  pay.seen = seen.body.status;
}

/** A branch secretary: to-dos, the branch's plan progress and warnings, dues, a report. */
async function secretaryWork(w, vu) {
  const sec = vu.secretary();
  const s = await vu.session(sec.login, 0.7);
  const org = sec.org_id;
  await w.call('GET /plans/todos', '/api/v1/plans/todos', as(s));
  await w.call('GET /plans/progress', `/api/v1/plans/progress?org_id=${org}`, as(s));
  await w.call('GET /plans/warnings', `/api/v1/plans/warnings?org_id=${org}`, as(s));
  await w.call('GET /dues/reports/collection', `/api/v1/dues/reports/collection?org_id=${org}&month=${w.month}`, as(s));
  if (w.reportTask && chance(0.3)) {
    const period = `${Math.floor(w.month / 100)}-${String(w.month % 100).padStart(2, '0')}`;
    const report = { task_id: w.reportTask, org_id: org, period, value: Math.floor(Math.random() * 10), evidence: `压测上报：支部 ${org} ${period}` };
    await w.call('POST /plans/reports', '/api/v1/plans/reports', writing(s, report), [201]);
  }
}

/** Committee staff: the unit's dashboard, now and then (every: always) the quarter's bulletin. */
async function committeeDesk(w, vu, every) {
  const c = w.accounts.committee;
  const s = await shared(w, c.login);
  const q = `${Math.floor(w.month / 100)}Q${Math.ceil((w.month % 100) / 3)}`;
  await w.call('GET /portraits/orgs/{id}', `/api/v1/portraits/orgs/${c.org_id}`, { token: s.token });
  await w.call('GET /dues/reports/collection', `/api/v1/dues/reports/collection?org_id=${c.org_id}&month=${w.month}`, { token: s.token });
  await w.call('GET /plans/progress', `/api/v1/plans/progress?org_id=${c.org_id}`, { token: s.token });
  await w.call('GET /stats/logins', `/api/v1/stats/logins?org_id=${c.org_id}`, { token: s.token });
  await w.call('GET /leaderboard', `/api/v1/leaderboard?scope=unit&org_id=${c.org_id}`, { token: s.token });
  if (every || chance(0.2)) await w.call('GET /plans/bulletin', `/api/v1/plans/bulletin?org_id=${c.org_id}&period=${q}`, { token: s.token });
}

/** Finance: the month's collection, one-click confirmation, now and then (every: always) the
 * trial balance and the arrears. */
async function financeDesk(w, vu, every) {
  const f = w.accounts.finance;
  const s = await shared(w, f.login);
  await w.call('GET /dues/reports/collection', `/api/v1/dues/reports/collection?org_id=${f.org_id}&month=${w.month}`, { token: s.token });
  await w.call('POST /dues/confirm', '/api/v1/dues/confirm', { token: s.token, json: { month: w.month, org_id: f.org_id } });
  if (every || chance(0.3)) await w.call('GET /dues/ledger/trial-balance', '/api/v1/dues/ledger/trial-balance', { token: s.token });
  if (every || chance(0.3)) await w.call('GET /dues/arrears', `/api/v1/dues/arrears?org_id=${f.org_id}`, { token: s.token });
}

/** What a virtual user does, by weight (out of 100). */
export const JOURNEYS = [
  { name: 'member visit', weight: 66, run: memberVisit },
  { name: 'member pays', weight: 10, run: memberPays },
  { name: 'secretary', weight: 16, run: secretaryWork },
  { name: 'committee', weight: 4, run: committeeDesk },
  { name: 'finance', weight: 4, run: financeDesk },
];

/**
 * What the first OPENING_VUS virtual users do first, with every optional read: the heavy
 * reports (plan grids, sign-in statistics, arrears, bulletins) from a dozen connections at
 * once, so that each server thread has filled its caches (SQLite: 8 MB of pages per
 * connection) within the first interval, which is the memory baseline.
 */
export const OPENING = ['committee', 'finance'].map((n) => JOURNEYS.find((j) => j.name === n));
export const OPENING_VUS = 12;

export function pickJourney() {
  let x = Math.random() * JOURNEYS.reduce((a, j) => a + j.weight, 0);
  for (const j of JOURNEYS) if ((x -= j.weight) < 0) return j;
  return JOURNEYS[0];
}

// ---- the business system: a batch of a few hundred events every `every` ms

const EVENT_KINDS = [
  ['study.hours', () => 1 + Math.floor(Math.random() * 3)],
  ['meeting.attend', () => 1],
  ['themeday.attend', () => 1],
  ['volunteer.hours', () => 2],
];

/** One batch: n events with keys never sent before. */
function batch(w, seq, n) {
  const day = new Date().toISOString().slice(0, 10); // today in UTC: never in the future
  return Array.from({ length: n }, (_, i) => {
    const [indicator, value] = pick(EVENT_KINDS);
    return { key: `soak-${process.pid}-${seq}-${i}`, emp_no: pick(w.accounts.members).emp_no, indicator, date: day, value: value() };
  });
}

/**
 * Send batches until stop() says so.  One batch in ten goes again (the system timed out
 * and retries), half of those at the same moment as the first: every reply must account for
 * the batch (accepted + duplicate), and stored keys are counted after the run.
 */
export async function businessSystem(w, every, stop) {
  let seq = 0;
  const send = (events) =>
    w.call('POST /events', '/api/v1/events', { json: events, headers: { 'X-API-Key': w.apiKey } }).then((r) => r.body);
  while (!stop()) {
    const t0 = Date.now();
    const events = batch(w, seq++, 200 + Math.floor(Math.random() * 201));
    const again = chance(0.1);
    const together = again && chance(0.5);
    try {
      const replies = await Promise.all(together ? [send(events), send(events)] : [send(events)]);
      if (again && !together) replies.push(await send(events));
      w.events.batches++;
      w.events.resent += replies.length - 1;
      w.events.together += together ? 1 : 0;
      w.events.keys += events.length;
      w.events.resentKeys += events.length * (replies.length - 1);
      for (const r of replies) {
        w.events.accepted += r.accepted;
        w.events.duplicate += r.duplicate;
      }
    } catch (err) {
      if (!(err instanceof Abort)) throw err;
      w.events.uncertain += events.length; // a failed send may or may not have stored them
    }
    await sleep(Math.max(0, every - (Date.now() - t0)));
  }
}
