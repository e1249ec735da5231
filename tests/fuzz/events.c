/* Fuzz target: event batches from business systems (POST /api/v1/events). The same bytes
 * are sent twice, as application/x-ndjson (auth.c's NDJSON reader: one object per line, CR
 * and trailing blanks dropped) and as application/json (an array), each through the real
 * door (the route's API-key check against the world's source, UTF-8, JSON) and then the
 * handler (ingest/api.c: every event's fields read and checked, the batch validated against
 * indicators, members and organizations; a valid batch is stored, so the world's events
 * grow while fuzzing and repeated keys take the duplicate path). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "fuzz.h"
#include "http/auth.h"
#include "http/router.h"
#include "ingest/api.h"

static void post(const uint8_t *data, size_t size, const char *type)
{
    struct fuzz_world *w = fuzz_world();
    const struct route *rt = NULL;
    struct req r;
    struct errbuf e = ERRBUF_INIT;
    int rc;

    fuzz_req_init(&r, "POST", "/api/v1/events", data, size, 0);
    fuzz_headers_clear();
    fuzz_header_set("Content-Type", type);
    fuzz_header_set("X-API-Key", FUZZ_API_KEY);
    if (router_match(&r, &rt, &e) < 0 || rt->fn != api_events_post)
        abort(); /* the route table lost the endpoint */
    if ((rc = auth_prepare(&r, rt, &e)) == 0)
        rc = rt->fn(&r, &e);
    fuzz_check_error(rc, &e);
    if (db_in_tx(w->db))
        abort(); /* the batch left its transaction open */
    fuzz_headers_clear();
    fuzz_req_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    post(data, size, "application/x-ndjson");
    post(data, size, "application/json");
    return 0;
}
