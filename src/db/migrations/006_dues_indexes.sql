-- Dues bills by the publication, payment and confirmation batch they belong to, and by month.
-- Without them publishing, confirming, reversing a payment and closing a month read the
-- whole bills table, which grows by every member every month (12 million rows a year at a
-- million members). The three ids are NULL on a new bill, so the partial indexes cost
-- generation nothing.
CREATE INDEX dues_bills_publication ON dues_bills(publication_id) WHERE publication_id IS NOT NULL;
CREATE INDEX dues_bills_payment ON dues_bills(payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX dues_bills_batch ON dues_bills(batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX dues_bills_month ON dues_bills(month, member_id);
