#include "util/textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tb_reserve(TextBuf *b, size_t extra) {
    if (b->n + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + extra + 1) cap *= 2;
    b->s = xrealloc(b->s, cap);
    b->cap = cap;
}

void tb_append(TextBuf *b, const char *s, size_t n) {
    tb_reserve(b, n);
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void tb_printf(TextBuf *b, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len > 0) {
        tb_reserve(b, (size_t)len);
        vsnprintf(b->s + b->n, (size_t)len + 1, fmt, ap2);
        b->n += (size_t)len;
    }
    va_end(ap2);
}

void tb_free(TextBuf *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}
