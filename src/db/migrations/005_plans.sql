-- Quantified plans (量化计划): plans and their tasks, reported figures, the daily evaluation,
-- warnings, rectification cases (整改闭环), the in-app inbox, to-dos and outbound webhooks.
-- Days are YYYYMMDD integers, periods their canonical text ('2024-03', '2024Q1', '2024H1',
-- '2024'); instants are UTC seconds. Every large table carries org_id (the distribution key).

-- A plan belongs to an owner organization and a year; its tasks apply within the owner's
-- subtree.
CREATE TABLE plans (
    id ID_PK,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    year BIGINT NOT NULL,
    name TEXT NOT NULL,
    remind_days BIGINT NOT NULL DEFAULT 5,   -- reminders this many days before a period ends
    finalized BIGINT NOT NULL DEFAULT 0,     -- 1 once every period of the year is closed
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, year)
);

-- A measurable task. metric: 'count' / 'sum' of an indicator's events for the organization
-- (and its party groups), 'reported' (a figure reported with evidence text), or 'dues' (the
-- share of the branch's dues bills paid by month end, when the dues module is present).
-- It applies to the organizations of the listed kinds in the subtree of under_id (the owner
-- or an organization inside the owner's subtree); with_groups: only those that have party
-- groups. from_day: the day it counts from (a task added mid-period).
CREATE TABLE plan_tasks (
    id ID_PK,
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    org_id BIGINT NOT NULL,                  -- the plan's owner (distribution key)
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    metric TEXT NOT NULL CHECK (metric IN ('count', 'sum', 'reported', 'dues')),
    indicator_id BIGINT REFERENCES indicators(id),
    unit TEXT NOT NULL DEFAULT '',
    target FLOAT8 NOT NULL CHECK (target > 0),
    freq TEXT NOT NULL CHECK (freq IN ('month', 'quarter', 'half', 'year')),
    kinds TEXT NOT NULL,                     -- comma list: committee,general_branch,branch,group
    under_id BIGINT NOT NULL REFERENCES orgs(id),
    with_groups BIGINT NOT NULL DEFAULT 0,
    weight FLOAT8 NOT NULL CHECK (weight > 0),
    role TEXT NOT NULL CHECK (role IN ('secretary', 'committee', 'finance')),
    from_day BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (plan_id, code)
);

-- Figures reported by hand, with their evidence; the latest report for a period counts.
CREATE TABLE plan_reports (
    task_id BIGINT NOT NULL REFERENCES plan_tasks(id),
    org_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    value FLOAT8 NOT NULL,
    evidence TEXT NOT NULL,
    attachment TEXT NOT NULL DEFAULT '',
    reported_by BIGINT,
    reported_at BIGINT NOT NULL,
    PRIMARY KEY (task_id, org_id, period)
);

-- The daily evaluation of one task for one organization and period. closed = 1 once the
-- period is over and its final level (green or not_met) is set; it is not evaluated again.
-- notified: the highest warning already sent (1 yellow, 2 red, 3 not met); reminded: the
-- reminder before the end went out.
CREATE TABLE plan_status (
    task_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    start_day BIGINT NOT NULL,
    end_day BIGINT NOT NULL,
    actual FLOAT8 NOT NULL,
    completion FLOAT8 NOT NULL,
    expected FLOAT8 NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('green', 'yellow', 'red', 'not_met')),
    notified BIGINT NOT NULL DEFAULT 0,
    reminded BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    evaluated_on BIGINT NOT NULL,
    PRIMARY KEY (task_id, org_id, period)
);
CREATE INDEX plan_status_org ON plan_status(org_id, closed);

-- A warning opened when a cell first reaches a level; resolved when the task is done, the
-- level falls back, or the period closes.
CREATE TABLE plan_warnings (
    id ID_PK,
    task_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('yellow', 'red', 'not_met')),
    completion FLOAT8 NOT NULL,
    expected FLOAT8 NOT NULL,
    opened_on BIGINT NOT NULL,
    opened_at BIGINT NOT NULL,
    resolved_on BIGINT,
    case_id BIGINT,
    UNIQUE (task_id, org_id, period, level)
);
CREATE INDEX plan_warnings_org ON plan_warnings(org_id, resolved_on);

