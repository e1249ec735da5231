#include "score/model.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "db/db.h"
#include "db/versions.h"
#include "org/audit.h"
#include "base/banned.h"

static const struct {
    const char *name, *label;
} dims[DIM_COUNT] = {
    {"politics", "讲政治"},    {"theory", "有理论"},  {"discipline", "严纪律"},
    {"performance", "重业绩"}, {"honours", "争荣誉"},
};

const char *dim_name(int d)
{
    return d >= 0 && d < DIM_COUNT ? dims[d].name : "";
}

const char *dim_label(int d)
{
    return d >= 0 && d < DIM_COUNT ? dims[d].label : "";
}

int dim_parse(const char *s)
{
    for (int d = 0; s && d < DIM_COUNT; d++)
        if (strcmp(dims[d].name, s) == 0)
            return d;
    return -1;
}

double score_rule_points(const struct score_rule *r, double value)
{
    if (r->mode == RULE_LINEAR)
        return r->points * value;
    for (int i = 0; i < r->nmap; i++)
        if (r->map_value[i] == value)
            return r->map_points[i];
    return 0;
}

double score_rule_counted(const struct score_rule *r, double total)
{
    return r->has_cap && total > r->cap ? r->cap : total;
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

double score_compute(const struct score_model *m, const double *raw, bool vetoed, double *out)
{
    double sum[DIM_COUNT] = {0}, index = 0;
    int veto_dim = -1;
    for (size_t i = 0; i < m->nrules; i++) {
        sum[m->rules[i].dim] += score_rule_counted(&m->rules[i], raw[i]);
        if (m->rules[i].veto)
            veto_dim = m->rules[i].dim;
    }
    for (int d = 0; d < DIM_COUNT; d++) {
        out[d] = clamp(m->base + sum[d], 0, 100);
        if (vetoed && d == veto_dim)
            out[d] = 0;
        index += m->weight[d] * out[d];
    }
    if (vetoed && index > m->veto_cap)
        index = m->veto_cap;
    return index;
}

void score_model_free(struct score_model *m)
{
    if (!m)
        return;
    free(m->rules);
    free(m);
}

static int parse_map(struct score_rule *r, const char *text, struct errbuf *e)
{
    json_error_t je;
    json_t *o = json_loads(text, 0, &je), *v;
    const char *k;
    r->nmap = 0;
    if (!json_is_object(o)) {
        json_decref(o);
        return errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, "value_points", r->indicator,
                            "rule '%s': value_points must be an object", r->indicator);
    }
    json_object_foreach(o, k, v)
    {
        char *end;
        double key = strtod(k, &end);
        if (*end || !*k || !json_is_number(v) || r->nmap >= RULE_MAP_MAX) {
            json_decref(o);
            return (errbuf_field(
                        e, -ERR_INVALID, R_INVALID_FORMAT, "value_points", r->indicator,
                        "rule '%s': value_points needs up to %d numeric values with numeric points",
                        r->indicator, RULE_MAP_MAX),
                    errbuf_limit(e, RULE_MAP_MAX));
        }
        r->map_value[r->nmap] = key;
        r->map_points[r->nmap++] = json_number_value(v);
    }
    json_decref(o);
    return 0;
}

