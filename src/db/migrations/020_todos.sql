-- One inbox for every domain's to-dos (issue 16): plan_todos (addressed to an account) and
-- dues_todos (addressed to an organization's staff) become one table that src/inbox/todo.c
-- raises, closes and lists. account_id NULL: for the staff whose scope covers org_id.
-- dedupe: a domain's own key (dues: warn:<member>:<from>), NULL when the domain checks for an
-- open twin itself (plans). Rows keep their content; their ids are new (the two lists shared
-- ids). Explicit column lists: the old tables may carry columns added after them. tenant_id as
-- migration 015 gave every distributed table (src/db/distribution.txt): copied, and last in
-- the primary and unique keys on PostgreSQL (the block at the end).
CREATE TABLE todos (
    id ID_PK,
    domain TEXT NOT NULL CHECK (domain IN ('plan', 'dues')),
    kind TEXT NOT NULL CHECK (kind IN ('warning', 'case', 'arrears_warning', 'arrears_case')),
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

INSERT INTO todos(domain, kind, account_id, org_id, title, task_id, case_id, period, due_day,
                  created_at, done_at, tenant_id)
SELECT 'plan', kind, account_id, org_id, title, task_id, case_id, period, due_day, created_at,
       done_at, tenant_id
FROM plan_todos ORDER BY id;

INSERT INTO todos(domain, kind, org_id, member_id, title, from_month, months, dedupe, created_at,
                  done_at, done_by, tenant_id)
SELECT 'dues', kind, org_id, member_id, text, from_month, months, dedupe, created_at,
       CASE WHEN done <> 0 THEN COALESCE(done_at, created_at) END, done_by, tenant_id
FROM dues_todos ORDER BY id;

DROP TABLE plan_todos;
DROP TABLE dues_todos;

CREATE INDEX todos_account ON todos(account_id, done_at);
CREATE INDEX todos_org ON todos(org_id, done_at);
CREATE INDEX todos_case ON todos(case_id);
CREATE INDEX todos_cell ON todos(task_id, org_id, period);

-- PostgreSQL: tenant_id last in the primary and the unique key, as 015 did for the others (an
-- ON CONFLICT target names "(dedupe, tenant_id)"; SQLite drops the ", tenant_id").
POSTGRES_ONLY_BEGIN
ALTER TABLE todos DROP CONSTRAINT todos_pkey;
ALTER TABLE todos ADD CONSTRAINT todos_pkey PRIMARY KEY (id, tenant_id);
ALTER TABLE todos DROP CONSTRAINT todos_dedupe_key;
ALTER TABLE todos ADD CONSTRAINT todos_dedupe_key UNIQUE (dedupe, tenant_id);
POSTGRES_ONLY_END
