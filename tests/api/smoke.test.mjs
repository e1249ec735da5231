// Smoke test: the server starts on a fresh database, answers the basic routes with the
// agreed status codes and error envelope, serves its OpenAPI document and shuts down
// cleanly on SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(() => srv?.stop());

test('GET /api/v1/health → 200 {"status":"ok"}', async () => {
  const r = await srv.api('GET', '/api/v1/health');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json\b/);
  assert.deepEqual(r.body, { status: 'ok' });
});

test('unknown route → 404 not_found', async () => {
  assertError(await srv.api('GET', '/api/v1/nope'), 404, 'not_found');
});

test('wrong method → 405 method_not_allowed', async () => {
  assertError(await srv.api('DELETE', '/api/v1/health'), 405, 'method_not_allowed');
});

test('GET /api/v1/me without credentials → 401 unauthorized', async () => {
  assertError(await srv.api('GET', '/api/v1/me'), 401, 'unauthorized');
});

test('GET /api/openapi.json → 200, OpenAPI 3.x', async () => {
  const r = await srv.api('GET', '/api/openapi.json');
  assert.equal(r.status, 200, r.text.slice(0, 500));
  assert.equal(typeof r.body, 'object', 'reply must be JSON');
  assert.equal(typeof r.body.openapi, 'string');
  assert.ok(r.body.openapi.startsWith('3.'), `openapi: ${r.body.openapi}`);
});

test('SIGTERM → clean shutdown, exit code 0', async () => {
  await srv.stop();
  assert.ok(srv.exited);
});