-- Rectification cases (整改): one per task, organization and period that was not met.
-- superior_id: the committee above the organization that verifies or returns.
-- escalated: bit 1 = no acknowledgement in time, bit 2 = no report in time.
CREATE TABLE plan_cases (
    id ID_PK,
    task_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    superior_id BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'notified', 'acknowledged', 'reported',
                                         'returned', 'verified', 'closed')),
    completion FLOAT8 NOT NULL,
    opened_on BIGINT NOT NULL,
    opened_at BIGINT NOT NULL,
    overdue BIGINT NOT NULL DEFAULT 0,
    escalated BIGINT NOT NULL DEFAULT 0,
    report_text TEXT NOT NULL DEFAULT '',
    attachment TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    UNIQUE (task_id, org_id, period)
);
CREATE INDEX plan_cases_org ON plan_cases(org_id, state);
CREATE INDEX plan_cases_superior ON plan_cases(superior_id, state);

-- Every step of a case: who, when, what and the text (the audit log has it too).
CREATE TABLE plan_case_steps (
    id ID_PK,
    case_id BIGINT NOT NULL REFERENCES plan_cases(id),
    org_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    day BIGINT NOT NULL,
    account_id BIGINT,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plan_case_steps_case ON plan_case_steps(case_id, id);

-- The in-app inbox: one row per recipient account.
CREATE TABLE plan_notices (
    id ID_PK,
    account_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    task_id BIGINT,
    case_id BIGINT,
    period TEXT,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX plan_notices_account ON plan_notices(account_id, id);

-- To-dos: what an account has to do (a red warning to act on, a case step to take).
CREATE TABLE plan_todos (
    id ID_PK,
    account_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('warning', 'case')),
    title TEXT NOT NULL,
    task_id BIGINT,
    case_id BIGINT,
    period TEXT,
    due_day BIGINT,
    created_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX plan_todos_account ON plan_todos(account_id, done_at);
CREATE INDEX plan_todos_case ON plan_todos(case_id);
CREATE INDEX plan_todos_cell ON plan_todos(task_id, org_id, period);

-- Outbound webhooks (the enterprise messenger) and every delivery with its attempts.
CREATE TABLE plan_webhooks (
    id ID_PK,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    retry_seconds BIGINT NOT NULL DEFAULT 60,  -- first retry after this, doubling each time
    max_attempts BIGINT NOT NULL DEFAULT 6,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE plan_deliveries (
    id ID_PK,
    webhook_id BIGINT NOT NULL REFERENCES plan_webhooks(id),
    org_id BIGINT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    last_code BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX plan_deliveries_due ON plan_deliveries(status, next_at);

CREATE TABLE plan_delivery_attempts (
    delivery_id BIGINT NOT NULL REFERENCES plan_deliveries(id),
    attempt BIGINT NOT NULL,
    at BIGINT NOT NULL,
    code BIGINT NOT NULL,               -- HTTP status, 0 when there was no answer
    error TEXT NOT NULL DEFAULT '',
    ms BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- The days the daily check ran (the background job runs it once a day).
CREATE TABLE plan_runs (
    day BIGINT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    cells BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    cases BIGINT NOT NULL
);

-- Organization events (member_id NULL) by month: what plan progress counts. Partial, so the
-- member events that make up almost all of the table add nothing to it on insert.
CREATE INDEX events_org_month ON events(month, org_id) WHERE member_id IS NULL;

-- Who answers for an organization (notices, to-dos): the roles bound at it, and the account
-- of its secretary. Without these the daily check scans every account for every notice.
CREATE INDEX plan_account_roles_org ON account_roles(org_id, role);
CREATE INDEX plan_accounts_member ON accounts(member_id);
