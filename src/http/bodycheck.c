/* Request bodies against their documented schemas (docs/openapi.json, embedded at build
 * time). The document is the one list of what each endpoint accepts: a member of a JSON body
 * that the endpoint's schema does not name, where the schema says additionalProperties:
 * false, is refused with 400 unknown_field before the handler runs, naming the member by its
 * path ("items[2].amout_fen") and the closest documented name when one is near. So a typo
 * never passes silently as an absent optional field, and a new field cannot be accepted
 * without being documented.
 *
 * Only names are checked here; types, ranges and required members stay with the handlers,
 * whose messages know the domain. */
#include "http/bodycheck.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/banned.h"

extern const char openapi_json[];
extern const unsigned long openapi_json_len;

static json_t *doc; /* read-only after the first call */
static pthread_once_t doc_once = PTHREAD_ONCE_INIT;

static void doc_load(void)
{
    json_error_t je;
    doc = json_loadb(openapi_json, openapi_json_len, 0, &je);
    if (!doc)
        log_error("docs/openapi.json as embedded does not parse (line %d: %s): request bodies "
                  "are not checked",
                  je.line, je.text);
}

/* Follow "#/components/schemas/X" references; NULL for anything else. */
static const json_t *deref(const json_t *s)
{
    for (int hops = 0; s && hops < 16; hops++) {
        const char *ref = json_string_value(json_object_get(s, "$ref"));
        const json_t *node = doc;
        char key[128];
        if (!ref)
            return s;
        if (strncmp(ref, "#/", 2) != 0)
            return NULL;
        for (const char *p = ref + 2; node && *p;) {
            size_t n = strcspn(p, "/");
            if (n >= sizeof(key))
                return NULL;
            memcpy(key, p, n);
            key[n] = '\0';
            node = json_object_get(node, key);
            p += n + (p[n] == '/');
        }
        s = node;
    }
    return NULL;
}

/* Levenshtein distance of a and b, giving up (returning limit + 1) past limit. */
static size_t distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b), row[65];
    if (la > 64 || lb > 64)
        return limit + 1;
    if ((la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0], best;
        row[0] = best = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j],
                   cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t v = diag + cost;
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > limit)
            return limit + 1;
    }
    return row[lb];
}

/* The properties of an object schema, its own and those of its allOf parts, and whether it
 * refuses other members (any part saying additionalProperties: false). */
struct shape {
    const json_t *props[8];
    int nprops;
    int closed;
    const json_t *extra; /* additionalProperties as a schema */
};

static void shape_add(struct shape *sh, const json_t *s, int depth)
{
    const json_t *ap, *all;
    size_t i;
    if (!(s = deref(s)) || depth > 4)
        return;
    if (json_is_object(json_object_get(s, "properties")) && sh->nprops < 8)
        sh->props[sh->nprops++] = json_object_get(s, "properties");
    ap = json_object_get(s, "additionalProperties");
    if (json_is_false(ap))
        sh->closed = 1;
    else if (json_is_object(ap))
        sh->extra = ap;
    all = json_object_get(s, "allOf");
    for (i = 0; i < json_array_size(all); i++)
        shape_add(sh, json_array_get(all, i), depth + 1);
}

static const json_t *shape_find(const struct shape *sh, const char *key)
{
    for (int i = 0; i < sh->nprops; i++) {
        const json_t *p = json_object_get(sh->props[i], key);
        if (p)
            return p;
    }
    return NULL;
}

/* The documented name nearest to key: within 2 edits, or a third of its length for long
 * names; NULL when none is that near. */
static const char *nearest(const struct shape *sh, const char *key)
{
    size_t limit = strlen(key) >= 9 ? strlen(key) / 3 : 2, best = limit + 1;
    const char *name = NULL;
    for (int i = 0; i < sh->nprops; i++) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)sh->props[i], k, v)
        {
            size_t d = distance(key, k, limit);
            if (d < best) {
                best = d;
                name = k;
            }
        }
    }
    return name;
}

