-- A bill is written four times: made, published (published_at, publication_id), paid (status,
-- payment_id, paid_at) and confirmed (batch_id, share_fen). PostgreSQL changes a row in place
-- (a HOT update: no new entry in any index) only when no indexed column changes and the page
-- has room; these three indexes made every one of those updates write a new version of the
-- bill into the table and into all seven of its indexes (the demo: 344,920 updates, none in
-- place). The bills of a publication or a confirmation batch are now found by their month
-- (dues_bills_month), those of a payment by its member (the unique key's first column).
DROP INDEX dues_bills_publication;
DROP INDEX dues_bills_payment;
DROP INDEX dues_bills_batch;
POSTGRES_ONLY_BEGIN
-- room on each page for the bill's later versions (new pages only; VACUUM FULL rewrites old ones)
ALTER TABLE dues_bills SET (fillfactor = 70);
POSTGRES_ONLY_END
