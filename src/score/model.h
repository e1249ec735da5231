/* The pioneer-index model (先锋指数): dimensions, weights and per-indicator rules, as a
 * versioned record in the database; and the arithmetic of one member's month. */
#ifndef SCORE_MODEL_H
#define SCORE_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct db;

enum dim { DIM_POLITICS, DIM_THEORY, DIM_DISCIPLINE, DIM_PERFORMANCE, DIM_HONOURS, DIM_COUNT };

const char *dim_name(int d);  /* "politics" */
const char *dim_label(int d); /* "讲政治" */
int dim_parse(const char *s); /* index, or -1 */

enum rule_mode { RULE_LINEAR, RULE_MAP };

#define RULE_MAP_MAX 8

struct score_rule {
    char indicator[48];
    long long indicator_id;
    char name[64]; /* Chinese name from the catalogue */
    char unit[16];
    int dim;
    enum rule_mode mode;
    double points; /* linear: per unit of value */
    int nmap;
    double map_value[RULE_MAP_MAX], map_points[RULE_MAP_MAX];
    bool has_cap;
    double cap; /* the month's positive total is at most this */
    bool veto;
};

struct score_model {
    long long version;
    double base;
    int veto_months;
    double veto_cap;
    double gap;
    int effective_month;
    bool active;
    char note[256];
    double weight[DIM_COUNT];
    size_t nrules;
    struct score_rule *rules;
};

/* Load a version (0 = the active one). */
int score_model_load(struct db *db, long long version, struct score_model **ret,
                     struct errbuf *e);
/* The version that scores month: among versions ever activated, the one with the latest
 * effective_month not after month (ties: the higher version). */
int score_model_for_month(struct db *db, int month, struct score_model **ret, struct errbuf *e);
void score_model_free(struct score_model *m);
/* Check weights sum to 1, known dimensions and indicators, caps >= 0, maps well formed. */
int score_model_validate(const struct score_model *m, struct errbuf *e);
json_t *score_model_json(const struct score_model *m);
/* Parse a new version from the API's JSON (version number not taken from it). Indicators
 * are resolved against the catalogue. */
int score_model_from_json(struct db *db, const json_t *j, struct score_model **ret,
                          struct errbuf *e);
/* Store m as a new, inactive version; fills m->version. */
int score_model_create(struct db *db, struct score_model *m, long long actor, struct errbuf *e);
/* Make version the active one. */
int score_model_activate(struct db *db, long long version, long long actor, struct errbuf *e);

/* Points of one event of rule r with this value. */
double score_rule_points(const struct score_rule *r, double value);
/* Points an indicator contributes in a month: its events' total, positive part capped. */
double score_rule_counted(const struct score_rule *r, double total);

/* One member's month from the per-rule totals (raw[i] for m->rules[i]). vetoed: a veto
 * holds this month. Fills dims[DIM_COUNT] and returns the index. */
double score_compute(const struct score_model *m, const double *raw, bool vetoed, double *dims);

#endif
