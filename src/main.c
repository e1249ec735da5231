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
     "               [--no-jobs] [--jobs-every SECONDS] [--no-reply-cache] [--login-queue N]\n"
     "               [--read-timeout SECONDS] [--per-ip-connections N] [--trusted-proxy ADDR]\n"
     "               [--db-read URL]\n"
     "  Serves the API under /api/v1 and the web app from DIR (default web/dist when present).\n"
     "  Logs one line per request; SIGINT or SIGTERM stops it cleanly. Background jobs (every\n"
     "  300 s by default) score last month once it is over. Password checks run on their own\n"
     "  low-priority threads, one per core; past N waiting logins (default 512) a login is\n"
     "  told to retry (503 busy). A connection idle for --read-timeout (30) closes, and a\n"
     "  request must arrive within it (plus time for its body at 16 KiB/s); one address may\n"
     "  hold --per-ip-connections (64; 0 for no cap, e.g. behind a proxy) connections. Behind\n"
     "  a TLS proxy at ADDR, its X-Forwarded-For names the client and X-Forwarded-Proto: https\n"
     "  puts Secure on the session cookie; from anyone else those headers are ignored.\n"
     "  PostgreSQL: a lost connection (the primary died, a failover) answers 503 unavailable\n"
     "  with Retry-After and is opened again by a later request; a multi-host URL with\n"
     "  target_session_attrs=read-write finds the new primary. --db-read URL: a standby for\n"
     "  reads that may lag (portraits, rankings, reports, statistics), except for a caller\n"
     "  who wrote in the last 5 s; when it is down those reads go to --db."},
    {"demo", cmd_demo, "create a realistic demo organization",
     "dangjian demo [--db PATH|URL] [--orgs 700] [--members 10000] [--months 12] [--seed 1]\n"
     "              [--print-accounts]\n"
     "  Generates a deterministic company party organization: committees, branches, members,\n"
     "  income bases, a year of business events, demo accounts for every role and a demo\n"
     "  source with its API key, then prints the logins. --print-accounts only prints them."},
    {"backup", cmd_backup, "take a consistent copy of the database while it runs",
     "dangjian backup [--db PATH|URL] --out FILE\n"
     "  SQLite: the online backup API (one moment; writers go on). PostgreSQL: pg_dump of a\n"
     "  snapshot. Writes FILE and FILE.json, a manifest with every table's rows at that moment.\n"
     "  Never overwrites FILE."},
    {"restore", cmd_restore, "bring a backup back into a new database",
     "dangjian restore --db PATH|URL --from FILE\n"
     "  Into a file that does not exist yet, or an empty PostgreSQL database; then every\n"
     "  table is counted against FILE.json and any difference is an error."},
    {"user", cmd_user, "manage accounts",
     "dangjian user add --login NAME --role ROLE --org CODE [--name TEXT] [--member EMP_NO]\n"
     "dangjian user passwd --login NAME\n"
     "dangjian user disable|enable --login NAME\n"
     "dangjian user unlock --login NAME\n"
     "dangjian user list\n"
     "  Roles: member, secretary, committee, finance, admin. Passwords are read from the\n"
     "  terminal (asked twice) or from standard input, never from the command line. 'unlock'\n"
     "  clears a person's failed sign-ins (every address, every login of the same member).\n"
     "  All take --db PATH|URL."},
    {"source", cmd_source, "manage business systems that send events",
     "dangjian source add --code CODE --name TEXT\n"
     "dangjian source list\n"
     "dangjian source feed CODE [--kind sql|http|folder] --target TABLE|URL|DIR --map JSON\n"
     "                     [--url-env VAR] [--http JSON] [--every SECONDS]\n"
     "                     [--page ROWS] [--window MONTHS] [--enable|--disable]\n"
     "dangjian source pull|replay CODE\n"
     "dangjian source status [CODE]\n"
     "dangjian source quarantine CODE [--status open|replayed|resolved|all]\n"
     "dangjian source expect CODE --indicators CODE,CODE --complete-day DAY [--org ORG]\n"
     "dangjian source quality --month YYYYMM\n"
     "dangjian source release --month YYYYMM --reason TEXT\n"
     "  'add' prints the new source's API key once; only its hash is stored.\n"
     "  'feed' makes the source a pull feed: rows of a PostgreSQL table or view, read after a\n"
     "  watermark (updated_at, id) in pages. The connection URL is a secret: it is read from\n"
     "  the environment variable --url-env (default DANGJIAN_FEED_URL) and stored sealed.\n"
     "  --map maps event fields to columns, e.g. '{\"key\":\"id\",\"emp_no\":\"emp_no\",\n"
     "  \"indicator\":\"=perf.rating\",\"value\":\"grade\",\"month\":\"ym\"}'. 'pull' runs it once\n"
     "  ('serve' runs it every --every seconds). --kind folder: CSV files dropped into DIR, each\n"
     "  taken once and moved to DIR/done/ or DIR/rejected/ with a NAME.report.json beside it.\n"
     "  --kind http: pages of JSON rows GET from URL, --http the paging and auth settings; the\n"
     "  token or HMAC key is read from --url-env (default DANGJIAN_FEED_CREDENTIAL).\n"
     "  Rows that cannot be events are quarantined\n"
     "  with a reason; 'replay' maps the open ones again after members or indicators changed.\n"
     "  'expect' declares what the source delivers each month for the organizations under ORG\n"
     "  (default: all) and the day of the next month by which a month is complete; 'quality'\n"
     "  shows expected, received, late and rejected per source and organization; 'release' lets\n"
     "  the monthly jobs (scoring, closing dues) run a month that is not complete.\n"
     "  All take --db PATH|URL."},
    {"keys", cmd_keys, "the keys that seal members' ID card and mobile numbers",
     "dangjian keys status|rotate|reseal [--db PATH|URL] [--batch 500] [--wait 2]\n"
     "dangjian keys retire ID [--db PATH|URL]\n"
     "  ID card and mobile numbers are stored sealed (encrypted) with a key ring kept outside\n"
     "  the database: DANGJIAN_KEY_FILE (mode 0600), else PATH.keys beside a SQLite database,\n"
     "  else ~/.config/dangjian/keys/ per PostgreSQL server and database; or DANGJIAN_PII_KEY.\n"
     "  'status' lists the keys and how many values each seals. 'rotate' adds a new key (it\n"
     "  seals from now on), waits --wait seconds for running servers to see it, then seals every\n"
     "  value again in batches of --batch rows, each its own transaction, while the servers\n"
     "  run; 'reseal' only does the passes (after an interrupted rotation). 'retire' removes\n"
     "  a key that no value uses any more. Keep the key file apart from the backups."},
    {"sso", cmd_sso, "single sign-on through the enterprise identity provider (OpenID Connect)",
     "dangjian sso set --issuer URL --client-id ID --client-secret-env VAR --redirect-uri URL\n"
     "                 [--claim employee_number] [--create-accounts yes|no] [--db PATH|URL]\n"
     "dangjian sso wecom --corp-id ID --agent-id ID --secret-env VAR --redirect-uri URL\n"
     "                 [--create-accounts yes|no] [--api-base URL] [--authorize-url URL]\n"
     "dangjian sso show|off [--wecom] [--db PATH|URL]\n"
     "  The login page then offers the provider's sign-in. --redirect-uri is this server's\n"
     "  public https://HOST/api/v1/auth/oidc/callback, registered with the provider; the client\n"
     "  secret is read from the environment variable VAR and stored sealed. The ID token's\n"
     "  --claim holds the member's employee number; --create-accounts yes gives a member without\n"
     "  an account one at the first sign-in. 'wecom' sets 企业微信 web login: the app's secret\n"
     "  from VAR, --redirect-uri this server's https://HOST/api/v1/auth/wecom/callback; the\n"
     "  WeCom userid is the employee number. Password sign-in stays. Changes are audited."},
    {"import", cmd_import, "import organizations, members, events or income bases from CSV or .xlsx",
     "dangjian import orgs|members|events|bases FILE.csv|FILE.xlsx [--db PATH|URL] [--dry-run]\n"
     "                [--source CODE] [--from YYYYMM] [--sheet NAME]\n"
     "  CSV with a header row (Chinese or English column names), UTF-8 with or without BOM, or\n"
     "  GBK/GB18030 as Excel writes it; or an Excel workbook (.xlsx, known by its content): its\n"
     "  first sheet, or --sheet NAME, the first row with a value being the header (merged header\n"
     "  cells are refused; dates stored as numbers are read as YYYY-MM-DD). All or nothing: any bad row and nothing is written;\n"
     "  errors name the row, the column and the problem. --dry-run only checks.\n"
     "  Events need --source (the business system they come from; default 'import').\n"
     "  Members: a new member's organization history starts at --from, else at the month of\n"
     "  their joining date (入党日期), else this month (months before it are not scored for\n"
     "  them); a member whose organization changes moves at --from, else this month.\n"
     "  Income bases (党费基数): 工号 emp_no, 年度 year, 月收入（元）monthly_income_yuan, 核定人\n"
     "  verified_by; a row replaces the member's base of that year from January."},
    {"score", cmd_score, "the pioneer index: print the model, score months",
     "dangjian score model [--version N] [--db PATH|URL]\n"
     "dangjian score run --month YYYYMM | --from YYYYMM --to YYYYMM [--tenant N|CODE]\n"
     "                   [--db PATH|URL]\n"
     "  'model' prints the scoring model in force (or version N): weights and every\n"
     "  indicator's points, cap and veto. 'run' scores the months in order: each member's five\n"
     "  dimensions, index, contributions and ranks, and every organization's rollup. Running a\n"
     "  month again replaces its results with identical numbers for the same model and events.\n"
     "  --tenant scores one tenant (a provincial company: its number, or the code of one of its\n"
     "  organizations) and leaves the others' results; an organization with other tenants\n"
     "  below it (a national root) keeps its rollup until a run of every tenant."},
    {"plan", cmd_plan, "quantified plans: default plan, daily check, bulletins",
     "dangjian plan defaults --year YYYY [--org CODE] [--from YYYY-MM-DD] [--db PATH|URL]\n"
     "dangjian plan check [--today YYYY-MM-DD] [--tenant N|CODE] [--no-deliver] [--db PATH|URL]\n"
     "dangjian plan bulletin --org CODE --period PERIOD --out FILE.xlsx|.html|.json\n"
     "                       [--as-of YYYY-MM-DD] [--db PATH|URL]\n"
     "  'defaults' creates the default plan of the branch work rules (meetings, lessons, theme\n"
     "  days, life meeting, review, dues) for the organization (default: the whole company) and\n"
     "  year, adding only the tasks it lacks. 'check' runs the daily evaluation now: levels,\n"
     "  warnings, reminders, to-dos, rectification cases for periods not met, escalation, then\n"
     "  the webhook deliveries that are due; with --tenant, of one tenant's plans (the job's unit\n"
     "  on PostgreSQL). 'serve' runs it once a day by itself. 'bulletin'\n"
     "  writes the bulletin (通报) of a committee for a period: 2024-03, 2024Q1, 2024H1, 2024."},
    {"dues", cmd_dues, "party dues: rules, monthly bills, confirmation, the ledger",
     "dangjian dues rules [--db PATH|URL]\n"
     "dangjian dues generate --month YYYYMM [--org CODE | --tenant N|CODE] [--db PATH|URL]\n"
     "dangjian dues publish|confirm --month YYYYMM [--org CODE] [--db PATH|URL]\n"
     "dangjian dues close --month YYYYMM [--tenant N|CODE] [--db PATH|URL]\n"
     "dangjian dues setting NAME [VALUE] [--db PATH|URL]\n"
     "dangjian dues check [--db PATH|URL]\n"
     "dangjian dues provider set wechat --mchid ID --appid ID --serial SERIAL --key-file PEM\n"
     "    --platform-serial SERIAL --platform-cert-file PEM --apiv3-key-file FILE\n"
     "    [--base-url URL] [--notify-url URL] [--db PATH|URL]\n"
     "dangjian dues provider set alipay --appid ID --key-file PEM --alipay-public-key-file PEM\n"
     "    [--base-url URL] [--notify-url URL] [--db PATH|URL]\n"
     "dangjian dues provider show wechat|alipay [--db PATH|URL]\n"
     "dangjian dues query-pending [--provider wechat] [--minutes 10] [--limit 500] [--db PATH|URL]\n"
     "dangjian dues reconcile [--provider wechat|alipay] --date YYYY-MM-DD [--db PATH|URL]\n"
     "  'rules' prints the dues table in force (bands, rates, fixed amounts) and older versions.\n"
     "  'generate' makes one bill per liable member of the month (of --org's subtree, or of\n"
     "  --tenant's members, a provincial company's, reading its rows alone; default everyone)\n"
     "  from the verified income bases; running it again creates nothing and fills in\n"
     "  bills whose base has been verified since; members without a base are listed, never\n"
     "  billed zero. 'publish' shows the month's bills to the members of --org's subtree and\n"
     "  books the receivable; 'confirm' confirms every paid, unconfirmed bill of the month in\n"
     "  one transaction. 'close' sends the month's on-time / late events to the scoring engine\n"
     "  and raises the arrears to-dos (3 and 6 consecutive months), of --tenant's alone when\n"
     "  given (the job's unit on PostgreSQL). 'serve' generates on the 1st and closes last\n"
     "  month by itself. Settings: callback_key (the payment provider's\n"
     "  HMAC key), rounding (half_up | down), back_pay_months (6). 'check' verifies that every\n"
     "  journal entry balances (exit 1 when not). Income bases: 'dangjian import bases'.\n"
     "  'provider set' configures a payment provider (WeChat Pay API v3, Alipay): key files\n"
     "  must be of mode 0600 and are read again when they change. 'query-pending' asks WeChat\n"
     "  Pay about pending online payments older than --minutes and settles those it says are\n"
     "  paid. 'reconcile' checks the provider's statement of a day against our payments: what\n"
     "  was missed is settled, the rest raised as finance to-dos; 'serve' does it daily for\n"
     "  yesterday (docs/DUES.md, Payment providers)."},
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
