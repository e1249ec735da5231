-- Organizations, members, accounts, sessions, sources, events, audit.

CREATE TABLE orgs (
    id ID_PK,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('committee', 'general_branch', 'branch', 'group')),
    parent_id BIGINT REFERENCES orgs(id),
    path TEXT NOT NULL UNIQUE,            -- materialized path '/1/7/42/'
    depth BIGINT NOT NULL,
    secretary_id BIGINT,                  -- members.id (no FK: members reference orgs)
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent_id);

CREATE TABLE members (
    id ID_PK,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    org_path TEXT NOT NULL,               -- the organization's path, kept with it: a subtree's
                                          -- members are one index range, already in order
    emp_no TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    gender TEXT NOT NULL DEFAULT '' CHECK (gender IN ('', 'male', 'female')),
    birth_date TEXT,
    joined_date TEXT,
    party_status TEXT NOT NULL DEFAULT 'full' CHECK (party_status IN ('full', 'probationary')),
    category TEXT NOT NULL DEFAULT 'in_service'
        CHECK (category IN ('in_service', 'retired', 'farmer', 'student', 'unemployed')),
    position TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    id_card TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'transferred_out', 'deceased', 'left')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX members_org ON members(org_id);
CREATE INDEX members_path ON members(org_path, emp_no);
CREATE INDEX members_name ON members(name);

-- Which organization a member belonged to in which months (to_month NULL = still there).
CREATE TABLE member_orgs (
    member_id BIGINT NOT NULL REFERENCES members(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    from_month BIGINT NOT NULL,
    to_month BIGINT,
    PRIMARY KEY (member_id, from_month)
);

CREATE TABLE accounts (
    id ID_PK,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    member_id BIGINT REFERENCES members(id),
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Each role is bound to an organization subtree.
CREATE TABLE account_roles (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL CHECK (role IN ('member', 'secretary', 'committee', 'finance', 'admin')),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (account_id, role, org_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,          -- hex BLAKE2b of the bearer token
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions(account_id);

-- Every login attempt, for statistics and rate limiting.
CREATE TABLE logins (
    id ID_PK,
    at BIGINT NOT NULL,
    month BIGINT NOT NULL,
    login TEXT NOT NULL,
    account_id BIGINT,
    org_id BIGINT,
    ip TEXT NOT NULL DEFAULT '',
    ok BIGINT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX logins_login_at ON logins(login, at);
CREATE INDEX logins_ip_at ON logins(ip, at);
CREATE INDEX logins_month ON logins(month, org_id);

CREATE TABLE sources (
    id ID_PK,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- The indicator catalogue's codes; the scoring model (points, caps) refers to these.
CREATE TABLE indicators (
    id ID_PK,
    code TEXT NOT NULL UNIQUE,
    dimension TEXT NOT NULL CHECK (dimension IN ('politics', 'theory', 'discipline', 'performance', 'honours', 'org')),
    scope TEXT NOT NULL CHECK (scope IN ('member', 'org')),
    name TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    value_min FLOAT8 NOT NULL DEFAULT 0,   -- accepted range of one event's value
    value_max FLOAT8 NOT NULL DEFAULT 100
);

INSERT INTO indicators(code, dimension, scope, name, unit, value_min, value_max) VALUES
 ('meeting.attend', 'politics', 'member', '参加三会一课', '次', 0, 100),
 ('meeting.absent', 'politics', 'member', '无故缺席组织生活', '次', 0, 100),
 ('themeday.attend', 'politics', 'member', '参加主题党日', '次', 0, 100),
 ('review.grade', 'politics', 'member', '民主评议等次', '等次', 1, 4),
 ('study.hours', 'theory', 'member', '理论学习时长', '小时', 0, 24),
 ('study.exam', 'theory', 'member', '理论考试成绩', '分', 0, 100),
 ('study.platform_points', 'theory', 'member', '学习平台积分', '分', 0, 10000),
 ('lecture.given', 'theory', 'member', '讲党课或宣讲', '次', 0, 100),
 ('dues.on_time', 'discipline', 'member', '按时交纳党费', '月', 0, 100),
 ('dues.late', 'discipline', 'member', '逾期或未交党费', '月', 0, 100),
 ('safety.violation', 'discipline', 'member', '安全违章', '次', 0, 100),
 ('discipline.sanction', 'discipline', 'member', '党纪政务处分', '次', 0, 100),
 ('perf.rating', 'performance', 'member', '绩效考核等级', '等级', 1, 4),
 ('task.done', 'performance', 'member', '完成党建任务', '项', 0, 100),
 ('pioneer.post', 'performance', 'member', '党员先锋岗成果', '项', 0, 100),
 ('innovation.result', 'performance', 'member', '创新成果', '项', 0, 100),
 ('honour.award', 'honours', 'member', '获得表彰奖励', '级别', 1, 4),
 ('honour.commendation', 'honours', 'member', '通报表扬', '次', 0, 100),
 ('volunteer.hours', 'honours', 'member', '志愿服务时长', '小时', 0, 24),
 ('org.congress', 'org', 'org', '支部党员大会', '次', 0, 100),
 ('org.committee_meeting', 'org', 'org', '支委会', '次', 0, 100),
 ('org.group_meeting', 'org', 'org', '党小组会', '次', 0, 100),
 ('org.lecture', 'org', 'org', '党课', '次', 0, 100),
 ('org.themeday', 'org', 'org', '主题党日', '次', 0, 100),
 ('org.life_meeting', 'org', 'org', '组织生活会', '次', 0, 100),
 ('org.review', 'org', 'org', '民主评议党员', '次', 0, 100);

-- Events from business systems: append-only. org_id is the member's organization on the
-- event's date (or the organization itself for org events): the distribution key for a
-- cluster. (source_id, key) is unique, checked in memory by src/ingest/keyset.c (which says
-- why that is not a UNIQUE index). The index is on month, not day: events arrive for the
-- current month, so new entries append at one place instead of at 31 (measured 3x cheaper).
CREATE TABLE events (
    id ID_PK,
    source_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    org_id BIGINT NOT NULL,
    member_id BIGINT,
    indicator_id BIGINT NOT NULL,
    day BIGINT NOT NULL,                  -- YYYYMMDD
    month BIGINT NOT NULL,                -- YYYYMM, = day / 100
    value FLOAT8 NOT NULL,
    detail TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_month ON events(month);

-- A counter per kind of data that processes cache: bumped in the same transaction as a
-- change, so a cache knows when to drop what it holds.
CREATE TABLE data_versions (
    topic TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions(topic, version) VALUES ('members', 0), ('sessions', 0);

CREATE TABLE audit (
    id ID_PK,
    at BIGINT NOT NULL,
    account_id BIGINT,
    org_id BIGINT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    detail TEXT
);
CREATE INDEX audit_entity ON audit(entity, entity_id);
