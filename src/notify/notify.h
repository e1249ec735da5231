/* Messenger robots: one provider per file (wecom.c, dingtalk.c, feishu.c), each a row of one
 * table. A provider renders a notice's Chinese text into its message bodies (split to fit
 * its size limit, the responsible people @-mentioned by mobile), signs a request at send
 * time, and reads its reply (a 200 with an error code is a failure). The plan outbox
 * (src/plan/webhook.c) queues the rendered bodies and sends them through this table. */
#ifndef NOTIFY_NOTIFY_H
#define NOTIFY_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* What a provider's reply means. */
enum notify_verdict {
    NOTIFY_OK = 0,
    NOTIFY_RETRY = 1,      /* an error code: try again after the usual backoff */
    NOTIFY_RATE_LIMIT = 2, /* the provider said "too many": back off longer */
};

struct notify_provider {
    const char *kind;
    bool needs_secret;   /* the signing secret is required (DingTalk, Feishu) */
    size_t text_max;     /* bytes of text in one message */
    size_t text_max_at;  /* ... in one message that @-mentions people (0: as text_max) */
    /* One message body: title (may be NULL on later parts), text, mobiles to @-mention (an
     * array of strings, may be empty). Returns a new object. */
    json_t *(*render)(const char *title, const char *text, const json_t *mobiles);
    /* Sign a request sent at now_ms (UTC milliseconds): the URL to POST to (into url_out) and
     * the body, which the provider may extend. */
    int (*sign)(const char *url, const char *secret, long long now_ms, json_t *body,
                struct buf *url_out, struct errbuf *e);
    /* The reply body of an HTTP 2xx: a verdict, and the provider's message into err. */
    enum notify_verdict (*reply)(const char *body, char *err, size_t n);
};

/* The provider of kind, or NULL ('generic' has none: src/plan/webhook.c signs it). */
const struct notify_provider *notify_find(const char *kind);
/* Whether kind is one a webhook may have ('generic' or a provider's). */
bool notify_kind_known(const char *kind);

/* The length of the longest prefix of s (len bytes) of at most max bytes that ends on a
 * UTF-8 character boundary. */
size_t notify_utf8_cut(const char *s, size_t len, size_t max);

/* The Chinese text of a notice payload (as src/plan/notice.c builds it): a title line with
 * the kind's name, the organization, the text and the people it is for. */
int notify_text(const json_t *payload, struct buf *title, struct buf *text, struct errbuf *e);

/* The provider's message bodies for a notice payload: an array of objects, one per part,
 * each at most the provider's size (or cap bytes when smaller, 0: none); only the first part
 * @-mentions. */
int notify_render(const struct notify_provider *p, const json_t *payload, const json_t *mobiles,
                  size_t cap, json_t **ret, struct errbuf *e);

struct db;
/* A webhook's secret sealed for the database (secret.c), and opened again; a secret stored
 * in plain text before sealing opens as it is. */
int notify_secret_seal(const char *plain, struct buf *out, struct errbuf *e);
int notify_secret_open(const char *stored, struct buf *out, struct errbuf *e);
/* The mobiles (an array of strings) of the recipients of a notice payload whose members have
 * one, for the @-mention. */
int notify_mobiles(struct db *db, const json_t *payload, json_t **ret, struct errbuf *e);

/* A webhook URL as the API and the audit show it: every query value (a WeCom key, a DingTalk
 * access_token: credentials) replaced by ***. A new JSON string. */
json_t *notify_url_json(const char *url);

/* Shared by the providers: base64(HMAC-SHA256(key, msg)), and URL-encoded. */
void notify_hmac_b64(const char *key, const char *msg, char out[64]);
int notify_urlencode(struct buf *b, const char *s);
/* Overwrite what b holds (a secret) and release it. */
void notify_buf_wipe(struct buf *b);
/* A reply's integer member name (absent: -1 when missing is an error, as the caller says). */
long long notify_reply_code(const char *body, const char *name, const char *msg_name, char *err,
                            size_t n);

#endif
