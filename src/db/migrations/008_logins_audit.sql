-- Failed sign-ins count against the person, whatever alias was typed (a secretary's own login
-- and their employee number are two accounts of one member), and against the address they came
-- from: the limits of org/lockout.c key on (subject, ip). subject: 'm:<member id>' for accounts
-- of a member, 'a:<account id>' for other accounts, 'l:<login>' for a login that does not exist.
ALTER TABLE logins ADD COLUMN subject TEXT NOT NULL DEFAULT '';
CREATE INDEX logins_subject_ip_at ON logins(subject, ip, at);
-- An administrator's unlock: failures of the subject before it no longer count.
CREATE TABLE login_unlocks (
    id ID_PK,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL,
    account_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX login_unlocks_subject ON login_unlocks(subject, at);
-- The audit log is read by organization (GET /api/v1/audit).
CREATE INDEX audit_org ON audit(org_id);
