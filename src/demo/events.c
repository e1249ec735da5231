/* The demo's business events: what the meeting sign-in, study platform, dues, HR and
 * volunteer systems would have sent over the demo months, drawn from each member's profile
 * and each branch's habits, and stored through ingest_batch like any other source's. */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/month.h"
#include "db/db.h"
#include "demo/model.h"
#include "demo/names.h"
#include "demo/rng.h"
#include "ingest/event.h"
#include "base/banned.h"

#define BATCH 10000
#define KEY_ROOM 64
#define DETAIL_ROOM 512
#define ARENA (BATCH * 160)

enum ind {
    MEETING_ATTEND,
    MEETING_ABSENT,
    THEMEDAY_ATTEND,
    REVIEW_GRADE,
    STUDY_HOURS,
    STUDY_EXAM,
    STUDY_POINTS,
    LECTURE_GIVEN,
    DUES_ON_TIME,
    DUES_LATE,
    SAFETY_VIOLATION,
    DISCIPLINE_SANCTION,
    PERF_RATING,
    TASK_DONE,
    PIONEER_POST,
    INNOVATION_RESULT,
    HONOUR_AWARD,
    HONOUR_COMMENDATION,
    VOLUNTEER_HOURS,
    ORG_CONGRESS,
    ORG_COMMITTEE_MEETING,
    ORG_GROUP_MEETING,
    ORG_LECTURE,
    ORG_THEMEDAY,
    ORG_LIFE_MEETING,
    ORG_REVIEW,
    NIND
};

/* The catalogue of 001_foundation.sql; `fill` is the value used when a small demo drew no
 * event of the kind and one is added so that every indicator shows up. */
static const struct {
    const char *code;
    bool org;
    double fill;
} inds[NIND] = {
    {"meeting.attend", false, 1},
    {"meeting.absent", false, 1},
    {"themeday.attend", false, 1},
    {"review.grade", false, 3},
    {"study.hours", false, 2},
    {"study.exam", false, 80},
    {"study.platform_points", false, 60},
    {"lecture.given", false, 1},
    {"dues.on_time", false, 1},
    {"dues.late", false, 1},
    {"safety.violation", false, 1},
    {"discipline.sanction", false, 1},
    {"perf.rating", false, 3},
    {"task.done", false, 1},
    {"pioneer.post", false, 1},
    {"innovation.result", false, 1},
    {"honour.award", false, 4},
    {"honour.commendation", false, 1},
    {"volunteer.hours", false, 2},
    {"org.congress", true, 1},
    {"org.committee_meeting", true, 1},
    {"org.group_meeting", true, 1},
    {"org.lecture", true, 1},
    {"org.themeday", true, 1},
    {"org.life_meeting", true, 1},
    {"org.review", true, 1},
};

/* What a branch did in a month that its members' events follow (days; 0 = not held). */
struct sched {
    unsigned char themeday, lecture, review;
};

/* Events collect here until a batch is full; keys and details live in the arena. */
struct sink {
    struct db *db;
    const struct demo_opts *o;
    long long source_id, stored;
    struct event_in *ev;
    size_t n, used;
    char *arena;
    struct ingest_result *res;
    long long counts[NIND];
    long long total;
    _Atomic long long *done; /* members and branches written, by every sink of the run */
    bool quiet;              /* a second sink: the first one reports the progress */
};

/* Whose events are being written, for which month: the key is demo-<who>-<yyyymm>-<seq>. */
struct cursor {
    const char *who;
    const char *emp_no, *org_code; /* one of them */
    int month, last_day, seq;
};

static int flush(struct sink *s, struct errbuf *e)
{
    int rc;
    if (!s->n)
        return 0;
    rc = ingest_batch(s->db, s->source_id, s->ev, s->n, 0, s->res, e);
    if (rc == -ERR_INVALID && s->res->nrejects) {
        const struct ingest_reject *r = &s->res->rejects[0];
        rc = errbuf_set(e, -ERR_INTERNAL, "demo event '%s' rejected: %s: %s", s->ev[r->index].key,
                        r->field, r->reason);
    }
    if (rc < 0)
        return rc;
    s->stored += (long long)s->res->accepted;
    s->n = 0;
    s->used = 0;
    return 0;
}

/* Take len bytes of the arena; emit() flushed first if they were not free. */
static char *room(struct sink *s, size_t len)
{
    char *p = s->arena + s->used;
    s->used += len;
    return p;
}

