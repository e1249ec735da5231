/* Sources: the business systems that send events, each with an API key stored hashed. */
#ifndef INGEST_SOURCE_H
#define INGEST_SOURCE_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"

struct db;

/* Create a source; a new random API key is written to key_out (at least 64 bytes).
 * The key is shown once: only its hash is stored. */
int source_add(struct db *db, const char *code, const char *name, char *key_out, size_t n,
               long long *ret_id, struct errbuf *e);
/* Create a source with a given key (demo data, tests). */
int source_add_with_key(struct db *db, const char *code, const char *name, const char *key,
                        long long *ret_id, struct errbuf *e);
int source_list(struct db *db, json_t **ret, struct errbuf *e);
int source_find(struct db *db, const char *code, long long *ret_id, struct errbuf *e);
/* Check an API key: 0 and the source id, or -ERR_UNAUTH. */
int source_authenticate(struct db *db, const char *key, long long *ret_id, struct errbuf *e);

#endif
