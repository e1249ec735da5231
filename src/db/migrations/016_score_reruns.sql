-- Re-runs of a scored month (docs/SCORING.md, "Late events and re-runs"). The new tables are
-- distributed by tenant like score_runs (migration 015: tenant_id last in their keys). score_runs keeps
-- one row per month, the latest run, as every reader expects; it now says which run that is
-- and why. score_run_log keeps every run of every month; score_changes what a re-run changed
-- for each member whose result changed.
ALTER TABLE score_runs ADD COLUMN run BIGINT NOT NULL DEFAULT 1;
ALTER TABLE score_runs ADD COLUMN reason TEXT NOT NULL DEFAULT 'scheduled';

-- reason: 'scheduled' (the monthly job), 'late_events' (the job, after events arrived for a
-- scored month), 'manual' (the CLI or the API). late_events: events of the month stored after
-- the previous run began; changed: members whose index or a dimension changed.
CREATE TABLE score_run_log (
    month BIGINT NOT NULL,
    run BIGINT NOT NULL,
    reason TEXT NOT NULL,
    version BIGINT NOT NULL,
    members BIGINT NOT NULL,
    events BIGINT NOT NULL,
    late_events BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    run_by BIGINT,
    tenant_id BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (month, run, tenant_id)
);
INSERT INTO score_run_log(month, run, reason, version, members, events, late_events, changed,
                          started_at, finished_at, run_by)
    SELECT month, 1, 'scheduled', version, members, events, 0, 0, started_at, finished_at, run_by
    FROM score_runs;

-- One row per member whose result a re-run changed. old_idx is NULL for a member first
-- scored by this run, new_idx for one no longer scored. dims: the change per dimension
-- (only those that moved) as JSON; late: the member's late events per source as JSON
-- [{"source": code, "name": name, "events": n}].
CREATE TABLE score_changes (
    month BIGINT NOT NULL,
    run BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    old_idx FLOAT8,
    new_idx FLOAT8,
    dims TEXT NOT NULL,
    late TEXT NOT NULL,
    late_events BIGINT NOT NULL,
    tenant_id BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (month, run, member_id, tenant_id)
);
CREATE INDEX score_changes_member ON score_changes(member_id, month);

-- Events stored after a month's run began, by month: the jobs' late-events check and a
-- re-run's counts read one index range.
CREATE INDEX events_month_created ON events(month, created_at);
