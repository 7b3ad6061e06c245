/* Tokenizers behind one interface: HF tokenizer.json byte-level BPE (GPT-2,
 * Llama-3, Qwen2 families) and llama2.c's SentencePiece-style tokenizer.bin.
 *
 * tokenizer.json support: model BPE (ignore_merges, unk/fuse_unk; no dropout
 * or subword prefixes); pre_tokenizer ByteLevel, Split (regex or literal,
 * every behavior) and Sequence, with ByteLevel last; normalizer none or NFC
 * (utf8proc; invalid bytes pass through unnormalised);
 * post_processor TemplateProcessing, Roberta/BertProcessing, ByteLevel,
 * Sequence; decoder ByteLevel; added tokens with lstrip/rstrip/single_word.
 * BOS/EOS come from tokenizer_config.json beside the file when present,
 * else from the template (and the usual end-of-text names for EOS).
 *
 * Encoding and decoding only read the Tokenizer (their scratch state is per
 * call). Byte-level BPE accepts any bytes, invalid UTF-8 included, and
 * decode(encode(x)) == x byte for byte. */
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

/* tokenizer_encode with a choice about special tokens written in the text:
 * parse_special != 0 turns them into their ids (HF's default); 0 encodes
 * them as ordinary text (HF encode_special_tokens). llama2.c tokenizers have
 * no such tokens in text and ignore it. */
int tokenizer_encode_ex(const Tokenizer *tok, const char *text, size_t len, int add_special, int parse_special,
                        int **ids, int *n_ids);

/* clean_up_tokenization_spaces of the tokenizer_config.json beside a
 * tokenizer.json: 1 or 0, or -1 when there is no such file or field (then
 * current transformers decodes without cleanup; older versions with it). */
int tokenizer_config_cleanup(const Tokenizer *tok);

/* 1 if id is a special token (dropped by skip_special when decoding). */
int tokenizer_is_special(const Tokenizer *tok, int id);

/* Decode ids to a malloc'd NUL-terminated string (*out_len bytes, may
 * contain any bytes). skip_special: drop special tokens; cleanup: HF
 * clean_up_tokenization_spaces. NULL with dusk_error on an out-of-range id. */
char *tokenizer_decode(const Tokenizer *tok, const int *ids, int n_ids, int skip_special, int cleanup,
                       size_t *out_len);
/* The same, then made valid UTF-8 (invalid stretches become U+FFFD): the
 * string HF's tokenizer.decode returns. Used wherever decoded text is scored
 * or re-encoded. */
char *tokenizer_decode_text(const Tokenizer *tok, const int *ids, int n_ids, int skip_special, int cleanup,
                            size_t *out_len);

#endif
