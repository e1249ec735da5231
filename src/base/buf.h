/* A growable byte string, always NUL-terminated, with an optional hard maximum so no
 * input can grow it without bound. */
#ifndef BASE_BUF_H
#define BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data; /* NULL until the first append; buf_str() never returns NULL */
    size_t len;
    size_t cap;
    size_t max; /* 0 = unlimited */
};

#define BUF_INIT {NULL, 0, 0, 0}

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/* Append; return 0, -ERR_TOOBIG past max, -ERR_NOMEM. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
const char *buf_str(const struct buf *b);
/* Hand the malloc'd string to the caller (never NULL) and reset b. */
char *buf_detach(struct buf *b);
/* Grow a plain array *arr to hold need elements of elem bytes; 0 or -ERR_NOMEM. */
int buf_grow_array(void **arr, size_t *cap, size_t need, size_t elem);

#endif
