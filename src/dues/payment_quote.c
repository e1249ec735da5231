/* Paying ahead: what a month not billed yet would cost at today's rules, income base and
 * terms (pay_quote). One payment reads them from the database; a batch of payments reads the
 * bases and terms of all its members at once and the rules once (pay_load_quotes), then
 * answers every quote from memory with the same choices as the queries. */
#include "dues/payment_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "dues/rules.h"
#include "base/banned.h"

/* The rules version in force in month, remembered per month for a batch. */
static int version_for(struct db *db, struct pay_quotes *q, int month, int *ret, struct errbuf *e)
{
    int rc;
    for (size_t i = 0; q && i < q->nversions; i++)
        if (q->months[i] == month)
            return *ret = q->versions[i], 0;
    if ((rc = dues_rules_version_for(db, month, ret, e)) < 0)
        return rc;
    if (q && q->nversions < PAY_QUOTE_MONTHS) {
        q->months[q->nversions] = month;
        q->versions[q->nversions++] = *ret;
    }
    return 0;
}

/* The first of member's bases and terms in the batch's (sorted by member): binary searches. */
static size_t first_base(const struct pay_quotes *q, long long member)
{
    size_t lo = 0, hi = q->nbases;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->bases[mid].member < member)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t first_term(const struct pay_quotes *q, long long member)
{
    size_t lo = 0, hi = q->nterms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->terms[mid].member < member)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The base in force in month, else -1: the latest verified one up to month (next year's is
 * not known yet). */
static int base_for(struct db *db, const struct pay_quotes *q, long long member, int month,
                    long long *ret, struct errbuf *e)
{
    int rc;
    *ret = -1;
    if (q) { /* sorted by member, then from_month */
        for (size_t i = first_base(q, member); i < q->nbases && q->bases[i].member == member; i++)
            if (q->bases[i].from <= month)
                *ret = q->bases[i].fen;
        return 0;
    }
    rc = db_query_int(db, e, ret,
                      "SELECT monthly_fen FROM income_bases WHERE member_id = $1"
                      " AND from_month <= $2 ORDER BY from_month DESC LIMIT 1",
                      "ii", member, (long long)month);
    if (rc == 0)
        *ret = -1;
    return rc < 0 ? rc : 0;
}

/* The term in force in month: the latest that began by then and has not ended. */
static int term_for(struct db *db, const struct pay_quotes *q, long long member, int month,
                    struct dues_term *ret, struct errbuf *e)
{
    struct db_stmt *st;
    int rc, from = 0;
    *ret = (struct dues_term){DUES_TERM_NONE, 0, 0};
    if (q) {
        for (size_t i = first_term(q, member); i < q->nterms && q->terms[i].member == member;
             i++) {
            const struct pay_term *t = &q->terms[i];
            if (t->from > month || (t->to && t->to < month))
                continue;
            if (ret->id == 0 || t->from > from || (t->from == from && t->id > ret->id)) {
                *ret = (struct dues_term){t->kind, t->id, t->amount_fen};
                from = t->from;
            }
        }
        return 0;
    }
    if ((rc = db_prepare(db,
                         "SELECT id, kind, amount_fen FROM dues_terms WHERE member_id = $1"
                         " AND from_month <= $2 AND (to_month IS NULL OR to_month >= $2)"
                         " ORDER BY from_month DESC, id DESC LIMIT 1",
                         &st, e)) < 0)
        return rc;
    db_bindv(st, "ii", member, (long long)month);
    if ((rc = db_step(st, e)) == 1) {
        ret->id = db_col_int(st, 0);
        ret->amount_fen = db_col_int(st, 2);
        if (dues_term_kind_parse(db_col_text(st, 1), &ret->kind) < 0)
            ret->kind = DUES_TERM_NONE;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int pay_quote(struct db *db, const struct pay_prefetch *pf, long long member,
              const struct pay_member *m, int month, struct dues_rules *rules, long long *ret,
              struct errbuf *e)
{
    struct pay_quotes *q = pf ? pf->quotes : NULL;
    struct dues_rules *r = q ? &q->rules : rules;
    struct dues_term term;
    struct dues_calc c;
    long long base;
    int version = 0, rc;
    if ((rc = version_for(db, q, month, &version, e)) < 0 ||
        (version != r->version && (rc = dues_rules_load(db, version, r, e)) < 0) ||
        (rc = base_for(db, q, member, month, &base, e)) < 0 ||
        (rc = term_for(db, q, member, month, &term, e)) < 0 ||
        (rc = dues_calc(r, m->category, base, &term, &c, e)) < 0)
        return rc;
    if (c.status == DUES_CALC_NO_BASE)
        return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "months", NULL,
                             "months: cannot pay %d ahead: no verified income base (base missing)",
                             month),
                errbuf_value_int(e, month), errbuf_state(e, "base_missing"));
    if (c.status == DUES_CALC_EXEMPT || c.amount_fen <= 0)
        return (errbuf_field(e, -ERR_CONFLICT, R_WRONG_STATE, "months", NULL,
                             "months: nothing is due for %d (exempt)", month),
                errbuf_value_int(e, month), errbuf_state(e, "exempt"));
    *ret = c.amount_fen;
    return 0;
}

