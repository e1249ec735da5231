/* JSON replies as compact text, fast: the same text as jansson's
 * json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(12)) (keys in insertion order, UTF-8 as
 * is, reals to twelve significant digits with ".0" on whole numbers), written without a
 * printf call for integers and for the reals a score has (up to four decimals), which made
 * a quarter of a portrait request's time in json_dumps. */
#ifndef BASE_JSONTEXT_H
#define BASE_JSONTEXT_H

#include <jansson.h>
#include <stddef.h>

/* The text of v (malloc'd, NUL-terminated; length in *ret_len when not NULL), or NULL when
 * out of memory or v nests deeper than 64 levels. */
char *json_text(const json_t *v, size_t *ret_len);

/* The text of one real as json_text writes it (out of at least 32 bytes); its length. */
size_t json_text_real(double d, char *out);

#endif
