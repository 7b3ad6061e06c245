/* A tiny test harness: CHECK records failures and keeps going; each test
 * program returns non-zero if any check failed. */
#ifndef DUSK_CHECK_H
#define DUSK_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int g_checks_failed = 0;
static int g_checks_run = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        g_checks_run++;                                                               \
        if (!(cond)) {                                                                \
            g_checks_failed++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

#define CHECK_MSG(cond, ...)                                                  \
    do {                                                                      \
        g_checks_run++;                                                       \
        if (!(cond)) {                                                        \
            g_checks_failed++;                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

#define CHECK_NEAR(a, b, tol) \
    CHECK_MSG(fabs((double)(a) - (double)(b)) <= (tol), "%.9g vs %.9g (tol %g)", (double)(a), (double)(b), (double)(tol))

/* A fresh folder $TMPDIR/<prefix>-XXXXXX (else under /tmp) for a test's
 * files, written into dir; exits 2 if it cannot be made. */
static inline void check_tmpdir_make(char *dir, size_t size, const char *prefix) {
    snprintf(dir, size, "%s/%s-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", prefix);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
}

/* Removes that folder and everything in it. */
static inline void check_tmpdir_remove(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

static inline int check_report(const char *name) {
    printf("%s: %d checks, %d failed\n", name, g_checks_run, g_checks_failed);
    return g_checks_failed ? 1 : 0;
}

#endif
