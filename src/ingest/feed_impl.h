/* Between the files of feeds (feed.c, feed_pull.c): the secret and error messages. */
#ifndef INGEST_FEED_IMPL_H
#define INGEST_FEED_IMPL_H

#include <stddef.h>

#include "base/err.h"

struct db;

/* Open a feed's sealed secret into out (n bytes); the caller wipes it after use. */
int feed_open_secret(const char *stored, char *out, size_t n, struct errbuf *e);
/* Replace the password of url wherever it appears in msg (in place) by ***. */
void feed_scrub(char *msg, const char *url);

struct feed_map;
struct feed_stats;
/* A folder feed's target: an absolute directory path. */
int feed_folder_check(const char *dir, struct errbuf *e);
/* Take the CSV files of dir (feed_folder.c); each file is a "page" in st. */
int feed_folder_pull(struct db *db, long long source_id, const char *dir,
                     const struct feed_map *m, int min_month, struct feed_stats *st,
                     struct errbuf *e);

#endif
