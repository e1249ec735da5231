#include "http/static.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/banned.h"

#define MAX_ASSET (8 * 1024 * 1024)

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},   {".json", "application/json"},
    {".svg", "image/svg+xml"},             {".png", "image/png"},
    {".ico", "image/x-icon"},              {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"}, {".webmanifest", "application/manifest+json"},
};

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

static int read_file(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    char chunk[16384];
    size_t n;
    int rc = 0;
    if (!f)
        return -ERR_NOTFOUND;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = buf_add(out, chunk, n);
    fclose(f);
    return rc;
}

static bool is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The q value of one Accept-Encoding item (p up to end, or the string's end): 1 without one. */
static double item_q(const char *p, const char *end)
{
    const char *semi = memchr(p, ';', end ? (size_t)(end - p) : strlen(p));
    const char *q = semi ? strstr(semi, "q=") : NULL;
    return q && (!end || q < end) ? strtod(q + 2, NULL) : 1.0;
}

/* Whether an Accept-Encoding header value accepts `coding`: named with a q above 0, or not
 * named while "*" is (RFC 9110 12.5.3). False for a missing header. */
static bool accepts(const char *header, const char *coding)
{
    const char *p = header;
    size_t n = strlen(coding);
    bool star = false;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len;
        p += strspn(p, " \t");
        len = strcspn(p, " \t;,");
        if (len == n && strncasecmp(p, coding, n) == 0)
            return item_q(p, end) > 0;
        if (len == 1 && *p == '*')
            star = item_q(p, end) > 0;
        p = end ? end + 1 : NULL;
    }
    return star;
}

/* The file at `path` into out, precompressed when the browser takes it: the brotli twin
 * (path.br, made by the web build), else the gzip one (path.gz), else the file itself.
 * Answers the Content-Encoding to send (NULL for none); *rc gets read_file's result for the
 * file itself (below 0 when it cannot be read). */
static const char *read_best(const char *path, const char *accept, struct buf *out, int *rc)
{
    static const struct {
        const char *coding, *suffix;
    } twins[] = {{"br", ".br"}, {"gzip", ".gz"}};
    char twin[1040];
    for (size_t i = 0; accept && i < sizeof(twins) / sizeof(twins[0]); i++) {
        if (!accepts(accept, twins[i].coding))
            continue;
        snprintf(twin, sizeof(twin), "%s%s", path, twins[i].suffix);
        if (is_file(twin) && read_file(twin, out) == 0)
            return twins[i].coding;
        buf_reset(out);
    }
    *rc = read_file(path, out);
    return NULL;
}

/* The ETag of an unhashed file (index.html) as sent with `coding`: its size and modification
 * time, which a new build changes, and the coding (each twin is its own representation). */
static void etag_of(const char *path, const char *coding, char *out, size_t n)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        out[0] = '\0';
        return;
    }
    snprintf(out, n, "\"%llx-%llx.%09ld-%s\"", (unsigned long long)sb.st_size,
             (unsigned long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec,
             coding ? coding : "identity");
}

/* Whether an If-None-Match header value names etag (a list, or "*"; weak tags match too). */
static bool none_match(const char *header, const char *etag)
{
    size_t n = strlen(etag);
    for (const char *p = header; p && *p;) {
        p += strspn(p, " \t,");
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (*p == '*' || (strncmp(p, etag, n) == 0 && strchr(" \t,", p[n])))
            return true;
        p = strchr(p, ',');
    }
    return false;
}

/* Serve a file of the built web app (dir) for a GET or HEAD: any path that is not a file gets
 * index.html (the app routes in the browser). Precompressed twins go to browsers that accept
 * them; hashed assets are cached for a year, index.html is revalidated every time. */
int static_serve(struct req *r, const char *dir, struct errbuf *e)
{
    char path[1024];
    const char *rel = r->path, *type;
    struct buf body;
    bool hashed;
    int rc = 0;
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return errbuf_set(e, -ERR_METHOD, "method %s not allowed on '%s'", r->method, r->path);
    if (!dir)
        return errbuf_set(e, -ERR_NOTFOUND, "no web app is built: run 'make web'");
    if (strstr(rel, "..") || strlen(rel) > 512)
        return errbuf_set(e, -ERR_NOTFOUND, "no such file '%s'", rel);
    snprintf(path, sizeof(path), "%s%s", dir, rel);
    if (strcmp(rel, "/") == 0 || !is_file(path))
        snprintf(path, sizeof(path), "%s/index.html", dir);
    type = type_of(path);
    buf_init(&body, MAX_ASSET);
    r->content_encoding = read_best(path, req_header(r, "Accept-Encoding"), &body, &rc);
    if (rc < 0) {
        buf_release(&body);
        return errbuf_set(e, -ERR_NOTFOUND, "no such file '%s'", rel);
    }
    /* Vite puts content hashes in asset names: those never change, index.html always may */
    hashed = strncmp(rel, "/assets/", 8) == 0 && is_file(path);
    r->cache_control = hashed ? "public, max-age=31536000, immutable" : "no-cache";
    /* index.html carries the first screen's styles: a browser that has it asks whether it
     * changed (If-None-Match) and gets 304 without the bytes again */
    if (!hashed) {
        const char *inm = req_header(r, "If-None-Match");
        etag_of(path, r->content_encoding, r->etag, sizeof(r->etag));
        if (r->etag[0] && inm && none_match(inm, r->etag)) {
            buf_release(&body);
            r->content_encoding = NULL;
            r->status = 304;
            return 0;
        }
    }
    rc = req_reply_raw(r, 200, type, buf_str(&body), body.len);
    buf_release(&body);
    return rc;
}
