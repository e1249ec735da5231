// The rules every row's tenant follows (docs/SCALE.md, "How rows get their tenant"), as
// queries for the rows that break them, shared by tenants.test.mjs and tenants_demo.test.mjs.
import assert from 'node:assert/strict';
import { onCitus } from './lib.mjs';

// Every rule a row's tenant follows, as a query for the rows that break it (docs/SCALE.md).
export const RULES = {
  // the tenant of the organization the row belongs to
  ...Object.fromEntries(
    ['members', 'member_orgs', 'audit', 'events', 'member_scores', 'org_scores', 'score_changes',
      'ranking_settings', 'income_bases', 'dues_terms', 'dues_org_settings', 'dues_bills',
      'dues_publications', 'dues_payments', 'dues_batches', 'dues_remittances', 'dues_expenses',
      'ledger_entries', 'plans', 'plan_notices', 'todos'].map((t) => [
      t,
      `SELECT COUNT(*) FROM ${t} x JOIN orgs o ON o.id = x.org_id WHERE x.tenant_id <> o.tenant_id`,
    ]),
  ),
  // the tenant of the row it belongs to
  accounts_member: 'SELECT COUNT(*) FROM accounts a JOIN members m ON m.id = a.member_id WHERE a.tenant_id <> m.tenant_id',
  account_roles: 'SELECT COUNT(*) FROM account_roles r JOIN accounts a ON a.id = r.account_id WHERE r.tenant_id <> a.tenant_id',
  sessions: 'SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.tenant_id <> a.tenant_id',
  logins: 'SELECT COUNT(*) FROM logins l JOIN accounts a ON a.id = l.account_id WHERE l.tenant_id <> a.tenant_id',
  dues_bills_member: 'SELECT COUNT(*) FROM dues_bills b JOIN members m ON m.id = b.member_id WHERE b.tenant_id <> m.tenant_id',
  dues_payment_items: 'SELECT COUNT(*) FROM dues_payment_items i JOIN dues_payments p ON p.id = i.payment_id WHERE i.tenant_id <> p.tenant_id',
  ledger_postings: 'SELECT COUNT(*) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id WHERE p.tenant_id <> e.tenant_id',
  plan_tasks: 'SELECT COUNT(*) FROM plan_tasks t JOIN plans p ON p.id = t.plan_id WHERE t.tenant_id <> p.tenant_id',
  ...Object.fromEntries(
    ['plan_reports', 'plan_status', 'plan_warnings', 'plan_cases'].map((t) => [
      t,
      `SELECT COUNT(*) FROM ${t} x JOIN plan_tasks t ON t.id = x.task_id WHERE x.tenant_id <> t.tenant_id`,
    ]),
  ),
  plan_case_steps: 'SELECT COUNT(*) FROM plan_case_steps s JOIN plan_cases c ON c.id = s.case_id WHERE s.tenant_id <> c.tenant_id',
};

/** Assert no row breaks a rule; q runs one statement on the database and answers its text.
 * The rules join distributed tables by id alone, on purpose (a join on the tenant would hide
 * the rows they look for): Citus runs such a join only as a repartition join, allowed here. */
export function assertTenantsRight(q) {
  const prefix = onCitus() ? 'SET citus.enable_repartition_joins TO on; ' : '';
  const wrong = Object.entries(RULES)
    .map(([name, s]) => [name, Number(q(prefix + s))])
    .filter(([, n]) => n > 0);
  assert.deepEqual(wrong, [], 'rows stored with another tenant than their own');
}

