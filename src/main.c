/* dangjian: one binary, git-style subcommands from one table. */
#include <stdio.h>
#include <string.h>

#include "base/secret.h"
#include "cli/cli.h"
#include "base/banned.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *usage;
} commands[] = {
    {"init", cmd_init, "create or migrate a database",
     "dangjian init [--db PATH|URL]\n"
     "  Creates the database (SQLite file or postgresql:// URL) or applies the migrations it\n"
     "  lacks. Running it twice changes nothing; a database newer than this binary is refused.\n"
     "  Default --db: " CLI_DEFAULT_DB},
    {"serve", cmd_serve, "run the HTTP server",
     "dangjian serve [--db PATH|URL] [--listen 127.0.0.1:8080] [--threads N] [--web DIR]\n"
     "               [--no-jobs] [--jobs-every SECONDS] [--no-reply-cache]\n"
     "  Serves the API under /api/v1 and the web app from DIR (default web/dist when present).\n"
     "  Logs one line per request; SIGINT or SIGTERM stops it cleanly. Background jobs (every\n"
     "  300 s by default) score last month once it is over."},
    {"demo", cmd_demo, "create a realistic demo organization",
     "dangjian demo [--db PATH|URL] [--orgs 700] [--members 10000] [--months 12] [--seed 1]\n"
     "              [--print-accounts]\n"
     "  Generates a deterministic company party organization: committees, branches, members,\n"
     "  income bases, a year of business events, demo accounts for every role and a demo\n"
     "  source with its API key, then prints the logins. --print-accounts only prints them."},
    {"user", cmd_user, "manage accounts",
     "dangjian user add --login NAME --role ROLE --org CODE [--name TEXT] [--member EMP_NO]\n"
     "dangjian user passwd --login NAME\n"
     "dangjian user disable|enable --login NAME\n"
     "dangjian user list\n"
     "  Roles: member, secretary, committee, finance, admin. Passwords are read from the\n"
     "  terminal (asked twice) or from standard input, never from the command line.\n"
     "  All take --db PATH|URL."},
    {"source", cmd_source, "manage business systems that send events",
     "dangjian source add --code CODE --name TEXT\n"
     "dangjian source list\n"
     "  'add' prints the new source's API key once; only its hash is stored."},
    {"import", cmd_import, "import organizations, members or events from CSV",
     "dangjian import orgs|members|events FILE.csv [--db PATH|URL] [--dry-run] [--source CODE]\n"
     "  CSV with a header row (Chinese or English column names), UTF-8 with or without BOM, or\n"
     "  GBK/GB18030 as Excel writes it. All or nothing: any bad row and nothing is written;\n"
     "  errors name the row, the column and the problem. --dry-run only checks.\n"
     "  Events need --source (the business system they come from; default 'import')."},
    {"score", cmd_score, "the pioneer index: print the model, score months",
     "dangjian score model [--version N] [--db PATH|URL]\n"
     "dangjian score run --month YYYYMM | --from YYYYMM --to YYYYMM [--db PATH|URL]\n"
     "  'model' prints the scoring model in force (or version N): weights and every\n"
     "  indicator's points, cap and veto. 'run' scores the months in order: each member's five\n"
     "  dimensions, index, contributions and ranks, and every organization's rollup. Running a\n"
     "  month again replaces its results with identical numbers for the same model and events."},
    {"help", cmd_help, "list the commands, or explain one", "dangjian help [COMMAND]"},
    {"version", cmd_version, "print the version", "dangjian version"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    const struct command *c;
    if (argc > 2) {
        fprintf(stderr, "usage: dangjian help [COMMAND]\n");
        return 2;
    }
    if (argc == 2) {
        if (!(c = find(argv[1]))) {
            fprintf(stderr, "dangjian: unknown command '%s' (see: dangjian help)\n", argv[1]);
            return 2;
        }
        printf("%s — %s\n\n%s\n", c->name, c->summary, c->usage);
        return 0;
    }
    printf("dangjian — smart party-building platform (党员画像, 量化计划管理, 党费收缴)\n\n"
           "usage: dangjian COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("  %-8s %s\n", commands[i].name, commands[i].summary);
    printf("\n'dangjian help COMMAND' explains one.\n");
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("dangjian 0.1.0\n");
    return 0;
}

int main(int argc, char **argv)
{
    const struct command *c;
    if (argc < 2) {
        cmd_help(1, argv);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(1, argv);
    if (!(c = find(argv[1]))) {
        fprintf(stderr, "dangjian: unknown command '%s' (see: dangjian help)\n", argv[1]);
        return 2;
    }
    if (secret_init() < 0) {
        fprintf(stderr, "dangjian: cannot initialize libsodium\n");
        return 1;
    }
    return c->fn(argc - 1, argv + 1);
}
