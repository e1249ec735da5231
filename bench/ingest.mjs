// Event ingestion through the API, from one or several servers at once (scripts/bench-cluster.sh).
//
//   node bench/ingest.mjs --servers http://127.0.0.1:P1[,http://127.0.0.1:P2] --key API_KEY
//        --members FILE --indicators FILE --month YYYY-MM --days D
//        [--events N] [--batch B] [--concurrency C] [--shared PERCENT] [--timeout SECONDS]
//
// The same N events every time (event i: key "bench-i", a member, an indicator and a day chosen
// from i), POSTed to /api/v1/events in batches of up to B with C requests in flight per server.
// One server gets them all; with several, every event goes to one of them, except PERCENT of
// them (default 10) that go to every server at about the same time: duplicates across the
// servers, same source and key, which the database keeps once. FILE --members: one emp_no a
// line; --indicators: "code min max" a line (member indicators). Prints one JSON line:
// {"servers", "sent", "accepted", "duplicate", "seconds", "value_sum", "per_server": [...]}, value_sum
// being the sum of the N events' values (what the database should hold once each). Exits 1 on any
// reply other than 200 (503 busy/unavailable is retried after Retry-After, at most 5 times).
import { readFileSync } from 'node:fs';

function args(argv) {
  const o = { events: 1000000, batch: 10000, concurrency: 2, shared: 10, timeout: 600 };
  for (let i = 2; i + 1 < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const k of ['events', 'batch', 'concurrency', 'shared', 'timeout', 'days']) o[k] = Number(o[k]);
  for (const k of ['servers', 'key', 'members', 'indicators', 'month', 'days'])
    if (o[k] === undefined || Number.isNaN(o[k])) throw new Error(`--${k} is required`);
  return o;
}

const o = args(process.argv);
const servers = o.servers.split(',');
const members = readFileSync(o.members, 'utf8').split('\n').filter(Boolean);
const indicators = readFileSync(o.indicators, 'utf8').split('\n').filter(Boolean).map((l) => {
  const [code, min, max] = l.split(/\s+/);
  return { code, min: Number(min), max: Number(max) };
});
if (!members.length || !indicators.length) throw new Error('no members or no indicators');
const deadline = Date.now() + o.timeout * 1000;

// Event i, the same in every run.
function event(i) {
  const ind = indicators[i % indicators.length];
  const day = 1 + ((i * 13) % o.days);
  const value = Math.min(ind.max, Math.max(ind.min, 1 + (i % 3)));
  return {
    key: `bench-${i}`,
    emp_no: members[(i * 7919) % members.length],
    indicator: ind.code,
    date: `${o.month}-${String(day).padStart(2, '0')}`,
    value,
  };
}

// Which servers event i goes to: all of them for the shared share (20 buckets), else one.
const S = servers.length;
const sharedBuckets = Math.round((o.shared * 20) / 100);
function targets(i) {
  const b = i % 20;
  if (S === 1) return [0];
  if (b < sharedBuckets) return [...servers.keys()];
  return [(b - sharedBuckets) % S];
}

// Each server's events in order, cut into batches (lists of event numbers).
const queues = servers.map(() => []);
const open = servers.map(() => []);
for (let i = 0; i < o.events; i++)
  for (const s of targets(i)) {
    open[s].push(i);
    if (open[s].length === o.batch) {
      queues[s].push(open[s]);
      open[s] = [];
    }
  }
open.forEach((rest, s) => rest.length && queues[s].push(rest));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function post(s, batch) {
  const body = JSON.stringify(batch.map(event));
  for (let attempt = 0; ; attempt++) {
    if (Date.now() > deadline) throw new Error(`not done within ${o.timeout} s`);
    const r = await fetch(`${servers[s]}/api/v1/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': o.key },
      body,
      signal: AbortSignal.timeout(120000),
    });
    const text = await r.text();
    if (r.status === 200) return JSON.parse(text);
    if (r.status === 503 && attempt < 5) {
      await sleep(1000 * Number(r.headers.get('retry-after') || 1));
      continue;
    }
    throw new Error(`${servers[s]}: HTTP ${r.status}: ${text.slice(0, 300)}`);
  }
}

const per = servers.map((url) => ({ url, sent: 0, accepted: 0, duplicate: 0, requests: 0 }));
async function worker(s) {
  for (let batch; (batch = queues[s].shift()); ) {
    const r = await post(s, batch);
    per[s].sent += batch.length;
    per[s].accepted += r.accepted;
    per[s].duplicate += r.duplicate;
    per[s].requests++;
  }
}

const t0 = process.hrtime.bigint();
await Promise.all(servers.flatMap((_, s) => Array.from({ length: o.concurrency }, () => worker(s))));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const sum = (k) => per.reduce((a, p) => a + p[k], 0);
let valueSum = 0;
for (let i = 0; i < o.events; i++) valueSum += event(i).value;
console.log(JSON.stringify({
  servers: S,
  sent: sum('sent'),
  accepted: sum('accepted'),
  duplicate: sum('duplicate'),
  seconds: Number(seconds.toFixed(3)),
  value_sum: valueSum,
  per_server: per,
}));
