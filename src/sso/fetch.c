/* HTTP to an identity provider: a JSON reply of bounded size (fetch.h). */
#include "sso/fetch.h"

#include <string.h>

#include "base/buf.h"
#include "base/httpc.h"
#include "base/banned.h"

#define REPLY_MAX (256 * 1024) /* discovery documents and key sets are a few kilobytes */

int sso_fetch_json(const char *url, const char *form, const char *user, const char *pass,
                   json_t **ret, long *ret_status, struct errbuf *e)
{
    static const char *const headers[] = {"Accept: application/json", NULL};
    struct httpc_call q = {.url = url, .body = form, .headers = headers, .user = user,
                           .pass = pass};
    char err[256];
    struct buf reply;
    long code;
    json_t *j = NULL;
    int rc = 0;
    buf_init(&reply, REPLY_MAX);
    if (httpc_do(&q, &reply, &code, err, sizeof(err)) != HTTPC_ANSWERED) {
        rc = errbuf_set(e, -ERR_IO, "identity provider unreachable: %s", err);
        goto out;
    }
    j = json_loadb(buf_str(&reply), reply.len, 0, NULL);
    if (!json_is_object(j)) {
        rc = errbuf_set(e, -ERR_IO, "identity provider answered HTTP %ld without a JSON object",
                        code);
        goto out;
    }
    *ret = j;
    *ret_status = code;
    j = NULL;
out:
    json_decref(j);
    buf_release(&reply);
    return rc;
}
