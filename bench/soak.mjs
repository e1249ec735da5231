// The soak (make soak, scripts/soak.sh): mixed traffic shaped like the demo company's peak
// day against a running `dangjian serve` on 127.0.0.1 for SECONDS, one line every INTERVAL
// seconds, then a verdict and the checks of what the server wrote.
//
//   node bench/soak.mjs --url http://127.0.0.1:PORT --pid SERVER_PID --db DB_URL_OR_FILE
//        --bin ./dangjian --callback-key KEY --api-key KEY [--seconds 600] [--interval 60]
//        [--warmup INTERVAL] [--vus 32] [--events-every 2] [--think 100] [--rss-check 1]
//
// Traffic (bench/soak-journeys.mjs): VUS virtual users, each in a closed loop — a journey
// picked by weight, then a pause of 0 to 2 × THINK ms — and beside them a business system
// sending a batch of 200 to 400 events every EVENTS_EVERY seconds.  Sign-ins told 503 busy
// wait their Retry-After and try again; they are counted apart (busy), not as errors.
//
// Each line: seconds since the start, requests/s, p50/p99 of every request but sign-ins, p99
// of sign-ins (argon2id on the slow lane, deliberately slower), unexpected 4xx (or any status
// the journey did not expect), 5xx, busy, requests without a reply (refused, reset, timed
// out after 120 s), and the server's resident memory (VmRSS) read at the interval's end in a
// quiet moment — new sign-ins held back until none is in flight, since argon2id maps 19 MiB for
// the length of each password check, one per core at once — beside the largest of one sample
// a second during the interval (a * marks an RSS read while sign-ins had not stopped in 30 s).
//
// Verdict: no 5xx, no request without a reply, no unexpected status, no sign-in given up,
// the server still running; every interval's RSS after the first within ±10 % of the first
// interval's (the first, WARMUP seconds long, holds the warm-up: caches, connections, the
// event keyset); and the checks after the run (bench/soak-checks.mjs).  Exit status 1 when
// any of it fails.
import { appendFileSync } from 'node:fs';
import { parseArgs, now, sleep, f1 } from './client.mjs';
import { sql, localDate } from '../tests/api/fixtures.mjs';
import { Stats } from './soak-stats.mjs';
import { Abort, JOURNEYS, OPENING, OPENING_VUS, businessSystem, makeVu, makeWorld, pickJourney, signIn } from './soak-journeys.mjs';
import { checkAfter } from './soak-checks.mjs';

const args = parseArgs();
for (const need of ['url', 'pid', 'db', 'bin', 'callback-key', 'api-key']) {
  if (!args[need]) {
    console.error(`soak: --${need} is required (see the head of bench/soak.mjs)`);
    process.exit(2);
  }
}
const SECONDS = Number(args.seconds ?? 600);
const INTERVAL = Number(args.interval ?? 60);
const WARMUP = Number(args.warmup ?? INTERVAL); // the first interval's length
const VUS = Number(args.vus ?? 32);
const EVENTS_EVERY = Number(args['events-every'] ?? 2);
const THINK = Number(args.think ?? 100);
const RSS_TOLERANCE = 0.1;
const RSS_CHECK = args['rss-check'] !== '0'; // 0: a sanitizer build, whose RSS says nothing
const PID = Number(args.pid);
if (!(new URL(args.url).hostname === '127.0.0.1')) {
  console.error('soak: the server must be on 127.0.0.1');
  process.exit(2);
}

/** The demo's accounts by role, from the database: the members' own logins (their employee
 * numbers), branch secretaries, the first committee and finance accounts, the admin. */
function readAccounts(db) {
  const all = sql(
    db,
    'SELECT a.login, r.role, r.org_id, o.kind, COALESCE(m.emp_no, \'\') FROM accounts a' +
      ' JOIN account_roles r ON r.account_id = a.id JOIN orgs o ON o.id = r.org_id' +
      ' LEFT JOIN members m ON m.id = a.member_id WHERE a.disabled = 0 ORDER BY a.id',
  )
    .split('\n')
    .map((l) => l.split('|'))
    .map(([login, role, org, kind, emp]) => ({ login, role, org_id: Number(org), kind, emp_no: emp }));
  const members = all.filter((a) => a.role === 'member' && a.login === a.emp_no);
  for (let i = members.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [members[i], members[j]] = [members[j], members[i]];
  }
  const acc = {
    members,
    secretaries: all.filter((a) => a.role === 'secretary' && a.kind === 'branch'),
    committee: all.find((a) => a.role === 'committee'),
    finance: all.find((a) => a.role === 'finance'),
    admin: all.find((a) => a.role === 'admin'),
  };
  for (const [k, v] of Object.entries(acc)) {
    if (!v || v.length === 0) throw new Error(`soak: the database has no ${k} account (make it with dangjian demo)`);
  }
  return acc;
}

/** The task secretaries report on: a monthly `reported` task in the root's plan of this
 * year, added once by the admin (the demo's plan counts only events and dues). */
async function reportTask(w, year) {
  const s = await signIn(w, w.accounts.admin.login);
  const plans = await w.call('GET /plans', `/api/v1/plans?year=${year}`, { token: s.token });
  const plan = plans.body.items.find((p) => p.org.kind === 'committee');
  if (!plan) return null;
  const full = await w.call('GET /plans/{id}', `/api/v1/plans/${plan.id}`, { token: s.token });
  const have = (full.body.tasks ?? []).find((t) => t.code === 'soak_report');
  if (have) return have.id;
  const task = { code: 'soak_report', name: '志愿服务活动（压测上报）', metric: 'reported', target: 2, freq: 'month', unit: '次' };
  const made = await w.call('POST /plans/{id}/tasks', `/api/v1/plans/${plan.id}/tasks`, { token: s.token, json: task }, [201]);
  return made.body.id;
}

