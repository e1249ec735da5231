/* The fuzz targets' shared world (see fuzz.h). */
#include "fuzz.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/month.h"
#include "base/pii.h"
#include "base/secret.h"
#include "db/db.h"
#include "dues/base.h"
#include "dues/bill.h"
#include "dues/payment.h"
#include "dues/settings.h"
#include "ingest/source.h"
#include "org/account.h"
#include "org/member.h"
#include "org/org.h"

static struct fuzz_world world;
static int made;

static void must(int rc, const struct errbuf *e, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "fuzz world: %s: %s\n", what, e->msg);
        abort();
    }
}

static void make_world(struct fuzz_world *w)
{
    struct errbuf e = ERRBUF_INIT;
    struct org_in root = {"R", "公司党委", "committee", 0, 0};
    struct org_in unit = {"U1", "第一单位党委", "committee", 0, 0};
    struct org_in branch = {"B1", "第一党支部", "branch", 0, 0};
    struct org_in group = {"G1", "第一党小组", "group", 0, 0};
    struct dues_gen_stats gs;
    struct dues_pub_stats ps;
    json_t *quote = NULL;
    char path[ORG_PATH_MAX];

    if (secret_init() < 0) {
        fprintf(stderr, "fuzz world: libsodium does not start\n");
        abort();
    }
    w->month = month_of_time(time(NULL));
    must(pii_configure(":memory:", &e), &e, "personal data key");
    must(db_open(":memory:", &w->db, &e), &e, "open");
    must(db_migrate(w->db, &e), &e, "migrate");
    must(db_begin(w->db, &e), &e, "begin");
    must(org_create(w->db, &root, 0, &w->root, &e), &e, "root");
    unit.parent_id = w->root;
    must(org_create(w->db, &unit, 0, &w->unit, &e), &e, "unit");
    branch.parent_id = w->unit;
    must(org_create(w->db, &branch, 0, &w->branch, &e), &e, "branch");
    group.parent_id = w->branch;
    must(org_create(w->db, &group, 0, &w->group, &e), &e, "group");
    for (int i = 0; i < FUZZ_MEMBERS; i++) {
        char emp[16], name[16];
        struct member_in m = {0};
        snprintf(emp, sizeof(emp), "E%06d", 100001 + i);
        snprintf(name, sizeof(name), "党员%d", i + 1);
        m.emp_no = emp;
        m.name = name;
        m.org_id = w->branch;
        m.category = "in_service";
        m.joined_date = "2001-07-01";
        must(member_create(w->db, &m, month_add(w->month, -2), 0, &w->members[i], &e), &e,
             "member");
    }
    {
        struct account_new a = {"fuzz",     "fuzz-password-1", "模糊测试", w->members[0],
                                ROLE_ADMIN, w->root,           NULL,        0};
        must(account_create(w->db, &a, 0, &w->account, &e), &e, "account");
    }
    {
        char hash[SECRET_HEX_LEN];
        long long now = (long long)time(NULL);
        secret_hash_hex(FUZZ_SESSION_TOKEN, hash);
        must(db_run(w->db, &e,
                    "INSERT INTO sessions(token_hash, account_id, csrf, created_at, expires_at)"
                    " VALUES($1, $2, $3, $4, $5)",
                    "titii", hash, w->account, FUZZ_CSRF_TOKEN, now, now + 366 * 86400),
             &e, "session");
    }
    must(source_add_with_key(w->db, "hr", "人资系统", FUZZ_API_KEY, &w->source, &e), &e, "source");
    must(dues_setting_set(w->db, "callback_key", FUZZ_CALLBACK_KEY, &e), &e, "callback key");
    {
        struct dues_base_in b = {w->members[0], month_year(w->month), 0, 812345, "财务"};
        must(dues_base_set(w->db, &b, 0, &e), &e, "base");
    }
    must(db_commit(w->db, &e), &e, "commit");
    must(dues_generate(w->db, w->month, NULL, 0, &gs, &e), &e, "generate");
    json_decref(gs.missing);
    must(org_path(w->db, w->root, path, sizeof(path), &e), &e, "path");
    must(dues_publish(w->db, w->month, w->root, path, 0, &ps, &e), &e, "publish");
    {
        int months[1] = {w->month};
        struct dues_pay_in in = {w->members[0], months, 1, 0, 0, "wechat", NULL, NULL, true, 0, 0};
        must(dues_payment_quote(w->db, &in, &quote, &e), &e, "quote");
        in.amount_fen = w->payment_fen = json_integer_value(json_object_get(quote, "total_fen"));
        json_decref(quote);
        must(db_begin(w->db, &e), &e, "begin");
        must(dues_payment_create(w->db, &in, &w->payment, &e), &e, "payment");
        must(db_commit(w->db, &e), &e, "commit");
    }
}

