/* The plan grid's loading steps kept apart from grid.c (grid_load.c); for grid.c only. Each
 * fills its part of g after the organizations and tasks are in. */
#ifndef PLAN_GRID_LOAD_H
#define PLAN_GRID_LOAD_H

#include "base/err.h"

struct db;
struct plan_grid;

/* Dues tasks' paid and liable bills per organization and month. */
int plan_grid_load_dues(struct db *db, struct plan_grid *g, struct errbuf *e);
/* The figures reported for the year's tasks, sorted (plan_grid_report_cmp). */
int plan_grid_load_reports(struct db *db, struct plan_grid *g, struct errbuf *e);
/* The responsible person of each organization. */
int plan_grid_load_people(struct db *db, struct plan_grid *g, struct errbuf *e);

#endif
