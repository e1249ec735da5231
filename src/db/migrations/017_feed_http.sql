-- HTTP JSON feeds: a feed of kind 'http' GETs pages of rows from a URL (feeds.target). Its
-- settings (the JSON path of the rows, page-number or cursor pagination, the parameters'
-- names, bearer or HMAC credential) are a JSON object in feeds.http; the credential itself is
-- sealed in feeds.secret like an SQL feed's URL. The watermark of an HTTP feed is the request
-- of the next page: mark_id holds the cursor or the page number ('': the first page),
-- updated in the same transaction as the events of the page read before it.
ALTER TABLE feeds ADD COLUMN http TEXT NOT NULL DEFAULT '';
