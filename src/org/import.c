#include "org/import.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/csvread.h"
#include "base/month.h"
#include "base/parse.h"
#include "db/db.h"
#include "ingest/event.h"
#include "org/audit.h"
#include "org/member.h"
#include "org/org.h"
#include "org/scope.h"
#include "base/banned.h"

/* Keep one row error while there is room (counted always): re's reason with the row and
 * column, and the message "row ROW, column COLUMN: TEXT". */
static void keep(struct import_report *rep, size_t row, const char *column,
                 const struct errbuf *re, const char *text)
{
    struct errbuf *x;
    if (rep->nerrors++ >= IMPORT_MAX_ERRORS)
        return;
    x = &rep->errors[rep->nerrors - 1];
    *x = *re;
    x->code = -ERR_INVALID;
    snprintf(x->msg, sizeof(x->msg), "row %zu, column %s: %s", row, column, text);
    errbuf_column(x, column);
    errbuf_row(x, (long long)row);
}

void import_add_error(struct import_report *rep, size_t row, const char *column, enum reason why,
                      const char *value, const char *fmt, ...)
{
    struct errbuf re = ERRBUF_INIT;
    char text[sizeof(re.msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    errbuf_field(&re, -ERR_INVALID, why, NULL, value, "%s", text);
    keep(rep, row, column, &re, text);
}

void import_add_reason(struct import_report *rep, size_t row, const char *column,
                       const struct errbuf *re, const char *fmt, ...)
{
    char text[sizeof(re->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    keep(rep, row, column ? column : re->field, re, text);
}

int import_refuse(const struct import_report *rep, struct errbuf *e)
{
    return errbuf_set(e, -ERR_INVALID, "%zu error%s in %zu rows: nothing imported", rep->nerrors,
                      rep->nerrors == 1 ? "" : "s", rep->rows);
}

/* Whether org_id lies in the scope (always, without one): every import's per-row check. */
int import_in_scope(struct db *db, const struct auth *scope, int mask, long long org_id,
                    bool *ret, struct errbuf *e)
{
    char path[ORG_PATH_MAX];
    int rc;
    *ret = true;
    if (!scope)
        return 0;
    if ((rc = org_path(db, org_id, path, sizeof(path), e)) < 0)
        return rc;
    *ret = auth_covers(scope, mask, path);
    return 0;
}

int import_audit(struct db *db, const char *entity, long long actor, const struct auth *scope,
                 int mask, const struct import_report *rep, struct errbuf *e)
{
    json_t *d = json_pack("{s:I, s:I, s:I}", "rows", (json_int_t)rep->rows, "created",
                          (json_int_t)rep->created, "updated", (json_int_t)rep->updated);
    int rc = audit_log(db, actor, scope ? auth_home_org(scope, mask) : 0, "import", entity, 0, d,
                       e);
    json_decref(d);
    return rc;
}

/* The text after "field: " of a member check's message: the report names the column itself. */
static const char *after_field(const char *msg)
{
    const char *colon = strstr(msg, ": ");
    return colon ? colon + 2 : msg;
}

/* Whether rc (with re) is an error of the row's data, which the report lists; else re is the
 * import's error, copied to e. */
static bool user_error(int rc, const struct errbuf *re, struct errbuf *e)
{
    if (rc == -ERR_INVALID || rc == -ERR_CONFLICT || rc == -ERR_NOTFOUND ||
        rc == -ERR_FORBIDDEN)
        return true;
    if (e)
        *e = *re;
    return false;
}

/* A row's reference (parent, secretary) that does not resolve: listed as a bad row, *rc back
 * to 0, unless it is the database's error (copied to e). Returns whether to go on. */
static bool bad_reference(struct import_report *rep, size_t line, const char *column, int *rc,
                          const struct errbuf *re, struct errbuf *e)
{
    if (!user_error(*rc, re, e))
        return false;
    import_add_reason(rep, line, column, re, "%s", re->msg);
    *rc = 0;
    return true;
}

/* The CSV column an organization's error names: its field in the file's words. */
static const char *org_column(const struct errbuf *re)
{
    static const struct {
        const char *field, *column;
    } cols[] = {{"org_code", "code"}, {"parent_id", "parent_code"},
                {"secretary_id", "secretary_emp_no"}, {"code", "code"}, {"name", "name"},
                {"kind", "kind"}};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (strcmp(re->field, cols[i].field) == 0)
            return cols[i].column;
    return "code";
}

/* Apply step: run fn in one transaction (rolled back on dry runs and on any error). */
static int begin(struct db *db, struct errbuf *e)
{
    return db_begin(db, e);
}

static int end(struct db *db, bool dry_run, int rc, struct errbuf *e)
{
    if (rc < 0 || dry_run) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, e);
}

/* ---- organizations ---- */

enum { O_CODE, O_NAME, O_PARENT, O_KIND, O_SECRETARY };
static const struct csv_column org_cols[] = {
    {"code", "组织编码", true},
    {"name", "组织名称", true},
    {"parent_code", "上级组织编码", false},
    {"kind", "组织类型", true},
    {"secretary_emp_no", "书记工号", false},
};

int import_orgs(struct db *db, struct csv_table *t, bool dry_run, long long actor,
                const struct auth *scope, int mask, struct import_report *rep,
                struct errbuf *e)
{
    size_t n = csv_table_rows(t), done = 0, *order = NULL;
    json_t *codes = json_object(); /* codes in this file → row */
    bool *placed = NULL;
    long mark;
    int rc;
    memset(rep, 0, sizeof(*rep));
    rep->rows = n;
    if ((rc = csv_table_map(t, org_cols, sizeof(org_cols) / sizeof(org_cols[0]), e)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        size_t line = csv_table_line(t, i);
        const char *code = csv_table_get(t, i, O_CODE), *kind = csv_table_get(t, i, O_KIND);
        if (!*code)
            import_add_error(rep, line, "code", R_REQUIRED, "", "required");
        else if (json_object_get(codes, code))
            import_add_error(rep, line, "code", R_DUPLICATE, code, "'%s' appears twice in the file",
                             code);
        else
            json_object_set_new(codes, code, json_integer((json_int_t)i));
        if (!*csv_table_get(t, i, O_NAME))
            import_add_error(rep, line, "name", R_REQUIRED, "", "required");
        if (!org_kind_parse(kind))
            import_add_error(rep, line, "kind", R_INVALID_CHOICE, kind,
                             "invalid kind '%s' (党委, 党总支, 党支部, 党小组)", kind);
    }
    if (rep->nerrors) {
        rc = import_refuse(rep, e);
        goto out;
    }
    /* parents before children: place a row once its parent exists (in the database or
     * placed earlier); whatever cannot be placed names a missing parent or a cycle */
    order = calloc(n ? n : 1, sizeof(*order));
    placed = calloc(n ? n : 1, sizeof(*placed));
    if (!order || !placed) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (bool progress = true; progress && done < n;) {
        progress = false;
        for (size_t i = 0; i < n; i++) {
            const char *parent = csv_table_get(t, i, O_PARENT);
            json_t *prow = *parent ? json_object_get(codes, parent) : NULL;
            if (placed[i] || (prow && !placed[json_integer_value(prow)]))
                continue;
            placed[i] = true;
            order[done++] = i;
            progress = true;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!placed[i])
            import_add_error(rep, csv_table_line(t, i), "parent_code", R_TREE_CYCLE,
                             csv_table_get(t, i, O_PARENT), "'%s' forms a cycle",
                             csv_table_get(t, i, O_PARENT));
    if (rep->nerrors) {
        rc = import_refuse(rep, e);
        goto out;
    }
    if ((rc = begin(db, e)) < 0)
        goto out;
    mark = audit_batch_begin();
    for (size_t k = 0; k < n && rc >= 0; k++) {
        size_t i = order[k], line = csv_table_line(t, i);
        struct org_in o = {csv_table_get(t, i, O_CODE), csv_table_get(t, i, O_NAME),
                           csv_table_get(t, i, O_KIND), 0, 0};
        const char *parent = csv_table_get(t, i, O_PARENT), *sec = csv_table_get(t, i, O_SECRETARY);
        long long id = 0, existing = 0, cur_parent = 0;
        struct errbuf re = ERRBUF_INIT;
        bool ok = true;
        if (*parent && (rc = org_find_code(db, parent, &o.parent_id, &re)) < 0) {
            if (!bad_reference(rep, line, "parent_code", &rc, &re, e))
                break;
            continue;
        }
        if (scope && !*parent) {
            import_add_error(rep, line, "parent_code", R_REQUIRED, "", "required");
            continue;
        }
        if (scope && (rc = import_in_scope(db, scope, mask, o.parent_id, &ok, e)) < 0)
            break;
        if (!ok) {
            import_add_error(rep, line, "parent_code", R_OUTSIDE_SCOPE, parent,
                             "'%s' is outside your scope", parent);
            continue;
        }
        if (*sec && (rc = member_find_emp(db, sec, &o.secretary_id, &re)) < 0) {
            if (!bad_reference(rep, line, "secretary_emp_no", &rc, &re, e))
                break;
            continue;
        }
        rc = db_query_int(db, e, &existing, "SELECT id FROM orgs WHERE code = $1", "t", o.code);
        /* an existing organization must lie in the scope too (keeping rc: 1 = it exists) */
        if (rc == 1 && scope) {
            int in = import_in_scope(db, scope, mask, existing, &ok, e);
            if (in < 0) {
                rc = in;
                break;
            }
            if (!ok) {
                import_add_error(rep, line, "code", R_OUTSIDE_SCOPE, o.code,
                                 "organization '%s' is outside your scope", o.code);
                rc = 0;
                continue;
            }
        }
        if (rc == 1) {
            rc = db_query_int(db, &re, &cur_parent, "SELECT parent_id FROM orgs WHERE id = $1",
                              "i", existing);
            if (rc >= 0 && o.parent_id && o.parent_id != cur_parent)
                rc = org_move(db, existing, o.parent_id, actor, &re);
            if (rc >= 0)
                rc = org_update(db, existing, o.name, o.kind, *sec ? o.secretary_id : -1, actor,
                                &re);
            rep->updated++;
        } else if (rc == 0) {
            rc = org_create(db, &o, actor, &id, &re);
            rep->created++;
        }
        /* a row the domain refuses is one more bad row; anything else ends the import */
        if (rc < 0 && user_error(rc, &re, e)) {
            import_add_reason(rep, line, org_column(&re), &re, "%s", re.msg);
            rc = 0;
        } else if (rc < 0) {
            errbuf_prefix(e, "row %zu", line);
        }
    }
    audit_batch_end(mark);
    if (rc >= 0 && rep->nerrors)
        rc = import_refuse(rep, e);
    if (rc >= 0)
        rc = import_audit(db, "org", actor, scope, mask, rep, e);
    rc = end(db, dry_run, rc, e);
out:
    free(order);
    free(placed);
    json_decref(codes);
    return rc < 0 ? rc : 0;
}

/* ---- members ---- */

enum { M_EMP, M_NAME, M_GENDER, M_BIRTH, M_JOINED, M_STATUS, M_CATEGORY, M_ORG, M_IDCARD,
       M_PHONE, M_POSITION };
static const struct csv_column member_cols[] = {
    {"emp_no", "工号", true},         {"name", "姓名", true},
    {"gender", "性别", false},        {"birth_date", "出生日期", false},
    {"joined_date", "入党日期", false}, {"status", "党员类型", false},
    {"category", "人员类别", false},  {"org_code", "所在组织编码", true},
    {"id_card", "身份证号", false},   {"phone", "手机号", false},
    {"position", "职务", false},
};

/* A flexible date cell (2024-03-05, 2024/3/5, 2024年3月5日) into ISO text in out. */
static int date_cell(const char *s, char *out, size_t n)
{
    int ymd;
    if (!*s) {
        out[0] = '\0';
        return 0;
    }
    if (parse_date(s, &ymd) < 0)
        return -1;
    date_format(ymd, out, n);
    return 0;
}

int import_members(struct db *db, struct csv_table *t, bool dry_run, int from_month,
                   long long actor, const struct auth *scope, int mask,
                   struct import_report *rep, struct errbuf *e)
{
    size_t n = csv_table_rows(t);
    json_t *seen = json_object();
    long mark;
    int rc, month = from_month ? from_month : month_of_time(time(NULL));
    memset(rep, 0, sizeof(*rep));
    rep->rows = n;
    if ((rc = csv_table_map(t, member_cols, sizeof(member_cols) / sizeof(member_cols[0]), e)) < 0)
        goto out;
    if ((rc = begin(db, e)) < 0)
        goto out;
    mark = audit_batch_begin();
    /* every row is checked, even after an error, so the user sees them all at once */
    for (size_t i = 0; i < n; i++) {
        size_t line = csv_table_line(t, i);
        char birth[16], joined[16];
        struct member_in m = {0}, ok;
        long long existing = 0, cur_org = 0;
        bool covered = true;
        const char *org = csv_table_get(t, i, M_ORG);
        struct errbuf re = ERRBUF_INIT;
        int r;
        m.emp_no = csv_table_get(t, i, M_EMP);
        m.name = csv_table_get(t, i, M_NAME);
#define OPT(col) (*csv_table_get(t, i, col) ? csv_table_get(t, i, col) : NULL)
        m.gender = OPT(M_GENDER);
        m.party_status = OPT(M_STATUS);
        m.category = OPT(M_CATEGORY);
        m.id_card = OPT(M_IDCARD);
        m.phone = OPT(M_PHONE);
        m.position = OPT(M_POSITION);
#undef OPT
        if (date_cell(csv_table_get(t, i, M_BIRTH), birth, sizeof(birth)) < 0) {
            import_add_error(rep, line, "birth_date", R_INVALID_DATE, csv_table_get(t, i, M_BIRTH),
                             "invalid date '%s'", csv_table_get(t, i, M_BIRTH));
            continue;
        }
        if (date_cell(csv_table_get(t, i, M_JOINED), joined, sizeof(joined)) < 0) {
            import_add_error(rep, line, "joined_date", R_INVALID_DATE,
                             csv_table_get(t, i, M_JOINED), "invalid date '%s'",
                             csv_table_get(t, i, M_JOINED));
            continue;
        }
        m.birth_date = *birth ? birth : NULL;
        m.joined_date = *joined ? joined : NULL;
        if (*m.emp_no && json_object_get(seen, m.emp_no)) {
            import_add_error(rep, line, "emp_no", R_DUPLICATE, m.emp_no,
                             "'%s' appears twice in the file", m.emp_no);
            continue;
        }
        json_object_set_new(seen, m.emp_no, json_true());
        if (!*org) {
            import_add_error(rep, line, "org_code", R_REQUIRED, "", "required");
            continue;
        }
        if (org_find_code(db, org, &m.org_id, &re) < 0) {
            import_add_reason(rep, line, "org_code", &re, "%s", re.msg);
            continue;
        }
        if (member_validate(&m, true, &ok, &re) < 0) {
            import_add_reason(rep, line, NULL, &re, "%s", after_field(re.msg));
            continue;
        }
        if (member_check_org(db, m.org_id, &re) < 0) {
            /* the message names the API's org_id; here the column is org_code */
            const char *colon = strchr(re.msg, ':');
            errbuf_why(&re, re.why, NULL, org);
            import_add_reason(rep, line, "org_code", &re, "'%s'%s", org, colon ? colon + 1 : re.msg);
            continue;
        }
        if ((rc = import_in_scope(db, scope, mask, m.org_id, &covered, e)) < 0)
            break;
        if (!covered) {
            import_add_error(rep, line, "org_code", R_OUTSIDE_SCOPE, org, "'%s' is outside your scope",
                             org);
            continue;
        }
        r = db_query_int(db, &re, &existing, "SELECT id FROM members WHERE emp_no = $1", "t",
                         m.emp_no);
        if (r == 1 && scope) {
            if ((rc = db_query_int(db, e, &cur_org, "SELECT org_id FROM members WHERE id = $1",
                                   "i", existing)) < 0 ||
                (rc = import_in_scope(db, scope, mask, cur_org, &covered, e)) < 0)
                break;
            if (!covered) {
                import_add_error(rep, line, "emp_no", R_OUTSIDE_SCOPE, m.emp_no,
                                 "member '%s' belongs to an organization outside your scope",
                                 m.emp_no);
                continue;
            }
        }
        if (rep->nerrors)
            continue; /* keep checking, but write nothing more */
        if (r == 1) {
            r = member_update(db, existing, &m, month, actor, &re);
            rep->updated++;
        } else if (r == 0) {
            /* the history starts when asked, else when they joined the party, else now */
            int start = month, jd;
            if (!from_month && *joined && date_parse_iso(joined, &jd) == 0)
                start = month_of_date(jd);
            r = member_create(db, &m, start, actor, &existing, &re);
            rep->created++;
        }
        if (r < 0) {
            if (r != -ERR_INVALID && r != -ERR_CONFLICT) {
                rc = errbuf_set(e, r, "row %zu: %s", line, re.msg);
                break;
            }
            import_add_reason(rep, line, NULL, &re, "%s", after_field(re.msg));
        }
    }
    audit_batch_end(mark);
    if (rc >= 0 && rep->nerrors)
        rc = import_refuse(rep, e);
    if (rc >= 0)
        rc = import_audit(db, "member", actor, scope, mask, rep, e);
    rc = end(db, dry_run, rc, e);
out:
    json_decref(seen);
    return rc < 0 ? rc : 0;
}

/* ---- events ---- */

enum { E_KEY, E_EMP, E_ORG, E_IND, E_DATE, E_VALUE, E_NOTE };
static const struct csv_column event_cols[] = {
    {"key", "来源事件编号", true},   {"emp_no", "工号", false},   {"org_code", "组织编码", false},
    {"indicator", "指标代码", true}, {"date", "日期", true},     {"value", "数值", false},
    {"note", "说明", false},
};

int import_events(struct db *db, struct csv_table *t, long long source_id, bool dry_run,
                  struct import_report *rep, struct errbuf *e)
{
    size_t n = csv_table_rows(t);
    struct event_in *ev = NULL;
    char **details = NULL;
    struct ingest_result *res = NULL;
    int rc;
    memset(rep, 0, sizeof(*rep));
    rep->rows = n;
    if ((rc = csv_table_map(t, event_cols, sizeof(event_cols) / sizeof(event_cols[0]), e)) < 0)
        return rc;
    ev = calloc(n ? n : 1, sizeof(*ev));
    details = calloc(n ? n : 1, sizeof(*details));
    res = calloc(1, sizeof(*res));
    if (!ev || !details || !res) {
        rc = errbuf_set(e, -ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t line = csv_table_line(t, i);
        const char *v = csv_table_get(t, i, E_VALUE), *note = csv_table_get(t, i, E_NOTE);
        ev[i].key = csv_table_get(t, i, E_KEY);
        ev[i].emp_no = *csv_table_get(t, i, E_EMP) ? csv_table_get(t, i, E_EMP) : NULL;
        ev[i].org_code = *csv_table_get(t, i, E_ORG) ? csv_table_get(t, i, E_ORG) : NULL;
        ev[i].indicator = csv_table_get(t, i, E_IND);
        ev[i].date_text = csv_table_get(t, i, E_DATE);
        if (parse_date(ev[i].date_text, &ev[i].day) < 0)
            ev[i].day = 0;
        ev[i].value = 1;
        if (*v) {
            char *end;
            ev[i].value = strtod(v, &end);
            if (*end) {
                import_add_error(rep, line, "value", R_NOT_NUMBER, v, "not a number '%s'", v);
                continue;
            }
        }
        if (*note) {
            json_t *d = json_pack("{s:s}", "note", note);
            details[i] = json_dumps(d, JSON_COMPACT);
            json_decref(d);
            ev[i].detail = details[i];
        }
    }
    if (rep->nerrors) {
        rc = import_refuse(rep, e);
        goto out;
    }
    rc = ingest_batch(db, source_id, ev, n, dry_run ? INGEST_DRY_RUN : 0, res, e);
    if (rc == -ERR_INVALID) {
        for (size_t k = 0; k < res->nrejects; k++) {
            struct ingest_reject *x = &res->rejects[k];
            struct errbuf re = ERRBUF_INIT;
            errbuf_field(&re, -ERR_INVALID, x->why, NULL, x->value, "%s", x->reason);
            import_add_reason(rep, csv_table_line(t, x->index), x->field, &re, "%s", x->reason);
        }
        rep->nerrors = res->rejected;
        rc = import_refuse(rep, e);
    }
    rep->created = res->accepted;
    rep->duplicate = res->duplicate;
out:
    for (size_t i = 0; details && i < n; i++)
        free(details[i]);
    free(details);
    free(ev);
    free(res);
    return rc < 0 ? rc : 0;
}
