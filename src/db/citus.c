/* Citus: place the schema on a distributed PostgreSQL, by tenant (docs/SCALE.md).
 *
 * src/db/distribution.txt (embedded at build time as distribution_txt) names every table's
 * kind: "distributed tenant_id", "reference" or "local". After the migrations, db_citus_
 * distribute() makes the reference tables reference tables and shards the distributed ones by
 * their column, all colocated with the first. Local tables stay on the coordinator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "base/banned.h"

extern const char distribution_txt[];
extern const unsigned long distribution_txt_len;

/* the migration that gives the distributed tables their tenant keys */
#define CITUS_FROM_VERSION 15

enum placement { PLACE_LOCAL, PLACE_REFERENCE, PLACE_DISTRIBUTED };

struct placed {
    char name[64];
    char column[64];
    enum placement kind;
    bool done;
};

/* Copy the next blank-separated word of *p into out (size n); false at the line's end or at
 * a "--" comment. */
static bool next_word(const char **p, char *out, size_t n)
{
    const char *s = *p;
    size_t len = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s || *s == '\n' || (s[0] == '-' && s[1] == '-'))
        return false;
    while (s[len] && s[len] != ' ' && s[len] != '\t' && s[len] != '\n')
        len++;
    if (len >= n)
        len = n - 1;
    memcpy(out, s, len);
    out[len] = 0;
    while (*s && *s != ' ' && *s != '\t' && *s != '\n')
        s++;
    *p = s;
    return true;
}

/* Parse distribution.txt into a table (caller frees *ret). */
static int parse_placements(struct placed **ret, size_t *ret_n, struct errbuf *e)
{
    const char *p = distribution_txt;
    struct placed *v = NULL;
    size_t n = 0, cap = 0;
    int line = 0;
    while (*p) {
        char kind[32];
        struct placed t = {.kind = PLACE_LOCAL};
        const char *s = p;
        line++;
        if (*s != '#' && next_word(&s, t.name, sizeof(t.name))) {
            if (!next_word(&s, kind, sizeof(kind)))
                goto bad;
            if (strcmp(kind, "reference") == 0)
                t.kind = PLACE_REFERENCE;
            else if (strcmp(kind, "distributed") == 0) {
                t.kind = PLACE_DISTRIBUTED;
                if (!next_word(&s, t.column, sizeof(t.column)))
                    goto bad;
            } else if (strcmp(kind, "local") != 0)
                goto bad;
            if (n == cap) {
                struct placed *nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
                if (!nv) {
                    free(v);
                    return errbuf_set(e, -ERR_NOMEM, "out of memory");
                }
                v = nv;
            }
            v[n++] = t;
        }
        while (*p && *p != '\n')
            p++;
        if (*p)
            p++;
    }
    *ret = v;
    *ret_n = n;
    return 0;
bad:
    free(v);
    return errbuf_set(e, -ERR_SCHEMA, "distribution.txt line %d: expected 'NAME distributed "
                                      "COLUMN', 'NAME reference' or 'NAME local'", line);
}

/* Whether the database is a Citus coordinator (the citus extension is installed). */
int db_citus_present(struct db *db, bool *ret, struct errbuf *e)
{
    long long one = 0;
    int rc;
    if (db_backend(db) != DB_POSTGRES) {
        *ret = false;
        return 0;
    }
    rc = db_query_int(db, e, &one, "SELECT 1 FROM pg_extension WHERE extname = 'citus'", "");
    if (rc < 0)
        return rc;
    *ret = rc == 1;
    return 0;
}

int db_citus_unsafe_nodes(struct db *db, char *list, size_t size, struct errbuf *e)
{
    struct db_stmt *st;
    size_t len = 0;
    int rc, n = 0;
    list[0] = '\0';
    if ((rc = db_prepare(db,
                         "SELECT nodename || ':' || nodeport FROM"
                         " run_command_on_all_nodes('SHOW synchronous_commit')"
                         " JOIN pg_dist_node USING (nodeid)"
                         " WHERE success AND result IN ('off', 'local') ORDER BY nodeid",
                         &st, e)) < 0)
        return rc;
    while ((rc = db_step(st, e)) == 1) {
        int w = snprintf(list + len, size - len, "%s%s", n ? ", " : "", db_col_text(st, 0));
        if (w > 0 && (size_t)w < size - len)
            len += (size_t)w;
        n++;
    }
    db_done(st);
    return rc < 0 ? rc : n;
}

/* Whether table is to be placed: 0 yes, 1 when Citus placed it already (pg_dist_partition),
 * 2 when it does not exist (a database migrated --until an older version). */
static int already_placed(struct db *db, const char *table, struct errbuf *e)
{
    long long done = 0;
    int rc = db_query_int(db, e, &done,
                          "SELECT CASE WHEN to_regclass($1) IS NULL THEN 2 "
                          "WHEN EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = "
                          "to_regclass($1) AND (partmethod = 'h' OR repmodel = 't')) THEN 1 "
                          "ELSE 0 END",
                          "t", table);
    return rc < 0 ? rc : (int)done;
}

/* Whether table has a foreign key to a table of the list not yet placed (1), so that it must
 * wait for a later pass: Citus needs the referenced table distributed or reference first. */
