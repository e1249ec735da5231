/* Dues rules (党费标准): the versioned table of bands and rates per member category, the
 * per-member terms (a farmer's amount, a hardship reduction or exemption), and the
 * arithmetic of one month's dues. docs/DUES.md is the source. */
#ifndef DUES_RULES_H
#define DUES_RULES_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;

#define DUES_MAX_BANDS 32
#define DUES_MAX_BASE_FEN 100000000LL /* 1,000,000.00 yuan a month: above is not a salary */

enum dues_rounding { DUES_ROUND_HALF_UP, DUES_ROUND_DOWN };

/* One band: lower_fen < base <= upper_fen (upper_fen < 0: no bound); dues are rate_bp
 * basis points of the whole base, or fixed_fen (rate_bp < 0) within min_fen..max_fen. */
struct dues_band {
    char category[16];
    int band;
    long long lower_fen, upper_fen;
    long long rate_bp, fixed_fen;
    long long min_fen, max_fen;
    char note[128];
};

struct dues_rules {
    int version;
    int effective_month;
    char name[160];
    enum dues_rounding rounding;
    int nbands;
    struct dues_band bands[DUES_MAX_BANDS];
};

enum dues_term_kind { DUES_TERM_NONE, DUES_TERM_FIXED, DUES_TERM_REDUCED, DUES_TERM_EXEMPT };

/* An approved term in force for a member and month. */
struct dues_term {
    enum dues_term_kind kind;
    long long id;
    long long amount_fen;
};

enum dues_calc_status { DUES_CALC_BILLED, DUES_CALC_NO_BASE, DUES_CALC_EXEMPT };

/* What one member owes for one month, and why. */
struct dues_calc {
    enum dues_calc_status status;
    int band;          /* 0 when no band applied (term, no base) */
    long long rate_bp; /* -1 for a fixed amount */
    long long amount_fen;
};

/* The categories of members.category, and their labels (在职 ...). */
bool dues_category_valid(const char *category);
const char *dues_category_label(const char *category);
const char *dues_term_kind_name(enum dues_term_kind k);
int dues_term_kind_parse(const char *s, enum dues_term_kind *ret);

/* Round base × rate_bp / 10000 to the fen. */
long long dues_round(long long base_fen, long long rate_bp, enum dues_rounding r);
/* The dues of one month: base_fen < 0 means no verified base. */
int dues_calc(const struct dues_rules *r, const char *category, long long base_fen,
              const struct dues_term *term, struct dues_calc *ret, struct errbuf *e);
/* The fixed band of category, or NULL when the category is rated on a base. */
const struct dues_band *dues_fixed_band(const struct dues_rules *r, const char *category);

/* The version in force for month (YYYYMM); load it, or a given version. */
int dues_rules_version_for(struct db *db, int month, int *ret, struct errbuf *e);
int dues_rules_for_month(struct db *db, int month, struct dues_rules *ret, struct errbuf *e);
int dues_rules_load(struct db *db, int version, struct dues_rules *ret, struct errbuf *e);
/* How amounts are rounded (the 'rounding' setting; half up unless it says 'down'): what the
 * rules carry, for a caller that needs only that. */
int dues_rounding_get(struct db *db, enum dues_rounding *ret, struct errbuf *e);
/* {version, effective_month, name, rounding, bands: [...]} (new reference). */
json_t *dues_rules_json(const struct dues_rules *r);
/* Every version, newest first, as an array of dues_rules_json objects. */
int dues_rules_all(struct db *db, json_t **ret, struct errbuf *e);

#endif
