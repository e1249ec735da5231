#include "http/cache.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "db/versions.h"
#include "base/jsontext.h"
#include "base/banned.h"

#define SLOTS 64
#define MAX_BODY (256 * 1024)
#define MAX_KEY 1024

static _Thread_local struct entry {
    char key[MAX_KEY];
    struct version_stamp scores, sessions;
    int status;
    char *body;
    size_t len;
} slots[SLOTS];

/* Free a thread's cached bodies when the thread ends (libmicrohttpd's pool at shutdown). */
static pthread_key_t cleanup_key;
static pthread_once_t cleanup_once = PTHREAD_ONCE_INIT;

static void free_slots(void *unused)
{
    (void)unused;
    for (int i = 0; i < SLOTS; i++) {
        free(slots[i].body);
        slots[i].body = NULL;
    }
}

static void make_key_once(void)
{
    pthread_key_create(&cleanup_key, free_slots);
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    struct buf *b = cls;
    (void)kind;
    buf_printf(b, "&%s=%s", k, v ? v : "");
    return MHD_YES;
}

/* "account|path&k=v..." in the order the client sent the query; 0 when too long to cache. */
static int make_key(struct req *r, char *out)
{
    struct buf b;
    int ok;
    buf_init(&b, MAX_KEY - 1);
    buf_printf(&b, "%lld|%s", r->auth.account_id, r->path);
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &b);
    ok = b.len > 0 && b.len < MAX_KEY - 1 && buf_str(&b)[b.len - 1] != '\0';
    if (ok)
        memcpy(out, buf_str(&b), b.len + 1);
    buf_release(&b);
    return ok;
}

static struct entry *slot_of(const char *key)
{
    unsigned h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return &slots[h % SLOTS];
}

static int stamps(struct req *r, struct version_stamp *scores, struct version_stamp *sessions)
{
    return version_get(r->db, TOPIC_SCORES, scores, NULL) < 0 ||
                   version_get(r->db, TOPIC_SESSIONS, sessions, NULL) < 0
               ? -1
               : 0;
}

int reply_cache_get(struct req *r)
{
    char key[MAX_KEY];
    struct version_stamp scores, sessions;
    struct entry *s;
    if (!make_key(r, key) || stamps(r, &scores, &sessions) < 0)
        return 0;
    s = slot_of(key);
    if (!s->body || strcmp(s->key, key) != 0 || !version_equal(&s->scores, &scores) ||
        !version_equal(&s->sessions, &sessions))
        return 0;
    return req_reply_raw(r, s->status, "application/json; charset=utf-8", s->body, s->len) == 0;
}

void reply_cache_put(struct req *r)
{
    char key[MAX_KEY];
    struct version_stamp scores, sessions;
    struct entry *s;
    char *text;
    size_t len;
    if (r->status < 200 || r->status >= 300 || !r->reply || !make_key(r, key) ||
        stamps(r, &scores, &sessions) < 0)
        return;
    if (!(text = json_text(r->reply, &len)))
        return;
    if (len > MAX_BODY) {
        free(text);
        return;
    }
    pthread_once(&cleanup_once, make_key_once);
    pthread_setspecific(cleanup_key, slots); /* non-NULL: run free_slots at thread exit */
    s = slot_of(key);
    free(s->body);
    memcpy(s->key, key, sizeof(key));
    s->scores = scores;
    s->sessions = sessions;
    s->status = r->status;
    s->len = len;
    s->body = text;
    /* this reply goes out as the cached text: no second serialization (raw wins in send) */
    req_reply_raw(r, r->status, "application/json; charset=utf-8", text, len);
}
