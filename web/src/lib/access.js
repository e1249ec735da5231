// What the signed-in account may do, from the same role × operation table the server enforces:
// the `x-roles` of every operation in docs/openapi.json, read when the app is built
// (vite.config.js, virtual:dj-access). Tabs, buttons and menu entries ask here, so the app
// never offers what the server would refuse with 403 for the role. (Whether an organization
// is inside the account's subtree is the server's to say.)
import TABLE from 'virtual:dj-access';
import { roles } from './session.js';

export { TABLE };

// can('POST /api/v1/dues/confirm'): one of the account's roles is among the operation's
// x-roles. An operation the document does not list is never allowed.
export function can(op, have = roles()) {
  const want = TABLE[op];
  return !!want && have.some((r) => want.includes(r));
}

// every one of the operations
export const canAll = (ops, have = roles()) => ops.every((op) => can(op, have));

// Bulletins (通报) are made for committees and general branches, never for a branch
// (GET /api/v1/plans/bulletin answers 400 for one): the organization's kind decides.
export const BULLETIN_KINDS = ['committee', 'general_branch'];
export const bulletinFor = (kind) => BULLETIN_KINDS.includes(kind);

// The tabs of a page whose operations the account may call: tabs is [{name, ops: [...]}],
// answered as the names.
export function allowedTabs(tabs, have = roles()) {
  return tabs.filter((x) => canAll(x.ops, have)).map((x) => x.name);
}
