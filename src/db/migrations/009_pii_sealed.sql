-- Personal data sealed at rest (src/base/pii.c, src/org/member_pii.c): members.phone and
-- members.id_card hold values sealed with a key kept outside the database ('pii1.KEY.…'); a
-- keyed hash beside each ('KEY.hex') finds a member by the number without opening every row.
-- Rows written before this migration are sealed by 'dangjian init' right after it.
ALTER TABLE members ADD COLUMN phone_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN id_card_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX members_phone_hash ON members(phone_hash);
CREATE INDEX members_id_card_hash ON members(id_card_hash);
-- The keys this database's values were sealed with: ids and a check value that proves a key
-- without revealing it, never the keys. A key is retired once no value uses it.
CREATE TABLE pii_keys (
    key_id TEXT PRIMARY KEY,
    check_value TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    retired_at BIGINT
);
