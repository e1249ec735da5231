-- events_source_month was (source_id, month, org_id): every stored event went into it at the
-- place of its organization, so a page of a feed wrote into hundreds of the index's pages
-- spread over the whole month. Measured with SQLite, 1,000,000 events in pages of 5,000: 6.8 s
-- with it, 1.9 s without. On (source_id, month) the events of a month go in one after another
-- (the row id is last), and the data-quality view counts a source's month per organization
-- in one pass over that range instead of one look-up per organization.
DROP INDEX events_source_month;
CREATE INDEX events_source_month ON events(source_id, month);
