/* Reading text files as the Python reference does (text mode: universal
 * newlines, UTF-8), and hashing data for run records. */
#ifndef DUSK_TEXT_H
#define DUSK_TEXT_H

#include <stddef.h>

/* Read path as UTF-8 text with "\r\n" and lone "\r" turned into "\n"
 * (Python's universal newlines). Invalid UTF-8 is an error naming the file
 * and byte offset. Returns a malloc'd NUL-terminated string. */
char *read_text_file(const char *path, size_t *len);

/* 1 if the n bytes are valid UTF-8 (no overlongs, surrogates or > U+10FFFF);
 * else 0 and *bad_offset is the first bad byte. */
int utf8_valid(const char *s, size_t n, size_t *bad_offset);

/* Lowercase hex SHA-256 of a buffer (65 bytes with NUL). */
void sha256_hex(const void *data, size_t n, char out[65]);
/* SHA-256 of a file's bytes; -1 with an error if unreadable. */
int sha256_file_hex(const char *path, char out[65]);

#endif
