#include "dues/rules.h"

#include <stdio.h>
#include <string.h>

#include "base/month.h"
#include "base/parse.h"
#include "db/db.h"
#include "dues/settings.h"
#include "base/banned.h"

static const struct {
    const char *code, *label;
} categories[] = {
    {"in_service", "在职"}, {"retired", "离退休"}, {"farmer", "农民"},
    {"student", "学生"},    {"unemployed", "下岗失业或低保"},
};

static const char *const term_kinds[] = {"none", "fixed", "reduced", "exempt"};

bool dues_category_valid(const char *category)
{
    return *dues_category_label(category) != '\0';
}

const char *dues_category_label(const char *category)
{
    for (size_t i = 0; category && i < sizeof(categories) / sizeof(categories[0]); i++)
        if (strcmp(categories[i].code, category) == 0)
            return categories[i].label;
    return "";
}

const char *dues_term_kind_name(enum dues_term_kind k)
{
    return (unsigned)k < sizeof(term_kinds) / sizeof(term_kinds[0]) ? term_kinds[k] : "none";
}

int dues_term_kind_parse(const char *s, enum dues_term_kind *ret)
{
    for (size_t i = 1; s && i < sizeof(term_kinds) / sizeof(term_kinds[0]); i++)
        if (strcmp(term_kinds[i], s) == 0) {
            *ret = (enum dues_term_kind)i;
            return 0;
        }
    return -ERR_INVALID;
}

/* Integer arithmetic only: the base is at most DUES_MAX_BASE_FEN and the rate at most
 * 10000 bp, so the product fits easily in 64 bits. The product may be negative: a remittance
 * of "all" that nets a refund against large voluntary dues (dues_remit, remit_payable in
 * debit) gives the level above its share of a negative amount. Half up works on the
 * magnitude, so that share mirrors the share of the same positive amount; C's division
 * truncates toward zero, and (p + 5000) / 10000 booked half of -85.24 yuan as -42.61 instead
 * of -42.62 (found by tests/unit/test_ledger_property.c). */
long long dues_round(long long base_fen, long long rate_bp, enum dues_rounding r)
{
    long long p = base_fen * rate_bp;
    if (r == DUES_ROUND_DOWN)
        return p / 10000;
    return p < 0 ? -((-p + 5000) / 10000) : (p + 5000) / 10000;
}

const struct dues_band *dues_fixed_band(const struct dues_rules *r, const char *category)
{
    for (int i = 0; i < r->nbands; i++)
        if (strcmp(r->bands[i].category, category) == 0 && r->bands[i].rate_bp < 0)
            return &r->bands[i];
    return NULL;
}

/* Terms first (an approved exemption or reduction wins, with or without a base), then the
 * category: a fixed amount, or the rate of the band the base falls in applied to all of it
 * (the bands are not progressive). */
int dues_calc(const struct dues_rules *r, const char *category, long long base_fen,
              const struct dues_term *term, struct dues_calc *ret, struct errbuf *e)
{
    struct dues_calc c = {DUES_CALC_BILLED, 0, -1, 0};
    const struct dues_band *fixed = dues_fixed_band(r, category);
    enum dues_term_kind tk = term ? term->kind : DUES_TERM_NONE;
    if (!dues_category_valid(category))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "category", category,
                            "unknown member category '%s'", category);
    if (base_fen > DUES_MAX_BASE_FEN)
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_AMOUNT, "monthly_fen", base_fen,
                                "income base %lld fen is beyond any salary", base_fen);
    if (tk == DUES_TERM_EXEMPT) {
        c.status = DUES_CALC_EXEMPT;
        *ret = c;
        return 0;
    }
    if (tk == DUES_TERM_REDUCED) {
        c.amount_fen = term->amount_fen;
        *ret = c;
        return 0;
    }
    if (fixed) {
        c.band = fixed->band;
        c.amount_fen = fixed->fixed_fen;
        if (tk == DUES_TERM_FIXED && term->amount_fen >= fixed->min_fen &&
            term->amount_fen <= fixed->max_fen)
            c.amount_fen = term->amount_fen;
        *ret = c;
        return 0;
    }
    if (base_fen < 0) {
        c.status = DUES_CALC_NO_BASE;
        c.amount_fen = 0;
        *ret = c;
        return 0;
    }
    for (int i = 0; i < r->nbands; i++) {
        const struct dues_band *b = &r->bands[i];
        if (strcmp(b->category, category) != 0 || base_fen <= b->lower_fen ||
            (b->upper_fen >= 0 && base_fen > b->upper_fen))
            continue;
        c.band = b->band;
        c.rate_bp = b->rate_bp;
        c.amount_fen = dues_round(base_fen, b->rate_bp, r->rounding);
        *ret = c;
        return 0;
    }
    return errbuf_field_int(e, -ERR_INVALID, R_OUT_OF_RANGE, "monthly_fen", base_fen,
                            "no band of rules version %d for category '%s' and base %lld fen",
                            r->version, category, base_fen);
}

