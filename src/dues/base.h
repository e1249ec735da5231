/* Income bases (党费计算基数): each member's verified monthly income per year, from payroll
 * (CSV import) or set by finance, with who verified it and when. A base applies from its
 * from_month to the end of its year; a pay change adds a row from the month the new pay is
 * first received. */
#ifndef DUES_BASE_H
#define DUES_BASE_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

struct db;
struct csv_table;
struct import_report;
struct auth;

struct dues_base_in {
    long long member_id;
    int year;
    int from_month;          /* 0 = January of year */
    long long monthly_fen;
    const char *verified_by; /* NULL or "" = the actor's name */
};

/* Check and store (insert or replace the row of the same member and from_month). */
int dues_base_set(struct db *db, const struct dues_base_in *in, long long actor,
                  struct errbuf *e);
/* The base in force for member in month: 1 and *ret_fen, or 0 when none is verified. */
int dues_base_for(struct db *db, long long member_id, int month, long long *ret_fen,
                  struct errbuf *e);
/* `dangjian import bases` and POST /api/v1/import/bases: emp_no*, year*,
 * monthly_income_yuan*, verified_by. All or nothing; errors name the row and the column.
 * scope (NULL from the command line): each row's member must belong to the subtree of one
 * of its roles in mask, else that row is an error. */
int dues_import_bases(struct db *db, struct csv_table *t, bool dry_run, long long actor,
                      const struct auth *scope, int mask, struct import_report *rep,
                      struct errbuf *e);
/* Members of the subtree under path with their bases of year; missing_only lists the members
 * whose category is rated on a base and who have none ("base missing"); amounts only with
 * show_amounts. */
int dues_bases_list(struct db *db, const char *path, int year, bool missing_only,
                    bool show_amounts, long long page, long long page_size, json_t **ret,
                    struct errbuf *e);
/* A member's bases, newest first. */
int dues_bases_of_member(struct db *db, long long member_id, json_t **ret, struct errbuf *e);

/* An approved term on a member (a farmer's amount, a hardship reduction or exemption) from
 * from_month (to_month 0 = open). */
struct dues_term_in {
    long long member_id;
    const char *kind; /* fixed, reduced, exempt */
    long long amount_fen;
    int from_month, to_month;
    const char *approved_by, *approved_on, *note;
};
int dues_term_add(struct db *db, const struct dues_term_in *in, long long actor,
                  long long *ret_id, struct errbuf *e);

#endif
