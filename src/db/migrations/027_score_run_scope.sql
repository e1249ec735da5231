-- A scoring run covers every tenant (scope 0: the monthly job, one pass over the whole
-- installation) or one tenant (scope = its tenant_id: `dangjian score run --tenant`, a
-- provincial company's month on its own shard group). score_runs keeps the month's latest run
-- of either kind; score_run_log every run, numbered per month across both kinds. A page names
-- the latest run that covered its subject's tenant (docs/SCORING.md, "Runs of one tenant").
ALTER TABLE score_runs ADD COLUMN scope BIGINT NOT NULL DEFAULT 0;
ALTER TABLE score_run_log ADD COLUMN scope BIGINT NOT NULL DEFAULT 0;
