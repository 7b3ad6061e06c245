/* dusk does not implement Unicode normalization. Tokenizers whose
 * normalizer is NFC (Qwen2) are still usable on text that NFC leaves
 * unchanged, which this check recognises conservatively. */
#ifndef DUSK_TOKENIZER_NFC_CHECK_H
#define DUSK_TOKENIZER_NFC_CHECK_H

#include <stddef.h>

/* 0 if text[0..len) is certainly unchanged by NFC; otherwise -1 with
 * dusk_error naming the first code point that might change. Invalid UTF-8
 * bytes are passed over (byte-level BPE encodes them as they are). */
int nfc_check_unchanged(const char *text, size_t len);

#endif