static int waits_for_parent(struct db *db, const struct placed *v, size_t n, size_t self,
                            struct errbuf *e)
{
    struct db_stmt *st;
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT DISTINCT r.relname FROM pg_constraint c "
                         "JOIN pg_class r ON r.oid = c.confrelid "
                         "WHERE c.contype = 'f' AND c.conrelid = to_regclass($1) "
                         "AND c.confrelid <> c.conrelid",
                         &st, e)) < 0)
        return rc;
    db_bind_text(st, 1, v[self].name);
    while ((rc = db_step(st, e)) == 1) {
        const char *parent = db_col_text(st, 0);
        for (size_t i = 0; i < n; i++)
            if (i != self && v[i].kind != PLACE_LOCAL && !v[i].done &&
                strcmp(v[i].name, parent) == 0) {
                db_done(st);
                return 1;
            }
    }
    db_done(st);
    return rc;
}

/* Place one table: create_reference_table or create_distributed_table colocated with first
 * (NULL: the first distributed table, which starts the colocation group). */
static int place(struct db *db, const struct placed *t, const char *first, struct errbuf *e)
{
    if (t->kind == PLACE_REFERENCE)
        return db_run(db, e, "SELECT create_reference_table($1)", "t", t->name);
    if (!first)
        return db_run(db, e, "SELECT create_distributed_table($1, $2)", "tt", t->name,
                      t->column);
    return db_run(db, e, "SELECT create_distributed_table($1, $2, colocate_with => $3)", "ttt",
                  t->name, t->column, first);
}

/* Distribute the schema per distribution.txt on a Citus coordinator: reference tables first,
 * then the distributed ones, each only after the tables its foreign keys reference. A table
 * already placed is skipped, so a re-run (after new migrations) places only new tables.
 * Each call runs outside a transaction (Citus moves the rows of a table with data into its
 * shards). *ret_placed (may be NULL): the tables placed now. */
int db_citus_distribute(struct db *db, int *ret_placed, struct errbuf *e)
{
    struct placed *v = NULL;
    size_t n = 0, left = 0;
    const char *first = NULL;
    int rc, placed = 0, version;
    /* the tables get their tenant_id and tenant keys in migration 015: an older schema
     * (init --until 14) is left as it is until init brings it there */
    if ((rc = db_schema_version(db, &version, e)) < 0)
        return rc;
    if (version < CITUS_FROM_VERSION) {
        if (ret_placed)
            *ret_placed = 0;
        return 0;
    }
    if ((rc = parse_placements(&v, &n, e)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind == PLACE_LOCAL) {
            v[i].done = true;
            continue;
        }
        if ((rc = already_placed(db, v[i].name, e)) < 0)
            goto out;
        v[i].done = rc != 0;
        /* the colocation group is the first distributed table's, one that exists */
        if (v[i].kind == PLACE_DISTRIBUTED && !first && rc == 1)
            first = v[i].name;
        left += !v[i].done;
    }
    /* A local table with a foreign key to a new reference table would be turned into a
     * Citus local table, and a Citus local table cannot be distributed afterwards when it has
     * an identity column (ours do): tables are placed with that turned off. No local table of
     * ours references a placed one; a later migration adding such a key runs with it on, and
     * Citus then makes that local table a Citus local table. Sequential: a table with rows
     * and a foreign key to a reference table is refused over parallel connections ("cannot
     * execute parallel DDL ... after DDL command on reference table"). */
    if ((rc = db_exec(db,
                      "SET citus.enable_local_reference_table_foreign_keys = off;"
                      " SET citus.multi_shard_modify_mode = 'sequential'",
                      e)) < 0)
        goto out;
    /* passes: reference tables before distributed ones, parents before children */
    for (enum placement kind = PLACE_REFERENCE; kind <= PLACE_DISTRIBUTED; kind++) {
        bool progress = true;
        while (progress) {
            progress = false;
            for (size_t i = 0; i < n; i++) {
                if (v[i].done || v[i].kind != kind)
                    continue;
                if ((rc = waits_for_parent(db, v, n, i, e)) < 0)
                    goto out;
                if (rc == 1)
                    continue;
                if ((rc = place(db, &v[i], first, e)) < 0) {
                    errbuf_prefix(e, "citus: placing table '%s'", v[i].name);
                    goto out;
                }
                v[i].done = true;
                left--;
                placed++;
                progress = true;
                if (kind == PLACE_DISTRIBUTED && !first)
                    first = v[i].name;
            }
        }
    }
    if (left > 0) {
        for (size_t i = 0; i < n; i++)
            if (!v[i].done) {
                rc = errbuf_set(e, -ERR_SCHEMA,
                                "citus: table '%s' waits for a foreign key's parent that "
                                "cannot be placed before it",
                                v[i].name);
                goto out;
            }
    }
    /* A transaction that wrote or read several shards over parallel connections may not write
     * a reference table after it (orgs, when a member moves): the database's sessions run
     * their multi-shard statements over one connection per worker. A tenant's statements
     * that name its tenant_id touch one shard and lose nothing by it. */
    rc = db_exec(db, "RESET citus.enable_local_reference_table_foreign_keys", e);
    if (rc >= 0)
        rc = db_exec(db,
                     "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET "
                     "citus.multi_shard_modify_mode = %L', current_database(), 'sequential'); "
                     "END $$",
                     e);
    if (rc >= 0 && ret_placed)
        *ret_placed = placed;
out:
    free(v);
    return rc;
}
