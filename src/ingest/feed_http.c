/* The HTTP JSON connector (feed_http.h), with libcurl. */
#include "ingest/feed_http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/banned.h"

#define REPLY_MAX (32 * 1024 * 1024) /* one page's reply */
#define NAME_MAX_LEN 64

enum paging { PAGING_PAGE, PAGING_CURSOR };
enum auth { AUTH_NONE, AUTH_BEARER, AUTH_HMAC };

struct feed_http {
    enum paging paging;
    enum auth auth;
    char rows[NAME_MAX_LEN * 2], next[NAME_MAX_LEN * 2], has_more[NAME_MAX_LEN * 2];
    char page_param[NAME_MAX_LEN], size_param[NAME_MAX_LEN], cursor_param[NAME_MAX_LEN];
    char key_id[NAME_MAX_LEN];
    long long first_page, timeout;
};

static const char *const pagings[] = {"page", "cursor"};
static const char *const auths[] = {"none", "bearer", "hmac"};

/* The string members: their name, where they go, whether "" is allowed. */
static const struct {
    const char *name;
    size_t off, size;
    bool empty_ok;
} strs[] = {
    {"rows", offsetof(struct feed_http, rows), NAME_MAX_LEN * 2, true},
    {"next", offsetof(struct feed_http, next), NAME_MAX_LEN * 2, false},
    {"has_more", offsetof(struct feed_http, has_more), NAME_MAX_LEN * 2, true},
    {"page_param", offsetof(struct feed_http, page_param), NAME_MAX_LEN, false},
    {"size_param", offsetof(struct feed_http, size_param), NAME_MAX_LEN, true},
    {"cursor_param", offsetof(struct feed_http, cursor_param), NAME_MAX_LEN, false},
    {"key_id", offsetof(struct feed_http, key_id), NAME_MAX_LEN, true},
};

static int choice(const json_t *spec, const char *name, const char *const *names, int n,
                  int *ret, struct errbuf *e)
{
    const json_t *v = json_object_get(spec, name);
    char field[32];
    if (!v)
        return 0;
    snprintf(field, sizeof(field), "http.%s", name);
    for (int i = 0; i < n && json_is_string(v); i++)
        if (strcmp(json_string_value(v), names[i]) == 0) {
            *ret = i;
            return 0;
        }
    return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, field, json_string_value(v),
                        "'%s' must be one of %s, %s%s%s", field, names[0], names[1],
                        n > 2 ? ", " : "", n > 2 ? names[2] : "");
}

static int number(const json_t *spec, const char *name, long long min, long long max,
                  long long *ret, struct errbuf *e)
{
    const json_t *v = json_object_get(spec, name);
    char field[32];
    if (!v)
        return 0;
    snprintf(field, sizeof(field), "http.%s", name);
    if (!json_is_integer(v))
        return errbuf_field(e, -ERR_INVALID, R_NOT_INTEGER, field, NULL,
                            "'%s' must be an integer", field);
    if (json_integer_value(v) < min || json_integer_value(v) > max)
        return errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, field, NULL,
                            "'%s' must be %lld to %lld", field, min, max);
    *ret = json_integer_value(v);
    return 0;
}

static int known(const char *key)
{
    static const char *const others[] = {"paging", "auth", "first_page", "timeout_seconds"};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (strcmp(key, strs[i].name) == 0)
            return 1;
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        if (strcmp(key, others[i]) == 0)
            return 1;
    return 0;
}

int feed_http_parse(const json_t *spec, struct feed_http **ret, struct errbuf *e)
{
    struct feed_http *h = calloc(1, sizeof(*h));
    int paging = PAGING_PAGE, auth = AUTH_NONE, rc = 0;
    const char *key;
    json_t *v;
    if (!h)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    snprintf(h->rows, sizeof(h->rows), "data");
    snprintf(h->next, sizeof(h->next), "next_cursor");
    snprintf(h->page_param, sizeof(h->page_param), "page");
    snprintf(h->size_param, sizeof(h->size_param), "page_size");
    snprintf(h->cursor_param, sizeof(h->cursor_param), "cursor");
    h->first_page = 1;
    h->timeout = 30;
    if (spec && !json_is_object(spec)) {
        rc = errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, "http", NULL, "'http' must be an object");
        goto out;
    }
    json_object_foreach((json_t *)spec, key, v) {
        if (!known(key)) {
            rc = errbuf_field(e, -ERR_INVALID, R_UNKNOWN_FIELD, "http", key,
                              "'http' has no member '%s'", key);
            goto out;
        }
    }
    for (size_t i = 0; spec && i < sizeof(strs) / sizeof(strs[0]); i++) {
        const json_t *s = json_object_get(spec, strs[i].name);
        char field[32];
        const char *t;
        snprintf(field, sizeof(field), "http.%s", strs[i].name);
        if (!s)
            continue;
        if (!json_is_string(s)) {
            rc = errbuf_field(e, -ERR_INVALID, R_NOT_STRING, field, NULL,
                              "'%s' must be a string", field);
            goto out;
        }
        t = json_string_value(s);
        if (!*t && !strs[i].empty_ok) {
            rc = errbuf_field(e, -ERR_INVALID, R_REQUIRED, field, NULL, "'%s' is empty", field);
            goto out;
        }
        if (strlen(t) >= strs[i].size || strpbrk(t, "&=?# \t\r\n")) {
            rc = errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, field, t,
                              "'%s' must be a name (or a dotted path) of at most %zu characters",
                              field, strs[i].size - 1);
            goto out;
        }
        snprintf((char *)h + strs[i].off, strs[i].size, "%s", t);
    }
    if ((rc = choice(spec, "paging", pagings, 2, &paging, e)) < 0 ||
        (rc = choice(spec, "auth", auths, 3, &auth, e)) < 0 ||
        (rc = number(spec, "first_page", 0, 1, &h->first_page, e)) < 0 ||
        (rc = number(spec, "timeout_seconds", 1, 300, &h->timeout, e)) < 0)
        goto out;
    h->paging = (enum paging)paging;
    h->auth = (enum auth)auth;
