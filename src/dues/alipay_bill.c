/* Alipay's daily statement (alipay.h: alipay_statement). alipay.data.dataservice.bill.
 * downloadurl.query answers, signed RSA2 over the raw text of its response member, where to
 * download the day's file: a zip whose 业务明细 CSV (GBK) lists every trade; a plain CSV is read
 * too. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "base/httpc.h"
#include "base/text.h"
#include "dues/alipay.h"
#include "dues/paybill.h"
#include "dues/paycrypto.h"
#include "dues/paykey.h"
#include "base/banned.h"

#define METHOD "alipay.data.dataservice.bill.downloadurl.query"
#define RESPONSE "alipay_data_dataservice_bill_downloadurl_query_response"
#define FILE_MAX (64 << 20)

/* The raw text of the object member key of a JSON text (what Alipay signs): *ret points into
 * json. 0, or -ERR_INVALID when there is no such object. */
static int raw_member(const char *json, size_t n, const char *key, const char **ret,
                      size_t *ret_len)
{
    char quoted[96];
    const char *p, *end = json + n;
    int depth = 0;
    bool in_str = false;
    snprintf(quoted, sizeof(quoted), "\"%s\"", key);
    if (!(p = strstr(json, quoted)))
        return -ERR_INVALID;
    p += strlen(quoted);
    while (p < end && (*p == ' ' || *p == ':' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    if (p >= end || *p != '{')
        return -ERR_INVALID;
    *ret = p;
    for (; p < end; p++) {
        if (in_str) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                in_str = false;
        } else if (*p == '"')
            in_str = true;
        else if (*p == '{')
            depth++;
        else if (*p == '}' && --depth == 0) {
            *ret_len = (size_t)(p + 1 - *ret);
            return 0;
        }
    }
    return -ERR_INVALID;
}

/* The 业务明细 CSV inside a zip (not its 汇总 twin) into out. */
static int unzip_details(const struct buf *file, struct buf *out, struct errbuf *e)
{
    zip_error_t zerr;
    zip_source_t *src;
    zip_t *z = NULL;
    zip_file_t *zf = NULL;
    zip_int64_t n, pick = -1;
    char chunk[8192];
    int rc = 0;
    zip_error_init(&zerr);
    if (!(src = zip_source_buffer_create(file->data, file->len, 0, &zerr)) ||
        !(z = zip_open_from_source(src, ZIP_RDONLY, &zerr))) {
        if (src)
            zip_source_free(src);
        zip_error_fini(&zerr);
        return errbuf_set(e, -ERR_IO, "Alipay's statement is not a readable zip");
    }
    n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n && pick < 0; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
        if (name && strstr(name, "业务明细") && !strstr(name, "汇总"))
            pick = i;
    }
    if (pick < 0 || !(zf = zip_fopen_index(z, (zip_uint64_t)pick, 0)))
        rc = errbuf_set(e, -ERR_IO, "Alipay's statement holds no 业务明细 file");
    while (rc == 0) {
        zip_int64_t got = zip_fread(zf, chunk, sizeof(chunk));
        if (got < 0)
            rc = errbuf_set(e, -ERR_IO, "cannot read Alipay's statement");
        else if (got == 0)
            break;
        else if (buf_add(out, chunk, (size_t)got) < 0)
            rc = errbuf_set(e, -ERR_IO, "Alipay's statement is larger than %d bytes", FILE_MAX);
    }
    if (zf)
        zip_fclose(zf);
    zip_discard(z);
    zip_error_fini(&zerr);
    return rc;
}

