/* Draw the demo in memory: the organization tree, the members and their profiles, and who
 * plays which part (secretaries, movers, members in arrears). Nothing here touches the
 * database, so the same seed and date always draw the same company. */
#include "demo/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "base/parse.h"
#include "demo/names.h"
#include "demo/rng.h"
#include "base/banned.h"

#define MAX_UNITS 64

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int demo_model_month(const struct demo_model *m, int i)
{
    return month_add(m->first_month, i);
}

int demo_model_last_day(const struct demo_model *m, int i)
{
    return i == m->months - 1 ? m->today % 100 : month_days(demo_model_month(m, i));
}

int demo_model_org_of(const struct demo_model *m, const struct demo_member *mb, int i)
{
    (void)m;
    return mb->move_to >= 0 && i >= mb->move_at ? mb->move_to : mb->branch;
}

/* Append an organization; the array was sized for the most the tree can hold. */
static int add_org(struct demo_model *m, enum demo_kind kind, int parent, int unit,
                   const char *code, const char *name)
{
    struct demo_org *o = &m->orgs[m->norgs];
    memset(o, 0, sizeof(*o));
    snprintf(o->code, sizeof(o->code), "%s", code);
    snprintf(o->name, sizeof(o->name), "%s", name);
    o->kind = kind;
    o->parent = parent;
    o->unit = unit;
    o->secretary = -1;
    o->first_group = -1;
    return m->norgs++;
}

/* A branch named stem + 党支部, and now and then two or three party groups inside it. */
static int add_branch(struct demo_model *m, struct demo_rng *r, int parent, int unit,
                      const char *code, const char *stem, bool retired)
{
    int b = add_org(m, KIND_BRANCH, parent, unit, code, "");
    snprintf(m->orgs[b].name, sizeof(m->orgs[b].name), "%s党支部", stem);
    m->orgs[b].retired = retired;
    if (demo_rng_chance(r, 0.2)) {
        int n = demo_rng_range(r, 2, 3);
        m->orgs[b].first_group = m->norgs;
        m->orgs[b].ngroups = n;
        for (int g = 1; g <= n; g++) {
            char name[200], gcode[64], num[16];
            demo_numeral(g, num, sizeof(num));
            snprintf(gcode, sizeof(gcode), "%s-%d", code, g);
            snprintf(name, sizeof(name), "%s第%s党小组", m->orgs[b].name, num);
            add_org(m, KIND_GROUP, b, unit, gcode, name);
        }
    }
    return b;
}

/* Shuffle idx[0..n) (Fisher-Yates). */
static void shuffle(struct demo_rng *r, int *idx, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)demo_rng_below(r, (uint64_t)i + 1), t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

/* The units of one company and their branches. --orgs counts committees, general branches
 * and branches (the party's own count of its organizations); party groups sit inside
 * branches and come on top, about one branch in five having two or three. */
