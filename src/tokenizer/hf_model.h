/* The "model" (BPE vocabulary and merges) and "added_tokens" sections of a
 * tokenizer.json. */
#ifndef DUSK_TOKENIZER_HF_MODEL_H
#define DUSK_TOKENIZER_HF_MODEL_H

#include <cjson/cJSON.h>

#include "tokenizer/tokenizer_impl.h"

/* Fills tok->bpe and tok->table from root.model. */
int hf_parse_model(const cJSON *root, Tokenizer *tok);
/* Adds root.added_tokens to tok->added and tok->table. */
int hf_parse_added_tokens(const cJSON *root, Tokenizer *tok);

#endif
