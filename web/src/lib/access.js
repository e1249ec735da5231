// What the signed-in account may do, from the same role × operation table the server enforces:
// the `x-roles` of every operation in docs/openapi.json, read when the app is built
// (vite.config.js, virtual:dj-access). Tabs, buttons and menu entries ask here, so the app
// never offers what the server would refuse with 403 for the role. (Whether an organization
// is inside the account's subtree is the server's to say.)
import TABLE, { TOP } from 'virtual:dj-access';
import { roles, topRoles } from './session.js';

export { TABLE, TOP };

// can('POST /api/v1/dues/confirm'): one of the account's roles is among the operation's
// x-roles. An operation the document does not list is never allowed. An operation that acts
// for the whole installation (x-top) needs the role on the root organization: tops are the
// roles held there (by default the account's; roles given by the caller count as held there).
export function can(op, have = roles(), tops = arguments.length > 1 ? have : topRoles()) {
  const want = TABLE[op];
  const pool = TOP.includes(op) ? tops : have;
  return !!want && pool.some((r) => want.includes(r));
}

// every one of the operations (given: the roles, and those on the root, as can() takes them)
export const canAll = (ops, ...given) => ops.every((op) => can(op, ...given));

// Bulletins (通报) are made for committees and general branches, never for a branch
// (GET /api/v1/plans/bulletin answers 400 for one): the organization's kind decides.
export const BULLETIN_KINDS = ['committee', 'general_branch'];
export const bulletinFor = (kind) => BULLETIN_KINDS.includes(kind);

// The tabs of a page whose operations the account may call: tabs is [{name, ops: [...]}],
// answered as the names.
export function allowedTabs(tabs, ...given) {
  return tabs.filter((x) => canAll(x.ops, ...given)).map((x) => x.name);
}
