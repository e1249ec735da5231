import { describe, it, expect, afterEach } from 'vitest';
import { decide } from '../../src/router.js';
import { session } from '../../src/lib/session.js';

const member = { id: 1, login: 'dangyuan', member: { id: 69, org_id: 8 }, roles: [{ role: 'member', org_id: 8 }] };
const finance = { id: 3, login: 'caiwu', member: null, roles: [{ role: 'finance', org_id: 2 }] };
const route = (path, levels, meta = {}) => ({ fullPath: path, name: 'x', meta, matched: levels.map((roles) => ({ meta: roles ? { roles } : {} })) });
const STAFF = ['secretary', 'committee', 'finance', 'admin'];

describe('navigation rules', () => {
  afterEach(() => {
    session.account = null;
  });
  it('sends people who are not signed in to the login, remembering where they went', () => {
    expect(decide(route('/admin/orgs?page=2', [STAFF, STAFF]))).toEqual({ name: 'login', query: { redirect: '/admin/orgs?page=2' } });
  });
  it('refuses a member the console', () => {
    session.account = member;
    expect(decide(route('/admin/model', [STAFF, ['admin']]))).toEqual({ name: 'forbidden', query: { from: '/admin/model' } });
    expect(decide(route('/admin', [STAFF, STAFF]))).toMatchObject({ name: 'forbidden' });
  });
  it('lets finance into the console but not the model page', () => {
    session.account = finance;
    expect(decide(route('/admin', [STAFF, STAFF]))).toBe(true);
    expect(decide(route('/admin/dues', [STAFF, ['finance', 'admin']]))).toBe(true);
    expect(decide(route('/admin/model', [STAFF, ['admin']]))).toMatchObject({ name: 'forbidden' });
  });
  it('sends an account without a member record from the member home to the console', () => {
    session.account = finance;
    expect(decide(route('/', [null, null], { member: true }))).toEqual({ name: 'dashboard' });
  });
  it('sends a signed-in user away from the login page', () => {
    session.account = member;
    expect(decide({ fullPath: '/login', name: 'login', meta: { public: true }, matched: [] })).toEqual({ name: 'home' });
  });
});
