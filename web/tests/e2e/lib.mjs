// End-to-end helpers: a real `dangjian serve` on a fresh demo database, and Debian's
// chromium driven by playwright-core (never a downloaded browser).
//
//   DJ_BIN        the dangjian binary (default: ../dangjian from web/)
//   DJ_CHROMIUM   the browser (default: /usr/bin/chromium)
//   DJ_SHOTS      where screenshots go (default: ../build/screenshots)
//   DJ_KEEP_TMP=1 keep the temporary folder (database, browser profile, server log)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, existsSync, createWriteStream } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB = path.resolve(here, '../..');
export const ROOT = path.resolve(WEB, '..');
export const BIN = process.env.DJ_BIN || path.join(ROOT, 'dangjian');
export const CHROMIUM = process.env.DJ_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.DJ_SHOTS || path.join(ROOT, 'build', 'screenshots');
export const PASSWORD = 'dangjian2024';
export const PHONE = { width: 375, height: 667 };
export const DESKTOP = { width: 1366, height: 900 };
/** A phone as the app's people hold it, and the two views the role tests run in. */
export const PHONE_390 = { width: 390, height: 844 };
export const VIEWS = [
  ['phone', PHONE_390],
  ['desktop', DESKTOP],
];

/** Money as the pages print it: fen -> "1,255.59". */
export const yuan = (fen) => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100).toLocaleString('en-US')}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A demo database and a server on it, serving web/dist. stop() ends both. */
export async function startDemoServer() {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build it first (make)`);
  if (!existsSync(path.join(WEB, 'dist', 'index.html'))) throw new Error('web/dist is missing: build the web app first (make web)');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dj-web-'));
  const db = path.join(tmp, 'demo.db');
  const t0 = Date.now();
  const demo = spawnSync(BIN, ['demo', '--db', db], { encoding: 'utf8', timeout: 180_000 });
  if (demo.status !== 0) throw new Error(`dangjian demo failed (${demo.status})\n${demo.stdout}${demo.stderr}`);
  console.log(`# demo database made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const log = createWriteStream(path.join(tmp, 'serve.log'));
  let child;
  let base;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--web', path.join(WEB, 'dist'), '--threads', '4'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let exited = false;
    child.once('exit', () => (exited = true));
    const ok = await waitHealthy(base, () => exited);
    if (ok) break;
    child.kill('SIGKILL');
    if (attempt >= 3) throw new Error(`dangjian serve did not come up; see ${tmp}/serve.log`);
  }
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(10_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    log.end();
    if (process.env.DJ_KEEP_TMP === '1') console.log(`# kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  };
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { base, db, tmp, stop };
}

async function waitHealthy(base, dead) {
  const until = Date.now() + 15_000;
  while (Date.now() < until && !dead()) {
    try {
      const r = await fetch(`${base}/api/v1/health`);
      if (r.ok) return true;
    } catch {
      /* not yet */
    }
    await sleep(50);
  }
  return false;
}

/** A demo server, the browser and one page of it (15 s timeouts, page errors printed). */
export async function startApp() {
  const srv = await startDemoServer();
  const ctx = await startBrowser(srv.tmp);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
  return { srv, ctx, page };
}

/** Debian's chromium with a fresh profile folder of its own. */
export async function startBrowser(tmp) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/deps.sh test does)`);
  const profile = path.join(tmp, 'chromium-profile');
  mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: PHONE,
    locale: 'zh-CN',
  });
  return context;
}

export async function shot(page, name, { full = false } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: full });
}

/** Log in through the login page, as people do. */
export async function uiLogin(page, base, login, { expectPath } = {}) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  if (expectPath) await page.waitForURL((u) => expectPath.test(u.pathname));
}

/** GET an API path with the page's cookie session; returns {status, body}. */
export async function apiGet(page, base, p) {
  const r = await page.request.get(base + p);
  let body = null;
  try {
    body = await r.json();
  } catch {
    body = null;
  }
  return { status: r.status(), body };
}

/** This month and the month before (YYYYMM) on the organization's clock (UTC+8), and the
 *  month before as a plans period (YYYY-MM): the month the pages open on. */
export function months() {
  const d = new Date(Date.now() + 8 * 3600 * 1000);
  const now = d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
  const last = now % 100 === 1 ? now - 100 + 11 : now - 1;
  return { now, last, lastPeriod: `${Math.floor(last / 100)}-${String(last % 100).padStart(2, '0')}` };
}

export const r1 = (v) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);
export const fmt1 = (v) => (v === null || v === undefined ? '—' : r1(v).toFixed(1));

/** Whether a reply says the route is not on this server yet. */
export function notBuilt(res) {
  const m = res.body?.error?.message || '';
  return (res.status === 404 && /^no such endpoint/.test(m)) || res.status === 501 || (res.status === 500 && /not implemented/i.test(m));
}

/** An API session of its own (a bearer token, no browser): for arranging state and checking
 *  what the pages did. get/post answer {status, body}. */
export async function apiAs(base, login) {
  const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login, password: PASSWORD }) });
  if (r.status !== 200) throw new Error(`login ${login}: HTTP ${r.status} ${await r.text()}`);
  const { token } = await r.json();
  const call = async (method, p, body) => {
    const res = await fetch(base + p, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, body: json };
  };
  return { get: (p) => call('GET', p), post: (p, body) => call('POST', p, body ?? {}) };
}

