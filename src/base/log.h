/* Logging to stderr, one line per call, safe from several threads. */
#ifndef BASE_LOG_H
#define BASE_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Silence log_info (tests, quiet CLI runs). */
void log_set_quiet(int quiet);
/* Buffer lines (up to 16 KB) instead of one write each: the server at thousands of requests
 * a second. log_flush() writes them out; the server calls it a few times a second. */
void log_set_buffered(int on);
void log_flush(void);

#endif