static void build_tree(struct demo_model *m, const struct demo_opts *o, struct demo_rng *r)
{
    int n = o->orgs, nb[MAX_UNITS] = {0}, ng[MAX_UNITS] = {0}, nr[MAX_UNITS] = {0};
    int w[MAX_UNITS], units, gbs, branches, rest, given = 0, placed = 0;
    long wsum = 0;
    const char *prefix = o->province ? o->province->code : "GW";
    char rname[160];
    int root;
    if (o->province)
        snprintf(rname, sizeof(rname), "国网%s电力有限公司党委", o->province->region);
    else
        snprintf(rname, sizeof(rname), "国网某省电力有限公司党委");
    root = add_org(m, KIND_COMMITTEE, -1, -1, prefix, rname);

    units = clampi((n * 35 + 350) / 700, 2, demo_nunits);
    units = clampi(units, 1, (n - 1) / 2);
    gbs = clampi((n * 4 + 50) / 100, 0, (n - 1 - 2 * units) / 2);
    branches = n - 1 - units - gbs;

    for (int u = 0; u < units; u++) {
        w[u] = demo_units[u].weight * 10 + demo_rng_range(r, 0, 9);
        wsum += w[u];
        nb[u] = 1;
    }
    rest = branches - units;
    for (int u = 0; u < units; u++) {
        int add = (int)((long)rest * w[u] / wsum);
        nb[u] += add;
        given += add;
    }
    for (int k = 0; k < rest - given; k++)
        nb[k % units]++;
    for (int u = 0; u < units; u++) /* a retirees' branch in every unit of some size */
        nr[u] = nb[u] < 4 ? 0 : nb[u] < 15 ? 1 : (nb[u] + 5) / 10;
    /* general branches go to the big units, in proportion (the largest quotient of working
     * branches per general branch wins), and only where two branches at least can fill one */
    for (; placed < gbs; placed++) {
        int best = -1;
        for (int u = 0; u < units; u++)
            if (ng[u] < 64 && 2 * (ng[u] + 1) + 1 <= nb[u] - nr[u] &&
                (best < 0 || (long)(nb[u] - nr[u]) * (ng[best] + 1) >
                                 (long)(nb[best] - nr[best]) * (ng[u] + 1)))
                best = u;
        if (best < 0)
            break;
        ng[best]++;
    }
    nb[0] += gbs - placed; /* what found no room becomes plain branches */

    for (int u = 0; u < units; u++) {
        char ucode[32], name[160], code[96], stem[160], num[16];
        int depts[64], gb_order[64], nd = demo_departments.n, k = 0;
        int plain = nb[u] - nr[u], under = 0, per_gb[64] = {0};
        int unit;
        snprintf(ucode, sizeof(ucode), "%s-%02d", prefix, u + 1);
        snprintf(name, sizeof(name), "%s党委", demo_units[u].name);
        unit = add_org(m, KIND_COMMITTEE, root, -1, ucode, name);
        m->orgs[unit].unit = unit;
        if (ng[u]) {
            under = plain * demo_rng_range(r, 35, 60) / 100;
            under = clampi(under, 2 * ng[u], plain - 1);
            for (int g = 0; g < ng[u]; g++)
                per_gb[g] = 2;
            for (int x = 2 * ng[u]; x < under; x++)
                per_gb[demo_rng_below(r, (uint64_t)ng[u])]++;
        }
        for (int i = 0; i < nd; i++)
            depts[i] = i;
        shuffle(r, depts, nd);
        for (int i = 0; i < demo_ngbs; i++)
            gb_order[i] = i;
        shuffle(r, gb_order, demo_ngbs);

        for (int j = 0; j < plain - under; j++) {
            const char *dept = demo_departments.w[depts[j % nd]];
            snprintf(code, sizeof(code), "%s-%02d", ucode, ++k);
            if (j < nd) {
                snprintf(stem, sizeof(stem), "%s", dept);
            } else {
                demo_numeral(j / nd + 1, num, sizeof(num));
                snprintf(stem, sizeof(stem), "%s第%s", dept, num);
            }
            add_branch(m, r, unit, unit, code, stem, false);
        }
        for (int g = 0; g < ng[u]; g++) {
            const struct demo_gb_name *gn = &demo_gbs[gb_order[g % demo_ngbs]];
            char gcode[64];
            int gb;
            snprintf(gcode, sizeof(gcode), "%s-%02d", ucode, ++k);
            if (g < demo_ngbs) {
                snprintf(name, sizeof(name), "%s党总支", gn->name);
            } else {
                demo_numeral(g / demo_ngbs + 1, num, sizeof(num));
                snprintf(name, sizeof(name), "%s第%s党总支", gn->name, num);
            }
            gb = add_org(m, KIND_GENERAL_BRANCH, unit, unit, gcode, name);
            for (int j = 1; j <= per_gb[g]; j++) {
                demo_numeral(j, num, sizeof(num));
                snprintf(code, sizeof(code), "%s-%d", gcode, j);
                snprintf(stem, sizeof(stem), "%s%s%s", gn->child_prefix, num, gn->child_suffix);
                add_branch(m, r, gb, unit, code, stem, false);
            }
        }
        for (int j = 0; j < nr[u]; j++) {
            snprintf(code, sizeof(code), "%s-%02d", ucode, ++k);
            if (nr[u] == 1) {
                snprintf(stem, sizeof(stem), "离退休");
            } else {
                demo_numeral(j + 1, num, sizeof(num));
                snprintf(stem, sizeof(stem), "离退休第%s", num);
            }
            add_branch(m, r, unit, unit, code, stem, true);
        }
    }
}

