/* Greedy decoding with a KV cache, several prompts at once. */
#ifndef DUSK_GENERATE_H
#define DUSK_GENERATE_H

#include "model/llama.h"

typedef struct {
    int n;          /* generated tokens (stop token excluded) */
    int *tokens;
    int hit_eos;    /* 1 if generation ended at an EOS token */
} Generation;

/* Greedy continuation of each prompt, up to max_new tokens or an EOS of the
 * config. use_kv_cache = 0 recomputes the whole prefix every step (slow;
 * kept as a reference and for benchmarks). Returns 0 or -1 (e.g. a prompt
 * longer than max_position_embeddings). out[i] must be freed with
 * generation_free. */
int generate_greedy(Model *m, int n_prompts, const int *const *prompts, const int *prompt_lens, int max_new,
                    int use_kv_cache, Generation *out);

/* Asked about prompt `prompt` after 16, 32, 64, ... new tokens (its tokens so
 * far): nonzero ends that prompt's generation there. */
typedef int (*GenerationStop)(void *arg, int prompt, const int *tokens, int n);

/* generate_greedy with the KV cache, each prompt also ending when `stop`
 * says so; one prefill, whatever the stops. */
int generate_greedy_until(Model *m, int n_prompts, const int *const *prompts, const int *prompt_lens, int max_new,
                          GenerationStop stop, void *stop_arg, Generation *out);
void generation_free(Generation *g);

#endif