struct fuzz_world *fuzz_world(void)
{
    if (!made) {
        make_world(&world);
        made = 1;
        /* what seeds need to know to reach past the checks (FUZZ_WORLD=1 prints it) */
        if (getenv("FUZZ_WORLD"))
            fprintf(stderr,
                    "fuzz world: orgs R=%lld U1=%lld B1=%lld G1=%lld, members %lld..%lld,"
                    " account %lld, source %lld, payment %lld of %lld fen for %d\n",
                    world.root, world.unit, world.branch, world.group, world.members[0],
                    world.members[FUZZ_MEMBERS - 1], world.account, world.source, world.payment,
                    world.payment_fen, world.month);
    }
    return &world;
}

static void grant(struct auth *a, enum role role, long long org)
{
    struct errbuf e = ERRBUF_INIT;
    struct role_binding *b = &a->roles[a->nroles++];
    b->role = role;
    b->org_id = org;
    must(org_path(world.db, org, b->org_path, sizeof(b->org_path), &e), &e, "path");
}

void fuzz_req_init(struct req *r, const char *method, const char *path, const uint8_t *data,
                   size_t len, int authed)
{
    struct fuzz_world *w = fuzz_world();
    memset(r, 0, sizeof(*r));
    r->method = method;
    r->path = path;
    r->ip = "192.0.2.1";
    r->status = 200;
    r->db = w->db;
    buf_init(&r->body, 16 * 1024 * 1024);
    if (len && buf_add(&r->body, data, len) < 0)
        abort();
    if (!authed)
        return;
    r->authed = true;
    r->auth.account_id = w->account;
    r->auth.member_id = w->members[0];
    snprintf(r->auth.login, sizeof(r->auth.login), "fuzz");
    grant(&r->auth, ROLE_ADMIN, w->root);
    grant(&r->auth, ROLE_COMMITTEE, w->root);
    grant(&r->auth, ROLE_FINANCE, w->root);
    grant(&r->auth, ROLE_SECRETARY, w->branch);
    grant(&r->auth, ROLE_MEMBER, w->branch);
}

void fuzz_req_release(struct req *r)
{
    buf_release(&r->body);
    json_decref(r->json);
    json_decref(r->reply);
    json_decref(r->err_details);
    json_decref(r->err_extra);
    free(r->raw);
    memset(r, 0, sizeof(*r));
}

/* A failure's message must keep what it is about: one ending in ": " has lost it, the mark of
 * a message written over itself (errbuf_set(e, ..., e->msg): vsnprintf reading the buffer it
 * writes, which no sanitizer checks; regress/body/dues-*-unknown-member). */
void fuzz_check_error(int rc, const struct errbuf *e)
{
    size_t n = strlen(e->msg);
    if (rc < 0 && n >= 2 && strcmp(e->msg + n - 2, ": ") == 0) {
        fprintf(stderr, "error message without its subject: '%s'\n", e->msg);
        abort();
    }
}

/* ---- headers, query parameters and cookies: the targets run without a connection, so
 * libmicrohttpd's lookup (the one call req.c makes into it; the library has already
 * percent-decoded what it returns) is replaced here by tables the target fills. */

struct pair {
    const char *name, *value;
};
static struct pair headers[8], query[8], cookies[8];
static size_t nheaders, nquery, ncookies;

static void pair_set(struct pair *t, size_t *n, const char *name, const char *value)
{
    if (*n < 8) {
        t[*n].name = name;
        t[*n].value = value;
        (*n)++;
    }
}

void fuzz_header_set(const char *name, const char *value)
{
    pair_set(headers, &nheaders, name, value);
}

void fuzz_query_set(const char *name, const char *value)
{
    pair_set(query, &nquery, name, value);
}

void fuzz_cookie_set(const char *name, const char *value)
{
    pair_set(cookies, &ncookies, name, value);
}

void fuzz_headers_clear(void)
{
    nheaders = nquery = ncookies = 0;
}

const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                        const char *key)
{
    (void)connection;
    if (!key)
        return NULL;
    if (kind == MHD_HEADER_KIND) {
        for (size_t i = 0; i < nheaders; i++)
            if (strcasecmp(headers[i].name, key) == 0)
                return headers[i].value;
    } else if (kind == MHD_GET_ARGUMENT_KIND) {
        for (size_t i = 0; i < nquery; i++)
            if (strcmp(query[i].name, key) == 0)
                return query[i].value;
    } else if (kind == MHD_COOKIE_KIND) {
        for (size_t i = 0; i < ncookies; i++)
            if (strcmp(cookies[i].name, key) == 0)
                return cookies[i].value;
    }
    return NULL;
}