int dues_rules_load(struct db *db, int version, struct dues_rules *ret, struct errbuf *e)
{
    struct dues_rules *r = ret;
    struct db_stmt *st;
    int rc;
    memset(r, 0, sizeof(*r));
    if ((rc = db_prepare(db, "SELECT effective_month, name FROM dues_rule_versions WHERE version = $1",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, version);
    if ((rc = db_step(st, e)) == 1) {
        r->version = version;
        r->effective_month = (int)db_col_int(st, 0);
        snprintf(r->name, sizeof(r->name), "%s", db_col_text(st, 1));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "version", version,
                                "no dues rules version %d", version);
    if ((rc = db_prepare(db,
                         "SELECT category, band, lower_fen, upper_fen, rate_bp, fixed_fen, min_fen,"
                         " max_fen, note FROM dues_rules WHERE version = $1 ORDER BY CASE category"
                         " WHEN 'in_service' THEN 1 WHEN 'retired' THEN 2 WHEN 'farmer' THEN 3"
                         " WHEN 'student' THEN 4 ELSE 5 END, band",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, version);
    while ((rc = db_step(st, e)) == 1) {
        struct dues_band *b;
        if (r->nbands >= DUES_MAX_BANDS) {
            rc = errbuf_set(e, -ERR_SCHEMA, "dues rules version %d has more than %d bands", version,
                            DUES_MAX_BANDS);
            break;
        }
        b = &r->bands[r->nbands++];
        snprintf(b->category, sizeof(b->category), "%s", db_col_text(st, 0));
        b->band = (int)db_col_int(st, 1);
        b->lower_fen = db_col_int(st, 2);
        b->upper_fen = db_col_null(st, 3) ? -1 : db_col_int(st, 3);
        b->rate_bp = db_col_null(st, 4) ? -1 : db_col_int(st, 4);
        b->fixed_fen = db_col_null(st, 5) ? 0 : db_col_int(st, 5);
        b->min_fen = db_col_null(st, 6) ? b->fixed_fen : db_col_int(st, 6);
        b->max_fen = db_col_null(st, 7) ? b->fixed_fen : db_col_int(st, 7);
        snprintf(b->note, sizeof(b->note), "%s", db_col_text(st, 8));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    return dues_rounding_get(db, &r->rounding, e);
}

int dues_rounding_get(struct db *db, enum dues_rounding *ret, struct errbuf *e)
{
    char rounding[16];
    int rc;
    if ((rc = dues_setting_get(db, "rounding", rounding, sizeof(rounding), e)) < 0)
        return rc;
    *ret = strcmp(rounding, "down") == 0 ? DUES_ROUND_DOWN : DUES_ROUND_HALF_UP;
    return 0;
}

int dues_rules_version_for(struct db *db, int month, int *ret, struct errbuf *e)
{
    long long version = 0;
    int rc;
    if (!month_valid(month))
        return errbuf_field_int(e, -ERR_INVALID, R_INVALID_MONTH, "month", month,
                                "invalid month %d: expected YYYYMM", month);
    rc = db_query_int(db, e, &version,
                      "SELECT version FROM dues_rule_versions WHERE effective_month <= $1"
                      " ORDER BY effective_month DESC LIMIT 1",
                      "i", (long long)month);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_INVALID, R_OUT_OF_RANGE, "month", month,
                                "no dues rules in force in %d", month);
    *ret = (int)version;
    return 0;
}

int dues_rules_for_month(struct db *db, int month, struct dues_rules *ret, struct errbuf *e)
{
    int version = 0, rc = dues_rules_version_for(db, month, &version, e);
    return rc < 0 ? rc : dues_rules_load(db, version, ret, e);
}

json_t *dues_rules_json(const struct dues_rules *r)
{
    json_t *bands = json_array();
    for (int i = 0; i < r->nbands; i++) {
        const struct dues_band *b = &r->bands[i];
        json_t *o = json_pack("{s:s, s:s, s:i, s:I, s:o, s:s}", "category", b->category,
                              "category_label", dues_category_label(b->category), "band", b->band,
                              "lower_fen", (json_int_t)b->lower_fen, "upper_fen",
                              b->upper_fen < 0 ? json_null() : json_integer(b->upper_fen), "note",
                              b->note);
        if (b->rate_bp >= 0)
            json_object_set_new(o, "rate_bp", json_integer(b->rate_bp));
        else {
            json_object_set_new(o, "fixed_fen", json_integer(b->fixed_fen));
            json_object_set_new(o, "min_fen", json_integer(b->min_fen));
            json_object_set_new(o, "max_fen", json_integer(b->max_fen));
        }
        json_array_append_new(bands, o);
    }
    return json_pack("{s:i, s:i, s:s, s:s, s:o}", "version", r->version, "effective_month",
                     r->effective_month, "name", r->name, "rounding",
                     r->rounding == DUES_ROUND_DOWN ? "down" : "half_up", "bands", bands);
}

int dues_rules_all(struct db *db, json_t **ret, struct errbuf *e)
{
    json_t *list = json_array();
    struct db_stmt *st;
    long long versions[64];
    int n = 0, rc;
    if ((rc = db_prepare(db, "SELECT version FROM dues_rule_versions ORDER BY effective_month DESC",
                         &st, e)) < 0)
        goto fail;
    while ((rc = db_step(st, e)) == 1 && n < 64)
        versions[n++] = db_col_int(st, 0);
    db_done(st);
    if (rc < 0)
        goto fail;
    for (int i = 0; i < n; i++) {
        struct dues_rules r;
        if ((rc = dues_rules_load(db, (int)versions[i], &r, e)) < 0)
            goto fail;
        json_array_append_new(list, dues_rules_json(&r));
    }
    *ret = list;
    return 0;
fail:
    json_decref(list);
    return rc;
}
