#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "db/db.h"
#include "org/member_pii.h"
#include "base/banned.h"

int cli_parse(const char *cmd, int argc, char **argv, const struct opt *opts, const char **pos,
              int npos, int *ret_npos)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        const struct opt *o;
        char name[64];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (n >= npos) {
                fprintf(stderr, "dangjian %s: unexpected argument '%s' (see: dangjian help %s)\n",
                        cmd, a, cmd);
                return -1;
            }
            pos[n++] = a;
            continue;
        }
        snprintf(name, sizeof(name), "%s", a + 2);
        if (strchr(name, '=')) {
            *strchr(name, '=') = '\0';
            val = strchr(a, '=') + 1;
        }
        for (o = opts; o->name; o++)
            if (strcmp(o->name, name) == 0)
                break;
        if (!o->name) {
            fprintf(stderr, "dangjian %s: unknown option '--%s' (see: dangjian help %s)\n", cmd,
                    name, cmd);
            return -1;
        }
        if (o->type == OPT_FLAG) {
            if (val) {
                fprintf(stderr, "dangjian %s: option '--%s' takes no value\n", cmd, name);
                return -1;
            }
            *(bool *)o->dst = true;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "dangjian %s: option '--%s' needs a value\n", cmd, name);
                return -1;
            }
            val = argv[++i];
        }
        if (o->type == OPT_STR) {
            *(const char **)o->dst = val;
        } else {
            char *end;
            errno = 0;
            long long v = strtoll(val, &end, 10);
            if (errno || *end || !*val) {
                fprintf(stderr, "dangjian %s: option '--%s' needs a number, got '%s'\n", cmd,
                        name, val);
                return -1;
            }
            *(long long *)o->dst = v;
        }
    }
    if (ret_npos)
        *ret_npos = n;
    return 0;
}

int cli_fail(const struct errbuf *e)
{
    fprintf(stderr, "dangjian: %s\n", e->msg[0] ? e->msg : err_name(e->code));
    return 1;
}

int cli_attach_keys(struct db *db, const char *url, bool create)
{
    struct errbuf e = ERRBUF_INIT;
    int rc;
    if ((rc = pii_configure(url, &e)) < 0 || (rc = member_pii_attach(db, create, &e)) < 0)
        cli_fail(&e);
    return rc;
}

int cli_open_db(const char *url, bool migrate, struct db **ret)
{
    struct errbuf e = ERRBUF_INIT;
    int rc;
    /* the default database lives in var/: create the folder on first use */
    if (!db_is_postgres_url(url) && strncmp(url, "var/", 4) == 0)
        mkdir("var", 0755);
    if ((rc = db_open(url, ret, &e)) < 0)
        return cli_fail(&e), rc;
    if (migrate && (rc = db_migrate(*ret, &e)) < 0) {
        cli_fail(&e);
        db_close(*ret);
        *ret = NULL;
        return rc;
    }
    if (!migrate) {
        int v = 0;
        if ((rc = db_schema_version(*ret, &v, &e)) < 0 || v != db_latest_version()) {
            if (rc >= 0)
                errbuf_set(&e, -ERR_SCHEMA,
                           v > db_latest_version()
                               ? "database schema version %d is newer than this binary's %d"
                               : "database schema version %d, this binary needs %d: run 'dangjian init'",
                           v, db_latest_version());
            cli_fail(&e);
            db_close(*ret);
            *ret = NULL;
            return rc < 0 ? rc : -ERR_SCHEMA;
        }
    }
    /* the key ring of its personal data (base/pii.h), made with a database that gets its
     * schema here */
    if ((rc = cli_attach_keys(*ret, url, migrate)) < 0) {
        db_close(*ret);
        *ret = NULL; /* callers close what they were given: never twice */
        return rc;
    }
    /* a command is bulk work: its writes need not wait for the server one by one */
    db_pipeline(*ret, true);
    return 0;
}

bool cli_tty(void)
{
    return isatty(STDERR_FILENO);
}

static int read_line(FILE *f, char *out, size_t n)
{
    if (!fgets(out, (int)n, f))
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

int cli_read_password(const char *prompt, char *out, size_t n)
{
    struct termios old, quiet;
    char again[256];
    int rc;
    if (!isatty(STDIN_FILENO)) {
        if (read_line(stdin, out, n) < 0) {
            fprintf(stderr, "dangjian: expected the password on standard input\n");
            return -1;
        }
        return 0;
    }
    tcgetattr(STDIN_FILENO, &old);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    fprintf(stderr, "%s: ", prompt);
    rc = read_line(stdin, out, n);
    fprintf(stderr, "\nagain: ");
    if (rc == 0)
        rc = read_line(stdin, again, sizeof(again));
    fprintf(stderr, "\n");
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (rc == 0 && strcmp(out, again) != 0) {
        fprintf(stderr, "dangjian: the passwords do not match\n");
        rc = -1;
    }
    return rc;
}

int cli_tenant_arg(struct db *db, const char *cmd, const char *arg, long long *ret)
{
    struct errbuf e = ERRBUF_INIT;
    size_t digits = strspn(arg, "0123456789");
    int rc;
    if (digits && !arg[digits] && digits < 12) {
        *ret = strtoll(arg, NULL, 10);
        return 0;
    }
    if ((rc = db_query_int(db, &e, ret, "SELECT tenant_id FROM orgs WHERE code = $1", "t", arg)) <
        0)
        return cli_fail(&e);
    if (rc == 0) {
        fprintf(stderr, "dangjian %s: --tenant '%s' is neither a tenant number nor an"
                        " organization code\n", cmd, arg);
        return 2;
    }
    return 0;
}
