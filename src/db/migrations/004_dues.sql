-- Party dues (党费): the versioned rules, per-member terms, monthly bills, payments, batch
-- confirmation, the double-entry ledger, remittance, expenditure, arrears to-dos.
-- Money is integer fen, months YYYYMM, instants UTC seconds. Large tables carry org_id.
-- income_bases (002) holds the verified monthly income per member and year.

-- A rules version takes effect from effective_month; a month is billed by the version with
-- the latest effective_month not after it.
CREATE TABLE dues_rule_versions (
    version BIGINT PRIMARY KEY,
    effective_month BIGINT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One band of a category: lower_fen < base <= upper_fen (upper NULL: no bound). The dues are
-- rate_bp basis points of the whole base (50 = 0.5 %), or fixed_fen a month; a per-member
-- fixed amount (farmers) must lie within min_fen..max_fen.
CREATE TABLE dues_rules (
    version BIGINT NOT NULL REFERENCES dues_rule_versions(version),
    category TEXT NOT NULL
        CHECK (category IN ('in_service', 'retired', 'farmer', 'student', 'unemployed')),
    band BIGINT NOT NULL,
    lower_fen BIGINT NOT NULL,
    upper_fen BIGINT,
    rate_bp BIGINT,
    fixed_fen BIGINT,
    min_fen BIGINT,
    max_fen BIGINT,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (version, category, band),
    CHECK ((rate_bp IS NULL) <> (fixed_fen IS NULL))
);

INSERT INTO dues_rule_versions(version, effective_month, name, created_at) VALUES
 (1, 200804, '中组发〔2008〕3号《关于中国共产党党费收缴、使用和管理的规定》', 0);

INSERT INTO dues_rules(version, category, band, lower_fen, upper_fen, rate_bp, fixed_fen, min_fen,
                       max_fen, note) VALUES
 (1, 'in_service', 1, 0, 300000, 50, NULL, NULL, NULL, '税后月工资收入3000元以下（含3000元）'),
 (1, 'in_service', 2, 300000, 500000, 100, NULL, NULL, NULL, '3000元以上至5000元（含5000元）'),
 (1, 'in_service', 3, 500000, 1000000, 150, NULL, NULL, NULL, '5000元以上至10000元（含10000元）'),
 (1, 'in_service', 4, 1000000, NULL, 200, NULL, NULL, NULL, '10000元以上'),
 (1, 'retired', 1, 0, 500000, 50, NULL, NULL, NULL, '离退休费5000元以下（含5000元）'),
 (1, 'retired', 2, 500000, NULL, 100, NULL, NULL, NULL, '离退休费5000元以上'),
 (1, 'farmer', 1, 0, NULL, NULL, 20, 20, 100, '农民党员每月0.2元至1元'),
 (1, 'student', 1, 0, NULL, NULL, 20, 20, 20, '学生党员每月0.2元'),
 (1, 'unemployed', 1, 0, NULL, NULL, 20, 20, 20, '下岗失业、依靠低保生活的党员每月0.2元');

-- Settings: 'callback_key' (HMAC key of the payment provider), 'rounding' (half_up | down),
-- 'back_pay_months' (how far back a member may pay online, default 6).
CREATE TABLE dues_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The share of confirmed dues an organization remits to the level above, set by the higher
-- committee (basis points; absent = 5000, i.e. 50 %).
CREATE TABLE dues_org_settings (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    remit_share_bp BIGINT NOT NULL CHECK (remit_share_bp >= 0 AND remit_share_bp <= 10000),
    updated_by BIGINT,
    updated_at BIGINT NOT NULL
);

-- Approved, dated terms on a member: 'fixed' (a farmer's monthly amount), 'reduced'
-- (hardship: pays amount_fen), 'exempt' (hardship: pays nothing). Never a silent zero.
CREATE TABLE dues_terms (
    id ID_PK,
    member_id BIGINT NOT NULL REFERENCES members(id),
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('fixed', 'reduced', 'exempt')),
    amount_fen BIGINT NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    from_month BIGINT NOT NULL,
    to_month BIGINT,
    approved_by TEXT NOT NULL,
    approved_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX dues_terms_member ON dues_terms(member_id, from_month);

-- Months generated in full (by `dues generate` or the job) and closed (on-time / late events
-- sent to the scoring engine, arrears checked).
CREATE TABLE dues_months (
    month BIGINT PRIMARY KEY,
    generated_at BIGINT,
    bills BIGINT NOT NULL DEFAULT 0,
    closed_at BIGINT
);

-- Bills. kind 'regular' is the month's dues (seq 0, one per liable member and month);
-- 'voluntary' and 'advance' (paid ahead, held as credit) are made by a payment (seq = its
-- id). status: no_base (listed, never billed as zero), exempt, unpaid, paid, confirmed;
-- reversed for voluntary and advance rows whose payment was reversed (regular bills go back
-- to unpaid).
CREATE TABLE dues_bills (
    id ID_PK,
    member_id BIGINT NOT NULL,
    month BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('regular', 'voluntary', 'advance')),
    seq BIGINT NOT NULL DEFAULT 0,
    org_id BIGINT NOT NULL,
    category TEXT NOT NULL,
    party_status TEXT NOT NULL,
    base_fen BIGINT,
    rule_version BIGINT,
    band BIGINT,
    rate_bp BIGINT,
    term_id BIGINT,
    amount_fen BIGINT,
    status TEXT NOT NULL
        CHECK (status IN ('no_base', 'exempt', 'unpaid', 'paid', 'confirmed', 'reversed')),
    published_at BIGINT,
    publication_id BIGINT,
    payment_id BIGINT,
    paid_at BIGINT,
    via_credit BIGINT NOT NULL DEFAULT 0,
    batch_id BIGINT,
    share_fen BIGINT,
    confirmed_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (member_id, month, kind, seq)
);
CREATE INDEX dues_bills_org ON dues_bills(org_id, month);

CREATE TABLE dues_publications (
    id ID_PK,
    org_id BIGINT NOT NULL,
    month BIGINT NOT NULL,
    bills BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);

-- A payment: online (pending until the provider's signed callback) or a collection recorded
-- by finance (cash, bank). provider_ref is unique: the same notice twice books once.
CREATE TABLE dues_payments (
    id ID_PK,
    member_id BIGINT NOT NULL REFERENCES members(id),
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('online', 'collection')),
    channel TEXT NOT NULL,
    external_ref TEXT NOT NULL DEFAULT '',
    provider_ref TEXT UNIQUE,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'reversed')),
    payer TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    paid_at BIGINT,
    reversed_at BIGINT,
    reversed_by BIGINT,
    reverse_reason TEXT
);
CREATE INDEX dues_payments_member ON dues_payments(member_id, id);

