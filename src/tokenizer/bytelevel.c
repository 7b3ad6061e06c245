#include "tokenizer/bytelevel.h"

#include "tokenizer/utf8.h"

/* Bytes GPT-2 keeps as themselves: '!'..'~', U+00A1..U+00AC, U+00AE..U+00FF. */
static int is_shown_as_itself(unsigned b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
}

/* The 68 bytes that are not shown as themselves are 0x00..0x20, 0x7F..0xA0 and
 * 0xAD; the n-th of them (in byte order) is shown as U+0100 + n. */
uint32_t bytelevel_char_of_byte(unsigned char b) {
    if (is_shown_as_itself(b)) return b;
    if (b <= 0x20) return 256u + b;
    if (b <= 0xA0) return 256u + 33u + (b - 0x7Fu);
    return 256u + 67u; /* 0xAD, the soft hyphen */
}

int bytelevel_byte_of_char(uint32_t cp) {
    if (cp < 256) return is_shown_as_itself(cp) ? (int)cp : -1;
    uint32_t n = cp - 256;
    if (n < 33) return (int)n;
    if (n < 67) return (int)(0x7F + (n - 33));
    if (n == 67) return 0xAD;
    return -1;
}

long bytelevel_to_bytes(const char *s, size_t len, unsigned char *out) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, n = 0;
    while (i < len) {
        uint32_t cp;
        int k = utf8_decode(p + i, len - i, &cp);
        if (k == 0) return -1;
        int b = bytelevel_byte_of_char(cp);
        if (b < 0) return -1;
        out[n++] = (unsigned char)b;
        i += (size_t)k;
    }
    return (long)n;
}

size_t bytelevel_from_bytes(const unsigned char *s, size_t len, char *out) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += (size_t)utf8_encode(bytelevel_char_of_byte(s[i]), out + n);
    return n;
}
