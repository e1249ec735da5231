/* HTTP handlers of the ingest module. */
#ifndef INGEST_API_H
#define INGEST_API_H

#include "http/req.h"

#define EVENTS_MAX_BATCH 10000

int api_events_post(struct req *r, struct errbuf *e);
/* feeds and their quarantine (api_feed.c) */
int api_feeds_list(struct req *r, struct errbuf *e);
int api_feed_get(struct req *r, struct errbuf *e);
int api_feed_put(struct req *r, struct errbuf *e);
int api_feed_pull(struct req *r, struct errbuf *e);
/* completeness (api_quality.c) */
int api_expect_get(struct req *r, struct errbuf *e);
int api_expect_put(struct req *r, struct errbuf *e);
int api_month_release(struct req *r, struct errbuf *e);
int api_feeds_quality(struct req *r, struct errbuf *e);
int api_quarantine_list(struct req *r, struct errbuf *e);
int api_quarantine_replay(struct req *r, struct errbuf *e);

#endif