/* Where the day's file is: *ret_url (malloc'd), or NULL when Alipay has no statement that day. */
static int download_url(const struct dues_provider_conf *c, int ymd, char **ret_url,
                        struct errbuf *e)
{
    struct buf form = BUF_INIT, reply = BUF_INIT;
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded;charset=utf-8", NULL};
    const char *raw = NULL, *code, *sub;
    char date[16], err[256];
    size_t raw_len = 0;
    json_t *all = NULL, *resp = NULL;
    EVP_PKEY *key = NULL;
    long status = 0;
    int rc;
    *ret_url = NULL;
    snprintf(date, sizeof(date), "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
    reply.max = 1 << 20;
    if ((rc = alipay_request(c, METHOD,
                             json_pack("{s:s, s:s}", "bill_type", "trade", "bill_date", date),
                             &form, e)) < 0)
        goto out;
    struct httpc_call q = {.url = c->base_url, .body = form.data, .headers = headers};
    if (httpc_do(&q, &reply, &status, err, sizeof(err)) != HTTPC_ANSWERED || status != 200) {
        rc = errbuf_set(e, -ERR_IO, "Alipay did not answer the statement query (%ld): %s", status,
                        err);
        goto out;
    }
    /* the answer is signed over the raw text of its response member */
    if (!(all = json_loadb(reply.data, reply.len, 0, NULL)) ||
        raw_member(reply.data, reply.len, RESPONSE, &raw, &raw_len) < 0 ||
        !(resp = json_loadb(raw, raw_len, 0, NULL))) {
        rc = errbuf_set(e, -ERR_IO, "Alipay answered the statement query with no %s", RESPONSE);
        goto out;
    }
    if ((rc = paykey_public(c->platform_key_file, &key, e)) < 0 ||
        (rc = paycrypto_verify(key, raw, raw_len, json_string_value(json_object_get(all, "sign")),
                               e)) < 0) {
        errbuf_prefix(e, "Alipay's answer");
        e->code = rc = -ERR_IO;
        goto out;
    }
    code = json_string_value(json_object_get(resp, "code"));
    sub = json_string_value(json_object_get(resp, "sub_code"));
    if (code && strcmp(code, "40004") == 0 && sub && strcmp(sub, "isp.bill_not_exist") == 0)
        goto out; /* no trade that day */
    if (!code || strcmp(code, "10000") != 0 ||
        !json_string_value(json_object_get(resp, "bill_download_url"))) {
        rc = errbuf_set(e, -ERR_IO, "Alipay refused the statement of %s: %s %s", date,
                        code ? code : "", sub ? sub : "");
        goto out;
    }
    if (!(*ret_url = strdup(json_string_value(json_object_get(resp, "bill_download_url")))))
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
out:
    EVP_PKEY_free(key);
    json_decref(all);
    json_decref(resp);
    buf_release(&form);
    buf_release(&reply);
    return rc;
}

int alipay_statement(const struct dues_provider_conf *c, int ymd, struct paybill *b,
                     struct errbuf *e)
{
    struct buf file = BUF_INIT, csv = BUF_INIT, text = BUF_INIT;
    const struct buf *in = &file;
    const char *encoding;
    char *url = NULL, err[256];
    long status = 0;
    int rc = download_url(c, ymd, &url, e);
    if (rc < 0 || !url)
        return rc;
    file.max = csv.max = text.max = FILE_MAX;
    struct httpc_call q = {.url = url, .timeout = 60};
    if (httpc_do(&q, &file, &status, err, sizeof(err)) != HTTPC_ANSWERED || status != 200) {
        rc = errbuf_set(e, -ERR_IO, "cannot download Alipay's statement (%ld): %s", status, err);
        goto out;
    }
    if (file.len >= 4 && memcmp(file.data, "PK\x03\x04", 4) == 0) {
        if ((rc = unzip_details(&file, &csv, e)) < 0)
            goto out;
        in = &csv;
    }
    /* GBK as Alipay writes it, or UTF-8 */
    if ((rc = text_to_utf8(in->data ? in->data : "", in->len, &text, &encoding, e)) == 0)
        rc = paybill_parse_alipay(text.data ? text.data : "", text.len, b, e);
out:
    free(url);
    buf_release(&file);
    buf_release(&csv);
    buf_release(&text);
    return rc;
}
