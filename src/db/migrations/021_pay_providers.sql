-- Real payment providers for online dues (src/dues/provider.h): WeChat Pay API v3 beside the
-- generic HMAC callback. One row of settings per provider, set with `dangjian dues provider
-- set`. The keys themselves are never stored here: only the paths of files of mode 0600,
-- read again when they change (src/dues/paykey.c), so a rotated key needs no restart.
CREATE TABLE dues_providers (
    name TEXT PRIMARY KEY,             -- 'wechat'
    merchant_id TEXT NOT NULL,         -- WeChat Pay mchid
    app_id TEXT NOT NULL DEFAULT '',   -- the appid the orders are made for
    serial_no TEXT NOT NULL DEFAULT '',-- the merchant certificate's serial (Authorization)
    key_file TEXT NOT NULL,            -- the merchant's RSA private key (PEM, mode 0600)
    platform_serial TEXT NOT NULL,     -- Wechatpay-Serial of the platform key below
    platform_key_file TEXT NOT NULL,   -- the platform certificate or public key (PEM)
    secret_file TEXT NOT NULL DEFAULT '', -- the API v3 key (32 bytes, mode 0600)
    base_url TEXT NOT NULL,            -- https://api.mch.weixin.qq.com; a stand-in in tests
    notify_url TEXT NOT NULL DEFAULT '', -- this server's public notification route
    updated_at BIGINT NOT NULL
);

-- The nonces of the notifications accepted in the last minutes: a notification replayed with
-- a nonce seen before is refused (rows older than the 5-minute window are swept).
CREATE TABLE dues_provider_nonces (
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (provider, nonce)
);

-- A finance to-do of the dues, kind 'reconcile': a notification whose amount differs from the
-- payment's (refused), and what a reconciliation with the provider finds.
SQLITE_ONLY_BEGIN
CREATE TABLE todos_new (
    id INTEGER PRIMARY KEY,
    domain TEXT NOT NULL CHECK (domain IN ('plan', 'dues')),
    kind TEXT NOT NULL CHECK (kind IN ('warning', 'case', 'arrears_warning', 'arrears_case',
                                       'reconcile')),
    account_id BIGINT,
    org_id BIGINT NOT NULL,
    member_id BIGINT,
    title TEXT NOT NULL,
    task_id BIGINT,
    case_id BIGINT,
    period TEXT,
    due_day BIGINT,
    from_month BIGINT,
    months BIGINT,
    dedupe TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    done_at BIGINT,
    done_by BIGINT,
    tenant_id BIGINT NOT NULL DEFAULT 1
);
INSERT INTO todos_new (id, domain, kind, account_id, org_id, member_id, title, task_id, case_id,
                       period, due_day, from_month, months, dedupe, created_at, done_at, done_by,
                       tenant_id)
SELECT id, domain, kind, account_id, org_id, member_id, title, task_id, case_id, period, due_day,
       from_month, months, dedupe, created_at, done_at, done_by, tenant_id
FROM todos;
DROP TABLE todos;
ALTER TABLE todos_new RENAME TO todos;
CREATE INDEX todos_account ON todos(account_id, done_at);
CREATE INDEX todos_org ON todos(org_id, done_at);
CREATE INDEX todos_case ON todos(case_id);
CREATE INDEX todos_cell ON todos(task_id, org_id, period);
SQLITE_ONLY_END
POSTGRES_ONLY_BEGIN
ALTER TABLE todos DROP CONSTRAINT todos_kind_check;
ALTER TABLE todos ADD CONSTRAINT todos_kind_check
    CHECK (kind IN ('warning', 'case', 'arrears_warning', 'arrears_case', 'reconcile'));
POSTGRES_ONLY_END

-- The daily reconciliation of a provider's statement with our payments
-- (src/dues/reconcile.c): one row per provider and day (run again: replaced), with its counts,
-- and a line for everything that was not simply matched. A provider's statement spans every
-- tenant of the merchant account, so these stay on the coordinator (local).
CREATE TABLE dues_reconciliations (
    id ID_PK,
    provider TEXT NOT NULL,
    bill_date BIGINT NOT NULL,         -- YYYYMMDD, the provider's (China) day
    matched BIGINT NOT NULL,
    settled BIGINT NOT NULL,           -- paid at the provider, pending here: settled now
    missing BIGINT NOT NULL,           -- paid here, not in the statement
    extra BIGINT NOT NULL,             -- in the statement, not ours or not known here
    mismatch BIGINT NOT NULL,          -- another amount, transaction or state
    run_at BIGINT NOT NULL,
    UNIQUE (provider, bill_date)
);
CREATE TABLE dues_reconciliation_lines (
    id ID_PK,
    reconciliation_id BIGINT NOT NULL REFERENCES dues_reconciliations(id),
    kind TEXT NOT NULL CHECK (kind IN ('settled', 'missing', 'extra', 'mismatch')),
    out_trade_no TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    payment_id BIGINT,
    ours_fen BIGINT,
    theirs_fen BIGINT
);
CREATE INDEX dues_reconciliation_lines_of ON dues_reconciliation_lines(reconciliation_id);
