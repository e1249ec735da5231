/* Common includes for the cmocka unit tests (cmocka needs the first four before it). */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

/* Members' personal data is sealed with a key kept outside the database (base/pii.h): the
 * tests' databases share one fixed key from the environment, unless a test sets its own. */
__attribute__((constructor)) static void unit_pii_key(void)
{
    setenv("DANGJIAN_PII_KEY", "7e57c0de:JcYrC2XnEkXkFanGfpOigCpxrbsQgzNKGUbOLdI8F_Y", 0);
}

/* Remove a test's SQLite database at path with its journal files and its key ring. */
static inline void unit_remove_db(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal", ".keys", ".keys.new"};
    char p[400];
    for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        unlink(p);
    }
}

#endif
