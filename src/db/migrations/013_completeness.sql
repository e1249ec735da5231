-- Completeness of the sources' data (docs/ARCHITECTURE.md, "Completeness and the gate").
--
-- What a source promises to deliver: the indicators, its cadence (monthly only for now), the
-- organizations it covers (the subtree at org_id) and the day of the next month by which a
-- month's data is complete. quiet_noticed_at: when the admins were last told the source went
-- quiet (0: never); a new notice comes only after the source spoke again since.
CREATE TABLE source_expectations (
    source_id INT_PK,
    cadence TEXT NOT NULL DEFAULT 'monthly' CHECK (cadence IN ('monthly')),
    org_id BIGINT NOT NULL,
    complete_day BIGINT NOT NULL,
    quiet_noticed_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE source_expected_indicators (
    source_id BIGINT NOT NULL,
    indicator_id BIGINT NOT NULL,
    PRIMARY KEY (source_id, indicator_id)
);

-- A month an administrator let the monthly jobs run on although its sources were not complete.
CREATE TABLE month_releases (
    month BIGINT PRIMARY KEY,
    reason TEXT NOT NULL,
    account_id BIGINT NOT NULL DEFAULT 0,
    released_at BIGINT NOT NULL
);

-- The month a quarantined row is about (its date as read; the month it arrived when the date
-- did not read), so the quality view counts rejected rows per month.
ALTER TABLE quarantine ADD COLUMN month BIGINT NOT NULL DEFAULT 0;
CREATE INDEX quarantine_month ON quarantine(source_id, month);
-- the view and the gate count a source's events per month and organization, and ask for its
-- newest event (its last sign of life) on every pass of the jobs
CREATE INDEX events_source_month ON events(source_id, month, org_id);
CREATE INDEX events_source_created ON events(source_id, created_at);