/* Rules of a version joined with the catalogue. */
static int load_rules(struct db *db, struct score_model *m, struct errbuf *e)
{
    struct db_stmt *st;
    size_t cap = 32;
    int rc;
    if (!(m->rules = calloc(cap, sizeof(*m->rules))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    if ((rc = db_prepare(db,
                         "SELECT r.indicator, i.id, i.name, i.unit, r.dimension, r.mode, r.points,"
                         " r.value_points, r.cap, r.veto FROM score_rules r"
                         " JOIN indicators i ON i.code = r.indicator WHERE r.version = $1"
                         " ORDER BY i.id",
                         &st, e)) < 0)
        return rc;
    db_bind_int(st, 1, m->version);
    while ((rc = db_step(st, e)) == 1) {
        struct score_rule *r;
        if (m->nrules == cap) {
            struct score_rule *p = realloc(m->rules, 2 * cap * sizeof(*p));
            if (!p) {
                rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
                break;
            }
            m->rules = p;
            cap *= 2;
        }
        r = &m->rules[m->nrules++];
        memset(r, 0, sizeof(*r));
        snprintf(r->indicator, sizeof(r->indicator), "%s", db_col_text(st, 0));
        r->indicator_id = db_col_int(st, 1);
        snprintf(r->name, sizeof(r->name), "%s", db_col_text(st, 2));
        snprintf(r->unit, sizeof(r->unit), "%s", db_col_text(st, 3));
        r->dim = dim_parse(db_col_text(st, 4));
        r->mode = strcmp(db_col_text(st, 5), "map") == 0 ? RULE_MAP : RULE_LINEAR;
        r->points = db_col_double(st, 6);
        r->has_cap = !db_col_null(st, 8);
        r->cap = db_col_double(st, 8);
        r->veto = db_col_int(st, 9) != 0;
        if (r->mode == RULE_MAP && (rc = parse_map(r, db_col_text(st, 7), e)) < 0)
            break;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

static int load(struct db *db, const char *sql, long long arg, struct score_model **ret,
                struct errbuf *e)
{
    struct score_model *m = calloc(1, sizeof(*m));
    struct db_stmt *st;
    int rc;
    if (!m)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    if ((rc = db_prepare(db, sql, &st, e)) < 0)
        goto fail;
    db_bind_int(st, 1, arg);
    if ((rc = db_step(st, e)) == 1) {
        m->version = db_col_int(st, 0);
        m->base = db_col_double(st, 1);
        m->veto_months = (int)db_col_int(st, 2);
        m->veto_cap = db_col_double(st, 3);
        m->gap = db_col_double(st, 4);
        m->effective_month = (int)db_col_int(st, 5);
        m->active = db_col_int(st, 6) != 0;
        snprintf(m->note, sizeof(m->note), "%s", db_col_text(st, 7));
    }
    db_done(st);
    if (rc == 0)
        rc = errbuf_field(e, -ERR_NOTFOUND, R_NOT_FOUND, "version", NULL,
                          "no scoring model for %lld", arg);
    if (rc < 0)
        goto fail;
    if ((rc = db_prepare(db, "SELECT dimension, weight FROM score_weights WHERE version = $1", &st,
                         e)) < 0)
        goto fail;
    db_bind_int(st, 1, m->version);
    while ((rc = db_step(st, e)) == 1) {
        int d = dim_parse(db_col_text(st, 0));
        if (d >= 0)
            m->weight[d] = db_col_double(st, 1);
    }
    db_done(st);
    if (rc < 0 || (rc = load_rules(db, m, e)) < 0)
        goto fail;
    *ret = m;
    return 0;
fail:
    score_model_free(m);
    return rc;
}

#define MODEL_COLS "version, base, veto_months, veto_cap, gap, effective_month, active, note"

int score_model_load(struct db *db, long long version, struct score_model **ret,
                     struct errbuf *e)
{
    int rc;
    if (version)
        rc = load(db, "SELECT " MODEL_COLS " FROM score_models WHERE version = $1", version, ret,
                  e);
    else
        rc = load(db, "SELECT " MODEL_COLS " FROM score_models WHERE active = 1 AND version > $1", 0,
                  ret, e);
    if (rc == -ERR_NOTFOUND)
        return version ? errbuf_set(e, rc, "no scoring model version %lld", version)
                       : errbuf_set(e, rc, "no active scoring model");
    return rc;
}

int score_model_for_month(struct db *db, int month, struct score_model **ret, struct errbuf *e)
{
    int rc = load(db,
                  "SELECT " MODEL_COLS " FROM score_models WHERE activated_at IS NOT NULL"
                  " AND effective_month <= $1 ORDER BY effective_month DESC, version DESC LIMIT 1",
                  month, ret, e);
    if (rc == -ERR_NOTFOUND)
        return errbuf_set(e, rc, "no scoring model is in force for %d", month);
    return rc;
}

int score_model_validate(const struct score_model *m, struct errbuf *e)
{
    double sum = 0;
    int seen_veto = 0;
    for (int d = 0; d < DIM_COUNT; d++) {
        if (!isfinite(m->weight[d]) || m->weight[d] < 0)
            return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "weights", dim_name(d),
                                 "weight of '%s' must be >= 0", dim_name(d)),
                    errbuf_min(e, 0));
        sum += m->weight[d];
    }
    if (fabs(sum - 1.0) > 1e-9)
        return errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "weights", NULL,
                            "weights must sum to 1, they sum to %g", sum);
    if (!isfinite(m->base) || m->base < 0 || m->base > 100)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "base", NULL,
                             "base must be from 0 to 100"),
                errbuf_range(e, 0, 100));
    if (m->veto_months < 1 || m->veto_months > 60)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "veto_months", NULL,
                             "veto_months must be from 1 to 60"),
                errbuf_range(e, 1, 60));
    if (!isfinite(m->veto_cap) || m->veto_cap < 0 || m->veto_cap > 100)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "veto_cap", NULL,
                             "veto_cap must be from 0 to 100"),
                errbuf_range(e, 0, 100));
    if (!isfinite(m->gap) || m->gap <= 0 || m->gap > 100)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "gap", NULL,
                             "gap must be above 0 and at most 100"),
                errbuf_max(e, 100));
    if (!month_valid(m->effective_month))
        return errbuf_field(e, -ERR_INVALID, R_INVALID_MONTH, "effective_month", NULL,
                            "effective_month must be YYYYMM");
    if (m->nrules == 0)
        return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "rules", NULL,
                            "a model needs at least one rule");
    for (size_t i = 0; i < m->nrules; i++) {
        const struct score_rule *r = &m->rules[i];
        if (r->dim < 0)
            return errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "dimension", r->indicator,
                                "rule '%s': unknown dimension", r->indicator);
        if (r->has_cap && (!isfinite(r->cap) || r->cap < 0))
            return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "cap", r->indicator,
                                 "rule '%s': cap must be >= 0", r->indicator),
                    errbuf_min(e, 0));
        if (!isfinite(r->points))
            return errbuf_field(e, -ERR_INVALID, R_NOT_NUMBER, "points", r->indicator,
                                "rule '%s': points must be a number", r->indicator);
        if (r->mode == RULE_MAP && r->nmap == 0)
            return errbuf_field(e, -ERR_INVALID, R_REQUIRED, "value_points", r->indicator,
                                "rule '%s': a map rule needs value_points", r->indicator);
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->rules[j].indicator, r->indicator) == 0)
                return errbuf_field(e, -ERR_INVALID, R_DUPLICATE, "indicator", r->indicator,
                                    "rule '%s' appears twice", r->indicator);
        if (r->veto && seen_veto++)
            return errbuf_field(e, -ERR_INVALID, R_DUPLICATE, "veto", r->indicator,
                                "only one rule may be a veto ('%s' is a second)", r->indicator);
    }
    return 0;
}

