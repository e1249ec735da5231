-- An expenditure of party dues carries its approval record (中组发〔2008〕3号: dues are spent
-- as the party committee decides): who approved it, in what capacity, on which date, and the
-- document or minutes that record the decision (支委会决议、党委会纪要 and its number).
-- Expenses recorded before this migration keep empty texts; the API requires all four now.
ALTER TABLE dues_expenses ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE dues_expenses ADD COLUMN approver_role TEXT NOT NULL DEFAULT '';
ALTER TABLE dues_expenses ADD COLUMN approved_on TEXT NOT NULL DEFAULT '';
ALTER TABLE dues_expenses ADD COLUMN approval_ref TEXT NOT NULL DEFAULT '';
-- the list of an organization's expenses by accounting month, and remittances received
CREATE INDEX dues_expenses_org ON dues_expenses(org_id, month);
CREATE INDEX dues_remittances_org ON dues_remittances(org_id);
CREATE INDEX dues_remittances_to ON dues_remittances(to_org_id);