/* One event on day `day` of the cursor's month; days after today are not sent (they have
 * not happened yet). title, when given, goes into the detail as {"title": ...}. */
static int emit(struct sink *s, struct cursor *c, enum ind ind, int day, double value,
                const char *title, struct errbuf *e)
{
    struct event_in *ev;
    char *key;
    int rc;
    if (day < 1 || day > c->last_day)
        return 0;
    if ((s->n >= BATCH || s->used + KEY_ROOM + DETAIL_ROOM > ARENA) && (rc = flush(s, e)) < 0)
        return rc;
    ev = &s->ev[s->n++];
    memset(ev, 0, sizeof(*ev));
    key = room(s, KEY_ROOM);
    snprintf(key, KEY_ROOM, "demo-%s-%06d-%d", c->who, c->month, ++c->seq);
    ev->key = key;
    ev->emp_no = c->emp_no;
    ev->org_code = c->org_code;
    ev->indicator = inds[ind].code;
    ev->day = c->month * 100 + day;
    ev->value = value;
    if (title) {
        json_t *d = json_pack("{s:s}", "title", title);
        char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        if (!text)
            return errbuf_set(e, -ERR_NOMEM, "out of memory");
        if (strlen(text) < DETAIL_ROOM) {
            char *p = room(s, DETAIL_ROOM);
            snprintf(p, DETAIL_ROOM, "%s", text);
            ev->detail = p;
        }
        free(text);
    }
    s->counts[ind]++;
    return 0;
}

static void step(struct sink *s)
{
    long long every = s->total / 200 + 1, done = atomic_fetch_add(s->done, 1) + 1;
    if (!s->quiet && (done % every == 0 || done == s->total))
        demo_report(s->o, "events", done, s->total, s->stored + (long long)s->n);
}

static bool quarter_start(int month)
{
    return month % 100 % 3 == 1;
}

/* The yearly review (民主评议, 组织生活会) is held in January for the year before; a demo
 * whose months hold no January holds it in its first month. */
static bool review_month(const struct demo_model *m, int t)
{
    bool january = false;
    for (int i = 0; i < m->months; i++)
        january |= demo_model_month(m, i) % 100 == 1;
    return january ? demo_model_month(m, t) % 100 == 1 : t == 0;
}

static void period_title(char *out, size_t n, int month, const char *what)
{
    char num[16];
    demo_numeral((month % 100 - 1) / 3 + 1, num, sizeof(num));
    snprintf(out, n, "%d年第%s季度%s", month / 100, num, what);
}

/* A quarterly meeting: in which month index of the quarter that starts at t it falls
 * (possibly a month still to come), or -1 when the branch skips it. */
static int plan_quarterly(struct demo_rng *r, const struct demo_model *m, int t, double p)
{
    int left = 3 - (demo_model_month(m, t) % 100 - 1) % 3;
    int at = t + demo_rng_range(r, 0, left - 1);
    return demo_rng_chance(r, p) ? at : -1;
}

/* The organization events of one branch (and its groups) over the months, and the days of
 * its theme days, lectures and reviews for its members' events. */
static int branch_events(struct sink *s, const struct demo_model *m, int k, struct sched *sch,
                         struct errbuf *e)
{
    const struct demo_org *b = &m->orgs[m->branches[k]];
    struct demo_rng r;
    double p = b->lagging ? 0.35 : 0.96;
    int congress_at = -1, lecture_at = -1, rc = 0;
    char title[160];