json_t *score_model_json(const struct score_model *m)
{
    json_t *weights = json_object(), *rules = json_array(), *dl = json_array();
    for (int d = 0; d < DIM_COUNT; d++) {
        json_object_set_new(weights, dim_name(d), json_real(m->weight[d]));
        json_array_append_new(dl, json_pack("{s:s, s:s}", "code", dim_name(d), "name",
                                            dim_label(d)));
    }
    for (size_t i = 0; i < m->nrules; i++) {
        const struct score_rule *r = &m->rules[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "indicator", r->indicator,
                              "name", r->name, "unit", r->unit, "dimension", dim_name(r->dim),
                              "mode", r->mode == RULE_MAP ? "map" : "linear", "veto", r->veto);
        json_object_set_new(o, "points", json_real(r->points));
        json_object_set_new(o, "cap", r->has_cap ? json_real(r->cap) : json_null());
        if (r->mode == RULE_MAP) {
            json_t *map = json_object();
            for (int k = 0; k < r->nmap; k++) {
                char key[32];
                snprintf(key, sizeof(key), "%g", r->map_value[k]);
                json_object_set_new(map, key, json_real(r->map_points[k]));
            }
            json_object_set_new(o, "value_points", map);
        }
        json_array_append_new(rules, o);
    }
    return json_pack("{s:I, s:f, s:i, s:f, s:f, s:i, s:b, s:s, s:o, s:o, s:o}", "version",
                     m->version, "base", m->base, "veto_months", m->veto_months, "veto_cap",
                     m->veto_cap, "gap", m->gap, "effective_month", m->effective_month, "active",
                     m->active, "note", m->note, "dimensions", dl, "weights", weights, "rules",
                     rules);
}

