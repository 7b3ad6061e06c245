/* A growing text buffer with printf-style appends (the corpus generator, the report). */
#ifndef DUSK_UTIL_TEXTBUF_H
#define DUSK_UTIL_TEXTBUF_H

#include <stddef.h>

#include "util/err.h"

typedef struct {
    char *s;  /* NUL-terminated (NULL while empty) */
    size_t n; /* bytes, without the NUL */
    size_t cap;
} TextBuf;

void tb_printf(TextBuf *b, const char *fmt, ...) DUSK_PRINTF(2, 3);
void tb_append(TextBuf *b, const char *s, size_t n);
void tb_free(TextBuf *b);

#endif
