// What the soak counts (bench/soak.mjs): every reply and failed request, per interval and per
// endpoint over the whole run, and the server's resident memory sampled every second.
import { readFileSync } from 'node:fs';
import { pct, f1 } from './client.mjs';

const LOGIN = 'POST /auth/login';

function freshInterval() {
  return { n: 0, lat: [], loginLat: [], unexpected: 0, s5xx: 0, busy: 0, conn: 0, rss: [] };
}

export class Stats {
  constructor() {
    this.cur = freshInterval();
    this.intervals = []; // closed ones: {seconds, n, p50, p99, loginP99, unexpected, s5xx, busy, conn, rssMb}
    this.byLabel = new Map(); // label → {lat: [], statuses: Map(status → n), conn: Map(code → n)}
    this.total = { n: 0, unexpected: 0, s5xx: 0, busy: 0, conn: 0 };
    this.notes = []; // the first unexpected replies and errors, to show what went wrong
    this.gaveUp = 0; // sign-ins still refused (503 busy) after two minutes
    this.gone = false; // the server process went away
    this.peakKb = 0;
  }

  label(name) {
    if (!this.byLabel.has(name)) this.byLabel.set(name, { lat: [], statuses: new Map(), conn: new Map() });
    return this.byLabel.get(name);
  }

  note(text) {
    if (this.notes.length < 20) this.notes.push(text);
  }

  /** A reply: ok when its status was expected; busy for 503 busy (a sign-in told to retry). */
  reply(name, r, ok, busy) {
    const c = this.cur;
    const l = this.label(name);
    c.n++;
    this.total.n++;
    l.lat.push(r.ms);
    l.statuses.set(r.status, (l.statuses.get(r.status) ?? 0) + 1);
    (name === LOGIN ? c.loginLat : c.lat).push(r.ms);
    if (busy) {
      c.busy++;
      this.total.busy++;
    } else if (r.status >= 500) {
      c.s5xx++;
      this.total.s5xx++;
      this.note(`${name}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    } else if (!ok) {
      c.unexpected++;
      this.total.unexpected++;
      this.note(`${name}: unexpected HTTP ${r.status} ${r.text.slice(0, 200)}`);
    }
  }

  /** A request that got no reply (refused, reset, timed out). */
  connError(name, code) {
    this.cur.conn++;
    this.total.conn++;
    const m = this.label(name).conn;
    m.set(code, (m.get(code) ?? 0) + 1);
    this.note(`${name}: no reply (${code})`);
  }

  /** The server's VmRSS in kB (NaN once it is gone; then gone is set). */
  readRss(pid) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const hwm = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]);
      if (Number.isFinite(hwm)) this.peakKb = Math.max(this.peakKb, hwm);
      return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
    } catch {
      this.gone = true;
      return NaN;
    }
  }

  /** One sample of the server's RSS into the current interval (its line shows the largest). */
  sampleRss(pid) {
    const kb = this.readRss(pid);
    if (Number.isFinite(kb)) this.cur.rss.push(kb);
  }

  /**
   * Close the current interval (seconds long) with the RSS read at its end while no sign-in
   * ran (quiet: false when sign-ins did not stop in time), print its line, start the next.
   */
  closeInterval(at, seconds, { kb, quiet }) {
    const c = this.cur;
    const i = {
      at,
      rate: c.n / seconds,
      p50: pct(c.lat, 50),
      p99: pct(c.lat, 99),
      loginP99: pct(c.loginLat, 99),
      unexpected: c.unexpected,
      s5xx: c.s5xx,
      busy: c.busy,
      conn: c.conn,
      rssMb: kb / 1024,
      quiet,
      rssMaxMb: Math.max(kb, ...c.rss) / 1024,
    };
    this.intervals.push(i);
    this.cur = freshInterval();
    console.log(
      [
        String(Math.round(at)).padStart(5),
        f1(i.rate).padStart(7),
        f1(i.p50).padStart(7),
        f1(i.p99).padStart(7),
        f1(i.loginP99).padStart(9),
        String(i.unexpected).padStart(5),
        String(i.s5xx).padStart(4),
        String(i.busy).padStart(5),
        String(i.conn).padStart(5),
        `${f1(i.rssMb)}${quiet ? '' : '*'}`.padStart(7),
        f1(i.rssMaxMb).padStart(7),
      ].join(' '),
    );
  }

  static header() {
    console.log('    s   req/s  p50 ms  p99 ms  login p99  4xx?  5xx  busy  conn  RSS MB     max');
  }

  /** Every endpoint over the whole run: requests, p50/p99/max and the statuses seen. */
  printEndpoints() {
    console.log(`  ${'endpoint'.padEnd(32)} ${'requests'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}  statuses`);
    const rows = [...this.byLabel.entries()].sort((a, b) => b[1].lat.length - a[1].lat.length);
    for (const [name, l] of rows) {
      const statuses = [...l.statuses.entries()].sort().map(([s, n]) => `${s}×${n}`);
      const conn = [...l.conn.entries()].map(([c, n]) => `${c}×${n}`);
      const max = l.lat.reduce((a, x) => Math.max(a, x), 0);
      console.log(`  ${name.padEnd(32)} ${String(l.lat.length).padStart(8)} ${f1(pct(l.lat, 50)).padStart(8)} ${f1(pct(l.lat, 99)).padStart(8)} ${f1(max).padStart(8)}  ${[...statuses, ...conn].join(' ')}`);
    }
  }
}
