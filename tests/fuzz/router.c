/* Fuzz target: request lines as the router sees them. The input is "METHOD /path?query"
 * (no method: GET). libmicrohttpd percent-decodes the path and each query parameter before
 * our code sees them (our code decodes nothing itself); the target does the same with the
 * library's MHD_http_unescape, then matches the path against the route table (router_match:
 * literal segments, {id} parameters, 404 against 405) and reads what handlers read from a
 * matched request: path ids (req_param_id), integer query parameters (req_query_int) and
 * months and formats (dues_api_month, dues_api_format). */
#include <microhttpd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dues/api.h"
#include "fuzz.h"
#include "http/router.h"

#define MAX_LINE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ints[] = {"page", "page_size", "limit", "year", "org_id", "id"};
    char line[MAX_LINE + 1], *method = "GET", *path = line, *q, *keys[8];
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
    if (line[0] != '/' && (q = strchr(line, ' ')) != NULL) {
        *q = '\0';
        method = line;
        path = q + 1;
    }
    fuzz_headers_clear();
    if ((q = strchr(path, '?')) != NULL) {
        *q++ = '\0';
        for (char *kv = q; kv && nkeys < 8;) {
            char *amp = strchr(kv, '&'), *eq = strchr(kv, '=');
            if (amp)
                *amp = '\0';
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
    fuzz_req_init(&r, method, path, NULL, 0, 1);
    if (router_match(&r, &rt, &e) == 0) {
        for (int i = 0; i <= r.nparams; i++)
            (void)req_param_id(&r, i, &v, &e);
        for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
            (void)req_query_int(&r, ints[i], 1, 1, 1000000, &v, &e);
        for (size_t i = 0; i < nkeys; i++)
            (void)req_query_int(&r, keys[i], 0, -1000, 1000, &v, &e);
        (void)dues_api_month(&r, "month", false, 202401, &m, &e);
        (void)dues_api_format(&r, &xlsx, &e);
    }
    fuzz_headers_clear();
    fuzz_req_release(&r);
    return 0;
}
