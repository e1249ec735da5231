// docs/openapi.json as the tests read it: a JSON Schema (OpenAPI 3.0 dialect) checker for
// real replies, and the documented operation of a request.  lib.mjs checks every reply of
// srv.api() with assertConforms(), so every API test also tests the document.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const HERE = import.meta.dirname ?? new URL('.', import.meta.url).pathname;
export const DOC_PATH = path.resolve(HERE, '../../docs/openapi.json');
export const DOC_BYTES = readFileSync(DOC_PATH);
export const DOC = JSON.parse(DOC_BYTES.toString('utf8'));

/** Resolve a local JSON pointer ("#/components/schemas/Org"); undefined when it does not. */
export function resolvePointer(ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
  let node = DOC;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

export const deref = (o) => {
  let seen = 0;
  while (o && typeof o === 'object' && '$ref' in o) {
    assert.ok(++seen < 20, 'a $ref chain that does not end');
    const next = resolvePointer(o.$ref);
    assert.ok(next !== undefined, `unresolved $ref ${o.$ref}`);
    o = next;
  }
  return o;
};

/** Check value against schema; push one line per problem onto errors. */
export function check(schema, value, where, errors) {
  schema = deref(schema);
  if (!schema || typeof schema !== 'object') return;
  if (value === null) {
    const typed = schema.type !== undefined || schema.allOf || schema.properties || schema.enum;
    if (typed && !schema.nullable) errors.push(`${where}: null but not nullable`);
    return;
  }
  for (const s of schema.allOf ?? []) check(s, value, where, errors);
  if (schema.oneOf) {
    const ok = schema.oneOf.filter((s) => {
      const e = [];
      check(s, value, where, e);
      return e.length === 0;
    }).length;
    if (ok !== 1) errors.push(`${where}: matches ${ok} of oneOf, not exactly 1`);
  }
  if (schema.enum && !schema.enum.some((v) => v === value)) errors.push(`${where}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`);
  const t = schema.type;
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (t && !(t === actual || (t === 'number' && actual === 'integer'))) {
    errors.push(`${where}: ${actual} where ${t} expected`);
    return;
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${where}: ${value} < minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${where}: ${value} > maximum ${schema.maximum}`);
  }
  if (typeof value === 'string' && schema.format === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    errors.push(`${where}: ${JSON.stringify(value)} is not a date`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${where}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => check(schema.items, v, `${where}[${i}]`, errors));
  } else if (typeof value === 'object') {
    for (const k of schema.required ?? []) if (!Object.hasOwn(value, k)) errors.push(`${where}: missing required "${k}"`);
    const props = schema.properties ?? {};
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) check(props[k], v, `${where}.${k}`, errors);
      else if (schema.additionalProperties === false) errors.push(`${where}: undocumented property "${k}"`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') check(schema.additionalProperties, v, `${where}.${k}`, errors);
    }
  }
}

export function docOp(method, p) {
  const op = DOC.paths?.[p]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${p} is not documented`);
  return op;
}

const TEMPLATES = Object.keys(DOC.paths ?? {}).map((p) => ({ path: p, segs: p.split('/') }));

/** The documented path template of a request path (query ignored), the most literal one when
 *  several match; undefined when none does. */
export function templateOf(urlPath) {
  const segs = urlPath.split('?')[0].split('/');
  let best;
  let bestLiteral = -1;
  for (const t of TEMPLATES) {
    if (t.segs.length !== segs.length) continue;
    let literal = 0;
    let ok = true;
    for (let i = 0; i < segs.length && ok; i++) {
      if (/^\{[^}]+\}$/.test(t.segs[i])) ok = segs[i] !== '';
      else if (t.segs[i] === segs[i]) literal++;
      else ok = false;
    }
    if (ok && literal > bestLiteral) {
      best = t.path;
      bestLiteral = literal;
    }
  }
  return best;
}

/** Assert res (from srv.api) is a documented response of METHOD docPath and matches its schema. */
export function conforms(method, p, res) {
  const op = docOp(method, p);
  const r = deref(op.responses?.[String(res.status)]);
  assert.ok(r, `${method} ${p} answered ${res.status}, which is not documented: ${res.text.slice(0, 300)}`);
  if (res.status === 204 || res.bytes?.length === 0) return;
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  const media = r.content?.[type];
  assert.ok(media, `${method} ${p} ${res.status}: reply type ${type} is not documented`);
  if (!/[/+]json$/.test(type)) return;
  const errors = [];
  check(media.schema, res.body, 'body', errors);
  assert.deepEqual(errors, [], `${method} ${p} ${res.status} does not match its schema: ${res.text.slice(0, 500)}`);
}

/** conforms() for any request under /api/: the operation is found from the path.  Paths the
 *  document does not know (404) and methods it does not list for a known path (405) have no
 *  operation to check against. */
export function assertConforms(method, urlPath, res) {
  if (!urlPath.startsWith('/api/')) return;
  const p = templateOf(urlPath);
  if (!p || !DOC.paths[p][method.toLowerCase()]) return;
  conforms(method, p, res);
}