/* Index the branches, give each its size and lagging flag, and make sure a small demo still
 * has one branch with party groups. */
static void index_branches(struct demo_model *m, const struct demo_opts *o)
{
    for (int i = 0; i < m->norgs; i++) {
        if (m->orgs[i].kind == KIND_BRANCH)
            m->branches[m->nbranches++] = i;
        else if (m->orgs[i].kind == KIND_GROUP)
            m->ngroups++;
    }
    if (m->ngroups == 0 && m->nbranches > 0) {
        struct demo_org *b = &m->orgs[m->branches[0]];
        char code[64], name[200];
        int bi = m->branches[0];
        b->first_group = m->norgs;
        b->ngroups = 2;
        for (int g = 1; g <= 2; g++) {
            snprintf(code, sizeof(code), "%s-%d", b->code, g);
            snprintf(name, sizeof(name), "%s第%s党小组", b->name, g == 1 ? "一" : "二");
            add_org(m, KIND_GROUP, bi, b->unit, code, name);
        }
        m->ngroups = 2;
    }
    for (int k = 0; k < m->nbranches; k++) {
        struct demo_rng r;
        demo_rng_init(&r, o->seed, STREAM_BRANCH, (uint64_t)k);
        m->orgs[m->branches[k]].lagging = demo_rng_chance(&r, 0.1);
    }
}

/* Who one member is: name, dates, papers, and the profile that drives their events. */
static void fill_member(const struct demo_model *m, const struct demo_opts *o, int i,
                        struct demo_member *mb)
{
    struct demo_rng r;
    const struct demo_org *b = &m->orgs[mb->branch];
    long start = date_to_days(m->first_month * 100 + 1), birth_days, joined_days;
    int age, birth, first_year = m->first_month / 100, bm, bd;
    float ability, trend;

    demo_rng_init(&r, o->seed, STREAM_MEMBER, (uint64_t)i);
    if (b->retired) {
        mb->category = "retired";
        mb->position = "退休";
        age = demo_rng_range(&r, 60, 85);
        mb->male = demo_rng_chance(&r, 0.65);
    } else if (demo_rng_chance(&r, 0.004)) {
        mb->category = "farmer";
        mb->position = "农电工";
        age = demo_rng_range(&r, 28, 55);
        mb->male = demo_rng_chance(&r, 0.85);
    } else if (demo_rng_chance(&r, 0.002)) {
        mb->category = "student";
        mb->position = "实习生";
        age = demo_rng_range(&r, 21, 24);
        mb->male = demo_rng_chance(&r, 0.6);
    } else {
        mb->category = "in_service";
        mb->position = demo_position(&r);
        age = demo_rng_range(&r, 23, 59);
        mb->male = demo_rng_chance(&r, 0.72);
    }
    demo_person_name(&r, mb->male, mb->name, sizeof(mb->name));
    bm = demo_rng_range(&r, 1, 12);
    bd = demo_rng_range(&r, 1, month_days((first_year - age) * 100 + bm));
    birth = (first_year - age) * 10000 + bm * 100 + bd;
    birth_days = date_to_days(birth);
    date_format(birth, mb->birth, sizeof(mb->birth));

    /* area, birth date, two sequence digits, a gender digit (odd for men), check */
    snprintf(mb->id_card, sizeof(mb->id_card), "%s%08d%02d%d", demo_word(&r, &demo_area_codes),
             birth, demo_rng_range(&r, 0, 99), demo_rng_range(&r, 0, 4) * 2 + (mb->male ? 1 : 0));
    mb->id_card[17] = idcard_check(mb->id_card);
    mb->id_card[18] = '\0';
    snprintf(mb->phone, sizeof(mb->phone), "1%c%d%08d", "35789"[demo_rng_below(&r, 5)],
             demo_rng_range(&r, 0, 9), demo_rng_range(&r, 0, 99999999));