out:
    if (rc < 0)
        free(h);
    else
        *ret = h;
    return rc;
}

void feed_http_free(struct feed_http *h)
{
    free(h);
}

json_t *feed_http_json(const struct feed_http *h)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "paging", pagings[h->paging], "auth",
                          auths[h->auth], "first_page", (json_int_t)h->first_page,
                          "timeout_seconds", (json_int_t)h->timeout);
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        json_object_set_new(o, strs[i].name, json_string((const char *)h + strs[i].off));
    return o;
}

bool feed_http_needs_credential(const struct feed_http *h)
{
    return h->auth != AUTH_NONE;
}

int feed_http_check_url(const char *url, struct errbuf *e)
{
    const char *rest = !url                               ? NULL
                       : strncmp(url, "http://", 7) == 0  ? url + 7
                       : strncmp(url, "https://", 8) == 0 ? url + 8
                                                          : NULL;
    size_t host = rest ? strcspn(rest, "/?#") : 0;
    if (!rest || host == 0 || memchr(rest, '@', host) || strpbrk(url, " \t\r\n"))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_FORMAT, "target", NULL,
                            "an HTTP feed's target must be an http:// or https:// URL without a"
                            " user or password (the credential goes in 'credential')");
    return 0;
}

/* ---- one page */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t keep(char *p, size_t size, size_t n, void *arg)
{
    /* past the maximum the transfer stops: a reply cut short is no page */
    return buf_add(arg, p, size * n) < 0 ? 0 : size * n;
}

/* Append name=value (escaped) to the URL being built. */
static int add_param(CURL *c, struct buf *u, const char *name, const char *value)
{
    char *v = curl_easy_escape(c, value, 0);
    int rc;
    if (!v)
        return -ERR_NOMEM;
    rc = buf_printf(u, "%c%s=%s", strchr(buf_str(u), '?') ? '&' : '?', name, v);
    curl_free(v);
    return rc;
}

/* The value at a dotted path ("" : the document itself). */
static json_t *at_path(json_t *doc, const char *path)
{
    char part[NAME_MAX_LEN * 2];
    while (*path && doc) {
        size_t n = strcspn(path, ".");
        snprintf(part, sizeof(part), "%.*s", (int)n, path);
        doc = json_object_get(doc, part);
        path += n + (path[n] == '.');
    }
    return doc;
}

/* The headers of HMAC: the signature is hex(HMAC-SHA256(credential, "GET\n" + path and query
 * as sent + "\n" + timestamp + "\n" + body)), the body of a GET being empty. */
static struct curl_slist *hmac_headers(const struct feed_http *h, const char *credential,
                                       const char *url, struct curl_slist *list)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[2 * sizeof(mac) + 1], line[200], ts[24];
    const char *rest = strstr(url, "://"), *path;
    crypto_auth_hmacsha256_state st;
    path = rest ? rest + 3 + strcspn(rest + 3, "/?") : url;
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)credential, strlen(credential));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"GET\n", 4);
    if (*path != '/')
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)"/", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)path, strlen(path));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    snprintf(line, sizeof(line), "X-DJ-Timestamp: %s", ts);
    list = curl_slist_append(list, line);
    snprintf(line, sizeof(line), "X-DJ-Signature: %s", hex);
    list = curl_slist_append(list, line);
    if (h->key_id[0]) {
        snprintf(line, sizeof(line), "X-DJ-Key: %s", h->key_id);
        list = curl_slist_append(list, line);
    }
    return list;
}

