#include "sso/fetch.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>

#include "base/buf.h"
#include "base/banned.h"

#define REPLY_MAX (256 * 1024) /* discovery documents and key sets are a few kilobytes */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t keep(char *p, size_t size, size_t n, void *arg)
{
    /* past the maximum the transfer stops: a reply that large is no provider's */
    return buf_add(arg, p, size * n) < 0 ? 0 : size * n;
}

int sso_urlencode(struct buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int rc;
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            rc = buf_addch(out, (char)*p);
        else
            rc = buf_printf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int sso_fetch_json(const char *url, const char *form, const char *user, const char *pass,
                   json_t **ret, long *ret_status, struct errbuf *e)
{
    char cerr[CURL_ERROR_SIZE] = "";
    struct curl_slist *h = NULL;
    struct buf reply;
    long code = 0;
    json_t *j = NULL;
    CURLcode cc;
    CURL *c;
    int rc = 0;
    pthread_once(&curl_once, curl_start);
    if (!(c = curl_easy_init()))
        return errbuf_set(e, -ERR_IO, "cannot start libcurl");
    buf_init(&reply, REPLY_MAX);
    h = curl_slist_append(h, "Accept: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "dangjian-sso/1");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    if (form) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
    }
    if (user) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, pass ? pass : "");
    }
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        rc = errbuf_set(e, -ERR_IO, "identity provider unreachable: %s",
                        cerr[0] ? cerr : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
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
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    buf_release(&reply);
    return rc;
}