    mb->probationary = strcmp(mb->category, "in_service") == 0 && demo_rng_chance(&r, 0.03);
    if (mb->probationary) {
        joined_days = start - demo_rng_range(&r, 30, 300);
    } else {
        int join_age = demo_rng_range(&r, 19, age - 1 < 40 ? age - 1 : 40);
        joined_days = birth_days + join_age * 365L + demo_rng_range(&r, 0, 364);
        if (joined_days > start - 370) /* a full member has passed the probation year */
            joined_days = start - 370 - demo_rng_range(&r, 0, 60);
    }
    date_format(date_from_days(joined_days), mb->joined, sizeof(mb->joined));

    /* the profile: general ability, a bent per dimension, and a direction over the months */
    ability = (float)(demo_rng_normal(&r) * 0.35);
    trend = demo_rng_chance(&r, 0.3)   ? (float)(0.4 + 0.6 * demo_rng_unit(&r))
            : demo_rng_chance(&r, 0.3) ? (float)-(0.4 + 0.6 * demo_rng_unit(&r))
                                       : (float)(0.3 * demo_rng_unit(&r) - 0.15);
    for (int d = 0; d < DEMO_DIMS; d++) {
        mb->level[d] = clampf(ability + (float)(demo_rng_normal(&r) * 0.4), -1, 1);
        mb->trend[d] = trend * (demo_rng_chance(&r, 0.6) ? 1.0f : 0.3f);
    }
    mb->no_base = demo_rng_chance(&r, 0.001);
    mb->move_to = -1;
    mb->sanction_at = -1;
}

/* Spread the members over the branches (8 to 25 each, in proportion), then fill them in. */
static int build_members(struct demo_model *m, const struct demo_opts *o, struct errbuf *e)
{
    struct demo_rng r;
    int *w = calloc((size_t)m->nbranches, sizeof(int)),
        *emp = calloc((size_t)o->members, sizeof(int));
    long wsum = 0;
    int rest = o->members - m->nbranches, given = 0, i = 0, gap;
    if (!w || !emp) {
        free(w);
        free(emp);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < m->nbranches; k++) {
        struct demo_rng br;
        demo_rng_init(&br, o->seed, STREAM_BRANCH, (uint64_t)k);
        demo_rng_next(&br);                /* the lagging draw */
        w[k] = demo_rng_range(&br, 9, 26); /* scaled a little to fit 8 to 25 */
        wsum += w[k];
        m->orgs[m->branches[k]].nmembers = 1;
    }
    for (int k = 0; k < m->nbranches; k++) {
        int add = (int)((long long)rest * w[k] / wsum);
        m->orgs[m->branches[k]].nmembers += add;
        given += add;
    }
    for (int k = 0; k < rest - given; k++)
        m->orgs[m->branches[k % m->nbranches]].nmembers++;

    /* employee numbers: E + six digits, spaced and shuffled so they do not follow branches */
    gap = 899999 / o->members < 9 ? 899999 / o->members : 9;
    demo_rng_init(&r, o->seed, STREAM_EMP_NO, 0);
    for (int k = 0; k < o->members; k++)
        emp[k] = 100000 + k * gap + demo_rng_range(&r, 0, gap - 1);
    shuffle(&r, emp, o->members);

    for (int k = 0; k < m->nbranches; k++)
        for (int j = 0; j < m->orgs[m->branches[k]].nmembers; j++, i++) {
            struct demo_member *mb = &m->members[i];
            mb->branch = m->branches[k];
            snprintf(mb->emp_no, sizeof(mb->emp_no), "%s%06d",
                     o->province ? o->province->code : "E", emp[i]);
            fill_member(m, o, i, mb);
        }
    m->nmembers = i;
    free(w);
    free(emp);
    return 0;
}

static bool is_secretary(const struct demo_model *m, int i)
{
    return m->orgs[m->members[i].branch].secretary == i;
}

/* A member who can be singled out (moved, in arrears, sanctioned) without spoiling the parts
 * others play: not a secretary, not the `dangyuan` member, not already singled out. */
