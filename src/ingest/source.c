#include "ingest/source.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/secret.h"
#include "db/db.h"
#include "org/audit.h"
#include "base/banned.h"

static int check_code(const char *code, struct errbuf *e)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n > 32)
        return errbuf_set(e, -ERR_INVALID, "source code must be 1 to 32 characters");
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return errbuf_set(e, -ERR_INVALID,
                              "invalid source code '%s': use a-z, 0-9, _ and -", code);
    }
    return 0;
}

int source_add_with_key(struct db *db, const char *code, const char *name, const char *key,
                        long long *ret_id, struct errbuf *e)
{
    char hash[SECRET_HEX_LEN], prefix[9];
    long long id = 0;
    int rc;
    if ((rc = check_code(code, e)) < 0)
        return rc;
    if (!name || !*name)
        return errbuf_set(e, -ERR_INVALID, "source name is required");
    if (strlen(key) < 16)
        return errbuf_set(e, -ERR_INVALID, "API key must be at least 16 characters");
    secret_hash_hex(key, hash);
    snprintf(prefix, sizeof(prefix), "%s", key);
    rc = db_query_int(db, e, &id,
                      "INSERT INTO sources(code, name, key_hash, key_prefix, created_at)"
                      " VALUES($1, $2, $3, $4, $5) RETURNING id",
                      "tttti", code, name, hash, prefix, (long long)time(NULL));
    if (rc == -ERR_CONFLICT)
        return errbuf_set(e, -ERR_CONFLICT, "source '%s' already exists", code);
    if (rc < 0)
        return rc;
    if ((rc = audit_log(db, 0, 0, "create", "source", id, NULL, e)) < 0)
        return rc;
    *ret_id = id;
    return 0;
}

int source_add(struct db *db, const char *code, const char *name, char *key_out, size_t n,
               long long *ret_id, struct errbuf *e)
{
    char token[48];
    secret_token(token, sizeof(token));
    snprintf(key_out, n, "dj_%s", token);
    return source_add_with_key(db, code, name, key_out, ret_id, e);
}

int source_find(struct db *db, const char *code, long long *ret_id, struct errbuf *e)
{
    return db_find_id(db, "SELECT id FROM sources WHERE code = $1", code, "no source '%s'", ret_id, e);
}

int source_list(struct db *db, json_t **ret, struct errbuf *e)
{
    struct db_stmt *st;
    json_t *list = json_array();
    int rc;
    if ((rc = db_prepare(db,
                         "SELECT s.id, s.code, s.name, s.key_prefix, s.disabled, s.created_at,"
                         " COALESCE(n.n, 0) FROM sources s LEFT JOIN (SELECT source_id,"
                         " COUNT(*) AS n FROM events GROUP BY source_id) n ON n.source_id = s.id"
                         " ORDER BY s.code",
                         &st, e)) < 0) {
        json_decref(list);
        return rc;
    }
    while ((rc = db_step(st, e)) == 1)
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:b, s:I, s:I}", "id",
                                              db_col_int(st, 0), "code", db_col_text(st, 1),
                                              "name", db_col_text(st, 2), "key_prefix",
                                              db_col_text(st, 3), "disabled",
                                              (int)db_col_int(st, 4), "created_at",
                                              db_col_int(st, 5), "events", db_col_int(st, 6)));
    db_done(st);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *ret = list;
    return 0;
}

int source_authenticate(struct db *db, const char *key, long long *ret_id, struct errbuf *e)
{
    char hash[SECRET_HEX_LEN];
    long long id = 0;
    int rc;
    secret_hash_hex(key, hash);
    rc = db_query_int(db, e, &id, "SELECT id FROM sources WHERE key_hash = $1 AND disabled = 0",
                      "t", hash);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return errbuf_set(e, -ERR_UNAUTH, "unknown or disabled API key");
    *ret_id = id;
    return 0;
}
