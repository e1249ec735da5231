/* `dangjian demo`: write the demo drawn by model.c through the domain APIs, one phase (and
 * one transaction) at a time: organizations, members, accounts, income bases, events. */
#include "demo/demo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/month.h"
#include "base/secret.h"
#include "db/db.h"
#include "demo/model.h"
#include "demo/names.h"
#include "demo/rng.h"
#include "ingest/source.h"
#include "org/account.h"
#include "org/member.h"
#include "org/org.h"
#include "org/tenant.h"
#include "base/banned.h"

/* The companies being written (one, or one per tenant under a national root) and, while a
 * phase writes one of them, that one's model and options in m and o. */
struct gen {
    struct db *db;
    struct demo_model *m;
    const struct demo_opts *o;
    struct demo_summary *sum;
    struct demo_model *models;
    struct demo_opts *opts;
    int n;             /* companies */
    int k;             /* the one being written */
    long long national; /* the national root's id; 0 for a single company */
};

void demo_report(const struct demo_opts *o, const char *phase, long long done, long long total,
                 long long items)
{
    struct demo_progress p = {phase, done, total, items};
    if (o->progress)
        o->progress(&p, o->progress_arg);
}

/* Report every half percent or so, and always the last step. */
static void tick(const struct gen *g, const char *phase, long long done, long long total,
                 long long items)
{
    if (done % (total / 200 + 1) == 0 || done == total)
        demo_report(g->o, phase, done, total, items);
}

int demo_check_opts(const struct demo_opts *o, struct errbuf *e)
{
    if (o->orgs < 3 || o->orgs > 5000)
        return errbuf_set(e, -ERR_INVALID, "--orgs must be 3 to 5000, not %d", o->orgs);
    if (o->members < 1 || o->members > 100000)
        return errbuf_set(e, -ERR_INVALID, "--members must be 1 to 100000, not %d", o->members);
    if (o->months < 1 || o->months > 36)
        return errbuf_set(e, -ERR_INVALID, "--months must be 1 to 36, not %d", o->months);
    if (o->tenants < 1 || o->tenants > demo_nprovinces)
        return errbuf_set(e, -ERR_INVALID, "--tenants must be 1 to %d, not %d", demo_nprovinces,
                          o->tenants);
    if (o->today && (!date_valid(o->today / 10000, o->today / 100 % 100, o->today % 100) ||
                     o->today > date_today() || o->today < 19700101))
        return errbuf_set(e, -ERR_INVALID, "the demo's last day %d must be a past date", o->today);
    return 0;
}

static const char *const kind_names[] = {"committee", "general_branch", "branch", "group"};

/* The group above the provincial companies (集团), in its own tenant (TENANT_FIRST). */
static int write_national(struct gen *g, struct errbuf *e)
{
    struct org_in in = {"SGCC", "国家电网有限公司党组", "committee", 0, 0};
    return org_create(g->db, &in, 0, &g->national, e);
}

static int write_orgs(struct gen *g, struct errbuf *e)
{
    struct demo_model *m = g->m;
    int rc;
    if (g->n > 1 && g->k == 0 && (rc = write_national(g, e)) < 0)
        return rc;
    for (int i = 0; i < m->norgs; i++) {
        struct demo_org *o = &m->orgs[i];
        /* each company's root is a tenant root under the national one */
        struct org_in in = {o->code, o->name, kind_names[o->kind],
                            o->parent >= 0 ? m->orgs[o->parent].id : g->national, 0};
        if ((rc = o->parent < 0 && g->national ? org_create_tenant(g->db, &in, 0, &o->id, e)
                                                : org_create(g->db, &in, 0, &o->id, e)) < 0) {
            errbuf_prefix(e, "organization '%s'", o->code);
            return rc;
        }
        tick(g, "orgs", i + 1, m->norgs, i + 1);
    }
    g->sum->orgs += m->norgs + (g->national && g->k == 0);
    g->sum->branches += m->nbranches;
    g->sum->groups += m->ngroups;
    return 0;
}

