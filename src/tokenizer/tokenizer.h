/* Tokenizers behind one interface: HF tokenizer.json byte-level BPE (GPT-2,
 * Llama-3, Qwen2 families) and llama2.c's SentencePiece-style tokenizer.bin. */
#ifndef DUSK_TOKENIZER_H
#define DUSK_TOKENIZER_H

#include <stddef.h>

typedef struct Tokenizer Tokenizer;

/* path: a tokenizer.json, a directory containing one, or a llama2.c
 * tokenizer.bin. NULL with dusk_error set (naming file and field) on failure. */
Tokenizer *tokenizer_load(const char *path);
void tokenizer_free(Tokenizer *tok);

int tokenizer_vocab_size(const Tokenizer *tok);
int tokenizer_bos_id(const Tokenizer *tok); /* -1 if none */
int tokenizer_eos_id(const Tokenizer *tok); /* -1 if none */

/* Encode len bytes of text. add_special: add BOS etc. as the post-processor
 * says (HF add_special_tokens=True). Special/added tokens in the text are
 * always split out (HF behaviour). *ids is malloc'd. Returns 0 or -1. */
int tokenizer_encode(const Tokenizer *tok, const char *text, size_t len, int add_special, int **ids,
                     int *n_ids);

/* Decode ids to a malloc'd NUL-terminated string (*out_len bytes, may
 * contain any bytes). skip_special: drop special tokens; cleanup: HF
 * clean_up_tokenization_spaces. NULL with dusk_error on an out-of-range id. */
char *tokenizer_decode(const Tokenizer *tok, const int *ids, int n_ids, int skip_special, int cleanup,
                       size_t *out_len);

#endif