/* GET url with the credential: the reply's JSON in *ret. */
static int get(const struct feed_http *h, CURL *c, const char *url, const char *credential,
               json_t **ret, struct errbuf *e)
{
    struct curl_slist *list = curl_slist_append(NULL, "Accept: application/json");
    char cerr[CURL_ERROR_SIZE] = "";
    struct buf reply;
    json_error_t je;
    long code = 0;
    CURLcode cc;
    int rc = 0;
    buf_init(&reply, REPLY_MAX);
    list = curl_slist_append(list, "User-Agent: dangjian-feed/1");
    if (h->auth == AUTH_BEARER) {
        struct buf a;
        buf_init(&a, 4096);
        if (buf_printf(&a, "Authorization: Bearer %s", credential) >= 0)
            list = curl_slist_append(list, buf_str(&a));
        sodium_memzero(a.data, a.cap);
        buf_release(&a);
    } else if (h->auth == AUTH_HMAC) {
        list = hmac_headers(h, credential, url, list);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)h->timeout);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    cc = curl_easy_perform(c);
    if (cc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (cc == CURLE_WRITE_ERROR)
        rc = errbuf_set(e, -ERR_IO, "the feed's reply is larger than %d bytes", REPLY_MAX);
    else if (cc != CURLE_OK)
        rc = errbuf_set(e, -ERR_IO, "cannot read the feed's URL: %s",
                        cerr[0] ? cerr : curl_easy_strerror(cc));
    else if (code == 401 || code == 403)
        rc = errbuf_set(e, -ERR_IO, "the feed's server refused the credential (HTTP %ld)", code);
    else if (code < 200 || code > 299)
        rc = errbuf_set(e, -ERR_IO, "the feed's server answered HTTP %ld", code);
    else if (!(*ret = json_loadb(buf_str(&reply), reply.len, 0, &je)))
        rc = errbuf_set(e, -ERR_IO, "the feed's reply is not JSON: %.120s (line %d)", je.text,
                        je.line);
    curl_slist_free_all(list);
    buf_release(&reply);
    return rc;
}

/* The text of a cursor (a string or an integer), "" for none. */
static void cursor_text(const json_t *v, char *out, size_t n)
{
    if (json_is_string(v))
        snprintf(out, n, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else
        out[0] = '\0';
}

int feed_http_page(const struct feed_http *h, const char *url, const char *credential,
                   const char *mark, long page_size, json_t **ret_rows, char *next, size_t n,
                   bool *more, struct errbuf *e)
{
    char num[32];
    json_t *doc = NULL, *rows, *out;
    struct buf u;
    CURL *c;
    int rc = 0;
    size_t i;
    json_t *row;
    *more = false;
    pthread_once(&curl_once, curl_start);
    if (!(c = curl_easy_init()))
        return errbuf_set(e, -ERR_NOMEM, "cannot start libcurl");
    buf_init(&u, 8192);
    snprintf(num, sizeof(num), "%lld", *mark ? atoll(mark) : (long long)h->first_page);
    if ((rc = buf_addstr(&u, url)) >= 0 && h->size_param[0]) {
        char size[24];
        snprintf(size, sizeof(size), "%ld", page_size);
        rc = add_param(c, &u, h->size_param, size);
    }
    if (rc >= 0 && h->paging == PAGING_PAGE)
        rc = add_param(c, &u, h->page_param, num);
    else if (rc >= 0 && *mark)
        rc = add_param(c, &u, h->cursor_param, mark);
    if (rc < 0) {
        rc = errbuf_set(e, rc, "the feed's URL is too long");
        goto out;
    }
    if ((rc = get(h, c, buf_str(&u), credential, &doc, e)) < 0)
        goto out;
    rows = at_path(doc, h->rows);
    if (!json_is_array(rows)) {
        rc = errbuf_set(e, -ERR_IO, "the feed's reply has no array at '%s'",
                        h->rows[0] ? h->rows : "(the top)");
        goto out;
    }
    out = json_array();
    json_array_foreach(rows, i, row)
        json_array_append_new(out, json_is_object(row) ? json_incref(row)
                                                       : json_pack("{s:O}", "_row", row));
    *ret_rows = out;
    if (h->paging == PAGING_PAGE) {
        json_t *hm = h->has_more[0] ? at_path(doc, h->has_more) : NULL;
        *more = h->has_more[0] ? json_is_true(hm) : json_array_size(rows) >= (size_t)page_size;
        if (*more)
            snprintf(next, n, "%lld", atoll(num) + 1);
    } else {
        char cur[512];
        cursor_text(at_path(doc, h->next), cur, sizeof(cur));
        *more = cur[0] && strcmp(cur, mark) != 0 &&
                (!h->has_more[0] || json_is_true(at_path(doc, h->has_more)));
        if (*more && strlen(cur) >= n) {
            json_decref(*ret_rows);
            rc = errbuf_set(e, -ERR_IO, "the feed's next cursor is longer than %zu bytes", n - 1);
            goto out;
        }
        if (*more)
            snprintf(next, n, "%s", cur);
    }
    if (!*more)
        snprintf(next, n, "%s", mark);
out:
    json_decref(doc);
    buf_release(&u);
    curl_easy_cleanup(c);
    return rc;
}
