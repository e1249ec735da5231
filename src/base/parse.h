/* Parsing and checking of single fields from imports and API input: dates, money in fen,
 * id-card and phone numbers, and their masked forms for lists. */
#ifndef BASE_PARSE_H
#define BASE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Room for any fen_format() result ("-92233720368547758.08"). */
#define FEN_FORMAT_MAX 24

/* "2024-03-05", "2024/3/5", "2024-3-5", "2024年3月5日" → YYYYMMDD; 0 or -ERR_INVALID. */
int parse_date(const char *s, int *ret_ymd);
/* "1234.5", "1,234.50", "-0.01" → fen (1/100 yuan); 0 or -ERR_INVALID. */
int parse_amount_fen(const char *s, long long *ret_fen);
/* fen → "1234.50", "-0.05" in out (FEN_FORMAT_MAX bytes are always enough). */
void fen_format(long long fen, char *out, size_t n);
/* The ISO 7064 MOD 11-2 check character of an ID card's first 17 digits. */
char idcard_check(const char *s);
/* 18-character resident id-card number: digits, check char, birth date. */
bool idcard_valid(const char *s);
/* Mainland mobile number: 11 digits, 1[3-9]... */
bool phone_valid(const char *s);
/* "500101199003071234" → "5001**********1234"; too short → all '*'. */
void mask_idcard(const char *s, char *out, size_t n);
/* "13812345678" → "138****5678"; too short → all '*'. */
void mask_phone(const char *s, char *out, size_t n);
/* Trim ASCII white space and U+3000 from both ends of s in place; return s. */
char *parse_trim(char *s);

#endif