/* Members from the first demo month, each branch's secretary, then the moves. */
static int write_members(struct gen *g, struct errbuf *e)
{
    struct demo_model *m = g->m;
    long long total = m->nmembers + m->nbranches + m->nmovers, done = 0;
    int rc;
    /* a roll of members at a time, as an HR system's export arrives */
    enum { ROLL = 500 };
    struct member_in roll[ROLL];
    long long ids[ROLL];
    for (int i = 0; i < m->nmembers; i += ROLL) {
        int n = m->nmembers - i < ROLL ? m->nmembers - i : ROLL;
        for (int k = 0; k < n; k++) {
            const struct demo_member *mb = &m->members[i + k];
            roll[k] = (struct member_in){
                mb->emp_no,   mb->name,     mb->male ? "male" : "female",
                mb->birth,    mb->joined,   mb->probationary ? "probationary" : "full",
                mb->category, mb->position, mb->phone,
                mb->id_card,  NULL,         m->orgs[mb->branch].id};
        }
        if ((rc = member_create_batch(g->db, roll, (size_t)n, m->first_month, 0, ids, e)) < 0)
            return rc;
        for (int k = 0; k < n; k++)
            m->members[i + k].id = ids[k];
        done += n;
        demo_report(g->o, "members", done, total, i + n);
    }
    for (int k = 0; k < m->nbranches; k++) {
        const struct demo_org *b = &m->orgs[m->branches[k]];
        if ((rc = org_update(g->db, b->id, NULL, NULL, m->members[b->secretary].id, 0, e)) < 0)
            return rc;
        tick(g, "members", ++done, total, m->nmembers);
    }
    for (int i = 0; i < m->nmembers; i++) {
        const struct demo_member *mb = &m->members[i];
        struct member_in in = {0};
        if (mb->move_to < 0)
            continue;
        in.org_id = m->orgs[mb->move_to].id;
        if ((rc = member_update(g->db, mb->id, &in, demo_model_month(m, mb->move_at), 0, e)) < 0)
            return rc;
        tick(g, "members", ++done, total, m->nmembers);
    }
    g->sum->members += m->nmembers;
    g->sum->movers += m->nmovers;
    return 0;
}

/* A named demo login: an account with the shared password, and its row in demo_accounts.
 * With several companies each one's logins end in its code ("admin-js"). */
static int named_account(struct gen *g, const char *login, const char *display, int member,
                         enum role role, int org, const char *note, struct errbuf *e)
{
    const struct demo_model *m = g->m;
    char name[64];
    struct account_new a = {
        name, DEMO_PASSWORD,   display, member >= 0 ? m->members[member].id : 0,
        role, m->orgs[org].id, NULL,    0};
    const char *code = g->o->province ? g->o->province->code : NULL;
    long long id;
    size_t len;
    int rc;
    snprintf(name, sizeof(name), "%s%s", login, code ? "-" : "");
    for (len = strlen(name); code && *code && len + 1 < sizeof(name); code++)
        name[len++] = (char)tolower((unsigned char)*code);
    name[len] = '\0';
    if ((rc = account_create(g->db, &a, 0, &id, e)) < 0 ||
        (member >= 0 && role != ROLE_MEMBER &&
         (rc = account_grant(g->db, id, ROLE_MEMBER, m->orgs[org].id, e)) < 0))
        return rc;
    rc = db_run(g->db, e,
                "INSERT INTO demo_accounts(login, role, org_code, note) VALUES($1, $2, $3, $4)",
                "tttt", name, role_name(role), m->orgs[org].code, note);
    g->sum->accounts++;
    return rc < 0 ? rc : 0;
}

/* The national administrator: the roll-ups of every provincial company. */
static int national_account(struct gen *g, struct errbuf *e)
{
    struct account_new a = {"admin", DEMO_PASSWORD, "集团系统管理员", 0, ROLE_ADMIN,
                            g->national, NULL, 0};
    long long id;
    int rc;
    if ((rc = account_create(g->db, &a, 0, &id, e)) < 0 ||
        (rc = db_run(g->db, e,
                     "INSERT INTO demo_accounts(login, role, org_code, note) VALUES($1, $2, $3,"
                     " $4)",
                     "tttt", "admin", role_name(ROLE_ADMIN), "SGCC",
                     "集团系统管理：各省公司汇总（党费收缴率、先锋指数、计划完成率）")) < 0)
        return rc;
    g->sum->accounts++;
    return 0;
}

/* Every member logs in with their employee number; secretaries also hold the secretary role
 * on their branch. The password hash is computed once: argon2id takes ~50 ms a hash. */