-- What a payment is for: a month's bill, a month paid ahead (the amount quoted then), or a
-- voluntary amount. Written once, never changed.
CREATE TABLE dues_payment_items (
    payment_id BIGINT NOT NULL,
    month BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('bill', 'advance', 'voluntary')),
    bill_id BIGINT,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (payment_id, month, kind)
);

-- One-click confirmations: the bills of a subtree and month confirmed together.
CREATE TABLE dues_batches (
    id ID_PK,
    org_id BIGINT NOT NULL,
    month BIGINT NOT NULL,
    bills BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);

-- The ledger. Accounts are the same for every organization; postings carry the
-- organization. Debits are positive, credits negative; each entry's postings sum to zero
-- (for each organization it touches). Entries are never updated or deleted: a correction is
-- a reversing entry pointing to the original (reverses_id).
CREATE TABLE ledger_accounts (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'income', 'expense')),
    seq BIGINT NOT NULL
);
INSERT INTO ledger_accounts(code, name, kind, seq) VALUES
 ('bank', '银行存款（含现金）', 'asset', 1),
 ('dues_receivable', '应收党费', 'asset', 2),
 ('remit_receivable', '应收下级上缴党费', 'asset', 3),
 ('dues_prepaid', '预收党费', 'liability', 4),
 ('remit_payable', '应上缴党费', 'liability', 5),
 ('special_remit', '代收大额自愿党费（全额上缴中央）', 'liability', 6),
 ('dues_income', '党费收入', 'income', 7),
 ('expense:education', '党员教育培训支出', 'expense', 8),
 ('expense:commendation', '表彰奖励支出', 'expense', 9),
 ('expense:hardship', '慰问困难党员支出', 'expense', 10),
 ('expense:activities', '组织活动支出', 'expense', 11),
 ('expense:other', '其他支出', 'expense', 12);

CREATE TABLE ledger_entries (
    id ID_PK,
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('publish', 'confirm', 'remit', 'expense')),
    idem_key TEXT NOT NULL UNIQUE,
    month BIGINT NOT NULL,
    reverses_id BIGINT REFERENCES ledger_entries(id),
    ref_id BIGINT,
    memo TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX ledger_entries_org ON ledger_entries(org_id, month);

-- An entry may post one account twice (a confirmation credits dues_income with voluntary
-- dues and debits it with the upward share): the statement tells the lines apart by sign.
CREATE TABLE ledger_postings (
    entry_id BIGINT NOT NULL REFERENCES ledger_entries(id),
    seq BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    account TEXT NOT NULL REFERENCES ledger_accounts(code),
    month BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (entry_id, seq)
);
CREATE INDEX ledger_postings_org ON ledger_postings(org_id, account, month);

CREATE TABLE dues_remittances (
    id ID_PK,
    org_id BIGINT NOT NULL,
    to_org_id BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    special_fen BIGINT NOT NULL,
    request_key TEXT UNIQUE,
    entry_id BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE dues_expenses (
    id ID_PK,
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    month BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    request_key TEXT UNIQUE,
    entry_id BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);

-- To-dos of a branch (its secretary's list): a warning at three consecutive unpaid months,
-- a case flagged at six (Party Constitution, Article 9: the branch decides; nobody is
-- removed by the system). dedupe makes each streak raise each to-do once.
CREATE TABLE dues_todos (
    id ID_PK,
    org_id BIGINT NOT NULL,
    member_id BIGINT,
    kind TEXT NOT NULL CHECK (kind IN ('arrears_warning', 'arrears_case')),
    text TEXT NOT NULL,
    from_month BIGINT,
    months BIGINT,
    dedupe TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    done BIGINT NOT NULL DEFAULT 0,
    done_at BIGINT,
    done_by BIGINT
);
CREATE INDEX dues_todos_org ON dues_todos(org_id, done);