/** What a page offers fits its viewport: the document does not scroll sideways
 *  (scrollWidth > innerWidth), and every visible button, tab and menu entry can be reached —
 *  scrolled into view (its own scrolling box included), it lies inside the viewport and is the
 *  element found at its centre (nothing covers it). Throws naming what does not fit. */
export async function assertFits(page, where, within = '') {
  // a sheet still sliding in is measured where it comes to rest
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'), null, { timeout: 3000 }).catch(() => {});
  const r = await page.evaluate((within) => {
    const w = window.innerWidth;
    const h = window.innerHeight;
    const x0 = window.scrollX;
    const y0 = window.scrollY;
    const out = [];
    const name = (b) => (b.textContent || b.getAttribute('aria-label') || b.className || '').trim().replace(/\s+/g, ' ').slice(0, 24);
    // an open sheet or dialog covers the page: then only what is on the topmost counts
    const shown = (el) => el.offsetParent !== null || (getComputedStyle(el).position === 'fixed' && getComputedStyle(el).display !== 'none');
    const z = (el) => Number(getComputedStyle(el).zIndex) || 0;
    const popups = [...document.querySelectorAll('.van-popup, .van-dialog')].filter(shown).sort((a, b) => z(b) - z(a));
    const roots = within ? [document.querySelector(within)].filter(Boolean) : popups.length ? [popups[0]] : [document];
    const all = roots.flatMap((root) => [...root.querySelectorAll('button, .van-button, a.a-tab, a[data-nav], .van-cell[data-nav], [data-work], .m-tab')]);
    for (const b of all) {
      const style = getComputedStyle(b);
      const r0 = b.getBoundingClientRect();
      if (!r0.width || !r0.height || style.visibility === 'hidden' || (b.offsetParent === null && style.position !== 'fixed')) continue;
      b.scrollIntoView({ block: 'center', inline: 'center' });
      const rect = b.getBoundingClientRect();
      if (rect.left < -1 || rect.right > w + 1 || rect.top < -1 || rect.bottom > h + 1) {
        out.push(`${name(b)}: outside [${Math.round(rect.left)}, ${Math.round(rect.top)}, ${Math.round(rect.right)}, ${Math.round(rect.bottom)}]`);
        continue;
      }
      const hit = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
      if (!hit || !(hit === b || b.contains(hit) || hit.contains(b))) out.push(`${name(b)}: covered by ${hit ? `${hit.tagName.toLowerCase()}.${String(hit.className).split(' ')[0]}` : 'nothing'}`);
    }
    window.scrollTo(x0, y0);
    return { scroll: document.documentElement.scrollWidth, inner: w, out };
  }, within);
  if (r.scroll > r.inner) throw new Error(`${where}: the page scrolls sideways (${r.scroll} > ${r.inner})`);
  if (r.out.length) throw new Error(`${where}: buttons that cannot be reached in the ${r.inner} px viewport:\n  ${r.out.join('\n  ')}`);
}

/** Every API reply a page gets, and the calls still running: idle() waits until none has run
 *  for `quiet` ms. */
export function watchNetwork(page) {
  const replies = [];
  let running = 0;
  let last = Date.now();
  page.on('request', (q) => {
    if (q.url().includes('/api/')) {
      running++;
      last = Date.now();
    }
  });
  const done = (q) => {
    if (q.url().includes('/api/')) {
      running = Math.max(0, running - 1);
      last = Date.now();
    }
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  page.on('response', (res) => {
    if (res.url().includes('/api/')) replies.push({ status: res.status(), method: res.request().method(), url: res.url().replace(/^https?:\/\/[^/]+/, ''), page: page.url().replace(/^https?:\/\/[^/]+/, '') });
  });
  async function idle(quiet = 300, limit = 15_000) {
    const until = Date.now() + limit;
    await sleep(60);
    while (Date.now() < until && (running > 0 || Date.now() - last < quiet)) await sleep(50);
  }
  return { replies, idle };
}

/** What the page says is Chinese and human: no code names (org.congress, dues_income,
 *  expense:education), no English words but the language switch's, file formats (Excel, CSV, UTF-8, GBK) and `allow` (the
 *  account's own login name, shown on 我的), no number with more than two decimals. Throws
 *  naming what it found. */
export async function assertHuman(page, where, allow = []) {
  const text = await page.evaluate(() => document.body.innerText);
  const found = [];
  for (const m of text.matchAll(/\b[a-z][a-z0-9]*(?:[._:][a-z0-9]+)+\b/g)) found.push(`code ${m[0]}`);
  for (const m of text.matchAll(/[A-Za-z]{3,}/g)) if (!['Excel', 'CSV', 'UTF', 'GBK', 'English', ...allow].includes(m[0])) found.push(`English ${m[0]}`);
  for (const m of text.matchAll(/\d+\.\d{3,}/g)) found.push(`number ${m[0]}`);
  if (found.length) throw new Error(`${where}: not for people: ${[...new Set(found)].slice(0, 12).join(', ')}`);
}
