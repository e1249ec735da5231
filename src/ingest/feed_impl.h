/* Between the files of feeds (feed.c, feed_pull.c): the secret and error messages. */
#ifndef INGEST_FEED_IMPL_H
#define INGEST_FEED_IMPL_H

#include <stddef.h>

#include "base/err.h"

/* Open a feed's sealed secret into out (n bytes); the caller wipes it after use. */
int feed_open_secret(const char *stored, char *out, size_t n, struct errbuf *e);
/* Replace the password of url wherever it appears in msg (in place) by ***. */
void feed_scrub(char *msg, const char *url);

#endif