static int write_accounts(struct gen *g, struct errbuf *e)
{
    const struct demo_model *m = g->m;
    const struct demo_member *sec = &m->members[m->orgs[m->branch].secretary];
    const struct demo_member *dy = &m->members[m->member];
    const char *unit = m->orgs[m->unit].name;
    char hash[SECRET_PWHASH_LEN], note[512];
    long long source;
    int rc;
    long long *ids = malloc((size_t)(m->nmembers ? m->nmembers : 1) * sizeof(*ids));
    if (!ids || secret_password_hash(DEMO_PASSWORD, hash) < 0) {
        free(ids);
        return errbuf_set(e, -ERR_NOMEM, "cannot hash the demo password: out of memory");
    }
    /* the members' ids reserved at once: their inserts then need not wait for an answer */
    if ((rc = db_reserve_ids(g->db, "accounts", (size_t)m->nmembers, ids, e)) < 0) {
        free(ids);
        return rc;
    }
    for (int i = 0; i < m->nmembers; i++) {
        const struct demo_member *mb = &m->members[i];
        int org = demo_model_org_of(m, mb, m->months - 1);
        struct account_new a = {mb->emp_no,      NULL, mb->name, mb->id, ROLE_MEMBER,
                                m->orgs[org].id, hash,     ids[i]};
        long long id;
        if ((rc = account_create(g->db, &a, 0, &id, e)) < 0 ||
            (m->orgs[org].secretary == i &&
             (rc = account_grant(g->db, id, ROLE_SECRETARY, m->orgs[org].id, e)) < 0)) {
            free(ids);
            return rc;
        }
        g->sum->accounts++;
        tick(g, "accounts", i + 1, m->nmembers + 1, i + 1);
    }
    free(ids);
    if ((g->national && g->k == 0 && (rc = national_account(g, e)) < 0) ||
        (rc = named_account(g, "admin", "系统管理员", -1, ROLE_ADMIN, 0,
                            g->national ? "本省公司系统管理" : "全公司系统管理", e)) < 0)
        return rc;
    snprintf(note, sizeof(note), "党委组织部：%s及其下属组织", unit);
    if ((rc = named_account(g, "dangwei", "党委组织部", -1, ROLE_COMMITTEE, m->unit, note, e)) < 0)
        return rc;
    snprintf(note, sizeof(note), "党费会计：%s及其下属组织", unit);
    if ((rc = named_account(g, "caiwu", "党费会计", -1, ROLE_FINANCE, m->unit, note, e)) < 0)
        return rc;
    snprintf(note, sizeof(note), "%s（工号 %s），%s书记；工号 %s 登录同样可用", sec->name,
             sec->emp_no, m->orgs[m->branch].name, sec->emp_no);
    if ((rc = named_account(g, "shuji", sec->name, m->orgs[m->branch].secretary, ROLE_SECRETARY,
                            m->branch, note, e)) < 0)
        return rc;
    snprintf(note, sizeof(note), "%s（工号 %s），%s党员；工号 %s 登录同样可用", dy->name,
             dy->emp_no, m->orgs[m->branch].name, dy->emp_no);
    if ((rc = named_account(g, "dangyuan", dy->name, m->member, ROLE_MEMBER, m->branch, note, e)) <
        0)
        return rc;
    if (g->k == 0 && (rc = source_add_with_key(g->db, DEMO_SOURCE_CODE, DEMO_SOURCE_NAME,
                                               DEMO_API_KEY, &source, e)) < 0)
        return rc;
    demo_report(g->o, "accounts", m->nmembers + 1, m->nmembers + 1, g->sum->accounts);
    return 0;
}

static int insert_base(struct gen *g, const struct demo_member *mb, int org, int year, int from,
                       long long fen, struct errbuf *e)
{
    /* verified by payroll on 10 January, or on the demo's last day if that is earlier */
    int day = year * 10000 + 110 < g->m->today ? year * 10000 + 110 : g->m->today;
    long long at = time_of_date(day) + 10 * 3600, tenant;
    int rc = tenant_of_org(g->db, g->m->orgs[org].id, &tenant, e);
    if (rc >= 0)
        rc = db_run(g->db, e,
                    "INSERT INTO income_bases(member_id, org_id, year, from_month, monthly_fen,"
                    " verified_by, verified_at, tenant_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
                    "iiiiitii", mb->id, g->m->orgs[org].id, (long long)year, (long long)from, fen,
                    "人资系统", at, tenant);
    if (rc < 0)
        return rc;
    g->sum->bases++;
    return 0;
}

/* Monthly income after tax, verified each year from January: in service 3,000-15,000 yuan,
 * retired 2,000-6,000; a few get a raise during the last year, a few have no base yet. */
