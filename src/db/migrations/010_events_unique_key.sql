-- Duplicate events are refused by the database: (source_id, key) is unique, and ingestion
-- stores a batch with INSERT ... ON CONFLICT DO NOTHING, so that concurrent batches from
-- several processes need no table lock (until now an in-memory set checked duplicates under
-- LOCK TABLE events IN EXCLUSIVE MODE, see 001). The set kept the table free of duplicates,
-- so the index builds on any database.
CREATE UNIQUE INDEX events_source_key ON events(source_id, key);
