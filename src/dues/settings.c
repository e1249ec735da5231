#include "dues/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "dues/bill.h"
#include "org/audit.h"
#include "org/tenant.h"
#include "base/banned.h"

/* The settings there are, and what a value must look like. */
static const struct {
    const char *name;
    long long min, max; /* integers: the range; min > max: text checked by check_text */
} known[] = {
    {"callback_key", 1, 0},
    {"rounding", 1, 0},
    {"back_pay_months", 0, 120},
};

static int check_text(const char *name, const char *value, struct errbuf *e)
{
    if (strcmp(name, "callback_key") == 0) {
        size_t n = strlen(value);
        if (n < 16 || n > 256)
            return errbuf_set(e, -ERR_INVALID, "callback_key must be 16 to 256 characters");
        return 0;
    }
    if (strcmp(value, "half_up") && strcmp(value, "down"))
        return errbuf_set(e, -ERR_INVALID, "rounding must be 'half_up' or 'down', not '%s'",
                          value);
    return 0;
}

int dues_setting_get(struct db *db, const char *name, char *out, size_t n, struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    out[0] = '\0';
    if ((rc = db_prepare(db, "SELECT value FROM dues_settings WHERE name = $1", &st, e)) < 0)
        return rc;
    db_bind_text(st, 1, name);
    if ((rc = db_step(st, e)) == 1)
        snprintf(out, n, "%s", db_col_text(st, 0));
    db_done(st);
    return rc;
}

int dues_setting_int(struct db *db, const char *name, long long def, long long *ret,
                     struct errbuf *e)
{
    char v[32];
    int rc = dues_setting_get(db, name, v, sizeof(v), e);
    if (rc < 0)
        return rc;
    *ret = rc == 1 ? strtoll(v, NULL, 10) : def;
    return 0;
}

int dues_setting_set(struct db *db, const char *name, const char *value, struct errbuf *e)
{
    size_t i;
    int rc;
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(known[i].name, name) == 0)
            break;
    if (i == sizeof(known) / sizeof(known[0]))
        return errbuf_set(e, -ERR_INVALID,
                          "unknown setting '%s' (callback_key, rounding, back_pay_months)", name);
    if (known[i].min > known[i].max) {
        if ((rc = check_text(name, value, e)) < 0)
            return rc;
    } else {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(value, &end, 10);
        if (errno || *end || !*value || v < known[i].min || v > known[i].max)
            return errbuf_set(e, -ERR_INVALID, "%s must be an integer from %lld to %lld", name,
                              known[i].min, known[i].max);
    }
    rc = db_run(db, e,
                "INSERT INTO dues_settings(name, value, updated_at) VALUES($1, $2, $3)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                "tti", name, value, dues_now());
    if (rc < 0)
        return rc;
    /* the key itself stays out of the audit log */
    return audit_log(db, 0, 0, "update", "dues_setting", 0, NULL, e);
}

int dues_share_bp(struct db *db, long long org_id, long long *ret, struct errbuf *e)
{
    long long v = DUES_DEFAULT_SHARE_BP;
    int rc = db_query_int(db, e, &v, "SELECT remit_share_bp FROM dues_org_settings WHERE org_id = $1",
                          "i", org_id);
    if (rc < 0)
        return rc;
    *ret = v;
    return 0;
}

int dues_share_set(struct db *db, long long org_id, long long bp, long long actor,
                   struct errbuf *e)
{
    long long tenant;
    long long old = 0;
    json_t *d;
    int rc;
    if (bp < 0 || bp > 10000)
        return (errbuf_field(e, -ERR_INVALID, R_OUT_OF_RANGE, "remit_share_bp", NULL,
                             "remit_share_bp must be 0 to 10000 (basis points), not %lld", bp),
                errbuf_value_int(e, bp), errbuf_range(e, 0, 10000));
    if ((rc = dues_share_bp(db, org_id, &old, e)) < 0)
        return rc;
    if ((rc = tenant_of_org(db, org_id, &tenant, e)) < 0)
        return rc;
    rc = db_run(db, e,
                "INSERT INTO dues_org_settings(org_id, remit_share_bp, updated_by, updated_at,"
                " tenant_id) VALUES($1, $2, $3, $4, $5) ON CONFLICT (org_id, tenant_id) DO UPDATE"
                " SET remit_share_bp = excluded.remit_share_bp, updated_by = excluded.updated_by,"
                " updated_at = excluded.updated_at",
                "iiIii", org_id, bp, actor, dues_now(), tenant);
    if (rc < 0)
        return rc;
    d = json_object();
    audit_change(d, "remit_share_bp", json_integer(old), json_integer(bp));
    rc = audit_log(db, actor, org_id, "update", "dues_share", org_id, d, e);
    json_decref(d);
    return rc;
}
