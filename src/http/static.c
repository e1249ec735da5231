#include "http/static.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int static_serve(struct req *r, const char *dir, struct errbuf *e)
{
    char path[1024], gz[1040];
    const char *rel = r->path, *accept, *type;
    struct buf body;
    bool gzip_ok, hashed;
    int rc;
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return errbuf_set(e, -ERR_METHOD, "method %s not allowed on '%s'", r->method, r->path);
    if (!dir)
        return errbuf_set(e, -ERR_NOTFOUND, "no web app is built: run 'make web'");
    if (strstr(rel, "..") || strlen(rel) > 512)
        return errbuf_set(e, -ERR_NOTFOUND, "no such file '%s'", rel);
    snprintf(path, sizeof(path), "%s%s", dir, rel);
    /* the app routes in the browser: any path that is not a file gets index.html */
    if (strcmp(rel, "/") == 0 || !is_file(path))
        snprintf(path, sizeof(path), "%s/index.html", dir);
    type = type_of(path);
    accept = req_header(r, "Accept-Encoding");
    gzip_ok = accept && strstr(accept, "gzip");
    snprintf(gz, sizeof(gz), "%s.gz", path);
    buf_init(&body, MAX_ASSET);
    if (gzip_ok && is_file(gz) && read_file(gz, &body) == 0) {
        r->content_encoding = "gzip";
    } else {
        buf_reset(&body);
        if ((rc = read_file(path, &body)) < 0) {
            buf_release(&body);
            return errbuf_set(e, -ERR_NOTFOUND, "no such file '%s'", rel);
        }
    }
    /* Vite puts content hashes in asset names: those never change, index.html always may */
    hashed = strncmp(rel, "/assets/", 8) == 0 && is_file(path);
    r->cache_control = hashed ? "public, max-age=31536000, immutable" : "no-cache";
    rc = req_reply_raw(r, 200, type, buf_str(&body), body.len);
    buf_release(&body);
    return rc;
}
