-- events_month (month) is the first column of events_month_created (month, created_at), made
-- for the re-runs of late events (016): every query by month can use that one. Each index is
-- written for every stored event, so the lone one only slowed ingestion and feed pulls.
DROP INDEX events_month;
