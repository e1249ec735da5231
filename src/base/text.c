#include "base/text.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "base/banned.h"

/* Length (1..4) of the well-formed UTF-8 sequence at s, or 0 if the bytes there are not
 * one (bad lead, bad continuation, overlong, surrogate, above U+10FFFF, or cut short). */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    /* the second byte's range is what excludes overlongs, surrogates and > U+10FFFF */
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (left < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

/* Offset of the first byte that does not start a well-formed sequence, or len. */
static size_t utf8_first_invalid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_seq(p + i, len - i);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

/*
 * Return true if s[0..len) is well-formed UTF-8 in the strict sense of RFC 3629: no
 * overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
 */
bool text_valid_utf8(const char *s, size_t len)
{
    return utf8_first_invalid(s, len) == len;
}

/*
 * Return the number of code points in the NUL-terminated UTF-8 string s (counting bytes
 * that are not continuation bytes, so for ill-formed input it is an estimate).
 */
size_t text_utf8_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

/*
 * Copy s into out (n > 0 bytes), keeping at most chars code points and never cutting one in
 * two, so a value quoted back to the user is still valid UTF-8.
 */
void text_utf8_cut(const char *s, size_t chars, char *out, size_t n)
{
    size_t len = 0, count = 0;
    for (const unsigned char *p = (const unsigned char *)s; p[len]; len++) {
        if ((p[len] & 0xC0) != 0x80 && count++ == chars)
            break;
    }
    /* too small a buffer: step back to the start of a character */
    if (len >= n) {
        len = n - 1;
        while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out, s, len);
    out[len] = '\0';
}

/*
 * Invalid UTF-8 that still holds more well-formed multi-byte sequences than broken ones is
 * a damaged UTF-8 file, not GB18030: GB18030 accepts almost any byte pair, so converting it
 * would "succeed" and store mojibake. Real GBK text forms a valid UTF-8 sequence only by
 * chance (about one character in eight), so its broken sequences always dominate.
 */
static bool utf8_damaged(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, good = 0, bad = 0;
    while (i < len) {
        size_t n = utf8_seq(p + i, len - i);
        if (n == 0) {
            bad++;
            i++;
        } else {
            good += n > 1;
            i += n;
        }
    }
    return good > bad;
}

static size_t line_of(const char *s, size_t off)
{
    size_t line = 1;
    for (const char *p = s; (p = memchr(p, '\n', off - (size_t)(p - s))) != NULL; p++)
        line++;
    return line;
}

static int gb18030_to_utf8(const char *data, size_t len, struct buf *out, struct errbuf *e)
{
    char tmp[8192], *in = (char *)data; /* iconv(3) never writes through its input */
    size_t inleft = len;
    int rc = 0;
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return errbuf_set(e, -ERR_INTERNAL, "cannot convert from 'gb18030': %s", strerror(errno));
    while (inleft > 0) {
        char *o = tmp;
        size_t oleft = sizeof(tmp);
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        int saved = errno;
        if ((rc = buf_add(out, tmp, (size_t)(o - tmp))) < 0) {
            errbuf_set(e, rc, "file too large after conversion to utf-8");
            break;
        }
        if (r == (size_t)-1 && saved != E2BIG) {
            size_t off = (size_t)(in - data);
            rc = errbuf_field(e, -ERR_INVALID, R_INVALID_CSV, NULL, NULL,
                              "invalid byte sequence at offset %zu (line %zu): "
                              "neither utf-8 nor gb18030",
                              off, line_of(data, off));
            errbuf_row(e, (long long)line_of(data, off));
            break;
        }
    }
    iconv_close(cd);
    return rc;
}

/*
 * Convert a whole file's bytes to UTF-8 and append them to out. A UTF-8 byte order mark is
 * dropped; valid UTF-8 is copied; anything else is converted from GB18030 (a superset of
 * GBK/CP936, what Excel on Chinese Windows writes). Return 0 and set *ret_encoding to
 * "utf-8", "utf-8-bom" or "gb18030" (static strings); or return -ERR_INVALID with the byte
 * offset (from 0, in data) and line of the first invalid sequence in e, -ERR_TOOBIG when out
 * would pass its maximum, -ERR_NOMEM. On error out is left as it was.
 */
int text_to_utf8(const char *data, size_t len, struct buf *out, const char **ret_encoding,
                 struct errbuf *e)
{
    const unsigned char *u = (const unsigned char *)data;
    const char *enc = "utf-8";
    size_t start = 0, bad, old_len = out->len;
    int rc;

    if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CSV, NULL, NULL,
                            "utf-16 text is not supported: save the file as 'csv utf-8'");
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        start = 3;
        enc = "utf-8-bom";
    }
    bad = start + utf8_first_invalid(data + start, len - start);
    if (bad == len) {
        if ((rc = buf_add(out, data + start, len - start)) < 0)
            return errbuf_set(e, rc, "file too large");
    } else if (start > 0 || utf8_damaged(data, len)) {
        errbuf_field(e, -ERR_INVALID, R_INVALID_CSV, NULL, NULL,
                     "invalid utf-8 byte sequence at offset %zu (line %zu)", bad,
                     line_of(data, bad));
        return errbuf_row(e, (long long)line_of(data, bad));
    } else {
        enc = "gb18030";
        if ((rc = gb18030_to_utf8(data, len, out, e)) < 0) {
            out->len = old_len;
            if (out->data)
                out->data[old_len] = '\0';
            return rc;
        }
    }
    *ret_encoding = enc;
    return 0;
}
