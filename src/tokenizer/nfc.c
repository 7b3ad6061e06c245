#include "tokenizer/nfc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tokenizer/utf8.h"
#include "util/err.h"

typedef struct {
    char *data;
    size_t n, cap;
} Buf;

static void buf_append(Buf *b, const void *p, size_t n) {
    if (b->n + n + 1 > b->cap) {
        while (b->n + n + 1 > b->cap) b->cap = b->cap ? 2 * b->cap : 64;
        b->data = xrealloc(b->data, b->cap);
    }
    memcpy(b->data + b->n, p, n);
    b->n += n;
}

/* Length of the valid UTF-8 prefix of s (stops at the first bad byte). */
static size_t valid_prefix(const unsigned char *s, size_t len, int *ascii_only) {
    size_t i = 0;
    *ascii_only = 1;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int n = utf8_decode(s + i, len - i, &cp);
        if (n == 0) break;
        *ascii_only = 0;
        i += (size_t)n;
    }
    return i;
}

static int append_nfc(Buf *b, const unsigned char *s, size_t n) {
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t m = utf8proc_map(s, (utf8proc_ssize_t)n, &dst, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (m < 0) return dusk_error("NFC normalisation failed: %s", utf8proc_errmsg(m));
    buf_append(b, dst, (size_t)m);
    free(dst);
    return 0;
}

int nfc_normalize(const char *text, size_t len, char **out, size_t *out_len) {
    const unsigned char *s = (const unsigned char *)text;
    Buf b = {0};
    buf_append(&b, "", 0);
    size_t i = 0;
    while (i < len) {
        int ascii_only;
        size_t run = valid_prefix(s + i, len - i, &ascii_only);
        /* ASCII is its own NFC and never composes with what follows */
        if (run > 0 && (ascii_only ? (buf_append(&b, s + i, run), 0) : append_nfc(&b, s + i, run)) != 0) {
            free(b.data);
            return -1;
        }
        i += run;
        if (i < len) buf_append(&b, s + i++, 1); /* an invalid byte, kept */
    }
    b.data[b.n] = '\0';
    *out = b.data;
    *out_len = b.n;
    return 0;
}
