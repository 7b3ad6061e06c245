#include "data/text.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fileio.h"

int utf8_valid(const char *str, size_t n, size_t *bad_offset) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        int len;
        uint32_t cp, min;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xe0) == 0xc0) len = 2, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0) len = 3, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0) len = 4, cp = c & 0x07, min = 0x10000;
        else goto bad;
        if (i + (size_t)len > n) goto bad;
        for (int k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) goto bad;
        i += (size_t)len;
    }
    return 1;
bad:
    if (bad_offset) *bad_offset = i;
    return 0;
}

char *read_text_file(const char *path, size_t *len) {
    size_t n;
    char *buf = read_file_all(path, &n);
    if (!buf) return NULL;
    size_t bad;
    if (!utf8_valid(buf, n, &bad)) {
        free(buf);
        dusk_error("%s: invalid UTF-8 at byte %zu", path, bad);
        return NULL;
    }
    size_t w = 0;
    for (size_t r = 0; r < n; r++) {
        if (buf[r] == '\r') {
            buf[w++] = '\n';
            if (r + 1 < n && buf[r + 1] == '\n') r++;
        } else {
            buf[w++] = buf[r];
        }
    }
    buf[w] = '\0';
    if (len) *len = w;
    return buf;
}

void sha256_hex(const void *data, size_t n, char out[65]) {
    unsigned char md[32];
    unsigned int md_len = 0;
    EVP_Digest(data, n, md, &md_len, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int sha256_file_hex(const char *path, char out[65]) {
    size_t n;
    char *buf = read_file_all(path, &n);
    if (!buf) return -1;
    sha256_hex(buf, n, out);
    free(buf);
    return 0;
}
