// The 数据源 page's helpers: lags in words, months between <input type="month"> and YYYYMM,
// and the body of PUT /api/v1/sources/{id}/feed from the form (docs/openapi.json FeedSet).

/** A lag in seconds as Chinese words: "3 分钟", "2 小时", "5 天". */
export function fmtLag(s) {
  if (s === null || s === undefined) return '';
  if (s < 60) return `${s} 秒`;
  if (s < 3600) return `${Math.floor(s / 60)} 分钟`;
  if (s < 86400) return `${Math.floor(s / 3600)} 小时`;
  return `${Math.floor(s / 86400)} 天`;
}

/** "2026-11" → 202611; "" → 0 (the server's default month). */
export function monthParam(text) {
  const m = /^(\d{4})-(\d{2})$/.exec(text || '');
  return m ? Number(m[1]) * 100 + Number(m[2]) : 0;
}

/** 202611 → "2026-11". */
export function monthInput(m) {
  return m ? `${Math.floor(m / 100)}-${String(m % 100).padStart(2, '0')}` : '';
}

// the HTTP settings the form edits, with the server's defaults
export const HTTP_DEFAULTS = {
  paging: 'page', rows: 'data', next: 'next_cursor', has_more: '', page_param: 'page',
  size_param: 'page_size', cursor_param: 'cursor', auth: 'none', key_id: '', timeout_seconds: 30,
};

/**
 * The feed's body from the form: only what an existing feed changes (a secret left empty
 * keeps the stored one), everything for a new one. mappingText must be a JSON object; a
 * mistake throws {field: 'mapping'}.
 */
export function feedBody(form, isNew) {
  const body = { kind: form.kind, target: form.target.trim() };
  let mapping;
  try {
    mapping = JSON.parse(form.mappingText);
  } catch {
    mapping = null;
  }
  if (!mapping || typeof mapping !== 'object' || Array.isArray(mapping)) {
    const e = new Error('mapping');
    e.field = 'mapping';
    throw e;
  }
  body.mapping = mapping;
  for (const k of ['page_size', 'every_seconds']) if (form[k] !== '' && form[k] !== null) body[k] = Number(form[k]);
  if (form.kind === 'sql' && (isNew || form.secret)) body.url = form.secret;
  if (form.kind === 'http') {
    body.http = { ...form.http, timeout_seconds: Number(form.http.timeout_seconds) };
    if (form.secret) body.credential = form.secret;
  }
  return body;
}
