/* The model hyperparameters, read from and written to HF config.json. */
#ifndef DUSK_CONFIG_H
#define DUSK_CONFIG_H

#include "util/dtype.h"

#define CONFIG_MAX_EOS 8

typedef struct {
    char model_type[32];      /* "llama" or "qwen2" */
    int vocab_size;
    int hidden_size;
    int intermediate_size;
    int num_hidden_layers;
    int num_attention_heads;
    int num_key_value_heads;
    int head_dim;
    int max_position_embeddings;
    float rms_norm_eps;
    float rope_theta;
    float initializer_range;
    int tie_word_embeddings;
    int qkv_bias;             /* q/k/v projections have a bias */
    int o_bias;               /* o_proj has a bias (Llama attention_bias) */
    /* rope_scaling {"rope_type": "llama3", ...}; rope_llama3 == 0 means none */
    int rope_llama3;
    float rope_factor, rope_low_freq_factor, rope_high_freq_factor;
    int rope_original_max_pos;
    int bos_token_id;         /* -1 if unset */
    int n_eos;
    int eos_token_ids[CONFIG_MAX_EOS];
    /* The config.json text this was parsed from (owned, NULL when built
     * otherwise, e.g. from a llama2.c header): written back as it was. */
    char *source_json;
} ModelConfig;

/* Fill HF defaults for a Llama config. */
void config_defaults(ModelConfig *c);
/* Parse config.json text; path only names the file in messages. Validates
 * every value (positive sizes, heads divide, supported activation/scaling). */
int config_parse(ModelConfig *c, const char *json_text, const char *path);
int config_load(ModelConfig *c, const char *path);
/* Check sizes are consistent; 0 or -1 with a message prefixed by `what`. */
int config_validate(const ModelConfig *c, const char *what);
/* The model's products of sizes fit an int and its weights fit in memory. */
int config_check_size(const ModelConfig *c, const char *what);
/* Free what config_parse/config_load allocated (source_json). */
void config_free(ModelConfig *c);
/* HF config.json for a checkpoint whose weights are stored as dtype
 * (malloc'd string). From source_json when there is one: the same text with
 * only torch_dtype (and "dtype" if present) set to the stored dtype, every
 * other key and number spelling untouched. Otherwise built from the fields,
 * floats in their shortest form (1e-05, not 9.99999974737875e-06). */
char *config_to_json(const ModelConfig *c, DType dtype);
/* Inverse rotary frequencies [head_dim/2], with llama3 scaling applied. */
void config_rope_inv_freq(const ModelConfig *c, float *inv_freq);
int config_is_eos(const ModelConfig *c, int token);
/* The "eos_token_id" field of root (an int or a list) into c; absent or null
 * leaves c as it is. Also used for generation_config.json. */
struct cJSON;
int config_parse_eos(ModelConfig *c, const struct cJSON *root, const char *path);

#endif
