/* Text encoding: bring uploaded files to UTF-8 (UTF-8, UTF-8 with BOM, or GB18030 as
 * Excel on Chinese Windows writes it) and check UTF-8. */
#ifndef BASE_TEXT_H
#define BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* Append the whole file data[0..len) to out as UTF-8; *ret_encoding = "utf-8",
 * "utf-8-bom" or "gb18030". Return 0 or -ERR_INVALID (offset and line in e). */
int text_to_utf8(const char *data, size_t len, struct buf *out, const char **ret_encoding,
                 struct errbuf *e);
/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
bool text_valid_utf8(const char *s, size_t len);
/* Number of code points in the NUL-terminated UTF-8 string s. */
size_t text_utf8_chars(const char *s);
/* Copy s into out (n bytes) cut to at most chars code points, never inside one. */
void text_utf8_cut(const char *s, size_t chars, char *out, size_t n);

#endif
