/* The internal event sink (see sink.h). */
#include "ingest/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/event.h"
#include "ingest/source.h"
#include "base/banned.h"

#define SINK_BATCH 4096
#define SINK_KEY_MAX 96

struct ingest_sink {
    struct db *db;
    long long source;
    size_t n;
    long accepted, duplicate;
    struct ingest_result res;
    struct event_in ev[SINK_BATCH];
    char keys[SINK_BATCH][SINK_KEY_MAX];
};

int ingest_sink_open(struct db *db, const char *code, const char *name, struct ingest_sink **ret,
                     struct errbuf *e)
{
    struct ingest_sink *s = calloc(1, sizeof(*s));
    char key[96];
    int rc;
    if (!s)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    s->db = db;
    rc = source_find(db, code, &s->source, e);
    if (rc == -ERR_NOTFOUND) {
        errbuf_clear(e);
        /* an internal source: nobody sends with its key, so the key is not kept */
        rc = source_add(db, code, name, key, sizeof(key), &s->source, e);
    }
    if (rc < 0) {
        free(s);
        return rc;
    }
    *ret = s;
    return 0;
}

static int flush(struct ingest_sink *s, struct errbuf *e)
{
    int rc;
    if (!s->n)
        return 0;
    rc = ingest_batch(s->db, s->source, s->ev, s->n, 0, &s->res, e);
    if (rc == -ERR_INVALID && s->res.nrejects)
        rc = errbuf_set(e, -ERR_INTERNAL, "internal event '%s' rejected: %s: %s",
                        s->ev[s->res.rejects[0].index].key, s->res.rejects[0].field,
                        s->res.rejects[0].reason);
    if (rc >= 0) {
        s->accepted += (long)s->res.accepted;
        s->duplicate += (long)s->res.duplicate;
    }
    s->n = 0;
    return rc < 0 ? rc : 0;
}

int ingest_sink_add(struct ingest_sink *s, const char *key, long long member_id,
                    const char *indicator, int day, double value, struct errbuf *e)
{
    struct event_in *ev = &s->ev[s->n];
    if (strlen(key) >= SINK_KEY_MAX)
        return errbuf_set(e, -ERR_INTERNAL, "internal event key too long: %s", key);
    memset(ev, 0, sizeof(*ev));
    snprintf(s->keys[s->n], SINK_KEY_MAX, "%s", key);
    ev->key = s->keys[s->n];
    ev->member_id = member_id;
    ev->indicator = indicator;
    ev->day = day;
    ev->value = value;
    return ++s->n == SINK_BATCH ? flush(s, e) : 0;
}

int ingest_sink_close(struct ingest_sink *s, long *ret_accepted, long *ret_duplicate,
                      struct errbuf *e)
{
    int rc = flush(s, e);
    if (rc >= 0 && ret_accepted)
        *ret_accepted = s->accepted;
    if (rc >= 0 && ret_duplicate)
        *ret_duplicate = s->duplicate;
    free(s);
    return rc;
}

void ingest_sink_discard(struct ingest_sink *s)
{
    free(s);
}
