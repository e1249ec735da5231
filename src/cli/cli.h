/* Shared plumbing for the subcommands: the command table, option parsing, opening the
 * database, reading a password. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct db;

#define CLI_DEFAULT_DB "var/dangjian.db"

enum opt_type { OPT_STR, OPT_INT, OPT_FLAG };

struct opt {
    const char *name; /* without the leading "--" */
    enum opt_type type;
    void *dst; /* const char **, long long *, or bool * */
    const char *help;
};

/* Parse argv (after the subcommand words) against opts; positional arguments are collected
 * into pos (up to npos). Prints a one-line error and returns -1 on an unknown or malformed
 * option, or on too many positional arguments. */
int cli_parse(const char *cmd, int argc, char **argv, const struct opt *opts, const char **pos,
              int npos, int *ret_npos);
/* Configure the key ring of the database's personal data and tie it to the database
 * (org/member_pii.h); `create` makes one for a database that has none. Prints the error. */
int cli_attach_keys(struct db *db, const char *url, bool create);
/* Open (and migrate, with `migrate`) the database at url, its key ring attached. Prints
 * errors. */
int cli_open_db(const char *url, bool migrate, struct db **ret);
/* Read a password: prompt twice without echo on a terminal, else one line from stdin. */
int cli_read_password(const char *prompt, char *out, size_t n);
/* Print "dangjian: <message>" to stderr and return 1. */
int cli_fail(const struct errbuf *e);
/* --tenant of command cmd: a tenant's number, or the code of an organization of it (its
 * company's); 0 with *ret set, else the exit status (the message printed). */
int cli_tenant_arg(struct db *db, const char *cmd, const char *arg, long long *ret);
/* Whether stderr is a terminal (for progress output). */
bool cli_tty(void);

/* subcommands: each is int cmd_x(int argc, char **argv) with argv[0] the subcommand name */
int cmd_init(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_source(int argc, char **argv);
/* source feed|pull|status|quarantine|replay (cmd_feed.c) */
int cmd_feed(int argc, char **argv);
/* source expect|quality|release (cmd_quality.c) */
int cmd_quality(int argc, char **argv);
/* Warn on stderr when month's sources are not complete (a monthly job run by hand). */
void cli_warn_incomplete(struct db *db, int month);
int cmd_keys(int argc, char **argv);
int cmd_sso(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_dues(int argc, char **argv);
/* dues provider set|show and dues query-pending (cmd_dues_pay.c) */
int cmd_dues_pay(int argc, char **argv);

#endif
