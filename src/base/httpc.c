/* Outgoing HTTP through libcurl (httpc.h). */
#include "base/httpc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/banned.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t keep(char *p, size_t size, size_t n, void *arg)
{
    /* past the buffer's maximum the transfer stops (CURLE_WRITE_ERROR) */
    return buf_add(arg, p, size * n) < 0 ? 0 : size * n;
}

enum httpc_result httpc_do(const struct httpc_call *q, struct buf *reply, long *ret_status,
                           char *err, size_t errn)
{
    char cerr[CURL_ERROR_SIZE] = "";
    struct curl_slist *h = NULL, *more;
    enum httpc_result res = HTTPC_ANSWERED;
    CURLcode cc;
    CURL *c;
    *ret_status = 0;
    err[0] = '\0';
    pthread_once(&curl_once, curl_start);
    if (!(c = curl_easy_init())) {
        snprintf(err, errn, "cannot start libcurl");
        return HTTPC_NO_ANSWER;
    }
    for (const char *const *p = q->headers; p && *p; p++) {
        if (!(more = curl_slist_append(h, *p))) {
            snprintf(err, errn, "out of memory");
            res = HTTPC_NO_ANSWER;
            goto out;
        }
        h = more;
    }
    curl_easy_setopt(c, CURLOPT_URL, q->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "dangjian/1");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, q->connect_timeout ? q->connect_timeout : 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, q->timeout ? q->timeout : 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    if (q->reply_headers) {
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, q->reply_headers);
    }
    if (q->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(q->body));
    }
    if (q->user) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, q->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, q->pass ? q->pass : "");
    }
    cc = curl_easy_perform(c);
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, ret_status);
    } else if (cc == CURLE_WRITE_ERROR) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, ret_status);
        snprintf(err, errn, "the reply is larger than %zu bytes", reply->max);
        res = HTTPC_TOO_LARGE;
    } else {
        /* libcurl's text names the host, never the query (which may hold a robot's sign) */
        snprintf(err, errn, "%s", cerr[0] ? cerr : curl_easy_strerror(cc));
        res = HTTPC_NO_ANSWER;
    }
out:
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return res;
}

int httpc_urlencode(struct buf *out, const char *s)
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

int httpc_header(const struct buf *headers, const char *name, char *out, size_t n)
{
    const char *p = headers->data, *end = p ? p + headers->len : NULL;
    size_t len = strlen(name);
    int found = 0;
    out[0] = '\0';
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
        if ((size_t)(stop - p) > len && p[len] == ':' && strncasecmp(p, name, len) == 0) {
            const char *v = p + len + 1;
            while (v < stop && (*v == ' ' || *v == '\t'))
                v++;
            while (stop > v && (stop[-1] == '\r' || stop[-1] == ' '))
                stop--;
            snprintf(out, n, "%.*s", (int)(stop - v), v);
            found = 1;
        }
        p = nl ? nl + 1 : end;
    }
    return found;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decode one name or value of a form into out (reset first). */
static int form_part(const char *s, size_t n, struct buf *out)
{
    buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+')
            c = ' ';
        else if (c == '%') {
            int hi, lo;
            if (i + 2 >= n)
                return -ERR_INVALID;
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -ERR_INVALID;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (buf_addch(out, c) < 0)
            return -ERR_NOMEM;
    }
    return 0;
}

int httpc_form_decode(const char *s, size_t n, json_t **ret)
{
    struct buf name = BUF_INIT, value = BUF_INIT;
    json_t *o = json_object();
    const char *end = s + n;
    int rc = o ? 0 : -ERR_NOMEM;
    while (rc == 0 && s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s)), *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        json_t *v;
        if (stop > s) {
            if ((rc = form_part(s, (size_t)((eq ? eq : stop) - s), &name)) < 0 ||
                (rc = form_part(eq ? eq + 1 : stop, eq ? (size_t)(stop - eq - 1) : 0, &value)) < 0)
                break;
            if (json_object_get(o, buf_str(&name)) ||
                !(v = json_stringn(buf_str(&value), value.len))) {
                rc = -ERR_INVALID; /* repeated, or not UTF-8 */
                break;
            }
            if (json_object_set_new(o, buf_str(&name), v) < 0) {
                rc = -ERR_INVALID;
                break;
            }
        }
        s = amp ? amp + 1 : end;
    }
    buf_release(&name);
    buf_release(&value);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *ret = o;
    return 0;
}
