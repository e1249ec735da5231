-- Income bases for dues (verified yearly by payroll/finance), and the demo's account list.

CREATE TABLE income_bases (
    member_id BIGINT NOT NULL REFERENCES members(id),
    org_id BIGINT NOT NULL,               -- the member's organization when verified
    year BIGINT NOT NULL,
    from_month BIGINT NOT NULL,           -- YYYYMM the base applies from (a pay change mid-year)
    monthly_fen BIGINT NOT NULL CHECK (monthly_fen >= 0),
    verified_by TEXT NOT NULL DEFAULT '',
    verified_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, from_month)
);
CREATE INDEX income_bases_org ON income_bases(org_id, year);

-- Accounts that `dangjian demo` created, so `demo --print-accounts` can list them again.
CREATE TABLE demo_accounts (
    login TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    org_code TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
