// The latency of one kind of read, one request at a time (scripts/bench-citus.sh).
//
//   node bench/latency.mjs --base http://127.0.0.1:P --login admin --password PW --paths FILE
//        [--requests N] [--warmup W]
//
// Signs in, then GETs the paths of FILE (one a line, taken in turn) N times (default 500)
// after W unmeasured ones (default 20), one after the other; every reply must be 200. Prints
// one JSON line: {"requests", "p50_ms", "p95_ms", "p99_ms", "mean_ms"}.
import { request, login, parseArgs, pct } from './client.mjs';
import { readFileSync } from 'node:fs';

const o = parseArgs();
const n = Number(o.requests ?? 500);
const warmup = Number(o.warmup ?? 20);
const paths = readFileSync(o.paths, 'utf8').split('\n').filter(Boolean);
if (!paths.length) throw new Error(`no paths in ${o.paths}`);
const s = await login(o.base, o.login, o.password);
if (s.status !== 200) throw new Error(`sign-in of ${o.login}: ${s.status}`);
const ms = [];
for (let i = 0; i < warmup + n; i++) {
  const r = await request(o.base, paths[i % paths.length], { token: s.token, timeoutMs: 30_000 });
  if (r.status !== 200) throw new Error(`GET ${paths[i % paths.length]}: ${r.status} ${r.text.slice(0, 200)}`);
  if (i >= warmup) ms.push(r.ms);
}
const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
const r2 = (x) => Math.round(x * 100) / 100;
console.log(JSON.stringify({ requests: n, p50_ms: r2(pct(ms, 50)), p95_ms: r2(pct(ms, 95)), p99_ms: r2(pct(ms, 99)), mean_ms: r2(mean) }));
