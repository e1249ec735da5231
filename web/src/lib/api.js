// The one door to the HTTP API (docs/openapi.json). Every reply that is not 2xx becomes an
// ApiError carrying the API's error envelope {"error": {"code", "message", "details"}}.
// Writes with the session cookie carry X-CSRF-Token (from login or GET /api/v1/me).
// A 401 anywhere but the login itself tells the app that the session is over.

export class ApiError extends Error {
  constructor(status, code, message, details, where) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details || [];
    this.where = where;
    // "not built yet": the route does not exist on this server, or its handler says so
    this.notBuilt =
      (status === 404 && /^no such endpoint/.test(message || '')) ||
      status === 501 ||
      (status === 500 && /not implemented/i.test(message || ''));
  }
}

let csrfToken = '';
let unauthorizedHandler = null;

export function setCsrf(token) {
  csrfToken = token || '';
}

export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

function queryString(query) {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

// A call index.html made for the first screen before the app's code arrived (src/early.js):
// its reply, once, for exactly this URL and only in the first seconds; null otherwise.
const EARLY_FOR_MS = 10_000;
function takeEarly(url) {
  const all = globalThis.__djEarly;
  const e = all && all[url];
  if (!e) return null;
  delete all[url];
  return Date.now() - e.at < EARLY_FOR_MS ? e.res : null;
}

// blob: answer the body as a Blob (downloads such as .xlsx); errors still come as ApiError.
// raw: {bytes, type} sends the bytes as they are under that Content-Type (a CSV file, never
// decoded here: the server detects its encoding) instead of a JSON body.
export async function request(method, path, { query, body, raw, fetchImpl, blob = false } = {}) {
  const url = path + queryString(query);
  const headers = { Accept: blob ? '*/*' : 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (raw) {
    headers['Content-Type'] = raw.type;
    init.body = raw.bytes;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const early = method === 'GET' && !fetchImpl && !blob ? takeEarly(url) : null;
  let res;
  try {
    // a reply index.html already asked for (src/early.js), else (or if that failed) a new call
    res = await (early ? early.catch(() => fetch(url, init)) : (fetchImpl || fetch)(url, init));
  } catch (e) {
    throw new ApiError(0, 'network', e?.message || 'network error', [], `${method} ${path}`);
  }
  if (blob && res.ok) return res.blob();
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const env = (data && data.error) || {};
    const err = new ApiError(
      res.status,
      env.code || `http_${res.status}`,
      env.message || `HTTP ${res.status}`,
      env.details,
      `${method} ${path}`,
    );
    if (res.status === 401 && path !== '/api/v1/auth/login' && unauthorizedHandler) {
      unauthorizedHandler(err);
    }
    throw err;
  }
  return data;
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  post: (path, body) => request('POST', path, { body }),
  patch: (path, body) => request('PATCH', path, { body }),
  put: (path, body) => request('PUT', path, { body }),
  del: (path) => request('DELETE', path),
  // a file's bytes as the body (POST /api/v1/import/...: text/csv)
  postBytes: (path, query, bytes, type) => request('POST', path, { query, raw: { bytes, type } }),
};

// A file from the API (an .xlsx report), saved under `filename`. An error reply is thrown as
// an ApiError so that the page can say what went wrong instead of saving the error as a file.
export async function download(path, query, filename) {
  saveBlob(await request('GET', path, { query, blob: true }), filename);
}

// Offer a Blob (a downloaded report, a CSV template made here) as a file named `filename`.
export function saveBlob(data, filename) {
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The address of an API document to open in a new tab (the printable bulletin).
export function apiUrl(path, query) {
  return path + queryString(query);
}

// The API paths this server documents (GET /api/openapi.json, public), fetched once. Pages of
// modules that are not on the server yet (plans, dues, inbox, statistics) ask here and show
// "功能建设中" instead of calling a route that does not exist.
let docPaths = null;
export async function apiPaths() {
  if (!docPaths) {
    docPaths = request('GET', '/api/openapi.json')
      .then((d) => Object.keys(d?.paths || {}))
      .catch(() => {
        docPaths = null;
        return [];
      });
  }
  return docPaths;
}

export async function hasApi(prefix) {
  return (await apiPaths()).some((p) => p.startsWith(prefix));
}

export function resetApiPaths() {
  docPaths = null;
}
