/* Word lists for demo data: people's names, organization names, positions, area codes and
 * the titles put into event details. Private to src/demo. */
#ifndef DEMO_NAMES_H
#define DEMO_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "demo/rng.h"

struct demo_words {
    const char *const *w;
    int n;
};

/* A unit committee's stem ("东州供电公司"); city is true for city supply companies. */
struct demo_unit_name {
    const char *name;
    bool city;
    int weight; /* relative size: how many branches it gets */
};

/* A general branch and how its branches are named: prefix + numeral + suffix + 党支部,
 * e.g. "变电运维" "一" "班" → 变电运维一班党支部. */
struct demo_gb_name {
    const char *name, *child_prefix, *child_suffix;
};

/* A provincial company of `demo --tenants N`: its code (organization codes and employee
 * numbers start with it) and the region in its name (国网<region>电力有限公司). */
struct demo_province {
    const char *code, *region;
};

extern const struct demo_province demo_provinces[];
extern const int demo_nprovinces;

extern const struct demo_unit_name demo_units[];
extern const int demo_nunits;
extern const struct demo_words demo_departments; /* branch stems directly under a unit */
extern const struct demo_gb_name demo_gbs[];
extern const int demo_ngbs;

/* Lists for event details and member fields. */
extern const struct demo_words demo_meeting_titles, demo_lecture_titles, demo_themeday_titles,
    demo_task_titles, demo_pioneer_titles, demo_innovation_titles, demo_award_titles,
    demo_commendation_titles, demo_violation_titles, demo_sanction_titles, demo_volunteer_titles,
    demo_area_codes;

/* A weighted position for an in-service member (班长, 专责, 工程师...). */
const char *demo_position(struct demo_rng *r);
/* A common Chinese name (surname by frequency, one or two given-name characters). */
void demo_person_name(struct demo_rng *r, bool male, char *out, size_t n);
/* Chinese numeral for 1..99 ("一", "十二", "二十三"); other values in Arabic digits. */
void demo_numeral(int v, char *out, size_t n);
/* A random entry of a word list. */
const char *demo_word(struct demo_rng *r, const struct demo_words *w);

#endif
