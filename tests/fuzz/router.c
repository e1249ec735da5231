/* Fuzz target: request lines and credentials as the router sees them. The input is
 * "METHOD /path?query" (no method: GET), optionally followed by header lines "Name: value"
 * (Authorization, Cookie, X-CSRF-Token, X-API-Key, ...). libmicrohttpd percent-decodes the
 * path and each query parameter and splits the cookies before our code sees them (our code
 * decodes nothing itself); the target does the same, with the library's MHD_http_unescape.
 * Then the path is matched against the route table (router_match: literal segments, {id}
 * parameters, 404 against 405), the route's door checks the credentials (auth_prepare:
 * bearer token or session cookie with CSRF on writes, API keys, roles; the world has the
 * session FUZZ_SESSION_TOKEN), and what handlers read from a matched request is read: path
 * ids (req_param_id), integer query parameters (req_query_int), months and formats
 * (dues_api_month, req_format). */
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dues/api.h"
#include "fuzz.h"
#include "http/auth.h"
#include "http/router.h"

#define MAX_LINE 4096

/* Header lines "Name: value" (CR dropped) into the stand-in for libmicrohttpd; a Cookie
 * header is split into its "name=value" pairs as the library does. Edits s in place. */
static void headers(char *s)
{
    while (s && *s) {
        char *next = strchr(s, '\n'), *colon, *v, *end;
        if (next)
            *next++ = '\0';
        if ((end = strchr(s, '\r')) != NULL)
            *end = '\0';
        if ((colon = strchr(s, ':')) != NULL) {
            *colon = '\0';
            for (v = colon + 1; *v == ' '; v++)
                ;
            fuzz_header_set(s, v);
            if (strcasecmp(s, "Cookie") == 0)
                for (char *c = v, *semi; c && *c; c = semi) {
                    char *eq;
                    if ((semi = strchr(c, ';')) != NULL)
                        for (*semi++ = '\0'; *semi == ' '; semi++)
                            ;
                    if ((eq = strchr(c, '=')) != NULL) {
                        *eq = '\0';
                        fuzz_cookie_set(c, eq + 1);
                    }
                }
        }
        s = next;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ints[] = {"page", "page_size", "limit", "year", "org_id", "id"};
    char line[MAX_LINE + 1], *method = "GET", *path = line, *q, *keys[8], *hdrs;
    const struct route *rt = NULL;
    struct req r;
    struct errbuf e = ERRBUF_INIT;
    size_t nkeys = 0;
    long long v;
    int m;
    bool xlsx;

    if (size > MAX_LINE || memchr(data, '\0', size))
        return 0; /* the server takes neither: its URL is a C string of bounded length */
    memcpy(line, data, size);
    line[size] = '\0';
    fuzz_headers_clear();
    if ((hdrs = strchr(line, '\n')) != NULL) {
        *hdrs++ = '\0';
        if (hdrs - line >= 2 && hdrs[-2] == '\r')
            hdrs[-2] = '\0';
        headers(hdrs);
    }
    if (line[0] != '/' && (q = strchr(line, ' ')) != NULL) {
        *q = '\0';
        method = line;
        path = q + 1;
    }
    if ((q = strchr(path, '?')) != NULL) {
        *q++ = '\0';
        for (char *kv = q; kv && nkeys < 8;) {
            char *amp = strchr(kv, '&'), *eq;
            if (amp)
                *amp = '\0';
            eq = strchr(kv, '=');
            if (eq) {
                *eq = '\0';
                MHD_http_unescape(eq + 1);
            }
            MHD_http_unescape(kv);
            keys[nkeys++] = kv;
            fuzz_query_set(kv, eq ? eq + 1 : "");
            kv = amp ? amp + 1 : NULL;
        }
    }
    MHD_http_unescape(path);
    fuzz_req_init(&r, method, path, NULL, 0, 0);
    if (router_match(&r, &rt, &e) == 0) {
        int rc = auth_prepare(&r, rt, &e);
        if (getenv("FUZZ_VERBOSE")) /* for whoever writes seeds: how far this one got */
            fprintf(stderr, "%s %s: %d %s\n", r.method, r.path, rc, rc < 0 ? e.msg : "");
        fuzz_check_error(rc, &e);
        for (int i = 0; i <= r.nparams; i++)
            (void)req_param_id(&r, i, &v, &e);
        for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
            (void)req_query_int(&r, ints[i], 1, 1, 1000000, &v, &e);
        for (size_t i = 0; i < nkeys; i++)
            (void)req_query_int(&r, keys[i], 0, -1000, 1000, &v, &e);
        (void)dues_api_month(&r, "month", false, 202401, &m, &e);
        (void)req_format(&r, &xlsx, &e);
    }
    fuzz_headers_clear();
    fuzz_req_release(&r);
    return 0;
}
