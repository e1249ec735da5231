-- Tenant keys: the schema made ready to be distributed by tenant (the provincial company) on a
-- distributed PostgreSQL such as Citus (issue 17 distributes it; docs/SCALE.md has the plan and
-- src/db/distribution.txt says how each table is placed).
--
-- Every distributed table, and orgs (a reference table that says which tenant an org is in),
-- gets tenant_id; 1 is the one tenant of a single-company installation, so code that creates
-- rows needs no tenant yet. Adding a column with a constant default rewrites no row on either
-- backend.
ALTER TABLE orgs ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE members ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE member_orgs ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE accounts ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE account_roles ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE logins ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE login_unlocks ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE member_scores ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE org_scores ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE score_runs ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE ranking_settings ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE income_bases ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_terms ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_org_settings ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_months ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_bills ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_publications ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_payments ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_payment_items ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_batches ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_remittances ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_expenses ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dues_todos ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE ledger_entries ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE ledger_postings ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE plans ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE plan_tasks ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE plan_reports ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE plan_status ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE plan_warnings ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE plan_cases ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE plan_case_steps ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE plan_notices ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE plan_todos ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE plan_runs ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE month_releases ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 1;

-- PostgreSQL: Citus requires every primary and unique key of a distributed table to contain the
-- distribution column, and a foreign key between two distributed tables to include it on both
-- sides. tenant_id is appended LAST to each such key, so a lookup by the old key (WHERE id = $1,
-- WHERE login = $1) still uses the index as a prefix, and ON CONFLICT targets name the key with
-- ", tenant_id" at the end.
--
-- SQLite is the single-node backend and is never distributed: its keys stay as they are (rowid
-- tables stay rowid tables, no table is rebuilt), and the SQLite backend drops ", tenant_id"
-- from an ON CONFLICT target when it prepares a statement (src/db/sqlite.c), so one SQL text
-- serves both. The block below is PostgreSQL-only (a migration token, migrations/README.md).
POSTGRES_ONLY_BEGIN
CREATE TEMP TABLE dj_dist(name TEXT PRIMARY KEY) ON COMMIT DROP;
INSERT INTO dj_dist VALUES
    ('members'), ('member_orgs'), ('accounts'), ('account_roles'), ('sessions'), ('logins'),
    ('login_unlocks'), ('audit'), ('events'), ('member_scores'), ('org_scores'), ('score_runs'),
    ('ranking_settings'), ('income_bases'), ('dues_terms'), ('dues_org_settings'),
    ('dues_months'), ('dues_bills'), ('dues_publications'), ('dues_payments'),
    ('dues_payment_items'), ('dues_batches'), ('dues_remittances'), ('dues_expenses'),
    ('dues_todos'), ('ledger_entries'), ('ledger_postings'), ('plans'), ('plan_tasks'),
    ('plan_reports'), ('plan_status'), ('plan_warnings'), ('plan_cases'), ('plan_case_steps'),
    ('plan_notices'), ('plan_todos'), ('plan_runs'), ('month_releases');

-- The foreign keys between distributed tables, remembered and dropped before their keys change.
CREATE TEMP TABLE dj_fks ON COMMIT DROP AS
SELECT c.conname::text AS name, c.conrelid::regclass::text AS tbl,
       c.confrelid::regclass::text AS ref,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
          FROM unnest(c.conkey) WITH ORDINALITY AS k(n, i)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
          FROM unnest(c.confkey) WITH ORDINALITY AS k(n, i)
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS refcols
  FROM pg_constraint c
 WHERE c.contype = 'f'
   AND c.conrelid::regclass::text IN (SELECT name FROM dj_dist)
   AND c.confrelid::regclass::text IN (SELECT name FROM dj_dist);

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM dj_fks LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', r.tbl, r.name);
    END LOOP;
    -- primary keys and unique constraints
    FOR r IN
        SELECT c.conname::text AS name, c.conrelid::regclass::text AS tbl, c.contype,
               (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
                  FROM unnest(c.conkey) WITH ORDINALITY AS k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols
          FROM pg_constraint c
         WHERE c.contype IN ('p', 'u')
           AND c.conrelid::regclass::text IN (SELECT name FROM dj_dist)
    LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', r.tbl, r.name);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s (%s, tenant_id)', r.tbl, r.name,
                       CASE r.contype WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END, r.cols);
    END LOOP;
    -- unique indexes made by CREATE UNIQUE INDEX (no constraint behind them): the column
    -- list closes at the first ')' of the definition
    FOR r IN
        SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
          FROM pg_index i
         WHERE i.indisunique
           AND i.indrelid::regclass::text IN (SELECT name FROM dj_dist)
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    LOOP
        EXECUTE format('DROP INDEX %s', r.name);
        EXECUTE regexp_replace(r.def, '\)', ', tenant_id)');
    END LOOP;
    FOR r IN SELECT * FROM dj_fks LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (%s, tenant_id)'
                       ' REFERENCES %I (%s, tenant_id)', r.tbl, r.name, r.cols, r.ref, r.refcols);
    END LOOP;
END
$$;
POSTGRES_ONLY_END
