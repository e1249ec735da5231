#include "base/pii.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/banned.h"

#define SEAL_PREFIX "pii1."
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define PLAIN_MAX 64
#define RING_FILE_MAX 8192

struct key {
    char id[PII_KEY_ID_LEN];
    unsigned char master[32], enc[32], mac[32];
};

enum source { SRC_NONE, SRC_ENV, SRC_FILE, SRC_MEMORY };

static struct {
    pthread_mutex_t lock;
    enum source src;
    char file[PATH_MAX];
    struct key keys[PII_MAX_KEYS];
    int n;
    bool loaded;
    time_t checked;              /* when the file was last looked at */
    struct timespec mtime;       /* of the file as loaded */
    ino_t ino;
    off_t size;
} ring = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void derive(struct key *k)
{
    crypto_kdf_derive_from_key(k->enc, sizeof(k->enc), 1, "djpiienc", k->master);
    crypto_kdf_derive_from_key(k->mac, sizeof(k->mac), 2, "djpiimac", k->master);
}

static bool valid_id(const char *s, size_t len)
{
    if (len != PII_KEY_ID_LEN - 1)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* One key "ID BASE64" (or "ID:BASE64") into k. */
static int parse_key(const char *id, size_t idlen, const char *b64, size_t b64len, struct key *k,
                     const char *where, int line, struct errbuf *e)
{
    size_t got = 0;
    if (!valid_id(id, idlen))
        return errbuf_set(e, -ERR_INVALID, "%s line %d: a key id is 8 hex digits", where, line);
    memcpy(k->id, id, idlen);
    k->id[idlen] = '\0';
    if (sodium_base642bin(k->master, sizeof(k->master), b64, b64len, NULL, &got, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        got != sizeof(k->master))
        return errbuf_set(e, -ERR_INVALID, "%s line %d: key %s is not 32 bytes of base64url",
                          where, line, k->id);
    derive(k);
    return 0;
}

/* The ring's text (file lines "key ID BASE64", or the environment's "ID:BASE64,...") into
 * keys; returns how many. */
static int parse_ring(const char *text, bool env, struct key *keys, const char *where,
                      struct errbuf *e)
{
    int n = 0, line = 0;
    const char *p = text;
    while (*p) {
        const char *end = p + strcspn(p, env ? "," : "\n");
        const char *s = p, *id, *b64;
        size_t idlen, b64len;
        int rc;
        line++;
        while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        if (s == end || *s == '#')
            goto next;
        if (!env) {
            if (end - s < 4 || strncmp(s, "key ", 4) != 0)
                return errbuf_set(e, -ERR_INVALID, "%s line %d: expected 'key ID BASE64'",
                                  where, line);
            s += 4;
        }
        id = s;
        idlen = strcspn(s, env ? ":" : " ");
        if (id + idlen >= end)
            return errbuf_set(e, -ERR_INVALID, "%s line %d: expected %s", where, line,
                              env ? "ID:BASE64" : "'key ID BASE64'");
        b64 = id + idlen + 1;
        b64len = (size_t)(end - b64);
        while (b64len && (b64[b64len - 1] == '\r' || b64[b64len - 1] == ' '))
            b64len--;
        if (n == PII_MAX_KEYS)
            return errbuf_set(e, -ERR_INVALID, "%s: more than %d keys", where, PII_MAX_KEYS);
        if ((rc = parse_key(id, idlen, b64, b64len, &keys[n], where, line, e)) < 0)
            return rc;
        for (int i = 0; i < n; i++)
            if (strcmp(keys[i].id, keys[n].id) == 0)
                return errbuf_set(e, -ERR_INVALID, "%s line %d: key %s twice", where, line,
                                  keys[n].id);
        n++;
    next:
        p = *end ? end + 1 : end;
    }
    if (n == 0)
        return errbuf_set(e, -ERR_INVALID, "%s holds no key", where);
    return n;
}

static void new_key(struct key *k)
{
    unsigned char raw[4];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(k->id, sizeof(k->id), raw, sizeof(raw));
    crypto_kdf_keygen(k->master);
    derive(k);
}

/* Write the ring's file atomically (a new file of mode 0600, then rename). */
static int write_ring(const struct key *keys, int n, struct errbuf *e)
{
    char tmp[PATH_MAX + 8];
    struct buf b = BUF_INIT;
    int fd, rc = 0;
    buf_addstr(&b, "# dangjian: keys of the personal data sealed in the database.\n"
                 "# Keep this file secret and apart from the database's backups (mode 0600).\n"
                 "# The last key seals new values; every key here opens. Never edit by hand:\n"
                 "# 'dangjian keys rotate' adds one, 'dangjian keys retire ID' removes one.\n");
    for (int i = 0; i < n; i++) {
        char b64[64];
        sodium_bin2base64(b64, sizeof(b64), keys[i].master, sizeof(keys[i].master),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        buf_printf(&b, "key %s %s\n", keys[i].id, b64);
        sodium_memzero(b64, sizeof(b64));
    }
    if (snprintf(tmp, sizeof(tmp), "%s.new", ring.file) >= (int)sizeof(tmp))
        rc = errbuf_set(e, -ERR_IO, "key file name too long");
    else if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
        rc = errbuf_set(e, -ERR_IO, "cannot write the key file %s: %s", tmp, strerror(errno));
    else {
        ssize_t w = write(fd, buf_str(&b), b.len);
        if (w != (ssize_t)b.len || fsync(fd) != 0)
            rc = errbuf_set(e, -ERR_IO, "cannot write the key file %s: %s", tmp,
                            strerror(errno));
        close(fd);
        if (rc == 0 && rename(tmp, ring.file) != 0)
            rc = errbuf_set(e, -ERR_IO, "cannot replace the key file %s: %s", ring.file,
                            strerror(errno));
        if (rc < 0)
            unlink(tmp);
    }
    if (b.data)
        sodium_memzero(b.data, b.cap);
    buf_release(&b);
    return rc;
}

/* mkdir -p of the file's folder, 0700 for the folders it makes. */
static void make_parent(const char *file)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", file);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(dir, 0700);
        *p = '/';
    }
}

/* Read the file into the ring (lock held). */
static int read_file(bool create, struct errbuf *e)
{
    struct stat st;
    char text[RING_FILE_MAX + 1];
    struct key keys[PII_MAX_KEYS];
    FILE *f;
    size_t len;
    int n;
    if (stat(ring.file, &st) != 0) {
        if (errno != ENOENT || !create)
            return errbuf_set(e, -ERR_IO,
                              "the key file of personal data %s: %s (set DANGJIAN_KEY_FILE to "
                              "where it is kept)",
                              ring.file, strerror(errno));
        new_key(&keys[0]);
        make_parent(ring.file);
        if ((n = write_ring(keys, 1, e)) < 0)
            return n;
        return read_file(false, e);
    }
    if (st.st_mode & 077)
        return errbuf_set(e, -ERR_INVALID,
                          "the key file %s may be read by others (mode %03o): chmod 600 %s",
                          ring.file, (unsigned)(st.st_mode & 0777), ring.file);
    if (!(f = fopen(ring.file, "re")))
        return errbuf_set(e, -ERR_IO, "cannot read the key file %s: %s", ring.file,
                          strerror(errno));
    len = fread(text, 1, RING_FILE_MAX + 1, f);
    fclose(f);
    if (len > RING_FILE_MAX)
        return errbuf_set(e, -ERR_INVALID, "the key file %s is too large", ring.file);
    text[len] = '\0';
    n = parse_ring(text, false, keys, ring.file, e);
    sodium_memzero(text, sizeof(text));
    if (n < 0)
        return n;
    memcpy(ring.keys, keys, sizeof(keys));
    sodium_memzero(keys, sizeof(keys));
    ring.n = n;
    ring.loaded = true;
    ring.mtime = st.st_mtim;
    ring.ino = st.st_ino;
    ring.size = st.st_size;
    ring.checked = time(NULL);
    return 0;
}

/* Resolve the environment's ring, when there is one (lock held). */
static int from_env(struct errbuf *e)
{
    const char *inline_ring = getenv("DANGJIAN_PII_KEY"), *file = getenv("DANGJIAN_KEY_FILE");
    if (inline_ring && *inline_ring) {
        int n = parse_ring(inline_ring, true, ring.keys, "DANGJIAN_PII_KEY", e);
        if (n < 0)
            return n;
        ring.src = SRC_ENV;
        ring.n = n;
        ring.loaded = true;
        return 1;
    }
    if (file && *file) {
        if (snprintf(ring.file, sizeof(ring.file), "%s", file) >= (int)sizeof(ring.file))
            return errbuf_set(e, -ERR_INVALID, "DANGJIAN_KEY_FILE is too long");
        ring.src = SRC_FILE;
        return 1;
    }
    return 0;
}

int pii_configure(const char *db_url, struct errbuf *e)
{
    int rc;
    if (sodium_init() < 0)
        return errbuf_set(e, -ERR_INTERNAL, "libsodium failed to start");
    pthread_mutex_lock(&ring.lock);
    ring.loaded = false;
    ring.n = 0;
    ring.src = SRC_NONE;
    if ((rc = from_env(e)) != 0)
        goto out;
    if (strcmp(db_url, ":memory:") == 0) {
        ring.src = SRC_MEMORY;
        new_key(&ring.keys[0]);
        ring.n = 1;
        ring.loaded = true;
    } else if (strncmp(db_url, "postgres", 8) == 0) {
        /* one ring per server and database: the URL without user, password and options */
        const char *home = getenv("XDG_CONFIG_HOME"), *at = strchr(db_url, '@');
        const char *s = at ? at + 1 : strstr(db_url, "://") ? strstr(db_url, "://") + 3 : db_url;
        char name[200];
        size_t k = 0;
        for (; *s && *s != '?' && k + 1 < sizeof(name); s++)
            name[k++] = (char)((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                                       (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'
                                   ? *s
                                   : '_');
        name[k] = '\0';
        if (home && *home)
            snprintf(ring.file, sizeof(ring.file), "%s/dangjian/keys/%s.keys", home, name);
        else
            snprintf(ring.file, sizeof(ring.file), "%s/.config/dangjian/keys/%s.keys",
                     getenv("HOME") ? getenv("HOME") : "/root", name);
        ring.src = SRC_FILE;
    } else {
        if (snprintf(ring.file, sizeof(ring.file), "%s.keys", db_url) >= (int)sizeof(ring.file))
            rc = errbuf_set(e, -ERR_INVALID, "database path too long");
        else
            ring.src = SRC_FILE;
    }
out:
    pthread_mutex_unlock(&ring.lock);
    return rc < 0 ? rc : 0;
}

/* Make sure the ring is loaded and fresh (lock held). */
static int fresh(bool create, bool force, struct errbuf *e)
{
    struct stat st;
    time_t now;
    if (ring.src == SRC_NONE) {
        int rc = from_env(e);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return errbuf_set(e, -ERR_INTERNAL, "no key ring for personal data is configured");
    }
    if (ring.src != SRC_FILE)
        return 0;
    if (!ring.loaded)
        return read_file(create, e);
    now = time(NULL);
    if (!force && now == ring.checked)
        return 0;
    ring.checked = now;
    if (stat(ring.file, &st) == 0 &&
        (st.st_ino != ring.ino || st.st_size != ring.size ||
         st.st_mtim.tv_sec != ring.mtime.tv_sec || st.st_mtim.tv_nsec != ring.mtime.tv_nsec))
        return read_file(false, e);
    return 0;
}

int pii_load(bool create, struct errbuf *e)
{
    int rc;
    pthread_mutex_lock(&ring.lock);
    if (ring.src == SRC_FILE)
        ring.loaded = false; /* read again, its mode checked again */
    rc = fresh(create, true, e);
    pthread_mutex_unlock(&ring.lock);
    return rc;
}

const char *pii_key_file(void)
{
    return ring.src == SRC_FILE ? ring.file : "";
}

/* A copy of the sealing key, or of key `id` (reloading the ring once if it lacks it). */
static int get_key(const char *id, struct key *out, struct errbuf *e)
{
    int rc;
    pthread_mutex_lock(&ring.lock);
    for (int pass = 0; pass < 2; pass++) {
        if ((rc = fresh(false, pass > 0, e)) < 0)
            break;
        rc = -ERR_NOTFOUND;
        for (int i = ring.n - 1; i >= 0; i--)
            if (!id || strcmp(ring.keys[i].id, id) == 0) {
                *out = ring.keys[i];
                rc = 0;
                break;
            }
        if (rc == 0 || ring.src != SRC_FILE)
            break;
    }
    pthread_mutex_unlock(&ring.lock);
    if (rc == -ERR_NOTFOUND)
        errbuf_set(e, -ERR_INTERNAL,
                   "personal data sealed with key %s, which the key ring %s lacks", id,
                   ring.src == SRC_FILE ? ring.file : "DANGJIAN_PII_KEY");
    return rc;
}

bool pii_is_sealed(const char *stored, char *key_id)
{
    const char *id = stored + strlen(SEAL_PREFIX);
    if (strncmp(stored, SEAL_PREFIX, strlen(SEAL_PREFIX)) != 0 || strlen(id) < PII_KEY_ID_LEN ||
        !valid_id(id, PII_KEY_ID_LEN - 1) || id[PII_KEY_ID_LEN - 1] != '.')
        return false;
    if (key_id) {
        memcpy(key_id, id, PII_KEY_ID_LEN - 1);
        key_id[PII_KEY_ID_LEN - 1] = '\0';
    }
    return true;
}

int pii_seal(const char *column, const char *plain, char out[PII_SEALED_MAX], struct errbuf *e)
{
    unsigned char box[NONCE_LEN + PLAIN_MAX + TAG_LEN];
    unsigned long long clen = 0;
    size_t len = strlen(plain);
    struct key k;
    int rc, at;
    out[0] = '\0';
    if (len == 0)
        return 0;
    if (len > PLAIN_MAX)
        return errbuf_set(e, -ERR_INVALID, "%s: longer than %d bytes", column, PLAIN_MAX);
    if ((rc = get_key(NULL, &k, e)) < 0)
        return rc;
    randombytes_buf(box, NONCE_LEN);
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + NONCE_LEN, &clen, (const unsigned char *)plain,
                                               len, (const unsigned char *)column, strlen(column),
                                               NULL, box, k.enc);
    at = snprintf(out, PII_SEALED_MAX, SEAL_PREFIX "%s.", k.id);
    sodium_bin2base64(out + at, (size_t)(PII_SEALED_MAX - at), box, NONCE_LEN + clen,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(&k, sizeof(k));
    return 0;
}

int pii_open(const char *column, const char *sealed, char *out, size_t n, struct errbuf *e)
{
    unsigned char box[NONCE_LEN + PLAIN_MAX + TAG_LEN];
    unsigned char plain[PLAIN_MAX + 1];
    unsigned long long plen = 0;
    size_t blen = 0;
    char id[PII_KEY_ID_LEN];
    const char *b64 = sealed + strlen(SEAL_PREFIX) + PII_KEY_ID_LEN;
    struct key k;
    int rc;
    if (!pii_is_sealed(sealed, id)) {
        snprintf(out, n, "%s", sealed);
        return 0;
    }
    if ((rc = get_key(id, &k, e)) < 0)
        return rc;
    if (sodium_base642bin(box, sizeof(box), b64, strlen(b64), NULL, &blen, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        blen < NONCE_LEN + TAG_LEN ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL, box + NONCE_LEN,
                                                   blen - NONCE_LEN, (const unsigned char *)column,
                                                   strlen(column), box, k.enc) != 0) {
        sodium_memzero(&k, sizeof(k));
        return errbuf_set(e, -ERR_INTERNAL, "%s: a sealed value does not open with key %s",
                          column, id);
    }
    sodium_memzero(&k, sizeof(k));
    plain[plen] = '\0';
    snprintf(out, n, "%s", (const char *)plain);
    sodium_memzero(plain, sizeof(plain));
    return 0;
}

static void hash_with(const struct key *k, const char *column, const char *plain,
                      char out[PII_HASH_LEN])
{
    unsigned char h[16];
    char hex[33];
    crypto_generichash_state st;
    crypto_generichash_init(&st, k->mac, sizeof(k->mac), sizeof(h));
    crypto_generichash_update(&st, (const unsigned char *)column, strlen(column) + 1);
    crypto_generichash_update(&st, (const unsigned char *)plain, strlen(plain));
    crypto_generichash_final(&st, h, sizeof(h));
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    snprintf(out, PII_HASH_LEN, "%s.%s", k->id, hex);
}

int pii_hash(const char *column, const char *plain, char out[PII_HASH_LEN], struct errbuf *e)
{
    struct key k;
    int rc;
    out[0] = '\0';
    if (!*plain)
        return 0;
    if ((rc = get_key(NULL, &k, e)) < 0)
        return rc;
    hash_with(&k, column, plain, out);
    sodium_memzero(&k, sizeof(k));
    return 0;
}

int pii_hash_all(const char *column, const char *plain, char out[][PII_HASH_LEN], int max,
                 struct errbuf *e)
{
    int rc, n = 0;
    pthread_mutex_lock(&ring.lock);
    if ((rc = fresh(false, false, e)) == 0)
        for (int i = ring.n - 1; i >= 0 && n < max; i--)
            hash_with(&ring.keys[i], column, plain, out[n++]);
    pthread_mutex_unlock(&ring.lock);
    return rc < 0 ? rc : n;
}

int pii_keys(struct pii_key_info *out, int max, struct errbuf *e)
{
    int rc, n = 0;
    pthread_mutex_lock(&ring.lock);
    if ((rc = fresh(false, true, e)) == 0)
        for (int i = 0; i < ring.n && n < max; i++, n++) {
            snprintf(out[n].id, sizeof(out[n].id), "%s", ring.keys[i].id);
            hash_with(&ring.keys[i], "key check", "dangjian", out[n].check);
        }
    pthread_mutex_unlock(&ring.lock);
    return rc < 0 ? rc : n;
}

/* Change the ring's file under the lock: fresh, edit a copy, write, read back. */
static int edit_file(const char *remove_id, char id_out[PII_KEY_ID_LEN], struct errbuf *e)
{
    struct key keys[PII_MAX_KEYS];
    int rc, n, k = 0;
    pthread_mutex_lock(&ring.lock);
    if ((rc = fresh(false, true, e)) < 0)
        goto out;
    if (ring.src != SRC_FILE) {
        rc = errbuf_set(e, -ERR_INVALID,
                        "the key ring comes from %s: change it there and restart",
                        ring.src == SRC_ENV ? "DANGJIAN_PII_KEY" : "memory");
        goto out;
    }
    n = ring.n;
    for (int i = 0; i < n; i++)
        if (!remove_id || strcmp(ring.keys[i].id, remove_id) != 0)
            keys[k++] = ring.keys[i];
    if (remove_id) {
        if (k == n)
            rc = errbuf_set(e, -ERR_NOTFOUND, "no key %s in %s", remove_id, ring.file);
        else if (strcmp(ring.keys[n - 1].id, remove_id) == 0)
            rc = errbuf_set(e, -ERR_INVALID, "key %s seals new values: rotate first", remove_id);
    } else if (k == PII_MAX_KEYS) {
        rc = errbuf_set(e, -ERR_INVALID, "the ring holds %d keys: retire old ones first", k);
    } else {
        new_key(&keys[k]);
        memcpy(id_out, keys[k].id, PII_KEY_ID_LEN);
        k++;
    }
    if (rc == 0 && (rc = write_ring(keys, k, e)) == 0)
        rc = read_file(false, e);
out:
    sodium_memzero(keys, sizeof(keys));
    pthread_mutex_unlock(&ring.lock);
    return rc;
}

int pii_add_key(char id_out[PII_KEY_ID_LEN], struct errbuf *e)
{
    return edit_file(NULL, id_out, e);
}

int pii_remove_key(const char *id, struct errbuf *e)
{
    return edit_file(id, NULL, e);
}
