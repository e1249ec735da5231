// The signed-in account. The session token itself lives in the HttpOnly cookie dj_session;
// the app only keeps what /api/v1/me says (account, roles, csrf_token).
import { reactive } from 'vue';
import { api, setCsrf } from './api.js';

export const STAFF_ROLES = ['secretary', 'committee', 'finance', 'admin'];

export const session = reactive({
  account: null,
  checked: false, // /me was asked once (after a reload)
  expired: false, // a 401 ended the session: the login page says so
});

// Whether this browser signed in and has not signed out since (localStorage): without it
// there is no session to ask /me about, so the login page loads without a 401 from /me.
const MARK = 'dj.signedIn';
function mark(on) {
  try {
    if (on) localStorage.setItem(MARK, '1');
    else localStorage.removeItem(MARK);
  } catch {
    /* storage refused (private mode): /me is asked every time */
  }
}
export function mayHaveSession() {
  try {
    return localStorage.getItem(MARK) === '1';
  } catch {
    return true;
  }
}

function take(account, csrf) {
  session.account = account;
  session.expired = false;
  setCsrf(csrf);
  mark(true);
}

export async function loadMe() {
  if (!mayHaveSession()) {
    session.account = null;
    session.checked = true;
    return null;
  }
  try {
    const me = await api.get('/api/v1/me');
    const { csrf_token: csrf, ...account } = me;
    take(account, csrf);
  } catch (e) {
    if (e.status !== 401) throw e;
    session.account = null;
    mark(false);
  } finally {
    session.checked = true;
  }
  return session.account;
}

export async function login(loginName, password) {
  const r = await api.post('/api/v1/auth/login', { login: loginName, password });
  take(r.account, r.csrf_token);
  session.checked = true;
  return r.account;
}

export async function logout() {
  try {
    await api.post('/api/v1/auth/logout');
  } catch {
    /* already gone */
  }
  clearSession(false);
}

export function clearSession(expired) {
  mark(false);
  session.account = null;
  session.expired = !!expired;
  setCsrf('');
}

export function roles(account = session.account) {
  return (account?.roles || []).map((r) => r.role);
}

export function hasRole(...want) {
  const have = roles();
  return want.some((r) => have.includes(r));
}

export function isStaff(account = session.account) {
  return roles(account).some((r) => STAFF_ROLES.includes(r));
}

// The organization of the first role among `want` (roles are ordered by org path).
export function roleOrg(...want) {
  const b = (session.account?.roles || []).find((r) => want.includes(r.role));
  return b ? { id: b.org_id, name: b.org_name, code: b.org_code, kind: b.org_kind } : null;
}
