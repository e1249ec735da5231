// The login storm (make bench): a notice goes to every member at 9:00 and most of them sign
// in within minutes.  Against a running `dangjian serve` on the demo company:
//
//   1. throughput: CONC clients log in back to back for SECONDS: logins/s and latency, beside
//      the machine's raw argon2id checks/s (bench-pwhash, passed in as --raw);
//   2. the storm: MEMBERS distinct members each sign in once at a random moment of WINDOW
//      seconds (an open loop: arrivals do not wait for replies), then read /me and their
//      portrait as the app's home page does; meanwhile other members who are already signed
//      in read portraits at a steady rate.  Prints the p50/p99 of a login, of the first
//      portrait after it, and of the steady portraits (goal: portraits p99 < 20 ms).
//
//   node bench/logins.mjs --url http://127.0.0.1:PORT --logins FILE [--members 10000]
//        [--window 300] [--seconds 10] [--conc 8] [--background 20] [--raw CHECKS_PER_S]
//
// FILE holds one member login per line.  Load goes to the given URL only (127.0.0.1).
import { readFileSync } from 'node:fs';
import { parseArgs, now, sleep, pct, f1, login as signIn, get as getAs } from './client.mjs';

const args = parseArgs();
const URL_ = args.url;
const PASSWORD = args.password ?? 'dangjian2024';
const logins = readFileSync(args.logins, 'utf8').split('\n').filter(Boolean);
const MEMBERS = Math.min(Number(args.members ?? 10000), logins.length);
const WINDOW = Number(args.window ?? 300);
const SECONDS = Number(args.seconds ?? 10);
const CONC = Number(args.conc ?? 8);
const BACKGROUND = Number(args.background ?? 20); // steady portrait reads per second
const RAW = args.raw ? Number(args.raw) : null;

const login = (name) => signIn(URL_, name, PASSWORD);
const get = (path, token) => getAs(URL_, path, token);

// ---- 1. throughput, closed loop
{
  const lat = [];
  let i = 0;
  let refused = 0;
  const end = now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (now() < end) {
        const r = await login(logins[i++ % logins.length]);
        if (r.status === 200) lat.push(r.ms);
        else if (r.status === 503) refused++;
        else throw new Error(`login: HTTP ${r.status}`);
      }
    }),
  );
  const rate = lat.length / SECONDS;
  console.log(`logins: ${CONC} clients back to back for ${SECONDS} s (argon2id as configured)`);
  console.log(`  ${'logins/s through POST /api/v1/auth/login'.padEnd(44)} ${f1(rate).padStart(8)}   p50 ${f1(pct(lat, 50))} ms  p99 ${f1(pct(lat, 99))} ms${refused ? `  (${refused} told to retry)` : ''}`);
  if (RAW) {
    console.log(`  ${'raw argon2id checks/s, every core, nothing else'.padEnd(44)} ${f1(RAW).padStart(8)}`);
    console.log(`  ${'ratio logins / raw checks'.padEnd(44)} ${(rate / RAW).toFixed(2).padStart(8)}`);
  }
}

// ---- 2. the storm, open loop
{
  const members = logins.slice(0, MEMBERS);
  const steady = [];
  // a few members already signed in read their portrait all along
  for (const name of logins.slice(-8)) {
    const r = await login(name);
    if (r.status === 200) steady.push(r);
  }
  const loginMs = [];
  const firstPortraitMs = [];
  const steadyMs = [];
  let refused = 0;
  let failed = 0;
  const t0 = now();
  const windowMs = WINDOW * 1000;
  const arrivals = members.map(() => Math.random() * windowMs).sort((a, b) => a - b);
  const pending = [];

  let stop = false;
  const background = (async () => {
    let k = 0;
    const gap = 1000 / BACKGROUND;
    let next = now();
    while (!stop) {
      next += gap;
      const s = steady[k++ % steady.length];
      pending.push(get(`/api/v1/portraits/members/${s.member}`, s.token).then((ms) => steadyMs.push(ms), () => failed++));
      const wait = next - now();
      if (wait > 0) await sleep(wait);
    }
  })();

  for (let i = 0; i < members.length; i++) {
    const wait = t0 + arrivals[i] - now();
    if (wait > 0) await sleep(wait);
    const name = members[i];
    pending.push(
      (async () => {
        let r = await login(name);
        for (let tries = 0; r.status === 503 && tries < 20; tries++) {
          refused++;
          await sleep(2000);
          r = await login(name);
        }
        if (r.status !== 200) {
          failed++;
          return;
        }
        loginMs.push(r.ms);
        await get('/api/v1/me', r.token);
        firstPortraitMs.push(await get(`/api/v1/portraits/members/${r.member}`, r.token));
      })().catch(() => failed++),
    );
  }
  stop = true;
  await background;
  await Promise.all(pending);
  const took = (now() - t0) / 1000;
  console.log(`login storm: ${members.length} members sign in at random moments of ${WINDOW} s (${f1(members.length / WINDOW)}/s), each then reads /me and the portrait; ${BACKGROUND}/s portraits beside`);
  console.log(`  ${'login'.padEnd(44)} p50 ${f1(pct(loginMs, 50)).padStart(7)} ms  p99 ${f1(pct(loginMs, 99)).padStart(7)} ms  max ${f1(Math.max(...loginMs))} ms`);
  console.log(`  ${'portrait right after signing in'.padEnd(44)} p50 ${f1(pct(firstPortraitMs, 50)).padStart(7)} ms  p99 ${f1(pct(firstPortraitMs, 99)).padStart(7)} ms`);
  console.log(`  ${'steady portraits during the storm'.padEnd(44)} p50 ${f1(pct(steadyMs, 50)).padStart(7)} ms  p99 ${f1(pct(steadyMs, 99)).padStart(7)} ms   (goal p99 < 20 ms)`);
  console.log(`  ${'all signed in after'.padEnd(44)} ${f1(took)} s; ${refused} told to retry (503), ${failed} failed`);
  if (failed) process.exitCode = 1;
}
