/* Fuzz target: JSON request bodies of every write endpoint, from the door to the handler.
 * The input is a request line and a body:
 *
 *     POST /api/v1/plans/1/tasks
 *     {"code": "T1", ...}
 *
 * The path goes through the router (router_match fills the {id} parameters); a route that
 * takes JSON then gets the checks of auth_prepare (UTF-8, JSON with duplicate keys refused,
 * the documented schema of bodycheck.c) and, when they pass, its handler runs with every
 * role of the world's account against the world's in-memory database: the handler's own
 * field readers (req_str, req_int, task_from_json, member_from_json, collect_one, ...) and
 * the domain's checks behind them. Writes that pass are kept, so the world grows while
 * fuzzing; a crash input replays on a fresh world. A few handlers are left out of the
 * handler step (see skipped); their bodies still pass the door. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsontext.h"
#include "db/db.h"
#include "dues/api.h"
#include "fuzz.h"
#include "http/auth.h"
#include "http/router.h"
#include "plan/api.h"
#include "score/api.h"

/* Whether the handler step leaves fn out: sign-in always, for speed (argon2id, ~45 ms a
 * try), and the payment callback, which has its own target; score runs and the plans' daily
 * check unless FUZZ_JOBS is set. Each of those takes about a millisecond at first, but they
 * write per member and organization into a world that grows while fuzzing: in one 45-second
 * run with them, executions fell from 33,000 to 3,000 a second and memory passed 1 GB. So
 * they run in the replay (scripts/fuzz.sh sets FUZZ_JOBS: one input, a fresh world) and in
 * short runs asked for with FUZZ_JOBS=1. */
static int skipped(handler_fn fn)
{
    static int jobs = -1;
    if (jobs < 0)
        jobs = getenv("FUZZ_JOBS") != NULL;
    return fn == api_login || fn == api_dues_callback ||
           (!jobs && (fn == api_score_run || fn == api_plan_check));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_world *w = fuzz_world();
    const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
    const struct route *rt = NULL;
    struct route door;
    struct req r;
    struct errbuf e = ERRBUF_INIT;
    char line[256], *sp;
    size_t n;
    int rc = 0;

    if (!nl)
        return 0;
    n = (size_t)(nl - data);
    memcpy(line, data, n);
    line[n] = '\0';
    if (n && line[n - 1] == '\r')
        line[n - 1] = '\0';
    if (memchr(line, '\0', n) || !(sp = strchr(line, ' ')))
        return 0;
    *sp = '\0';
    fuzz_req_init(&r, line, sp + 1, nl + 1, size - n - 1, 1);
    fuzz_headers_clear();
    fuzz_header_set("Content-Type", "application/json; charset=utf-8");
    if (router_match(&r, &rt, &e) < 0 || rt->body != BODY_JSON)
        goto out;
    /* the route as it is, but without the session check: the world's account is the caller */
    door = *rt;
    door.auth = AUTH_PUBLIC;
    if ((rc = auth_prepare(&r, &door, &e)) < 0 || skipped(rt->fn))
        goto out;
    if ((rc = rt->fn(&r, &e)) == 0 && r.reply) {
        size_t len;
        free(json_text(r.reply, &len));
    }
    if (db_in_tx(w->db))
        db_rollback(w->db); /* as the server does; it logs the handler's mistake */
out:
    if (getenv("FUZZ_VERBOSE")) /* for whoever writes seeds: how far this one got */
        fprintf(stderr, "%s %s: %d %s\n", r.method, r.path, rc, rc < 0 ? e.msg : "");
    fuzz_check_error(rc, &e);
    fuzz_headers_clear();
    fuzz_req_release(&r);
    return 0;
}