static int write_bases(struct gen *g, struct errbuf *e)
{
    const struct demo_model *m = g->m;
    int first_year = m->first_month / 100, last_month = demo_model_month(m, m->months - 1);
    int rc;
    for (int i = 0; i < m->nmembers; i++) {
        const struct demo_member *mb = &m->members[i];
        bool working = strcmp(mb->category, "in_service") == 0;
        struct demo_rng r;
        double u;
        long long fen;
        demo_rng_init(&r, g->o->seed, STREAM_BASES, (uint64_t)i);
        u = demo_rng_unit(&r);
        if (working)
            fen = (long long)((3000 + 12000 * (0.6 * u * u + 0.4 * u)) * 100);
        else if (strcmp(mb->category, "retired") == 0)
            fen = (long long)((2000 + 4000 * u) * 100);
        else if (strcmp(mb->category, "farmer") == 0)
            fen = (long long)((1500 + 2000 * u) * 100);
        else
            fen = (long long)((800 + 700 * u) * 100);
        fen += demo_rng_range(&r, 0, 99);
        for (int y = first_year; !mb->no_base && y <= last_month / 100; y++) {
            int from = y * 100 + 1, at = from > m->first_month ? from : m->first_month;
            int org = demo_model_org_of(m, mb, month_diff(at, m->first_month));
            if (y > first_year)
                fen = fen * (100 + demo_rng_range(&r, 0, 6)) / 100;
            if ((rc = insert_base(g, mb, org, y, from, fen, e)) < 0)
                return rc;
        }
        /* a raise: the new base applies from the month the new pay is first received */
        if (!mb->no_base && working && demo_rng_chance(&r, 0.05)) {
            int lo = last_month / 100 * 100 + 2;
            if (lo <= m->first_month)
                lo = month_add(m->first_month, 1);
            if (lo <= last_month) {
                int raise = month_add(lo, demo_rng_range(&r, 0, month_diff(last_month, lo)));
                fen = fen * (100 + demo_rng_range(&r, 3, 15)) / 100;
                if ((rc = insert_base(g, mb,
                                      demo_model_org_of(m, mb, month_diff(raise, m->first_month)),
                                      raise / 100, raise, fen, e)) < 0)
                    return rc;
            }
        }
        tick(g, "bases", i + 1, m->nmembers, g->sum->bases);
    }
    return 0;
}

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static int write_events(struct gen *g, struct errbuf *e)
{
    long long source = 0, events = 0;
    int rc = source_find(g->db, DEMO_SOURCE_CODE, &source, e);
    if (rc < 0 || (rc = demo_events_write(g->db, g->m, g->o, source, &events, e)) < 0)
        return rc;
    g->sum->events += events;
    return 0;
}

/* Dues last: the month-end events it sends join the business events before any scoring. */
static int write_dues(struct gen *g, struct errbuf *e)
{
    struct timespec start;
    int rc;
    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = demo_dues_write(g->db, g->models, g->opts, g->n, g->sum, e);
    g->sum->dues_seconds = seconds_since(&start);
    return rc;
}

static const struct {
    const char *name;
    int (*run)(struct gen *g, struct errbuf *e);
    bool own_tx; /* the phase runs its own transactions (the dues module's operations), once
                  * for all companies; the others run once per company */
    /* the tables the phase filled, planned for their rows from here on (PostgreSQL), after
     * its transactions: Citus refuses ANALYZE in a transaction that read a reference table's
     * copy on the coordinator */
    const char *analyze;
} phases[] = {
    {"orgs", write_orgs, false, NULL},
    {"members", write_members, false, NULL},
    {"accounts", write_accounts, false, NULL},
    {"bases", write_bases, false, NULL},
    {"events", write_events, false,
     "orgs, members, member_orgs, accounts, account_roles, income_bases, events"},
    {"dues", write_dues, true, NULL},
};

const char *demo_phase_name(int i)
{
    return i >= 0 && i < DEMO_PHASES ? phases[i].name : "";
}

/* Generate the demo into db, which must hold no organizations yet. Each phase is one
 * transaction (dues: many); if a later phase fails the earlier ones stay, and the message
 * says so. */
