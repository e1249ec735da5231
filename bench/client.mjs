// What the load drivers of bench/ share (logins.mjs, soak.mjs): options, clocks, percentiles,
// and one timed HTTP request against a running `dangjian serve` with the sign-in on top.
// Load goes to the URL the caller gives (127.0.0.1 only, by the scripts that start them).

/** `--name value` pairs of argv as an object ({name: value}). */
export function parseArgs(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}

/** Milliseconds on a monotonic clock. */
export const now = () => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The p-th percentile (nearest rank) of xs; NaN when empty. */
export function pct(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** One decimal, or a dash for no figure. */
export const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '—');

/** Why a request got no HTTP reply: 'timeout', or the socket's error code (ECONNRESET, ...). */
export function connectionError(err) {
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timeout';
  return err?.cause?.code ?? err?.code ?? err?.cause?.message ?? err?.message ?? String(err);
}

/**
 * One request to base + path; resolves {status, headers, text, body (parsed JSON or null),
 * ms} once the whole reply is read, rejects when no reply came (see connectionError).
 * opts: method, json (a value sent as JSON), raw + contentType, token (bearer), cookie,
 * csrf, headers, timeoutMs (default 120 s).
 */
export async function request(base, path, opts = {}) {
  const headers = { ...(opts.headers ?? {}) };
  let body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['Content-Type'] = 'application/json';
  } else if (opts.raw !== undefined) {
    body = opts.raw;
    headers['Content-Type'] = opts.contentType ?? 'application/json';
  }
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.Cookie = opts.cookie;
  if (opts.csrf) headers['X-CSRF-Token'] = opts.csrf;
  const t0 = now();
  const r = await fetch(base + path, {
    method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000),
  });
  const text = await r.text();
  const ms = now() - t0;
  let parsed = null;
  if (/json/.test(r.headers.get('content-type') ?? '') && text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  return { status: r.status, headers: r.headers, text, body: parsed, ms };
}

/**
 * POST /api/v1/auth/login: {status, ms, token, csrf, cookie, member (id or undefined),
 * retryAfter (seconds, on 503 busy)}.
 */
export async function login(base, name, password, opts = {}) {
  const r = await request(base, '/api/v1/auth/login', { ...opts, json: { login: name, password } });
  const cookie = r.headers
    .getSetCookie()
    .map((c) => c.split(';')[0].trim())
    .find((c) => c.startsWith('dj_session='));
  return {
    status: r.status,
    ms: r.ms,
    token: r.body?.token,
    csrf: r.body?.csrf_token,
    cookie,
    member: r.body?.account?.member?.id,
    retryAfter: Number(r.headers.get('retry-after') ?? NaN),
  };
}

/** GET path with a bearer token; resolves its latency in ms, rejects unless 200. */
export async function get(base, path, token) {
  const r = await request(base, path, { token });
  if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}`);
  return r.ms;
}
