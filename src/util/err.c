#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char g_message[2048];

int dusk_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_message, sizeof g_message, fmt, ap);
    va_end(ap);
    return -1;
}

int dusk_error_prefix(const char *fmt, ...) {
    char old[sizeof g_message];
    memcpy(old, g_message, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g_message, sizeof g_message, fmt, ap);
    va_end(ap);
    /* append ": old" after the prefix, truncating if needed */
    if (n >= 0 && (size_t)n < sizeof g_message) {
        size_t used = (size_t)n, room = sizeof g_message - used;
        size_t k = strlen(old);
        if (room > 3) {
            memcpy(g_message + used, ": ", 2);
            used += 2, room -= 2;
            if (k > room - 1) k = room - 1;
            memcpy(g_message + used, old, k);
            g_message[used + k] = '\0';
        }
    }
    return -1;
}

const char *dusk_last_error(void) { return g_message; }

void dusk_die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("dusk: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void out_of_memory(size_t n) {
    /* exit, not abort: a clean status, and atexit removes a half-written
     * output directory (util/outdir.c). */
    fprintf(stderr, "dusk: out of memory allocating %zu bytes\n", n);
    exit(1);
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory(n);
    return p;
}

void *xcalloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) out_of_memory(count * size);
    return p;
}

void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) out_of_memory(n);
    return q;
}

char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

char *str_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}
