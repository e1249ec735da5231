import { describe, it, expect, vi, afterEach } from 'vitest';
import { request, setCsrf, onUnauthorized, ApiError } from '../../src/lib/api.js';

function reply(status, body) {
  return vi.fn(async () => ({ ok: status >= 200 && status < 300, status, text: async () => (body === undefined ? '' : JSON.stringify(body)) }));
}

describe('api', () => {
  afterEach(() => {
    setCsrf('');
    onUnauthorized(null);
  });
  it('turns the error envelope into an ApiError with code and message', async () => {
    const f = reply(400, { error: { code: 'invalid', message: "field 'name' is required", details: [{ index: 3, field: 'date', reason: 'bad' }] } });
    const e = await request('POST', '/api/v1/x', { body: {}, fetchImpl: f }).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalid');
    expect(e.message).toBe("field 'name' is required");
    expect(e.details).toHaveLength(1);
    expect(e.notBuilt).toBe(false);
  });
  it('knows a route that is not on the server yet', async () => {
    const e1 = await request('GET', '/api/v1/dues/bills', { fetchImpl: reply(404, { error: { code: 'not_found', message: "no such endpoint '/api/v1/dues/bills'" } }) }).catch((x) => x);
    expect(e1.notBuilt).toBe(true);
    const e2 = await request('GET', '/api/v1/score/months', { fetchImpl: reply(500, { error: { code: 'internal', message: 'not implemented yet' } }) }).catch((x) => x);
    expect(e2.notBuilt).toBe(true);
    const e3 = await request('GET', '/api/v1/members/9', { fetchImpl: reply(404, { error: { code: 'not_found', message: 'member 9 not found' } }) }).catch((x) => x);
    expect(e3.notBuilt).toBe(false);
  });
  it('sends X-CSRF-Token on writes only', async () => {
    setCsrf('tok');
    const f = reply(200, { ok: true });
    await request('PATCH', '/api/v1/members/1', { body: { name: 'x' }, fetchImpl: f });
    expect(f.mock.calls[0][1].headers['X-CSRF-Token']).toBe('tok');
    expect(f.mock.calls[0][1].headers['Content-Type']).toBe('application/json');
    await request('GET', '/api/v1/me', { fetchImpl: f });
    expect(f.mock.calls[1][1].headers['X-CSRF-Token']).toBeUndefined();
  });
  it('builds query strings without empty values', async () => {
    const f = reply(200, {});
    await request('GET', '/api/v1/members', { query: { page: 2, q: '', org_id: undefined, status: 'active' }, fetchImpl: f });
    expect(f.mock.calls[0][0]).toBe('/api/v1/members?page=2&status=active');
  });
  it('reports a 401 (session over) but not on the login itself', async () => {
    const seen = vi.fn();
    onUnauthorized(seen);
    await request('GET', '/api/v1/me', { fetchImpl: reply(401, { error: { code: 'unauthorized', message: 'not logged in' } }) }).catch(() => {});
    expect(seen).toHaveBeenCalledTimes(1);
    await request('POST', '/api/v1/auth/login', { body: {}, fetchImpl: reply(401, { error: { code: 'unauthorized', message: 'wrong login or password' } }) }).catch(() => {});
    expect(seen).toHaveBeenCalledTimes(1);
  });
});
