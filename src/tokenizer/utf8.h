/* UTF-8 helpers for the tokenizers. Tokenizers see arbitrary bytes, so every
 * function here is defined on invalid input too. */
#ifndef DUSK_TOKENIZER_UTF8_H
#define DUSK_TOKENIZER_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s[0..len). Returns its byte length (1..4) and
 * sets *cp, or returns 0 when the bytes at s do not start a valid, shortest-form
 * UTF-8 sequence (len must be > 0). */
int utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Write cp as UTF-8 into out (4 bytes room); returns the byte count. */
int utf8_encode(uint32_t cp, char *out);

/* Unicode White_Space property (what Rust's char::is_whitespace tests). */
int utf8_is_whitespace(uint32_t cp);

/* text as valid UTF-8: every maximal invalid subpart replaced by U+FFFD,
 * as Rust's String::from_utf8_lossy (HF tokenizers' decode) and Python's
 * bytes.decode("utf-8", "replace") do. Heap-allocated (free() it),
 * NUL-terminated. */
char *utf8_lossy(const char *text, size_t len, size_t *out_len);

#endif
