#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "org/lockout.h"
#include "org/account.h"
#include "org/member.h"
#include "org/org.h"
#include "base/banned.h"

static int user_add(struct db *db, const char *login, const char *role_s, const char *org_code,
                    const char *name, const char *emp_no)
{
    struct errbuf e = ERRBUF_INIT;
    struct account_new a = {0};
    char password[256];
    long long id = 0;
    enum role role;
    int rc;
    if (!login || !role_s || !org_code) {
        fprintf(stderr, "dangjian user add: --login, --role and --org are required\n");
        return 2;
    }
    if (role_parse(role_s, &role) < 0) {
        fprintf(stderr, "dangjian user add: unknown role '%s' (member, secretary, committee, "
                        "finance, admin)\n", role_s);
        return 2;
    }
    a.login = login;
    a.role = role;
    a.display_name = name;
    rc = org_find_code_or_root(db, org_code, &a.org_id, &e);
    if (rc < 0 || (emp_no && (rc = member_find_emp(db, emp_no, &a.member_id, &e)) < 0))
        return cli_fail(&e);
    if (cli_read_password("password for new account", password, sizeof(password)) < 0)
        return 1;
    a.password = password;
    if ((rc = db_begin(db, &e)) < 0 || (rc = account_create(db, &a, 0, &id, &e)) < 0 ||
        (rc = db_commit(db, &e)) < 0) {
        db_rollback(db);
        return cli_fail(&e);
    }
    printf("account '%s' created (id %lld, role %s)\n", login, id, role_name(role));
    return 0;
}

int cmd_user(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *login = NULL, *role = NULL, *org = NULL, *name = NULL,
               *member = NULL, *verb = NULL;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},       {"login", OPT_STR, &login, ""},
                         {"role", OPT_STR, &role, ""},    {"org", OPT_STR, &org, ""},
                         {"name", OPT_STR, &name, ""},    {"member", OPT_STR, &member, ""},
                         {0, 0, 0, 0}};
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    int rc = 0, npos = 0;
    char password[256];
    if (cli_parse("user", argc - 1, argv + 1, opts, &verb, 1, &npos) < 0)
        return 2;
    if (!verb || (strcmp(verb, "add") && strcmp(verb, "passwd") && strcmp(verb, "disable") &&
                  strcmp(verb, "enable") && strcmp(verb, "list") && strcmp(verb, "unlock"))) {
        fprintf(stderr, "dangjian user: expected add, passwd, disable, enable, unlock or list "
                        "(see: dangjian help user)\n");
        return 2;
    }
    if (strcmp(verb, "add") && strcmp(verb, "list") && !login) {
        fprintf(stderr, "dangjian user %s: --login is required\n", verb);
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if (strcmp(verb, "add") == 0) {
        rc = user_add(db, login, role, org, name, member);
    } else if (strcmp(verb, "list") == 0) {
        json_t *list;
        size_t i;
        json_t *a;
        if (account_list(db, &list, &e) < 0) {
            rc = cli_fail(&e);
        } else {
            printf("%-6s %-24s %-8s %s\n", "id", "login", "state", "roles");
            for (i = 0; i < json_array_size(list); i++) {
                json_t *roles;
                a = json_array_get(list, i);
                roles = json_object_get(a, "roles");
                printf("%-6lld %-24s %-8s", (long long)json_integer_value(json_object_get(a, "id")),
                       json_string_value(json_object_get(a, "login")),
                       json_is_true(json_object_get(a, "disabled")) ? "disabled" : "active");
                for (size_t j = 0; j < json_array_size(roles); j++)
                    printf(" %s@%s",
                           json_string_value(json_object_get(json_array_get(roles, j), "role")),
                           json_string_value(json_object_get(json_array_get(roles, j), "org")));
                printf("\n");
            }
            json_decref(list);
        }
    } else if (strcmp(verb, "passwd") == 0) {
        if (cli_read_password("new password", password, sizeof(password)) < 0)
            rc = 1;
        else if ((rc = db_begin(db, &e)) < 0 ||
                 (rc = account_set_password(db, login, password, 0, &e)) < 0 ||
                 (rc = db_commit(db, &e)) < 0) {
            db_rollback(db);
            rc = cli_fail(&e);
        } else
            printf("password of '%s' changed; its sessions were ended\n", login);
    } else if (strcmp(verb, "unlock") == 0) {
        if ((rc = db_begin(db, &e)) < 0 || (rc = lockout_unlock(db, login, 0, 0, &e)) < 0 ||
            (rc = db_commit(db, &e)) < 0) {
            db_rollback(db);
            rc = cli_fail(&e);
        } else
            printf("failed sign-ins of '%s' (and of its person's other logins) cleared\n", login);
    } else {
        bool dis = strcmp(verb, "disable") == 0;
        if ((rc = db_begin(db, &e)) < 0 || (rc = account_set_disabled(db, login, dis, 0, &e)) < 0 ||
            (rc = db_commit(db, &e)) < 0) {
            db_rollback(db);
            rc = cli_fail(&e);
        } else
            printf("account '%s' %s\n", login, dis ? "disabled" : "enabled");
    }
    db_close(db);
    return rc;
}