/* Run phase i: once for every company, or once for all (own_tx). */
static int run_phase(struct gen *g, size_t i, struct errbuf *e)
{
    int rc = 0;
    if (phases[i].own_tx)
        return phases[i].run(g, e);
    for (g->k = 0; g->k < g->n && rc >= 0; g->k++) {
        g->m = &g->models[g->k];
        g->o = &g->opts[g->k];
        if ((rc = db_begin(g->db, e)) >= 0 && (rc = phases[i].run(g, e)) >= 0)
            rc = db_commit(g->db, e);
    }
    return rc < 0 || !phases[i].analyze ? rc : db_analyze(g->db, phases[i].analyze, e);
}

/* The companies drawn: the seed's one, or one per tenant, each with its own seed and codes. */
static int build_models(struct gen *g, const struct demo_opts *o, struct errbuf *e)
{
    int rc = 0;
    g->n = o->tenants;
    g->models = calloc((size_t)g->n, sizeof(*g->models));
    g->opts = calloc((size_t)g->n, sizeof(*g->opts));
    if (!g->models || !g->opts)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    for (int k = 0; k < g->n && rc >= 0; k++) {
        g->opts[k] = *o;
        if (g->n > 1) {
            g->opts[k].province = &demo_provinces[k];
            g->opts[k].seed = o->seed + 7919ULL * (unsigned long long)k;
        }
        if ((rc = demo_model_build(&g->models[k], &g->opts[k], e)) < 0)
            g->n = k; /* the ones built are released */
    }
    return rc < 0 ? rc : demo_models_unique_cards(g->models, g->n, e);
}

static void release_models(struct gen *g)
{
    for (int k = 0; k < g->n; k++)
        demo_model_release(&g->models[k]);
    free(g->models);
    free(g->opts);
}

int demo_generate(struct db *db, const struct demo_opts *o, struct demo_summary *ret,
                  struct errbuf *e)
{
    struct demo_summary sum = {0};
    struct gen g = {db, NULL, o, &sum, NULL, NULL, 0, 0, 0};
    long long n = 0;
    int rc;
    if ((rc = demo_check_opts(o, e)) < 0)
        return rc;
    if ((rc = db_query_int(db, e, &n, "SELECT COUNT(*) FROM orgs", "")) < 0)
        return rc;
    if (n > 0)
        return errbuf_set(e, -ERR_CONFLICT,
                          "the database already has %lld organizations: the demo needs an empty "
                          "database (--print-accounts lists the demo logins)",
                          n);
    if ((rc = build_models(&g, o, e)) < 0) {
        release_models(&g);
        return rc;
    }
    g.m = &g.models[0];
    g.o = &g.opts[0];
    db_tune_bulk(db, true);
    _Static_assert(sizeof(phases) / sizeof(phases[0]) == DEMO_PHASES, "DEMO_PHASES");
    for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        rc = run_phase(&g, i, e);
        sum.phase_seconds[i] = seconds_since(&start);
        db_profile_section(demo_phase_name((int)i));
        if (rc < 0) {
            db_rollback(db);
            if (i > 0)
                errbuf_prefix(e,
                              "demo phase '%s' failed (the earlier phases were written: "
                              "start again with an empty database)",
                              phases[i].name);
            break;
        }
    }
    db_tune_bulk(db, false);
    sum.first_month = g.models[0].first_month;
    sum.last_month = demo_model_month(&g.models[0], g.models[0].months - 1);
    release_models(&g);
    if (rc < 0)
        return rc;
    if (ret)
        *ret = sum;
    return 0;
}

int demo_accounts_list(struct db *db, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *list = json_array();
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT d.login, d.role, d.org_code, COALESCE(o.name, ''), d.note"
                         " FROM demo_accounts d LEFT JOIN orgs o ON o.code = d.org_code"
                         " ORDER BY CASE d.role WHEN 'admin' THEN 1 WHEN 'committee' THEN 2"
                         " WHEN 'finance' THEN 3 WHEN 'secretary' THEN 4 ELSE 5 END, d.login",
                         &st, e)) < 0) {
        json_decref(list);
        return rc;
    }
    while ((rc = db_step(st, e)) == 1) {
        enum role role = ROLE_MEMBER;
        const char *name = db_col_text(st, 1);
        bool known = role_parse(name, &role) == 0;
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "login",
                                              db_col_text(st, 0), "role", name, "role_label",
                                              known ? role_label(role) : "", "org_code",
                                              db_col_text(st, 2), "org_name", db_col_text(st, 3),
                                              "note", db_col_text(st, 4)));
    }
    db_done(st);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *ret = list;
    return 0;
}