static int check(struct req *r, const json_t *schema, const json_t *v, struct buf *where, int depth,
                 struct errbuf *e)
{
    size_t mark = where->len;
    int rc = 0;
    if (!(schema = deref(schema)) || depth > 16)
        return 0;
    if (json_is_object(v)) {
        struct shape sh = {.nprops = 0};
        const char *key;
        json_t *member;
        shape_add(&sh, schema, 0);
        json_object_foreach((json_t *)v, key, member)
        {
            const json_t *ps = shape_find(&sh, key);
            if (!ps && sh.closed) {
                const char *near = nearest(&sh, key);
                buf_printf(where, "%s%s", where->len ? "." : "", key);
                if (near)
                    rc = errbuf_set(e, -ERR_UNKNOWN_FIELD,
                                    "unknown field '%.100s' (did you mean '%s'?)", buf_str(where),
                                    near);
                else
                    rc =
                        errbuf_set(e, -ERR_UNKNOWN_FIELD, "unknown field '%.100s'", buf_str(where));
                errbuf_why(e, R_UNKNOWN_FIELD, buf_str(where), NULL);
                /* the details item of the reason, with the nearest documented name */
                json_t *item = req_reason_item(e);
                if (near)
                    json_object_set_new(item, "suggestion", json_string(near));
                req_error_detail(r, item);
                break;
            }
            if (!ps)
                ps = sh.extra;
            if (ps && (json_is_object(member) || json_is_array(member))) {
                buf_printf(where, "%s%s", where->len ? "." : "", key);
                rc = check(r, ps, member, where, depth + 1, e);
            }
            where->len = mark;
            if (rc < 0)
                break;
        }
    } else if (json_is_array(v)) {
        const json_t *items = json_object_get(schema, "items"), *item;
        size_t i;
        if (!items)
            return 0;
        json_array_foreach(v, i, item)
        {
            if (!json_is_object(item) && !json_is_array(item))
                continue;
            buf_printf(where, "[%zu]", i);
            rc = check(r, items, item, where, depth + 1, e);
            where->len = mark;
            if (rc < 0)
                break;
        }
    }
    if (where->data)
        where->data[mark] = '\0';
    return rc;
}

/* Check r->json against the JSON request body schema documented for the route. Returns 0
 * (also when the route documents none), or -ERR_UNKNOWN_FIELD with a detail
 * {"field", "suggestion"?} on r and the message in e. Thread-safe: the document is parsed
 * once and only read. */
int bodycheck_request(struct req *r, const char *pattern, struct errbuf *e)
{
    char method[8];
    const json_t *schema;
    const char *type;
    struct buf where;
    size_t i;
    int rc;
    if (!r->json)
        return 0;
    pthread_once(&doc_once, doc_load);
    if (!doc)
        return 0;
    for (i = 0; i < sizeof(method) - 1 && r->method[i]; i++)
        method[i] = (char)tolower((unsigned char)r->method[i]);
    method[i] = '\0';
    schema = json_object_get(json_object_get(json_object_get(doc, "paths"), pattern), method);
    schema = json_object_get(
        json_object_get(json_object_get(json_object_get(schema, "requestBody"), "content"),
                        "application/json"),
        "schema");
    if (!schema)
        return 0;
    type = json_string_value(json_object_get(deref(schema), "type"));
    if (type && ((strcmp(type, "object") == 0 && !json_is_object(r->json)) ||
                 (strcmp(type, "array") == 0 && !json_is_array(r->json))))
        return errbuf_field(e, -ERR_INVALID,
                            strcmp(type, "object") == 0 ? R_NOT_OBJECT : R_NOT_ARRAY, NULL, NULL,
                            "the body must be a JSON %s", type);
    buf_init(&where, 512);
    rc = check(r, schema, r->json, &where, 0, e);
    buf_release(&where);
    return rc;
}
