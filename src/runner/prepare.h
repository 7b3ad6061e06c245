/* The sweep's first stages, each one directory written as a transaction:
 * the generated corpus (RESULTS/data), a tokenizer trained on it
 * (RESULTS/tokenizer), and the randomly initialised model both target and
 * retrain start from (RESULTS/init, tokenizer.json inside). */
#ifndef DUSK_RUNNER_PREPARE_H
#define DUSK_RUNNER_PREPARE_H

#include "runner/preset.h"

/* `dusk gen` with the preset's sizes into dir. 0 or -1 (message). */
int prepare_corpus(const char *dir, const Preset *ps, unsigned long long seed, const char *forget);
/* A BPE tokenizer of ps->vocab_size trained on data's five documents, its
 * world document and the MIA holdout text, written as dir/tokenizer.json. */
int prepare_tokenizer(const char *dir, const char *data, const Preset *ps);
/* A Llama of the preset's shape over that tokenizer, random weights from
 * seed, into dir (config.json, model.safetensors, tokenizer.json). */
int prepare_init_model(const char *dir, const char *tokenizer_json, const Preset *ps, unsigned long long seed);

#endif
