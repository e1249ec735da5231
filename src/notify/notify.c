/* The provider table, and what the providers share: the notice's Chinese text, splitting it
 * on character boundaries to fit a provider's size limit, HMAC and URL encoding. */
#define _GNU_SOURCE /* memrchr */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"
#include "base/banned.h"

extern const struct notify_provider notify_wecom, notify_dingtalk, notify_feishu;

static const struct notify_provider *const providers[] = {&notify_wecom, &notify_dingtalk,
                                                          &notify_feishu};

const struct notify_provider *notify_find(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof(providers) / sizeof(providers[0]); i++)
        if (strcmp(providers[i]->kind, kind) == 0)
            return providers[i];
    return NULL;
}

bool notify_kind_known(const char *kind)
{
    return kind && (strcmp(kind, "generic") == 0 || notify_find(kind));
}

size_t notify_utf8_cut(const char *s, size_t len, size_t max)
{
    size_t n = len < max ? len : max;
    if (n == len)
        return n;
    /* back off continuation bytes (10xxxxxx): s[n] is then the first byte of a character */
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* The Chinese name of each notice kind the plans send (src/plan/), and of the test message. */
static const struct {
    const char *kind, *name;
} kind_names[] = {
    {"warning", "预警"},       {"reminder", "到期提醒"}, {"escalation", "整改升级"},
    {"not_met", "未达标"},     {"lagging", "督办"},      {"bulletin", "通报"},
    {"todo", "待办提醒"},      {"dues", "党费提醒"},     {"test", "测试消息"},
};

int notify_text(const json_t *payload, struct buf *title, struct buf *text, struct errbuf *e)
{
    const char *kind = json_string_value(json_object_get(payload, "kind"));
    const char *name = "通知", *t = json_string_value(json_object_get(payload, "title"));
    const char *body = json_string_value(json_object_get(payload, "text"));
    const char *org = json_string_value(json_object_get(json_object_get(payload, "org"), "name"));
    const char *period = json_string_value(json_object_get(payload, "period"));
    const json_t *people = json_object_get(payload, "recipients");
    int rc = 0;
    for (size_t i = 0; kind && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
        if (strcmp(kind_names[i].kind, kind) == 0)
            name = kind_names[i].name;
    rc |= buf_printf(title, "【%s】%s", name, t ? t : "");
    if (org)
        rc |= buf_printf(text, "单位：%s\n", org);
    if (period)
        rc |= buf_printf(text, "周期：%s\n", period);
    if (body && *body)
        rc |= buf_printf(text, "%s\n", body);
    if (json_array_size(people)) {
        rc |= buf_addstr(text, "责任人：");
        for (size_t i = 0; i < json_array_size(people); i++)
            rc |= buf_printf(text, "%s%s", i ? "、" : "",
                             json_string_value(json_object_get(json_array_get(people, i), "name")) ?: "");
        rc |= buf_addch(text, '\n');
    }
    return rc < 0 ? errbuf_set(e, -ERR_NOMEM, "the notice text is too long") : 0;
}

int notify_render(const struct notify_provider *p, const json_t *payload, const json_t *mobiles,
                  size_t cap, json_t **ret, struct errbuf *e)
{
    struct buf title, text, head;
    json_t *parts = json_array(), *none = json_array();
    const char *s;
    size_t len, at = 0;
    int rc;
    buf_init(&title, 4096);
    buf_init(&text, 1 << 20);
    buf_init(&head, 4200);
    if ((rc = notify_text(payload, &title, &text, e)) < 0)
        goto out;
    s = buf_str(&text);
    len = strlen(s);
    do {
        /* only the first part @-mentions: one ping per notice */
        const json_t *at_list = at == 0 && json_array_size(mobiles) ? mobiles : none;
        size_t max = json_array_size(at_list) && p->text_max_at ? p->text_max_at : p->text_max;
        max = cap && cap < max ? cap : max;
        /* room for the title, the part mark and the "@mobile" a provider may write */
        size_t reserve = strlen(buf_str(&title)) + 48 + 16 * json_array_size(at_list);
        size_t room = max > reserve + 64 ? max - reserve : 64;
        size_t n = notify_utf8_cut(s + at, len - at, room);
        const char *nl;
        char *chunk;
        /* prefer to break after a line when one ends in the second half of the room */
        if (at + n < len && (nl = memrchr(s + at, '\n', n)) && (size_t)(nl - (s + at)) > n / 2)
            n = (size_t)(nl - (s + at)) + 1;
        if (n == 0) /* cannot happen with room >= 64; never loop forever */
            n = len - at;
        buf_reset(&head);
        if (buf_printf(&head, "%s%s", buf_str(&title), at ? "（续）" : "") < 0 ||
            !(chunk = strndup(s + at, n))) {
            rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
            goto out;
        }
        json_array_append_new(parts, p->render(buf_str(&head), chunk, at_list));
        free(chunk);
        at += n;
    } while (at < len);
    *ret = parts;
    parts = NULL;
out:
    json_decref(parts);
    json_decref(none);
    buf_release(&title);
    buf_release(&text);
    buf_release(&head);
    return rc;
}

json_t *notify_url_json(const char *url)
{
    struct buf b;
    const char *q = strchr(url, '?');
    json_t *out;
    buf_init(&b, 4096);
    buf_add(&b, url, q ? (size_t)(q - url) + 1 : strlen(url));
    while (q && *q) {
        const char *name = q + 1, *end = name + strcspn(name, "&"), *eq = memchr(name, '=', (size_t)(end - name));
        buf_add(&b, name, (size_t)((eq ? eq : end) - name));
        if (eq)
            buf_addstr(&b, "=***");
        if (*end)
            buf_addch(&b, '&');
        q = *end ? end : NULL;
    }
    out = json_string(buf_str(&b));
    buf_release(&b);
    return out;
}

void notify_hmac_b64(const char *key, const char *msg, char out[64])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(out, 64, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
}

void notify_buf_wipe(struct buf *b)
{
    if (b->data)
        sodium_memzero(b->data, b->len);
    buf_release(b);
}

int notify_urlencode(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && rc >= 0; p++)
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-_.~", *p))
            rc = buf_addch(b, (char)*p);
        else
            rc = buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    return rc;
}

long long notify_reply_code(const char *body, const char *name, const char *msg_name, char *err,
                            size_t n)
{
    json_t *j = json_loads(body ? body : "", 0, NULL);
    json_t *code = json_object_get(j, name);
    long long v;
    if (!json_is_integer(code)) {
        snprintf(err, n, "the reply has no %s: %.120s", name, body ? body : "");
        json_decref(j);
        return -1;
    }
    v = json_integer_value(code);
    if (v)
        snprintf(err, n, "%s %lld: %.160s", name, v,
                 json_string_value(json_object_get(j, msg_name)) ?: "");
    json_decref(j);
    return v;
}