static int num(const json_t *o, const char *k, double def, double *ret, struct errbuf *e)
{
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) {
        *ret = def;
        return 0;
    }
    if (!json_is_number(v))
        return errbuf_field(e, -ERR_INVALID, R_NOT_NUMBER, k, NULL, "'%s' must be a number", k);
    *ret = json_number_value(v);
    return 0;
}

/* A JSON number as an int for the range checks of score_model_validate: outside int's range
 * it becomes 0, which they refuse, because converting such a double to int is undefined
 * behaviour (found by tests/fuzz/body, regress/body/score-model-huge-*). */
static int int_of(double d)
{
    return d >= INT_MIN && d <= INT_MAX ? (int)d : 0;
}

int score_model_from_json(struct db *db, const json_t *j, struct score_model **ret,
                          struct errbuf *e)
{
    struct score_model *m;
    json_t *w, *rules, *r;
    const char *k;
    size_t i;
    double dv;
    int rc;
    if (!json_is_object(j))
        return errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, NULL, NULL, "expected a JSON object");
    if (!(m = calloc(1, sizeof(*m))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    if ((rc = num(j, "base", 60, &m->base, e)) < 0 || (rc = num(j, "veto_cap", 60, &m->veto_cap, e)) < 0 ||
        (rc = num(j, "gap", 10, &m->gap, e)) < 0 || (rc = num(j, "veto_months", 12, &dv, e)) < 0)
        goto fail;
    m->veto_months = int_of(dv);
    if ((rc = num(j, "effective_month", 0, &dv, e)) < 0)
        goto fail;
    m->effective_month = int_of(dv);
    if (json_is_string(json_object_get(j, "note")))
        snprintf(m->note, sizeof(m->note), "%s", json_string_value(json_object_get(j, "note")));
    w = json_object_get(j, "weights");
    if (!json_is_object(w)) {
        rc = errbuf_field(e, -ERR_INVALID, R_NOT_OBJECT, "weights", NULL,
                          "'weights' must be an object of the five dimensions");
        goto fail;
    }
    json_object_foreach(w, k, r)
    {
        int d = dim_parse(k);
        if (d < 0) {
            rc = errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "weights", k,
                              "weights: unknown dimension '%s'", k);
            goto fail;
        }
        if (!json_is_number(r)) {
            rc = errbuf_field(e, -ERR_INVALID, R_NOT_NUMBER, "weights", k,
                              "weights: '%s' must be a number", k);
            goto fail;
        }
        m->weight[d] = json_number_value(r);
    }
    rules = json_object_get(j, "rules");
    if (!json_is_array(rules) || json_array_size(rules) == 0 || json_array_size(rules) > 200) {
        rc = errbuf_field(e, -ERR_INVALID, R_NOT_ARRAY, "rules", NULL,
                          "'rules' must be an array of 1 to 200 rules");
        goto fail;
    }
    if (!(m->rules = calloc(json_array_size(rules), sizeof(*m->rules)))) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto fail;
    }
    json_array_foreach(rules, i, r)
    {
        struct score_rule *x = &m->rules[m->nrules++];
        json_t *code = json_object_get(r, "indicator"), *mode = json_object_get(r, "mode"),
               *dim = json_object_get(r, "dimension"), *cap = json_object_get(r, "cap"),
               *map = json_object_get(r, "value_points");
        struct db_stmt *st;
        if (!json_is_object(r) || !json_is_string(code)) {
            rc = (errbuf_field(e, -ERR_INVALID, R_REQUIRED, "indicator", NULL,
                               "rules[%zu]: 'indicator' is required", i),
                  errbuf_index(e, (long long)i));
            goto fail;
        }
        snprintf(x->indicator, sizeof(x->indicator), "%s", json_string_value(code));
        if ((rc = db_prepare(db, "SELECT id, name, unit, scope, dimension FROM indicators WHERE code = $1",
                             &st, e)) < 0)
            goto fail;
        db_bind_text(st, 1, x->indicator);
        rc = db_step(st, e);
        if (rc == 1) {
            x->indicator_id = db_col_int(st, 0);
            snprintf(x->name, sizeof(x->name), "%s", db_col_text(st, 1));
            snprintf(x->unit, sizeof(x->unit), "%s", db_col_text(st, 2));
            if (strcmp(db_col_text(st, 3), "member") != 0)
                rc = 2;
            x->dim = dim_parse(db_col_text(st, 4));
        }
        db_done(st);
        if (rc < 0)
            goto fail;
        if (rc == 0 || rc == 2) {
            rc = (errbuf_field(e, -ERR_INVALID, R_UNKNOWN_INDICATOR, "indicator", x->indicator,
                               rc ? "rules[%zu]: '%s' is an organization indicator"
                                  : "rules[%zu]: unknown indicator '%s'",
                               i, x->indicator),
                  errbuf_index(e, (long long)i));
            goto fail;
        }
        if (dim) {
            if (!json_is_string(dim) || (x->dim = dim_parse(json_string_value(dim))) < 0) {
                rc = (errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "dimension", NULL,
                                   "rules[%zu]: unknown dimension", i),
                      errbuf_index(e, (long long)i));
                goto fail;
            }
        }
        x->mode = mode && json_is_string(mode) && strcmp(json_string_value(mode), "map") == 0
                      ? RULE_MAP
                      : RULE_LINEAR;
        if (mode && (!json_is_string(mode) || (strcmp(json_string_value(mode), "map") != 0 &&
                                               strcmp(json_string_value(mode), "linear") != 0))) {
            rc = (errbuf_field(e, -ERR_INVALID, R_INVALID_CHOICE, "mode", NULL,
                               "rules[%zu]: mode must be 'linear' or 'map'", i),
                  errbuf_index(e, (long long)i));
            goto fail;
        }
        if ((rc = num(r, "points", 0, &x->points, e)) < 0) {
            errbuf_prefix(e, "rules[%zu]", i);
            goto fail;
        }
        if (cap && !json_is_null(cap)) {
            if (!json_is_number(cap)) {
                rc = (errbuf_field(e, -ERR_INVALID, R_NOT_NUMBER, "cap", NULL,
                                   "rules[%zu]: cap must be a number or null", i),
                      errbuf_index(e, (long long)i));
                goto fail;
            }
            x->has_cap = true;
            x->cap = json_number_value(cap);
        }
        x->veto = json_is_true(json_object_get(r, "veto"));
        if (x->mode == RULE_MAP) {
            char *text = map ? json_dumps(map, JSON_COMPACT) : NULL;
            rc = text ? parse_map(x, text, e)
                      : (errbuf_field(e, -ERR_INVALID, R_REQUIRED, "value_points", NULL,
                                      "rules[%zu]: a map rule needs value_points", i),
                         errbuf_index(e, (long long)i));
            free(text);
            if (rc < 0)
                goto fail;
        }
    }
    if ((rc = score_model_validate(m, e)) < 0)
        goto fail;
    *ret = m;
    return 0;