    demo_rng_init(&r, s->o->seed, STREAM_ORG_EVENTS, (uint64_t)k);
    for (int t = 0; t < m->months && rc >= 0; t++) {
        int month = demo_model_month(m, t), md = month_days(month), day;
        struct cursor c = {b->code, NULL, b->code, month, demo_model_last_day(m, t), 0};
        struct sched *sc = &sch[(size_t)m->branches[k] * (size_t)m->months + (size_t)t];
        if (t == 0 || quarter_start(month)) {
            congress_at = plan_quarterly(&r, m, t, p);
            lecture_at = plan_quarterly(&r, m, t, p);
        }
        if (demo_rng_chance(&r, p))
            rc = emit(s, &c, ORG_COMMITTEE_MEETING, demo_rng_range(&r, 2, 10), 1, NULL, e);
        if (rc >= 0 && demo_rng_chance(&r, p)) {
            day = demo_rng_range(&r, 5, 25);
            rc = emit(s, &c, ORG_THEMEDAY, day, 1, demo_word(&r, &demo_themeday_titles), e);
            sc->themeday = (unsigned char)(day <= c.last_day ? day : 0);
        }
        for (int g = 0; g < b->ngroups && rc >= 0; g++) {
            const char *gcode = m->orgs[b->first_group + g].code;
            struct cursor gc = {gcode, NULL, gcode, month, c.last_day, 0};
            if (demo_rng_chance(&r, p))
                rc = emit(s, &gc, ORG_GROUP_MEETING, demo_rng_range(&r, 1, md), 1, NULL, e);
        }
        if (rc >= 0 && t == congress_at) {
            period_title(title, sizeof(title), month, "支部党员大会");
            rc = emit(s, &c, ORG_CONGRESS, demo_rng_range(&r, 1, md), 1, title, e);
        }
        if (rc >= 0 && t == lecture_at) {
            day = demo_rng_range(&r, 1, md);
            rc = emit(s, &c, ORG_LECTURE, day, 1, demo_word(&r, &demo_lecture_titles), e);
            sc->lecture = (unsigned char)(day <= c.last_day ? day : 0);
        }
        if (rc >= 0 && review_month(m, t)) {
            double py = b->lagging ? 0.5 : 0.97;
            int year = month % 100 == 1 ? month / 100 - 1 : month / 100;
            if (demo_rng_chance(&r, py)) {
                snprintf(title, sizeof(title), "%d年度组织生活会", year);
                rc = emit(s, &c, ORG_LIFE_MEETING, demo_rng_range(&r, 5, 20), 1, title, e);
            }
            if (rc >= 0 && demo_rng_chance(&r, py)) {
                day = demo_rng_range(&r, 10, 28);
                snprintf(title, sizeof(title), "%d年度民主评议党员", year);
                rc = emit(s, &c, ORG_REVIEW, day, 1, title, e);
                sc->review = (unsigned char)(day <= c.last_day ? day : 0);
            }
        }
    }
    step(s);
    return rc < 0 ? rc : 0;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double pos(double v)
{
    return v > 0 ? v : 0;
}

/* A 1..4 grade from a level: the higher the level, the better the grade. */
static int grade(double level, double a, double b, double c)
{
    return level > a ? 4 : level > b ? 3 : level > c ? 2 : 1;
}

/* Politics: meetings, theme days, the yearly review. */
static int politics(struct sink *s, struct demo_rng *r, struct cursor *c, const double *L,
                    const struct demo_member *mb, const struct demo_org *b, const struct sched *sc,
                    int t, struct errbuf *e)
{
    double pol = L[DIM_POLITICS];
    int md = month_days(c->month), rc = 0;
    int n = 2 + demo_rng_chance(r, 0.55 + 0.35 * pol) + demo_rng_chance(r, 0.15 + 0.3 * pol);
    if (b->lagging && demo_rng_chance(r, 0.7))
        n--;
    for (int j = 0; j < n && rc >= 0; j++)
        rc = emit(s, c, MEETING_ATTEND, demo_rng_range(r, 1, md), 1,
                  demo_rng_chance(r, 0.25) ? demo_word(r, &demo_meeting_titles) : NULL, e);
    if (rc >= 0 && demo_rng_chance(r, (pol < -0.3 ? 0.15 : 0.01) + (b->lagging ? 0.06 : 0)))
        rc = emit(s, c, MEETING_ABSENT, demo_rng_range(r, 1, md), 1, NULL, e);
    if (rc >= 0 && sc->themeday && demo_rng_chance(r, 0.8 + 0.2 * pol))
        rc = emit(s, c, THEMEDAY_ATTEND, sc->themeday, 1, NULL, e);
    if (rc >= 0 && sc->review) {
        int g = grade(pol + 0.3 * demo_rng_normal(r), 0.55, -0.55, -0.95);
        if (mb->sanction_at >= 0 && mb->sanction_at <= t && g > 1)
            g = 1 + (demo_rng_chance(r, 0.5) ? 1 : 0);
        rc = emit(s, c, REVIEW_GRADE, sc->review, g, NULL, e);
    }
    return rc;
}

/* Theory: study hours, platform points, the quarterly exam, lectures given. */
static int theory(struct sink *s, struct demo_rng *r, struct cursor *c, const double *L,
                  bool retired, bool secretary, const struct sched *sc, struct errbuf *e)
{
    double the = L[DIM_THEORY];
    int md = month_days(c->month), rc = 0;
    int n = 1 + demo_rng_chance(r, 0.45 + 0.35 * the) + demo_rng_chance(r, 0.2 + 0.2 * the);
    for (int j = 0; j < n && rc >= 0; j++)
        rc = emit(s, c, STUDY_HOURS, demo_rng_range(r, 1, md),
                  0.5 * demo_rng_range(r, 2, 6 + (int)(8 * (the + 1))), NULL, e);
    if (rc >= 0 && demo_rng_chance(r, retired ? 0.8 : 0.98))
        rc = emit(s, c, STUDY_POINTS, demo_rng_range(r, 1, md),
                  (int)clampd(60 + 70 * the + 25 * demo_rng_normal(r), 5, 400), NULL, e);
    if (rc >= 0 && c->month % 100 % 3 == 2 && demo_rng_chance(r, retired ? 0.5 : 0.92))
        rc = emit(s, c, STUDY_EXAM, demo_rng_range(r, 15, 28),
                  (int)clampd(76 + 14 * the + 7 * demo_rng_normal(r) + 0.5, 30, 100), NULL, e);
    if (rc >= 0 && secretary && sc->lecture)
        rc = emit(s, c, LECTURE_GIVEN, sc->lecture, 1, demo_word(r, &demo_lecture_titles), e);
    else if (rc >= 0 && demo_rng_chance(r, 0.015 + 0.04 * pos(the)))
        rc = emit(s, c, LECTURE_GIVEN, demo_rng_range(r, 1, md), 1,
                  demo_word(r, &demo_lecture_titles), e);
    return rc;
}

/* Discipline: violations and sanctions. Dues paid on time or late are sent by the dues
 * module when it closes each month (demo/dues.c), from the members' real payments. */
static int discipline(struct sink *s, struct demo_rng *r, struct cursor *c, const double *L,
                      const struct demo_member *mb, bool working, int t, struct errbuf *e)
{
    double dis = L[DIM_DISCIPLINE];
    int md = month_days(c->month), rc = 0;
    if (working && demo_rng_chance(r, 0.002 + 0.02 * pos(-dis)))
        rc = emit(s, c, SAFETY_VIOLATION, demo_rng_range(r, 1, md), 1,
                  demo_word(r, &demo_violation_titles), e);
    if (rc >= 0 && t == mb->sanction_at)
        rc = emit(s, c, DISCIPLINE_SANCTION, demo_rng_range(r, 1, c->last_day), 1,
                  demo_word(r, &demo_sanction_titles), e);
    return rc;
}

/* Performance: the quarterly rating, party tasks, pioneer posts, innovation. */
static int performance(struct sink *s, struct demo_rng *r, struct cursor *c, const double *L,
                       bool working, struct errbuf *e)
{
    double per = L[DIM_PERFORMANCE];
    int md = month_days(c->month), rc = 0, n;
    if (working && quarter_start(c->month)) { /* HR publishes last quarter's rating */
        char title[160];
        period_title(title, sizeof(title), month_add(c->month, -1), "绩效考核");
        rc = emit(s, c, PERF_RATING, 10, grade(per + 0.35 * demo_rng_normal(r), 0.5, -0.35, -0.9),
                  title, e);
    }
    n = (int)clampd(1.5 + 1.2 * per + 0.8 * demo_rng_normal(r), 0, 4);
    if (!working)
        n /= 2;
    for (int j = 0; j < n && rc >= 0; j++)
        rc = emit(s, c, TASK_DONE, demo_rng_range(r, 1, md), 1,
                  demo_rng_chance(r, 0.5) ? demo_word(r, &demo_task_titles) : NULL, e);
    if (rc >= 0 && working && demo_rng_chance(r, 0.18 + 0.25 * per))
        rc = emit(s, c, PIONEER_POST, demo_rng_range(r, 1, md), 1,
                  demo_word(r, &demo_pioneer_titles), e);
    if (rc >= 0 && working && demo_rng_chance(r, 0.008 + 0.05 * pos(per)))
        rc = emit(s, c, INNOVATION_RESULT, demo_rng_range(r, 1, md), 1,
                  demo_word(r, &demo_innovation_titles), e);
    return rc;
}

/* Honours: awards by level (rare, national ones very rare), commendations, volunteering. */
static int honours(struct sink *s, struct demo_rng *r, struct cursor *c, const double *L,
                   bool retired, struct errbuf *e)
{
    static const int level_weights[4] = {2, 10, 28, 60}; /* national .. unit */
    double hon = L[DIM_HONOURS];
    int md = month_days(c->month), rc = 0;
    if (demo_rng_chance(r, 0.003 + 0.012 * pos(hon)))
        rc = emit(s, c, HONOUR_AWARD, demo_rng_range(r, 1, md),
                  1 + demo_rng_pick(r, level_weights, 4), demo_word(r, &demo_award_titles), e);
    if (rc >= 0 && demo_rng_chance(r, 0.03 + 0.12 * pos(hon)))
        rc = emit(s, c, HONOUR_COMMENDATION, demo_rng_range(r, 1, md), 1,
                  demo_word(r, &demo_commendation_titles), e);
    if (rc >= 0 && demo_rng_chance(r, 0.22 + 0.3 * hon + (retired ? 0.15 : 0)))
        rc = emit(s, c, VOLUNTEER_HOURS, demo_rng_range(r, 1, md), 0.5 * demo_rng_range(r, 4, 16),
                  demo_rng_chance(r, 0.5) ? demo_word(r, &demo_volunteer_titles) : NULL, e);
    return rc;
}

/* All months of one member's events, in the branch of each month. */
static int member_events(struct sink *s, const struct demo_model *m, const struct sched *sch, int i,
                         struct errbuf *e)
{
    const struct demo_member *mb = &m->members[i];
    bool retired = strcmp(mb->category, "retired") == 0;
    struct demo_rng r;
    int rc = 0;