static int base_row(struct db_stmt *st, void *ctx, struct errbuf *e)
{
    struct pay_base *b = pay_rows_next(ctx, e);
    if (!b)
        return -ERR_NOMEM;
    b->member = db_col_int(st, 0);
    b->from = (int)db_col_int(st, 1);
    b->fen = db_col_int(st, 2);
    return 0;
}

static int term_row(struct db_stmt *st, void *ctx, struct errbuf *e)
{
    struct pay_term *t = pay_rows_next(ctx, e);
    if (!t)
        return -ERR_NOMEM;
    t->member = db_col_int(st, 0);
    t->id = db_col_int(st, 1);
    if (dues_term_kind_parse(db_col_text(st, 2), &t->kind) < 0)
        t->kind = DUES_TERM_NONE;
    t->amount_fen = db_col_int(st, 3);
    t->from = (int)db_col_int(st, 4);
    t->to = db_col_null(st, 5) ? 0 : (int)db_col_int(st, 5);
    return 0;
}

static int cmp_base(const void *a, const void *b)
{
    const struct pay_base *x = a, *y = b;
    if (x->member != y->member)
        return x->member < y->member ? -1 : 1;
    return (x->from > y->from) - (x->from < y->from);
}

static int cmp_term(const void *a, const void *b)
{
    const struct pay_term *x = a, *y = b;
    return (x->member > y->member) - (x->member < y->member);
}

int pay_load_quotes(struct db *db, const long long *ids, size_t n, struct pay_quotes *q,
                    struct errbuf *e)
{
    char *bsql = pay_in_sql("SELECT member_id, from_month, monthly_fen FROM income_bases"
                            " WHERE member_id", 1, "");
    char *tsql = pay_in_sql("SELECT member_id, id, kind, amount_fen, from_month, to_month"
                            " FROM dues_terms WHERE member_id", 1, "");
    struct pay_rows bases = {NULL, 0, 0, sizeof(struct pay_base)};
    struct pay_rows terms = {NULL, 0, 0, sizeof(struct pay_term)};
    int rc = pay_each_row(db, bsql, NULL, 0, ids, n, base_row, &bases, e);
    if (rc >= 0)
        rc = pay_each_row(db, tsql, NULL, 0, ids, n, term_row, &terms, e);
    free(bsql);
    free(tsql);
    if (rc < 0) {
        free(bases.v);
        free(terms.v);
        return rc;
    }
    if (bases.n)
        qsort(bases.v, bases.n, sizeof(struct pay_base), cmp_base);
    if (terms.n)
        qsort(terms.v, terms.n, sizeof(struct pay_term), cmp_term);
    q->bases = bases.v;
    q->nbases = bases.n;
    q->terms = terms.v;
    q->nterms = terms.n;
    return 0;
}

void pay_quotes_free(struct pay_quotes *q)
{
    free(q->bases);
    free(q->terms);
    q->bases = NULL;
    q->terms = NULL;
    q->nbases = q->nterms = 0;
}
