/* generation_config.json: HF generate() takes its stop tokens from the
 * model's generation config, which transformers loads from
 * generation_config.json beside the weights when that file exists and
 * otherwise derives from config.json. */
#ifndef DUSK_GENERATION_CONFIG_H
#define DUSK_GENERATION_CONFIG_H

#include "model/config.h"

/* If model_dir holds a generation_config.json with an eos_token_id (an int
 * or a list), make those c's EOS ids. *source is set to "generation_config.json",
 * "config.json" or "llama2.c checkpoint" (what the ids now come from). 0, or -1 with a message
 * naming the file on malformed JSON or a bad field. model_dir may be a file
 * (a llama2.c .bin): nothing is read then. */
int generation_config_apply(ModelConfig *c, const char *model_dir, const char **source);

#endif