static bool ordinary(const struct demo_model *m, int i)
{
    const struct demo_member *mb = &m->members[i];
    return !is_secretary(m, i) && i != m->member && mb->move_to < 0 && mb->arrears_len == 0 &&
           mb->sanction_at < 0;
}

/* Secretaries, the named accounts' unit, branch and member. */
static void cast_roles(struct demo_model *m, struct demo_rng *r)
{
    int first = 0, best = -1;
    for (int k = 0; k < m->nbranches; k++) {
        struct demo_org *b = &m->orgs[m->branches[k]];
        int n = b->nmembers, pick = -1;
        /* a full member of the branch's own kind (in service, or retired for retirees) */
        for (int tries = 0; tries < 4 * n && pick < 0; tries++) {
            int i = first + (int)demo_rng_below(r, (uint64_t)n);
            const struct demo_member *mb = &m->members[i];
            if (!mb->probationary && (b->retired || strcmp(mb->category, "in_service") == 0))
                pick = i;
        }
        b->secretary = pick >= 0 ? pick : first;
        first += n;
    }
    /* the named accounts work in the first unit, in its largest working branch */
    m->unit = m->orgs[m->branches[0]].unit;
    for (int k = 0; k < m->nbranches; k++) {
        const struct demo_org *b = &m->orgs[m->branches[k]];
        if (b->unit == m->unit && !b->retired && (best < 0 || b->nmembers > m->orgs[best].nmembers))
            best = m->branches[k];
    }
    m->branch = best >= 0 ? best : m->branches[0];
    m->member = m->orgs[m->branch].secretary;
    for (int i = 0; i < m->nmembers; i++)
        if (m->members[i].branch == m->branch && !is_secretary(m, i)) {
            m->member = i;
            if (!m->members[i].probationary && demo_rng_chance(r, 0.3))
                break;
        }
    m->members[m->member].no_base = false;
}

/* About 1 % move to another working branch (of the same unit when it has one) in some month
 * after the first, so that monthly figures must follow the history. */
static void cast_movers(struct demo_model *m, struct demo_rng *r)
{
    int want = m->months < 2 || m->nbranches < 2 ? 0 : (m->nmembers + 50) / 100;
    for (int tries = 0; tries < want * 50 && m->nmovers < want; tries++) {
        int i = (int)demo_rng_below(r, (uint64_t)m->nmembers), to = -1, seen = 0;
        struct demo_member *mb = &m->members[i];
        struct demo_org *from = &m->orgs[mb->branch];
        if (!ordinary(m, i) || from->retired || from->nmembers < 3 ||
            strcmp(mb->category, "in_service") != 0)
            continue;
        for (int pass = 0; pass < 2 && to < 0; pass++)
            for (int k = 0; k < m->nbranches; k++) {
                const struct demo_org *b = &m->orgs[m->branches[k]];
                if (m->branches[k] == mb->branch || b->retired ||
                    (pass == 0 && b->unit != from->unit))
                    continue;
                if (demo_rng_below(r, (uint64_t)++seen) == 0) /* reservoir: uniform pick */
                    to = m->branches[k];
            }
        if (to < 0)
            return;
        mb->move_to = to;
        mb->move_at = demo_rng_range(r, 1, m->months - 1);
        from->nmembers--;
        m->orgs[to].nmembers++;
        m->nmovers++;
    }
}

/* About 2 % owe dues for the last 3 to 7 completed months; about 0.3 % (at least one) have
 * a sanction on record. */