fail:
    score_model_free(m);
    return rc;
}

int score_model_create(struct db *db, struct score_model *m, long long actor, struct errbuf *e)
{
    long long version = 0;
    int rc;
    if ((rc = score_model_validate(m, e)) < 0)
        return rc;
    if ((rc = db_query_int(db, e, &version, "SELECT COALESCE(MAX(version), 0) + 1 FROM score_models",
                           "")) < 0)
        return rc;
    if ((rc = db_run(db, e,
                     "INSERT INTO score_models(version, base, veto_months, veto_cap, gap,"
                     " effective_month, active, note, created_by, created_at)"
                     " VALUES($1, $2, $3, $4, $5, $6, 0, $7, $8, $9)",
                     "ididditIi", version, m->base, (long long)m->veto_months, m->veto_cap, m->gap,
                     (long long)m->effective_month, m->note, actor, (long long)time(NULL))) < 0)
        return rc;
    for (int d = 0; d < DIM_COUNT; d++)
        if ((rc = db_run(db, e,
                         "INSERT INTO score_weights(version, dimension, weight) VALUES($1, $2, $3)",
                         "itd", version, dim_name(d), m->weight[d])) < 0)
            return rc;
    for (size_t i = 0; i < m->nrules; i++) {
        const struct score_rule *r = &m->rules[i];
        char *map = NULL;
        if (r->mode == RULE_MAP) {
            json_t *o = json_object();
            for (int k = 0; k < r->nmap; k++) {
                char key[32];
                snprintf(key, sizeof(key), "%g", r->map_value[k]);
                json_object_set_new(o, key, json_real(r->map_points[k]));
            }
            map = json_dumps(o, JSON_COMPACT);
            json_decref(o);
        }
        {
            struct db_stmt *st;
            if ((rc = db_prepare(db,
                                 "INSERT INTO score_rules(version, indicator, dimension, mode,"
                                 " points, value_points, cap, veto)"
                                 " VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
                                 &st, e)) < 0) {
                free(map);
                return rc;
            }
            db_bindv(st, "itttdt", version, r->indicator, dim_name(r->dim),
                     r->mode == RULE_MAP ? "map" : "linear", r->points, map);
            if (r->has_cap)
                db_bind_double(st, 7, r->cap);
            else
                db_bind_null(st, 7);
            db_bind_int(st, 8, r->veto);
            rc = db_step(st, e);
            db_done(st);
        }
        free(map);
        if (rc < 0)
            return rc;
    }
    m->version = version;
    {
        json_t *w = json_object(), *d;
        for (int k = 0; k < DIM_COUNT; k++)
            json_object_set_new(w, dim_name(k), json_real(m->weight[k]));
        d = json_pack("{s:i, s:s, s:f, s:o, s:I}", "effective_month", m->effective_month, "note",
                      m->note, "base", m->base, "weights", w, "rules", (json_int_t)m->nrules);
        rc = audit_log(db, actor, 0, "create", "score_model", version, d, e);
        json_decref(d);
        return rc;
    }
}

int score_model_activate(struct db *db, long long version, long long actor, struct errbuf *e)
{
    long long found = 0, was = 0;
    json_t *d;
    int rc = db_query_int(db, e, &found, "SELECT version FROM score_models WHERE version = $1",
                          "i", version);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_field_int(e, -ERR_NOTFOUND, R_NOT_FOUND, "version", version,
                                "no scoring model version %lld", version);
    if ((rc = db_query_int(db, e, &was, "SELECT version FROM score_models WHERE active = 1",
                           "")) < 0)
        return rc;
    if ((rc = db_run(db, e, "UPDATE score_models SET active = 0 WHERE active = 1", "")) < 0 ||
        (rc = db_run(db, e,
                     "UPDATE score_models SET active = 1,"
                     " activated_at = COALESCE(activated_at, $2) WHERE version = $1",
                     "ii", version, (long long)time(NULL))) < 0 ||
        (rc = version_bump(db, TOPIC_SCORES, e)) < 0)
        return rc;
    d = json_pack("{s:{s:o, s:I}}", "active_version", "from",
                  was ? json_integer(was) : json_null(), "to", (json_int_t)version);
    rc = audit_log(db, actor, 0, "activate", "score_model", version, d, e);
    json_decref(d);
    return rc;
}
