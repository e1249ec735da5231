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

// What this browser knows of its sign-in (localStorage, cleared at logout and on a 401): the
// account /me or the login last answered. Without it there is no session to ask about, so the
// login page loads without a 401 from /me. With it a page opens at once on that account while
// /me is asked beside the page's own calls (one round trip less on a phone); /me then brings
// the roles up to date and the CSRF token, and a 401 ends the session (back to the login page,
// which says it expired). The server decides every call either way.
const MARK = 'dj.signedIn';
function remember(account) {
  try {
    if (account) localStorage.setItem(MARK, JSON.stringify(account));
    else localStorage.removeItem(MARK);
  } catch {
    /* storage refused (private mode): /me is asked every time */
  }
}
// the remembered account, null when signed out, undefined when not known (ask /me)
function remembered() {
  try {
    const s = localStorage.getItem(MARK);
    if (s === null) return null;
    const a = JSON.parse(s);
    return a && typeof a === 'object' && a.id ? a : undefined;
  } catch {
    return undefined;
  }
}
export function mayHaveSession() {
  return remembered() !== null;
}

function take(account, csrf) {
  // the same account as the one the page opened on (the usual /me reply): kept as it is, so
  // that nothing on screen is drawn again for it
  if (JSON.stringify(account) !== JSON.stringify(session.account)) session.account = account;
  session.expired = false;
  setCsrf(csrf);
  remember(account);
}

async function askMe() {
  try {
    const me = await api.get('/api/v1/me');
    const { csrf_token: csrf, ...account } = me;
    take(account, csrf);
  } catch (e) {
    if (e.status !== 401) throw e;
    session.account = null;
    remember(null);
  } finally {
    session.checked = true;
  }
  return session.account;
}

// fresh: do not open on the remembered account, wait for /me (the login page: a session that
// ended must not send it elsewhere); force: ask /me even when this browser signed out (back
// from single sign-on, whose session cookie the server set during the redirects)
export async function loadMe({ fresh = false, force = false } = {}) {
  const known = remembered();
  if (known === null && !force) {
    session.account = null;
    session.checked = true;
    return null;
  }
  if (known && !fresh) {
    session.account = known;
    session.checked = true;
    askMe().catch(() => {
      /* the server did not answer: the page's own calls will say so */
    });
    return known;
  }
  return askMe();
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
  remember(null);
  session.account = null;
  session.expired = !!expired;
  setCsrf('');
}

export function roles(account = session.account) {
  return (account?.roles || []).map((r) => r.role);
}

// the roles held on the root organization (org_top): the national ones with several tenants
export function topRoles(account = session.account) {
  return (account?.roles || []).filter((r) => r.org_top).map((r) => r.role);
}

export function hasRole(...want) {
  const have = roles();
  return want.some((r) => have.includes(r));
}

export function isStaff(account = session.account) {
  return roles(account).some((r) => STAFF_ROLES.includes(r));
}

// Whether the account holds `role` at the top of the tree (the whole company): what the
// company-wide screens ask, such as the payment providers' reconciliations (对账).
export function hasTopRole(role, account = session.account) {
  return (account?.roles || []).some((r) => r.role === role && r.org_top);
}

// The organization of the first role among `want` (roles are ordered by org path).
export function roleOrg(...want) {
  const b = (session.account?.roles || []).find((r) => want.includes(r.role));
  return b ? { id: b.org_id, name: b.org_name, code: b.org_code, kind: b.org_kind } : null;
}
