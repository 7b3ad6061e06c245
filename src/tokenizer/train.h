/* Byte-level BPE training (GPT-2's split regex), written out as an HF
 * tokenizer.json.
 *
 * Vocabulary layout: ids 0..255 are the single bytes (id = byte value), then
 * one id per learned merge in the order learned, then the special tokens
 * BOS and EOS (<|begin_of_text|>, <|end_of_text|>), so vocab_size counts
 * all three groups. The post-processor puts BOS before each text.
 *
 * Merge order (deterministic): the adjacent pair with the highest count over
 * all pre-tokens; ties go to the smaller left id, then the smaller right id.
 * A merge whose result already exists as a token (the same bytes reached by
 * another split) reuses that id, as HF's trainer does. Training stops early
 * when no pair is left. */
#ifndef DUSK_TOKENIZER_TRAIN_H
#define DUSK_TOKENIZER_TRAIN_H

#include <stddef.h>

#define TRAIN_BOS_TOKEN "<|begin_of_text|>"
#define TRAIN_EOS_TOKEN "<|end_of_text|>"
/* Largest vocabulary the trainer makes. */
#define TOKEN_LIMIT_FOR_TRAINING 1000000

typedef struct {
    int n_tokens;      /* bytes + learned tokens (not the specials) */
    int n_merges;
    int *merge_left, *merge_right, *merge_result; /* per rank */
    unsigned char **token_bytes; /* per id */
    int *token_len;
} BpeTrainResult;

/* Learn merges from texts until vocab_size - 2 tokens exist (or no pair is
 * left). 0, or -1 with dusk_error. */
int bpe_train(const char *const *texts, const size_t *lens, int n_texts, int vocab_size, BpeTrainResult *out);
void bpe_train_result_free(BpeTrainResult *r);

/* Write the result as a tokenizer.json (atomically). */
int bpe_train_write_json(const BpeTrainResult *r, const char *path);

/* Read the files, train and write: what `dusk tokenizer train` does. */
int bpe_train_files(const char *const *files, int n_files, int vocab_size, const char *out_path);

#endif
