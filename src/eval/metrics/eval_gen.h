/* Batched greedy generation for evaluation: prompts encoded with BOS, KV
 * cache (each prompt has its own cache: no padding, so a batch gives what
 * one prompt at a time gives), outputs decoded with skip_special_tokens and,
 * when cleanup, clean_up_tokenization_spaces (the DUSK release passes True). */
#ifndef DUSK_EVAL_GEN_H
#define DUSK_EVAL_GEN_H

#include "model/llama.h"
#include "tokenizer/tokenizer.h"

/* outputs[i] (malloc'd) = the decoded continuation of prompts[i]. Prompts
 * are generated `batch` at a time. Returns 0 or -1. */
int eval_generate(Model *m, const Tokenizer *tok, char *const *prompts, int n, int max_new, int batch, int cleanup,
                  char **outputs);

#endif