static void cast_trouble(struct demo_model *m, struct demo_rng *r)
{
    int arrears = m->months < 4 ? 0 : (m->nmembers * 2 + 50) / 100;
    int sanctions = (m->nmembers * 3 + 500) / 1000 > 0 ? (m->nmembers * 3 + 500) / 1000 : 1;
    for (int tries = 0, n = 0; tries < arrears * 50 && n < arrears; tries++) {
        int i = (int)demo_rng_below(r, (uint64_t)m->nmembers);
        int len = demo_rng_range(r, 3, 7);
        if (!ordinary(m, i))
            continue;
        if (len > m->months - 1)
            len = m->months - 1;
        m->members[i].arrears_len = len;
        m->members[i].arrears_from = m->months - 1 - len;
        n++;
    }
    for (int tries = 0, n = 0; tries < sanctions * 50 && n < sanctions; tries++) {
        int i = (int)demo_rng_below(r, (uint64_t)m->nmembers);
        if (!ordinary(m, i) || m->nmembers < 3)
            continue;
        m->members[i].sanction_at = demo_rng_range(r, 0, m->months > 1 ? m->months - 2 : 0);
        m->members[i].level[DIM_DISCIPLINE] = -1;
        n++;
    }
}

/* Draw the whole demo for the options; the caller releases it. */
int demo_model_build(struct demo_model *m, const struct demo_opts *o, struct errbuf *e)
{
    struct demo_rng r;
    int rc;
    memset(m, 0, sizeof(*m));
    m->today = o->today ? o->today : date_today();
    m->months = o->months;
    m->first_month = month_add(m->today / 100, -(o->months - 1));
    /* at most three party groups for each branch, plus two added to a small demo */
    m->orgs = calloc((size_t)o->orgs * 4 + 4, sizeof(*m->orgs));
    m->branches = calloc((size_t)o->orgs + 1, sizeof(int));
    m->members = calloc((size_t)o->members, sizeof(*m->members));
    if (!m->orgs || !m->branches || !m->members) {
        demo_model_release(m);
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    }
    demo_rng_init(&r, o->seed, STREAM_TREE, 0);
    build_tree(m, o, &r);
    index_branches(m, o);
    if (o->members < m->nbranches) {
        rc = errbuf_set(e, -ERR_INVALID,
                        "--members %d is fewer than the %d branches --orgs %d makes: each branch "
                        "needs a member",
                        o->members, m->nbranches, o->orgs);
        demo_model_release(m);
        return rc;
    }
    if ((rc = build_members(m, o, e)) < 0) {
        demo_model_release(m);
        return rc;
    }
    demo_rng_init(&r, o->seed, STREAM_ROLES, 0);
    cast_roles(m, &r);
    cast_movers(m, &r);
    cast_trouble(m, &r);
    return 0;
}

void demo_model_release(struct demo_model *m)
{
    free(m->orgs);
    free(m->branches);
    free(m->members);
    memset(m, 0, sizeof(*m));
}

struct card_ref {
    struct demo_member *mb;
    size_t order; /* company, then member: the later of two equal numbers changes */
};

static int by_card(const void *a, const void *b)
{
    const struct card_ref *x = a, *y = b;
    int c = strcmp(x->mb->id_card, y->mb->id_card);
    return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

/* ID card numbers are drawn at random in each company, so two companies may draw the same
 * one, which member_create refuses. The later of two equal numbers takes the next sequence
 * digits (and its check digit again) until all differ; a single company is left as drawn. */
int demo_models_unique_cards(struct demo_model *m, int n, struct errbuf *e)
{
    size_t total = 0, k;
    struct card_ref *v;
    bool again = n > 1;
    for (int c = 0; c < n; c++)
        total += (size_t)m[c].nmembers;
    if (!again || !total)
        return 0;
    if (!(v = malloc(total * sizeof(*v))))
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    while (again) {
        k = 0;
        for (int c = 0; c < n; c++)
            for (int i = 0; i < m[c].nmembers; i++, k++)
                v[k] = (struct card_ref){&m[c].members[i], k};
        qsort(v, total, sizeof(*v), by_card);
        again = false;
        for (k = 1; k < total; k++) {
            char *card = v[k].mb->id_card;
            int seq;
            if (strcmp(v[k - 1].mb->id_card, card) != 0)
                continue;
            seq = ((card[14] - '0') * 10 + (card[15] - '0') + 1) % 100;
            card[14] = (char)('0' + seq / 10);
            card[15] = (char)('0' + seq % 10);
            card[17] = idcard_check(card);
            again = true;
        }
    }
    free(v);
    return 0;
}
