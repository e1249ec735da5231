-- Pioneer index (先锋指数): the versioned scoring model and the monthly results.

-- A model version: its constants and the month it takes effect from. Exactly one is active.
CREATE TABLE score_models (
    version BIGINT PRIMARY KEY,
    base FLOAT8 NOT NULL,              -- a dimension's score before any event (60)
    veto_months BIGINT NOT NULL,       -- months a veto lasts, its own month included (12)
    veto_cap FLOAT8 NOT NULL,          -- the index cap while vetoed (60)
    gap FLOAT8 NOT NULL,               -- strength / weakness: points from the branch average (10)
    effective_month BIGINT NOT NULL,   -- YYYYMM from which it scores
    active BIGINT NOT NULL DEFAULT 0,  -- the version new runs use (from effective_month)
    activated_at BIGINT,               -- NULL until first activated; a month is scored by
                                       -- the activated version with the latest
                                       -- effective_month not after it
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE score_weights (
    version BIGINT NOT NULL REFERENCES score_models(version),
    dimension TEXT NOT NULL,
    weight FLOAT8 NOT NULL,
    PRIMARY KEY (version, dimension)
);

-- How one indicator scores in a model version.
--   mode 'linear': points × value per event (value 1 for a count);
--   mode 'map':    points for the event's value from value_points, e.g. {"4":15,"3":8};
--   veto:          the event vetoes the dimension (see score_models).
-- cap limits the month's positive total (NULL = no cap); deductions are never capped.
CREATE TABLE score_rules (
    version BIGINT NOT NULL REFERENCES score_models(version),
    indicator TEXT NOT NULL,
    dimension TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('linear', 'map')),
    points FLOAT8 NOT NULL DEFAULT 0,
    value_points TEXT,
    cap FLOAT8,
    veto BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (version, indicator)
);

INSERT INTO score_models(version, base, veto_months, veto_cap, gap, effective_month, active,
                         activated_at, note, created_at)
VALUES (1, 60, 12, 60, 10, 190001, 1, 0, '默认模型（积分制管理：基础分60，加分项、扣分项、封顶与一票否决）', 0);

INSERT INTO score_weights(version, dimension, weight) VALUES
 (1, 'politics', 0.2), (1, 'theory', 0.2), (1, 'discipline', 0.2),
 (1, 'performance', 0.2), (1, 'honours', 0.2);

INSERT INTO score_rules(version, indicator, dimension, mode, points, value_points, cap, veto) VALUES
 (1, 'meeting.attend', 'politics', 'linear', 4, NULL, 16, 0),
 (1, 'meeting.absent', 'politics', 'linear', -8, NULL, NULL, 0),
 (1, 'themeday.attend', 'politics', 'linear', 6, NULL, 6, 0),
 (1, 'review.grade', 'politics', 'map', 0, '{"4":15,"3":8,"2":0,"1":-30}', NULL, 0),
 (1, 'study.hours', 'theory', 'linear', 2, NULL, 20, 0),
 (1, 'study.exam', 'theory', 'linear', 0.1, NULL, 10, 0),
 (1, 'study.platform_points', 'theory', 'linear', 0.1, NULL, 15, 0),
 (1, 'lecture.given', 'theory', 'linear', 8, NULL, 16, 0),
 (1, 'dues.on_time', 'discipline', 'linear', 10, NULL, 10, 0),
 (1, 'dues.late', 'discipline', 'linear', -10, NULL, NULL, 0),
 (1, 'safety.violation', 'discipline', 'linear', -10, NULL, NULL, 0),
 (1, 'discipline.sanction', 'discipline', 'linear', 0, NULL, NULL, 1),
 (1, 'perf.rating', 'performance', 'map', 0, '{"4":20,"3":12,"2":4,"1":-15}', NULL, 0),
 (1, 'task.done', 'performance', 'linear', 3, NULL, 15, 0),
 (1, 'pioneer.post', 'performance', 'linear', 6, NULL, 12, 0),
 (1, 'innovation.result', 'performance', 'linear', 10, NULL, 20, 0),
 (1, 'honour.award', 'honours', 'map', 0, '{"1":40,"2":25,"3":15,"4":8}', NULL, 0),
 (1, 'honour.commendation', 'honours', 'linear', 5, NULL, 10, 0),
 (1, 'volunteer.hours', 'honours', 'linear', 1, NULL, 10, 0);

-- One row per scored month: which model, when, how much.
CREATE TABLE score_runs (
    month BIGINT PRIMARY KEY,
    version BIGINT NOT NULL,
    members BIGINT NOT NULL,
    events BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    run_by BIGINT
);

-- A member's month. org_id is the branch the member belonged to that month; unit_id the unit
-- committee above it. contrib holds the per-indicator contributions as compact JSON
-- {"code": [events, points before cap, points counted], ...}.
CREATE TABLE member_scores (
    month BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    politics FLOAT8 NOT NULL,
    theory FLOAT8 NOT NULL,
    discipline FLOAT8 NOT NULL,
    performance FLOAT8 NOT NULL,
    honours FLOAT8 NOT NULL,
    idx FLOAT8 NOT NULL,
    vetoed BIGINT NOT NULL,             -- 1 while a veto holds
    sanction BIGINT NOT NULL,           -- 1 when a veto event fell in this month
    events BIGINT NOT NULL,
    active_dims BIGINT NOT NULL,        -- bit per dimension with at least one event
    rank_branch BIGINT NOT NULL,
    rank_unit BIGINT NOT NULL,
    rank_company BIGINT NOT NULL,
    pct_branch FLOAT8 NOT NULL,         -- share of members with a lower index
    pct_unit FLOAT8 NOT NULL,
    pct_company FLOAT8 NOT NULL,
    contrib TEXT NOT NULL,
    PRIMARY KEY (month, member_id)
);
CREATE INDEX member_scores_member ON member_scores(member_id, month);
CREATE INDEX member_scores_branch ON member_scores(month, org_id, rank_branch);
CREATE INDEX member_scores_unit ON member_scores(month, unit_id, rank_unit);
CREATE INDEX member_scores_company ON member_scores(month, rank_company);
CREATE INDEX member_scores_sanction ON member_scores(month) WHERE sanction = 1;

-- An organization's month over its whole subtree. hist: index histogram in ten bands
-- [0,10) ... [90,100]; participation: share of members with an event, per dimension;
-- contrib: mean points counted per indicator.
CREATE TABLE org_scores (
    month BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    members BIGINT NOT NULL,
    politics FLOAT8 NOT NULL,
    theory FLOAT8 NOT NULL,
    discipline FLOAT8 NOT NULL,
    performance FLOAT8 NOT NULL,
    honours FLOAT8 NOT NULL,
    idx FLOAT8 NOT NULL,
    hist TEXT NOT NULL,
    participation TEXT NOT NULL,
    contrib TEXT NOT NULL,
    PRIMARY KEY (month, org_id)
);
CREATE INDEX org_scores_org ON org_scores(org_id, month);

-- Who sees what of the rankings, per committee (DOMAIN: "rankings are a setting"):
-- 'self' (own rank and percentile), 'top10', or 'full'. Staff always see the full list.
CREATE TABLE ranking_settings (
    org_id BIGINT PRIMARY KEY,
    visibility TEXT NOT NULL CHECK (visibility IN ('self', 'top10', 'full'))
);

INSERT INTO data_versions(topic, version) VALUES ('scores', 0);
