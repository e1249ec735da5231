#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "db/db.h"
#include "org/member_pii.h"
#include "base/banned.h"

/* The keys the database knows, the ring's, and how many stored values each seals. */
static int keys_status(struct db *db, struct errbuf *e)
{
    struct member_pii_use use[PII_MAX_KEYS * 2];
    struct pii_key_info ring[PII_MAX_KEYS];
    int n = member_pii_usage(db, use, PII_MAX_KEYS * 2, e), nring;
    if (n < 0 || (nring = pii_keys(ring, PII_MAX_KEYS, e)) < 0)
        return n < 0 ? n : nring;
    printf("key ring: %s\n", *pii_key_file() ? pii_key_file() : "DANGJIAN_PII_KEY");
    printf("%-10s %-8s %-8s %s\n", "key", "seals", "retired", "values (numbers and their hashes)");
    for (int i = 0; i < n; i++)
        printf("%-10s %-8s %-8s %lld%s\n", use[i].id,
               strcmp(use[i].id, ring[nring - 1].id) == 0 ? "yes" : "",
               use[i].retired ? "yes" : "", use[i].values,
               use[i].in_ring || use[i].retired ? "" : "  (not in the ring!)");
    return 0;
}

int cmd_keys(int argc, char **argv)
{
    const char *url = CLI_DEFAULT_DB, *verb = NULL;
    long long batch = 500, wait = 2;
    struct opt opts[] = {{"db", OPT_STR, &url, ""},
                         {"batch", OPT_INT, &batch, ""},
                         {"wait", OPT_INT, &wait, ""},
                         {0, 0, 0, 0}};
    const char *pos[2] = {0, 0};
    int npos = 0;
    struct errbuf e = ERRBUF_INIT;
    struct db *db;
    int rc = 0;
    if (cli_parse("keys", argc - 1, argv + 1, opts, pos, 2, &npos) < 0)
        return 2;
    verb = pos[0];
    if (!verb || (strcmp(verb, "status") && strcmp(verb, "rotate") && strcmp(verb, "reseal") &&
                  strcmp(verb, "retire")) ||
        (strcmp(verb, "retire") == 0) != (npos == 2)) {
        fprintf(stderr, "dangjian keys: expected status, rotate, reseal or retire ID (see: "
                        "dangjian help keys)\n");
        return 2;
    }
    if (batch < 1 || batch > 10000 || wait < 0 || wait > 600) {
        fprintf(stderr, "dangjian keys: --batch is 1 to 10000, --wait 0 to 600 seconds\n");
        return 2;
    }
    if (cli_open_db(url, false, &db) < 0)
        return 1;
    if (strcmp(verb, "status") == 0) {
        rc = keys_status(db, &e);
    } else if (strcmp(verb, "retire") == 0) {
        if ((rc = member_pii_retire(db, pos[1], &e)) == 0)
            printf("key %s retired and removed from %s\n", pos[1], pii_key_file());
    } else {
        char id[PII_KEY_ID_LEN];
        int changed, total = 0;
        if (strcmp(verb, "rotate") == 0) {
            if ((rc = member_pii_rotate(db, id, &e)) < 0)
                goto out;
            printf("new key %s added to %s; it seals from now on\n", id, pii_key_file());
            /* running servers look at the ring's file once a second: after the wait every
             * value they write is sealed with the new key, so the passes below end */
            fflush(stdout);
            sleep((unsigned)wait);
        }
        do {
            if ((changed = rc = member_pii_reseal(db, (int)batch, &e)) < 0)
                goto out;
            total += changed;
        } while (changed > 0);
        printf("%d members' numbers sealed again with the sealing key\n", total);
        rc = keys_status(db, &e);
    }
out:
    if (rc < 0)
        rc = cli_fail(&e);
    db_close(db);
    return rc;
}
