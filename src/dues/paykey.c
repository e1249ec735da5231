/* Key files of the payment providers, read again on change (paykey.h). */
#include "dues/paykey.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dues/paycrypto.h"
#include "base/banned.h"

#define KEY_MAX (64 * 1024) /* a PEM key or certificate is a few KB */
#define SLOTS 16

/* A parsed key and the identity of the file it came from. */
struct slot {
    char path[512];
    bool public;
    struct timespec mtime;
    off_t size;
    ino_t ino;
    EVP_PKEY *key;
};
static struct slot slots[SLOTS];
static unsigned next_slot;
static pthread_mutex_t paykey_lock = PTHREAD_MUTEX_INITIALIZER;

static int mode_ok(const char *path, const struct stat *st, struct errbuf *e)
{
    if (!S_ISREG(st->st_mode))
        return errbuf_set(e, -ERR_INVALID, "key file '%s' is not a regular file", path);
    if (st->st_mode & 077)
        return errbuf_set(e, -ERR_INVALID,
                          "key file '%s' has mode %04o: a secret key file must be 0600", path,
                          (unsigned)(st->st_mode & 07777));
    return 0;
}

int paykey_check_mode(const char *path, struct errbuf *e)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return errbuf_set(e, -ERR_IO, "cannot read key file '%s': %s", path, strerror(errno));
    return mode_ok(path, &st, e);
}

/* Read the whole file (at most KEY_MAX bytes) that fd is open on into out. */
static int read_all(int fd, const char *path, struct buf *out, struct errbuf *e)
{
    char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        if (buf_add(out, chunk, (size_t)n) < 0) {
            sodium_memzero(chunk, sizeof(chunk));
            return errbuf_set(e, -ERR_INVALID, "key file '%s' is too large", path);
        }
    sodium_memzero(chunk, sizeof(chunk));
    if (n < 0)
        return errbuf_set(e, -ERR_IO, "cannot read key file '%s': %s", path, strerror(errno));
    return 0;
}

/* Open path, check its mode (secret) and read it; *st receives what fstat said. */
static int load(const char *path, bool secret, struct buf *out, struct stat *st, struct errbuf *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
    if (fd < 0)
        return errbuf_set(e, -ERR_IO, "cannot open key file '%s': %s", path, strerror(errno));
    if (fstat(fd, st) < 0)
        rc = errbuf_set(e, -ERR_IO, "cannot read key file '%s': %s", path, strerror(errno));
    else if (secret)
        rc = mode_ok(path, st, e);
    else
        rc = S_ISREG(st->st_mode) ? 0
                                  : errbuf_set(e, -ERR_INVALID, "'%s' is not a regular file", path);
    if (rc == 0) {
        out->max = KEY_MAX;
        rc = read_all(fd, path, out, e);
    }
    close(fd);
    return rc;
}

static bool same_file(const struct slot *s, const struct stat *st)
{
    return s->mtime.tv_sec == st->st_mtim.tv_sec && s->mtime.tv_nsec == st->st_mtim.tv_nsec &&
           s->size == st->st_size && s->ino == st->st_ino;
}

/* The key in path, parsed once per version of the file. */
static int cached_key(const char *path, bool public, EVP_PKEY **ret, struct errbuf *e)
{
    struct stat st;
    struct buf text = BUF_INIT;
    struct slot *s = NULL;
    EVP_PKEY *k = NULL;
    int rc;
    if (stat(path, &st) < 0)
        return errbuf_set(e, -ERR_IO, "cannot open key file '%s': %s", path, strerror(errno));
    if (!public && (rc = mode_ok(path, &st, e)) < 0)
        return rc;
    pthread_mutex_lock(&paykey_lock);
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].key && slots[i].public == public && strcmp(slots[i].path, path) == 0) {
            s = &slots[i];
            break;
        }
    if (s && same_file(s, &st)) {
        EVP_PKEY_up_ref(s->key);
        *ret = s->key;
        pthread_mutex_unlock(&paykey_lock);
        return 0;
    }
    pthread_mutex_unlock(&paykey_lock);

    /* new or changed: read and parse outside the lock */
    if ((rc = load(path, !public, &text, &st, e)) == 0) {
        rc = public ? paycrypto_public_key(text.data, text.len, &k, e)
                    : paycrypto_private_key(text.data, text.len, &k, e);
        if (rc < 0)
            errbuf_prefix(e, "key file '%s'", path);
    }
    if (text.data)
        sodium_memzero(text.data, text.len);
    buf_release(&text);
    if (rc < 0)
        return rc;
    if (strlen(path) >= sizeof(slots[0].path)) { /* not cached: parsed on every use */
        *ret = k;
        return 0;
    }
    pthread_mutex_lock(&paykey_lock);
    s = NULL;
    for (unsigned i = 0; i < SLOTS && !s; i++)
        if (slots[i].key && slots[i].public == public && strcmp(slots[i].path, path) == 0)
            s = &slots[i];
    if (!s)
        s = &slots[next_slot++ % SLOTS];
    EVP_PKEY_free(s->key);
    snprintf(s->path, sizeof(s->path), "%s", path);
    s->public = public;
    s->mtime = st.st_mtim;
    s->size = st.st_size;
    s->ino = st.st_ino;
    s->key = k;
    EVP_PKEY_up_ref(k);
    pthread_mutex_unlock(&paykey_lock);
    *ret = k;
    return 0;
}

int paykey_private(const char *path, EVP_PKEY **ret, struct errbuf *e)
{
    return cached_key(path, false, ret, e);
}

int paykey_public(const char *path, EVP_PKEY **ret, struct errbuf *e)
{
    return cached_key(path, true, ret, e);
}

int paykey_secret32(const char *path, unsigned char ret[32], struct errbuf *e)
{
    struct buf text = BUF_INIT;
    struct stat st;
    int rc = load(path, true, &text, &st, e);
    size_t n = text.len;
    while (rc == 0 && n && (text.data[n - 1] == '\n' || text.data[n - 1] == '\r'))
        n--;
    if (rc == 0 && n != 32)
        rc = errbuf_set(e, -ERR_INVALID, "key file '%s' must hold a key of 32 bytes, not %zu", path,
                        n);
    if (rc == 0)
        memcpy(ret, text.data, 32);
    if (text.data)
        sodium_memzero(text.data, text.len);
    buf_release(&text);
    return rc;
}
