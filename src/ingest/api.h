/* HTTP handlers of the ingest module. */
#ifndef INGEST_API_H
#define INGEST_API_H

#include "http/req.h"

#define EVENTS_MAX_BATCH 10000

int api_events_post(struct req *r, struct errbuf *e);

#endif