    demo_rng_init(&r, s->o->seed, STREAM_MEMBER_EVENTS, (uint64_t)i);
    for (int t = 0; t < m->months && rc >= 0; t++) {
        int org = demo_model_org_of(m, mb, t);
        const struct demo_org *b = &m->orgs[org];
        const struct sched *sc = &sch[(size_t)org * (size_t)m->months + (size_t)t];
        double frac = m->months > 1 ? (double)t / (m->months - 1) : 1, L[DEMO_DIMS];
        struct cursor c = {
            mb->emp_no, mb->emp_no, NULL, demo_model_month(m, t), demo_model_last_day(m, t), 0};
        for (int d = 0; d < DEMO_DIMS; d++)
            L[d] = clampd(mb->level[d] + mb->trend[d] * (frac - 0.5), -1.2, 1.2);
        if ((rc = politics(s, &r, &c, L, mb, b, sc, t, e)) < 0 ||
            (rc = theory(s, &r, &c, L, retired, b->secretary == i, sc, e)) < 0 ||
            (rc = discipline(s, &r, &c, L, mb, !retired, t, e)) < 0 ||
            (rc = performance(s, &r, &c, L, !retired, e)) < 0)
            break;
        rc = honours(s, &r, &c, L, retired, e);
    }
    step(s);
    return rc < 0 ? rc : 0;
}

/* A demo of a few members over a few months may draw no event of a rare kind; add one on
 * the first day of the first month so that every indicator has something to show. */
static int fill_missing(struct sink *s, const struct demo_model *m, struct errbuf *e)
{
    const struct demo_org *b = &m->orgs[m->branches[0]];
    int rc = 0;
    for (int k = 0; k < NIND && rc >= 0; k++) {
        const char *who = inds[k].org ? b->code : m->members[0].emp_no;
        struct cursor c = {"fill", NULL, NULL, demo_model_month(m, 0), demo_model_last_day(m, 0),
                           k * 10};
        if (s->counts[k] || ((k == DUES_ON_TIME || k == DUES_LATE) && m->months > 1))
            continue; /* the dues module sends these when it closes a month */
        if (k == ORG_GROUP_MEETING)
            for (int g = 0; g < m->norgs; g++)
                if (m->orgs[g].kind == KIND_GROUP) {
                    who = m->orgs[g].code;
                    break;
                }
        if (inds[k].org)
            c.org_code = who;
        else
            c.emp_no = who;
        rc = emit(s, &c, (enum ind)k, 1, inds[k].fill, NULL, e);
    }
    return rc;
}

static int sink_init(struct sink *s, struct db *db, const struct demo_opts *o, long long source_id,
                     long long total, _Atomic long long *done, struct errbuf *e)
{
    memset(s, 0, sizeof(*s));
    s->db = db;
    s->o = o;
    s->source_id = source_id;
    s->total = total;
    s->done = done;
    s->ev = calloc(BATCH, sizeof(*s->ev));
    s->arena = malloc(ARENA);
    s->res = malloc(sizeof(*s->res));
    if (!s->ev || !s->arena || !s->res)
        return errbuf_set(e, -ERR_NOMEM, "out of memory");
    return 0;
}

static void sink_release(struct sink *s)
{
    free(s->ev);
    free(s->arena);
    free(s->res);
}

/* Members [from, to) written through one sink, its last batch flushed. */
struct share {
    struct sink *s;
    const struct demo_model *m;
    const struct sched *sch;
    int from, to, rc;
    struct errbuf e;
};

static void *write_share(void *arg)
{
    struct share *sh = arg;
    int rc = 0;
    for (int i = sh->from; i < sh->to && rc >= 0; i++)
        rc = member_events(sh->s, sh->m, sh->sch, i, &sh->e);
    if (rc >= 0)
        rc = flush(sh->s, &sh->e);
    sh->rc = rc;
    return NULL;
}

/* The second half of the members through a second connection in its own thread (PostgreSQL,
 * where two sessions store events on two cores at once; SQLite has one writer at a time): its
 * own transaction, committed when both halves are written. Each member's events come from
 * its own random stream, so the data are those of one connection. NULL share when not used. */
static int second_half(struct sink *s2, struct db **db2, struct share *sh, pthread_t *th,
                       struct db *db, const struct demo_model *m, const struct sched *sch,
                       const struct sink *s, struct errbuf *e)
{
    int rc;
    *db2 = NULL;
    if (db_backend(db) != DB_POSTGRES || m->nmembers < DEMO_SPLIT_MEMBERS)
        return 0;
    if ((rc = db_open(db_url(db), db2, e)) < 0)
        return rc;
    db_pipeline(*db2, true);
    if ((rc = sink_init(s2, *db2, s->o, s->source_id, s->total, s->done, e)) < 0 ||
        (rc = db_begin(*db2, e)) < 0)
        goto fail;
    s2->quiet = true;
    *sh = (struct share){s2, m, sch, m->nmembers / 2, m->nmembers, 0, ERRBUF_INIT};
    if (pthread_create(th, NULL, write_share, sh) != 0) {
        rc = errbuf_set(e, -ERR_INTERNAL, "cannot start the demo's second event writer");
        db_rollback(*db2);
        goto fail;
    }
    return 1;
fail:
    sink_release(s2);
    db_close(*db2);
    *db2 = NULL;
    return rc;
}

int demo_events_write(struct db *db, const struct demo_model *m, const struct demo_opts *o,
                      long long source_id, long long *ret_count, struct errbuf *e)
{
    struct sink s, s2;
    struct share sh;
    struct db *db2 = NULL;
    pthread_t th;
    _Atomic long long done = 0;
    struct sched *sch = calloc((size_t)m->norgs * (size_t)m->months, sizeof(*sch));
    int rc = sink_init(&s, db, o, source_id, m->nbranches + m->nmembers, &done, e), two = 0,
        mine = m->nmembers;
    if (rc >= 0 && !sch)
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
    if (rc < 0)
        goto out;
    demo_report(o, "events", 0, s.total, 0);
    for (int k = 0; k < m->nbranches && rc >= 0; k++)
        rc = branch_events(&s, m, k, sch, e);
    /* the branches' schedules are written: the members' events may go two ways now */
    if (rc >= 0 && (rc = two = second_half(&s2, &db2, &sh, &th, db, m, sch, &s, e)) > 0)
        mine = sh.from;
    for (int i = 0; i < mine && rc >= 0; i++)
        rc = member_events(&s, m, sch, i, e);
    if (two > 0) {
        pthread_join(th, NULL);
        if (rc >= 0 && sh.rc < 0) {
            *e = sh.e;
            rc = sh.rc;
        }
        if (rc >= 0)
            rc = db_commit(db2, e);
        else
            db_rollback(db2);
        for (int k = 0; k < NIND; k++)
            s.counts[k] += s2.counts[k];
        s.stored += s2.stored;
        sink_release(&s2);
        db_close(db2);
    }
    if (rc >= 0 && (rc = fill_missing(&s, m, e)) >= 0 && (rc = flush(&s, e)) >= 0) {
        demo_report(o, "events", s.total, s.total, s.stored);
        *ret_count = s.stored;
        rc = 0;
    }
out:
    free(sch);
    sink_release(&s);
    return rc;
}
