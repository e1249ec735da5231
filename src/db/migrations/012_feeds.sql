-- Pull connectors (feeds): a source whose rows the platform fetches itself, and the
-- quarantine of rows that could not become events.
--
-- A feed belongs to one source; its events carry that source's id, so a row pulled twice
-- is refused by events(source_id, key) like a batch sent twice. The watermark (the last
-- row's updated_at and id, as the remote database printed them) is updated in the same
-- transaction as the events of its page: after a crash the next pull starts after the
-- last committed page, never before it, never after it.
CREATE TABLE feeds (
    source_id INT_PK,
    kind TEXT NOT NULL,                    -- 'sql': a table or view in a PostgreSQL database;
                                           -- 'folder': CSV files dropped into a directory
    secret TEXT NOT NULL DEFAULT '',       -- the connection URL, sealed (base/pii.h key ring)
    target TEXT NOT NULL,                  -- the table or view ("schema.name" or "name"), or
                                           -- the directory (absolute)
    mapping TEXT NOT NULL,                 -- JSON: our event field -> their column or "=constant"
    every_seconds BIGINT NOT NULL DEFAULT 900,
    page_size BIGINT NOT NULL DEFAULT 500,
    window_months BIGINT NOT NULL DEFAULT 24, -- rows of older months are quarantined
    enabled BIGINT NOT NULL DEFAULT 1,
    mark_time TEXT NOT NULL DEFAULT '',    -- watermark: updated_at of the last row taken
    mark_id TEXT NOT NULL DEFAULT '',      -- ... and its id ('' and '': from the start)
    rows_read BIGINT NOT NULL DEFAULT 0,
    stored BIGINT NOT NULL DEFAULT 0,
    duplicates BIGINT NOT NULL DEFAULT 0,
    quarantined BIGINT NOT NULL DEFAULT 0,
    last_try_at BIGINT NOT NULL DEFAULT 0,
    last_ok_at BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',   -- never holds the secret (feed.c scrubs it)
    failures BIGINT NOT NULL DEFAULT 0,    -- in a row, for the backoff
    next_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Rows that did not become events, with why (a reason code of the API: unknown_member,
-- unknown_indicator, out_of_range, not_number, ...). row_key is the row's identity in its
-- source (the event key it maps to); raw is the row as read (JSON), so a replay maps it
-- again with the members and indicators of that moment. status: open, replayed (stored by a
-- replay) or resolved (a later pull of the changed row stored it).
CREATE TABLE quarantine (
    id ID_PK,
    source_id BIGINT NOT NULL,
    row_key TEXT NOT NULL,
    raw TEXT NOT NULL,
    reason TEXT NOT NULL,
    field TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replayed', 'resolved')),
    seen BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX quarantine_source_row ON quarantine(source_id, row_key);
CREATE INDEX quarantine_status ON quarantine(source_id, status, id);

-- The files a folder feed took, by content: recorded in the transaction of their events, so
-- that a file is taken once even when the process dies between the commit and moving it to
-- done/ (the next pull finds it recorded and only moves it), and a copy dropped again is
-- recognised. status: done or rejected (the file as a whole: not a CSV, a wrong header).
CREATE TABLE feed_files (
    id ID_PK,
    source_id BIGINT NOT NULL,
    hash TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'rejected')),
    rows_read BIGINT NOT NULL DEFAULT 0,
    stored BIGINT NOT NULL DEFAULT 0,
    quarantined BIGINT NOT NULL DEFAULT 0,
    taken_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX feed_files_hash ON feed_files(source_id, hash);