const stats = new Stats();
const accounts = readAccounts(args.db);
const { month } = localDate();
const world = makeWorld({
  base: args.url,
  stats,
  accounts,
  callbackKey: args['callback-key'],
  apiKey: args['api-key'],
  month,
  vus: VUS,
});
world.reportTask = await reportTask(world, Math.floor(month / 100));

console.log(
  `soak: ${SECONDS} s against ${args.url} (pid ${PID}): ${VUS} virtual users over ${accounts.members.length} members and ` +
    `${accounts.secretaries.length} branch secretaries, think 0–${2 * THINK} ms; a batch of 200–400 events every ${EVENTS_EVERY} s`,
);
console.log(`  journeys by weight: ${JOURNEYS.map((j) => `${j.name} ${j.weight}`).join(', ')}`);
Stats.header();

const t0 = now();
const end = t0 + SECONDS * 1000;
const stop = () => now() >= end;
const journeys = new Map(JOURNEYS.map((j) => [j.name, 0]));

const vus = Array.from({ length: VUS }, async (_, i) => {
  const vu = makeVu(world, i);
  await sleep((i * 1000) / VUS); // a ramp over the first second
  const opening = i < OPENING_VUS ? OPENING : [];
  for (let n = 0; !stop(); n++) {
    const j = n < opening.length ? opening[n] : pickJourney();
    try {
      await j.run(world, vu, n < opening.length);
    } catch (err) {
      if (!(err instanceof Abort)) throw err;
    }
    journeys.set(j.name, journeys.get(j.name) + 1);
    await sleep(Math.random() * 2 * THINK);
  }
});
const system = businessSystem(world, EVENTS_EVERY * 1000, stop);

/** The server's RSS in a quiet moment: new sign-ins held until none is in flight. */
async function quietRss() {
  const hold = await world.holdLogins(30_000);
  const kb = stats.readRss(PID);
  hold.release();
  return { kb, quiet: hold.quiet };
}

// one RSS sample a second (the line's max); at every interval's end a line with the RSS of a
// quiet moment; the last line once every journey has ended
const reporter = (async () => {
  let lastAt = 0;
  let nextAt = WARMUP;
  while (!stop()) {
    await sleep(1000);
    stats.sampleRss(PID);
    if (process.env.SOAK_RSS_TRACE) appendFileSync(process.env.SOAK_RSS_TRACE, `${((now() - t0) / 1000).toFixed(1)} ${stats.cur.rss.at(-1)} ${world.logins.inflight}\n`);
    if ((now() - t0) / 1000 >= nextAt && nextAt < SECONDS) {
      const rss = await quietRss();
      const at = (now() - t0) / 1000;
      stats.closeInterval(at, at - lastAt, rss);
      lastAt = at;
      nextAt += INTERVAL;
    }
  }
  return lastAt;
})();
await Promise.all([...vus, system]);
const lastAt = await reporter;
const took = (now() - t0) / 1000;
stats.closeInterval(took, took - lastAt, { kb: stats.readRss(PID), quiet: true });

// ---- the whole run
console.log(`\nper endpoint over ${f1(took)} s (${stats.total.n} requests; journeys: ${[...journeys].map(([k, v]) => `${k} ${v}`).join(', ')})`);
stats.printEndpoints();
if (stats.notes.length) {
  console.log('\nfirst problems seen:');
  for (const n of stats.notes) console.log(`  ${n}`);
}

const [first, ...rest] = stats.intervals;
const worst = rest.reduce((a, i) => Math.max(a, Math.abs(i.rssMb - first.rssMb) / first.rssMb), 0);
const verdict = [
  [stats.total.s5xx === 0, `5xx replies: ${stats.total.s5xx}`],
  [stats.total.conn === 0, `requests without a reply (refused, reset, timed out): ${stats.total.conn}`],
  [stats.total.unexpected === 0, `unexpected statuses: ${stats.total.unexpected}`],
  [stats.gaveUp === 0, `sign-ins given up after two minutes of busy replies: ${stats.gaveUp} (busy replies, honoured: ${stats.total.busy})`],
  [!stats.gone, `server still running: ${stats.gone ? 'NO' : 'yes'}`],
  [
    worst <= RSS_TOLERANCE || !RSS_CHECK,
    !RSS_CHECK
      ? `RSS not judged (a sanitizer build holds freed memory): ${f1(first.rssMb)} MB after the first interval, ${f1(stats.intervals.at(-1).rssMb)} MB at the end`
      : rest.length
      ? `RSS after the first interval (${f1(first.at)} s) within ±${RSS_TOLERANCE * 100} % of its ${f1(first.rssMb)} MB: ` +
        `${f1(Math.min(...rest.map((i) => i.rssMb)))}–${f1(Math.max(...rest.map((i) => i.rssMb)))} MB, ` +
        `at most ${f1(worst * 100)} % off (peak VmHWM ${f1(stats.peakKb / 1024)} MB)`
      : 'RSS: one interval only, nothing to compare',
  ],
];
const checks = checkAfter({ bin: args.bin, db: args.db, world });
console.log('\nverdict (0 5xx, 0 requests without a reply, 0 unexpected statuses, RSS flat within ±10 % after the first interval):');
for (const [ok, text] of verdict) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${text}`);
console.log('checks after the run:');
for (const l of checks.lines) console.log(l);
const passed = verdict.every(([ok]) => ok) && checks.ok;
console.log(passed ? 'soak: PASSED' : 'soak: FAILED');
process.exit(passed ? 0 : 1);
