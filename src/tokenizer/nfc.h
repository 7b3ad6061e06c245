/* Unicode NFC normalisation, the "NFC" normalizer of HF tokenizer.json
 * (Qwen2's tokenizers use it), done by utf8proc. */
#ifndef DUSK_TOKENIZER_NFC_H
#define DUSK_TOKENIZER_NFC_H

#include <stddef.h>

/* NFC of text[0..len) into a malloc'd buffer (*out, *out_len bytes, NUL
 * added). Byte-level BPE accepts invalid UTF-8, which utf8proc refuses: the
 * valid stretches are normalised and invalid bytes kept as they are (HF only
 * ever sees valid text, so there is nothing else to match). Returns 0, or -1
 * with dusk_error set. */
int nfc_normalize(const char *text, size_t len, char **out, size_t *out_len);

#endif
