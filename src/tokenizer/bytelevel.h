/* GPT-2's byte-level alphabet: every byte is shown as one printable Unicode
 * character so that BPE vocabularies can be stored as text. Printable Latin-1
 * bytes stand for themselves; the other 68 bytes map to U+0100.. in order. */
#ifndef DUSK_TOKENIZER_BYTELEVEL_H
#define DUSK_TOKENIZER_BYTELEVEL_H

#include <stddef.h>
#include <stdint.h>

uint32_t bytelevel_char_of_byte(unsigned char b);
/* The byte shown by code point cp, or -1 if cp is not in the alphabet. */
int bytelevel_byte_of_char(uint32_t cp);

/* Turn a byte-level token string (UTF-8 text) into the raw bytes it stands
 * for. out needs len bytes of room (the result is never longer). Returns the
 * byte count, or -1 when some character is outside the alphabet or the text
 * is not valid UTF-8. */
long bytelevel_to_bytes(const char *s, size_t len, unsigned char *out);

/* Spell raw bytes in the byte-level alphabet: out needs 2*len bytes of room.
 * Returns the UTF-8 byte count written. */
size_t bytelevel_from_bytes(const unsigned char *s, size_t len, char *out);

#endif
